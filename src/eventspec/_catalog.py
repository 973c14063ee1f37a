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
