"""The public API: its shape, its values, and its promises (no mutation, no tracebacks)."""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import eventspec

BROKEN = {
    "type": "track",
    "event": "Order Completed",
    "properties": {"total": "9", "products": [{"price": "1"}, {"quantity": 1.5}], "currency": "usd"},
    "context": {"ip": "string", "channel": "tv"},
    "timestamp": "2015-02-23T22:28:55.111Z,",
}


def test_all_errors_are_reported_in_a_stable_document_order():
    report = eventspec.validate(BROKEN)
    assert [f.path for f in report.errors] == [
        "$",
        "$.context.channel",
        "$.context.ip",
        "$.properties.currency",
        "$.properties.products[0].price",
        "$.properties.products[1].quantity",
        "$.properties.total",
        "$.timestamp",
    ]
    again = eventspec.validate(copy.deepcopy(BROKEN))
    assert again == report


def test_array_indexes_sort_numerically():
    props = {"products": [{"price": "x"}] * 12}
    paths = [f.path for f in eventspec.validate({**BROKEN, "userId": "u", "properties": props,
                                                 "context": {}, "timestamp": None}).errors]
    assert paths == [f"$.properties.products[{i}].price" for i in range(12)]


def test_findings_carry_keyword_schema_severity_and_category():
    report = eventspec.validate(BROKEN)
    by_path = {f.path: f for f in report.errors}
    price = by_path["$.properties.products[0].price"]
    assert price.keyword == "type" and price.category == "type-mismatch" and price.severity == "error"
    assert price.schema_id == "https://eventspec.dev/schemas/v1/cdp/common/product.json"
    assert price.message == "expected a number; found the string '1'"
    currency = by_path["$.properties.currency"]
    assert currency.category == "enum-mismatch"
    assert currency.schema_id == "https://eventspec.dev/schemas/v1/common/currency.json"
    assert "did you mean 'USD'" in currency.message
    assert by_path["$.timestamp"].category == "format-invalid"
    assert by_path["$"].category == "required-missing"
    assert all(f.category in eventspec.CATEGORIES for f in report.findings)
    assert report.schema_id.endswith("/cdp/ecommerce/order-completed.json")


def test_report_and_finding_are_frozen_values_with_json_forms():
    report = eventspec.validate(BROKEN)
    with pytest.raises(AttributeError):
        report.errors = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        report.errors[0].path = "$"  # type: ignore[misc]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["event"] == "Order Completed"
    assert data["errors"][0] == report.errors[0].to_dict()
    assert set(data["errors"][0]) == {"path", "message", "category", "severity", "keyword", "schema_id"}


@pytest.mark.parametrize("cls", [eventspec.Finding, eventspec.Report], ids=lambda c: c.__name__)
def test_the_written_out_constructors_take_every_field_as_a_dataclass_would(cls):
    import dataclasses
    import inspect
    import pickle

    fields = dataclasses.fields(cls)
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert [(p.name, p.default) for p in parameters] == [
        (f.name, inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default) for f in fields]
    values = {f.name: f"value of {f.name}" for f in fields}
    made = cls(**values)
    assert list(vars(made)) == [f.name for f in fields] and vars(made) == values
    assert dataclasses.replace(made) == made == pickle.loads(pickle.dumps(made)) and hash(made) == hash(pickle.loads(pickle.dumps(made)))


def test_payload_is_never_mutated():
    payload = copy.deepcopy(BROKEN)
    payload["batch"] = None
    before = copy.deepcopy(payload)
    eventspec.validate(payload)
    eventspec.validate({"batch": [payload, payload]})
    assert payload == before


def test_check_raises_conformance_error_with_the_report():
    with pytest.raises(eventspec.ConformanceError) as caught:
        eventspec.check(BROKEN, spec="cdp")
    assert isinstance(caught.value, ValueError)
    assert caught.value.report == eventspec.validate(BROKEN)
    assert "$.properties.products[0].price" in str(caught.value)
    ok = eventspec.check({"type": "track", "userId": "u", "event": "order_completed"})
    assert ok.ok and ok.warnings  # warnings do not raise


def test_schema_returns_a_copy():
    first = eventspec.schema("cdp", "Order Completed")
    first["title"] = "changed"
    first["properties"].clear()
    assert eventspec.schema("cdp", "Order Completed")["title"] == "Order Completed"
    assert eventspec.validate({"type": "track", "userId": "u", "event": "Order Completed",
                               "properties": {"total": "x"}}).errors


def test_schema_lookup_errors():
    with pytest.raises(eventspec.UnknownEvent) as caught:
        eventspec.schema("cdp", "Order Complete")
    assert isinstance(caught.value, KeyError)
    assert "did you mean 'Order Completed'" in str(caught.value)
    with pytest.raises(eventspec.UnknownFamily):
        eventspec.schema("segment", "track")
    with pytest.raises(eventspec.UnknownFamily):
        eventspec.events("nope")
    assert eventspec.schema("cdp", "track")["title"] == "Track"
    assert eventspec.schema("userpilot", "page_view")["title"] == "Page View"


@pytest.mark.parametrize(
    "value,path",
    [
        (dt.datetime(2024, 1, 1), "$.properties.when"),
        (decimal.Decimal("NaN"), "$.properties.when"),  # a finite Decimal is a number (test_values.py)
        (object(), "$.properties.when"),
        ([{"at": dt.date(2024, 1, 1)}], "$.properties.when[0].at"),
    ],
)
def test_values_json_cannot_carry_are_findings_not_tracebacks(value, path):
    payload = {"type": "track", "userId": "u", "event": "x", "properties": {"when": value}}
    report = eventspec.validate(payload)
    assert (path, "not-json") in [(f.path, f.category) for f in report.errors]


@pytest.mark.parametrize("value", [{1, 2}, math.nan, b"bytes", 1j])
def test_builtin_non_json_values_are_found_when_a_call_nears_the_size_limit(value):
    # Far below the limit the size is bounded without serializing (docs/performance.md),
    # so these are only seen when the payload is serialized exactly.
    payload = {"type": "track", "userId": "u", "event": "x", "properties": {"when": value, "pad": "x" * 6000}}
    report = eventspec.validate(payload)
    assert ("$.properties.when", "not-json") in [(f.path, f.category) for f in report.errors]


def test_deep_nesting_is_a_finding_not_a_traceback():
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    report = eventspec.validate({"type": "track", "userId": "u", "event": "x", "properties": deep})
    assert [f.category for f in report.errors] == ["not-json"]


def test_tuples_and_odd_types_are_reported_with_their_python_type():
    payload = {"type": "track", "userId": "u", "event": "Order Completed", "properties": {"products": ({"price": 1},)}}
    report = eventspec.validate(payload)
    assert [f.path for f in report.errors] == ["$.properties.products"]
    assert "tuple" in report.errors[0].message


def test_report_str_lists_every_finding():
    text = str(eventspec.validate(BROKEN))
    assert text.startswith("Order Completed (cdp): 8 error(s)")
    assert text.count("\n") == 8


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_import_is_light():
    out = _run("import sys, eventspec; print(sorted(m for m in ('jsonschema', 'referencing', 'hypothesis', 'importlib.metadata') if m in sys.modules))")
    assert out.strip() == "[]"


def test_checking_valid_and_invalid_events_needs_neither_jsonschema_nor_referencing(tmp_path):
    # their import costs a tenth of a second in every process (and every --jobs worker)
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    import corpus

    log = tmp_path / "events.json"
    log.write_text(json.dumps([[e, corpus.family_of(e)] for e in corpus.corpus(3000)]))
    out = _run(
        f"import json, sys, eventspec\nevents = json.load(open({str(log)!r}))\n"
        "reports = [eventspec.validate(e, spec=f) for e, f in events]\n"
        "print(sum(r.ok for r in reports), sum(not r.ok for r in reports),"
        " sorted(m for m in ('jsonschema', 'referencing') if m in sys.modules))"
    )
    valid, invalid, imported = out.split(" ", 2)
    assert int(valid) > 2000 and int(invalid) > 100
    assert imported.strip() == "[]"


def test_orjson_is_taken_on_only_once_payloads_come_by_the_thousand():
    pytest.importorskip("orjson")
    code = (
        "import sys, eventspec\n"
        "payload = {'type': 'identify', 'userId': 'u'}\n"
        "for n in (10, 2000):\n"
        "    for _ in range(n): assert eventspec.validate(payload).ok\n"
        "    print('orjson' in sys.modules)\n"
    )
    assert _run(code).split() == ["False", "True"]


def test_works_from_any_directory_without_the_source_tree(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", "import eventspec; print(eventspec.validate({'type': 'identify', 'userId': 'u'}).ok, len(eventspec.events('cdp')))"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout
    assert out.split() == ["True", "69"]


def test_version():
    assert eventspec.__version__.count(".") >= 2
