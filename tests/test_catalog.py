"""Every call and semantic event the documents catalogue is bundled, and nothing else."""

from __future__ import annotations

import pytest

import eventspec

# Transcribed from the headings of seed 002 (cdp) and the tables of seeds 000 and 004,
# spelled canonically as RULINGS 11 and 12 say.
DOCUMENTED_EVENTS = {
    "cdp": {
        # Customer.io actions (8)
        "User Deleted", "Device Created or Updated", "Device Deleted", "Relationship Deleted",
        "Object Deleted", "User Suppressed", "User Unsuppressed", "Report Delivery Event",
        # A/B testing (1)
        "Experiment Viewed",
        # ecommerce (28)
        "Products Searched", "Product List Viewed", "Product List Filtered", "Product Clicked",
        "Product Viewed", "Product Added", "Product Removed", "Cart Viewed", "Checkout Started",
        "Checkout Step Viewed", "Checkout Step Completed", "Payment Info Entered",
        "Order Completed", "Order Updated", "Order Refunded", "Order Cancelled",
        "Promotion Viewed", "Promotion Clicked", "Coupon Entered", "Coupon Applied",
        "Coupon Denied", "Coupon Removed", "Product Added to Wishlist",
        "Product Removed from Wishlist", "Wishlist Product Added to Cart", "Product Shared",
        "Cart Shared", "Product Reviewed",
        # email (5)
        "Email Bounced", "Email Delivered", "Email Opened", "Email Marked as Spam",
        "Email Unsubscribed",
        # live chat (4)
        "Live Chat Conversation Started", "Live Chat Conversation Ended",
        "Live Chat Message Sent", "Live Chat Message Received",
        # mobile application lifecycle (7)
        "Application Installed", "Application Opened", "Application Backgrounded",
        "Application Foregrounded", "Application Updated", "Application Uninstalled",
        "Application Crashed",
        # video (16): playback (10), content (3), ad (3)
        "Video Playback Started", "Video Playback Paused", "Video Playback Interrupted",
        "Video Playback Buffer Started", "Video Playback Buffer Completed",
        "Video Playback Seek Started", "Video Playback Seek Completed",
        "Video Playback Resumed", "Video Playback Completed", "Video Playback Exited",
        "Video Content Started", "Video Content Playing", "Video Content Completed",
        "Video Ad Started", "Video Ad Playing", "Video Ad Completed",
    },
    "retainpixel": {"experiment_exposure", "paywall_exposure", "intervention_delivery", "reward_obligation"},
    "customerio-event": set(),
    "userpilot": set(),
}

DOCUMENTED_CALLS = {
    "cdp": {"identify", "track", "page", "screen", "group", "alias", "batch"},
    "retainpixel": {"track", "identify", "group", "page", "revenue"},
    "customerio-event": {"event"},
    "userpilot": {"identify_user", "identify_company", "page_view", "track"},
}


def test_group_counts_match_the_issue():
    assert len(DOCUMENTED_EVENTS["cdp"]) == 8 + 1 + 28 + 5 + 4 + 7 + 16


def test_families():
    assert eventspec.families() == ["cdp", "customerio-event", "retainpixel", "userpilot"]


@pytest.mark.parametrize("family", sorted(DOCUMENTED_EVENTS))
def test_every_documented_event_is_bundled(family):
    assert set(eventspec.events(family)) == DOCUMENTED_EVENTS[family]
    assert eventspec.events(family) == sorted(DOCUMENTED_EVENTS[family])


@pytest.mark.parametrize("family", sorted(DOCUMENTED_CALLS))
def test_every_documented_call_is_bundled(family):
    assert set(eventspec.calls(family)) == DOCUMENTED_CALLS[family]


@pytest.mark.parametrize(
    ("family", "name"),
    [(f, n) for f, names in sorted(DOCUMENTED_EVENTS.items()) for n in sorted(names)]
    + [(f, n) for f, names in sorted(DOCUMENTED_CALLS.items()) for n in sorted(names)],
)
def test_schema_is_returned_for_every_call_and_event(family, name):
    schema = eventspec.schema(family, name)
    assert schema["$id"].startswith("https://eventspec.dev/schemas/v1/")
    if name in DOCUMENTED_EVENTS[family]:
        assert schema["title"] == name
