"""Python values real applications hold: validate never raises on them, and a NaN or an
infinity anywhere is an error at its path (JSON has neither; json.dumps writes the
tokens NaN and Infinity, and the API rejects the whole request).

The central property test puts arbitrary Python and JSON values (nested containers of
floats with NaN and infinity, Decimals, complex numbers, bytes, sets, odd keys, huge
integers, str subclasses) into free-form and declared fields of every family, and
checks that validate answers, never accepts a non-finite number, and that its quick
path (with orjson's bound and with marshal's) gives the full path's report.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import enum
import json
import marshal
import math
import struct
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import eventspec
from eventspec import _validate
from eventspec._catalog import catalog
from eventspec._findings import json_path
from eventspec._validate import _validate as full_path

FAMILIES = ("cdp", "retainpixel", "userpilot", "customerio-event")


class Word(str):
    pass


class Colour(enum.Enum):
    RED = "red"


TRACK = {"type": "track", "userId": "u1", "event": "Signed Up"}
ORDER = {"type": "track", "userId": "u1", "event": "Order Completed",
         "properties": {"order_id": "o1", "products": [{"product_id": "p1", "price": 1.5}]}}
VIDEO = {"type": "track", "userId": "u1", "event": "Video Playback Started", "properties": {"sound": 10}}
IDENTIFY = {"type": "identify", "anonymousId": None, "userId": "u1", "traits": {"plan": "pro"}}
BATCH = {"batch": [dict(TRACK), {"type": "identify", "userId": "u2"}], "context": {}}
RP = {"type": "track", "user_id": "u", "event": "feature_used", "timestamp": "2024-05-01T00:00:00Z", "properties": {}}
RP_REVENUE = {"type": "revenue", "user_id": "u", "amount": 1.5, "timestamp": "2024-05-01T00:00:00Z"}
UP = {"event_type": "track", "user_id": "u", "event_name": "x", "source": "web",
      "inserted_at": "2024-07-28 08:55:35", "metadata": {}}
CIO = {"name": "purchase", "customer_id": "c1", "data": {}}

# (family, payload, where a value goes): free-form fields and declared ones of every kind
PLACES: list[tuple[str, dict[str, Any], tuple[Any, ...]]] = [
    ("cdp", TRACK, ("properties", "x")),
    ("cdp", TRACK, ("properties",)),
    ("cdp", TRACK, ("context", "x")),
    ("cdp", TRACK, ("context", "ip")),
    ("cdp", TRACK, ("integrations", "Amplitude")),
    ("cdp", TRACK, ("integrations",)),
    ("cdp", TRACK, ("userId",)),
    ("cdp", TRACK, ("timestamp",)),
    ("cdp", TRACK, ("x",)),
    ("cdp", ORDER, ("properties", "total")),
    ("cdp", ORDER, ("properties", "revenu")),
    ("cdp", ORDER, ("properties", "products", 0, "price")),
    ("cdp", ORDER, ("properties", "products", 0, "x")),
    ("cdp", ORDER, ("properties", "order_id")),
    ("cdp", VIDEO, ("properties", "sound")),
    ("cdp", VIDEO, ("properties", "ad_asset_id")),
    ("cdp", IDENTIFY, ("traits", "x")),
    ("cdp", IDENTIFY, ("traits",)),
    ("cdp", BATCH, ("batch", 0, "properties", "x")),
    ("cdp", BATCH, ("context", "x")),
    ("retainpixel", RP, ("properties", "x")),
    ("retainpixel", RP_REVENUE, ("amount",)),
    ("userpilot", UP, ("metadata", "x")),
    ("customerio-event", CIO, ("data", "x")),
    ("customerio-event", CIO, ("timestamp",)),
]

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30])
    | st.sampled_from([5000, -4400]).map(lambda n: 10 ** abs(n) * (1 if n > 0 else -1))  # past str()
    | st.floats()
    | st.sampled_from([math.nan, -math.nan, math.inf, -math.inf, 1e308, 5e-324, -0.0])
    | st.decimals()
    | st.sampled_from([Decimal("NaN"), Decimal("-NaN"), Decimal("sNaN"), Decimal("Infinity"),
                       Decimal("1E+400"), Decimal("12.50"), Decimal("-0")])
    | st.complex_numbers()
    | st.binary(max_size=4)
    | st.text(max_size=6)
    | st.builds(Word, st.text(max_size=4))
    | st.sampled_from([Colour.RED, uuid.UUID(int=7), dt.date(2024, 1, 1)])
)
HASHABLE = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3)
KEYS = (
    st.text(max_size=5)
    | st.sampled_from(["total", "price", "revenu", "null", "NaN", "anonymousId"])
    | st.none()
    | st.integers(-5, 5)
    | st.floats()
    | st.booleans()
    | st.tuples(st.integers(0, 3))
    | st.binary(max_size=2)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(inner, max_size=3).map(tuple)
    | st.sets(HASHABLE, max_size=3)
    | st.frozensets(HASHABLE, max_size=3)
    | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def non_finite(value: Any) -> bool:
    """Whether a NaN or an infinity (a float, or a Decimal as the clients send it) is in
    ``value``: in a container's items, a dict's values (not its keys)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Decimal):
        return not value.is_finite() or not math.isfinite(float(value))
    if isinstance(value, dict):
        return any(non_finite(item) for item in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(non_finite(item) for item in value)
    return False


def place(payload: dict[str, Any], where: tuple[Any, ...], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(payload)
    parent = payload
    for part in where[:-1]:
        parent = parent.setdefault(part, {}) if isinstance(parent, dict) else parent[part]
    parent[where[-1]] = value
    return payload


def _path(where: tuple[Any, ...]) -> str:
    return json_path(where)


@pytest.fixture(scope="module")
def quick_paths() -> dict[str, dict[str, Any]]:
    """The quick path of every family built with orjson's bound and with marshal's."""
    pytest.importorskip("orjson")
    with_orjson = {spec: _validate._quick_path(catalog(), spec) for spec in FAMILIES}
    saved = _validate._orjson_dumps
    _validate._orjson_dumps = lambda: None  # type: ignore[assignment]
    try:
        without = {spec: _validate._quick_path(catalog(), spec) for spec in FAMILIES}
    finally:
        _validate._orjson_dumps = saved  # type: ignore[assignment]
    return {"orjson": with_orjson, "marshal": without}


def _check(spec: str, payload: dict[str, Any], where: tuple[Any, ...], value: Any, quick_paths) -> None:
    reports = {}
    for strict in (False, True):
        reports[strict] = report = eventspec.validate(payload, spec=spec, strict=strict)
        str(report), json.dumps(report.to_dict())  # the messages are written, too
        full = full_path(catalog(), payload, spec, strict, None)
        assert report == full, f"validate and the full path differ:\n  {report}\n  {full}"
        for name, quick in quick_paths.items():
            answer = quick[spec](payload, strict, None)
            assert answer is None or answer == full, f"{name} quick path: {answer} != {full}"
    report = reports[False]
    if non_finite(value):
        assert not report.ok, f"accepted a non-finite number: {_validate._shown(value)}"
        below = _path(where)
        assert any(f.category == "not-json" and f.path.startswith(below) for f in report.errors), report


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place_at=st.sampled_from(PLACES), value=VALUES)
@example(place_at=PLACES[0], value=[float("nan")])
@example(place_at=PLACES[0], value={"g": [-1, -1]})  # marshal bytes that look like a NaN
@example(place_at=PLACES[4], value={None: 1, (1,): "x", 1.5: {"a": float("inf")}})
@example(place_at=PLACES[9], value=Decimal("NaN"))
@example(place_at=PLACES[14], value=Decimal("sNaN"))
@example(place_at=PLACES[14], value=1j)
@example(place_at=PLACES[6], value=[10**5000])
def test_validate_never_raises_and_never_accepts_a_non_finite_number(quick_paths, place_at, value):
    spec, base, where = place_at
    _check(spec, place(base, where, value), where, value, quick_paths)


# --- each value the issue names, one by one ------------------------------------------

ORDER_TOTAL = ("properties", "total")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize(
    "where,holder,path",
    [
        (ORDER_TOTAL, None, "$.properties.total"),
        (("properties", "custom"), None, "$.properties.custom"),
        (("properties", "products", 0, "extra"), "deep", "$.properties.products[0].extra.deep"),
        (("context", "device"), "x", "$.context.device.x"),
        (("properties", "list"), 2, "$.properties.list[2]"),
    ],
    ids=["declared", "free-form", "nested", "context", "in-a-list"],
)
def test_non_finite_floats_are_errors_at_their_path(value, where, holder, path):
    inner = value if holder is None else [0, 1, value] if holder == 2 else {holder: value}
    report = eventspec.validate(place(ORDER, where, inner))
    assert [(f.path, f.category) for f in report.errors] == [(path, "not-json")]
    token = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
    assert f"writes the token {token}" in report.errors[0].message


@pytest.mark.parametrize("spec,payload,where", [
    ("retainpixel", RP, ("properties", "x")),
    ("userpilot", UP, ("metadata", "x")),
    ("customerio-event", CIO, ("data", "x")),
])
def test_non_finite_floats_are_errors_in_every_family(spec, payload, where):
    report = eventspec.validate(place(payload, where, [1.5, math.nan]), spec=spec)
    assert ("$." + ".".join(where) + "[1]", "not-json") in [(f.path, f.category) for f in report.errors]


def test_a_nan_in_a_batch_item_is_reported_once_at_its_path():
    batch = {"batch": [TRACK, place(TRACK, ("properties", "x"), math.nan), TRACK]}
    report = eventspec.validate(batch)
    assert [(f.path, f.category) for f in report.errors] == [("$.batch[1].properties.x", "not-json")]


def test_a_nan_next_to_client_nulls_is_found_with_orjson_and_with_marshal(quick_paths):
    # orjson writes NaN as null: the nulls the clients send at the top must not hide one
    payload = {**ORDER, "anonymousId": None, "properties": {"total": math.nan, "note": "null"}}
    for quick in quick_paths.values():
        assert quick["cdp"](payload, False, None) is None  # the full path decides
    assert [f.path for f in eventspec.validate(payload).errors] == ["$.properties.total"]


def test_marshal_bytes_that_look_like_a_nan_are_no_finding(quick_paths):
    # "g" in a string, then two -1s: a candidate for the byte scan, settled by a walk
    payload = {**TRACK, "properties": {"g": ["g", -1, -1]}}
    assert _validate._NON_FINITE(marshal.dumps(payload, 2)) is not None
    assert quick_paths["marshal"]["cdp"](payload, False, None) == eventspec.validate(payload)
    assert eventspec.validate(payload).ok


@given(st.floats())
@example(math.nan)
@example(struct.unpack("<d", bytes.fromhex("010000000000f87f"))[0])  # a NaN with payload bits
@example(struct.unpack("<d", bytes.fromhex("000000000000f0ff"))[0])  # -inf
def test_the_marshal_scan_finds_every_non_finite_double_and_no_finite_one(number):
    data = marshal.dumps(number, 2)
    assert data[:1] == b"g" and len(data) == 9  # format 2: a binary double, no references
    assert (_validate._NON_FINITE(data) is not None) == (not math.isfinite(number))
    assert _validate._may_hold_non_finite(data) == (not math.isfinite(number))


def test_decimals_count_as_numbers_as_the_clients_send_them():
    """The official clients turn a Decimal into a float before sending (utils.clean)."""
    ok = eventspec.validate(place(ORDER, ORDER_TOTAL, Decimal("27.50")))
    assert ok.ok and not ok.warnings
    assert eventspec.validate(place(TRACK, ("properties", "amount"), Decimal("0.1"))).ok
    # an integer field wants an integer, as jsonschema says of a Decimal
    sound = eventspec.validate(place(VIDEO, ("properties", "sound"), Decimal("50")))
    assert [(f.path, f.category) for f in sound.errors] == [("$.properties.sound", "type-mismatch")]
    assert sound.errors[0].message == "expected an integer; found Decimal('50')"
    # and it is counted toward the size limit as the float the clients send
    many = place(TRACK, ("properties", "prices"), [Decimal("0.1")] * 9000)
    assert [f.category for f in eventspec.validate(many).errors] == ["size-limit"]


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("-NaN"), Decimal("sNaN"), Decimal("Infinity"),
                                   Decimal("-Infinity"), Decimal("1E+400")])
@pytest.mark.parametrize("where", [ORDER_TOTAL, ("properties", "custom")], ids=["declared", "free-form"])
def test_a_decimal_the_clients_would_send_as_nan_or_infinity_is_an_error(value, where):
    report = eventspec.validate(place(ORDER, where, value))
    assert [(f.path, f.category) for f in report.errors] == [(_path(where), "not-json")]
    assert repr(value) in report.errors[0].message


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("sNaN")])
def test_a_decimal_nan_against_a_bound_is_no_exception(value):
    report = eventspec.validate(place(VIDEO, ("properties", "sound"), value))
    assert ("$.properties.sound", "not-json") in [(f.path, f.category) for f in report.errors]


@pytest.mark.parametrize("where", [ORDER_TOTAL, ("properties", "products", 0, "price")])
def test_a_complex_number_where_a_number_goes_is_a_type_mismatch(where):
    report = eventspec.validate(place(ORDER, where, 1 + 2j))
    assert [(f.path, f.category) for f in report.errors] == [(_path(where), "type-mismatch")]
    assert "complex, which is not a JSON value" in report.errors[0].message


def test_a_complex_number_against_a_bound_is_no_exception():
    report = eventspec.validate(place(VIDEO, ("properties", "sound"), 3j))
    assert [(f.path, f.category) for f in report.errors] == [("$.properties.sound", "type-mismatch")]


def test_integrations_with_keys_that_are_not_strings():
    # json.dumps writes None, float and bool keys as strings: they are checked as those
    odd = {None: True, 1.5: {"a": 1}, True: False, "All": True}
    assert eventspec.validate(place(TRACK, ("integrations",), odd)).ok
    wrong = {None: "yes", (1, 2): 3, 1.5: [], "Amplitude": 1}
    report = eventspec.validate(place(TRACK, ("integrations",), wrong))
    assert [(f.path, f.category) for f in report.errors] == [
        ("$.integrations['(1, 2)']", "type-mismatch"),
        ("$.integrations['1.5']", "type-mismatch"),
        ("$.integrations.Amplitude", "type-mismatch"),
        ("$.integrations.null", "type-mismatch"),
    ]


def test_a_key_json_cannot_write_is_not_json_where_the_payload_is_serialized():
    big = place(TRACK, ("properties", "pad"), "x" * 32_000)
    report = eventspec.validate(place(big, ("integrations",), {(1, 2): True}))
    assert ("$.integrations", "not-json") in [(f.path, f.category) for f in report.errors]


def test_an_integer_too_long_for_str_in_a_string_field():
    huge = 10**5000
    report = eventspec.validate(place(ORDER, ("properties", "order_id"), huge))
    assert [(f.path, f.category) for f in report.errors] == [("$.properties.order_id", "type-mismatch")]
    assert report.errors[0].message == "expected a string; found an integer of 5,001 digits"
    report = eventspec.validate(place(TRACK, ("userId",), -huge))
    assert ("$.userId", "type-mismatch") in [(f.path, f.category) for f in report.errors]


def test_an_integer_too_long_for_str_is_a_json_integer_counted_by_its_digits():
    huge = 10**5000  # JSON has no limit on digits; json.dumps refuses it (a loud error in the app)
    assert eventspec.validate(place(TRACK, ("properties", "n"), huge)).ok
    assert _validate.json_size({"n": huge}) == len('{"n":}') + 5001
    over = place(TRACK, ("properties", "n"), [huge] * 7)
    assert [f.category for f in eventspec.validate(over).errors] == ["size-limit"]
    with pytest.raises(ValueError):
        json.dumps(huge)  # what the official clients would do with it


def test_a_dict_key_too_long_for_str_is_no_exception():
    report = eventspec.validate(place(ORDER, ("properties",), {10**5000: 1, "total": "x"}))
    assert [f.path for f in report.errors] == ["$.properties.total"]


def test_sets_bytes_and_complex_numbers_in_free_form_fields_are_found_near_the_limit():
    # a documented speed choice: plainly small payloads are not serialized
    for value in ({1, 2}, b"x", 1j):
        assert eventspec.validate(place(TRACK, ("properties", "v"), value)).ok
        near = place(place(TRACK, ("properties", "v"), value), ("properties", "pad"), "x" * 31_000)
        assert ("$.properties.v", "not-json") in [(f.path, f.category) for f in eventspec.validate(near).errors]


def test_an_object_whose_own_methods_raise_may_propagate():
    """Documented in docs/findings.md: eventspec calls __eq__, __len__, __repr__ and items()
    of what it is given, and does not hide what those raise."""

    class Hostile(dict):
        def items(self):  # type: ignore[override]
            raise RuntimeError("mine")

    with pytest.raises(RuntimeError, match="mine"):
        eventspec.validate(place(place(TRACK, ("properties", "pad"), "x" * 32_000), ("properties", "h"), Hostile(a=1)))


def test_a_cycle_is_not_json_not_a_traceback():
    payload = place(TRACK, ("properties", "x"), [])
    payload["properties"]["x"].append(payload["properties"])
    report = eventspec.validate(payload)
    assert not report.ok and [f.category for f in report.errors] == ["not-json"]


def test_decimal_module_state_is_untouched():
    before = decimal.getcontext().copy()
    eventspec.validate(place(VIDEO, ("properties", "sound"), Decimal("sNaN")))
    after = decimal.getcontext()
    assert after.flags == before.flags and after.traps == before.traps


@pytest.mark.parametrize("items", [[0, Decimal("NaN")], [None, 0, Decimal("sNaN")], [[Decimal("NaN")], [1]],
                                   ["a", Decimal("NaN"), "a"]])
def test_unique_items_with_a_decimal_nan_never_raise(items):
    payload = {"type": "track", "userId": "u1", "event": "Video Playback Started",
               "properties": {"ad_asset_id": items}}
    report = eventspec.validate(payload)
    assert "not-json" in [f.category for f in report.errors]
    assert ("duplicate-items" in [f.category for f in report.errors]) == (items[0] == "a")
