"""A readable table of a schema's fields, for ``eventspec show``.

Follows ``$ref`` (through the bundle's registry), ``allOf`` and the non-null branch of
a nullable ``anyOf``, so an event's table includes the track call it builds on.
"""

from __future__ import annotations

from typing import Any

from ._catalog import bundled
from ._messages import _PATTERN_NAMES

_MAX_DEPTH = 3


def rows(document: dict[str, Any], cat: Any = None, uri: str | None = None) -> list[tuple[str, str, str, str]]:
    """``(field path, type, required, description)`` for every declared field of a
    document of ``cat`` (the bundled catalog by default) whose ``$id`` is ``uri``."""
    found: list[tuple[str, str, str, str]] = []
    resolver = (cat or bundled()).registry().resolver(base_uri=uri or document["$id"])
    _walk(document, resolver, "", found, 0)
    return found


def _gather(node: Any, resolver: Any) -> tuple[dict[str, list[tuple[dict[str, Any], Any]]], set[str]]:
    """Every declaration of each property (own first), and the required names."""
    properties: dict[str, list[tuple[dict[str, Any], Any]]] = {}
    required: set[str] = set()
    stack = [(node, resolver)]
    while stack:
        current, res = stack.pop(0)
        if not isinstance(current, dict):
            continue
        for name, sub in current.get("properties", {}).items():
            properties.setdefault(name, []).append((sub, res))
        required.update(current.get("required", ()))
        if "$ref" in current:
            resolved = res.lookup(current["$ref"])
            stack.append((resolved.contents, resolved.resolver))
        stack.extend((sub, res) for sub in current.get("allOf", ()))
        stack.extend((sub, res) for sub in current.get("anyOf", ()) if sub.get("type") != "null" and "required" not in sub)
    return properties, required


def _kind(declarations: list[tuple[dict[str, Any], Any]]) -> str:
    for schema, res in declarations:
        if "$ref" in schema and "type" not in schema:
            target = res.lookup(schema["$ref"]).contents
            if "title" in target and "enum" in target:
                return f"string ({target['title']})"
            if "title" in target:
                return f"object ({target['title']})"
        if "enum" in schema:
            return "one of " + "|".join("null" if v is None else str(v) for v in schema["enum"])
        if "const" in schema:
            return repr(schema["const"])
        if "type" in schema:
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            text = "|".join(kinds)
            if "format" in schema:
                text += f" ({schema['format']})"
            if "pattern" in schema:
                text += f" ({_PATTERN_NAMES[schema['pattern']]})" if schema["pattern"] in _PATTERN_NAMES else f" matching {schema['pattern']}"
            if "minimum" in schema or "maximum" in schema:
                text += f" [{schema.get('minimum', '')}..{schema.get('maximum', '')}]"
            if schema.get("minLength") == 1:
                text += ", non-empty"
            return text
        if "anyOf" in schema:
            kinds = [b.get("type") or "object" for b in schema["anyOf"]]
            return "|".join(map(str, kinds))
    return "any"


def _description(declarations: list[tuple[dict[str, Any], Any]]) -> str:
    for schema, _ in declarations:
        if schema.get("description"):
            text: str = schema["description"]
            return text if len(text) <= 110 else text[:107] + "..."
    return ""


def _walk(node: Any, resolver: Any, prefix: str, found: list[tuple[str, str, str, str]], depth: int) -> None:
    properties, required = _gather(node, resolver)
    for name, declarations in properties.items():
        path = prefix + name
        found.append((path, _kind(declarations), "yes" if name in required else "", _description(declarations)))
        if depth >= _MAX_DEPTH:
            continue
        for schema, res in declarations:
            items = schema.get("items")
            if isinstance(items, dict):
                _walk(items, res, path + "[].", found, depth + 1)
                break
            nested, _ = _gather(schema, res)
            if nested:
                _walk(schema, res, path + ".", found, depth + 1)
                break
