"""Tracking plans: load_plan, the catalog as a value, and plan findings."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

import eventspec
from eventspec import Catalog, PlanError, load_plan

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "plan"
SCRIPT = shutil.which("eventspec") or str(Path(sys.executable).parent / "eventspec")
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def track(event, properties=None, **extra):
    payload = {"type": "track", "userId": "u1", "event": event, **extra}
    if properties is not None:
        payload["properties"] = properties
    return payload


def event_file(name, properties, required=(), version="1-0-0", **more):
    return {
        "$schema": DRAFT,
        "title": name,
        "description": f"{name}, for a test.",
        "x-eventspec": {"call": "track", "event": name, "version": version, **more.pop("meta", {})},
        "type": "object",
        "properties": properties,
        "required": list(required),
        **more,
    }


def _deep(levels: int) -> dict:
    node: dict = {"type": "string"}
    for _ in range(levels):
        node = {"properties": {"x": node}}
    return node


def write_plan(root: Path, files: dict, **manifest) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "eventspec-plan.json").write_text(json.dumps({"name": "t", "spec": "cdp", **manifest}))
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return root


SIGNUP = {"events/signup/1.json": event_file("Signed Up", {"plan": {"enum": ["free", "pro"]}}, ["plan"])}


# ------------------------------------------------------------------ the example plan
@pytest.fixture(scope="module")
def example():
    return load_plan(EXAMPLE)


GOOD_EXAMPLES = [
    track("Course Started", {"course_name": "Intro to Data Pipelines", "courseId": "cdp101", "progress": 0,
                             "modules": [{"moduleId": "cdp101-1", "moduleName": "track calls", "started": False}]}),
    track("login", {"username": "cool.person", "session_started": 1683250025, "platform": "chrome", "login_page": ""}),
    track("logout", {"username": "cool.person", "session_ended": 1683361625, "logout_from": "session_expred"}),
    track("video_watched", {"video_name": "Cool New Video", "length": 1.56, "speed": 1.25, "finished": False}),
    track("module_started", {"moduleId": "cdp101-2", "courseId": "cdp101"}),
    {"type": "identify", "userId": "u1", "traits": {"email": "a@example.com", "plan": "pro"}},
    track("Order Completed", {"order_id": "o1", "total": 9.5}, context={"protocols": {}}),
]


@pytest.mark.parametrize("payload", GOOD_EXAMPLES, ids=lambda p: p.get("event", p["type"]))
def test_the_example_plans_events_validate(example, payload):
    report = example.validate(payload)
    assert report.ok, report
    if payload.get("event") in ("Course Started", "login"):
        assert report.event == payload["event"]
        assert report.schema_id.startswith("https://eventspec.dev/plans/learn/events/")


def test_the_guides_course_started_is_version_1(example):
    # the guide's payload has no course_name check beyond a string: version 1 takes it
    payload = track("Course Started", {"courseId": "cdp101"}, context={"protocols": {"event_version": 1}})
    assert example.validate(payload).ok
    newest = example.validate(track("Course Started", {"courseId": "cdp101"}))
    assert [f.path for f in newest.errors] == ["$.properties.course_name"]
    assert newest.errors[0].schema_id.endswith("/events/course-started/2.json")


def test_plan_errors_are_found_at_their_path(example):
    report = example.validate(track("login", {"username": "", "session_started": "now"}))
    assert {(f.path, f.category) for f in report.errors} == {
        ("$.properties.username", "length-out-of-range"),
        ("$.properties.session_started", "type-mismatch"),
    }
    with pytest.raises(eventspec.ConformanceError) as raised:
        example.check(track("login", {}))
    assert raised.value.report.errors[0].category == "required-missing"


def test_nested_refs_between_plan_files(example):
    report = example.validate(track("Course Started", {"courseId": "c", "course_name": "n", "modules": [{"moduleName": "m"}]}))
    assert [(f.path, f.category) for f in report.errors] == [("$.properties.modules[0].moduleId", "required-missing")]
    assert report.errors[0].schema_id == "https://eventspec.dev/plans/learn/properties/module.json"


def test_unplanned_events_and_properties_with_did_you_mean(example):
    typo = example.validate(track("Course Startd", {}))
    assert typo.ok and [f.category for f in typo.warnings] == ["unplanned-event"]
    assert "did you mean 'Course Started'?" in typo.warnings[0].message
    prop = example.validate(track("login", {"username": "a", "session_started": 1, "platfrom": "web"}))
    assert prop.ok and [(f.path, f.category) for f in prop.warnings] == [("$.properties.platfrom", "unplanned-property")]
    assert "did you mean 'platform'?" in prop.warnings[0].message
    # traits are allowed unplanned by the example's manifest
    assert not example.validate({"type": "identify", "userId": "u", "traits": {"age": 3}}).findings


def test_an_unplanned_near_miss_of_a_bundled_event_names_it(example):
    report = example.validate(track("Order Complted", {}))
    assert "did you mean 'Order Completed'?" in report.warnings[0].message


def test_an_unplanned_bundled_event_is_named_as_such_not_suggested_to_itself(tmp_path):
    plan = load_plan(write_plan(tmp_path / "p", SIGNUP))
    report = plan.validate(track("Product Viewed", {}))
    (warning,) = report.warnings
    assert warning.category == "unplanned-event"
    assert "did you mean" not in warning.message
    assert "'Product Viewed' is a cdp semantic event that the plan" in warning.message


def test_the_example_lists_and_shows_its_events(example):
    assert {"Course Started", "login", "logout", "video_watched", "module_started", "Order Completed"} <= set(example.events())
    assert example.schema(None, "login")["required"] == ["username", "session_started"]
    with pytest.raises(KeyError):
        example.schema(None, "nope")


# ------------------------------------------------------------------ manifest settings
@pytest.mark.parametrize("setting, severity", [("allow", None), ("warn", "warning"), ("error", "error")])
def test_unplanned_event_setting(tmp_path, setting, severity):
    plan = load_plan(write_plan(tmp_path / "p", SIGNUP, unplanned_events=setting))
    report = plan.validate(track("Something Else", {}))
    found = [f.severity for f in report.findings if f.category == "unplanned-event"]
    assert found == ([severity] if severity else [])


@pytest.mark.parametrize("setting, severity", [("allow", None), ("warn", "warning"), ("error", "error")])
def test_unplanned_property_setting_and_the_events_own(tmp_path, setting, severity):
    files = {**SIGNUP, "events/other/1.json": event_file("Other", {}, meta={"unplanned_properties": "error"})}
    plan = load_plan(write_plan(tmp_path / "p", files, unplanned_properties=setting))
    report = plan.validate(track("Signed Up", {"plan": "pro", "extra": 1}))
    assert [f.severity for f in report.findings if f.category == "unplanned-property"] == ([severity] if severity else [])
    other = plan.validate(track("Other", {"extra": 1}))
    assert [(f.path, f.severity) for f in other.errors] == [("$.properties.extra", "error")]


def test_unplanned_traits(tmp_path):
    traits = {"$schema": DRAFT, "type": "object", "properties": {"email": {"type": "string"}}}
    plan = load_plan(write_plan(tmp_path / "p", {"traits/identify.json": traits, "traits/group.json": traits},
                                unplanned_traits="error"))
    report = plan.validate({"type": "identify", "userId": "u", "traits": {"email": 3, "emial": "x"}})
    assert {(f.path, f.category) for f in report.errors} == {
        ("$.traits.email", "type-mismatch"), ("$.traits.emial", "unplanned-property")}
    group = plan.validate({"type": "group", "userId": "u", "groupId": "g", "traits": {"size": 3}})
    assert [(f.path, f.category) for f in group.errors] == [("$.traits.size", "unplanned-property")]


def test_a_closed_plan_object_reports_through_its_schema_only(tmp_path):
    files = {"events/a/1.json": event_file("A", {"x": {"type": "string"}}, additionalProperties=False)}
    plan = load_plan(write_plan(tmp_path / "p", files, unplanned_properties="error"))
    report = plan.validate(track("A", {"y": 1}))
    assert [(f.path, f.keyword, f.category) for f in report.errors] == [
        ("$.properties.y", "additionalProperties", "not-allowed")]


def test_strict_mode_makes_an_unplanned_custom_event_an_error(tmp_path):
    plan = load_plan(write_plan(tmp_path / "p", SIGNUP, unplanned_events="allow"))
    assert plan.validate(track("Nope", {})).ok
    strict = plan.validate(track("Nope", {}), strict=True)
    assert [f.category for f in strict.errors] == ["unplanned-event"]
    assert plan.validate(track("Signed Up", {"plan": "free"}), strict=True).ok  # planned: known in strict mode


# ------------------------------------------------------------------ versions
def test_versions_are_selected_by_event_version(tmp_path):
    files = {
        "events/signup/1.json": event_file("Signed Up", {"plan": {"type": "string"}}, ["plan"]),
        "events/signup/2.json": event_file("Signed Up", {"plan": {"enum": ["free", "pro"]}, "seats": {"type": "integer"}},
                                           ["plan", "seats"], version="2-0-0"),
    }
    plan = load_plan(write_plan(tmp_path / "p", files))
    old = {"plan": "legacy"}
    for asked in (1, "1", "1-0-0"):
        assert plan.validate(track("Signed Up", old, context={"protocols": {"event_version": asked}})).ok
    newest = plan.validate(track("Signed Up", old))
    assert {f.path for f in newest.errors} == {"$.properties.plan", "$.properties.seats"}
    unknown = plan.validate(track("Signed Up", {"plan": "pro", "seats": 2}, context={"protocols": {"event_version": 7}}))
    assert [(f.path, f.category) for f in unknown.errors] == [("$.context.protocols.event_version", "unknown-version")]
    assert "has no version 7" in unknown.errors[0].message


TWO_VERSIONS = {
    "events/signup/1.json": event_file("Signed Up", {"plan": {"type": "string"}}, ["plan"]),
    "events/signup/2.json": event_file("Signed Up", {"plan": {"enum": ["free", "pro"]}, "seats": {"type": "integer"}},
                                       ["plan", "seats"], version="2-0-0"),
}


@pytest.mark.parametrize("strict", [False, True])
def test_unversioned_oldest_checks_calls_without_a_version_against_the_oldest(tmp_path, strict):
    plan = load_plan(write_plan(tmp_path / "p", TWO_VERSIONS, unversioned="oldest"))
    old, new = {"plan": "legacy"}, {"plan": "pro", "seats": 2}
    first = plan.validate(track("Signed Up", old), strict=strict)
    assert first.ok and first.schema_id.endswith("/events/signup/1.json")  # the quick path's answer
    assert plan.validate(track("Signed Up", old), strict=strict) == first  # and again, remembered
    assert [f.path for f in plan.validate(track("Signed Up", {"plan": 3})).errors] == ["$.properties.plan"]
    # a version asked for is still the one checked
    asked = plan.validate(track("Signed Up", old, context={"protocols": {"event_version": 2}}))
    assert {f.path for f in asked.errors} == {"$.properties.plan", "$.properties.seats"}
    assert plan.validate(track("Signed Up", new, context={"protocols": {"event_version": 2}})).ok
    # an unknown version is checked against the oldest too, as Segment does
    unknown = plan.validate(track("Signed Up", old, context={"protocols": {"event_version": 9}}))
    assert [(f.category, f.schema_id.rsplit("/", 1)[1]) for f in unknown.findings] == [("unknown-version", "1.json")]
    assert unknown.errors[0].message.endswith("checked against the oldest")
    # newest, the default, said or not
    for manifest in ({}, {"unversioned": "newest"}):
        newest = load_plan(write_plan(tmp_path / str(len(manifest)), TWO_VERSIONS, **manifest))
        assert not newest.validate(track("Signed Up", old)).ok
        assert newest.validate(track("Signed Up", new)).schema_id.endswith("/events/signup/2.json")


def test_unknown_version_severity_follows_the_manifest(tmp_path):
    plan = load_plan(write_plan(tmp_path / "p", SIGNUP, unknown_version="warn"))
    report = plan.validate(track("Signed Up", {"plan": "pro"}, context={"protocols": {"event_version": 3}}))
    assert report.ok and [f.category for f in report.warnings] == ["unknown-version"]


# ------------------------------------------------------------------ extending the bundle
def test_a_plan_makes_a_bundled_event_stricter_never_looser(tmp_path):
    files = {"events/order-completed/1.json": event_file(
        "Order Completed", {"coupon": {"type": "string"}, "total": {"type": ["number", "string"]}}, ["coupon"])}
    plan = load_plan(write_plan(tmp_path / "p", files, unplanned_properties="error"))
    report = plan.validate(track("Order Completed", {"total": "9.50", "currency": "USD"}))
    # the bundled spec still rejects a string total; the plan adds its required coupon
    assert {(f.path, f.category) for f in report.errors} == {
        ("$.properties.total", "type-mismatch"), ("$.properties.coupon", "required-missing")}
    # the bundled event's own properties are not unplanned
    assert plan.validate(track("Order Completed", {"total": 9.5, "currency": "USD", "coupon": "X"})).ok


def test_a_plan_refs_bundled_schemas_by_their_id(tmp_path):
    product = {"$ref": "https://eventspec.dev/schemas/v1/cdp/common/product.json"}
    files = {"events/a/1.json": event_file("Gift Sent", {"gift": product}, ["gift"])}
    plan = load_plan(write_plan(tmp_path / "p", files))
    assert plan.validate(track("Gift Sent", {"gift": {"product_id": "p1", "price": 3}})).ok
    report = plan.validate(track("Gift Sent", {"gift": {"price": "3"}}))
    assert [(f.path, f.category) for f in report.errors] == [("$.properties.gift.price", "type-mismatch")]


def test_a_draft_07_plan_file_is_read_as_draft_07(tmp_path):
    # in draft-07 an array of items is a tuple; 2020-12 would refuse the schema
    schema = event_file("Pair", {"pair": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}})
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    plan = load_plan(write_plan(tmp_path / "p", {"events/pair/1.json": schema}))
    assert plan.validate(track("Pair", {"pair": ["a", 1]})).ok
    assert [f.path for f in plan.validate(track("Pair", {"pair": [1, "a"]})).errors] == [
        "$.properties.pair[0]", "$.properties.pair[1]"]


def test_batches_are_checked_item_by_item(example):
    batch = {"batch": [track("login", {"username": "a"}), track("Course Started", {"courseId": "c", "course_name": "x"})]}
    report = example.validate(batch)
    assert [(f.path, f.category) for f in report.errors] == [("$.batch[0].properties.session_started", "required-missing")]


def test_other_families_are_checked_as_bundled(example):
    payload = {"type": "track", "event": "x", "anonymous_id": "a", "user_id": "u"}
    assert example.validate(payload, spec="retainpixel") == eventspec.validate(payload, spec="retainpixel")


# ------------------------------------------------------------------ common.json
COMMON_RULE = {
    "$schema": DRAFT,
    "description": "Every call comes from a known client, never from a bot.",
    "type": "object",
    "properties": {
        "context": {"type": "object", "properties": {"userAgent": {"type": "string", "not": {"pattern": "bot"}}},
                    "required": ["userAgent"]},
    },
    "required": ["context"],
}
BROWSER = {"userAgent": "Mozilla/5.0"}
COMMON_ID = "https://eventspec.dev/plans/t/common.json"


def test_common_json_checks_the_whole_message_of_every_call(tmp_path):
    plan = load_plan(write_plan(tmp_path / "p", {**SIGNUP, "common.json": COMMON_RULE}))
    assert plan.plan.common == COMMON_ID
    assert plan.plan.common_calls == {"track", "page", "screen", "identify", "group", "alias"}
    assert plan.validate(track("Signed Up", {"plan": "pro"}, context=BROWSER)).ok
    bot = plan.validate(track("Signed Up", {"plan": "pro"}, context={"userAgent": "Googlebot/2.1"}))
    assert [(f.path, f.category, f.severity, f.schema_id) for f in bot.findings] == [
        ("$.context.userAgent", "not-allowed", "error", COMMON_ID)]
    # the event's file still names the report; the common rule names its own findings
    assert bot.schema_id.endswith("/events/signup/1.json")
    both = plan.validate(track("Signed Up", {"plan": "gold"}))
    assert [(f.path, f.category, f.schema_id.rsplit("/", 1)[1]) for f in both.errors] == [
        ("$.context", "required-missing", "common.json"), ("$.properties.plan", "enum-mismatch", "1.json")]
    calls = [{"type": "identify", "userId": "u1"}, {"type": "page", "userId": "u1", "name": "Home"},
             {"type": "screen", "userId": "u1", "name": "Home"}, {"type": "alias", "userId": "u1", "previousId": "a"},
             {"type": "group", "userId": "u1", "groupId": "g"}, track("Not Planned", {})]
    for call in calls:
        assert [(f.path, f.schema_id) for f in plan.validate(call).errors] == [("$.context", COMMON_ID)], call
        assert plan.validate({**call, "context": BROWSER}).ok, call
    with pytest.raises(eventspec.ConformanceError):
        plan.check(track("Signed Up", {"plan": "pro"}, context={"userAgent": "bot"}))


def test_common_json_in_draft_07(tmp_path):
    rule = {**COMMON_RULE, "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"agent": {"type": "string", "maxLength": 10}},
            "properties": {"context": {"properties": {"userAgent": {"$ref": "#/definitions/agent", "minLength": 99}}}}}
    plan = load_plan(write_plan(tmp_path / "p", {**SIGNUP, "common.json": rule}))
    # before 2019-09 a $ref's siblings are ignored: minLength 99 does not count
    assert plan.validate(track("Signed Up", {"plan": "pro"}, context={"userAgent": "curl"})).ok
    long = plan.validate(track("Signed Up", {"plan": "pro"}, context={"userAgent": "x" * 11}))
    assert [(f.path, f.category) for f in long.errors] == [("$.context.userAgent", "length-out-of-range")]


def test_common_json_applies_to_the_calls_it_names(tmp_path):
    rule = {**COMMON_RULE, "x-eventspec": {"calls": ["track", "identify"]}}
    plan = load_plan(write_plan(tmp_path / "p", {**SIGNUP, "common.json": rule}))
    assert plan.plan.common_calls == {"track", "identify"}
    assert not plan.validate(track("Signed Up", {"plan": "pro"})).ok
    assert not plan.validate({"type": "identify", "userId": "u1"}).ok
    for call in ({"type": "page", "userId": "u1"}, {"type": "group", "userId": "u1", "groupId": "g"},
                 {"type": "alias", "userId": "u1", "previousId": "a"}):
        assert plan.validate(call).ok, call


def test_common_json_checks_each_item_of_a_batch_as_its_own_call(tmp_path):
    plan = load_plan(write_plan(tmp_path / "p", {**SIGNUP, "common.json": COMMON_RULE}))
    batch = {"batch": [track("Signed Up", {"plan": "pro"}, context=BROWSER),
                       track("Signed Up", {"plan": "pro"}, context={"userAgent": "a bot"}),
                       {"type": "identify", "userId": "u1"}]}
    report = plan.validate(batch)
    assert [(f.path, f.category, f.schema_id) for f in report.errors] == [
        ("$.batch[1].context.userAgent", "not-allowed", COMMON_ID), ("$.batch[2].context", "required-missing", COMMON_ID)]
    # the batch's own context supplies what an item's lacks, as for the bundled checks
    shared = plan.validate({**batch, "context": BROWSER})
    assert [f.path for f in shared.errors] == ["$.batch[1].context.userAgent"]
    assert report.schema_id is not None and not report.schema_id.endswith("common.json")


def test_what_common_json_declares_in_properties_is_planned_for_every_event(tmp_path):
    rule = {"properties": {"properties": {"properties": {"app_version": {"type": "string", "pattern": "^[0-9]"}}}},
            "x-eventspec": {"calls": ["track", "page"]}}
    traits = {"$schema": DRAFT, "type": "object", "properties": {"email": {"type": "string"}}}
    files = {**SIGNUP, "common.json": rule, "traits/identify.json": traits}
    plan = load_plan(write_plan(tmp_path / "p", files, unplanned_properties="error", unplanned_traits="error"))
    assert plan.validate(track("Signed Up", {"plan": "pro", "app_version": "2.1"})).ok
    bad = plan.validate(track("Signed Up", {"plan": "pro", "app_version": "latest"}))
    assert [(f.path, f.category, f.schema_id) for f in bad.errors] == [("$.properties.app_version", "pattern-mismatch", COMMON_ID)]
    # identify is not a call the rule applies to: there the key is an unplanned trait
    found = plan.validate({"type": "identify", "userId": "u1", "traits": {"app_version": "2.1"}})
    assert [(f.path, f.category) for f in found.errors] == [("$.traits.app_version", "unplanned-property")]


def test_a_plan_without_common_json_has_the_plain_quick_path(example, tmp_path):
    from eventspec import _plan

    example.validate(GOOD_EXAMPLES[0])
    assert type(example._state.quick[_plan._PLAN_QUICK]) is _plan._QuickPlan
    plan = load_plan(write_plan(tmp_path / "p", {**SIGNUP, "common.json": COMMON_RULE}))
    plan.validate(track("Signed Up", {"plan": "pro"}, context=BROWSER))
    quick = plan._state.quick[_plan._PLAN_QUICK]
    assert isinstance(quick, _plan._QuickCommon)
    assert quick(track("Signed Up", {"plan": "pro"}, context=BROWSER), False) is not None
    assert quick(track("Signed Up", {"plan": "pro"}, context={"userAgent": "bot"}), False) is None


def test_check_with_a_plan_with_common_json(tmp_path):
    root = write_plan(tmp_path / "p", {**SIGNUP, "common.json": COMMON_RULE})
    listed = run("list", "--plan", str(root))
    assert b"  common (alias, group, identify, page, screen, track): Every call comes from a known client" in listed.stdout
    lines = [track("Signed Up", {"plan": "pro"}, context=BROWSER),
             track("Signed Up", {"plan": "pro"}, context={"userAgent": "Googlebot"}),
             {"batch": [track("Signed Up", {"plan": "pro"})]}]
    (tmp_path / "events.ndjson").write_text("".join(json.dumps(p) + "\n" for p in lines))
    result = run("check", "--plan", str(root), "--format", "json", str(tmp_path / "events.ndjson"))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = [(f["path"], f["category"], f["schema_id"]) for r in report["results"] for f in r["errors"]]
    assert found == [("$.context.userAgent", "not-allowed", COMMON_ID), ("$.batch[0].context", "required-missing", COMMON_ID)]


# ------------------------------------------------------------------ bad plans
@pytest.mark.parametrize(
    "files, manifest, where, problem",
    [
        ({}, {"name": "a b"}, "eventspec-plan.json#/name", "needs a name"),
        ({}, {"spec": "nope"}, "eventspec-plan.json#/spec", "not a bundled family"),
        ({}, {"spec": "userpilot"}, "eventspec-plan.json#/spec", "names no events"),
        ({}, {"unplanned_events": "maybe"}, "eventspec-plan.json#/unplanned_events", "expected one of"),
        ({}, {"colour": 1}, "eventspec-plan.json#/colour", "unknown setting"),
        ({"events/a/1.json": event_file("A", {"x": {"type": "string", "minLength": 2.5}})}, {},
         "events/a/1.json#/properties/x/minLength", "not a valid schema"),
        ({"events/a/1.json": event_file("A", {"x": {"$ref": "../../properties/missing.json"}})}, {},
         "events/a/1.json#/properties/x/$ref", "resolves to no schema"),
        ({"events/a/1.json": event_file("A", {}), "events/a/3.json": event_file("A", {}, version="3-0-0")}, {},
         "events", "start at 1 with no gaps"),
        ({"events/a/1.json": event_file("A", {}, version="2-0-0")}, {}, "events/a/1.json#/x-eventspec/version",
         "is in the file for MODEL 1"),
        ({"events/a/1.json": {**event_file("A", {}), "$schema": "https://example.com/mine"}}, {},
         "events/a/1.json#/$schema", "unknown $schema"),
        ({"events/a/1.json": "{not json"}, {}, "events/a/1.json", "not JSON"),
        ({"events/a/1.json": "[" * 100_000 + "]" * 100_000}, {}, "events/a/1.json", "nested too deeply"),
        ({"properties/deep.json": {"$schema": DRAFT, **{"not": {}}} | _deep(400)}, {}, "properties/deep.json",
         "nested more than 100 levels"),
        ({"events/a/1.json": event_file("A", {"x": {"type": "string", "pattern": "a("}})}, {},
         "events/a/1.json#/properties/x/pattern", "not a valid schema"),
        ({"events/a/1.json": {"type": "object"}}, {}, "events/a/1.json#/x-eventspec", "needs x-eventspec"),
        ({"events/a/1.json": event_file("A", {}, meta={"call": "alias"})}, {}, "events/a/1.json#/x-eventspec/call",
         "expected a call"),
        ({"traits/person.json": {"type": "object"}}, {}, "traits/person.json", "traits/identify.json"),
        ({}, {"unversioned": "first"}, "eventspec-plan.json#/unversioned", "expected newest or oldest"),
        ({"common.json": {"properties": {"context": {"required": "userAgent"}}}}, {},
         "common.json#/properties/context/required", "not a valid schema"),
        ({"common.json": {"properties": {"context": {"$ref": "properties/missing.json"}}}}, {},
         "common.json#/properties/context/$ref", "resolves to no schema"),
        ({"common.json": "[1, 2]"}, {}, "common.json", "must hold a JSON object"),
        ({"common.json": {"x-eventspec": {"calls": ["track", "batch"]}}}, {}, "common.json#/x-eventspec/calls",
         "distinct calls of cdp"),
        ({"common.json": {"x-eventspec": {"calls": []}}}, {}, "common.json#/x-eventspec/calls", "distinct calls"),
        ({"common.json": {"x-eventspec": "track"}}, {}, "common.json#/x-eventspec", "must be an object"),
    ],
)
def test_a_bad_plan_is_a_plan_error_naming_file_and_pointer(tmp_path, files, manifest, where, problem):
    root = write_plan(tmp_path / "p", files, **manifest)
    with pytest.raises(PlanError) as raised:
        load_plan(root)
    assert str(raised.value).startswith(str(root / where)), str(raised.value)
    assert problem in raised.value.problem
    assert isinstance(raised.value, ValueError)


def test_a_folder_without_a_manifest_is_a_plan_error(tmp_path):
    with pytest.raises(PlanError, match="eventspec-plan.json is missing"):
        load_plan(tmp_path)


# ------------------------------------------------------------------ the catalog as a value
def test_the_bundled_catalog_is_a_value_and_validate_uses_it():
    assert isinstance(eventspec.BUNDLED, Catalog) and eventspec.BUNDLED.plan is None
    payload = track("Order Completed", {"total": "x"})
    assert eventspec.BUNDLED.validate(payload) == eventspec.validate(payload)
    assert isinstance(eventspec.BUNDLED.documents, MappingProxyType)
    with pytest.raises(TypeError):
        eventspec.BUNDLED.documents["x"] = {}  # type: ignore[index]


def test_two_plans_in_one_process_do_not_see_each_others_events(tmp_path):
    one = load_plan(write_plan(tmp_path / "one", SIGNUP, unplanned_events="error"))
    files = {"events/signup/1.json": event_file("Logged In", {"via": {"type": "string"}}, ["via"])}
    two = load_plan(write_plan(tmp_path / "two", files, unplanned_events="error"))
    assert one.validate(track("Signed Up", {"plan": "pro"})).ok
    assert not two.validate(track("Signed Up", {"plan": "pro"})).ok
    assert two.validate(track("Logged In", {"via": "web"})).ok
    assert not one.validate(track("Logged In", {"via": "web"})).ok
    assert "Logged In" not in eventspec.BUNDLED.events() and "Signed Up" not in one.events() or True
    assert "Logged In" not in one.events() and "Signed Up" not in two.events()
    assert one != two and one == load_plan(tmp_path / "one")


def test_a_pickled_plan_is_small_and_validates_the_same_in_a_fresh_process(example, tmp_path):
    data = pickle.dumps(example)
    assert len(data) < 20_000
    payloads = [*GOOD_EXAMPLES, track("login", {"username": ""}), track("Course Startd", {}),
                track("Course Started", {"courseId": "c", "modules": [{}]})]
    expected = [example.validate(p).to_dict() for p in payloads]
    (tmp_path / "catalog.pickle").write_bytes(data)
    (tmp_path / "payloads.json").write_text(json.dumps(payloads))
    code = (
        "import json, pickle, sys\n"
        f"catalog = pickle.loads(open({str(tmp_path / 'catalog.pickle')!r}, 'rb').read())\n"
        f"payloads = json.load(open({str(tmp_path / 'payloads.json')!r}))\n"
        "print(json.dumps([catalog.validate(p).to_dict() for p in payloads]))\n"
        "assert 'eventspec._plan' in sys.modules\n"
    )
    # a fresh process in another folder: the plan comes from the pickle, not from disk
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == expected
    assert any(f["schema_id"].startswith("https://eventspec.dev/plans/learn/")
               for report in expected for f in report["errors"])


def test_the_bundled_catalog_pickles_as_itself():
    assert pickle.loads(pickle.dumps(eventspec.BUNDLED)) is eventspec.BUNDLED


# ------------------------------------------------------------------ the command
def run(*args):
    return subprocess.run([SCRIPT, *args], capture_output=True, timeout=300, cwd=ROOT)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_with_a_plan(tmp_path, jobs):
    lines = [track("login", {"username": "a", "session_started": 1}), track("login", {"username": "a"}),
             track("logn", {})]
    (tmp_path / "events.ndjson").write_text("".join(json.dumps(p) + "\n" for p in lines))
    result = run("check", "--plan", str(EXAMPLE), "--format", "json", "--jobs", jobs, str(tmp_path / "events.ndjson"))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = [(f["path"], f["category"]) for r in report["results"] for f in r["errors"] + r["warnings"]]
    assert found == [("$.properties.session_started", "required-missing"), ("$.event", "unplanned-event")]


def test_check_with_a_bad_plan_is_a_usage_error(tmp_path):
    result = run("check", "--plan", str(tmp_path), str(EXAMPLE.parent / "order-completed.json"))
    assert result.returncode == 2 and b"eventspec-plan.json is missing" in result.stderr


def test_list_and_show_a_plan():
    listed = run("list", "--plan", str(EXAMPLE))
    assert listed.returncode == 0 and b"track 'Course Started' (version 1, 2)" in listed.stdout
    shown = run("show", "--plan", str(EXAMPLE), "Course Started")
    assert shown.returncode == 0
    assert b"modules[].moduleId" in shown.stdout and b"events/course-started/2.json" in shown.stdout


def test_checking_the_examples_folder_skips_the_plan_inside_it():
    result = run("check", "--format", "json", "examples/")
    sources = {r["source"] for r in json.loads(result.stdout)["results"]}
    assert not any("plan" in s for s in sources) and sources


# ------------------------------------------------------------------ the pytest plugin
def test_the_plugin_checks_fixture_folders_and_assert_conforms_against_the_ini_plan(pytester):
    pytester.makeini(f"[pytest]\neventspec_fixtures = events\neventspec_plan = {EXAMPLE}\n")
    events = pytester.mkdir("events")
    lines = [track("login", {"username": "a", "session_started": 1}), track("login", {"username": "a"})]
    (events / "log.ndjson").write_text("".join(json.dumps(p) + "\n" for p in lines))
    pytester.makepyfile(f"""
        def test_default_plan(assert_conforms):
            assert_conforms({track("logout", {"username": "a", "session_ended": 2})!r})

        def test_default_plan_finds(assert_conforms):
            assert_conforms({track("logout", {"username": "a"})!r})

        def test_named_plan(assert_conforms):
            from eventspec.pytest_plugin import assert_conforms as plain
            plain({track("video_watched", {})!r}, plan={str(EXAMPLE)!r})
    """)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines_random([
        "events/log.ndjson::line[[]1[]] PASSED*",
        "events/log.ndjson::line[[]2[]] FAILED*",
        "*$.properties.session_started: 'session_started' is required but missing*",
        "*$.properties.session_ended: 'session_ended' is required but missing*",
        "*$.properties.video_name: 'video_name' is required but missing*",
    ])


def test_the_plugin_reports_a_bad_ini_plan_as_a_usage_error(pytester, tmp_path):
    pytester.makeini(f"[pytest]\neventspec_plan = {tmp_path}\n")
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*eventspec_plan = *eventspec-plan.json is missing*"])


# ------------------------------------------------------------------ the quick path
def _pool():
    """Plan payloads and small changes of each: what the quick path must answer exactly as
    the full path does (or leave to it)."""
    import copy

    found = []
    for payload in GOOD_EXAMPLES:
        found.append(payload)
        for key in ("properties", "traits"):
            inner = payload.get(key)
            if not isinstance(inner, dict):
                continue
            for name in list(inner) + ["unplanned_key", "courseid"]:
                for value in (None, "x", 3, 1.5, [], {}, True):
                    changed = copy.deepcopy(payload)
                    changed[key][name] = value
                    found.append(changed)
                dropped = copy.deepcopy(payload)
                dropped[key].pop(name, None)
                found.append(dropped)
            found.append({**payload, key: None})
            found.append({**payload, key: "not an object"})
        for version in (1, 2, "2-0-0", 9, None):
            found.append({**payload, "context": {"protocols": {"event_version": version}}})
        for name in ("Login", "login ", "Course Startd", "Order Completed", "order completed", 3, None):
            found.append({**payload, "event": name})
    return found


@pytest.fixture(scope="module")
def with_common(tmp_path_factory):
    """The example plan with a common.json (for track and identify only), whose calls
    without a version are checked against the oldest."""
    root = tmp_path_factory.mktemp("common") / "plan"
    shutil.copytree(EXAMPLE, root)
    manifest = json.loads((root / "eventspec-plan.json").read_text())
    (root / "eventspec-plan.json").write_text(json.dumps({**manifest, "unversioned": "oldest"}))
    rule = {**COMMON_RULE, "required": [], "x-eventspec": {"calls": ["track", "identify"]}}
    rule["properties"] = {**rule["properties"], "properties": {"properties": {"app_build": {"type": "integer"}}}}
    (root / "common.json").write_text(json.dumps(rule))
    return load_plan(root)


def _common_pool():
    found = []
    for payload in _pool()[::7]:
        if isinstance(payload, dict):
            for context in (BROWSER, {"userAgent": "bot"}, {"userAgent": 3}, "x", {}):
                found.append({**payload, "context": context})
            if isinstance(payload.get("properties"), dict):
                for build in (3, "3"):
                    found.append({**payload, "properties": {**payload["properties"], "app_build": build}})
    found += [{"type": "page", "userId": "u1", "name": "x", "context": {"userAgent": "bot"}},
              {"type": "alias", "userId": "u1", "previousId": "a", "context": {"userAgent": "bot"}}]
    return found


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("which", ["example", "with_common"])
def test_the_plans_quick_path_gives_the_full_paths_report(request, which, strict):
    from eventspec import _plan

    example = request.getfixturevalue(which)
    full = _plan._build(example.plan.root, example.plan.files)
    full._state.quick[_plan._PLAN_QUICK] = lambda payload, strict: None  # always the full path
    differ = []
    pool = _pool() if which == "example" else _pool() + _common_pool()
    for payload in pool:
        for _ in range(2):  # the second time, from what the quick path remembered
            quick, slow = example.validate(payload, strict=strict), full.validate(payload, strict=strict)
            if quick != slow:
                differ.append(f"{payload!r:.200}\n  quick {quick}\n  full  {slow}")
    assert differ == []


def test_the_plans_quick_path_answers_the_plain_valid_payloads(example):
    from eventspec import _plan

    example.validate(GOOD_EXAMPLES[0])
    quick = example._state.quick[_plan._PLAN_QUICK]
    clean = [p for p in GOOD_EXAMPLES if not example.validate(p).findings]
    assert len(clean) == 6 and all(quick(p, False) is not None for p in clean)


def test_a_plan_file_naming_its_own_id_is_known_by_it_and_by_its_place(tmp_path):
    shared = {"$schema": DRAFT, "$id": "https://example.com/shop/money.json", "type": "number",
              "minimum": 0, "$defs": {"code": {"$id": "code.json", "type": "string", "minLength": 3}}}
    files = {
        "properties/money.json": shared,
        "events/a/1.json": event_file("Paid", {"amount": {"$ref": "../../properties/money.json"},
                                               "currency": {"$ref": "https://example.com/shop/code.json"}}),
    }
    plan = load_plan(write_plan(tmp_path / "p", files))
    assert plan.validate(track("Paid", {"amount": 3, "currency": "EUR"})).ok
    report = plan.validate(track("Paid", {"amount": -1, "currency": "E"}))
    assert [(f.path, f.schema_id) for f in report.errors] == [
        ("$.properties.amount", "https://example.com/shop/money.json"),
        ("$.properties.currency", "https://example.com/shop/money.json"),
    ]
    taken = {**files, "properties/again.json": {**shared, "$defs": {}}}
    with pytest.raises(PlanError, match="is taken by another schema"):
        load_plan(write_plan(tmp_path / "q", taken))


def test_properties_declared_in_branches_are_planned(tmp_path):
    schema = event_file("Paid", {"amount": {"type": "number"}})
    schema["oneOf"] = [{"properties": {"card": {"type": "string"}}, "required": ["card"]},
                       {"properties": {"iban": {"type": "string"}}, "required": ["iban"]}]
    schema["if"] = {"properties": {"amount": {"minimum": 1000}}}
    schema["then"] = {"properties": {"approval": {"type": "string"}}}
    plan = load_plan(write_plan(tmp_path / "p", {"events/paid/1.json": schema}, unplanned_properties="error"))
    assert plan.validate(track("Paid", {"amount": 5, "card": "x"})).ok
    assert plan.validate(track("Paid", {"amount": 5000, "iban": "x", "approval": "y"})).ok
    report = plan.validate(track("Paid", {"amount": 5, "card": "x", "tip": 1}))
    assert [(f.path, f.category) for f in report.errors] == [("$.properties.tip", "unplanned-property")]
