"""The bundled schema set: valid 2020-12 schemas, well identified, documented, linked."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

import eventspec
from eventspec._catalog import BASE_URI, catalog, registry

CONTENTS = catalog().contents
IDS = sorted(CONTENTS)


def _short(uri: str) -> str:
    return uri.removeprefix(BASE_URI)


@pytest.mark.parametrize("uri", IDS, ids=_short)
def test_file_is_a_valid_2020_12_schema(uri):
    schema = CONTENTS[uri]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    # the metaschema's format annotations are checked for real too (uri, regex)
    meta = Draft202012Validator(
        Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert list(meta.iter_errors(schema)) == []


@pytest.mark.parametrize("uri", IDS, ids=_short)
def test_file_has_id_title_and_description_from_the_documents(uri):
    schema = CONTENTS[uri]
    assert schema["$id"] == uri and uri.startswith(BASE_URI)
    assert schema["title"].strip()
    assert len(schema["description"]) > 20


def _properties(node: Any, where: str = "#"):
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", sub
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}/{index}")


# Properties that only narrow a property documented in a file this one builds on.
_NARROWING = {"type", "userId", "properties", "event_type", "event", "traits"}


@pytest.mark.parametrize("uri", IDS, ids=_short)
def test_every_property_is_described(uri):
    undocumented = [
        where
        for where, sub in _properties(CONTENTS[uri])
        if isinstance(sub, dict)
        and "description" not in sub
        and where.rsplit("/", 1)[-1] not in _NARROWING
        and "/anyOf/" not in where
    ]
    assert undocumented == []


def _refs(node: Any):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@pytest.mark.parametrize("uri", IDS, ids=_short)
def test_every_ref_resolves_inside_the_bundle(uri):
    resolver = registry().resolver(base_uri=uri)
    for ref in _refs(CONTENTS[uri]):
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as error:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{ref!r} in {uri} does not resolve: {error}")
        assert isinstance(resolved.contents, (dict, bool))


def test_files_ship_as_package_data_and_nothing_else_is_loaded():
    root = files("eventspec.schemas")
    on_disk = set()
    dialects = set()

    def walk(directory, prefix=""):
        for entry in directory.iterdir():
            if entry.is_dir() and not entry.name.startswith(("_", ".")):
                walk(entry, prefix + entry.name + "/")
            elif entry.name == "eventspec-family.json":
                dialects.add(prefix)
            elif entry.name.endswith(".json"):
                on_disk.add(BASE_URI + prefix + entry.name)
                json.loads(entry.read_text(encoding="utf-8"))

    walk(root)
    assert on_disk == set(CONTENTS)
    # every family folder holds its dialect, and nothing else is one
    assert dialects == {f"{name}/" for name in eventspec.families()}


def test_registry_never_retrieves_unknown_uris():
    with pytest.raises(Unresolvable):
        registry().resolver().lookup("https://example.com/not-bundled.json")
