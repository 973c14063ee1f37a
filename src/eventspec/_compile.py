"""The fast path: a bundled schema compiled into one specialised Python predicate.

Most events are valid, so "is this valid?" must be cheap; the full jsonschema report
is built only when the answer is no. `compile_schema` turns a schema (following
``$ref`` through the bundle's registry) into Python source, one small function per
subschema, and ``exec``s it once. Every string taken from a schema reaches the source
through ``repr``, so no schema can inject code. Semantics follow jsonschema's
Draft 2020-12 validator exactly: the common cases are inlined (``type(v) is str``),
and anything unusual (a float that may be an integer, a Decimal, a str subclass in an
enum, every format but the common date-time shape) is handed to the very functions
jsonschema uses. The equivalence tests hold the two to the same verdict.
"""

from __future__ import annotations

import numbers
import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

#: Keywords that change no verdict (annotations), and those the compiler implements.
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "$anchor", "title", "description", "examples",
     "default", "deprecated", "readOnly", "writeOnly"}
)
SUPPORTED = frozenset(
    {"type", "properties", "required", "additionalProperties", "enum", "const", "format",
     "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
     "exclusiveMaximum", "items", "minItems", "maxItems", "uniqueItems", "allOf", "anyOf",
     "oneOf", "$ref"}
)

# RFC 3339 date-times in the shape nearly every event uses. A match is certainly valid
# (days stop at 28, so every month has them); anything else goes to the real check.
_COMMON_DATETIME = re.compile(
    r"(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3])"
    r":[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)

# Dotted-quad IPv4 without leading zeros: exactly what ipaddress accepts, minus nothing
# a real event sends. Anything else goes to the real check.
_COMMON_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")

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


class Unsupported(Exception):
    """A schema uses a keyword the compiler does not implement."""


@cache
def _jsonschema() -> tuple[Any, Any, Any, Any]:
    # Imported on first use: valid events in the common shapes never need it, and
    # importing jsonschema costs more than the rest of a first validation.
    from jsonschema import Draft202012Validator
    from jsonschema._utils import equal, uniq

    return (Draft202012Validator.TYPE_CHECKER.is_type, Draft202012Validator.FORMAT_CHECKER.conforms,
            equal, uniq)


# What follows answers, without importing jsonschema (a tenth of a second, in every
# process and every --jobs worker), the questions the generated code hands on: exactly
# as jsonschema's Draft 2020-12 type and format checkers answer them (jsonschema/_types.py,
# jsonschema/_format.py), which the equivalence tests hold. Anything else still goes
# to jsonschema itself.


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return not isinstance(value, bool) and (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        )
    if name == "number":
        # jsonschema counts a complex number as a number (and then fails comparing it
        # with a bound); it is no JSON number, so here it is not one
        return not isinstance(value, (bool, complex)) and isinstance(value, numbers.Number)
    return bool(_jsonschema()[0](value, name))


def _ordered(value: Any) -> bool:
    """Whether a number that is no plain int or float can be compared with a bound: not a
    Decimal NaN, whose comparisons raise (it is reported as not JSON instead)."""
    if not _is_type(value, "number"):
        return False
    is_nan = getattr(value, "is_nan", None)
    return not (callable(is_nan) and is_nan())


def _conforms(value: Any, fmt: str) -> bool:
    if not isinstance(value, str):
        return True  # formats constrain strings only
    check = _format_checks().get(fmt)
    if check is None:
        return bool(_jsonschema()[1](value, fmt))
    return check(value)


@cache
def _format_checks() -> dict[str, Callable[[str], bool]]:
    import ipaddress
    from importlib.util import find_spec

    def ipv4(value: str) -> bool:
        try:
            return bool(ipaddress.IPv4Address(value))
        except ipaddress.AddressValueError:
            return False

    def ipv6(value: str) -> bool:
        try:
            address = ipaddress.IPv6Address(value)
        except ipaddress.AddressValueError:
            return False
        return not getattr(address, "scope_id", "")

    checks: dict[str, Callable[[str], bool]] = {"ipv4": ipv4, "ipv6": ipv6}
    try:
        from rfc3339_validator import validate_rfc3339
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    else:
        checks["date-time"] = lambda value: bool(validate_rfc3339(value.upper()))
    if find_spec("rfc3987") is None:  # jsonschema prefers rfc3987 for URIs when it is there
        try:
            from rfc3986_validator import validate_rfc3986
        except ImportError:  # pragma: no cover - a declared dependency
            pass
        else:
            checks["uri"] = lambda value: bool(validate_rfc3986(value, rule="URI"))
    return checks


_PLAIN = frozenset({int, float, bool, list, dict, tuple})


def _enum_slow(value: Any, allowed: list[Any]) -> bool:
    if type(value) in _PLAIN and all(isinstance(each, str) or each is None for each in allowed):
        return False  # jsonschema's equal: a str or None never equals a plain non-None value
    equal = _jsonschema()[2]
    return any(equal(each, value) for each in allowed)


def _uniq(value: Any) -> bool:
    return bool(_jsonschema()[3](value))


# Formats with a common shape checked by a regex in the generated code (a match is valid).
_SHAPES = {"date-time": _COMMON_DATETIME.fullmatch, "ipv4": _COMMON_IPV4.fullmatch}


def _shape_name(fmt: str) -> str:
    return "_shape_" + fmt.replace("-", "_")

# Strings remembered as passing, per string check with a regex or a format (see _string).
_REMEMBERED = 2048

# A $ref target whose checks take at most this many lines is inlined where it is used.
_INLINE_LINES = 16


class Error:
    """One failed keyword, with the attributes of jsonschema's ValidationError that
    `eventspec._messages.translate` reads; made by `_report`."""

    __slots__ = ("validator", "validator_value", "instance", "schema", "absolute_path",
                 "context", "relative_schema_path", "relative_path")

    def __init__(self, validator: str, value: Any, instance: Any, schema: Any,
                 path: tuple[Any, ...], context: list[Error] | None = None) -> None:
        self.validator = validator
        self.validator_value = value
        self.instance = instance
        self.schema = schema
        self.absolute_path = path
        self.context = context
        self.relative_schema_path: tuple[Any, ...] = ()
        self.relative_path: tuple[Any, ...] = ()

    @property
    def message(self) -> str:
        return f"{self.instance!r} fails {self.validator}"


def _namespace() -> dict[str, Any]:
    return {
        "_is_type": _is_type,
        "_ordered": _ordered,
        "_conforms": _conforms,
        **{_shape_name(fmt): shape for fmt, shape in _SHAPES.items()},
        "_enum_slow": _enum_slow,
        "_uniq": _uniq,
    }


class _Compiler:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[int, str] = {}  # id(subschema) -> predicate function name
        self.constants: dict[str, Any] = {}
        self.keep: list[Any] = []  # compiled subschemas stay alive, so their ids stay theirs
        self.inlining: set[int] = set()  # $ref targets being inlined (a cycle stays a call)
        self.big: set[int] = set()  # $ref targets too big to inline
        self.inlined: dict[tuple[int, str, int], list[str]] = {}  # small ones, as generated

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def _reserve(self, table: dict[int, str], prefix: str, schema: Any) -> tuple[str, bool]:
        """The function name for ``schema`` in ``table``, and whether it is new."""
        key = id(schema)
        if key in table:
            return table[key], False
        table[key] = name = f"{prefix}{len(table)}"
        self.keep.append(schema)
        return name, True

    @staticmethod
    def _supported(schema: dict[str, Any]) -> None:
        unknown = set(schema) - SUPPORTED - ANNOTATIONS
        if unknown:
            raise Unsupported(f"keywords not supported by the fast path: {sorted(unknown)}")

    def function(self, schema: Any, resolver: Any) -> str:
        """The name of the function checking ``schema`` (compiled once per subschema)."""
        name, new = self._reserve(self.names, "_s", schema)
        if not new:
            return name
        if schema is True or schema == {}:
            self.lines.append(f"def {name}(v):\n    return True\n")
            return name
        if schema is False:
            raise Unsupported("the false schema")
        self._supported(schema)
        body: list[str] = []
        self._body(schema, resolver, body, "v", 0)
        self.lines.append(f"def {name}(v):\n" + "".join(f"    {line}\n" for line in body) + "    return True\n")
        return name

    def _string_tests(self, schema: dict[str, Any], var: str = "v") -> list[tuple[str, str]]:
        """(keyword, failing test on a str ``var``) for the string keywords of ``schema``."""
        tests = []
        if "minLength" in schema:
            tests.append(("minLength", f"len({var}) < {int(schema['minLength'])!r}"))
        if "maxLength" in schema:
            tests.append(("maxLength", f"len({var}) > {int(schema['maxLength'])!r}"))
        if "pattern" in schema:
            search = self.constant(re.compile(schema["pattern"]).search)
            tests.append(("pattern", f"{search}({var}) is None"))
        if "format" in schema:
            fmt = str(schema["format"])
            # the common shape by a regex, anything else by jsonschema's own check
            test = (f"({_shape_name(fmt)}({var}) is None and not _conforms({var}, {fmt!r}))" if fmt in _SHAPES
                    else f"not _conforms({var}, {fmt!r})")
            tests.append(("format", test))
        return tests

    def _check(self, schema: Any, resolver: Any, var: str) -> str:
        """An expression that is true when ``var`` is valid under ``schema``."""
        if isinstance(schema, dict):
            keywords = set(schema) - ANNOTATIONS
            if keywords == {"type"}:
                return _type_test(schema["type"], var)
            if keywords == {"$ref"}:  # a bare reference: call its target directly
                resolved = resolver.lookup(schema["$ref"])
                return f"{self.function(resolved.contents, resolved.resolver)}({var})"
            if keywords == {"anyOf"} and var.isidentifier():  # e.g. "null or a context object"
                return "(" + " or ".join(self._check(sub, resolver, var) for sub in schema["anyOf"]) + ")"
        return f"{self.function(schema, resolver)}({var})"

    def _body(self, schema: Any, resolver: Any, out: list[str], var: str, depth: int) -> None:
        """Statements that ``return False`` when ``var`` fails ``schema`` and fall through
        when it passes. Subschemas are inlined (a call costs more than most checks), each
        nesting level with variables of its own; a subschema reached through ``$ref`` is
        shared by many schemas and stays a function unless it is small."""
        if schema is True or schema == {}:
            return
        if schema is False:
            raise Unsupported("the false schema")  # jsonschema reports it without a keyword
        self._supported(schema)
        if "type" in schema:
            out.append(f"if not {_type_test(schema['type'], var)}: return False")
        if "enum" in schema or "const" in schema:
            values = schema["enum"] if "enum" in schema else [schema["const"]]
            out.append(f"if not {self._enum(values, var)}: return False")
        self._object(schema, resolver, out, var, depth)
        self._string(schema, out, var)
        self._number(schema, out, var)
        self._array(schema, resolver, out, var, depth)
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            self._shared(resolved.contents, resolved.resolver, out, var, depth)
        for sub in schema.get("allOf", ()):
            self._apply(sub, resolver, out, var, depth)
        if "anyOf" in schema:
            either = " or ".join(self._check(sub, resolver, var) for sub in schema["anyOf"])
            out.append(f"if not ({either}): return False")
        if "oneOf" in schema:
            count = " + ".join(f"bool({self._check(sub, resolver, var)})" for sub in schema["oneOf"])
            out.append(f"if ({count}) != 1: return False")

    def _apply(self, schema: Any, resolver: Any, out: list[str], var: str, depth: int) -> None:
        """Inline ``schema`` (written in place, so used only here) into ``out``."""
        if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"$ref"}:
            resolved = resolver.lookup(schema["$ref"])
            self._shared(resolved.contents, resolved.resolver, out, var, depth)
        else:
            self._body(schema, resolver, out, var, depth)

    def _shared(self, schema: Any, resolver: Any, out: list[str], var: str, depth: int) -> None:
        """A ``$ref`` target: inlined when small, else a call to its one function."""
        key = id(schema)
        if key not in self.inlining and key not in self.big:
            lines = self.inlined.get((key, var, depth))
            if lines is None:
                self.inlining.add(key)
                try:
                    lines = []
                    self._body(schema, resolver, lines, var, depth)
                finally:
                    self.inlining.discard(key)
                if len(lines) > _INLINE_LINES:
                    self.big.add(key)  # the same next time: do not generate it again
                else:
                    self.inlined[(key, var, depth)] = lines
            if key not in self.big:
                out.extend(lines)
                return
        out.append(f"if not {self.function(schema, resolver)}({var}): return False")

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

    def _object(self, schema: dict[str, Any], resolver: Any, out: list[str], var: str, depth: int) -> None:
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        additional = schema.get("additionalProperties", True)
        if not (properties or required or additional is not True):
            return
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
            if isinstance(sub, dict) and set(sub) - ANNOTATIONS == {"type"} and isinstance(sub["type"], str):
                # a lone type test reads the value in place: no local needed
                lines.append(f"if {present}not {_type_test(sub['type'], f'{var}[{name!r}]')}: return False")
                continue
            inner: list[str] = []
            self._apply(sub, resolver, inner, child, depth + 1)
            if inner and present:
                lines.append(f"if {name!r} in {var}:")
                lines.append(f"    {child} = {var}[{name!r}]")
                lines.extend(f"    {line}" for line in inner)
            elif inner:
                lines.append(f"{child} = {var}[{name!r}]")
                lines.extend(inner)
        if additional is not True:
            declared = self.constant(frozenset(properties))
            inner = []
            self._apply(additional, resolver, inner, child, depth + 1)
            if inner:
                lines.append(f"for k{depth}, {child} in {var}.items():")
                lines.append(f"    if k{depth} not in {declared}:")
                lines.extend(f"        {line}" for line in inner)
        if schema.get("type") == "object":  # the type test above returned for anything else
            out.extend(lines)
        elif lines:
            out.append(f"if isinstance({var}, dict):")
            out.extend(f"    {line}" for line in lines)

    def _string(self, schema: dict[str, Any], out: list[str], var: str) -> None:
        found = self._string_tests(schema, var)
        if not found:
            return
        failing = "(" + " or ".join(test for _, test in found) + ")"
        guard = "" if schema.get("type") == "string" else f"isinstance({var}, str) and "
        if not any(keyword == "pattern" or (keyword == "format" and schema["format"] != "date-time")
                   for keyword, _ in found):
            out.append(f"if {guard}{failing}: return False")
            return
        # A regex or a format check costs ten set lookups, and the strings they check
        # (addresses, locales, URLs, event names) repeat from event to event: remember
        # the plain strings that passed, up to a bound. Timestamps rarely repeat; they
        # are not remembered. A str subclass is always checked (it may compare oddly).
        seen = self.constant(set())
        out.append(f"if type({var}) is str:")
        out.append(f"    if {var} not in {seen}:")
        out.append(f"        if {failing}: return False")
        out.append(f"        if len({seen}) < {_REMEMBERED}: {seen}.add({var})")
        out.append(f"elif {guard}{failing}: return False")

    def _number(self, schema: dict[str, Any], out: list[str], var: str) -> None:
        bounds = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
        tests = [f"{var} {op} {self.constant(schema[key])}" for key, op in bounds.items() if key in schema]
        if tests:
            ordered = f"(type({var}) is float or type({var}) is int or _ordered({var}))"
            out.append(f"if {ordered} and (" + " or ".join(tests) + "): return False")

    def _array(self, schema: dict[str, Any], resolver: Any, out: list[str], var: str, depth: int) -> None:
        tests = []
        if "minItems" in schema:
            tests.append(f"len({var}) < {int(schema['minItems'])!r}")
        if "maxItems" in schema:
            tests.append(f"len({var}) > {int(schema['maxItems'])!r}")
        if schema.get("uniqueItems") is True:
            tests.append(f"not _uniq({var})")
        if tests:
            out.append(f"if isinstance({var}, list) and (" + " or ".join(tests) + "): return False")
        items = schema.get("items")
        if items is None:
            return
        child = f"v{depth + 1}"
        inner: list[str] = []
        self._apply(items, resolver, inner, child, depth + 1)
        if not inner:
            return
        loop = [f"for {child} in {var}:"] + [f"    {line}" for line in inner]
        if schema.get("type") == "array":
            out.extend(loop)
        else:
            out.append(f"if isinstance({var}, list):")
            out.extend(f"    {line}" for line in loop)


# --- the full report: every failed keyword, as jsonschema's iter_errors lists them -----
#
# Interpreted, not compiled: it runs only for invalid payloads, and generating code for
# it cost three times the code of the predicates (and their compile time, in every
# process) for a path most runs barely take. It follows the compiled checks' semantics
# keyword by keyword; the tests hold its findings equal to jsonschema's.

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: type(v) is int or _is_type(v, "integer"),
    "number": lambda v: type(v) is float or type(v) is int or _is_type(v, "number"),
}
_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {  # keyword -> fails(value, bound)
    "minimum": lambda v, b: v < b,
    "maximum": lambda v, b: v > b,
    "exclusiveMinimum": lambda v, b: v <= b,
    "exclusiveMaximum": lambda v, b: v >= b,
}


def _in_enum(v: Any, values: list[Any]) -> bool:
    if all(isinstance(value, str) or value is None for value in values):
        if type(v) is str:
            return v in values
        if v is None:
            return None in values
    return _enum_slow(v, values)


_Step = Callable[[Any, tuple[Any, ...], list[Error]], None]
# id(subschema) -> (subschema, its steps, its compiled predicate if it has one of its own)
_PLANS: dict[int, tuple[Any, list[_Step], Callable[[Any], bool] | None]] = {}


def _report(schema: Any, resolver: Any, v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
    entry = _PLANS.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = _plan(schema, resolver)
    if entry[2] is not None and entry[2](v):
        return  # a shared schema (the envelope, the context) that holds: nothing to find
    for step in entry[1]:
        step(v, path, out)


def _lone_type(schema: Any) -> Any:
    """The type test of a schema that says nothing but its type, else None."""
    if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"type"}:
        return _type_of(schema["type"])
    return None


def _type_of(types: str | list[str]) -> Callable[[Any], bool]:
    if isinstance(types, str):
        return _TYPES[types]
    tests = [_TYPES[name] for name in types]
    return lambda v: any(test(v) for test in tests)


def _plan(schema: Any, resolver: Any) -> tuple[Any, list[_Step], Callable[[Any], bool] | None]:
    """The checks of one subschema, in jsonschema's keyword order, built once."""
    steps: list[_Step] = []
    name = _SHARED.names.get(id(schema)) if _SHARED is not None else None
    entry = _PLANS[id(schema)] = (schema, steps, _NAMESPACE.get(name) if name else None)
    if schema is True or not schema:
        return entry
    if "type" in schema:
        types, typed = schema["type"], _type_of(schema["type"])
        steps.append(lambda v, path, out: None if typed(v) else out.append(Error("type", types, v, schema, path)))
    for keyword in ("enum", "const"):
        if keyword in schema:
            value = schema[keyword]
            values = value if keyword == "enum" else [value]
            steps.append(_one_of_values(keyword, value, values, schema))
    required = schema.get("required", ())
    properties = schema.get("properties", {})
    additional = schema.get("additionalProperties", True)
    if required or properties or additional is not True:
        children = [(name, sub, _lone_type(sub)) for name, sub in properties.items() if sub is not True and sub != {}]

        def members(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
            if not isinstance(v, dict):
                return
            for name in required:
                if name not in v:
                    out.append(Error("required", required, v, schema, path))
            for name, sub, typed in children:
                if name in v:
                    p = v[name]
                    if typed is None:
                        _report(sub, resolver, p, path + (name,), out)
                    elif not typed(p):
                        out.append(Error("type", sub["type"], p, sub, path + (name,)))
            if additional is not True:
                for key, p in v.items():
                    if key not in properties:
                        _report(additional, resolver, p, path + (key,), out)

        steps.append(members)
    tests: list[tuple[str, Any, Callable[[str], bool]]] = []  # (keyword, value, fails)
    if "minLength" in schema:
        least = int(schema["minLength"])
        tests.append(("minLength", least, lambda v: len(v) < least))
    if "maxLength" in schema:
        most = int(schema["maxLength"])
        tests.append(("maxLength", most, lambda v: len(v) > most))
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        tests.append(("pattern", schema["pattern"], lambda v: search(v) is None))
    if "format" in schema:
        fmt = str(schema["format"])
        shape = _SHAPES.get(fmt)
        tests.append(("format", fmt, lambda v: (shape is None or shape(v) is None) and not _conforms(v, fmt)))
    if tests:
        def strings(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
            if isinstance(v, str):
                for keyword, value, fails in tests:
                    if fails(v):
                        out.append(Error(keyword, value, v, schema, path))

        steps.append(strings)
    bounds = [(keyword, schema[keyword], fails) for keyword, fails in _BOUNDS.items() if keyword in schema]
    if bounds:
        def number(v: Any) -> bool:
            return type(v) is float or type(v) is int or _ordered(v)

        def numbers(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
            if number(v):
                for keyword, bound, fails in bounds:
                    if fails(v, bound):
                        out.append(Error(keyword, bound, v, schema, path))

        steps.append(numbers)
    items = schema.get("items")
    sizes = [(k, int(schema[k])) for k in ("minItems", "maxItems") if k in schema]
    unique = schema.get("uniqueItems") is True
    if sizes or unique or items is not None:
        def arrays(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
            if not isinstance(v, list):
                return
            for keyword, size in sizes:
                if len(v) < size if keyword == "minItems" else len(v) > size:
                    out.append(Error(keyword, size, v, schema, path))
            if unique and not _uniq(v):
                out.append(Error("uniqueItems", True, v, schema, path))
            if items is not None:
                for index, item in enumerate(v):
                    _report(items, resolver, item, path + (index,), out)

        steps.append(arrays)
    subschemas = []
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        subschemas.append((resolved.contents, resolved.resolver))
    subschemas += [(sub, resolver) for sub in schema.get("allOf", ())]
    for sub, where in subschemas:
        steps.append(_apply_to(sub, where))
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            steps.append(_alternatives(keyword, schema, resolver))
    return entry


def _one_of_values(keyword: str, value: Any, values: list[Any], schema: Any) -> _Step:
    def step(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
        if not _in_enum(v, values):
            out.append(Error(keyword, value, v, schema, path))

    return step


def _apply_to(sub: Any, resolver: Any) -> _Step:
    def step(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
        _report(sub, resolver, v, path, out)

    return step


def _alternatives(keyword: str, schema: Any, resolver: Any) -> _Step:
    branches = schema[keyword]

    def step(v: Any, path: tuple[Any, ...], out: list[Error]) -> None:
        found = []
        for sub in branches:
            errors: list[Error] = []
            _report(sub, resolver, v, path, errors)
            found.append(errors)
        passed = sum(not errors for errors in found)
        if passed == 0:
            context = []
            for index, errors in enumerate(found):
                for error in errors:
                    error.relative_schema_path = (index,)
                    error.relative_path = error.absolute_path[len(path):]
                context.extend(errors)
            out.append(Error(keyword, branches, v, schema, path, context))
        elif keyword == "oneOf" and passed > 1:
            out.append(Error("oneOf", branches, v, schema, path, []))

    return step


def _type_test(types: str | list[str], var: str) -> str:
    names = [types] if isinstance(types, str) else list(types)
    for name in names:
        if name not in _TYPE_TESTS:
            raise Unsupported(f"type {name!r}")
    tests = [_TYPE_TESTS[name].format(v=var) for name in names]
    return tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"


_SHARED: _Compiler | None = None
_NAMESPACE: dict[str, Any] = {}
_LOCK = threading.Lock()


def compile_schema(schema: dict[str, Any], resolver: Any) -> tuple[Callable[[Any], bool], Callable[[Any], list[Error]]]:
    """A predicate with the verdict of jsonschema's ``is_valid`` for ``schema``, and a
    reporter that lists every failed keyword as jsonschema's ``iter_errors`` would.

    Subschemas shared between files (the envelope, the context, the product) are
    compiled once per process and reused: compiling every bundled schema costs a
    fraction of compiling each on its own.

    Raises:
        Unsupported: the schema uses a keyword outside `SUPPORTED`.
    """
    global _SHARED
    with _LOCK:
        if _SHARED is None:
            _SHARED = _Compiler()
            _NAMESPACE.update(_namespace())
        compiler = _SHARED
        done = len(compiler.lines)
        names = dict(compiler.names)
        try:
            entry = compiler.function(schema, resolver)
        except Exception:
            # a half-compiled schema must leave no names behind that promise functions
            del compiler.lines[done:]
            compiler.names = names
            compiler.inlined.clear()  # it may hold lines of functions that were not kept
            raise
        source = "\n".join(compiler.lines[done:])
        _NAMESPACE.update({k: v for k, v in compiler.constants.items() if k not in _NAMESPACE})
        exec(compile(source, f"<eventspec fast path for {schema.get('$id', 'a schema')}>", "exec"), _NAMESPACE)
        check: Callable[[Any], bool] = _NAMESPACE[entry]

    def report(value: Any) -> list[Error]:
        found: list[Error] = []
        _report(schema, resolver, value, (), found)
        return found

    report.__doc__ = source  # the code generated for this schema, for anyone debugging a verdict
    return check, report
