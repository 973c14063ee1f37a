"""The bundled schemas: loading them, and the catalog of families, calls and events.

Every schema file carries its own ``$id``; the folder a file sits in says what it is:
``<family>/calls/<call>.json`` is a call (envelope) schema, ``<family>/common/*`` and
``common/*`` hold shared pieces, and every other file is a semantic event whose
canonical name is its ``title``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from referencing import Registry

BASE_URI = "https://eventspec.dev/schemas/v1/"
FAMILIES = ("cdp", "customerio-event", "retainpixel", "userpilot")


@dataclass(frozen=True)
class Family:
    """What one spec family bundles: its call schemas and its semantic events."""

    name: str
    calls: dict[str, str] = field(default_factory=dict)  # call name -> $id
    events: dict[str, str] = field(default_factory=dict)  # canonical event name -> $id


@dataclass(frozen=True)
class Catalog:
    contents: dict[str, dict[str, Any]]  # $id -> schema, as loaded (never handed out)
    families: dict[str, Family]


def _walk(directory: Any, relative: str = ""):
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir():
            yield from _walk(entry, f"{relative}{entry.name}/")
        elif entry.name.endswith(".json"):
            yield f"{relative}{entry.name}", entry


@cache
def catalog() -> Catalog:
    """Read every bundled schema file once per process."""
    contents: dict[str, dict[str, Any]] = {}
    families = {name: Family(name) for name in FAMILIES}
    for relative, entry in _walk(files("eventspec.schemas")):
        schema = json.loads(entry.read_text(encoding="utf-8"))
        uri = schema["$id"]
        # identity equals path: a file whose $id does not mirror its location is a packaging bug
        if uri != BASE_URI + relative:
            raise RuntimeError(f"bundled schema {relative} has $id {uri!r}")
        contents[uri] = schema
        parts = relative.split("/")
        if parts[0] not in families or parts[1] == "common":
            continue
        family = families[parts[0]]
        if parts[1] == "calls":
            family.calls[parts[-1].removesuffix(".json")] = uri
        else:
            family.events[schema["title"]] = uri
    return Catalog(contents=contents, families=families)


@cache
def registry() -> Registry:
    """One immutable registry of every bundled schema; nothing is ever fetched."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [
        (uri, Resource.from_contents(schema, default_specification=DRAFT202012))
        for uri, schema in catalog().contents.items()
    ]
    return Registry().with_resources(resources).crawl()


@dataclass(frozen=True)
class Resolved:
    contents: Any
    resolver: Resolver


@dataclass(frozen=True)
class Resolver:
    """Follows the bundle's ``$ref``s (relative URIs and JSON pointers) without importing
    `referencing`: the fast path must not pay its import time. Anything outside the
    bundle is an error, exactly as with the registry."""

    base: str

    def lookup(self, ref: str) -> Resolved:
        from urllib.parse import unquote, urljoin

        uri, _, fragment = urljoin(self.base, ref).partition("#")
        try:
            node: Any = catalog().contents[uri]
        except KeyError:
            raise LookupError(f"{ref!r} (from {self.base}) is not a bundled schema") from None
        for part in [p for p in fragment.split("/") if p] if fragment.startswith("/") else ():
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return Resolved(node, Resolver(uri))


@cache
def owners() -> dict[int, str]:
    """Map every (sub)schema object of the bundle to the $id of the file holding it.

    jsonschema errors carry the subschema object that failed, not the file it came
    from; the objects are the very ones loaded here, so identity finds the file.
    """
    found: dict[int, str] = {}

    def visit(node: Any, uri: str) -> None:
        if isinstance(node, dict):
            found[id(node)] = uri
            for value in node.values():
                visit(value, uri)
        elif isinstance(node, list):
            for value in node:
                visit(value, uri)

    for uri, schema in catalog().contents.items():
        visit(schema, uri)
    return found


# Keywords whose value is a schema, a list of schemas, or a map of names to schemas.
_SCHEMA = {"additionalProperties", "items", "not", "if", "then", "else", "contains",
           "propertyNames", "unevaluatedItems", "unevaluatedProperties"}
_SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SCHEMA_MAPS = {"properties", "patternProperties", "dependentSchemas"}
_DROPPED = {"$defs", "$id", "$schema", "$anchor", "$comment"}


@cache
def inline(uri: str) -> dict[str, Any]:
    """One bundled schema with every ``$ref`` replaced by a copy of its target.

    jsonschema's full report runs about half again as fast without following
    references through the registry. Each copied subschema is entered in `owners`
    under the file it was copied from, so findings still name the right ``$id``.
    """
    found = owners()
    resolving: list[int] = []

    def walk(node: Any, resolver: Any, owner: str) -> Any:
        if not isinstance(node, dict):
            return node
        if id(node) in resolving:
            raise ValueError(f"{uri}: recursive $ref cannot be inlined")
        resolving.append(id(node))
        copy: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED or key == "$ref":
                continue
            if key in _SCHEMA:
                copy[key] = walk(value, resolver, owner)
            elif key in _SCHEMA_LISTS:
                copy[key] = [walk(sub, resolver, owner) for sub in value]
            elif key in _SCHEMA_MAPS:
                copy[key] = {name: walk(sub, resolver, owner) for name, sub in value.items()}
            else:
                copy[key] = value
        found[id(copy)] = owner
        if "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            target = walk(resolved.contents, resolved.resolver, found[id(resolved.contents)])
            if set(copy) - {"title", "description"}:
                copy = {"allOf": [target, copy]}
                found[id(copy)] = owner
            else:  # a reference with only annotations beside it is its target
                copy = target
        resolving.pop()
        return copy

    root = walk(catalog().contents[uri], Resolver(uri), uri)
    if not isinstance(root, dict):
        return root
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", **root}
    found[id(document)] = found[id(root)]
    return document
