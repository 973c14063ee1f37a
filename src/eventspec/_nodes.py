"""Bundled schemas as merged constraint nodes, for generating and breaking payloads.

A `Node` is one place in a payload with everything the schema says about it gathered
together: ``$ref`` followed through the registry and ``allOf`` merged away, so
``Order Completed`` is one node holding the envelope, the track fields and its own
properties. ``anyOf`` cannot be merged; it stays as a *group* of alternative nodes, of
which a value must satisfy at least one.

Only the keywords in `KEYWORDS` are understood. Building a node from a schema that uses
any other keyword raises `Unsupported`, and the tests build every bundled schema, so a
schema that starts using a new keyword fails them until the generator learns it.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

#: Keywords the generator implements.
KEYWORDS = frozenset(
    {"type", "enum", "const", "properties", "required", "additionalProperties", "items",
     "minItems", "uniqueItems", "minLength", "maxLength", "pattern", "format", "minimum",
     "maximum", "allOf", "anyOf", "$ref"}
)
#: Keywords that constrain nothing (or only hold subschemas reached through ``$ref``).
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "$anchor", "title", "description", "examples",
     "default", "deprecated", "readOnly", "writeOnly"}
)
#: Formats the generator makes values for.
FORMATS = frozenset({"date-time", "ipv4", "ipv6", "uri"})

JSON_TYPES = ("string", "integer", "number", "boolean", "object", "array", "null")


class Unsupported(ValueError):
    """A schema uses a keyword or format the generator does not implement."""


@dataclass(eq=False)
class Node:
    """What the schemas say about one value, with ``allOf`` and ``$ref`` merged in.

    ``types`` is None when any type is allowed; a type list that holds ``number``
    also allows integers, as JSON Schema says. ``additional`` is None when undeclared
    properties may hold anything. ``groups`` are the ``anyOf`` keywords: each is a
    tuple of alternatives, at least one of which the value must satisfy.
    """

    types: tuple[str, ...] | None = None
    enum: tuple[Any, ...] | None = None
    properties: dict[str, Node] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    additional: Node | None = None
    items: Node | None = None
    min_items: int = 0
    unique: bool = False
    min_length: int = 0
    max_length: int | None = None
    patterns: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    groups: tuple[tuple[Node, ...], ...] = ()
    # derived facts, computed once per node (nodes are never changed once built)
    _alternatives: tuple[Node, ...] | None = field(default=None, init=False, repr=False)
    _types: tuple[str, ...] | None = field(default=None, init=False, repr=False)
    _enum_keys: frozenset[Any] | None = field(default=None, init=False, repr=False)
    _settled: dict[str, Node] = field(default_factory=dict, init=False, repr=False)

    def child(self, key: str) -> Node:
        """The node for property ``key`` of an object value here."""
        found = self.properties.get(key)
        if found is not None:
            return found
        return self.additional if self.additional is not None else ANY


ANY = Node()
NEVER = Node(types=())


# ------------------------------------------------------------------ building
def build(schema: Any, resolver: Any, _memo: dict[int, Node] | None = None) -> Node:
    """The node for a (sub)schema of the bundle; ``resolver`` follows its ``$ref``s."""
    memo: dict[int, Node] = {} if _memo is None else _memo
    key = id(schema)
    if key in memo:
        return memo[key]
    if schema is True:
        return ANY
    if schema is False:
        return NEVER
    if not isinstance(schema, dict):
        raise Unsupported(f"a schema must be an object or a boolean; found {schema!r}")
    unknown = set(schema) - KEYWORDS - ANNOTATIONS
    if unknown:
        raise Unsupported(f"the generator does not support the keyword(s) {sorted(unknown)}")
    # What a schema builds on comes first, so the properties of a merged node keep the
    # order a person reads them in: envelope fields, then the call's, then the event's.
    node = ANY
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        node = merge(node, build(resolved.contents, resolved.resolver, memo))
    for sub in schema.get("allOf", ()):
        node = merge(node, build(sub, resolver, memo))
    node = merge(node, _own(schema, resolver, memo))
    memo[key] = node
    return node


def _own(schema: dict[str, Any], resolver: Any, memo: dict[int, Node]) -> Node:
    """The node for a schema's own keywords (not its ``allOf`` or ``$ref``)."""
    types = schema.get("type")
    fmt = schema.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise Unsupported(f"the generator does not support the format {fmt!r}")
    enum = schema.get("enum")
    if "const" in schema:
        enum = [schema["const"]] if enum is None else [v for v in enum if _same(v, schema["const"])]
    additional = schema.get("additionalProperties", True)
    items = schema.get("items")
    return Node(
        types=None if types is None else tuple([types] if isinstance(types, str) else types),
        enum=None if enum is None else tuple(enum),
        properties={name: build(sub, resolver, memo) for name, sub in schema.get("properties", {}).items()},
        required=tuple(dict.fromkeys(schema.get("required", ()))),
        additional=None if additional is True else build(additional, resolver, memo),
        items=None if items is None or items is True else build(items, resolver, memo),
        min_items=int(schema.get("minItems", 0)),
        unique=schema.get("uniqueItems") is True,
        min_length=int(schema.get("minLength", 0)),
        max_length=schema.get("maxLength"),
        patterns=(schema["pattern"],) if "pattern" in schema else (),
        formats=(fmt,) if fmt is not None else (),
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        groups=(tuple(build(sub, resolver, memo) for sub in schema["anyOf"]),) if "anyOf" in schema else (),
    )


def node_for(uri: str, cat: Any = None) -> Node:
    """The node of one schema file of a catalog (the bundled one by default), by its ``$id``."""
    from ._catalog import bundled

    cat = cat or bundled()
    return cat.derived(("node", uri), lambda: build(cat.documents[uri], cat.registry().resolver(base_uri=uri)))


# ------------------------------------------------------------------ merging
def merge(a: Node, b: Node) -> Node:
    """The node a value satisfies exactly when it satisfies both ``a`` and ``b``."""
    if a is ANY:
        return b
    if b is ANY:
        return a
    properties = dict(a.properties)
    for name, sub in b.properties.items():
        if name in properties:
            properties[name] = merge(properties[name], sub)
        else:  # a's additionalProperties applies to what a does not declare
            properties[name] = sub if a.additional is None else merge(sub, a.additional)
    if b.additional is not None:
        for name in a.properties.keys() - b.properties.keys():
            properties[name] = merge(properties[name], b.additional)
    return Node(
        types=_types(a.types, b.types),
        enum=_enum(a.enum, b.enum),
        properties=properties,
        required=tuple(dict.fromkeys(a.required + b.required)),
        additional=_optional(a.additional, b.additional),
        items=_optional(a.items, b.items),
        min_items=max(a.min_items, b.min_items),
        unique=a.unique or b.unique,
        min_length=max(a.min_length, b.min_length),
        max_length=_bound(min, a.max_length, b.max_length),
        patterns=tuple(dict.fromkeys(a.patterns + b.patterns)),
        formats=tuple(dict.fromkeys(a.formats + b.formats)),
        minimum=_bound(max, a.minimum, b.minimum),
        maximum=_bound(min, a.maximum, b.maximum),
        groups=a.groups + b.groups,
    )


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
    in `BAD_FORMATS`. Lengths, bounds and item counts are named ``length``, ``range``
    and ``items``.
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
        if (node.minimum is not None and value < node.minimum) or (
            node.maximum is not None and value > node.maximum
        ):
            return "range"
    elif isinstance(value, list):
        if len(value) < node.min_items:
            return "items"
        if node.unique and len({canonical(v) for v in value}) < len(value):
            return "items"
    return None


#: Strings that are certainly not in a format (each is checked by the tests).
BAD_FORMATS: dict[str, tuple[str, ...]] = {
    "date-time": ("2024-05-01 12:30:00", "yesterday", "2015-02-23T22:28:55.111Z,",
                  "2024-13-01T00:00:00Z", "2024-05-01", "not a valid value"),
    "ipv4": ("256.1.1.1", "10.0.0", "not a valid value"),
    "ipv6": ("2001:db8::g1", "1:2:3:4:5:6:7:8:9", "not a valid value"),
    "uri": ("www.example.com/pricing", "not a valid value"),
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
    candidates = node.types if node.types is not None else JSON_TYPES
    if node.enum is not None:
        return tuple(dict.fromkeys(kind(v) for v in node.enum if fits(node, v) or _formatted(node, v)))
    return tuple(t for t in candidates if _possible(node, t))


def _formatted(node: Node, value: Any) -> bool:
    # an enum value in a formatted string node: trust the schema author
    return isinstance(value, str) and bool(node.formats) and broken_here(node, value) is None


def _possible(node: Node, kind_: str) -> bool:
    if kind_ == "string":
        return (node.max_length is None or node.min_length <= node.max_length) and len(node.formats) <= 1
    if kind_ in ("integer", "number"):
        if node.minimum is None or node.maximum is None:
            return True
        if kind_ == "integer":
            return math.ceil(node.minimum) <= math.floor(node.maximum)
        return node.minimum <= node.maximum
    if kind_ == "object":
        return all(alternatives(node.child(name)) for name in node.required)
    if kind_ == "array":
        return node.min_items == 0 or node.items is None or bool(alternatives(node.items))
    return True


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
