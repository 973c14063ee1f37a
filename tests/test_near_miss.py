"""Did-you-mean: an event or property name one typo away from a spec'd one.

A misspelt semantic event loses its meaning in every destination (the ecommerce and
video mappings key on the exact name), and a misspelt property is neither checked nor
mapped. Both are near-miss warnings, and errors in strict mode.
"""

from __future__ import annotations

import itertools

import pytest

import eventspec
from eventspec import _names
from eventspec._catalog import catalog
from eventspec._validate import _declared_properties, _event_guesser


def track(event: str, properties: dict | None = None) -> dict:
    payload = {"type": "track", "userId": "u1", "event": event}
    if properties is not None:
        payload["properties"] = properties
    return payload


@pytest.mark.parametrize(
    "typo,meant",
    [
        ("Order Completd", "Order Completed"),
        ("Video Playback Start", "Video Playback Started"),
        ("order complete", "Order Completed"),
        ("Ordre Completed", "Order Completed"),  # two letters swapped
        ("Products Serached", "Products Searched"),
        ("Delete Devce", "Device Deleted"),  # a typo of the document's own spelling
    ],
)
def test_a_misspelt_event_is_a_warning_naming_the_spec_d_event(typo, meant):
    report = eventspec.validate(track(typo, {"total": "not checked"}))
    assert report.ok  # still a custom event: the spec's types do not apply to a guess
    assert report.event is None
    assert [(f.path, f.category, f.severity) for f in report.findings] == [("$.event", "near-miss", "warning")]
    assert f"did you mean {meant!r}?" in report.warnings[0].message
    assert "validated as a custom event" in report.warnings[0].message


@pytest.mark.parametrize("typo,meant", [("Order Completd", "Order Completed"),
                                        ("Video Playback Start", "Video Playback Started")])
def test_strict_mode_makes_a_misspelt_event_an_error_naming_the_spec_d_event(typo, meant):
    report = eventspec.validate(track(typo), strict=True)
    assert [(f.path, f.category) for f in report.errors] == [("$.event", "unknown-event")]
    assert report.errors[0].message.endswith(f"(did you mean {meant!r}?)")
    assert not report.warnings


def test_a_name_close_to_two_spec_d_events_names_both():
    report = eventspec.validate(track("Product Rviewed"))
    assert "did you mean 'Product Reviewed' or 'Product Viewed'?" in report.warnings[0].message


@pytest.mark.parametrize("name", ["Signed Up", "Course Started", "Order Created", "Cart",
                                  "Video Playback", "Product", "Order Completed Twice"])
def test_custom_names_far_from_any_spec_d_one_get_nothing(name):
    report = eventspec.validate(track(name))
    assert report.ok and not report.findings


def test_retainpixel_event_typos_too():
    payload = {"type": "track", "user_id": "u", "event": "paywall_exposur",
               "timestamp": "2024-05-01T00:00:00Z"}
    report = eventspec.validate(payload, spec="retainpixel")
    assert "did you mean 'paywall_exposure'?" in report.warnings[0].message


@pytest.mark.parametrize("typo,meant", [("totl", "total"), ("revenu", "revenue"), ("shiping", "shipping"),
                                        ("order_di", "order_id")])
def test_a_misspelt_property_is_a_warning_naming_the_declared_one(typo, meant):
    report = eventspec.validate(track("Order Completed", {typo: 27.5}))
    assert report.ok
    assert [(f.path, f.category, f.severity) for f in report.findings] == [
        (f"$.properties.{typo}", "near-miss", "warning")]
    assert report.warnings[0].message == f"{typo!r} is not a property of Order Completed; did you mean {meant!r}?"


def test_strict_mode_makes_misnamed_properties_errors():
    report = eventspec.validate(track("Order Completed", {"totl": 1, "revenu": 2, "orderId": "o"}), strict=True)
    assert [(f.path, f.category) for f in report.errors] == [
        ("$.properties.orderId", "near-miss"), ("$.properties.revenu", "near-miss"), ("$.properties.totl", "near-miss")]
    assert not report.warnings


def test_a_typo_sent_beside_the_declared_name_is_a_custom_property():
    assert eventspec.validate(track("Order Completed", {"total": 1, "totl": 2})).findings == ()


@pytest.mark.parametrize("name", ["tx", "taxes", "skus", "gift_wrap", "note", "coupon_code"])
def test_unrelated_and_short_property_names_get_nothing(name):
    # three letters and fewer (tax, sku, url) are matched by spelling only
    assert eventspec.validate(track("Order Completed", {name: "x"})).findings == ()


def test_no_two_bundled_names_are_near_misses_of_each_other():
    """The threshold is tuned on the bundled names: no spec'd name guesses another."""
    close = []
    cat = catalog()
    for family in cat.families():
        spec = cat.family(family)
        guess = _event_guesser(cat, family)
        close += [(family, name, guess(name)) for name in spec.events if guess(name)]
        for event, uri in spec.events.items():
            declared = _declared_properties(cat, uri)
            close += [(event, name, declared.guess(name)) for name in declared.names if declared.guess(name)]
    assert close == []


def test_the_closest_bundled_names_are_two_edits_apart():
    """Why one edit is the most a guess may take (see eventspec._names)."""
    pairs = [("Product Viewed", "Product Reviewed"), ("User Suppressed", "User Unsuppressed"),
             ("Application Installed", "Application Uninstalled")]
    for a, b in pairs:
        assert a in eventspec.events("cdp") and b in eventspec.events("cdp")
        assert not _names.near(_names.key(a), _names.key(b)) and not _names.near(_names.key(b), _names.key(a))
    nearest = min(
        _edits(_names.key(a), _names.key(b))
        for a, b in itertools.combinations(eventspec.events("cdp"), 2)
    )
    assert nearest == 2


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance (edits with adjacent swaps), for the test above."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@pytest.mark.parametrize("a,b,expected", [
    ("total", "totl", True), ("total", "totla", True), ("total", "xtotal", True), ("total", "tota", True),
    ("total", "total", False), ("total", "tot", False), ("total", "otla", False), ("ab", "ba", True),
])
def test_one_edit(a, b, expected):
    assert _names.one_edit(a, b) is expected and _names.one_edit(b, a) is expected
    if a != b:
        assert (_edits(a, b) == 1) is expected


def test_a_str_subclass_is_never_answered_from_the_remembered_names():
    class Claims(str):
        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return hash("Order Completd")

    guess = _event_guesser(catalog(), "cdp")
    assert guess("Order Completd") == ("Order Completed",)
    assert guess(Claims("Signed Up")) == ()
