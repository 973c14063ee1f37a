"""What each JSON Schema draft means: its keywords, identifiers and subschema positions.

The compiler and its resolver read these tables instead of assuming 2020-12. They copy
the rules of the two libraries the fallback uses, so the compiled path and the fallback
agree: which keywords jsonschema's validator class acts on per draft
(``VALIDATORS``; a test holds the sets equal), and how `referencing` finds ``$id``\\ s,
anchors and subresources per draft (``referencing/jsonschema.py``). Drafts 3, 4 and 6
are known only so that a schema written in one is recognised and left to jsonschema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

_COMMON = frozenset(
    {"$ref", "additionalProperties", "allOf", "anyOf", "const", "contains", "enum",
     "exclusiveMaximum", "exclusiveMinimum", "format", "if", "items", "maxItems", "maxLength",
     "maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum",
     "multipleOf", "not", "oneOf", "pattern", "patternProperties", "properties",
     "propertyNames", "required", "type", "uniqueItems"}
)

# Subschema positions, as referencing walks them per draft.
_IN_VALUE_2020 = frozenset(
    {"additionalProperties", "contains", "contentSchema", "else", "if", "items", "not",
     "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties"}
)
_IN_VALUE_2019 = (_IN_VALUE_2020 - {"items"}) | {"additionalItems"}
_IN_VALUE_7 = frozenset(
    {"additionalItems", "additionalProperties", "contains", "else", "if", "not", "propertyNames", "then"}
)
_IN_SUBVALUES_2019 = frozenset({"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"})
_IN_SUBVALUES_7 = frozenset({"definitions", "patternProperties", "properties"})


@dataclass(frozen=True)
class Draft:
    """One draft's rules (or a custom metaschema's: a draft with fewer vocabularies)."""

    name: str
    uri: str  #: the metaschema's $id, without a trailing "#"
    validating: frozenset[str]  #: keywords jsonschema's validator for the draft acts on
    native: frozenset[str]  #: those the compiler implements for the draft
    legacy: bool  #: draft-07: $ref hides its siblings; items arrays; dependencies; plain contains
    tuple_items: bool  #: ``items`` may be an array of schemas (drafts 7 and 2019-09)
    in_value: frozenset[str]
    in_subarray: frozenset[str]
    in_subvalues: frozenset[str]
    dynamic_anchors: bool = False  #: $dynamicAnchor is an anchor (2020-12)
    allowed: frozenset[str] | None = None  #: keywords a custom metaschema's $vocabulary keeps
    meta: str = ""  #: the metaschema actually named (custom metaschemas differ from ``uri``)

    @property
    def crawlable(self) -> bool:
        return self.name in ("draft7", "draft2019-09", "draft2020-12")

    def keywords(self, schema: dict[str, Any]) -> list[str]:
        """The keywords of ``schema`` this draft validates with, in the schema's order."""
        if self.legacy and "$ref" in schema:
            return ["$ref"]  # draft-07 and older ignore every sibling of $ref
        allowed = self.allowed
        return [k for k in schema if k in self.validating and (allowed is None or k in allowed)]

    def id_of(self, schema: Any) -> str | None:
        """The ``$id`` that makes ``schema`` a resource, without a trailing "#"."""
        if not isinstance(schema, dict):
            return None
        if self.legacy and "$ref" in schema:
            return None
        found = schema.get("$id")
        if not isinstance(found, str) or (self.legacy and found.startswith("#")):
            return None
        return found.rstrip("#")

    def anchors_in(self, schema: Any) -> Iterator[tuple[str, bool]]:
        """(name, dynamic) for each plain-name anchor ``schema`` defines."""
        if not isinstance(schema, dict):
            return
        if self.legacy:
            found = schema.get("$id")
            if isinstance(found, str) and found.startswith("#"):
                yield found[1:], False
            return
        if isinstance(schema.get("$anchor"), str):
            yield schema["$anchor"], False
        if self.dynamic_anchors and isinstance(schema.get("$dynamicAnchor"), str):
            yield schema["$dynamicAnchor"], True

    def subresources(self, schema: Any) -> Iterator[Any]:
        """Every subschema in a schema position of ``schema``, as referencing crawls them."""
        if not isinstance(schema, dict):
            return
        for keyword in self.in_value:
            if keyword in schema:
                yield schema[keyword]
        for keyword in self.in_subarray:
            if isinstance(schema.get(keyword), list):
                yield from schema[keyword]
        for keyword in self.in_subvalues:
            if isinstance(schema.get(keyword), dict):
                yield from schema[keyword].values()
        if self.tuple_items and "items" in schema:
            items = schema["items"]
            if isinstance(items, list):
                yield from items
            else:
                yield items
        if self.legacy and isinstance(schema.get("dependencies"), dict):
            values = list(schema["dependencies"].values())
            if values and isinstance(values[0], dict):
                yield from values

    def in_subresource(self, segments: list[str | int], target: Any) -> bool:
        """Whether a JSON pointer's ``segments`` (since the last resource) reach a schema
        position, so that ``target``'s own ``$id`` applies (referencing's rule)."""
        in_child = self.in_subvalues | self.in_subarray
        walk = iter(segments)
        for segment in walk:
            if self.tuple_items and isinstance(target, dict) and (
                segment == "items" or (self.legacy and segment == "dependencies")
            ):
                return True
            if segment not in self.in_value and (segment not in in_child or next(walk, None) is None):
                return False
        return True


DRAFT202012 = Draft(
    name="draft2020-12",
    uri="https://json-schema.org/draft/2020-12/schema",
    validating=_COMMON | {"$dynamicRef", "dependentRequired", "dependentSchemas", "prefixItems",
                          "unevaluatedItems", "unevaluatedProperties"},
    native=_COMMON | {"dependentRequired", "dependentSchemas", "prefixItems"},
    legacy=False,
    tuple_items=False,
    in_value=_IN_VALUE_2020,
    in_subarray=frozenset({"allOf", "anyOf", "oneOf", "prefixItems"}),
    in_subvalues=_IN_SUBVALUES_2019,
    dynamic_anchors=True,
)
DRAFT201909 = Draft(
    name="draft2019-09",
    uri="https://json-schema.org/draft/2019-09/schema",
    validating=_COMMON | {"$recursiveRef", "additionalItems", "dependentRequired", "dependentSchemas",
                          "unevaluatedItems", "unevaluatedProperties"},
    native=_COMMON | {"additionalItems", "dependentRequired", "dependentSchemas"},
    legacy=False,
    tuple_items=True,
    in_value=_IN_VALUE_2019,
    in_subarray=frozenset({"allOf", "anyOf", "oneOf"}),
    in_subvalues=_IN_SUBVALUES_2019,
)
DRAFT7 = Draft(
    name="draft7",
    uri="http://json-schema.org/draft-07/schema",
    validating=_COMMON | {"additionalItems", "dependencies"},
    native=_COMMON | {"additionalItems", "dependencies"},
    legacy=True,
    tuple_items=True,
    in_value=_IN_VALUE_7,
    in_subarray=frozenset({"allOf", "anyOf", "oneOf"}),
    in_subvalues=_IN_SUBVALUES_7,
)


def _foreign(name: str, uri: str) -> Draft:
    # Recognised, never compiled: jsonschema validates these drafts.
    return Draft(name=name, uri=uri, validating=frozenset(), native=frozenset(), legacy=True,
                   tuple_items=True, in_value=frozenset(), in_subarray=frozenset(),
                   in_subvalues=frozenset())


DRAFTS: dict[str, Draft] = {
    d.uri: d
    for d in (DRAFT202012, DRAFT201909, DRAFT7,
              _foreign("draft6", "http://json-schema.org/draft-06/schema"),
              _foreign("draft4", "http://json-schema.org/draft-04/schema"),
              _foreign("draft3", "http://json-schema.org/draft-03/schema"))
}
UNKNOWN = _foreign("unknown", "")  # a $schema that names nothing known
DEFAULT = DRAFT202012  # a schema without $schema (as jsonschema's validator_for assumes)


def official(uri: Any) -> Draft | None:
    """The draft a ``$schema`` value names, if it is an official one."""
    return DRAFTS.get(uri.rstrip("#")) if isinstance(uri, str) else None


# The keywords of each vocabulary a custom metaschema may list in $vocabulary.
_V2020 = "https://json-schema.org/draft/2020-12/vocab/"
_V2019 = "https://json-schema.org/draft/2019-09/vocab/"
_VOCABULARIES: dict[str, frozenset[str]] = {
    _V2020 + "core": frozenset({"$id", "$schema", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor",
                                "$vocabulary", "$comment", "$defs"}),
    _V2020 + "applicator": frozenset({"prefixItems", "items", "contains", "additionalProperties",
                                      "properties", "patternProperties", "dependentSchemas",
                                      "propertyNames", "if", "then", "else", "allOf", "anyOf",
                                      "oneOf", "not"}),
    _V2020 + "unevaluated": frozenset({"unevaluatedItems", "unevaluatedProperties"}),
    _V2020 + "validation": frozenset({"type", "const", "enum", "multipleOf", "maximum",
                                      "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
                                      "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
                                      "maxContains", "minContains", "maxProperties", "minProperties",
                                      "required", "dependentRequired"}),
    _V2020 + "meta-data": frozenset({"title", "description", "default", "deprecated", "readOnly",
                                     "writeOnly", "examples"}),
    _V2020 + "format-annotation": frozenset({"format"}),
    _V2020 + "format-assertion": frozenset({"format"}),
    _V2020 + "content": frozenset({"contentEncoding", "contentMediaType", "contentSchema"}),
    _V2019 + "core": frozenset({"$id", "$schema", "$anchor", "$ref", "$recursiveRef", "$recursiveAnchor",
                                "$vocabulary", "$comment", "$defs"}),
    _V2019 + "applicator": frozenset({"additionalItems", "unevaluatedItems", "items", "contains",
                                      "additionalProperties", "unevaluatedProperties", "properties",
                                      "patternProperties", "dependentSchemas", "propertyNames", "if",
                                      "then", "else", "allOf", "anyOf", "oneOf", "not"}),
    _V2019 + "validation": frozenset({"multipleOf", "maximum", "exclusiveMaximum", "minimum",
                                      "exclusiveMinimum", "maxLength", "minLength", "pattern",
                                      "maxItems", "minItems", "uniqueItems", "maxContains",
                                      "minContains", "maxProperties", "minProperties", "required",
                                      "dependentRequired", "const", "enum", "type"}),
    _V2019 + "meta-data": frozenset({"title", "description", "default", "deprecated", "readOnly",
                                     "writeOnly", "examples"}),
    _V2019 + "format": frozenset({"format"}),
    _V2019 + "content": frozenset({"contentEncoding", "contentMediaType", "contentSchema"}),
}


def with_vocabularies(base: Draft, meta: str, vocabularies: dict[str, Any]) -> Draft:
    """``base`` restricted to the vocabularies a custom metaschema declares.

    Raises:
        ValueError: the metaschema requires a vocabulary this library does not know.
    """
    allowed: set[str] = set()
    for vocabulary, required in vocabularies.items():
        if vocabulary in _VOCABULARIES:
            allowed |= _VOCABULARIES[vocabulary]
        elif required is True:
            raise ValueError(f"the metaschema {meta} requires the unknown vocabulary {vocabulary}")
    return replace(base, allowed=frozenset(allowed), meta=meta)
