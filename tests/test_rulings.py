"""One test (or a few) per ruling of RULINGS.md, on payloads written from the documents."""

from __future__ import annotations

import pytest

import eventspec


def errors(payload, spec="cdp", **kw):
    return [f.path for f in eventspec.validate(payload, spec=spec, **kw).errors]


def warnings(payload, spec="cdp", **kw):
    return [f.path for f in eventspec.validate(payload, spec=spec, **kw).warnings]


def track(event="Order Completed", properties=None, **extra):
    payload = {"type": "track", "event": event, "userId": "user-1", **extra}
    if properties is not None:
        payload["properties"] = properties
    return payload


# ---------------------------------------------------------------- cdp calls (1)
@pytest.mark.parametrize("call", ["identify", "track", "page", "screen", "group", "alias"])
def test_r1_each_call_type_dispatches(call):
    payload = {"type": call, "userId": "u1", "event": "Signed Up", "groupId": "g1", "previousId": "p1"}
    report = eventspec.validate(payload)
    assert report.ok, str(report)
    assert report.call == call


def test_r1_type_may_be_left_out_when_the_call_is_named():
    assert errors({"userId": "u1", "event": "Signed Up"}, call="track") == []
    assert errors({"previousId": "a", "userId": "b"}, call="alias") == []


def test_r1_a_type_that_disagrees_with_the_named_call_is_an_error():
    report = eventspec.validate({"type": "identify", "userId": "u1", "event": "x"}, call="track")
    assert [(f.path, f.category) for f in report.errors] == [("$.type", "unknown-call")]


def test_r1_neither_type_nor_call_is_an_error():
    report = eventspec.validate({"userId": "u1", "event": "Signed Up"})
    assert [(f.path, f.category) for f in report.errors] == [("$.type", "unknown-call")]


def test_r1_unknown_type_is_an_error_with_a_suggestion():
    report = eventspec.validate({"type": "trak", "userId": "u1", "event": "x"})
    assert [f.path for f in report.errors] == ["$.type"]
    assert "'track'" in report.errors[0].message


def test_r1_unknown_call_name_is_a_value_error():
    with pytest.raises(ValueError, match="no call 'trak'"):
        eventspec.validate({}, call="trak")


def test_r1_the_fields_of_an_untyped_payload_are_still_checked():
    assert errors({"userId": "u1", "timestamp": "yesterday"}) == ["$.timestamp", "$.type"]


# ---------------------------------------------------------------- identity (2)
@pytest.mark.parametrize("call", ["identify", "track", "page", "screen", "group"])
def test_r2_identity_is_required(call):
    payload = {"type": call, "event": "Signed Up", "groupId": "g1"}
    assert errors(payload) == ["$"]
    assert errors({**payload, "anonymousId": "a1"}) == []
    assert errors({**payload, "userId": "u1"}) == []


@pytest.mark.parametrize("empty", ["", None])
def test_r2_empty_or_null_ids_do_not_count(empty):
    assert errors({"type": "track", "event": "x", "userId": empty, "anonymousId": empty}) == ["$"]


def test_r2_null_id_beside_a_real_one_is_fine():
    assert errors({"type": "track", "event": "x", "userId": None, "anonymousId": "a1"}) == []


def test_r2_identify_by_email_trait():
    assert errors({"type": "identify", "traits": {"email": "ada@example.com"}}) == []
    assert errors({"type": "identify", "traits": {"email": ""}}) == ["$"]
    assert errors({"type": "identify", "traits": {"name": "Ada"}}) == ["$"]
    # only identify has this exception
    assert errors({"type": "track", "event": "x", "traits": {"email": "a@b.c"}}) == ["$"]


def test_r2_nulls_in_optional_top_level_fields_mean_absent():
    payload = {
        "type": "page", "userId": "u1", "anonymousId": None, "category": None, "name": None,
        "properties": None, "context": None, "integrations": None, "timestamp": None,
        "messageId": None, "sentAt": None, "version": None,
    }
    assert errors(payload) == []


# ---------------------------------------------------------------- track (3)
def test_r3_event_is_a_required_non_empty_string():
    assert errors({"type": "track", "userId": "u1"}) == ["$.event"]
    assert errors({"type": "track", "userId": "u1", "event": ""}) == ["$.event"]
    assert errors({"type": "track", "userId": "u1", "event": None}) == ["$.event"]
    assert errors({"type": "track", "userId": "u1", "event": 7}) == ["$.event"]


def test_r3_whitespace_around_event_is_a_warning():
    report = eventspec.validate(track(" Order Completed "))
    assert report.ok
    assert [(w.path, w.category) for w in report.warnings] == [("$.event", "event-whitespace")]
    assert report.event == "Order Completed"


# ---------------------------------------------------------------- group (4), alias (5)
def test_r4_group_needs_group_id():
    assert errors({"type": "group", "userId": "u1"}) == ["$.groupId"]
    assert errors({"type": "group", "userId": "u1", "groupId": ""}) == ["$.groupId"]


@pytest.mark.parametrize("value,ok", [("1", True), ("42", True), ("a1", False), ("", False), (1, False)])
def test_r4_object_type_ids_are_strings_of_digits(value, ok):
    top = {"type": "group", "userId": "u1", "groupId": "g", "objectTypeId": value}
    trait = {"type": "group", "userId": "u1", "groupId": "g", "traits": {"object_type_id": value}}
    assert errors(top) == ([] if ok else ["$.objectTypeId"])
    assert errors(trait) == ([] if ok else ["$.traits.object_type_id"])


def test_r5_alias_needs_previous_id_and_user_id():
    assert errors({"type": "alias"}) == ["$.previousId", "$.userId"]
    assert errors({"type": "alias", "previousId": "a", "userId": None}) == ["$.userId"]
    assert errors({"type": "alias", "previousId": "a", "userId": "b"}) == []


# ---------------------------------------------------------------- batch (6)
def test_r6_batch_items_are_validated_as_their_calls():
    payload = {
        "batch": [
            {"type": "identify", "userId": "u1"},
            {"type": "track", "userId": "u1"},
            {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"total": "9"}},
            {"userId": "u1"},
            {"type": "alias", "previousId": "a", "userId": "b"},
        ],
        "context": {"channel": "server"},
        "integrations": {"All": True},
        "sentAt": "2024-05-01T12:00:00.000+00:00",
    }
    assert errors(payload) == ["$.batch[1].event", "$.batch[2].properties.total", "$.batch[3].type"]


def test_r6_batch_must_be_a_non_empty_array():
    assert errors({"batch": []}) == ["$.batch"]
    assert errors({"batch": {}}) == ["$.batch"]
    assert errors({}, call="batch") == ["$.batch"]


def test_r6_non_object_batch_items():
    report = eventspec.validate({"batch": [{"type": "identify", "userId": "u"}, "x"]})
    assert [(f.path, f.category) for f in report.errors] == [("$.batch[1]", "not-an-object")]


def test_r6_batch_level_context_is_checked():
    assert errors({"batch": [{"type": "identify", "userId": "u"}], "context": {"ip": "x"}}) == ["$.context.ip"]


def test_r6_near_miss_in_a_batch_item_is_reported_at_the_item():
    payload = {"batch": [{"type": "identify", "userId": "u"}, track("order completed")]}
    assert warnings(payload) == ["$.batch[1].event"]


# ---------------------------------------------------------------- size limits (7)
def _padded(total_bytes, **base):
    import json

    payload = {**base, "properties": {"pad": ""}}
    size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    payload["properties"]["pad"] = "x" * (total_bytes - size)
    return payload


def test_r7_a_call_over_32kb_is_an_error_and_at_the_limit_is_not():
    at_limit = _padded(32768, type="track", userId="u1", event="x")
    report = eventspec.validate(at_limit)
    assert report.ok
    over = _padded(32769, type="track", userId="u1", event="x")
    report = eventspec.validate(over)
    assert [(f.path, f.category) for f in report.errors] == [("$", "size-limit")]
    assert "32,769" in report.errors[0].message


def test_r7_size_counts_utf8_bytes_not_characters():
    payload = _padded(32700, type="track", userId="u1", event="x")
    payload["properties"]["pad"] = payload["properties"]["pad"][:-40] + "é" * 40  # 40 more bytes
    assert errors(payload) == []
    payload["properties"]["pad"] += "é" * 50
    assert errors(payload) == ["$"]


def test_r7_batch_limits():
    item = _padded(30000, type="track", userId="u1", event="x")
    big = _padded(33000, type="track", userId="u1", event="x")
    assert errors({"batch": [item] * 17}) == []  # about 510,000 bytes
    assert errors({"batch": [item] * 18}) == ["$"]  # over 512,000 bytes
    assert errors({"batch": [item, big]}) == ["$.batch[1]"]


# ---------------------------------------------------------------- timestamps (8)
@pytest.mark.parametrize("field", ["timestamp", "sentAt", "receivedAt", "originalTimestamp"])
@pytest.mark.parametrize(
    "value,ok",
    [
        ("2015-02-23T22:28:55.111Z", True),
        ("2019-08-24T14:15:22+02:00", True),
        ("2015-02-23T22:28:55.111Z,", False),
        ("2015-02-23", False),
        ("2015-02-23 22:28:55", False),
        ("2015-13-23T22:28:55Z", False),
        ("yesterday", False),
        (1424730535, False),
    ],
)
def test_r8_timestamps_are_rfc3339(field, value, ok):
    assert errors(track("x", **{field: value})) == ([] if ok else [f"$.{field}"])


# ---------------------------------------------------------------- integrations, context (9)
def test_r9_integrations():
    assert errors(track("x", integrations=None)) == []
    assert errors(track("x", integrations={"All": False, "Mixpanel": True, "Amp": {"key": 1}})) == []
    assert errors(track("x", integrations={"Mixpanel": "yes"})) == ["$.integrations.Mixpanel"]
    assert errors(track("x", integrations=[])) == ["$.integrations"]


@pytest.mark.parametrize(
    "context,bad",
    [
        ({"channel": "browser", "active": True, "ip": "8.8.8.8"}, []),
        ({"ip": "2001:db8::1"}, []),
        ({"ip": "string"}, ["$.context.ip"]),
        ({"ip": "256.1.1.1"}, ["$.context.ip"]),
        ({"channel": "email"}, ["$.context.channel"]),
        ({"active": "true"}, ["$.context.active"]),
        ({"customField": {"x": 1}, "library": {"name": "analytics.js", "version": "2.11.1"}}, []),
        ("ctx", ["$.context"]),
    ],
)
def test_r9_context(context, bad):
    assert errors(track("x", context=context)) == bad


def test_r9_unknown_top_level_fields_are_allowed():
    assert errors(track("x", channel="browser", anything={"a": [1]})) == []


# ---------------------------------------------------------------- semantic events (10)
def test_r10_declared_properties_are_type_checked_and_others_allowed():
    assert errors(track("Order Completed", {"total": 10, "custom": {"x": [1]}})) == []
    assert errors(track("Order Completed", {"total": "10"})) == ["$.properties.total"]


def test_r10_no_property_is_required_unless_documented():
    assert errors(track("Order Completed", {})) == []
    assert errors(track("Order Completed")) == []


def test_r10_products_hold_product_objects():
    props = {"products": [{"product_id": "p1", "price": 9.5, "quantity": 1}, {"price": "9.99"}, "p3"]}
    assert errors(track("Order Completed", props)) == [
        "$.properties.products[1].price",
        "$.properties.products[2]",
    ]


# ---------------------------------------------------------------- names (11)
@pytest.mark.parametrize(
    "spelling,canonical",
    [
        ("order_completed", "Order Completed"),
        ("order completed", "Order Completed"),
        ("ORDER-COMPLETED", "Order Completed"),
        ("OrderCompleted", "Order Completed"),
        ("Video playback started", "Video Playback Started"),
        ("video_ad_completed", "Video Ad Completed"),
        ("application opened", "Application Opened"),
    ],
)
def test_r11_near_miss_names_are_validated_as_the_spec_with_a_warning(spelling, canonical):
    report = eventspec.validate(track(spelling, {"total": "x", "position": "x", "from_background": "no"}))
    assert report.event == canonical
    assert [(w.path, w.category) for w in report.warnings] == [("$.event", "near-miss")]
    assert canonical in report.warnings[0].message
    assert not report.ok  # the spec's types applied


def test_r11_canonical_names_give_no_warning():
    for name in eventspec.events("cdp"):
        assert warnings(track(name, userId="u1")) == [], name


# ---------------------------------------------------------------- Customer.io actions (12)
@pytest.mark.parametrize("event", ["User Deleted", "User Suppressed", "User Unsuppressed", "Device Deleted"])
def test_r12_user_actions_need_user_id(event):
    assert errors({"type": "track", "event": event, "userId": "42"}) == []
    assert errors({"type": "track", "event": event, "anonymousId": "a1"}) == ["$.userId"]


def test_r12_device_created_or_updated():
    base = {"type": "track", "event": "Device Created or Updated", "userId": "42"}
    assert errors({**base, "properties": {"device": {"token": "tok", "type": "ios"}}}) == []
    assert errors({**base, "properties": {}, "context": {"device": {"token": "tok"}}}) == []
    assert errors({**base, "properties": {"device": {"token": ""}}}) == ["$"]
    assert errors({**base, "properties": {"device": {}}}) == ["$"]
    assert errors({**base, "context": {"device": {"token": "tok"}}}) == ["$.properties"]
    assert errors({**base, "properties": None, "context": {"device": {"token": "t"}}}) == ["$.properties"]
    assert errors({"type": "track", "event": "Device Created or Updated", "anonymousId": "a",
                   "properties": {"device": {"token": "t"}}}) == ["$.userId"]


def test_r12_delete_device_spelling_is_a_near_miss():
    report = eventspec.validate({"type": "track", "event": "Delete Device", "userId": "42"})
    assert report.ok and report.event == "Device Deleted"
    assert [w.category for w in report.warnings] == ["near-miss"]
    assert errors({"type": "track", "event": "Delete Device", "anonymousId": "a"}) == ["$.userId"]


def test_r12_relationship_and_object_deleted():
    rel = {"type": "track", "event": "Relationship Deleted", "userId": "1",
           "properties": {"objectId": "acme", "objectTypeId": "1"}}
    assert errors(rel) == []
    assert errors({**rel, "properties": {"objectTypeId": "1"}}) == ["$.properties.objectId"]
    assert errors({k: v for k, v in rel.items() if k != "userId"}) == ["$.userId"]
    obj = {"type": "track", "event": "Object Deleted", "properties": {"objectId": "acme"}}
    assert errors(obj) == []  # no userId/anonymousId needed
    assert errors({"type": "track", "event": "Object Deleted"}) == ["$.properties"]


def test_r12_name_instead_of_event_is_an_error_with_a_hint():
    report = eventspec.validate({"type": "track", "name": "Object Deleted", "properties": {"objectId": "a"}})
    assert "$.event" in [f.path for f in report.errors]
    assert "belongs in 'event'" in next(f.message for f in report.errors if f.path == "$.event")


def test_r12_report_delivery_event():
    ok = {"type": "track", "event": "Report Delivery Event",
          "properties": {"deliveryId": "42", "metric": "clicked"}}
    assert errors(ok) == []
    assert errors({**ok, "properties": {"deliveryId": "42"}}) == ["$.properties.metric"]
    assert errors({**ok, "properties": {"metric": "opened"}}) == ["$.properties.deliveryId"]


# ---------------------------------------------------------------- A/B testing (13)
def test_r13_experiment_viewed_variant_names_are_warnings():
    props = {"experiment_id": "12345", "experiment_name": "Homepage Hero", "variant_id": "67890", "variant_name": "Hero B"}
    report = eventspec.validate(track("Experiment Viewed", props))
    assert report.ok
    assert [w.path for w in report.warnings] == ["$.properties.variant_id", "$.properties.variant_name"]
    assert "variation_id" in report.warnings[0].message
    good = {"experiment_id": "1", "experiment_name": "n", "variation_id": "2", "variation_name": "B"}
    assert warnings(track("Experiment Viewed", good)) == []
    assert errors(track("Experiment Viewed", {"variation_id": 2})) == ["$.properties.variation_id"]


# ---------------------------------------------------------------- video (14)
@pytest.mark.parametrize("value,ok", [(0, True), (100, True), (55, True), (101, False), (-1, False), (50.5, False), ("50", False)])
def test_r14_sound(value, ok):
    assert errors(track("Video Playback Paused", {"sound": value})) == ([] if ok else ["$.properties.sound"])


@pytest.mark.parametrize(
    "event,props,bad",
    [
        ("Video Playback Started", {"ad_type": "pre-roll"}, []),
        ("Video Playback Started", {"ad_type": "preroll"}, ["$.properties.ad_type"]),
        ("Video Ad Playing", {"type": "mid-roll", "load_type": "linear"}, []),
        ("Video Ad Playing", {"type": "banner"}, ["$.properties.type"]),
        ("Video Ad Started", {"load_type": "static"}, ["$.properties.load_type"]),
        ("Video Ad Completed", {"quartile": 4, "pod_position": 1, "pod_length": 3}, []),
        ("Video Ad Completed", {"quartile": "4"}, ["$.properties.quartile"]),
        ("Video Content Playing", {"airdate": "2019-08-24T14:15:22Z"}, []),
        ("Video Content Playing", {"airdate": "24/08/2019"}, ["$.properties.airdate"]),
        ("Video Content Started", {"keywords": ["a", "b"]}, []),
        ("Video Content Started", {"keywords": "a,b"}, ["$.properties.keywords"]),
        ("Video Playback Started", {"content_asset_ids": ["a"], "content_pod_ids": [1]}, ["$.properties.content_pod_ids[0]"]),
        ("Video Playback Buffer Started", {"position": 1.5, "bitrate": 100, "framerate": 30}, ["$.properties.position"]),
    ],
)
def test_r14_video_types(event, props, bad):
    assert errors(track(event, props)) == bad


@pytest.mark.parametrize("event", [n for n in eventspec.events("cdp") if n.startswith("Video Playback")])
def test_r14_total_length_may_be_null_on_playback_events(event):
    assert errors(track(event, {"total_length": None})) == []


@pytest.mark.parametrize("event", [n for n in eventspec.events("cdp") if n.startswith(("Video Content", "Video Ad"))])
def test_r14_total_length_is_an_integer_on_content_and_ad_events(event):
    assert errors(track(event, {"total_length": None})) == ["$.properties.total_length"]
    assert errors(track(event, {"total_length": 30})) == []


@pytest.mark.parametrize("event", ["Video Playback Seek Started", "Video Playback Seek Completed"])
def test_r14_seek_position(event):
    assert errors(track(event, {"seek_position": 30})) == []
    assert errors(track(event, {"seek_position": "30"})) == ["$.properties.seek_position"]


def test_r14_ad_ids_on_playback_started_may_be_arrays_of_unique_strings():
    event = "Video Playback Started"
    assert errors(track(event, {"ad_asset_id": ["a", "b"], "ad_pod_id": "p"})) == []
    assert errors(track(event, {"ad_asset_id": ["a", "a"]})) == ["$.properties.ad_asset_id"]
    assert errors(track(event, {"ad_pod_id": [1]})) == ["$.properties.ad_pod_id[0]"]
    assert errors(track("Video Playback Paused", {"ad_asset_id": ["a"]})) == ["$.properties.ad_asset_id"]


# ---------------------------------------------------------------- ecommerce (15)
@pytest.mark.parametrize("field", ["revenue", "value", "total", "subtotal", "shipping", "tax", "discount"])
def test_r15_money_fields_are_numbers(field):
    event = {"value": "Checkout Started"}.get(field, "Order Refunded")
    if field == "value":
        event = "Checkout Started"
    assert errors(track(event, {field: 12.5})) == []
    assert errors(track(event, {field: "12.50"})) == [f"$.properties.{field}"]


@pytest.mark.parametrize(
    "event,field,good,bad",
    [
        ("Product Added", "quantity", 2, 2.5),
        ("Product Reviewed", "rating", 5, "5"),
        ("Checkout Step Viewed", "step", 2, 2.0 + 0.5),
        ("Product Clicked", "position", 3.5, "3"),
        ("Promotion Viewed", "position", "banner_slot_1", 1),
        ("Promotion Clicked", "position", "banner_slot_1", 1),
        ("Product Viewed", "price", 139.99, "139.99"),
        ("Product Viewed", "currency", "USD", "usd"),
        ("Order Completed", "currency", "EUR", "EURO"),
        ("Product Viewed", "url", "", 5),
        ("Product Viewed", "image_url", "", None),
    ],
)
def test_r15_ecommerce_types(event, field, good, bad):
    assert errors(track(event, {field: good})) == []
    assert errors(track(event, {field: bad})) == [f"$.properties.{field}"]


# ---------------------------------------------------------------- email, chat, mobile (16)
@pytest.mark.parametrize("event", ["Email Bounced", "Email Delivered", "Email Opened", "Email Marked as Spam", "Email Unsubscribed"])
def test_r16_email(event):
    assert errors(track(event, {})) == []
    assert errors(track(event, {"email_id": 5, "campaign_name": ["x"]})) == [
        "$.properties.campaign_name", "$.properties.email_id"]


def test_r16_live_chat_duration():
    for event in ["Live Chat Conversation Started", "Live Chat Message Sent"]:
        assert errors(track(event, {"conversation_duration": 0})) == []
        assert errors(track(event, {"conversation_duration": -1})) == ["$.properties.conversation_duration"]
        assert errors(track(event, {"conversation_duration": 1.5})) == ["$.properties.conversation_duration"]


def test_r16_mobile():
    assert errors(track("Application Opened", {"from_background": True, "version": "3.1", "build": "310"})) == []
    assert errors(track("Application Opened", {"from_background": "true"})) == ["$.properties.from_background"]
    assert errors(track("Application Updated", {"version": 3, "previous_build": 2})) == [
        "$.properties.previous_build", "$.properties.version"]


# ---------------------------------------------------------------- retainpixel (17-20)
def rp(call="track", **fields):
    return {"type": call, "timestamp": "2026-03-10T12:00:00Z", **fields}


def test_r17_type_and_timestamp_required():
    assert errors({"event": "x", "anonymous_id": "a"}, spec="retainpixel") == ["$.timestamp", "$.type"]
    assert errors(rp("track", event="x", anonymous_id="a", timestamp="2026-03-10"), spec="retainpixel") == ["$.timestamp"]
    assert errors(rp("purchase", user_id="u"), spec="retainpixel") == ["$.type"]


def test_r18_per_call_tables_win():
    assert errors(rp("identify", user_id="u"), spec="retainpixel") == []
    assert errors(rp("identify", anonymous_id="a"), spec="retainpixel") == ["$.user_id"]
    assert errors(rp("group", user_id="u", group_id="g"), spec="retainpixel") == []
    assert errors(rp("group", user_id="u"), spec="retainpixel") == ["$.group_id"]
    assert errors(rp("page", anonymous_id="a"), spec="retainpixel") == []
    assert errors(rp("page", user_id="u"), spec="retainpixel") == ["$.anonymous_id"]
    assert errors(rp("track", anonymous_id="a"), spec="retainpixel") == ["$.event"]


def test_r18_revenue():
    assert errors(rp("revenue", user_id="u", amount=49.99), spec="retainpixel") == []
    assert errors(rp("revenue", user_id="u", amount=49.99, currency="EUR"), spec="retainpixel") == []
    assert errors(rp("revenue", user_id="u", amount="49.99"), spec="retainpixel") == ["$.amount"]
    assert errors(rp("revenue", user_id="u", amount=1, currency="dollars"), spec="retainpixel") == ["$.currency"]
    assert errors(rp("revenue", amount=1), spec="retainpixel") == ["$.user_id"]


def test_r19_track_identity_and_its_exceptions():
    assert errors(rp(event="feature_used"), spec="retainpixel") == ["$"]
    assert errors(rp(event="feature_used", user_id=""), spec="retainpixel") == ["$"]
    assert errors(rp(event="intervention_delivery", properties={"intervention_id": "i", "intervention_type": "nudge"}), spec="retainpixel") == []
    assert errors(rp(event="reward_obligation", properties={"reward_id": "r", "subject_id": "s", "status": "pending"}), spec="retainpixel") == []
    assert errors(rp(event="reward_obligation", properties={"reward_id": "r", "status": "pending"}), spec="retainpixel") == ["$.properties.subject_id"]


def test_r20_semantic_events():
    spec = "retainpixel"
    assert errors(rp(event="experiment_exposure", user_id="u", properties={"experiment_id": "e", "arm_key": "t"}), spec=spec) == []
    assert errors(rp(event="experiment_exposure", user_id="u", properties={"experiment_id": "e"}), spec=spec) == ["$.properties.arm_key"]
    assert errors(rp(event="paywall_exposure", user_id="u", properties={"paywall_id": "p", "feature": "f", "outcome": "closed"}), spec=spec) == ["$.properties.outcome"]
    assert errors(rp(event="intervention_delivery", properties={"intervention_id": "i", "intervention_type": "popup", "channel": "sms"}), spec=spec) == [
        "$.properties.channel", "$.properties.intervention_type"]
    assert errors(rp(event="reward_obligation", properties={"reward_id": "r", "subject_id": "s", "status": "done", "amount": "5", "reward_type": "points"}), spec=spec) == [
        "$.properties.amount", "$.properties.reward_type", "$.properties.status"]


def test_r20_retainpixel_near_miss_names():
    report = eventspec.validate(rp(event="Experiment Exposure", user_id="u", properties={"experiment_id": "e", "arm_key": "t"}), spec="retainpixel")
    assert report.ok and report.event == "experiment_exposure"
    assert [w.path for w in report.warnings] == ["$.event"]


# ---------------------------------------------------------------- customerio-event (21)
@pytest.mark.parametrize(
    "payload,bad",
    [
        ({"name": "purchase"}, []),
        ({"name": "viewed", "type": "page", "timestamp": 1700000000, "customer_id": "c1", "data": {"x": 1},
          "context": {"ip": "1.2.3.4", "locale": "en-US", "page": {"url": "https://example.com/a", "referrer": "https://google.com"}}}, []),
        ({}, ["$.name"]),
        ({"name": ""}, ["$.name"]),
        ({"name": "x" * 256}, ["$.name"]),
        ({"name": "x", "type": "track"}, ["$.type"]),
        ({"name": "x", "timestamp": "2024-05-01T00:00:00Z"}, ["$.timestamp"]),
        ({"name": "x", "timestamp": 17.5}, ["$.timestamp"]),
        ({"name": "x", "context": {"ip": "2001:db8::1"}}, ["$.context.ip"]),
        ({"name": "x", "context": {"locale": "en_US"}}, ["$.context.locale"]),
        ({"name": "x", "context": {"locale": "en"}}, []),
        ({"name": "x", "context": {"page": {"url": "not a uri"}}}, ["$.context.page.url"]),
    ],
)
def test_r21_customerio_event_schema_as_written(payload, bad):
    assert errors(payload, spec="customerio-event") == bad


# ---------------------------------------------------------------- userpilot (22)
def up(kind, **fields):
    return {"event_type": kind, "source": "web-client", "inserted_at": "2024-07-28 08:55:35.874555", **fields}


@pytest.mark.parametrize(
    "payload,bad",
    [
        (up("identify_user", user_id="u", metadata={}), []),
        (up("identify_user", user_id="u"), ["$.metadata"]),
        (up("identify_user", metadata={}), ["$.user_id"]),
        (up("identify_company", company_id="c", metadata={}), []),
        (up("identify_company", metadata={}), ["$.company_id"]),
        (up("page_view", user_id="u", hostname="example.com", pathname="/"), []),
        (up("page_view", user_id="u"), ["$.hostname", "$.pathname"]),
        (up("track", user_id="u", event_name="clicked"), []),
        (up("track", user_id="u"), ["$.event_name"]),
        ({"event_type": "track", "user_id": "u", "event_name": "x"}, ["$.inserted_at", "$.source"]),
        (up("login", user_id="u"), ["$.event_type"]),
        ({"user_id": "u"}, ["$.event_type"]),
    ],
)
def test_r22_event_type_selects_required_fields(payload, bad):
    assert errors(payload, spec="userpilot") == bad


@pytest.mark.parametrize(
    "value,ok",
    [
        ("2024-07-28 08:55:35.874555", True),
        ("2024-12-01T08:55:43.220396", True),
        ("2024-12-01T08:55:43Z", True),
        ("2024-12-01T08:55:43+02:00", True),
        ("2024-07-28", False),
        ("28/07/2024 08:55", False),
        ("2024-13-01T08:55:43", False),
        (1722156935, False),
    ],
)
def test_r22_inserted_at(value, ok):
    payload = up("track", user_id="u", event_name="x", inserted_at=value)
    assert errors(payload, spec="userpilot") == ([] if ok else ["$.inserted_at"])


def test_r22_metadata_value_types_are_warnings():
    payload = up("identify_user", user_id="u", metadata={
        "name": "Ada", "logins": 28, "score": 9.5, "signed_up": "2023-11-01 14:35:36.173103",
        "admin": True, "tags": ["a"], "nothing": None, "nested": {"a": 1}})
    report = eventspec.validate(payload, spec="userpilot")
    assert report.ok
    assert [w.path for w in report.warnings] == [
        "$.metadata.admin", "$.metadata.nested", "$.metadata.nothing", "$.metadata.tags"]
    assert {w.category for w in report.warnings} == {"metadata-type"}


# ---------------------------------------------------------------- all families (23)
@pytest.mark.parametrize("spec", ["cdp", "customerio-event", "retainpixel", "userpilot"])
@pytest.mark.parametrize("payload", [None, [], [{"type": "track"}], "{\"type\": \"track\"}", b"{}", 42, 1.5, True])
def test_r23_non_objects_get_a_finding(spec, payload):
    report = eventspec.validate(payload, spec=spec)
    assert [(f.path, f.category) for f in report.errors] == [("$", "not-an-object")]


@pytest.mark.parametrize("spec", ["CDP", "segment", "", None, 3])
def test_r23_unknown_family_is_a_clear_value_error(spec):
    with pytest.raises(eventspec.UnknownFamily) as caught:
        eventspec.validate({}, spec=spec)
    assert isinstance(caught.value, ValueError)
    assert "cdp" in str(caught.value)


def test_r23_custom_events_are_valid_unless_strict():
    assert errors(track("Course Started", {"progress": 0})) == []
    assert warnings(track("Course Started")) == []
    report = eventspec.validate(track("Order Complete"), strict=True)
    assert [(f.path, f.category) for f in report.errors] == [("$.event", "unknown-event")]
    assert "Order Completed" in report.errors[0].message
    assert errors(rp(event="feature_used", user_id="u"), spec="retainpixel", strict=True) == ["$.event"]
    # strict mode does not turn a spec'd or near-miss name into an error
    assert errors(track("order_completed"), strict=True) == []


def test_r6_batch_level_nulls_mean_absent():
    assert errors({"batch": [{"type": "identify", "userId": "u"}], "context": None, "integrations": None, "sentAt": None}) == []


def test_r3_an_event_name_of_only_whitespace_is_an_error_and_a_warning():
    report = eventspec.validate({"type": "track", "userId": "u1", "event": "   "})
    assert [(f.path, f.category) for f in report.errors] == [("$.event", "pattern-mismatch")]
    assert [(f.path, f.category) for f in report.warnings] == [("$.event", "event-whitespace")]
    assert errors({"type": "track", "timestamp": "2026-03-10T12:00:00Z", "user_id": "u", "event": " "}, spec="retainpixel") == ["$.event"]


def test_r6_batch_level_context_applies_to_items():
    item = {"type": "track", "userId": "u1", "event": "Device Created or Updated", "properties": {}}
    assert errors({"batch": [item]}) == ["$.batch[0]"]
    assert errors({"batch": [item], "context": {"device": {"token": "fcm-1"}}}) == []
    # the item's own context wins, merged over the shared one
    own = {**item, "context": {"device": {"type": "ios"}}}
    assert errors({"batch": [own], "context": {"device": {"token": "fcm-1"}}}) == []
    # what is wrong in the shared context is reported once, at the batch level
    assert errors({"batch": [item], "context": {"device": {"token": "t"}, "ip": "x"}}) == ["$.context.ip"]


def test_r13_documented_wrong_names_warn_even_beside_the_right_ones():
    props = {"variation_id": "1", "variant_id": "1"}
    assert warnings(track("Experiment Viewed", props)) == ["$.properties.variant_id"]


def test_r17_retainpixel_timestamps_are_iso_8601():
    base = {"type": "track", "event": "x", "user_id": "u"}
    for good in ["2026-03-10T12:00:00Z", "2026-03-10T12:00:00", "2026-03-10T12:00:00.123+02:00", "2024-02-29T00:00:00Z"]:
        assert errors({**base, "timestamp": good}, spec="retainpixel") == [], good
    for bad in ["2026-03-10", "2026-03-10 12:00:00", "2026-02-30T12:00:00Z", "2023-02-29T00:00:00Z", "10/03/2026", 1773144000]:
        assert errors({**base, "timestamp": bad}, spec="retainpixel") == ["$.timestamp"], bad


def test_r22_inserted_at_is_a_real_date():
    payload = up("track", user_id="u", event_name="x")
    assert errors({**payload, "inserted_at": "2024-02-30 08:55:35"}, spec="userpilot") == ["$.inserted_at"]
    assert errors({**payload, "inserted_at": "2024-02-29 08:55:35"}, spec="userpilot") == []
    assert errors({**payload, "inserted_at": "1900-02-29 08:55:35"}, spec="userpilot") == ["$.inserted_at"]
    assert errors({**payload, "inserted_at": "2024-04-31T08:55:35"}, spec="userpilot") == ["$.inserted_at"]


def test_one_finding_per_problem_even_when_two_schema_files_say_it():
    report = eventspec.validate({"user_id": "u", "metadata": {}, "source": "s",
                                 "inserted_at": "2024-07-28 08:55:35"}, spec="userpilot", call="identify_user")
    assert [(f.path, f.category) for f in report.errors] == [("$.event_type", "required-missing")]


@pytest.mark.parametrize("call", [["track"], 3, ""])
def test_a_call_that_is_not_a_call_name_is_a_value_error(call):
    with pytest.raises(eventspec.UnknownCall):
        eventspec.validate({}, call=call)
