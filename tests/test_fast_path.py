"""The compiled fast path, the inlined schemas and jsonschema agree on valid/invalid for
every payload, and the compiled reporter finds exactly what jsonschema's errors say.

Payloads: every document example, a deterministic corpus of all families and events
(5% broken), and thousands of mutants of them with awkward values put at random
places (booleans where numbers go, 1.0 for integers, Decimals, NaN, str subclasses,
nested containers, missing keys). Each payload is checked against the schemas it
dispatches to and against a sample of every other bundled schema.
"""

from __future__ import annotations

import decimal
import functools
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import eventspec
from eventspec import _validate
from eventspec._catalog import BASE_URI, catalog, registry
from eventspec._compile import Compiler
from eventspec._messages import translate, translated

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import corpus  # noqa: E402
from mutation import mutate  # noqa: E402

CATALOG = catalog()


def _uri(relative):
    return BASE_URI + relative


def _fast(uri):
    return _validate._fast(CATALOG, uri)


def _compiled(uri):
    return _validate._compiled(CATALOG, uri)


def _validator(uri):
    return _validate._validator(CATALOG, uri)


URIS = sorted(catalog().contents)
FIXTURES = Path(__file__).parent / "fixtures" / "examples"


class Text(str):
    pass


AWKWARD: list[Any] = [
    True, False, 0, 1, -1, 1.0, 1.5, 2**70, float("nan"), float("inf"), decimal.Decimal("2"),
    decimal.Decimal("2.5"), "", "x", "1", "USD", "usd", "2024-05-01T12:30:00Z", "2024-02-30T12:30:00Z",
    "2024-05-01T12:30:00Z\n", "2024-05-01t12:30:00z", "8.8.8.8", "::1", "fe80::1%eth0", "user-1",
    Text("pre-roll"), Text("x"), None, [], [1, 1], ["a", "a"], ["a"], {}, {"token": "t"}, (1,), {"a": None},
    "pre-roll", "banner_slot_1", 100, 101, 255 * "x", 256 * "x", "2024-07-28 08:55:35.874555", "en-US",
    "https://example.com/a b", "https://example.com/p?q=1#f", "mailto:a@b.c", "//no-scheme", "not a uri",
    "http://[::1]:80/", "urn:isbn:0451450523", "2024-12-31T23:59:60Z", "2024-02-29T00:00:00z", "1999-02-29T00:00:00Z",
    "fe80::1", "::ffff:1.2.3.4", "1.2.3.04", "256.1.1.1", 1.0e300, -3, 2.5, Text("203.0.113.1"),
]


def _payloads() -> list[Any]:
    found = [json.loads(p.read_text())["payload"] for p in sorted(FIXTURES.glob("*/*.json"))]
    found += corpus.corpus(1500)
    return found


def _mutants(payloads: list[Any], count: int, seed: int = 7) -> list[Any]:
    rng = random.Random(seed)
    return [mutate(rng.choice(payloads), rng, AWKWARD) for _ in range(count)]


def _dispatched(payload: Any) -> list[str]:
    report = eventspec.validate(payload, spec=corpus.family_of(payload))
    return [report.schema_id] if report.schema_id else []


PAYLOADS = _payloads()
MUTANTS = _mutants(PAYLOADS, 6000)


def test_every_bundled_schema_compiles_natively():
    for uri in URIS:
        assert _compiled(uri).native, uri
        assert callable(_fast(uri)), uri


@functools.cache
def _reference(uri: str) -> Draft202012Validator:
    """jsonschema on the schema as bundled, following $ref through the registry: the truth."""
    return Draft202012Validator(catalog().contents[uri], registry=registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _disagreements(payloads: list[Any], uris_for) -> list[str]:
    """Where the fast path, or the compiler's jsonschema fallback, differs from the truth."""
    wrong = []
    for index, payload in enumerate(payloads):
        for uri in uris_for(index, payload):
            truth = _reference(uri).is_valid(payload)
            fast = _fast(uri)(payload)
            fallback = _validator(uri).check(payload)
            if fast != truth or fallback != truth:
                wrong.append(f"{uri}: fast={fast} fallback={fallback} jsonschema={truth} for {payload!r:.300}")
    return wrong


def test_the_pool_holds_both_verdicts_in_quantity():
    verdicts = [_reference(u).is_valid(p) for p in MUTANTS[:2000] for u in _dispatched(p)]
    assert verdicts.count(True) > 300 and verdicts.count(False) > 300


def test_fast_path_agrees_on_the_dispatched_schema():
    assert _disagreements(PAYLOADS + MUTANTS, lambda i, p: _dispatched(p)) == []


def test_fast_path_agrees_on_every_schema_for_a_sample():
    rng = random.Random(11)
    pool = PAYLOADS + MUTANTS
    assert _disagreements(pool, lambda i, p: rng.sample(URIS, 3)) == []


@pytest.mark.parametrize("uri", URIS, ids=lambda u: u.rsplit("/v1/", 1)[1])
def test_fast_path_agrees_on_awkward_values_for_each_schema(uri):
    candidates = [*AWKWARD, *PAYLOADS[:40]]
    assert _disagreements(candidates, lambda i, p: [uri]) == []


def test_generated_code_quotes_schema_strings():
    hostile = {"properties": {"'); import os; os.system('x') #": {"enum": ["\"'\\n"], "pattern": "'''"}},
               "required": ["\n"]}
    compiled = Compiler({"https://example.com/hostile": hostile}).compile("https://example.com/hostile")
    assert compiled.native and compiled.check({"\n": 1})
    assert [e.validator for e in compiled.report({})] == ["required"]
    assert not compiled.check({})
    assert compiled.source is not None
    assert "import os" not in compiled.source.replace(repr("'); import os; os.system('x') #"), "")


def test_validate_reports_nothing_more_than_jsonschema_on_valid_payloads():
    for payload in PAYLOADS:
        report = eventspec.validate(payload, spec=corpus.family_of(payload))
        if report.schema_id:
            assert _reference(report.schema_id).is_valid(payload) == (
                not [f for f in report.errors if f.keyword is not None]
            ), payload


def _findings(errors) -> list[tuple]:
    return sorted({(f.path, f.category, f.message, f.schema_id) for f in translate(errors)})


def _report_disagreements(payloads: list[Any], uris_for) -> list[str]:
    """Where the compiled report differs from jsonschema's errors (as the fallback gives
    them: with the file of each failed keyword)."""
    wrong = []
    for index, payload in enumerate(payloads):
        for uri in uris_for(index, payload):
            compiled = _findings(_compiled(uri).report(payload))
            reference = _findings(_validator(uri).report(payload))
            if compiled != reference:
                wrong.append(f"{uri}: {payload!r:.200}\n  compiled  {compiled}\n  jsonschema {reference}")
    return wrong


def test_compiled_reports_equal_jsonschema_reports_on_the_dispatched_schema():
    assert _report_disagreements(PAYLOADS + MUTANTS, lambda i, p: _dispatched(p)) == []


def test_compiled_reports_equal_jsonschema_reports_on_other_schemas():
    rng = random.Random(13)
    assert _report_disagreements(PAYLOADS[:600] + MUTANTS[:2500], lambda i, p: rng.sample(URIS, 2)) == []


@pytest.mark.parametrize("uri", URIS, ids=lambda u: u.rsplit("/v1/", 1)[1])
def test_compiled_reports_on_awkward_values(uri):
    assert _report_disagreements([*AWKWARD, *PAYLOADS[:20]], lambda i, p: [uri]) == []


def _errors(errors: list[Any] | None) -> list[tuple] | None:
    """Every attribute of a report's errors, in order; objects from the schema and the
    payload by identity; the alternatives' errors of an anyOf or oneOf too."""
    if errors is None:
        return None
    return [(e.validator, id(e.validator_value), id(e.instance), id(e.schema), e.absolute_path, e.schema_id,
             e.relative_schema_path, e.relative_path, _errors(e.context)) for e in errors]


def _code_disagreements(payloads: list[Any], uris_for) -> list[str]:
    """Where the generated report code lists other errors than the interpreter would."""
    compiler = _validate._compiler(CATALOG)
    wrong = []
    for index, payload in enumerate(payloads):
        for uri in uris_for(index, payload):
            generated = _compiled(uri).report(payload)
            interpreted = compiler._interpreted(uri)(payload)
            if _errors(generated) != _errors(interpreted):
                wrong.append(f"{uri}: {payload!r:.200}\n  generated   {generated}\n  interpreted {interpreted}")
    return wrong


def test_generated_report_code_lists_the_interpreters_errors_on_the_dispatched_schema():
    assert _code_disagreements(PAYLOADS + MUTANTS, lambda i, p: _dispatched(p)) == []


@pytest.mark.parametrize("uri", URIS, ids=lambda u: u.rsplit("/v1/", 1)[1])
def test_generated_report_code_lists_the_interpreters_errors_for_each_schema(uri):
    assert _code_disagreements([*AWKWARD, *PAYLOADS[:40], *MUTANTS[::60]], lambda i, p: [uri]) == []


def _every_field(findings) -> list[tuple]:
    return [(f.path, f.message, f.category, f.severity, f.keyword, f.schema_id, f.parts) for f in findings]


def test_translated_says_what_translate_says_of_the_generated_errors():
    # translated takes the message heads the generated report code worked out per
    # keyword; translate says every message itself (as it does of jsonschema's errors)
    said = 0
    for payload in PAYLOADS + MUTANTS[::3]:
        for uri in _dispatched(payload):
            errors = _compiled(uri).report(payload)
            for prefix in ((), ("batch", 3)):
                assert _every_field(translated(errors, prefix)) == _every_field(translate(errors, prefix)), payload
            said += sum(e.head is not None for e in errors)
    assert said > 500


# --- the quick path of validate(): the full path's report, for less work ------------

class Shifty(str):
    """A str that claims to equal (and hash as) a string the compiled checks remembered."""

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return hash("203.0.113.9")


def _quick_extras() -> list[Any]:
    base = {"type": "track", "userId": "u1", "event": "Order Completed",
            "properties": {"order_id": "o1", "total": 10.5}}
    out: list[Any] = []
    for name in ("order completed", " Order Completed", "Order Completed ", "Order_Completed", "   ",
                 "", "Delete Device", "Device Deleted", "my custom event", "my custom event "):
        out.append({**base, "event": name})
    out += [
        {**base, "properties": {"orderId": "o1"}},  # a near miss of order_id
        {**base, "properties": {"order_id": "o1", "orderId": "o2"}},
        {**base, "properties": {"order_id": "o1", "gift_wrap": True}},  # unrelated: no warning
        {"type": "track", "userId": "u1", "event": "Experiment Viewed", "properties": {"variant_id": "v"}},
        {**base, "properties": {"when": decimal.Decimal("1")}},
        {**base, "properties": {"tags": {"a", "b"}}},
        {**base, "properties": {"blob": b"x"}},
        {**base, "properties": {"nan": float("nan")}},
        {**base, "properties": {"order_id": "o1", "note": "x" * 40_000}},  # over 32 KB
        {**base, "properties": {"order_id": "o1", "flags": [False] * 1200}},  # marshal bound over, size under
        {**base, "event": "Order Completd"}, {**base, "event": "Video Playback Start"},  # typos
        {**base, "properties": {"totl": 1, "revenu": 2}},
        {**base, "properties": {"note": "é" * 15_000}}, {**base, "properties": {"ids": list(range(6500))}},
        {**base, "anonymousId": None, "properties": {"total": float("nan"), "null": "null"}},
        {**base, "properties": {"total": decimal.Decimal("NaN")}}, {**base, "properties": {"total": 1j}},
        {**base, "type": Text("track")},
        # invalid, with a str subclass naming the event: the full path reads it as a name
        {**base, "event": Text("Order Completed"), "properties": {"total": "x"}},
        {**base, "event": Text("my custom event"), "timestamp": "now"},
        {**base, "event": "my custom event", "timestamp": "now"},
        {**base, "context": {"ip": Shifty("not an address")}},
        {"type": "identify", "userId": "u1", "context": {"ip": "203.0.113.9"}},
        {"type": "identify", "userId": "u1", "context": {"ip": Shifty("not an address")}},
        {"batch": [base, {**base, "event": "order completed"}, {**base, "properties": {"total": "1"}}, 3],
         "context": {"device": {"token": "t"}}},
        {"type": "batch", "batch": []},
        {"event_type": "track", "user_id": "u1", "event_name": "x", "metadata": {"list": [1]}},
        {"event_type": "track", "user_id": "u1", "event_name": "x", "metadata": {"n": 1, "s": "a"}},
        {"name": "x", "customer_id": "c1", "data": {"when": decimal.Decimal("2")}},
    ]
    return out


QUICK_POOL = PAYLOADS + MUTANTS[:3000] + _quick_extras()


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_the_quick_path_gives_the_full_paths_report(strict):
    from eventspec._catalog import FAMILIES

    _validate_full = functools.partial(_validate._validate, CATALOG)
    differ = []
    for payload in QUICK_POOL:
        for spec in FAMILIES:
            for _ in range(2):  # the second time, the names and strings it remembered are used
                quick = eventspec.validate(payload, spec=spec, strict=strict)
                full = _validate_full(payload, spec, strict, None)
                if quick != full:
                    differ.append(f"{spec} {payload!r:.200}\n  quick {quick}\n  full  {full}")
    assert differ == []


def test_the_quick_path_answers_most_valid_payloads():
    _QUICK = CATALOG._state.quick

    valid = [(p, corpus.family_of(p)) for p in PAYLOADS if eventspec.validate(p, spec=corpus.family_of(p)).ok]
    answered = [p for p, spec in valid if _QUICK[spec](p, False) is not None]
    assert len(valid) > 1000 and len(answered) > 0.95 * len(valid)


def test_remembered_strings_never_vouch_for_another_value():
    check = _fast(_uri("cdp/calls/identify.json"))
    good = {"type": "identify", "userId": "u1", "context": {"ip": "203.0.113.9"}}
    bad = {"type": "identify", "userId": "u1", "context": {"ip": "203.0.113.999"}}
    for _ in range(3):
        assert check(good) and not check(bad)
    # a str subclass that claims equality with a remembered address is checked for itself
    assert not check({**good, "context": {"ip": Shifty("203.0.113.999")}})
    assert check({**good, "context": {"ip": Shifty("203.0.113.9")}})


# --- the size bound from orjson (fast extra) and from marshal give one verdict --------

def _zoo() -> list[Any]:
    import collections
    import dataclasses
    import datetime as dt
    import enum
    import fractions
    import uuid

    class Colour(enum.Enum):
        RED = "red"
        ODD = float("nan")
        BAG = frozenset({1})

    class Level(enum.IntEnum):
        HIGH = 3

    class Word(str):
        pass

    class Number(float):
        pass

    @dataclasses.dataclass
    class Point:
        x: int

    values: list[Any] = [
        uuid.UUID(int=7), Colour.RED, Colour.ODD, Colour.BAG, Level.HIGH, Word("w"), Number(1.5),
        decimal.Decimal("1.5"), fractions.Fraction(1, 3), dt.datetime(2024, 1, 1), dt.date(2024, 1, 1),
        dt.time(1, 2), dt.timedelta(1), Point(1), collections.namedtuple("P", "x")(1), (1, 2), {1, 2},
        frozenset({1}), b"x", bytearray(b"x"), 1j, float("nan"), float("inf"), -0.0, 2**70, -(2**63),
        collections.OrderedDict(a=1), collections.defaultdict(int, a=1), collections.Counter("ab"),
        {1: "int key"}, {None: "none key"}, {(1,): "tuple key"}, object(), None, [uuid.UUID(int=1), float("nan")],
    ]
    try:
        import orjson

        values += [orjson.Fragment(b'{"a":1}'), orjson.Fragment(b"not json")]
    except (ImportError, AttributeError):
        pass
    payloads: list[Any] = []
    for pad in (0, 1_300, 5_000, 33_000):
        for value in values:
            for spec, base in (
                ("cdp", {"type": "track", "userId": "u", "event": "x"}),
                ("cdp", {"type": "track", "userId": "u", "event": "Order Completed", "properties": {"order_id": "1"}}),
                ("retainpixel", {"type": "track", "user_id": "u", "event": "x"}),
                ("userpilot", {"event_type": "track", "user_id": "u", "event_name": "x"}),
                ("customerio-event", {"name": "x", "customer_id": "c"}),
            ):
                field = "data" if spec == "customerio-event" else "metadata" if spec == "userpilot" else "properties"
                extra = {"v": value, "pad": "p" * pad}
                payloads.append((spec, {**base, field: {**base.get(field, {}), **extra}}))
                payloads.append((spec, {**base, field: {**base.get(field, {}), "also": float("nan"), **extra}}))
    return payloads


def test_the_quick_path_gives_the_full_paths_report_with_and_without_orjson(monkeypatch):
    from eventspec import _validate

    pytest.importorskip("orjson")  # imported: a quick path built now uses it from the start
    with_orjson = {spec: _validate._quick_path(CATALOG, spec) for spec in ("cdp", "retainpixel", "userpilot", "customerio-event")}
    monkeypatch.setattr(_validate, "_orjson_dumps", lambda: None)
    without = {spec: _validate._quick_path(CATALOG, spec) for spec in with_orjson}
    differ = []
    answered = 0
    for spec, payload in _zoo():
        full = _validate._validate(CATALOG, payload, spec, False, None)
        for name, quick in (("orjson", with_orjson[spec]), ("marshal", without[spec])):
            report = quick(payload, False, None)
            answered += report is not None
            if report is not None and report != full:
                differ.append(f"{name} {spec} {payload!r:.160}\n  quick {report}\n  full  {full}")
    assert differ == []
    assert answered > 200  # the comparison was not vacuous


def test_the_quick_paths_report_of_an_invalid_payload_is_the_full_paths():
    # the quick path reports a payload whose predicate failed from what its entry holds
    # (not through _call_report): every field of every finding, in order, as the full path
    from eventspec import _validate

    def fields(report):
        return (report.spec, report.call, report.event, report.schema_id,
                [(f.path, f.message, f.category, f.severity, f.keyword, f.schema_id, f.parts) for f in report.findings])

    differ, rejected = [], 0
    pool = [(corpus.family_of(p), p) for p in PAYLOADS[:300] + MUTANTS[::4] if isinstance(p, dict)] + _zoo()
    for payload in PAYLOADS[:600]:
        properties = payload.get("properties") if isinstance(payload, dict) else None
        if payload.get("type") == "track" and isinstance(properties, dict) and len(properties) > 1:
            # a declared name sent misspelt (a near miss), and another property mistyped
            first, second = sorted(properties)[:2]
            renamed = {first.upper(): properties[first], **{k: v for k, v in properties.items() if k != first}}
            renamed[second] = [renamed[second]]
            pool.append((corpus.family_of(payload), {**payload, "properties": renamed}))
    for spec, payload in pool:
        quick = _validate._quick(CATALOG, spec)
        for strict in (False, True):
            report = quick(payload, strict, None, True)
            if report is None or report.ok and not report.warnings:
                continue
            rejected += 1
            full = _validate._validate(CATALOG, payload, spec, strict, None)
            if fields(report) != fields(full):
                differ.append(f"{spec} strict={strict} {payload!r:.160}\n  quick {report}\n  full  {full}")
    assert differ == []
    assert rejected > 500


def test_uuids_and_enum_members_count_as_the_clients_send_them():
    import enum
    import uuid

    class Plan(enum.Enum):
        PRO = "pro"

    ok = eventspec.validate({"type": "track", "userId": "u", "event": "x",
                             "properties": {"id": uuid.uuid4(), "plan": Plan.PRO}})
    assert ok.ok
    # typed fields still want the JSON type itself
    typed = eventspec.validate({"type": "track", "userId": uuid.uuid4(), "event": "x"})
    assert ("$.userId", "type-mismatch") in [(f.path, f.category) for f in typed.errors]
    # and the size counts them as sent: a UUID is 38 bytes of JSON
    many = eventspec.validate({"type": "track", "userId": "u", "event": "x",
                               "properties": {"ids": [uuid.UUID(int=i) for i in range(900)]}})
    assert [f.category for f in many.errors] == ["size-limit"]


def test_the_size_bounds_hold_for_any_json_value():
    """The quick path's bounds of the clients' measure (which bounds the compact one):
    7 bytes per byte of marshal format 2, 3 per byte of orjson's output (6 per DEL), 6 per
    byte of compact JSON."""
    orjson = pytest.importorskip("orjson")
    import marshal

    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    from eventspec._validate import (
        _CLIENT_PER_COMPACT,
        _MARSHAL_BOUND,
        _client_bound,
        client_size,
        json_size,
    )

    floats = st.floats(allow_nan=False, allow_infinity=False)
    scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | floats
               | st.text(max_size=5) | st.sampled_from(["\x7f", "\x00", "é", "\U0001f600", "\u2028"]))
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner)
                          | st.dictionaries(st.text(max_size=3), inner, max_size=4), max_leaves=30)

    @settings(max_examples=500, deadline=None)
    @given(st.dictionaries(st.text(max_size=3), values, max_size=5))
    @example({"": [False] * 100})
    @example({"": [1e15] * 50, "b": [1e-7] * 50})
    @example({"": "\x7f" * 100})
    @example({"": "é" * 100, "\U0001f600": ["\U0001f600"] * 20})
    @example({"": [[]] * 100, "a": [{}] * 50})
    def bounded(payload):
        compact, sent = json_size(payload), client_size(payload)
        assert compact <= sent
        assert sent <= _MARSHAL_BOUND * len(marshal.dumps(payload, 2))
        assert sent <= _client_bound(orjson.dumps(payload))
        assert sent <= _CLIENT_PER_COMPACT * compact

    bounded()


def test_the_common_date_time_shape_holds_only_real_dates_and_all_but_leap_days():
    # A shape match skips the real RFC 3339 check, so it must never vouch for a date
    # that does not exist; and every real day but 29 February takes the shape.
    from rfc3339_validator import validate_rfc3339

    from eventspec._runtime import SHAPES

    shape = SHAPES["date-time"]
    for year in ("1900", "2000", "2023", "2024"):
        for month in range(1, 13):
            for day in range(0, 33):
                text = f"{year}-{month:02d}-{day:02d}T23:59:59.123Z"
                real = validate_rfc3339(text)
                if shape(text):
                    assert real, text
                elif real:
                    assert (month, day) == (2, 29), text
