"""What the vendors' own Python clients actually send must validate.

Each client is pointed at the eventspec collector (the ``eventspec_collector`` fixture,
on 127.0.0.1); nothing leaves the machine. The clients need only their host set.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

import eventspec

CLIENTS = ["customerio", "segment"]
# RudderStack's client is of the same lineage (it gzips its bodies by default and adds
# channel: "server" and integrations: {"All": true}); its limits differ: 4 MiB a message,
# so the NaN and size-limit tests below, written to the other two's, leave it out
LINEAGE = [*CLIENTS, "rudderstack"]


def make_client(name: str, host: str, **options):
    if name == "customerio":
        from customerio.analytics.client import Client
    elif name == "rudderstack":
        from rudderstack.analytics.client import Client
    else:
        from segment.analytics.client import Client
    options.setdefault("sync_mode", True)
    return Client("test-write-key", host=host, max_retries=0, **options)


def _drive(client) -> None:
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
    client.identify("user-1", {"email": "ada@example.com", "plan": "pro"}, timestamp=when)
    client.identify(anonymous_id="anon-1", traits={"email": "anon@example.com"})
    client.track(
        "user-1",
        "Order Completed",
        {
            "order_id": "o-1",
            "total": 27.5,
            "currency": "EUR",
            "products": [{"product_id": "p-1", "price": 12.5, "quantity": 2}],
        },
        context={"ip": "203.0.113.9", "channel": "server"},
    )
    client.track(anonymous_id="anon-1", event="Video Playback Started", properties={"sound": 80, "total_length": None})
    client.track("user-1", "Signed Up For Newsletter", {"source": "footer"})
    client.page("user-1", name="Pricing", properties={"url": "https://example.com/pricing"})
    client.screen("user-1", name="Feed")
    client.group("user-1", "acme", {"name": "Acme", "object_type_id": "1"})
    client.alias("anon-1", "user-1")
    client.flush()


CALLS = ["identify", "identify", "track", "track", "track", "page", "screen", "group", "alias"]


@pytest.mark.parametrize("name", LINEAGE)
def test_every_call_type_arrives_valid(eventspec_collector, name):
    _drive(make_client(name, eventspec_collector.url))
    eventspec_collector.assert_all_valid()
    calls = eventspec_collector.calls
    assert [call.type for call in calls] == CALLS
    for call in calls:
        request = call.request
        assert request.endpoint == "/v1/batch" and request.status == 200
        assert (request.write_key, request.auth) == ("test-write-key", "basic")
        assert request.headers["user-agent"].startswith("analytics-python/")
        # the whole body, as the client posted it, is a valid batch too
        assert eventspec.validate(call.batch, spec="cdp").call == "batch"
        assert eventspec.validate(call.batch, spec="cdp").ok
    order, video = eventspec_collector.filter(type="track")[:2]
    assert (order.report.event, video.report.event) == ("Order Completed", "Video Playback Started")
    assert not order.warnings and order.payload["properties"]["products"][0]["price"] == 12.5
    assert [call.number for call in eventspec_collector.filter(user="anon-1")] == [2, 4]
    assert eventspec_collector.filter(event="Pricing")[0].type == "page"


@pytest.mark.parametrize("name", LINEAGE)
def test_semantic_events_are_checked_against_their_specs(eventspec_collector, name):
    client = make_client(name, eventspec_collector.url)
    client.track("user-1", "Experiment Viewed", {"experiment_id": "e-1", "variation_id": "v-2"})
    client.track("user-1", "Application Opened", {"from_background": False, "version": "1.2.0", "build": "42"})
    client.track("user-1", "Product Added", {"product_id": "p-1", "price": "9.99", "quantity": 1.5})
    client.track("user-1", "order_completed", {"order_id": "o-1", "currency": "EUR"})
    experiment, opened, added, order = eventspec_collector.calls
    assert experiment.ok and opened.ok and experiment.report.event == "Experiment Viewed"
    assert sorted(f.path.rsplit(".", 1)[1] for f in added.errors) == ["price", "quantity"]
    assert order.ok and [f.category for f in order.warnings] == ["near-miss"]
    assert order.report.event == "Order Completed"


@pytest.mark.parametrize("name", LINEAGE)
def test_client_nulls_are_seen_and_accepted(eventspec_collector, name):
    """The clients really do send unset fields as null (RULINGS 2)."""
    client = make_client(name, eventspec_collector.url)
    client.page("user-1", name="Home")
    client.track(anonymous_id="anon-1", event="Signed Up")
    page, track = eventspec_collector.calls
    assert page.payload["anonymousId"] is None and page.payload["category"] is None
    assert track.payload["userId"] is None and track.anonymous_id == "anon-1"
    eventspec_collector.assert_all_valid()


@pytest.mark.parametrize("name", LINEAGE)
def test_gzip_bodies_from_the_clients(eventspec_collector, name):
    _drive(make_client(name, eventspec_collector.url, gzip=True))
    eventspec_collector.assert_all_valid()
    calls = eventspec_collector.calls
    assert [call.type for call in calls] == CALLS
    assert {call.request.headers["content-encoding"] for call in calls} == {"gzip"}


@pytest.mark.parametrize("name", LINEAGE)
def test_a_broken_client_call_is_caught(eventspec_collector, name):
    """A mistake that the clients accept and post is an error here."""
    client = make_client(name, eventspec_collector.url)
    client.track("user-1", "Order Completed", {"total": "27.50", "currency": "euro"})
    (call,) = eventspec_collector.bad
    assert [e.path for e in call.errors] == ["$.batch[0].properties.currency", "$.batch[0].properties.total"]
    with pytest.raises(AssertionError, match="1 of 1 call"):
        eventspec_collector.assert_all_valid()


@pytest.mark.parametrize("name", CLIENTS)
def test_nan_is_posted_by_the_clients_and_refused_with_400(eventspec_collector, name):
    """Python's json writes NaN; the API refuses such a body, so the whole batch is lost."""
    from customerio.analytics.request import APIError as CustomerioError
    from segment.analytics.request import APIError as SegmentError

    client = make_client(name, eventspec_collector.url)
    with pytest.raises((CustomerioError, SegmentError)) as failure:
        client.track("user-1", "Checkout Started", {"ratio": math.nan})
    assert failure.value.status == 400
    (call,) = eventspec_collector.bad
    assert call.request.status == 400 and b"NaN" in (call.raw or b"")
    assert [f.category for f in call.errors] == ["unreadable"]


@pytest.mark.parametrize("name", CLIENTS)
def test_a_call_just_under_the_size_limit_arrives_whole(eventspec_collector, name):
    """The clients refuse a message over 32 KB (by their own, roomier measure); one just
    under arrives and is within the API's limit."""
    client = make_client(name, eventspec_collector.url)
    client.track("user-1", "Notes Saved", {"text": "x" * 32_300})
    with pytest.raises(RuntimeError) as refused:
        client.track("user-1", "Notes Saved", {"text": "x" * 33_000})
    assert str(refused.value).startswith(("Message exceeds", "('Message exceeds"))
    (call,) = eventspec_collector.calls
    compact = len(json.dumps(call.payload, separators=(",", ":")).encode())
    assert 32_000 < compact <= 32_768
    eventspec_collector.assert_all_valid()


@pytest.mark.parametrize("name", CLIENTS)
def test_batches_near_the_500kb_limit_stay_under_it(eventspec_collector, name):
    """Queued calls go out in batches the client closes at 475 KB: near the API's 500 KB
    limit, never over it."""
    client = make_client(name, eventspec_collector.url, sync_mode=False, upload_size=100, upload_interval=0.5)
    for number in range(40):
        client.track("user-1", "Notes Saved", {"n": number, "text": "y" * 30_000})
    client.flush()
    client.join()
    calls = eventspec_collector.wait(40, timeout=60)
    eventspec_collector.assert_all_valid()
    requests = {call.request.number: call.request for call in calls}
    assert len(requests) >= 3
    assert max(request.size for request in requests.values()) > 450_000
    assert sorted(call.payload["properties"]["n"] for call in calls) == list(range(40))
    for call in calls:
        assert call.batch is not None
        assert len(json.dumps(call.batch, separators=(",", ":")).encode()) <= 512_000
