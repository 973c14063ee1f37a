"""The full report: every failed keyword, as jsonschema's ``iter_errors`` lists them.

Interpreted: a Python call per keyword and per node. It follows jsonschema's keyword
functions (``jsonschema/_keywords.py``) one by one: the same keyword, value, instance
and path for each error, so `eventspec._messages.translate` says the same of either;
the tests hold the two equal. The report code generated for a schema at its first
invalid payload (`eventspec._reportcode`) lists the very errors this lists, in its
order, for the common keywords, and hands it every subschema with another keyword
(``anyOf``, ``not``, ``if``, ``contains``, ...): the tests hold those two equal too.

Each subschema gets one `_Node`, whose plan (its steps) is built the first time a
payload reaches it and published whole: a thread that finds a plan finds all of it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from ._resolve import Index, Scope, Unsupported
from ._runtime import SHAPES, conforms, conforms_in, in_enum, is_type, multiple_fails, ordered, uniq

_Step = Callable[[Any, tuple[Any, ...], list["Error"]], None]
_Key = tuple[int, Scope]


class Error:
    """One failed keyword, with the attributes of jsonschema's ValidationError that
    `eventspec._messages.translate` reads, and the document the keyword is in."""

    __slots__ = ("validator", "validator_value", "instance", "schema", "absolute_path",
                 "context", "relative_schema_path", "relative_path", "schema_id", "text", "head")

    def __init__(self, validator: str, value: Any, instance: Any, schema: Any,
                 path: tuple[Any, ...], schema_id: str | None,
                 context: list[Error] | None = None, text: str | None = None, head: str | None = None) -> None:
        self.validator = validator  #: the keyword; "false" for the schema ``false``
        self.validator_value = value
        self.instance = instance
        self.schema = schema
        self.absolute_path = path
        self.context = context
        self.relative_schema_path: tuple[Any, ...] = ()
        self.relative_path: tuple[Any, ...] = ()
        self.schema_id = schema_id  #: the URI of the document (file) holding the keyword
        self.text = text  #: jsonschema's message, for errors that came from it
        #: what `eventspec._messages` says of it before the value found, where that is
        #: all that varies (`eventspec._messages.head`), worked out once per keyword site
        self.head = head

    @property
    def message(self) -> str:
        return self.text if self.text is not None else f"{self.instance!r} fails {self.validator}"

    def __repr__(self) -> str:
        return f"<Error {self.validator} at {list(self.absolute_path)} in {self.schema_id}>"


def error_at(out: list[Error], site: tuple[str, Any, Any, str, str | None], instance: Any,
             path: tuple[Any, ...], *below: Any) -> None:
    """Append the `Error` of a keyword site (keyword, value, schema, document, the head
    of its message) that failed at ``instance``, at ``path`` and the keys ``below`` it:
    what the generated report code (`eventspec._reportcode`) calls."""
    keyword, value, schema, document, head = site
    out.append(Error(keyword, value, instance, schema, (*path, *below), document, None, None, head))


class Malformed(Exception):
    """A keyword whose value its metaschema does not allow (``minLength: 2.5``)."""


# --- reading keyword values (what the metaschemas allow, checked where they are used) --

_TYPE_NAMES = frozenset({"object", "array", "string", "boolean", "null", "integer", "number"})


def count(schema: dict[str, Any], keyword: str) -> int:
    """A non-negative integer keyword (``minLength``); 2.0 counts, 2.5 does not."""
    value = schema[keyword]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) is not int or value < 0:
        raise Malformed(f"{keyword} must be a non-negative integer; found {value!r}")
    return value


def number(schema: dict[str, Any], keyword: str) -> int | float:
    value = schema[keyword]
    if type(value) not in (int, float):
        raise Malformed(f"{keyword} must be a number; found {value!r}")
    if keyword == "multipleOf" and not value > 0:
        raise Malformed(f"multipleOf must be greater than 0; found {value!r}")
    return value


def regex(pattern: Any, keyword: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise Malformed(f"{keyword} must be a string; found {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise Malformed(f"{keyword} {pattern!r} is not a regular expression Python reads: {error}") from None


def types(value: Any) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or any(n not in _TYPE_NAMES for n in names):
        raise Malformed(f"type must name JSON types; found {value!r}")
    return names


def names(value: Any, keyword: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(each, str) for each in value):
        raise Malformed(f"{keyword} must be an array of strings; found {value!r}")
    return value


def schemas(value: Any, keyword: str) -> list[Any]:
    if not isinstance(value, list) or not all(isinstance(each, (dict, bool)) for each in value):
        raise Malformed(f"{keyword} must be an array of schemas; found {value!r}")
    return value


def schema_map(value: Any, keyword: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(each, (dict, bool)) for each in value.values()):
        raise Malformed(f"{keyword} must be an object of schemas; found {value!r}")
    return value


def subschema(value: Any, keyword: str) -> Any:
    if not isinstance(value, (dict, bool)):
        raise Malformed(f"{keyword} must be a schema; found {value!r}")
    return value


def keywords(schema: Any, scope: Scope) -> dict[str, Any]:
    """The keywords ``schema`` is validated by in its draft, with their values.

    Raises:
        Unsupported: a draft, or a keyword, the compiler leaves to jsonschema.
        Malformed: ``schema`` is not a schema.
    """
    if not isinstance(schema, dict):
        raise Malformed(f"a schema must be an object or a boolean; found {schema!r}")
    draft = scope.draft
    if not draft.crawlable:
        raise Unsupported(f"the draft {draft.uri}")
    found = {k: schema[k] for k in draft.keywords(schema)}
    for keyword in found:
        if keyword not in draft.native:
            raise Unsupported(f"{keyword} in {draft.name}")
    return found


def format_check(fmt: str, scope: Scope) -> Callable[[Any], bool]:
    """Whether a value passes ``format``: true when valid, in the schema's draft."""
    if scope.draft.name == "draft2020-12":
        shape = SHAPES.get(fmt)
        if shape is None:
            return lambda v: conforms(v, fmt)
        return lambda v: shape(v) is not None or conforms(v, fmt)
    check = conforms_in(scope.draft.name)
    return lambda v: check(v, fmt)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: type(v) is int or is_type(v, "integer"),
    "number": lambda v: type(v) is float or type(v) is int or is_type(v, "number"),
}
_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {  # keyword -> fails(value, bound)
    "minimum": lambda v, b: v < b,
    "maximum": lambda v, b: v > b,
    "exclusiveMinimum": lambda v, b: v <= b,
    "exclusiveMaximum": lambda v, b: v >= b,
}
_SIZES = {"minLength": (str, False), "maxLength": (str, True), "minItems": (list, False),
          "maxItems": (list, True), "minProperties": (dict, False), "maxProperties": (dict, True)}


def type_of(value: Any) -> Callable[[Any], bool]:
    tests = [_TYPES[name] for name in types(value)]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(test(v) for test in tests)


class _Node:
    """One subschema in one scope; its plan is built on first use."""

    __slots__ = ("reporter", "schema", "scope", "plan")

    def __init__(self, reporter: Reporter, schema: Any, scope: Scope) -> None:
        self.reporter = reporter
        self.schema = schema
        self.scope = scope
        # (the compiled predicate of this subschema if it has one, its steps)
        self.plan: tuple[Callable[[Any], bool] | None, tuple[_Step, ...]] | None = None

    def run(self, v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
        plan = self.plan
        if plan is None:
            plan = self.reporter.build(self)
        check, steps = plan
        if check is not None and check(v):
            return  # a shared schema (the envelope, the context) that holds: nothing to find
        for step in steps:
            step(v, path, out)

    def valid(self, v: Any) -> bool:
        plan = self.plan or self.reporter.build(self)
        if plan[0] is not None:
            return plan[0](v)
        errors: list[Error] = []
        self.run(v, (), errors)
        return not errors


class Reporter:
    """Report plans for the subschemas of one compiler's documents."""

    def __init__(self, index: Index, predicate: Callable[[Any, Scope], Callable[[Any], bool] | None],
                 lock: threading.RLock) -> None:
        self._index = index
        self._predicate = predicate
        self._lock = lock
        self._nodes: dict[_Key, _Node] = {}

    def node(self, schema: Any, scope: Scope) -> _Node:
        """The one node of ``schema`` reached in ``scope`` (its ``$schema`` applied)."""
        scope = Index.enter(scope, schema)
        key = (id(schema), scope)
        found = self._nodes.get(key)
        if found is None:
            with self._lock:
                found = self._nodes.setdefault(key, _Node(self, schema, scope))
        return found

    def _child(self, schema: Any, scope: Scope) -> _Node:
        return self.node(schema, self._index.inside(scope, schema))

    def _target(self, ref: str, scope: Scope) -> _Node:
        return self.node(*self._index.lookup(ref, scope))

    def build(self, node: _Node) -> tuple[Callable[[Any], bool] | None, tuple[_Step, ...]]:
        """Build ``node``'s plan whole, then publish it (another thread may be running
        the node already: it sees no plan, or all of one)."""
        with self._lock:
            if node.plan is None:
                steps = tuple(self._steps(node.schema, node.scope))
                node.plan = (self._predicate(node.schema, node.scope), steps)
            return node.plan

    def _steps(self, schema: Any, scope: Scope) -> list[_Step]:
        """The checks of one subschema, built once, jsonschema's keyword by keyword."""
        document = scope.document
        if schema is True:
            return []
        if schema is False:
            return [lambda v, path, out: out.append(Error("false", None, v, False, path, document))]
        found = keywords(schema, scope)
        steps: list[_Step] = []
        if "type" in found:
            declared, typed = found["type"], type_of(found["type"])
            steps.append(lambda v, path, out: None if typed(v) else out.append(
                Error("type", declared, v, schema, path, document)))
        for keyword in ("enum", "const"):
            if keyword in found:
                steps.append(_one_of_values(keyword, found[keyword], schema, document))
        steps += self._objects(schema, found, scope)
        steps += self._strings(schema, found, scope)
        steps += self._numbers(schema, found, document)
        steps += self._arrays(schema, found, scope)
        if "$ref" in found:
            steps.append(self._target(found["$ref"], scope).run)
        for sub in schemas(found.get("allOf", []), "allOf"):
            steps.append(self._child(sub, scope).run)
        for keyword in ("anyOf", "oneOf"):
            if keyword in found:
                branches = schemas(found[keyword], keyword)
                nodes = [self._child(sub, scope) for sub in branches]
                steps.append(_alternatives(keyword, branches, nodes, schema, document))
        if "not" in found:
            steps.append(_not(self._child(subschema(found["not"], "not"), scope), schema, document))
        if "if" in found and ("then" in schema or "else" in schema):  # else it decides nothing
            test = self._child(subschema(found["if"], "if"), scope)
            then = self._child(subschema(schema["then"], "then"), scope) if "then" in schema else None
            otherwise = self._child(subschema(schema["else"], "else"), scope) if "else" in schema else None

            def conditional(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
                branch = then if test.valid(v) else otherwise
                if branch is not None:
                    branch.run(v, path, out)

            steps.append(conditional)
        return steps

    def _objects(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope) -> list[_Step]:
        document = scope.document
        steps: list[_Step] = []
        required = names(found.get("required", []), "required")
        properties = schema_map(found.get("properties", {}), "properties")
        patterns = schema_map(found.get("patternProperties", {}), "patternProperties")
        additional = subschema(found.get("additionalProperties", True), "additionalProperties")
        if required or properties or patterns or additional is not True:
            children = [(name, self._child(sub, scope), _lone_type(sub, scope))
                        for name, sub in properties.items() if sub is not True and sub != {}]
            matching = [(regex(p, "patternProperties").search, self._child(sub, scope)) for p, sub in patterns.items()]
            # jsonschema's find_additional_properties: one regex of all the patterns
            joined = re.compile("|".join(patterns)).search if patterns else None
            extra = None if additional is False or additional is True else self._child(additional, scope)

            def members(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
                if not isinstance(v, dict):
                    return
                for name in required:
                    if name not in v:
                        out.append(Error("required", required, v, schema, path, document))
                for name, node, typed in children:
                    if name in v:
                        p = v[name]
                        if typed is None:
                            node.run(p, path + (name,), out)
                        elif not typed[0](p):
                            out.append(Error("type", typed[1], p, node.schema, path + (name,), node.scope.document))
                for search, node in matching:
                    for key, p in v.items():
                        if isinstance(key, str) and search(key):
                            node.run(p, path + (key,), out)
                if additional is not True:
                    extras = [key for key in v if key not in properties
                              and not (joined is not None and isinstance(key, str) and joined(key))]
                    if extra is not None:
                        for key in extras:
                            extra.run(v[key], path + (key,), out)
                    elif extras:
                        out.append(Error("additionalProperties", False, v, schema, path, document))

            steps.append(members)
        if "propertyNames" in found:
            node = self._child(subschema(found["propertyNames"], "propertyNames"), scope)

            def property_names(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
                if isinstance(v, dict):
                    for key in v:
                        node.run(key, path, out)

            steps.append(property_names)
        for keyword in ("minProperties", "maxProperties"):
            if keyword in found:
                steps.append(_size(keyword, found, schema, document))
        for keyword in ("dependentRequired", "dependentSchemas", "dependencies"):
            if keyword in found:
                steps.append(self._dependencies(keyword, schema, found[keyword], scope))
        return steps

    def _dependencies(self, keyword: str, schema: dict[str, Any], value: Any, scope: Scope) -> _Step:
        if not isinstance(value, dict):
            raise Malformed(f"{keyword} must be an object; found {value!r}")
        document = scope.document
        listed: list[tuple[str, list[str]]] = []
        nested: list[tuple[str, _Node]] = []
        for name, dependency in value.items():
            if isinstance(dependency, list) and keyword != "dependentSchemas":
                listed.append((name, names(dependency, keyword)))
            elif keyword != "dependentRequired":
                nested.append((name, self._child(subschema(dependency, keyword), scope)))
            else:
                raise Malformed(f"{keyword} must map names to arrays; found {dependency!r}")

        def dependencies(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
            if not isinstance(v, dict):
                return
            for name, needed in listed:
                if name in v:
                    for each in needed:
                        if each not in v:
                            out.append(Error(keyword, value, v, schema, path, document))
            for name, node in nested:
                if name in v:
                    node.run(v, path, out)

        return dependencies

    def _strings(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope) -> list[_Step]:
        tests: list[tuple[str, Any, Callable[[str], bool]]] = []  # (keyword, value, fails)
        if "minLength" in found:
            least = count(found, "minLength")
            tests.append(("minLength", found["minLength"], lambda v: len(v) < least))
        if "maxLength" in found:
            most = count(found, "maxLength")
            tests.append(("maxLength", found["maxLength"], lambda v: len(v) > most))
        if "pattern" in found:
            search = regex(found["pattern"], "pattern").search
            tests.append(("pattern", found["pattern"], lambda v: search(v) is None))
        if "format" in found:
            fmt = found["format"]
            if not isinstance(fmt, str):
                raise Malformed(f"format must be a string; found {fmt!r}")
        if "format" in found and scope.formats:
            passes = format_check(fmt, scope)
            tests.append(("format", fmt, lambda v: not passes(v)))
        if not tests:
            return []
        document = scope.document

        def strings(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
            if isinstance(v, str):
                for keyword, value, fails in tests:
                    if fails(v):
                        out.append(Error(keyword, value, v, schema, path, document))

        return [strings]

    def _numbers(self, schema: dict[str, Any], found: dict[str, Any], document: str) -> list[_Step]:
        bounds = [(keyword, number(found, keyword), fails) for keyword, fails in _BOUNDS.items() if keyword in found]
        if "multipleOf" in found:
            step = number(found, "multipleOf")
            bounds.append(("multipleOf", step, multiple_fails))
        if not bounds:
            return []
        def numeric(v: Any) -> bool:
            return type(v) is float or type(v) is int or ordered(v)

        def numbers(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
            if numeric(v):
                for keyword, bound, fails in bounds:
                    if fails(v, bound):
                        out.append(Error(keyword, bound, v, schema, path, document))

        return [numbers]

    def _arrays(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope) -> list[_Step]:
        document = scope.document
        steps: list[_Step] = []
        for keyword in ("minItems", "maxItems"):
            if keyword in found:
                steps.append(_size(keyword, found, schema, document))
        if found.get("uniqueItems") is True:
            steps.append(lambda v, path, out: None if not isinstance(v, list) or uniq(v) else out.append(
                Error("uniqueItems", True, v, schema, path, document)))
        draft = scope.draft
        prefix: list[_Node] = []  # positional schemas: prefixItems, or an items array before 2020-12
        rest: Any = True  # the schema of the items after them
        rest_keyword = "items"
        if "prefixItems" in found:
            prefix = [self._child(sub, scope) for sub in schemas(found["prefixItems"], "prefixItems")]
        if "items" in found:
            items = found["items"]
            if draft.tuple_items and isinstance(items, list):
                prefix = [self._child(sub, scope) for sub in schemas(items, "items")]
                if "additionalItems" in found:
                    rest, rest_keyword = subschema(found["additionalItems"], "additionalItems"), "additionalItems"
            else:
                rest = subschema(items, "items")
        if prefix or rest is not True:
            # items: false is one error in 2020-12; before, it is the false schema at each item
            one_error = rest is False and (rest_keyword == "additionalItems" or not draft.tuple_items)
            rest_node = None if rest is True or one_error else self._child(rest, scope)
            offset = len(prefix)

            def items_step(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
                if not isinstance(v, list):
                    return
                for index, node in enumerate(prefix[: len(v)]):
                    node.run(v[index], path + (index,), out)
                if rest_node is not None:
                    for index in range(offset, len(v)):
                        rest_node.run(v[index], path + (index,), out)
                elif one_error and len(v) > offset:
                    out.append(Error(rest_keyword, False, v, schema, path, document))

            steps.append(items_step)
        if "contains" in found:
            steps += self._contains(schema, found, scope)
        return steps

    def _contains(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope) -> list[_Step]:
        contains = subschema(found["contains"], "contains")
        document = scope.document
        legacy = scope.draft.legacy
        least = count(schema, "minContains") if "minContains" in schema and not legacy else 1
        most = count(schema, "maxContains") if "maxContains" in schema and not legacy else None
        if least == 0 and most is None:
            return []  # nothing can fail (the compiled check skips it too)
        node = self._child(contains, scope)
        if legacy:  # draft-07: at least one, no minContains/maxContains
            def plain(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
                if isinstance(v, list) and not any(node.valid(each) for each in v):
                    out.append(Error("contains", contains, v, schema, path, document))

            return [plain]

        def counted(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
            if not isinstance(v, list):
                return
            matches = 0
            for each in v:
                if node.valid(each):
                    matches += 1
                    if most is not None and matches > most:
                        out.append(Error("maxContains", schema["maxContains"], v, schema, path, document))
                        return
            if matches < least:
                keyword, value = ("contains", contains) if not matches else ("minContains", schema.get("minContains", 1))
                out.append(Error(keyword, value, v, schema, path, document))

        return [counted]


def _lone_type(schema: Any, scope: Scope) -> tuple[Callable[[Any], bool], Any] | None:
    """The type test of a schema that says nothing but its type, else None."""
    if not isinstance(schema, dict) or "$schema" in schema:
        return None
    found = keywords(schema, scope)
    if list(found) == ["type"]:
        return type_of(found["type"]), found["type"]
    return None


def _size(keyword: str, found: dict[str, Any], schema: Any, document: str) -> _Step:
    kind, upper = _SIZES[keyword]
    size, value = count(found, keyword), found[keyword]  # the error says 2.0 if the schema does

    def step(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
        if isinstance(v, kind) and (len(v) > size if upper else len(v) < size):
            out.append(Error(keyword, value, v, schema, path, document))

    return step


def _one_of_values(keyword: str, value: Any, schema: Any, document: str) -> _Step:
    if keyword == "enum" and not isinstance(value, list):
        raise Malformed(f"enum must be an array; found {value!r}")
    values = value if keyword == "enum" else [value]

    def step(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
        if not in_enum(v, values):
            out.append(Error(keyword, value, v, schema, path, document))

    return step


def _not(node: _Node, schema: Any, document: str) -> _Step:
    def step(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
        if node.valid(v):
            out.append(Error("not", node.schema, v, schema, path, document))

    return step


def _alternatives(keyword: str, branches: list[Any], nodes: list[_Node], schema: Any, document: str) -> _Step:
    def step(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
        found = []
        for node in nodes:
            errors: list[Error] = []
            node.run(v, path, errors)
            found.append(errors)
        passed = sum(not errors for errors in found)
        if passed == 0:
            context = []
            for index, errors in enumerate(found):
                for error in errors:
                    error.relative_schema_path = (index,)
                    error.relative_path = error.absolute_path[len(path):]
                context.extend(errors)
            out.append(Error(keyword, branches, v, schema, path, document, context))
        elif keyword == "oneOf" and passed > 1:
            out.append(Error("oneOf", branches, v, schema, path, document, []))

    return step


__all__ = ["Error", "Malformed", "Reporter", "Unsupported", "keywords"]
