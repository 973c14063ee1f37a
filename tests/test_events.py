"""Every semantic event: a fully populated valid payload, and one invalid payload per
declared property (a value of the wrong type), each reported at that property's path."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

import eventspec
from eventspec._catalog import catalog, registry

ENVELOPES = {
    "cdp": {"type": "track", "userId": "user-1", "messageId": "m-1",
            "timestamp": "2024-05-01T12:30:00.000Z", "context": {"ip": "203.0.113.9"}},
    "retainpixel": {"type": "track", "user_id": "user-1", "timestamp": "2026-03-10T12:00:00Z"},
}
EVENTS = [(family, name) for family in ENVELOPES for name in eventspec.events(family)]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema and len(schema) <= 2:  # a $ref with at most a description
        schema = registry().resolver(base_uri=_owner(schema)).lookup(schema["$ref"]).contents
    return schema


@functools.cache
def _owners() -> dict[int, str]:
    """The file holding each subschema object of the bundle (they live as long as the catalog)."""
    found: dict[int, str] = {}

    def visit(node: Any, uri: str) -> None:
        if isinstance(node, dict):
            found[id(node)] = uri
            for value in node.values():
                visit(value, uri)

    for uri, schema in catalog().contents.items():
        visit(schema, uri)
    return found


def _owner(schema: dict[str, Any]) -> str:
    return _owners()[id(schema)]


def sample(schema: dict[str, Any]) -> Any:
    """A valid value for one declared property schema (the keywords our event files use)."""
    schema = _resolve(schema)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    kinds = schema.get("type")
    kind = next(k for k in ([kinds] if isinstance(kinds, str) else kinds) if k != "null")
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2024-05-01T12:30:00Z"
        if schema.get("pattern") == "^[0-9]+$":
            return "7"
        return "sample"
    if kind == "integer":
        return schema.get("maximum", 3)
    if kind == "number":
        return 12.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(schema["items"])]
    if kind == "object":
        return {name: sample(sub) for name, sub in schema.get("properties", {}).items()}
    raise AssertionError(f"no sample for {schema}")


WRONG = {"string": 12345, "integer": 1.5, "number": "12.50", "boolean": "true",
         "array": "a,b", "object": "{}"}


def wrong(schema: dict[str, Any]) -> Any:
    schema = _resolve(schema)
    kinds = schema.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    for kind in kinds:
        if WRONG[kind] is not None and not _accepts(kinds, WRONG[kind]):
            return WRONG[kind]
    raise AssertionError(schema)


def _accepts(kinds: list[str], value: Any) -> bool:
    python = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
              "array": list, "object": dict}
    return any(isinstance(value, python[k]) for k in kinds if k != "null")


def declared(family: str, name: str) -> dict[str, Any]:
    schema = catalog().contents[catalog().family(family).events[name]]
    return schema["properties"]["properties"].get("properties", {})


def valid_payload(family: str, name: str) -> dict[str, Any]:
    payload = copy.deepcopy(ENVELOPES[family])
    payload["event"] = name
    payload["properties"] = {prop: sample(sub) for prop, sub in declared(family, name).items()}
    return payload


@pytest.mark.parametrize(("family", "name"), EVENTS)
def test_fully_populated_event_is_valid(family, name):
    payload = valid_payload(family, name)
    before = copy.deepcopy(payload)
    report = eventspec.validate(payload, spec=family, strict=True)
    assert report.ok, str(report)
    assert report.warnings == ()
    assert report.event == name
    assert payload == before  # never mutated


WITH_PROPERTIES = [(f, n) for f, n in EVENTS if declared(f, n)]
# Breaking the device object also removes the token that the event requires.
ALSO_BROKEN = {("cdp", "Device Created or Updated", "device"): [("$", "required-missing")]}


@pytest.mark.parametrize(("family", "name"), WITH_PROPERTIES)
def test_each_declared_property_is_type_checked(family, name):
    for prop, sub in declared(family, name).items():
        payload = valid_payload(family, name)
        payload["properties"][prop] = wrong(sub)
        report = eventspec.validate(payload, spec=family)
        expected = ALSO_BROKEN.get((family, name, prop), []) + [(f"$.properties.{prop}", "type-mismatch")]
        assert [(f.path, f.category) for f in report.errors] == expected, f"{name}.{prop}: {report}"


@pytest.mark.parametrize(("family", "name"), [(f, n) for f, n in EVENTS if not declared(f, n)])
def test_events_without_declared_properties_still_need_a_properties_object(family, name):
    payload = valid_payload(family, name)
    assert eventspec.validate(payload, spec=family).ok
    payload["properties"] = ["not", "an", "object"]
    report = eventspec.validate(payload, spec=family)
    assert [(f.path, f.category) for f in report.errors] == [("$.properties", "type-mismatch")]


def test_events_with_no_table_of_their_own_still_declare_their_documented_properties():
    # RULINGS 14 and 16: properties listed only in an example, or borrowed from another event
    assert set(declared("cdp", "Video Ad Started")) == set(declared("cdp", "Video Ad Playing"))
    assert set(declared("cdp", "Video Ad Completed")) == set(declared("cdp", "Video Ad Playing"))
    assert {"email_id", "email_subject", "campaign_id", "campaign_name"} <= set(declared("cdp", "Email Opened"))
    assert {"from_background", "version", "build", "url"} == set(declared("cdp", "Application Opened"))
