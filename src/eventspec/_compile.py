"""The fast path: a schema compiled into one specialised Python predicate.

Most events are valid, so "is this valid?" must be cheap; the full report is built
only when the answer is no. A `Compiler` owns a set of documents (base URI -> schema)
and turns a schema among them (following ``$ref`` through them) into Python source,
one small function per shared subschema with the rest inlined, and ``exec``\\ s it
once, in a namespace of its own. Every string taken from a schema reaches the source
through ``repr``, so no schema can inject code.

Semantics follow jsonschema's validator for the schema's own draft (``$schema``:
2020-12 by default, 2019-09 and draft-07 compiled too): the common cases are inlined
(``type(v) is str``), anything unusual (a float that may be an integer, a Decimal, a
str subclass in an enum, most formats) goes to the very functions jsonschema uses.
What the compiler does not implement (``unevaluated*``, ``$dynamicRef``,
``$recursiveRef``, drafts 3 to 6) is validated by jsonschema itself, for the whole
schema: a verdict is never guessed. The tests hold both paths to jsonschema's verdict
and findings, and to the official JSON Schema Test Suite.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any, NamedTuple

from ._report import (
    Error,
    Malformed,
    Reporter,
    count,
    error_at,
    keywords,
    names,
    number,
    regex,
    schema_map,
    schemas,
    subschema,
    types,
)
from ._reportcode import ReportCode
from ._resolve import Index, SchemaError, Scope, Unresolvable, Unsupported, pointer_to
from ._runtime import SHAPES, conforms_in, namespace, shape_name

__all__ = ["Compiled", "Compiler", "Error", "SchemaError", "Unsupported"]

_TYPE_TESTS = {
    # The plain Python type first (the common case), then jsonschema's own checker.
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "string": "isinstance({v}, str)",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
    "integer": "(type({v}) is int or _is_type({v}, 'integer'))",
    "number": "(type({v}) is float or type({v}) is int or _is_type({v}, 'number'))",
}

# Strings remembered as passing, per string check with a regex or a format (see _string).
_REMEMBERED = 2048

# A $ref target whose checks take at most this many lines is inlined where it is used.
_INLINE_LINES = 16

# Subschemas nested deeper than this in one function become functions of their own:
# Python refuses more than 20 nested blocks in one function.
_DEPTH = 5


class Compiled(NamedTuple):
    """One schema, compiled."""

    check: Callable[[Any], bool]  #: the exact verdict
    report: Callable[[Any], list[Error]]  #: every error; empty exactly when check() is True
    native: bool  #: False when jsonschema validates it (a keyword the compiler lacks)
    source: str | None  #: the generated code (None when not native)


def _type_test(value: Any, var: str) -> str:
    tests = [_TYPE_TESTS[name].format(v=var) for name in types(value)]
    return tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"


class _Generator:
    """Generates predicate functions; one per compiler, its tables shared by every
    schema the compiler compiles (the envelope, the context are generated once)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.names: dict[tuple[int, Scope], str] = {}  # (id(node), its scope) -> function
        self.sources: dict[str, str] = {}  # function -> its source
        self.order: list[str] = []  # functions in the order they were generated
        self.constants: dict[str, Any] = {}  # generated since the last commit
        self.inlining: set[Any] = set()  # $ref targets being inlined (a cycle stays a call)
        self.big: set[Any] = set()  # $ref targets too big to inline
        # (id(node), its scope) -> the strings seen to pass its string keywords (one set
        # wherever the node is inlined; the report code reads it too)
        self.remembered: dict[tuple[int, Scope], set[str]] = {}
        self.inlined: dict[tuple[Any, str, int], list[str]] = {}  # small ones, as generated
        self._counter = itertools.count()  # names are never reused, even after a rollback
        self._saved: tuple[Any, ...] = ()

    # --- transactions: a failed compile leaves nothing behind ------------------------

    def begin(self) -> None:
        self._saved = (dict(self.names), set(self.big), dict(self.inlined), len(self.order))
        self.constants = {}

    def rollback(self) -> None:
        names, big, inlined, done = self._saved
        for name in self.order[done:]:
            del self.sources[name]
        del self.order[done:]
        self.names, self.big, self.inlined = names, big, inlined
        self.inlining.clear()
        self.constants = {}

    def pending(self) -> str:
        return "\n".join(self.sources[name] for name in self.order[self._saved[3]:])

    def source_of(self, entry: str) -> str:
        """``entry``'s function and every function it calls, in definition order."""
        seen = {entry}
        todo = [entry]
        while todo:
            for called in re.findall(r"\b_s\d+\b", self.sources[todo.pop()]):
                if called not in seen and called in self.sources:
                    seen.add(called)
                    todo.append(called)
        return "\n".join(self.sources[name] for name in self.order if name in seen)

    # --- generation -------------------------------------------------------------------

    def constant(self, value: Any) -> str:
        name = f"_c{next(self._counter)}"
        self.constants[name] = value
        return name

    @staticmethod
    def key(schema: Any, scope: Scope) -> tuple[int, Scope]:
        # Every schema object lives in the compiler's documents, which it keeps: an id
        # stays the same object's for as long as the key can be looked up.
        return (id(schema), scope)

    def function(self, schema: Any, scope: Scope) -> str:
        """The name of the function checking ``schema`` (generated once per subschema)."""
        scope = Index.enter(scope, schema)
        key = self.key(schema, scope)
        name = self.names.get(key)
        if name is not None:
            return name
        self.names[key] = name = f"_s{next(self._counter)}"
        body: list[str] = []
        self._body(schema, scope, body, "v", 0)
        self.sources[name] = f"def {name}(v):\n" + "".join(f"    {line}\n" for line in body) + "    return True\n"
        self.order.append(name)
        return name

    def _check(self, schema: Any, scope: Scope, var: str) -> str:
        """An expression that is true when ``var`` is valid under ``schema`` (in ``scope``,
        its own $id already applied)."""
        if schema is True:
            return "True"
        if schema is False:
            return "False"
        scope = Index.enter(scope, schema)
        found = keywords(schema, scope)
        if list(found) == ["type"]:
            return _type_test(found["type"], var)
        if list(found) == ["$ref"]:  # a bare reference: call its target directly
            return f"{self.function(*self.index.lookup(found['$ref'], scope))}({var})"
        if list(found) == ["anyOf"] and var.isidentifier():  # e.g. "null or a context object"
            branches = schemas(found["anyOf"], "anyOf")
            return "(" + " or ".join(self._check(sub, self.index.inside(scope, sub), var) for sub in branches) + ")"
        return f"{self.function(schema, scope)}({var})"

    def _body(self, schema: Any, scope: Scope, out: list[str], var: str, depth: int) -> None:
        """Statements that ``return False`` when ``var`` fails ``schema`` and fall through
        when it passes. Subschemas are inlined (a call costs more than most checks), each
        nesting level with variables of its own; a subschema reached through ``$ref`` is
        shared by many schemas and stays a function unless it is small."""
        if schema is True:
            return
        if schema is False:
            out.append("return False")
            return
        scope = Index.enter(scope, schema)
        found = keywords(schema, scope)
        if "type" in found:
            out.append(f"if not {_type_test(found['type'], var)}: return False")
        if "enum" in found or "const" in found:
            if "enum" in found and not isinstance(found["enum"], list):
                raise Malformed(f"enum must be an array; found {found['enum']!r}")
            values = found["enum"] if "enum" in found else [found["const"]]
            out.append(f"if not {self._enum(values, var)}: return False")
        if "const" in found and "enum" in found:
            out.append(f"if not {self._enum([found['const']], var)}: return False")
        self._object(found, scope, out, var, depth)
        self._string(schema, found, scope, out, var)
        self._number(found, out, var)
        self._array(schema, found, scope, out, var, depth)
        if "$ref" in found:
            self._shared(*self.index.lookup(found["$ref"], scope), out, var, depth)
        for sub in schemas(found.get("allOf", []), "allOf"):
            self._apply(sub, scope, out, var, depth)
        if "anyOf" in found:
            either = " or ".join(self._check(sub, self.index.inside(scope, sub), var)
                                 for sub in schemas(found["anyOf"], "anyOf"))
            out.append(f"if not ({either}): return False")
        if "oneOf" in found:
            count_ = " + ".join(f"bool({self._check(sub, self.index.inside(scope, sub), var)})"
                                for sub in schemas(found["oneOf"], "oneOf"))
            out.append(f"if ({count_}) != 1: return False")
        if "not" in found:
            sub = subschema(found["not"], "not")
            out.append(f"if {self._check(sub, self.index.inside(scope, sub), var)}: return False")
        if "if" in found:
            self._conditional(schema, found, scope, out, var, depth)

    def _apply(self, schema: Any, scope: Scope, out: list[str], var: str, depth: int) -> None:
        """Inline ``schema`` (a subschema met while walking ``scope``'s) into ``out``."""
        scope = self.index.inside(scope, schema)
        if isinstance(schema, dict):
            entered = Index.enter(scope, schema)
            if "$schema" not in schema and list(keywords(schema, entered)) == ["$ref"]:
                self._shared(*self.index.lookup(schema["$ref"], entered), out, var, depth)
                return
        if depth >= _DEPTH and schema is not True and schema is not False:
            out.append(f"if not {self.function(schema, scope)}({var}): return False")
            return
        self._body(schema, scope, out, var, depth)

    def _shared(self, schema: Any, scope: Scope, out: list[str], var: str, depth: int) -> None:
        """A ``$ref`` target: inlined when small, else a call to its one function."""
        scope = Index.enter(scope, schema)
        key = self.key(schema, scope)
        if key not in self.inlining and key not in self.big and depth < _DEPTH:
            lines = self.inlined.get((key, var, depth))
            if lines is None:
                self.inlining.add(key)
                try:
                    lines = []
                    self._body(schema, scope, lines, var, depth)
                finally:
                    self.inlining.discard(key)
                if len(lines) > _INLINE_LINES:
                    self.big.add(key)  # the same next time: do not generate it again
                else:
                    self.inlined[(key, var, depth)] = lines
            if key not in self.big:
                out.extend(lines)
                return
        out.append(f"if not {self.function(schema, scope)}({var}): return False")

    def _enum(self, values: list[Any], var: str = "v") -> str:
        strings = [value for value in values if isinstance(value, str)]
        if len(strings) + values.count(None) == len(values):
            allowed = self.constant(frozenset(strings))
            tests = [f"(type({var}) is str and {var} in {allowed})"]
            if None in values:
                tests.append(f"{var} is None")
            # anything else (a str subclass, an odd object) gets jsonschema's own equality
            return ("(" + " or ".join(tests) + f" or (type({var}) is not str and {var} is not None"
                    f" and _enum_slow({var}, {self.constant(values)})))")
        return f"_enum_slow({var}, {self.constant(values)})"

    def _object(self, found: dict[str, Any], scope: Scope, out: list[str], var: str, depth: int) -> None:
        properties = schema_map(found.get("properties", {}), "properties")
        required = names(found.get("required", []), "required")
        additional = subschema(found.get("additionalProperties", True), "additionalProperties")
        patterns = schema_map(found.get("patternProperties", {}), "patternProperties")
        lines: list[str] = []
        for name in required:
            lines.append(f"if {name!r} not in {var}: return False")
        child = f"v{depth + 1}"
        for name, sub in properties.items():
            if sub is True or sub == {}:
                continue
            # `in` then a subscript beats .get() for the usual case: most declared
            # properties are absent from any one payload.
            present = "" if name in required else f"{name!r} in {var} and "  # else returned above
            inner_scope = self.index.inside(scope, sub)
            if (isinstance(sub, dict) and "$schema" not in sub and list(keywords(sub, inner_scope)) == ["type"]
                    and isinstance(sub["type"], str)):
                # a lone type test reads the value in place: no local needed
                lines.append(f"if {present}not {_type_test(sub['type'], f'{var}[{name!r}]')}: return False")
                continue
            inner: list[str] = []
            self._apply(sub, scope, inner, child, depth + 1)
            if inner and present:
                lines.append(f"if {name!r} in {var}:")
                lines.append(f"    {child} = {var}[{name!r}]")
                lines.extend(f"    {line}" for line in inner)
            elif inner:
                lines.append(f"{child} = {var}[{name!r}]")
                lines.extend(inner)
        key = f"k{depth}"
        loop: list[str] = []
        for pattern, sub in patterns.items():
            inner = []
            self._apply(sub, scope, inner, child, depth + 1)
            if inner:
                search = self.constant(regex(pattern, "patternProperties").search)
                loop.append(f"if isinstance({key}, str) and {search}({key}):")
                loop.extend(f"    {line}" for line in inner)
        if additional is not True:
            inner = []
            self._apply(additional, scope, inner, child, depth + 1)
            if inner:
                declared = self.constant(frozenset(properties))
                test = f"{key} not in {declared}"
                if patterns:  # jsonschema's find_additional_properties: one regex of them all
                    joined = self.constant(re.compile("|".join(patterns)).search)
                    test += f" and not (isinstance({key}, str) and {joined}({key}))"
                loop.append(f"if {test}:")
                loop.extend(f"    {line}" for line in inner)
        if loop:
            lines.append(f"for {key}, {child} in {var}.items():")
            lines.extend(f"    {line}" for line in loop)
        if "propertyNames" in found:
            sub = subschema(found["propertyNames"], "propertyNames")
            inner = []
            self._apply(sub, scope, inner, key, depth + 1)
            if inner:
                lines.append(f"for {key} in {var}:")
                lines.extend(f"    {line}" for line in inner)
        sizes = [f"len({var}) {op} {count(found, keyword)!r}"
                 for keyword, op in (("minProperties", "<"), ("maxProperties", ">")) if keyword in found]
        if sizes:
            lines.append("if " + " or ".join(sizes) + ": return False")
        for keyword in ("dependentRequired", "dependentSchemas", "dependencies"):
            if keyword in found:
                self._dependencies(keyword, found[keyword], scope, lines, var, depth)
        if found.get("type") == "object":  # the type test above returned for anything else
            out.extend(lines)
        elif lines:
            out.append(f"if isinstance({var}, dict):")
            out.extend(f"    {line}" for line in lines)

    def _dependencies(self, keyword: str, value: Any, scope: Scope, lines: list[str], var: str, depth: int) -> None:
        if not isinstance(value, dict):
            raise Malformed(f"{keyword} must be an object; found {value!r}")
        for name, dependency in value.items():
            if isinstance(dependency, list) and keyword != "dependentSchemas":
                needed = names(dependency, keyword)
                if needed:
                    missing = " or ".join(f"{each!r} not in {var}" for each in needed)
                    lines.append(f"if {name!r} in {var} and ({missing}): return False")
            elif keyword != "dependentRequired":
                inner: list[str] = []
                self._apply(subschema(dependency, keyword), scope, inner, var, depth)
                if inner:
                    lines.append(f"if {name!r} in {var}:")
                    lines.extend(f"    {line}" for line in inner)
            else:
                raise Malformed(f"{keyword} must map names to arrays; found {dependency!r}")

    def _string_tests(self, found: dict[str, Any], scope: Scope, var: str) -> list[tuple[str, str]]:
        """(keyword, failing test on a str ``var``) for the string keywords in ``found``."""
        tests = []
        if "minLength" in found:
            tests.append(("minLength", f"len({var}) < {count(found, 'minLength')!r}"))
        if "maxLength" in found:
            tests.append(("maxLength", f"len({var}) > {count(found, 'maxLength')!r}"))
        if "pattern" in found:
            search = self.constant(regex(found["pattern"], "pattern").search)
            tests.append(("pattern", f"{search}({var}) is None"))
        if "format" in found:
            fmt = found["format"]
            if not isinstance(fmt, str):
                raise Malformed(f"format must be a string; found {fmt!r}")
        if "format" in found and scope.formats:
            if scope.draft.name != "draft2020-12":
                test = f"not {self.constant(conforms_in(scope.draft.name))}({var}, {fmt!r})"
            elif fmt in SHAPES:  # the common shape by a regex, anything else by jsonschema's check
                test = f"({shape_name(fmt)}({var}) is None and not _conforms({var}, {fmt!r}))"
            else:
                test = f"not _conforms({var}, {fmt!r})"
            tests.append(("format", test))
        return tests

    def _string(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope, out: list[str], var: str) -> None:
        tests = self._string_tests(found, scope, var)
        if not tests:
            return
        failing = "(" + " or ".join(test for _, test in tests) + ")"
        guard = "" if found.get("type") == "string" else f"isinstance({var}, str) and "
        if not any(keyword == "pattern" or (keyword == "format" and found["format"] != "date-time")
                   for keyword, _ in tests):
            out.append(f"if {guard}{failing}: return False")
            return
        # A regex or a format check costs ten set lookups, and the strings they check
        # (addresses, locales, URLs, event names) repeat from event to event: remember
        # the plain strings that passed, up to a bound. Timestamps rarely repeat; they
        # are not remembered. A str subclass is always checked (it may compare oddly).
        seen = self.constant(self.remembered.setdefault(self.key(schema, scope), set()))
        out.append(f"if type({var}) is str:")
        out.append(f"    if {var} not in {seen}:")
        out.append(f"        if {failing}: return False")
        out.append(f"        if len({seen}) < {_REMEMBERED}: {seen}.add({var})")
        out.append(f"elif {guard}{failing}: return False")

    def _number(self, found: dict[str, Any], out: list[str], var: str) -> None:
        bounds = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
        tests = [f"{var} {op} {self.constant(number(found, key))}" for key, op in bounds.items() if key in found]
        if "multipleOf" in found:
            step = number(found, "multipleOf")
            if type(step) is int:  # integers divide exactly: the common case inline
                tests.append(f"({var} % {step!r} != 0 if type({var}) is int else _multiple_fails({var}, {step!r}))")
            else:
                tests.append(f"_multiple_fails({var}, {self.constant(step)})")
        if tests:
            ordered = f"(type({var}) is float or type({var}) is int or _ordered({var}))"
            out.append(f"if {ordered} and (" + " or ".join(tests) + "): return False")

    def _array(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope, out: list[str], var: str,
               depth: int) -> None:
        tests = []
        if "minItems" in found:
            tests.append(f"len({var}) < {count(found, 'minItems')!r}")
        if "maxItems" in found:
            tests.append(f"len({var}) > {count(found, 'maxItems')!r}")
        if found.get("uniqueItems") is True:
            tests.append(f"not _uniq({var})")
        lines: list[str] = []
        if tests:
            lines.append("if " + " or ".join(tests) + ": return False")
        child = f"v{depth + 1}"
        prefix: list[Any] = []  # positional schemas: prefixItems, or an items array before 2020-12
        rest: Any = True  # the schema of the items after them
        if "prefixItems" in found:
            prefix = schemas(found["prefixItems"], "prefixItems")
        if "items" in found:
            items = found["items"]
            if scope.draft.tuple_items and isinstance(items, list):
                prefix = schemas(items, "items")
                if "additionalItems" in found:
                    rest = subschema(found["additionalItems"], "additionalItems")
            else:
                rest = subschema(items, "items")
        for index, sub in enumerate(prefix):
            inner: list[str] = []
            self._apply(sub, scope, inner, child, depth + 1)
            if inner:
                lines.append(f"if len({var}) > {index}:")
                lines.append(f"    {child} = {var}[{index}]")
                lines.extend(f"    {line}" for line in inner)
        if rest is False:
            lines.append(f"if len({var}) > {len(prefix)}: return False")
        elif rest is not True:
            inner = []
            self._apply(rest, scope, inner, child, depth + 1)
            if inner:
                lines.append(f"for {child} in {var}{f'[{len(prefix)}:]' if prefix else ''}:")
                lines.extend(f"    {line}" for line in inner)
        if "contains" in found:
            self._contains(schema, found, scope, lines, var, depth)
        if not lines:
            return
        if found.get("type") == "array":
            out.extend(lines)
        else:
            out.append(f"if isinstance({var}, list):")
            out.extend(f"    {line}" for line in lines)

    def _contains(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope, lines: list[str], var: str,
                  depth: int) -> None:
        sub = subschema(found["contains"], "contains")
        child, matches = f"v{depth + 1}", f"m{depth}"
        legacy = scope.draft.legacy  # draft-07: at least one, no minContains/maxContains
        least = count(schema, "minContains") if "minContains" in schema and not legacy else 1
        most = count(schema, "maxContains") if "maxContains" in schema and not legacy else None
        if least == 0 and most is None:
            return  # nothing can fail (the report skips it too)
        test = self._check(sub, self.index.inside(scope, sub), child)
        lines.append(f"{matches} = 0")
        lines.append(f"for {child} in {var}:")
        lines.append(f"    if {test}:")
        lines.append(f"        {matches} += 1")
        if most is None:
            lines.append(f"        if {matches} >= {least!r}: break")
        failing = [f"{matches} < {least!r}"] + ([f"{matches} > {most!r}"] if most is not None else [])
        lines.append("if " + " or ".join(failing) + ": return False")

    def _conditional(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope, out: list[str], var: str,
                     depth: int) -> None:
        branches = []
        for keyword in ("then", "else"):  # jsonschema's if reads them whatever the vocabulary
            inner: list[str] = []
            if keyword in schema:
                self._apply(subschema(schema[keyword], keyword), scope, inner, var, depth)
            branches.append(inner)
        then, otherwise = branches
        if not then and not otherwise:
            return  # it decides nothing (the report skips it too)
        sub = subschema(found["if"], "if")
        test = self._check(sub, self.index.inside(scope, sub), var)
        if then:
            out.append(f"if {test}:")
            out.extend(f"    {line}" for line in then)
            if otherwise:
                out.append("else:")
                out.extend(f"    {line}" for line in otherwise)
        else:
            out.append(f"if not {test}:")
            out.extend(f"    {line}" for line in otherwise)


class Compiler:
    """Compiles the schemas of one set of documents; owns everything it derives.

    Arguments:
        documents: base URI -> schema document (a dict or a boolean). References
            between them resolve offline; the official metaschemas are known too.
        format_annotation: the URIs of documents whose ``format`` is an annotation, as
            2020-12 has it by default: a schema compiled from one of them checks no
            format, also in what it refers to (jsonschema without a format checker).
            Every other schema checks formats, as the bundled specs need.

    The generated functions, the namespace they run in, the report plans and the
    strings remembered as valid all belong to the instance: two compilers share
    nothing, and one dropped is garbage. Every method is thread-safe.

    >>> compiler = Compiler({"https://example.com/a": {"type": "integer", "multipleOf": 3}})
    >>> compiled = compiler.compile("https://example.com/a")
    >>> compiled.check(9), compiled.check(10), compiled.native
    (True, False, True)
    >>> [(e.validator, e.schema_id) for e in compiled.report(10)]
    [('multipleOf', 'https://example.com/a')]
    """

    def __init__(self, documents: Mapping[str, Any], *, format_annotation: Collection[str] = ()) -> None:
        # a URI with an empty fragment names the same document (RFC 3986, referencing)
        self._documents = {uri.removesuffix("#"): document for uri, document in documents.items()}
        self._annotated = frozenset(uri.removesuffix("#") for uri in format_annotation)
        self._lock = threading.RLock()
        self._index = Index(self._documents)
        self._generator = _Generator(self._index)
        self._namespace = namespace()
        self._namespace["_error"] = error_at  # what the report code calls
        self._reporter = Reporter(self._index, self._predicate, self._lock)
        self._reports = ReportCode(self._generator, self._reporter, self._index)
        self._compiled: dict[str, Compiled] = {}
        self._fallback: Any = None
        self._fallbacks: dict[str, Compiled] = {}
        self._metaschemas: dict[str, Compiled] = {}  # draft -> its official metaschema, compiled

    def compile(self, uri: str) -> Compiled:
        """The compiled check and report of the schema at ``uri``.

        Raises:
            SchemaError: ``uri`` names no schema, or the schema cannot be used (a value
                its metaschema forbids, a ``$ref`` to nothing, an unknown ``$schema``).
                A schema valid against its metaschema whose references all resolve
                never raises: what the compiler cannot do exactly, jsonschema does.
        """
        found = self._compiled.get(uri)
        if found is None:
            with self._lock:
                found = self._compiled.get(uri)
                if found is None:
                    found = self._compiled[uri] = self._compile(uri)
        return found

    def check_schema(self, uri: str) -> None:
        """Check the document at ``uri`` against its metaschema (formats checked, as
        jsonschema's ``check_schema`` does: a ``pattern`` must be a regular expression),
        and that every ``$ref`` in it resolves among the documents.

        The official metaschemas of 2020-12, 2019-09 and draft 7 are compiled (once per
        compiler), so a plan of hundreds of files is checked in milliseconds; jsonschema
        says what is wrong with a schema that fails.

        Raises:
            SchemaError: naming the document and the JSON pointer of the first problem.
        """
        from ._fallback import check_schema

        uri = uri.removesuffix("#")
        with self._lock:
            if uri not in self._documents:
                raise SchemaError(uri, "", "no schema among the documents has this URI")
            document = self._documents[uri]
            draft = self._index.draft_of(uri, document)
            if draft.meta or not draft.crawlable or not self._metaschema(draft).check(document):
                check_schema(self._index, uri)
            self._check_references(uri)

    def _metaschema(self, draft: Any) -> Compiled:
        found = self._metaschemas.get(draft.name)
        if found is None:
            from ._fallback import static_metaschemas

            found = Compiler(static_metaschemas(draft)).compile(draft.uri)
            self._metaschemas[draft.name] = found
        return found

    def fallback(self, uri: str) -> Compiled:
        """jsonschema's verdict and report for the schema at ``uri`` (what `compile`
        gives for a schema it cannot compile natively)."""
        from ._fallback import Fallback

        found = self._fallbacks.get(uri)
        if found is None:
            with self._lock:
                if self._fallback is None:
                    self._fallback = Fallback(self._index)
                node, scope, canonical = self._root(uri)
                found = self._fallbacks[uri] = self._fallback.compiled(canonical, scope)
        return found

    def _root(self, uri: str) -> tuple[Any, Scope, str]:
        node, scope, canonical = self._index.root(uri)
        return node, scope._replace(formats=scope.document not in self._annotated), canonical

    # --- internals ----------------------------------------------------------------------

    def _compile(self, uri: str) -> Compiled:
        try:
            node, scope, canonical = self._root(uri)
        except Unresolvable:
            raise SchemaError(uri, "", "no schema among the documents has this URI") from None
        except Unsupported:
            return self.fallback(uri)
        generator = self._generator
        generator.begin()
        try:
            name = generator.function(node, scope)
            code = compile(generator.pending(), f"<eventspec: {canonical}>", "exec")
        except (Unsupported, RecursionError, SyntaxError):
            generator.rollback()
            self._check_references(uri, follow=True)  # else jsonschema would raise mid-validation
            return self.fallback(uri)
        except Malformed as error:
            generator.rollback()
            raise self._malformed(uri, error) from None
        except Unresolvable:
            generator.rollback()
            self._check_references(uri, follow=True)
            raise SchemaError(uri, "", "a $ref resolves to nothing") from None  # pragma: no cover
        except BaseException:
            generator.rollback()
            raise
        # Only definitions run here, after the code compiled: nothing half-done is left.
        self._namespace.update(generator.constants)
        exec(code, self._namespace)
        check: Callable[[Any], bool] = self._namespace[name]
        made: list[Callable[[Any, tuple[Any, ...], list[Error]], None]] = []  # its report code, once generated

        def report(value: Any) -> list[Error]:
            run = made[0] if made else self._report_code(node, scope, made)
            found: list[Error] = []
            run(value, (), found)
            return found

        return Compiled(check, report, True, generator.source_of(name))

    def _report_code(self, node: Any, scope: Scope,
                     made: list[Callable[[Any, tuple[Any, ...], list[Error]], None]]
                     ) -> Callable[[Any, tuple[Any, ...], list[Error]], None]:
        """The report function of a compiled schema, generated at its first invalid
        payload (most schemas in a run never need one); the interpreter's root node if
        it cannot be generated."""
        with self._lock:
            if not made:
                made.append(self._generate_report(node, scope) or self._reporter.node(node, scope).run)
            return made[0]

    def _generate_report(self, node: Any, scope: Scope) -> Callable[[Any, tuple[Any, ...], list[Error]], None] | None:
        generator, reports = self._generator, self._reports
        generator.begin()
        reports.begin()
        try:
            name = reports.function(node, scope)
            code = compile(generator.pending() + "\n" + reports.pending(), "<eventspec: report>", "exec")
        except (Unsupported, Malformed, Unresolvable, RecursionError, SyntaxError):
            generator.rollback()
            reports.rollback()
            return None
        except BaseException:
            generator.rollback()
            reports.rollback()
            raise
        self._namespace.update(generator.constants)
        exec(code, self._namespace)
        found: Callable[[Any, tuple[Any, ...], list[Error]], None] = self._namespace[name]
        return found

    def _interpreted(self, uri: str) -> Callable[[Any], list[Error]]:
        """The interpreter's report of the schema at ``uri`` (the tests hold the
        generated report code to it)."""
        node, scope, _ = self._root(uri)
        root = self._reporter.node(node, scope)

        def report(value: Any) -> list[Error]:
            found: list[Error] = []
            root.run(value, (), found)
            return found

        return report

    def _predicate(self, schema: Any, scope: Scope) -> Callable[[Any], bool] | None:
        name = self._generator.names.get(_Generator.key(schema, scope))
        return self._namespace.get(name) if name else None

    def _malformed(self, uri: str, error: Malformed) -> SchemaError:
        """The metaschema's own account of a malformed keyword, with its JSON pointer."""
        from ._fallback import check_schema

        key = self._index.root(uri)[1].document
        try:
            check_schema(self._index, key)
        except SchemaError as precise:
            return precise
        return SchemaError(key, "", str(error))

    def _check_references(self, uri: str, follow: bool = False) -> None:
        """Every ``$ref`` in the document at ``uri`` resolves (else a SchemaError with its
        JSON pointer), a ``$dynamicRef`` to its static target; with ``follow``, in every
        document reached from it too."""
        node, scope, _ = self._index.root(uri)
        seen: set[tuple[int, str]] = set()
        todo = [(node, scope, "")]
        while todo:
            node, scope, pointer = todo.pop()
            if not isinstance(node, dict) or (id(node), scope.base) in seen:
                continue
            seen.add((id(node), scope.base))
            scope = Index.enter(scope, node)
            if not scope.draft.crawlable:
                continue  # jsonschema's rules for older drafts; it will say
            for keyword in ("$ref", "$dynamicRef", "$recursiveRef"):
                ref = node.get(keyword)
                if not isinstance(ref, str) or keyword not in scope.draft.validating:
                    continue
                try:
                    target, where = self._index.lookup(ref, scope)
                except Unsupported:
                    continue
                except Unresolvable:
                    raise SchemaError(scope.document, f"{pointer}/{keyword}",
                                      f"{keyword} {ref!r} resolves to nothing among the schemas given "
                                      f"(base URI {scope.base or 'none'})") from None
                if follow:
                    fragment = ref.partition("#")[2]
                    todo.append((target, where, fragment if fragment.startswith("/") else ""))
            for key, sub in _subschemas(node, scope):
                todo.append((sub, self._index.inside(scope, sub), f"{pointer}{pointer_to(key)}"))


def _subschemas(node: dict[str, Any], scope: Scope) -> list[tuple[tuple[Any, ...], Any]]:
    """(relative path, subschema) for each subschema in a schema position of ``node``."""
    draft = scope.draft
    found: list[tuple[tuple[Any, ...], Any]] = []
    for keyword, value in node.items():
        if keyword in draft.in_value or (keyword == "items" and not isinstance(value, list)):
            found.append(((keyword,), value))
        elif keyword in draft.in_subarray or (keyword == "items" and draft.tuple_items):
            if isinstance(value, list):
                found += [((keyword, i), sub) for i, sub in enumerate(value)]
        elif keyword in draft.in_subvalues or (keyword == "dependencies" and draft.legacy):
            if isinstance(value, dict):
                found += [((keyword, name), sub) for name, sub in value.items() if isinstance(sub, (dict, bool))]
    return found
