"""Rewriting schemas between JSON Schema dialects, keeping what they accept.

Importers bring draft-04 (Iglu), draft-06 (Avo), draft-07 (Segment) and 2019-09
(RudderStack) schemas; plans are written in 2020-12 and Iglu export goes back to
draft-04. Each rewrite is keyword by keyword and exact: the tests run the same payloads
through jsonschema on both sides. What has no equivalent raises `Untranslatable`.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urldefrag

SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"
DRAFT_URIS = {
    "http://json-schema.org/draft-04/schema": "draft-04",
    "http://json-schema.org/draft-06/schema": "draft-06",
    "http://json-schema.org/draft-07/schema": "draft-07",
    "https://json-schema.org/draft/2019-09/schema": "2019-09",
    "https://json-schema.org/draft/2020-12/schema": "2020-12",
    # Iglu's self-describing metaschema extends draft-04
    "http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0": "draft-04",
}


class Untranslatable(ValueError):
    """A keyword the target dialect cannot say; ``.path`` is where it is."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def dialect(schema: Any, default: str = "2020-12") -> str:
    """The dialect a schema declares by ``$schema`` (``default`` when it does not)."""
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    if not isinstance(uri, str):
        return default
    return DRAFT_URIS.get(uri.rstrip("#"), default)


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONE = ("additionalProperties", "unevaluatedProperties", "items", "additionalItems", "unevaluatedItems",
               "contains", "propertyNames", "not", "if", "then", "else")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# Keywords whose values are data, never schemas: nothing inside them is rewritten.
_DATA = ("enum", "const", "default", "examples", "x-eventspec")


def to_2020_12(schema: Any, source: str | None = None) -> Any:
    """A copy of ``schema`` in 2020-12 that accepts exactly what it accepted in ``source``.

    ``source`` defaults to what the schema's ``$schema`` says. The result's ``$schema``
    is 2020-12; ``definitions`` become ``$defs`` and local refs follow.
    """
    source = source or dialect(schema)
    result = _up(copy.deepcopy(schema), source, "$")
    if isinstance(result, dict):
        result["$schema"] = SCHEMA_2020_12
    return result


def _up(node: Any, source: str, path: str) -> Any:
    if not isinstance(node, dict):
        return node
    old = source in ("draft-04", "draft-06", "draft-07")
    if old and "$ref" in node:
        # before 2019-09, a $ref's siblings are ignored: keep only the reference (and the
        # definitions it may point into, which are places, not assertions)
        kept = {k: v for k, v in node.items() if k in ("$ref", "definitions", "$schema")}
        if len(kept) < len(node):
            return _up(kept, source, path)
    if "$ref" in node and set(node) <= {"$ref", "definitions", "$schema"}:
        out_ref: dict[str, Any] = {"$ref": _local_ref(node["$ref"])}
        if isinstance(node.get("definitions"), dict):
            out_ref["$defs"] = {k: _up(v, source, f"{path}.$defs.{k}") for k, v in node["definitions"].items()}
        return out_ref
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA:
            out[key] = value
        elif key == "$schema":
            continue  # set once, at the root
        elif key == "id" and source == "draft-04" and isinstance(value, str):
            _identify(out, value)
        elif key == "$id" and old and isinstance(value, str):
            _identify(out, value)
        elif key == "$ref":
            out[key] = _local_ref(value)
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in node:
                out[key] = node[bound]
        elif key in ("minimum", "maximum") and node.get("exclusive" + key.capitalize()) is True and source == "draft-04":
            continue  # became the exclusive bound above
        elif key == "definitions":
            out["$defs"] = {k: _up(v, source, f"{path}.$defs.{k}") for k, v in value.items()} if isinstance(value, dict) else value
        elif key == "dependencies" and isinstance(value, dict) and source != "2020-12":
            for name, dependency in value.items():
                if isinstance(dependency, list):
                    out.setdefault("dependentRequired", {})[name] = dependency
                else:
                    out.setdefault("dependentSchemas", {})[name] = _up(dependency, source, f"{path}.dependencies.{name}")
        elif key == "items" and isinstance(value, list):
            out["prefixItems"] = [_up(v, source, f"{path}.items[{i}]") for i, v in enumerate(value)]
            if "additionalItems" in node:
                out["items"] = _up(node["additionalItems"], source, f"{path}.additionalItems")
        elif key == "additionalItems":
            if not isinstance(node.get("items"), list):
                continue  # without an items array, additionalItems never applied
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _up(v, source, f"{path}.{key}.{k}") for k, v in value.items()}
        elif key in _SCHEMA_ONE:
            out[key] = _up(value, source, f"{path}.{key}")
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_up(v, source, f"{path}.{key}[{i}]") for i, v in enumerate(value)]
        elif key in ("$recursiveRef", "$recursiveAnchor"):
            raise Untranslatable(path, f"{key} (2019-09) has no exact 2020-12 equivalent here")
        else:
            out[key] = value
    return out


def _identify(out: dict[str, Any], value: str) -> None:
    uri, fragment = urldefrag(value)
    if fragment and not fragment.startswith("/") and not uri:
        out["$anchor"] = fragment  # a plain-name fragment id is an anchor in 2020-12
    # other ids of old exports (Segment's "/properties/x", Avo's "cem9e4kyn") only named
    # the node; as a 2020-12 $id they would move the base URI, so they are dropped


def _local_ref(ref: Any) -> Any:
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        return "#/$defs/" + ref[len("#/definitions/"):]
    return ref


DRAFT_04 = "http://json-schema.org/draft-04/schema#"
# 2020-12 keywords draft-04 cannot say at all
_NOT_IN_04 = ("if", "then", "else", "contains", "propertyNames", "const", "unevaluatedProperties",
              "unevaluatedItems", "dependentSchemas", "minContains", "maxContains", "$dynamicRef",
              "$dynamicAnchor", "$anchor", "contentSchema")


def to_draft_04(schema: Any) -> Any:
    """A copy of a self-contained 2020-12 ``schema`` in draft-04 (Iglu's dialect).

    ``const`` becomes a one-value ``enum``; the rest of what draft-04 cannot say raises
    `Untranslatable`. Refs must already be inlined or local (``#/$defs/...``).
    """
    result = _down(copy.deepcopy(schema), "$")
    if isinstance(result, dict):
        result.pop("$schema", None)
    return result


def _down(node: Any, path: str) -> Any:
    if node is True:
        return {}
    if node is False:
        return {"not": {}}
    if not isinstance(node, dict):
        return node
    if "$ref" in node and set(node) - {"$ref", "description", "title", "$comment"}:
        # in 2020-12 a $ref's siblings apply; draft-04 would ignore them
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return _down({"allOf": [{"$ref": node["$ref"]}, rest]}, path)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA:
            if key == "const":
                out["enum"] = [value]
            elif key != "x-eventspec":
                out[key] = value
        elif key == "$ref":
            if isinstance(value, str) and value.startswith("#/$defs/"):
                value = "#/definitions/" + value[len("#/$defs/"):]
            elif value != "#" and not (isinstance(value, str) and value.startswith("#/")):
                raise Untranslatable(path, f"$ref {value!r} must be inlined before export")
            out[key] = value
        elif key in ("$schema", "$id", "$comment"):
            continue
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            inclusive = node.get(bound)
            if inclusive is None or (value >= inclusive if bound == "minimum" else value <= inclusive):
                out[bound], out[key] = value, True
            # else the inclusive bound is the tighter one and is written as it is
        elif key in ("minimum", "maximum"):
            exclusive = node.get("exclusive" + key.capitalize())
            if exclusive is None or (value > exclusive if key == "minimum" else value < exclusive):
                out[key] = value
        elif key == "$defs":
            out["definitions"] = {k: _down(v, f"{path}.$defs.{k}") for k, v in value.items()}
        elif key == "dependentRequired":
            out.setdefault("dependencies", {}).update(value)
        elif key == "prefixItems":
            out["items"] = [_down(v, f"{path}.prefixItems[{i}]") for i, v in enumerate(value)]
            if "items" in node:
                out["additionalItems"] = _down(node["items"], f"{path}.items")
        elif key == "items" and "prefixItems" in node:
            continue
        elif key in _NOT_IN_04:
            raise Untranslatable(path, f"{key} has no draft-04 equivalent, so Iglu cannot hold this schema")
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _down(v, f"{path}.{key}.{k}") for k, v in value.items()}
        elif key in _SCHEMA_ONE:
            out[key] = _down(value, f"{path}.{key}")
        elif key in _SCHEMA_LISTS:
            out[key] = [_down(v, f"{path}.{key}[{i}]") for i, v in enumerate(value)]
        else:
            out[key] = value
    return out
