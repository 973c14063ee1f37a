"""eventspec.guard around the official clients, judged by what reaches a local endpoint.

Every test drives a real client (segment-analytics-python, customerio-cdp-analytics,
rudder-sdk-python) against the recording server of conftest.py on 127.0.0.1, and checks
what each mode promises against the bodies that arrived there.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import threading
import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import eventspec
from eventspec import ConformanceError, NonConformingEvent

VENDORS = ["segment.analytics", "customerio.analytics", "rudderstack.analytics"]
BAD = {"total": "27.50", "currency": "EUR"}  # total must be a number
GOOD = {"total": 27.5, "currency": "EUR"}


def sent(bodies: list[dict]) -> list[dict]:
    """Every message that reached the endpoint, in order."""
    return [item for posted in bodies for item in posted["body"]["batch"]]


@pytest.fixture(params=VENDORS)
def vendor(request) -> Any:
    return importlib.import_module(request.param)


@pytest.fixture
def make(endpoint, vendor) -> Iterator[Any]:
    """make(sync_mode=..., **options) -> a Client of the vendor posting to the endpoint."""
    host, _ = endpoint
    made = []

    def make_client(sync_mode: bool = True, **options: Any) -> Any:
        options.setdefault("max_retries", 0)
        if not sync_mode:
            options.setdefault("upload_interval", 0.01)
        client = vendor.Client("test-write-key", host=host, sync_mode=sync_mode, **options)
        made.append(client)
        return client

    yield make_client
    for client in made:
        eventspec.unguard(client)
        if not client.sync_mode:
            client.flush()
            client.join()


@pytest.fixture(params=[True, False], ids=["sync", "threaded"])
def client(request, make) -> Any:
    return make(sync_mode=request.param)


def settle(client: Any) -> None:
    """Wait until a threaded client has posted all it queued."""
    if not client.sync_mode:
        client.flush()


# ---------------------------------------------------------------- every mode
def test_valid_calls_pass_untouched(client, endpoint):
    """Every call of the official clients, guarded in the strictest mode: all sent, all counted."""
    _, bodies = endpoint
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
    with eventspec.guard(client, mode="raise") as guard:
        client.identify("user-1", {"email": "ada@example.com"}, timestamp=when)
        client.identify(anonymous_id="anon-1", traits={"plan": "pro"})
        client.track("user-1", "Order Completed", {**GOOD, "products": [{"product_id": "p-1", "price": 12.5}]})
        client.track(anonymous_id="anon-1", event="Video Playback Started", properties={"sound": 80, "total_length": None})
        client.page("user-1", name="Pricing", properties={"url": "https://example.com/pricing"})
        client.screen("user-1", name="Feed")
        client.group("user-1", "acme", {"name": "Acme"})
        client.alias("anon-1", "user-1")
        settle(client)
    assert [item["type"] for item in sent(bodies)] == [
        "identify", "identify", "track", "track", "page", "screen", "group", "alias"
    ]
    counts = guard.counters.snapshot()
    assert (counts["checked"], counts["valid"], counts["invalid"], counts["dropped"]) == (8, 8, 0, 0)
    assert counts["events"]["Order Completed"]["valid"] == 1 and counts["events"]["identify"]["checked"] == 2


def test_warn_sends_everything_and_warns_once_per_event_and_finding(client, endpoint):
    _, bodies = endpoint
    eventspec.guard(client)  # mode="warn" is the default
    with pytest.warns(NonConformingEvent) as caught:
        client.track("user-1", "Order Completed", BAD)
        client.track("user-1", "Order Completed", {**BAD, "total": "3"})  # same finding again
        client.track("user-1", "Order Completed", GOOD)
        client.track("user-1", "Product Viewed", {"price": "9"})  # another event
        settle(client)
    assert [item["properties"].get("total") for item in sent(bodies)] == ["27.50", "3", 27.5, None]
    assert [str(w.message) for w in caught] == [
        "Order Completed: $.properties.total: expected a number; found the string '27.50' [type-mismatch]",
        "Product Viewed: $.properties.price: expected a number; found the string '9' [type-mismatch]",
    ]
    first = caught[0].message
    assert first.report.event == "Order Completed" and first.finding.category == "type-mismatch"
    assert first.message_id == sent(bodies)[0]["messageId"]
    # attributed to the line that made the call, not to the client or eventspec
    assert caught[0].filename == __file__


def test_raise_sends_nothing_bad(client, endpoint):
    _, bodies = endpoint
    guard = eventspec.guard(client, mode="raise")
    with pytest.raises(ConformanceError) as raised:
        client.track("user-1", "Order Completed", BAD)
    client.track("user-1", "Order Completed", GOOD)
    settle(client)
    assert [(f.path, f.category) for f in raised.value.report.errors] == [("$.properties.total", "type-mismatch")]
    assert raised.value.__context__ is None  # no trace of the guard's inner workings
    assert [item["properties"]["total"] for item in sent(bodies)] == [27.5]
    assert guard.counters.snapshot()["dropped"] == 1


def test_drop_sends_nothing_bad_and_logs_each_drop(client, endpoint, caplog):
    _, bodies = endpoint
    guard = eventspec.guard(client, mode="drop")
    with caplog.at_level(logging.INFO, logger="eventspec"):
        result = client.track("user-1", "Order Completed", BAD)
        client.track("user-1", "Order Completed", GOOD)
        client.track("user-1", "Order Completed", {**BAD, "total": "1"})
        settle(client)
    assert result[0] is False and result[1]["properties"] == BAD  # as a full queue answers
    assert [item["properties"]["total"] for item in sent(bodies)] == [27.5]
    counts = guard.counters.snapshot()
    assert (counts["checked"], counts["valid"], counts["invalid"], counts["dropped"]) == (3, 1, 2, 2)
    assert counts["categories"] == {"type-mismatch": 2}
    assert [(r.levelname, r.action) for r in caplog.records] == [("WARNING", "not sent")] * 2


def test_log_sends_everything_with_structured_records(client, endpoint, caplog):
    _, bodies = endpoint
    eventspec.guard(client, mode="log")
    with caplog.at_level(logging.INFO, logger="eventspec"):
        client.track("user-1", "Order Completed", BAD)
        client.track("user-1", "order completed", GOOD)  # a near miss: a warning only
        client.track("user-1", "Order Completed", GOOD)
        settle(client)
    items = sent(bodies)
    assert [item["event"] for item in items] == ["Order Completed", "order completed", "Order Completed"]
    error, warning = caplog.records
    assert error.name == "eventspec" and error.levelname == "WARNING" and warning.levelname == "INFO"
    assert error.event_name == "Order Completed" and error.call == "track" and error.spec == "cdp"
    assert error.message_id == items[0]["messageId"] and error.action == "sent"
    assert [(f["path"], f["category"], f["severity"]) for f in error.findings] == [
        ("$.properties.total", "type-mismatch", "error")
    ]
    assert [(f["category"], f["severity"]) for f in warning.findings] == [("near-miss", "warning")]
    json.dumps(error.findings)  # plain data, for a JSON log formatter
    assert error.pathname == __file__
    assert error.getMessage().splitlines()[0] == "Order Completed (cdp): 1 error(s) (sent)"


def test_on_finding_gets_the_report_and_the_message_as_sent(client, endpoint):
    _, bodies = endpoint
    seen = []
    eventspec.guard(client, mode="log", on_finding=lambda report, message: seen.append((report, message)))
    client.track("user-1", "Order Completed", GOOD)
    client.track("user-1", "Order Completed", BAD, message_id="m-1")
    settle(client)
    [(report, message)] = seen
    assert not report.ok and message == sent(bodies)[1] and message["messageId"] == "m-1"


# ---------------------------------------------------------------- what the client sends
def test_null_ids_as_the_clients_send_them(make, endpoint, vendor):
    _, bodies = endpoint
    client = make()
    guard = eventspec.guard(client, mode="drop")
    client.page("user-1", name="Home")  # anonymousId and category go out as null: fine
    if vendor.__name__ == "customerio.analytics":
        # customerio's group() does not require an id: both go out as null
        assert client.group(group_id="acme", traits={"name": "Acme"})[0] is False
    [item] = sent(bodies)
    assert item["anonymousId"] is None and item["userId"] == "user-1"
    if vendor.__name__ == "customerio.analytics":
        assert guard.counters.snapshot()["events"]["group"]["categories"] == {"required-missing": 1}


def test_datetimes_and_decimals_are_checked_as_the_client_writes_them(client, endpoint):
    """A datetime is checked as the ISO 8601 text the client writes, a Decimal as a number;
    checking the message as the application built it would call the datetime not JSON."""
    _, bodies = endpoint
    aired = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
    video = {"airdate": aired, "asset_id": "a-1"}
    order = {"total": Decimal("27.50"), "currency": "EUR"}
    as_built = {"type": "track", "userId": "u", "event": "Video Content Started", "properties": video}
    assert "not-json" in [f.category for f in eventspec.validate(as_built).errors]
    # a finite Decimal is a number to eventspec too (the clients write it as one)
    assert eventspec.validate({"type": "track", "userId": "u", "event": "Order Completed", "properties": order}).ok
    guard = eventspec.guard(client, mode="drop")
    client.track("user-1", "Video Content Started", video, timestamp=dt.datetime(2024, 5, 1, 12, 31))
    client.track("user-1", "Order Completed", order)
    # a date is written as 2024-05-01, which is not the date-time the spec asks for
    client.track("user-1", "Video Content Started", {"airdate": aired.date()})
    settle(client)
    assert [item["properties"] for item in sent(bodies)] == [
        {"airdate": "2024-05-01T12:30:00+00:00", "asset_id": "a-1"},
        {"total": 27.5, "currency": "EUR"},
    ]
    assert sent(bodies)[0]["timestamp"].startswith("2024-05-01T12:31:00")
    assert guard.counters.snapshot()["categories"] == {"format-invalid": 1}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")], ids=["nan", "inf", "decimal-nan"])
def test_nan_is_an_error(client, endpoint, value):
    _, bodies = endpoint
    with eventspec.guard(client, mode="drop") as guard:
        client.track("user-1", "Order Completed", {**GOOD, "tax": value})
        settle(client)
    assert sent(bodies) == [] and guard.counters.snapshot()["categories"] == {"not-json": 1}
    # unguarded, the client posts the token, which is not JSON
    client.track("user-1", "Order Completed", {**GOOD, "tax": value})
    settle(client)
    assert [posted["strict"] for posted in bodies] == [False]


def test_nan_in_warn_mode_is_reported_and_sent_as_the_client_would(client, endpoint):
    _, bodies = endpoint
    eventspec.guard(client)
    with pytest.warns(NonConformingEvent, match=r"\$\.properties\.tax: found NaN.*token NaN"):
        client.track("user-1", "Order Completed", {**GOOD, "tax": float("nan")})
        settle(client)
    assert len(sent(bodies)) == 1


def test_size_limit_as_the_client_counts_bytes(make, endpoint, vendor):
    """segment's and customerio's clients measure json.dumps' default output (\\u escapes,
    ", " separators) against 32 KiB: a call of 12 KB as compact UTF-8 is 36 KB to them, and
    they refuse it. RudderStack's client allows 4 MiB; the cdp spec's 32 KiB of compact
    JSON still applies."""
    _, bodies = endpoint
    client = make()
    limit = importlib.import_module(vendor.__name__ + ".client").MAX_MSG_SIZE
    text = "é" * 6000
    guard = eventspec.guard(client, mode="drop")
    escaped = client.track("user-1", "Signed Up", {"bio": text})
    assert client.track("user-1", "Signed Up", {"bio": "e" * 30_000})[0] is True  # 30 KB either way
    assert client.track("user-1", "Signed Up", {"bio": "e" * 40_000})[0] is False  # over for the spec
    assert eventspec.validate({**escaped[1], "properties": {"bio": text}}).ok  # compact: well under
    if limit == 32 * 1024:
        assert escaped[0] is False  # dropped, where the client alone raises RuntimeError
        assert [len(item["properties"]["bio"]) for item in sent(bodies)] == [30_000]
        assert guard.counters.snapshot()["categories"] == {"size-limit": 2}
        guard.close()
        eventspec.guard(client)
        with pytest.warns(NonConformingEvent, match=r"counts this call as 36,\d\d\d bytes"):
            with pytest.raises(RuntimeError, match="exceeds"):  # the client's own refusal
                client.track("user-1", "Signed Up", {"bio": text})
    else:
        assert limit == 4 * 1024 * 1024 and escaped[0] is True
        assert [len(item["properties"]["bio"]) for item in sent(bodies)] == [6000, 30_000]
        assert guard.counters.snapshot()["categories"] == {"size-limit": 1}


def test_values_the_client_cannot_serialize(make, endpoint):
    _, bodies = endpoint
    client = make()
    with eventspec.guard(client, mode="drop") as guard:
        assert client.track("user-1", "Signed Up", {"z": complex(1, 2)})[0] is False
    assert guard.counters.snapshot()["categories"] == {"not-json": 1}
    with eventspec.guard(client, mode="log"):
        with pytest.raises(TypeError):  # the client's own error, after the record
            client.track("user-1", "Signed Up", {"z": complex(1, 2)})
    assert sent(bodies) == []


# ---------------------------------------------------------------- threads, sampling
def test_eight_threads_tracking_at_once(make, endpoint):
    _, bodies = endpoint
    client = make(sync_mode=False, upload_size=50)
    callers: set[str] = set()
    guard = eventspec.guard(
        client, mode="drop", on_finding=lambda report, message: callers.add(threading.current_thread().name)
    )
    per_thread, start = 60, threading.Barrier(8)

    def work(n: int) -> None:
        start.wait()
        for i in range(per_thread):
            bad = i % 4 == 0
            client.track(f"user-{n}", "Order Completed" if i % 2 else "Product Viewed",
                         {"price": "9"} if bad else {"price": 9.0}, message_id=f"{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,), name=f"caller-{n}") for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.flush()
    counts = guard.counters.snapshot()
    total, bad = 8 * per_thread, 8 * per_thread // 4
    assert (counts["checked"], counts["valid"], counts["invalid"], counts["dropped"]) == (total, total - bad, bad, bad)
    assert sum(e["checked"] for e in counts["events"].values()) == total
    assert counts["events"]["Product Viewed"]["dropped"] == bad and counts["categories"] == {"type-mismatch": bad}
    ids = [item["messageId"] for item in sent(bodies)]
    assert len(ids) == len(set(ids)) == total - bad
    assert set(ids) == {f"{n}-{i}" for n in range(8) for i in range(per_thread) if i % 4}
    assert callers == {f"caller-{n}" for n in range(8)}  # checked in the callers' threads


def test_sample_checks_a_tenth_chosen_by_message_id(make, endpoint):
    _, bodies = endpoint
    client = make(sync_mode=False, upload_size=100)
    ids = [f"m-{i}" for i in range(1000)]

    def dropped() -> set[str]:
        seen: set[str] = set()
        with eventspec.guard(client, mode="drop", sample=0.1, on_finding=lambda r, m: seen.add(m["messageId"])) as g:
            for message_id in ids:  # every one invalid: the checked ones are dropped
                client.track("u", "Order Completed", BAD, message_id=message_id)
            counts = g.counters.snapshot()
        assert counts["checked"] == len(seen) and counts["skipped"] == len(ids) - len(seen)
        return seen

    first = dropped()
    assert 60 <= len(first) <= 140  # a tenth of a thousand
    assert dropped() == first  # a retry gets the same verdict
    client.flush()
    arrived = [item["messageId"] for item in sent(bodies)]
    assert sorted(arrived) == sorted([i for i in ids if i not in first] * 2)


# ---------------------------------------------------------------- the module-level API
@pytest.fixture
def api(vendor, endpoint, monkeypatch) -> Iterator[Any]:
    """The vendor's module-level API, set up to post synchronously to the endpoint."""
    host, _ = endpoint
    monkeypatch.setattr(vendor, "write_key", "test-write-key")
    monkeypatch.setattr(vendor, "host", host)
    monkeypatch.setattr(vendor, "sync_mode", True)
    monkeypatch.setattr(vendor, "max_retries", 0)
    monkeypatch.setattr(vendor, "default_client", None)
    yield vendor
    eventspec.unguard(vendor)


def test_module_level_api(api, endpoint, make):
    _, bodies = endpoint
    own = api.Client.__dict__["_enqueue"]
    guard = eventspec.guard(api, mode="drop")  # before its default client exists
    api.track("user-1", "Order Completed", BAD)
    api.track("user-1", "Order Completed", GOOD)
    assert api.default_client is not None
    other = make()  # another client of the same class is not guarded
    other.track("user-1", "Order Completed", BAD)
    assert [item["properties"]["total"] for item in sent(bodies)] == [27.5, "27.50"]
    assert guard.counters.snapshot()["dropped"] == 1
    eventspec.unguard(api)
    assert api.Client.__dict__["_enqueue"] is own
    api.track("user-1", "Order Completed", BAD)
    assert len(sent(bodies)) == 3


def test_module_level_api_in_threaded_mode(api, endpoint, monkeypatch):
    _, bodies = endpoint
    monkeypatch.setattr(api, "sync_mode", False)
    with eventspec.guard(api, mode="raise"):
        with pytest.raises(ConformanceError):
            api.track("user-1", "Order Completed", BAD)
        api.track("user-1", "Order Completed", GOOD)
        api.flush()
    api.default_client.join()
    assert [item["properties"]["total"] for item in sent(bodies)] == [27.5]


# ---------------------------------------------------------------- on and off
def test_unguard_and_context_manager_restore_the_client(make, endpoint, vendor):
    _, bodies = endpoint
    client = make()
    serializer = importlib.import_module(vendor.__name__ + ".client").DatetimeSerializer
    with eventspec.guard(client, mode="drop"):
        with eventspec.guard(client, mode="raise"):  # the innermost guard applies
            with pytest.raises(ConformanceError):
                client.track("user-1", "Order Completed", BAD)
        assert client.track("user-1", "Order Completed", BAD)[0] is False
    assert "_enqueue" not in client.__dict__
    assert importlib.import_module(vendor.__name__ + ".client").DatetimeSerializer is serializer
    client.track("user-1", "Order Completed", BAD)
    eventspec.unguard(client)  # nothing to remove: nothing happens
    eventspec.guard(client, mode="drop")
    eventspec.guard(client, mode="drop")
    eventspec.unguard(client)  # both
    client.track("user-1", "Order Completed", BAD)
    assert len(sent(bodies)) == 2 and "_enqueue" not in client.__dict__


def test_counters_snapshot_and_reset(make):
    client = make()
    guard = eventspec.guard(client, mode="drop")
    client.track("u", "Order Completed", BAD)
    client.identify("u", {"email": "a@example.com"})
    assert guard.counters.snapshot(reset=True) == {
        "checked": 2, "valid": 1, "invalid": 1, "dropped": 1, "omitted": 0, "skipped": 0,
        "categories": {"type-mismatch": 1},
        "events": {
            "Order Completed": {"checked": 1, "valid": 0, "invalid": 1, "dropped": 1, "omitted": 0,
                                "categories": {"type-mismatch": 1}},
            "identify": {"checked": 1, "valid": 1, "invalid": 0, "dropped": 0, "omitted": 0, "categories": {}},
        },
    }
    assert guard.counters.checked == 0
    client.track("u", "Order Completed", GOOD)
    assert (guard.counters.checked, guard.counters.valid, guard.counters.invalid) == (1, 1, 0)


def test_wrong_arguments(make):
    client = make()
    with pytest.raises(TypeError, match="segment-analytics-python"):
        eventspec.guard(object())
    with pytest.raises(TypeError):
        eventspec.guard(type(client))  # the class, not a client
    with pytest.raises(ValueError, match="mode must be one of"):
        eventspec.guard(client, mode="block")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sample"):
        eventspec.guard(client, sample=1.5)
    with pytest.raises(ValueError, match="needs a plan"):
        eventspec.guard(client, mode="omit")
    with pytest.raises(eventspec.UnknownFamily):
        eventspec.guard(client, spec="segment")
    assert "_enqueue" not in client.__dict__


def test_a_subclass_of_a_client_is_guarded(vendor, endpoint):
    host, bodies = endpoint

    class Mine(vendor.Client):
        pass

    client = Mine("test-write-key", host=host, sync_mode=True, max_retries=0)
    with eventspec.guard(client, mode="drop"):
        assert client.track("user-1", "Order Completed", BAD)[0] is False
    assert sent(bodies) == []


def test_warnings_can_be_errors(make, endpoint):
    """With warnings turned into errors (as this suite does), warn mode raises after the
    message was sent: nothing is lost."""
    _, bodies = endpoint
    client = make()
    eventspec.guard(client)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonConformingEvent)
        with pytest.raises(NonConformingEvent):
            client.track("user-1", "Order Completed", BAD)
    assert len(sent(bodies)) == 1


# ---------------------------------------------------------------- plans
EXAMPLE_PLAN = "examples/plan"


@pytest.fixture
def strict_plan(tmp_path) -> str:
    """A small plan in the notes' format: unplanned properties are errors, unplanned traits warnings."""
    root = tmp_path / "plan"
    (root / "events" / "course-started").mkdir(parents=True)
    (root / "traits").mkdir()
    (root / "eventspec-plan.json").write_text(json.dumps({
        "name": "guarded", "spec": "cdp", "unplanned_events": "warn",
        "unplanned_properties": "error", "unplanned_traits": "warn",
    }))
    (root / "events" / "course-started" / "1.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Course Started",
        "x-eventspec": {"call": "track", "event": "Course Started", "version": "1-0-0"},
        "type": "object",
        "properties": {"course_id": {"type": "string", "minLength": 1}, "progress": {"type": "number"}},
        "required": ["course_id"],
    }))
    (root / "traits" / "identify.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"email": {"type": "string"}},
    }))
    return str(root)


def test_a_plan_checks_your_own_events(make, endpoint, caplog):
    _, bodies = endpoint
    client = make()
    plan = eventspec.load_plan(EXAMPLE_PLAN)
    guard = eventspec.guard(client, plan=plan, mode="drop")
    assert guard.plan is plan
    with caplog.at_level(logging.INFO, logger="eventspec"):
        assert client.track("user-1", "Course Started", {"course_name": "Intro"})[0] is False  # no courseId
        client.track("user-1", "Course Started", {"course_name": "Intro", "courseId": "c-1"})
        client.track("user-1", "Course Begun", {})  # not in the plan: a warning, sent
    assert [item["event"] for item in sent(bodies)] == ["Course Started", "Course Begun"]
    counts = guard.counters.snapshot()
    assert counts["categories"] == {"required-missing": 1, "unplanned-event": 1}
    assert [(r.levelname, r.action) for r in caplog.records] == [("WARNING", "not sent"), ("INFO", "sent")]
    # a plan may be named by its folder too
    with eventspec.guard(client, plan=EXAMPLE_PLAN, mode="raise"):
        with pytest.raises(ConformanceError):
            client.track("user-1", "Course Started", {"course_name": "Intro"})


def test_omit_removes_unplanned_keys_and_sends_the_rest(client, endpoint, strict_plan, caplog, vendor):
    _, bodies = endpoint
    # RudderStack's client sends identify traits as context.traits, which a plan's traits
    # schema does not cover: they go out as they are
    rudder = vendor.__name__ == "rudderstack.analytics"
    properties = {"course_id": "c-1", "progress": 10, "coupon": "SPRING", "utm": {"source": "mail"}}
    guard = eventspec.guard(client, plan=strict_plan, mode="omit")
    with caplog.at_level(logging.INFO, logger="eventspec"):
        client.track("user-1", "Course Started", properties)
        client.identify("user-1", {"email": "ada@example.com", "shoe_size": 42})
        client.track("user-1", "Course Started", {"course_id": "c-2"})
        client.track("user-1", "Course Started", {"progress": "ten", "coupon": "X"})  # omitted, still wrong
        settle(client)
    items = sent(bodies)
    traits = items[1]["context"]["traits"] if rudder else items[1]["traits"]
    assert traits == ({"email": "ada@example.com", "shoe_size": 42} if rudder else {"email": "ada@example.com"})
    assert [items[i]["properties"] for i in (0, 2, 3)] == [
        {"course_id": "c-1", "progress": 10},
        {"course_id": "c-2"},
        {"progress": "ten"},
    ]
    assert properties["coupon"] == "SPRING"  # the application's own dict is left alone
    counts = guard.counters.snapshot()
    # counted as the application built them
    assert (counts["checked"], counts["valid"], counts["invalid"], counts["dropped"]) == (4, 2, 2, 0)
    assert counts["omitted"] == (2 if rudder else 3)
    assert counts["categories"] == {
        "required-missing": 1, "type-mismatch": 1, "unplanned-property": 2 if rudder else 3
    }
    records = caplog.records
    first, last = records[0], records[-1]
    assert first.levelname == "WARNING" and first.action == "sent with unplanned keys omitted"
    assert [(f["path"], f.get("omitted")) for f in first.findings] == [
        ("$.properties.coupon", True), ("$.properties.utm", True)
    ]
    if not rudder:
        trait = records[1]
        assert trait.levelname == "INFO" and [f["path"] for f in trait.findings] == ["$.traits.shoe_size"]
    assert len(records) == (2 if rudder else 3)
    # what is left after the omission is checked again, and reported
    assert [(f["path"], f["category"], f.get("omitted")) for f in last.findings] == [
        ("$.properties.coupon", "unplanned-property", True),
        ("$.properties.course_id", "required-missing", None),
        ("$.properties.progress", "type-mismatch", None),
    ]


def test_omit_needs_a_plan(make):
    client = make()
    with pytest.raises(ValueError, match="needs a plan"):
        eventspec.guard(client, mode="omit", plan=eventspec.BUNDLED)
    with pytest.raises(TypeError, match="plan must be"):
        eventspec.guard(client, plan={"name": "not a catalog"})
