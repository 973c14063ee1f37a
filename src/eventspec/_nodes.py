"""Schemas as merged constraint nodes, for generating and breaking payloads.

A `Node` is one place in a payload with everything the schema says about it gathered
together: ``$ref`` followed through the catalog's registry and ``allOf`` merged away, so
``Order Completed`` is one node holding the envelope, the track fields and its own
properties. ``anyOf`` cannot be merged; it stays as a *group* of alternative nodes, of
which a value must satisfy at least one. ``oneOf`` is a group too, each alternative
carrying the others as ``not``s; ``not`` is checked on each value made.

Only the keywords in `KEYWORDS` are understood (with their meaning in the schema's own
draft: 2020-12, 2019-09, draft-07 or draft-06). A schema that uses one of `UNSUPPORTED`,
or a format this process checks but the generator cannot make, raises `Unsupported`
naming the keyword and the file; keywords no validator applies are ignored, as
validators ignore them. The tests build every bundled schema.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from functools import reduce
from typing import Any
from urllib.parse import urljoin

#: Keywords the generator implements (``additionalItems`` and ``dependencies`` as the
#: drafts before 2020-12 mean them).
KEYWORDS = frozenset(
    {"type", "enum", "const", "properties", "required", "additionalProperties", "patternProperties",
     "dependentRequired", "minProperties", "maxProperties", "items", "prefixItems", "minItems",
     "maxItems", "uniqueItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
     "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not", "$ref",
     "additionalItems", "dependencies"}
)
#: Keywords that constrain nothing (or only hold subschemas reached through ``$ref``).
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "definitions", "$comment", "$anchor", "$dynamicAnchor",
     "$recursiveAnchor", "$vocabulary", "title", "description", "examples", "default", "deprecated",
     "readOnly", "writeOnly", "contentEncoding", "contentMediaType", "contentSchema"}
)
#: Keywords validators apply that the generator does not: a schema using one is refused.
UNSUPPORTED = frozenset(
    {"contains", "minContains", "maxContains", "if", "then", "else", "propertyNames",
     "dependentSchemas", "unevaluatedItems", "unevaluatedProperties", "$dynamicRef", "$recursiveRef"}
)
# draft-07 (and 06) have no unevaluated* or $dynamicRef: their validators ignore them
_UNSUPPORTED_07 = frozenset({"contains", "if", "then", "else", "propertyNames"})
#: Formats the generator makes values for.
FORMATS = frozenset({"date-time", "date", "time", "email", "idn-email", "uuid", "ipv4", "ipv6", "uri",
                     "uri-reference", "regex"})

JSON_TYPES = ("string", "integer", "number", "boolean", "object", "array", "null")

# $schema -> the draft whose keyword meanings apply (draft-06 reads like draft-07 here)
_DRAFTS = {
    "https://json-schema.org/draft/2020-12/schema": "2020-12",
    "https://json-schema.org/draft/2019-09/schema": "2019-09",
    "http://json-schema.org/draft-07/schema": "draft-07",
    "http://json-schema.org/draft-06/schema": "draft-07",
}


class Unsupported(ValueError):
    """A schema uses a keyword or format the generator does not implement.

    Attributes:
        problem: what the generator cannot do.
        keyword: the keyword (``"contains"``), if one is to blame.
        file: the schema file (a plan file's path, or a bundled ``$id``), when known.
        pointer: a JSON pointer into that file.
    """

    def __init__(self, problem: str, keyword: str | None = None, file: str | None = None, pointer: str = "") -> None:
        self.problem = problem
        self.keyword = keyword
        self.file = file
        self.pointer = pointer
        where = f"{file}#{pointer}: " if file else ""
        super().__init__(
            f"{where}{problem}; eventspec cannot generate payloads for this schema "
            "(drop or rewrite the keyword, or validate such payloads without generating them)"
        )


@dataclass(eq=False)
class Node:
    """What the schemas say about one value, with ``allOf`` and ``$ref`` merged in.

    ``types`` is None when any type is allowed; a type list that holds ``number``
    also allows integers, as JSON Schema says. A key that ``properties`` does not
    declare is constrained by every ``pattern_properties`` node whose pattern it
    matches, or, if it matches none, by ``additional`` (None: anything). ``prefix``
    holds the first items of an array, ``items`` the rest. ``groups`` are the ``anyOf``
    (and ``oneOf``) keywords: each is a tuple of alternatives, at least one of which the
    value must satisfy; ``nots`` are nodes the value must not satisfy.

    ``only`` is for the generator alone: the keys it may make (and patterns they may
    match) in an object, beyond which the schema allows but a plan warns.
    """

    types: tuple[str, ...] | None = None
    enum: tuple[Any, ...] | None = None
    properties: dict[str, Node] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    additional: Node | None = None
    pattern_properties: tuple[tuple[str, Node], ...] = ()
    dependent: tuple[tuple[str, tuple[str, ...]], ...] = ()
    min_properties: int = 0
    max_properties: int | None = None
    items: Node | None = None
    prefix: tuple[Node, ...] = ()
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False
    min_length: int = 0
    max_length: int | None = None
    patterns: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    multiple_of: tuple[float, ...] = ()
    groups: tuple[tuple[Node, ...], ...] = ()
    nots: tuple[Node, ...] = ()
    only: tuple[frozenset[str], tuple[str, ...]] | None = None
    # derived facts, computed once per node (nodes are never changed once built)
    _alternatives: tuple[Node, ...] | None = field(default=None, init=False, repr=False)
    _types: tuple[str, ...] | None = field(default=None, init=False, repr=False)
    _enum_keys: frozenset[Any] | None = field(default=None, init=False, repr=False)
    _allowed: tuple[Any, ...] | None = field(default=None, init=False, repr=False)
    _settled: dict[str, Node] = field(default_factory=dict, init=False, repr=False)

    def child(self, key: str) -> Node:
        """The node for property ``key`` of an object value here."""
        found = self.properties.get(key)
        if found is not None:
            return found
        rest = undeclared(self, key)
        return ANY if rest is None else rest

    def item(self, index: int) -> Node:
        """The node for item ``index`` of an array value here."""
        if index < len(self.prefix):
            return self.prefix[index]
        return ANY if self.items is None else self.items

    def allows_key(self, key: str) -> bool:
        """Whether the generator may make ``key`` here (see ``only``)."""
        if self.only is None:
            return True
        names, patterns = self.only
        return key in names or any(re.search(p, key) for p in patterns)


ANY = Node()
NEVER = Node(types=())
_PLAIN = {f.name: f.default for f in fields(Node) if not f.name.startswith("_")}


def undeclared(node: Node, key: str) -> Node | None:
    """What ``node`` says about a key its ``properties`` do not declare (None: nothing)."""
    matched = [sub for pattern, sub in node.pattern_properties if re.search(pattern, key)]
    if matched:
        return reduce(merge, matched)
    return node.additional


def _only_types(node: Node) -> bool:
    """Whether a node says nothing but its types (``{"type": "null"}``)."""
    for name, default in _PLAIN.items():
        value = getattr(node, name)
        if name != "types" and value != default and not (name == "properties" and not value):
            return False
    return True


# ------------------------------------------------------------------ building
def build(
    schema: Any,
    resolver: Any,
    _memo: dict[int, Node] | None = None,
    *,
    documents: Any = None,
    uri: str = "",
    file: Any = None,
    formats: frozenset[str] | None = None,
) -> Node:
    """The node for a schema; ``resolver`` (a `referencing` resolver) follows its ``$ref``s.

    Arguments:
        documents: every document by ``$id`` (to read a referenced file's draft).
        uri: the ``$id`` of the document ``schema`` is the root of.
        file: names a document for messages (a plan file's path).
        formats: the formats the validator checks (the rest are annotations).

    Raises:
        Unsupported: a keyword or format the generator cannot make values for.
    """
    builder = _Builder(documents or {}, file or (lambda u: u or None), formats)
    draft = builder.draft(schema, uri)
    return builder.node(schema, resolver, uri, uri, "", draft, {} if _memo is None else _memo)


def node_for(uri: str, cat: Any = None) -> Node:
    """The node of one schema file of a catalog (the bundled one by default), by its ``$id``.

    Built once per catalog, and kept with it (`Catalog.derived`).
    """
    from ._catalog import bundled

    cat = cat or bundled()

    def make() -> Node:
        document = cat.documents[uri]
        return build(
            document,
            cat.registry().resolver(base_uri=uri),
            documents=cat.documents,
            uri=uri,
            file=lambda u: plan_file(cat, u),
            formats=checked_formats(document),
        )

    return cat.derived(("node", uri), make)


def plan_file(cat: Any, uri: str) -> str | None:
    """A document's name for people: a plan file's path, else its ``$id``."""
    plan = getattr(cat, "plan", None)
    if plan is None or not uri:
        return uri or None
    relative = cat.derived("plan-file-names", lambda: _plan_file_names(cat)).get(uri)
    if relative is None:
        return uri
    if plan.root:
        from pathlib import Path

        return str(Path(plan.root) / relative)
    return str(relative)


def _plan_file_names(cat: Any) -> dict[str, str]:
    """Each plan document's ``$id`` -> its path in the plan (a file that names its own
    ``$id`` is kept under it, and its place holds a ``$ref`` there)."""
    from ._plan import PLAN_BASE

    prefix = f"{PLAN_BASE}{cat.plan.name}/"
    names: dict[str, str] = {}
    for relative, _ in cat.plan.files:
        names[prefix + relative] = relative
        placed = cat.documents.get(prefix + relative)
        if isinstance(placed, dict) and set(placed) <= {"$schema", "$ref"} and isinstance(placed.get("$ref"), str):
            names.setdefault(placed["$ref"], relative)
    return names


def checked_formats(document: Any) -> frozenset[str]:
    """The formats the validator of ``document`` asserts (jsonschema's format checker
    for its draft, with the checkers this process has installed)."""
    from jsonschema import Draft202012Validator, validators

    cls = validators.validator_for(document, default=Draft202012Validator) if isinstance(document, dict) else Draft202012Validator
    return frozenset(cls.FORMAT_CHECKER.checkers)


def _draft(schema: Any, default: str) -> str:
    if not isinstance(schema, dict) or "$schema" not in schema:
        return default
    name = str(schema["$schema"]).rstrip("#")
    if name not in _DRAFTS:
        raise Unsupported(f"the generator reads drafts 2020-12, 2019-09, 07 and 06, not {schema['$schema']!r}", "$schema")
    return _DRAFTS[name]


class _Builder:
    """One build: follows ``$ref``s, remembers built subschemas, refuses what it cannot do."""

    def __init__(self, documents: Any, file: Any, formats: frozenset[str] | None) -> None:
        self.documents = documents
        self.file = file
        self.formats = formats
        self.building: set[int] = set()

    def fail(self, problem: str, keyword: str | None, doc: str, pointer: str) -> Unsupported:
        return Unsupported(problem, keyword, self.file(doc), pointer)

    def draft(self, document: Any, doc: str) -> str:
        try:
            return _draft(document, "2020-12")
        except Unsupported as error:
            raise self.fail(error.problem, error.keyword, doc, "/$schema") from None

    def node(self, schema: Any, resolver: Any, base: str, doc: str, pointer: str, draft: str,
             memo: dict[int, Node]) -> Node:
        if schema is True:
            return ANY
        if schema is False:
            return NEVER
        key = id(schema)
        if key in memo:
            return memo[key]
        if not isinstance(schema, dict):
            raise self.fail(f"a schema must be an object or a boolean; found {schema!r}", None, doc, pointer)
        if key in self.building:
            raise self.fail("a recursive $ref (a schema that contains itself)", "$ref", doc, pointer)
        self.building.add(key)
        try:
            node = self._node(schema, resolver, base, doc, pointer, draft, memo)
        finally:
            self.building.discard(key)
        memo[key] = node
        return node

    def _node(self, schema: dict[str, Any], resolver: Any, base: str, doc: str, pointer: str, draft: str,
              memo: dict[int, Node]) -> Node:
        if isinstance(schema.get("$id"), str) and pointer:  # an embedded resource: its own base
            from referencing import Resource
            from referencing.jsonschema import DRAFT202012

            base = urljoin(base, schema["$id"])
            resolver = resolver.in_subresource(Resource.from_contents(schema, default_specification=DRAFT202012))
        ref = schema.get("$ref")
        if draft == "draft-07" and ref is not None:
            return self._ref(ref, resolver, base, doc, pointer, draft, memo)  # siblings are ignored
        unknown = sorted(set(schema) & (_UNSUPPORTED_07 if draft == "draft-07" else UNSUPPORTED))
        if unknown:
            raise self.fail(f"the keyword {unknown[0]!r} is not supported by the generator", unknown[0], doc,
                            f"{pointer}/{unknown[0]}")
        # What a schema builds on comes first, so the properties of a merged node keep the
        # order a person reads them in: envelope fields, then the call's, then the event's.
        node = ANY
        try:
            if ref is not None:
                node = merge(node, self._ref(ref, resolver, base, doc, pointer, draft, memo))
            for index, sub in enumerate(schema.get("allOf", ())):
                node = merge(node, self.node(sub, resolver, base, doc, f"{pointer}/allOf/{index}", draft, memo))
            node = merge(node, self._own(schema, resolver, base, doc, pointer, draft, memo))
        except Unsupported as error:
            if error.file is None:  # raised by a merge: say where
                raise self.fail(error.problem, error.keyword, doc, pointer) from None
            raise
        return node

    def _ref(self, ref: Any, resolver: Any, base: str, doc: str, pointer: str, draft: str,
             memo: dict[int, Node]) -> Node:
        if resolver is None:
            raise self.fail(f"$ref {ref!r} with nothing to resolve it", "$ref", doc, pointer)
        try:
            resolved = resolver.lookup(ref)
        except Exception as error:  # referencing's Unresolvable and friends
            raise self.fail(f"$ref {ref!r} resolves to no schema ({error})", "$ref", doc, f"{pointer}/$ref") from None
        target = urljoin(base, ref)
        where, _, fragment = target.partition("#")
        if where in self.documents:
            draft = self.draft(self.documents[where], where)
            doc = where
            pointer = fragment if fragment.startswith("/") else ""
        return self.node(resolved.contents, resolved.resolver, target.partition("#")[0], doc, pointer, draft, memo)

    def _own(self, schema: dict[str, Any], resolver: Any, base: str, doc: str, pointer: str, draft: str,
             memo: dict[int, Node]) -> Node:
        """The node for a schema's own keywords (not its ``allOf`` or ``$ref``)."""

        def sub(value: Any, *where: str | int) -> Node:
            return self.node(value, resolver, base, doc, pointer + "".join(f"/{_escape(w)}" for w in where), draft, memo)

        types = schema.get("type")
        fmt = schema.get("format")
        if fmt is not None and (self.formats is None or fmt in self.formats) and fmt not in FORMATS:
            raise self.fail(f"the format {fmt!r} is checked, but the generator cannot make values for it",
                            "format", doc, f"{pointer}/format")
        formats = (fmt,) if fmt is not None and fmt in FORMATS and (self.formats is None or fmt in self.formats) else ()
        enum = schema.get("enum")
        if "const" in schema:
            enum = [schema["const"]] if enum is None else [v for v in enum if _same(v, schema["const"])]
        for pattern in ([schema["pattern"]] if "pattern" in schema else []) + list(schema.get("patternProperties", {})):
            try:
                re.compile(pattern)
            except (re.error, TypeError):
                raise self.fail(f"the pattern {pattern!r} is not a regular expression Python reads", "pattern",
                                doc, pointer) from None
        patterns = tuple(
            (pattern, sub(value, "patternProperties", pattern))
            for pattern, value in schema.get("patternProperties", {}).items()
        )
        properties: dict[str, Node] = {}
        for name, value in schema.get("properties", {}).items():
            node = sub(value, "properties", name)
            for pattern, extra in patterns:  # patternProperties apply to declared names too
                if re.search(pattern, name):
                    node = merge(node, extra)
            properties[name] = node
        additional = schema.get("additionalProperties", True)
        dependent = dict(schema.get("dependentRequired", {})) if draft != "draft-07" else {}
        for name, value in schema.get("dependencies", {}).items() if draft == "draft-07" else ():
            if not isinstance(value, list):
                raise self.fail("'dependencies' with a schema (not a list of names)", "dependencies", doc,
                                f"{pointer}/dependencies/{_escape(name)}")
            dependent[name] = value
        items = schema.get("items")
        prefix = schema.get("prefixItems", ()) if draft == "2020-12" else ()
        if draft != "2020-12" and isinstance(items, list):  # the tuple form of the older drafts
            items, prefix = schema.get("additionalItems"), items
        minimum, maximum = schema.get("minimum"), schema.get("maximum")
        exclusive = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        groups: list[tuple[Node, ...]] = []
        if "anyOf" in schema:
            groups.append(tuple(sub(value, "anyOf", i) for i, value in enumerate(schema["anyOf"])))
        if "oneOf" in schema:
            branches = [sub(value, "oneOf", i) for i, value in enumerate(schema["oneOf"])]
            # exactly one: each alternative is itself and none of the others
            groups.append(tuple(
                merge(branch, Node(nots=tuple(other for j, other in enumerate(branches) if j != i)))
                for i, branch in enumerate(branches)
            ))
        return Node(
            types=None if types is None else tuple([types] if isinstance(types, str) else types),
            enum=None if enum is None else tuple(enum),
            properties=properties,
            required=tuple(dict.fromkeys(schema.get("required", ()))),
            additional=None if additional is True else sub(additional, "additionalProperties"),
            pattern_properties=patterns,
            dependent=tuple((name, tuple(needs)) for name, needs in dependent.items() if needs),
            min_properties=int(schema.get("minProperties", 0)),
            max_properties=_int(schema.get("maxProperties")),
            items=None if items is None or items is True else sub(items, "items"),
            prefix=tuple(sub(value, "prefixItems" if draft == "2020-12" else "items", i) for i, value in enumerate(prefix)),
            min_items=int(schema.get("minItems", 0)),
            max_items=_int(schema.get("maxItems")),
            unique=schema.get("uniqueItems") is True,
            min_length=math.ceil(schema.get("minLength", 0)),
            max_length=_int(schema.get("maxLength")),
            patterns=(schema["pattern"],) if "pattern" in schema else (),
            formats=formats,
            minimum=minimum,
            maximum=maximum,
            exclusive_minimum=exclusive[0],
            exclusive_maximum=exclusive[1],
            multiple_of=(schema["multipleOf"],) if "multipleOf" in schema else (),
            groups=tuple(groups),
            nots=(sub(schema["not"], "not"),) if "not" in schema else (),
        )


def _int(value: Any) -> int | None:
    return None if value is None else math.floor(value)


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


# ------------------------------------------------------------------ merging
def merge(a: Node, b: Node) -> Node:
    """The node a value satisfies exactly when it satisfies both ``a`` and ``b``.

    Raises:
        Unsupported: both say what undeclared keys matching their ``patternProperties``
            may hold and one also has ``additionalProperties`` (no one node says that).
    """
    if a is ANY:
        return b
    if b is ANY:
        return a
    properties = dict(a.properties)
    for name, sub in b.properties.items():
        if name in properties:
            properties[name] = merge(properties[name], sub)
        else:  # what a says about keys it does not declare applies to this one
            rest = undeclared(a, name)
            properties[name] = sub if rest is None else merge(sub, rest)
    for name in a.properties.keys() - b.properties.keys():
        rest = undeclared(b, name)
        if rest is not None:
            properties[name] = merge(properties[name], rest)
    patterns, additional = _rest(a, b)
    return Node(
        types=_types(a.types, b.types),
        enum=_enum(a.enum, b.enum),
        properties=properties,
        required=tuple(dict.fromkeys(a.required + b.required)),
        additional=additional,
        pattern_properties=patterns,
        dependent=a.dependent + b.dependent,
        min_properties=max(a.min_properties, b.min_properties),
        max_properties=_bound(min, a.max_properties, b.max_properties),
        items=_optional(a.items, b.items),
        prefix=tuple(merge(a.item(i), b.item(i)) for i in range(max(len(a.prefix), len(b.prefix)))),
        min_items=max(a.min_items, b.min_items),
        max_items=_bound(min, a.max_items, b.max_items),
        unique=a.unique or b.unique,
        min_length=max(a.min_length, b.min_length),
        max_length=_bound(min, a.max_length, b.max_length),
        patterns=tuple(dict.fromkeys(a.patterns + b.patterns)),
        formats=tuple(dict.fromkeys(a.formats + b.formats)),
        minimum=_bound(max, a.minimum, b.minimum),
        maximum=_bound(min, a.maximum, b.maximum),
        exclusive_minimum=_bound(max, a.exclusive_minimum, b.exclusive_minimum),
        exclusive_maximum=_bound(min, a.exclusive_maximum, b.exclusive_maximum),
        multiple_of=tuple(dict.fromkeys(a.multiple_of + b.multiple_of)),
        groups=a.groups + b.groups,
        nots=a.nots + b.nots,
        only=_only(a.only, b.only),
    )


def _rest(a: Node, b: Node) -> tuple[tuple[tuple[str, Node], ...], Node | None]:
    """The merged rule for undeclared keys: patterns, then ``additional`` for the rest."""
    additional = _optional(a.additional, b.additional)
    if not a.pattern_properties and not b.pattern_properties:
        return (), additional
    if a.pattern_properties and b.pattern_properties:
        if a.additional is None and b.additional is None:  # a key matching either gets both
            return a.pattern_properties + b.pattern_properties, None
        raise Unsupported("patternProperties in two schemas that apply to one object, beside additionalProperties",
                          "patternProperties")
    # one side has patterns: a key matching them also meets the other side's additional
    mine, other = (a, b) if a.pattern_properties else (b, a)
    if other.additional is None:
        return mine.pattern_properties, additional
    return tuple((p, merge(n, other.additional)) for p, n in mine.pattern_properties), additional


def _types(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if a is None or b is None:
        return a if b is None else b
    both = [t for t in a if t in b or (t == "integer" and "number" in b)]
    both += [t for t in b if t == "integer" and "number" in a and t not in both]
    return tuple(both)


def _enum(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    if a is None or b is None:
        return a if b is None else b
    return tuple(v for v in a if any(_same(v, w) for w in b))


def _optional(a: Node | None, b: Node | None) -> Node | None:
    if a is None or b is None:
        return a if b is None else b
    return merge(a, b)


def _bound(pick: Any, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return a if b is None else b
    return pick(a, b)


def _only(
    a: tuple[frozenset[str], tuple[str, ...]] | None, b: tuple[frozenset[str], tuple[str, ...]] | None
) -> tuple[frozenset[str], tuple[str, ...]] | None:
    if a is None or b is None:
        return a if b is None else b
    return a[0] & b[0], tuple(p for p in a[1] if p in b[1])


# ------------------------------------------------------------------ values and types
def kind(value: Any) -> str:
    """The JSON type of a Python value (``integer`` for whole numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def admits(types: tuple[str, ...] | None, value: Any) -> bool:
    """Whether a type list allows the value's JSON type."""
    if types is None:
        return True
    found = kind(value)
    return found in types or (found == "integer" and "number" in types)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``1 == 1.0``, but ``true != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def canonical(value: Any) -> Any:
    """A hashable stand-in for a JSON value: equal exactly when the values are."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, canonical(v)) for k, v in value.items()))
    return (kind(value), value)


def multiple(value: float, step: float) -> bool:
    """Whether ``value`` is a multiple of ``step``, computed exactly as jsonschema does
    (a float step divides in floating point: 0.07 is no multiple of 0.01 there)."""
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return (Fraction(value) / Fraction(step)).denominator == 1
    return not value % step


def conforms(fmt: str, value: str) -> bool:
    """Whether a string is in a format, by jsonschema's own checker."""
    from jsonschema import Draft202012Validator

    return bool(Draft202012Validator.FORMAT_CHECKER.conforms(value, fmt))


def fits(node: Node, value: Any) -> bool:
    """Whether a scalar (or an empty container) satisfies the node's own keywords.

    Formats are not checked here: a node with a format only accepts values made for
    it, so a sample value never stands in for a formatted one.
    """
    return broken_here(node, value) is None and not (isinstance(value, str) and node.formats)


def broken_here(node: Node, value: Any) -> str | None:
    """The keyword ``value`` certainly breaks at its own path, ignoring ``anyOf``, if any.

    ``required`` is left out (it is reported at the missing property's path), and so
    are keywords deeper down. A format counts as broken only for the known-bad strings
    in `BAD_FORMATS`. Lengths, bounds and item and property counts are named
    ``length``, ``range``, ``items`` and ``size``; a ``not`` that holds is ``not``.
    """
    if not admits(node.types, value):
        return "type"
    if node.enum is not None:
        if node._enum_keys is None:
            node._enum_keys = frozenset(canonical(v) for v in node.enum)
        if canonical(value) not in node._enum_keys:
            return "enum"
    if isinstance(value, str):
        if len(value) < node.min_length or (node.max_length is not None and len(value) > node.max_length):
            return "length"
        if any(re.search(p, value) is None for p in node.patterns):
            return "pattern"
        if any(value in BAD_FORMATS.get(f, ()) for f in node.formats):
            return "format"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if (
            (node.minimum is not None and value < node.minimum)
            or (node.maximum is not None and value > node.maximum)
            or (node.exclusive_minimum is not None and value <= node.exclusive_minimum)
            or (node.exclusive_maximum is not None and value >= node.exclusive_maximum)
        ):
            return "range"
        if not all(multiple(value, step) for step in node.multiple_of):
            return "multiple"
    elif isinstance(value, list):
        if len(value) < node.min_items or (node.max_items is not None and len(value) > node.max_items):
            return "items"
        if node.unique and len({canonical(v) for v in value}) < len(value):
            return "items"
    elif isinstance(value, dict):
        if len(value) < node.min_properties or (node.max_properties is not None and len(value) > node.max_properties):
            return "size"
    if any(satisfies(other, value) for other in node.nots):
        return "not"
    return None


def satisfies(node: Node, value: Any) -> bool:
    """Whether ``value`` is valid under ``node``: every keyword, all the way down."""
    if broken_here(node, value) is not None:
        return False
    if isinstance(value, str) and not all(conforms(f, value) for f in node.formats):
        return False
    if isinstance(value, dict):
        if any(key not in value for key in node.required):
            return False
        if any(key in value and any(need not in value for need in needs) for key, needs in node.dependent):
            return False
        if not all(satisfies(node.child(key), item) for key, item in value.items()):
            return False
    elif isinstance(value, list):
        if not all(satisfies(node.item(i), item) for i, item in enumerate(value)):
            return False
    return all(any(satisfies(branch, value) for branch in group) for group in node.groups)


#: Strings that are certainly not in a format (each is checked by the tests).
BAD_FORMATS: dict[str, tuple[str, ...]] = {
    "date-time": ("2024-05-01 12:30:00", "yesterday", "2015-02-23T22:28:55.111Z,",
                  "2024-13-01T00:00:00Z", "2024-05-01", "not a valid value"),
    "date": ("2024-13-01", "01/05/2024", "2024-5-1", "2024-05-01T12:30:00Z", "not a valid value"),
    "time": ("12:30", "25:00:00Z", "12:30:00", "not a valid value"),
    "email": ("ada.example.com", "not a valid value"),
    "idn-email": ("ada.example.com", "not a valid value"),
    "uuid": ("123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456", "not a valid value"),
    "ipv4": ("256.1.1.1", "10.0.0", "not a valid value"),
    "ipv6": ("2001:db8::g1", "1:2:3:4:5:6:7:8:9", "not a valid value"),
    "uri": ("www.example.com/pricing", "not a valid value"),
    "uri-reference": ("http://[example.com/", "\\\\server\\share"),
    "regex": ("(unclosed", "[z-a]"),
}


# ------------------------------------------------------------------ anyOf
def alternatives(node: Node) -> tuple[Node, ...]:
    """The ways to satisfy a node, each with its ``anyOf`` groups merged away.

    One node per choice of an alternative from every group (depth first, so a chosen
    alternative's own groups are expanded too), leaving out those that no value can
    satisfy, in the schema's order. An empty result means nothing is valid here.
    """
    if node._alternatives is None:
        node._alternatives = _expand(node)
    return node._alternatives


def _expand(node: Node) -> tuple[Node, ...]:
    if not node.groups:
        return (node,) if possible_types(node) else ()
    found: list[Node] = []
    base = replace(node, groups=())
    for choice in itertools.product(*node.groups):
        merged = base
        for branch in choice:
            merged = merge(merged, branch)
        found.extend(alternatives(merged))
    return tuple(found)


def possible_types(node: Node) -> tuple[str, ...]:
    """The JSON types a value can have and satisfy the node (``anyOf`` aside)."""
    if node._types is None:
        node._types = _possible_types(node)
    return node._types


def _possible_types(node: Node) -> tuple[str, ...]:
    if node.enum is not None:
        return tuple(dict.fromkeys(kind(v) for v in allowed(node)))
    candidates = node.types if node.types is not None else JSON_TYPES
    excluded: set[str] = set()
    for other in node.nots:  # `not: {"type": "null"}` and the like rule whole types out
        if _only_types(other):
            excluded.update(JSON_TYPES if other.types is None else other.types)
            if other.types is not None and "number" in other.types:
                excluded.add("integer")
    return tuple(t for t in candidates if t not in excluded and _possible(node, t))


def allowed(node: Node) -> tuple[Any, ...]:
    """The values of an ``enum`` node that satisfy everything else it says."""
    if node._allowed is None:
        node._allowed = tuple(v for v in node.enum or () if satisfies(replace(node, groups=()), v))
    return node._allowed


def _possible(node: Node, kind_: str) -> bool:
    if kind_ == "string":
        return (node.max_length is None or node.min_length <= node.max_length) and len(node.formats) <= 1
    if kind_ in ("integer", "number"):
        return number_range(node, kind_ == "integer") is not None
    if kind_ == "object":
        room = node.max_properties
        return (
            all(can_hold(node, name) for name in node.required)
            and (room is None or (len(node.required) <= room and node.min_properties <= room))
        )
    if kind_ == "array":
        low, high = node.min_items, node.max_items
        if high is not None and low > high:
            return False
        return all(alternatives(node.item(i)) for i in range(low))
    return True


def can_hold(node: Node, key: str) -> bool:
    """Whether an object here can have ``key``: the generator may make it, and it and
    the keys it brings along (``dependentRequired``) can each hold a value."""
    if not node.dependent:  # the common case, asked of every optional key of every object
        return (node.only is None or node.allows_key(key)) and bool(alternatives(node.child(key)))
    todo, seen = [key], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if not node.allows_key(name) or not alternatives(node.child(name)):
            return False
        todo.extend(need for have, needs in node.dependent if have == name for need in needs)
    return True


def number_range(node: Node, integer: bool) -> tuple[float, float] | None:
    """The bounds of the numbers a node allows (integers: whole bounds), or None if none.

    Exclusive bounds are made inclusive: the next integer, or the next float.
    """
    low = -math.inf if node.minimum is None else node.minimum
    high = math.inf if node.maximum is None else node.maximum
    if node.exclusive_minimum is not None and node.exclusive_minimum >= low:
        low = math.floor(node.exclusive_minimum) + 1 if integer else math.nextafter(node.exclusive_minimum, math.inf)
    if node.exclusive_maximum is not None and node.exclusive_maximum <= high:
        high = math.ceil(node.exclusive_maximum) - 1 if integer else math.nextafter(node.exclusive_maximum, -math.inf)
    if integer:
        low, high = (low if math.isinf(low) else math.ceil(low)), (high if math.isinf(high) else math.floor(high))
    if low > high:
        return None
    if node.multiple_of and not math.isinf(low) and not math.isinf(high):
        step = _step(node.multiple_of, integer)
        if step is not None and math.ceil(Fraction(low) / step) > math.floor(Fraction(high) / step):
            return None
    return low, high


def _step(steps: tuple[float, ...], integer: bool) -> Fraction | None:
    """The least common multiple of the steps (and 1 for integers), exactly."""
    parts = [Fraction(str(s)) if isinstance(s, float) else Fraction(s) for s in steps] + ([Fraction(1)] if integer else [])
    if any(p <= 0 for p in parts):
        return None
    numerator = reduce(math.lcm, (p.numerator for p in parts))
    denominator = reduce(math.gcd, (p.denominator for p in parts))
    return Fraction(numerator, denominator)


def step_of(node: Node, integer: bool) -> Fraction | None:
    """The step every number of the node is a multiple of (None: no ``multipleOf``)."""
    return _step(node.multiple_of, integer) if node.multiple_of else None


def settle(node: Node, value: Any) -> Node:
    """The node as the validator applies it to ``value``, anyOf groups settled by type.

    A group in which exactly one alternative allows the value's JSON type is the one
    the validator explains a failure by (eventspec reports the errors of the one
    alternative that was "meant"), so that alternative is merged in. Other groups stay.
    """
    found = kind(value)
    if found not in node._settled:
        node._settled[found] = _settle(node, value)
    return node._settled[found]


def _settle(node: Node, value: Any) -> Node:
    if not node.groups:
        return node
    merged = replace(node, groups=())
    unsettled = []
    for group in node.groups:
        fitting = [branch for branch in group if admits(branch.types, value)]
        if len(fitting) == 1:
            merged = merge(merged, settle(fitting[0], value))
        else:
            unsettled.append(group)
    return replace(merged, groups=merged.groups + tuple(unsettled))
