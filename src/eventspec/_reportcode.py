"""Full reports in generated code, for the keywords nearly every schema is made of.

The interpreter (`eventspec._report`) walks a subschema step by step, a Python call per
keyword and per node: about 17 µs of a typical invalid event's 37. `ReportCode`
generates, per schema, one function listing the very errors the interpreter would list,
in the same order and with the same attributes, for ``type``, ``enum``, ``const``,
``required``, ``properties``, ``additionalProperties``, the string, number and size
keywords, ``items``, ``$ref`` and ``allOf``: checked inline, each nesting level with
variables of its own, as the predicates are. A subschema with any other keyword
(``anyOf``, ``oneOf``, ``not``, ``if``, ``contains``, ``patternProperties``, ...) is
handed whole to the interpreter, behind its compiled predicate, so it costs a call
only where it fails. A shared subschema (the envelope, the context) is a function of
its own, as its predicate is. A path is built only where an error is found.

A schema's report code is generated at its first invalid payload, not with its
predicate: most schemas in a run never need it. The tests hold the two reporters to
the same errors.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from ._messages import head
from ._report import (
    Malformed,
    Reporter,
    _lone_type,
    count,
    keywords,
    names,
    number,
    schema_map,
    schemas,
    subschema,
)
from ._resolve import Index, Scope

if TYPE_CHECKING:
    from ._compile import _Generator

# The keywords generated here; a subschema with any other is left to the interpreter.
_INLINE = frozenset({
    "type", "enum", "const", "required", "properties", "additionalProperties", "minProperties",
    "maxProperties", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
    "items", "$ref", "allOf",
})
_BOUNDS = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
_DEPTH = 5  # nesting levels inlined in one function (as the predicates do)


class ReportCode:
    """Generates report functions ``_r<n>(v, p, out)``: append to ``out`` every error of
    ``v``, found at the path ``p`` (a tuple), as the interpreter's node would.

    One per compiler, beside its predicate generator: it names its constants through
    that generator (one namespace holds both), and asks it for the string and enum
    tests, and for the predicates in front of what the interpreter reports. Transactions
    follow the generator's: `begin`, then `pending` or `rollback`.
    """

    def __init__(self, predicates: _Generator, reporter: Reporter, index: Index) -> None:
        self.predicates = predicates
        self.reporter = reporter
        self.index = index
        self.names: dict[tuple[int, Scope], str] = {}  # (id(node), its scope) -> function
        self.sources: dict[str, str] = {}
        self.order: list[str] = []
        self.inlining: set[tuple[int, Scope]] = set()  # $ref targets being inlined (cycles)
        self._counter = itertools.count()
        self._saved: tuple[dict[tuple[int, Scope], str], int] = ({}, 0)

    # --- transactions (beside the predicate generator's) -----------------------------

    def begin(self) -> None:
        self._saved = (dict(self.names), len(self.order))

    def rollback(self) -> None:
        names, done = self._saved
        for name in self.order[done:]:
            del self.sources[name]
        del self.order[done:]
        self.names = names
        self.inlining.clear()

    def pending(self) -> str:
        return "\n".join(self.sources[name] for name in self.order[self._saved[1]:])

    # --- generation -------------------------------------------------------------------

    def function(self, schema: Any, scope: Scope) -> str:
        """The name of the report function of ``schema`` (generated once per subschema)."""
        scope = Index.enter(scope, schema)
        key = (id(schema), scope)
        name = self.names.get(key)
        if name is not None:
            return name
        self.names[key] = name = f"_r{next(self._counter)}"
        body: list[str] = []
        self._body(schema, scope, body, "v", [], 0)
        self.sources[name] = f"def {name}(v, p, out):\n" + "".join(f"    {line}\n" for line in body or ["pass"])
        self.order.append(name)
        return name

    def _error(self, keyword: str, value: Any, schema: Any, document: str, var: str, path: list[str]) -> str:
        """A statement appending the interpreter's Error for a keyword that failed at
        ``var``, below ``path``: short, since a schema's report code is compiled in
        every process that reports on it, and the compile takes time by the token."""
        site = self.predicates.constant((keyword, value, schema, document, head(keyword, value)))
        return f"_error(out, {site}, {var}, p{''.join(', ' + each for each in path)})"

    def _body(self, schema: Any, scope: Scope, out: list[str], var: str, path: list[str], depth: int) -> None:
        """Statements appending the errors of ``var`` under ``schema`` (``scope`` entered),
        keyword by keyword in the interpreter's order (`Reporter._steps`)."""
        if schema is True:
            return
        document = scope.document
        if schema is False:
            out.append(self._error("false", None, False, document, var, path))
            return
        found = keywords(schema, scope)
        if not _INLINE.issuperset(found) or self._interpreted(found, scope):
            self._delegate(schema, scope, out, var, path)
            return
        predicates = self.predicates
        if "type" in found:
            test = _type_test(found["type"], var)
            out.append(f"if not {test}: {self._error('type', found['type'], schema, document, var, path)}")
        for keyword in ("enum", "const"):
            if keyword in found:
                value = found[keyword]
                values = value if keyword == "enum" else [value]
                if not isinstance(values, list):
                    raise Malformed(f"enum must be an array; found {value!r}")
                test = predicates._enum(values, var)
                out.append(f"if not {test}: {self._error(keyword, value, schema, document, var, path)}")
        self._object(schema, found, scope, out, var, path, depth)
        self._string(schema, found, scope, out, var, path)
        self._number(schema, found, out, document, var, path)
        self._array(schema, found, scope, out, var, path, depth)
        if "$ref" in found:
            self._shared(*self.index.lookup(found["$ref"], scope), out, var, path, depth)
        for sub in schemas(found.get("allOf", []), "allOf"):
            self._apply(sub, self.index.inside(scope, sub), out, var, path, depth)

    @staticmethod
    def _interpreted(found: dict[str, Any], scope: Scope) -> bool:
        """Whether the keywords, all among `_INLINE`, still need the interpreter: the
        positional ``items`` of the older drafts, whose ``false`` differs too."""
        items = found.get("items", True)
        return scope.draft.tuple_items and (isinstance(items, list) or items is False)

    def _delegate(self, schema: Any, scope: Scope, out: list[str], var: str, path: list[str]) -> None:
        """The interpreter's node for ``schema``, run where its predicate fails."""
        run = self.predicates.constant(self.reporter.node(schema, scope).run)
        holds = self.predicates._check(schema, scope, var)
        where = _where(path)
        out.append(f"if not {holds}: {run}({var}, {where}, out)")

    def _apply(self, schema: Any, scope: Scope, out: list[str], var: str, path: list[str], depth: int) -> None:
        """``schema`` (met while walking; ``scope`` from `Index.inside`) inline, or past
        `_DEPTH` nesting levels as a call of its own function."""
        scope = Index.enter(scope, schema)
        if depth >= _DEPTH and schema is not True and schema is not False:
            where = _where(path)
            out.append(f"{self.function(schema, scope)}({var}, {where}, out)")
            return
        self._body(schema, scope, out, var, path, depth)

    def _shared(self, schema: Any, scope: Scope, out: list[str], var: str, path: list[str], depth: int) -> None:
        """A ``$ref`` target: a shared subschema with a predicate of its own (the
        envelope, the context) is a call of its report function, a small one is inline.

        Not behind its predicate: where the predicate holds, the report function costs
        about what it does, and where it fails (an invalid timestamp fails the track
        call's, then the envelope's) every level would check the value again.
        """
        scope = Index.enter(scope, schema)
        key = (id(schema), scope)
        if key in self.predicates.names or key in self.inlining or depth >= _DEPTH:
            where = _where(path)
            out.append(f"{self.function(schema, scope)}({var}, {where}, out)")
            return
        self.inlining.add(key)
        try:
            self._body(schema, scope, out, var, path, depth)
        finally:
            self.inlining.discard(key)

    def _object(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope, out: list[str], var: str,
                path: list[str], depth: int) -> None:
        document = scope.document
        required = names(found.get("required", []), "required")
        properties = schema_map(found.get("properties", {}), "properties")
        additional = subschema(found.get("additionalProperties", True), "additionalProperties")
        lines: list[str] = []
        if required:
            missing = self._error("required", required, schema, document, var, path)
            lines.extend(f"if {name!r} not in {var}: {missing}" for name in required)
        child, key = f"v{depth + 1}", f"k{depth}"
        for name, sub in properties.items():
            if sub is True or sub == {}:
                continue
            inner_scope = self.index.inside(scope, sub)
            at = [*path, repr(name)]
            lone = _lone_type(sub, scope)
            if lone is not None:  # a lone type test reads the value in place
                value = f"{var}[{name!r}]"
                wrong = self._error("type", lone[1], sub, Index.enter(inner_scope, sub).document, value, at)
                lines.append(f"if {name!r} in {var} and not {_type_test(lone[1], value)}: {wrong}")
                continue
            inner: list[str] = []
            self._apply(sub, inner_scope, inner, child, at, depth + 1)
            if inner:
                lines.append(f"if {name!r} in {var}:")
                lines.append(f"    {child} = {var}[{name!r}]")
                lines.extend(f"    {line}" for line in inner)
        if additional is False:
            declared = self.predicates.constant(frozenset(properties))
            extra = self._error("additionalProperties", False, schema, document, var, path)
            lines.append(f"if not {declared}.issuperset({var}): {extra}")
        elif additional is not True:
            inner = []
            self._apply(additional, self.index.inside(scope, additional), inner, child, [*path, key], depth + 1)
            if inner:
                declared = self.predicates.constant(frozenset(properties))
                lines.append(f"for {key}, {child} in {var}.items():")
                lines.append(f"    if {key} not in {declared}:")
                lines.extend(f"        {line}" for line in inner)
        for keyword, op in (("minProperties", "<"), ("maxProperties", ">")):
            if keyword in found:
                wrong = self._error(keyword, found[keyword], schema, document, var, path)
                lines.append(f"if len({var}) {op} {count(found, keyword)!r}: {wrong}")
        if lines:
            out.append(f"if isinstance({var}, dict):")
            out.extend(f"    {line}" for line in lines)

    def _string(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope, out: list[str], var: str,
                path: list[str]) -> None:
        tests = self.predicates._string_tests(found, scope, var)
        if tests:
            # a plain string the predicate saw pass these keywords passes them here too
            seen = self.predicates.remembered.get((id(schema), scope))
            passed = "" if seen is None else f" and not (type({var}) is str and {var} in {self.predicates.constant(seen)})"
            out.append(f"if isinstance({var}, str){passed}:")
            for keyword, failing in tests:
                wrong = self._error(keyword, found[keyword], schema, scope.document, var, path)
                out.append(f"    if {failing}: {wrong}")

    def _number(self, schema: dict[str, Any], found: dict[str, Any], out: list[str], document: str, var: str,
                path: list[str]) -> None:
        lines = []
        for keyword, op in _BOUNDS.items():
            if keyword in found:
                bound = number(found, keyword)
                wrong = self._error(keyword, bound, schema, document, var, path)
                lines.append(f"    if {var} {op} {self.predicates.constant(bound)}: {wrong}")
        if "multipleOf" in found:
            step = number(found, "multipleOf")
            wrong = self._error("multipleOf", step, schema, document, var, path)
            lines.append(f"    if _multiple_fails({var}, {self.predicates.constant(step)}): {wrong}")
        if lines:
            # only numbers that compare (a Decimal NaN raises; it is reported as not JSON)
            out.append(f"if type({var}) is float or type({var}) is int or _ordered({var}):")
            out.extend(lines)

    def _array(self, schema: dict[str, Any], found: dict[str, Any], scope: Scope, out: list[str], var: str,
               path: list[str], depth: int) -> None:
        document = scope.document
        lines = []
        for keyword, op in (("minItems", "<"), ("maxItems", ">")):
            if keyword in found:
                wrong = self._error(keyword, found[keyword], schema, document, var, path)
                lines.append(f"if len({var}) {op} {count(found, keyword)!r}: {wrong}")
        if found.get("uniqueItems") is True:
            lines.append(f"if not _uniq({var}): {self._error('uniqueItems', True, schema, document, var, path)}")
        rest = subschema(found.get("items", True), "items")
        if rest is False:  # one error in 2020-12 (the older drafts' go to the interpreter)
            lines.append(f"if {var}: {self._error('items', False, schema, document, var, path)}")
        elif rest is not True:
            child, index = f"v{depth + 1}", f"i{depth}"
            inner: list[str] = []
            self._apply(rest, self.index.inside(scope, rest), inner, child, [*path, index], depth + 1)
            if inner:
                lines.append(f"for {index}, {child} in enumerate({var}):")
                lines.extend(f"    {line}" for line in inner)
        if lines:
            out.append(f"if isinstance({var}, list):")
            out.extend(f"    {line}" for line in lines)


def _where(path: list[str]) -> str:
    """The path tuple, as an expression: ``p`` and the segments below it."""
    return "p" if not path else "(*p, " + ", ".join(path) + ",)"


def _type_test(value: Any, var: str) -> str:
    from ._compile import _type_test as test

    return test(value, var)


__all__ = ["ReportCode"]
