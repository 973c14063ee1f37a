"""What the vendors' own Python clients actually send must validate.

Each client is pointed at an HTTP server on 127.0.0.1 that records the batch bodies
it posts (the ``endpoint`` fixture of conftest.py); nothing leaves the machine.
"""

from __future__ import annotations

import datetime as dt

import eventspec


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


def _check_bodies(bodies: list[dict]) -> None:
    assert bodies, "the client posted nothing"
    items = []
    for posted in bodies:
        assert posted["path"] == "/v1/batch"
        report = eventspec.validate(posted["body"], spec="cdp")
        assert report.ok, str(report)
        assert report.call == "batch"
        items.extend(posted["body"]["batch"])
        # each item is also a valid call on its own
        for item in posted["body"]["batch"]:
            single = eventspec.validate(item, spec="cdp", strict=False)
            assert single.ok, str(single)
    assert [item["type"] for item in items] == CALLS
    order = eventspec.validate(items[2], spec="cdp")
    assert order.event == "Order Completed" and not order.warnings


def test_customerio_cdp_analytics_batches_validate(endpoint):
    from customerio.analytics.client import Client

    host, bodies = endpoint
    client = Client("test-write-key", host=host, sync_mode=True, max_retries=0)
    _drive(client)
    _check_bodies(bodies)


def test_segment_analytics_python_batches_validate(endpoint):
    from segment.analytics.client import Client

    host, bodies = endpoint
    client = Client("test-write-key", host=host, sync_mode=True, max_retries=0)
    _drive(client)
    _check_bodies(bodies)


def test_rudder_sdk_python_batches_validate(endpoint):
    """RudderStack's client is of the same lineage; it gzips its bodies by default and
    adds ``channel: "server"`` and ``integrations: {"All": true}``."""
    from rudderstack.analytics.client import Client

    host, bodies = endpoint
    client = Client("test-write-key", host=host, sync_mode=True, max_retries=0)
    _drive(client)
    _check_bodies(bodies)
    assert bodies[0]["body"]["batch"][0]["channel"] == "server"


def test_client_nulls_are_seen_and_accepted(endpoint):
    """The clients really do send unset fields as null (RULINGS 2)."""
    from segment.analytics.client import Client

    host, bodies = endpoint
    Client("k", host=host, sync_mode=True, max_retries=0).page("user-1", name="Home")
    item = bodies[0]["body"]["batch"][0]
    assert item["anonymousId"] is None and item["category"] is None
    assert eventspec.validate(item, spec="cdp").ok


def test_a_broken_client_call_is_caught(endpoint):
    """A mistake that the clients accept and post is an error here."""
    from customerio.analytics.client import Client

    host, bodies = endpoint
    client = Client("k", host=host, sync_mode=True, max_retries=0)
    client.track("user-1", "Order Completed", {"total": "27.50", "currency": "euro"})
    report = eventspec.validate(bodies[0]["body"], spec="cdp")
    assert [e.path for e in report.errors] == [
        "$.batch[0].properties.currency",
        "$.batch[0].properties.total",
    ]
