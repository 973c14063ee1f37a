"""eventspec diff: every change kind, with payloads that prove its bump.

For each case, diff must report exactly the expected kinds, and a validator must agree
with the bump they claim:

- MODEL or REVISION for a backward break: a payload that passes the old schema fails
  the new one (for REVISION, through a key the old schema left undeclared);
- MODEL for a forward break (a type widened, a required property removed): a payload
  passes the new schema and fails the old one, and no candidate passes old, fails new;
- ADDITION and NONE: no candidate passes old and fails new.

Verdicts come from jsonschema on the event schema, and again from `load_plan` on
plan folders holding the two versions, as a track call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import validator_for
from planhelp import event, run, track, write_plan

import eventspec
from eventspec._diff import CHANGES, ORDER, compare, diff
from eventspec._planfiles import read_plan

S = {"type": "string"}
I = {"type": "integer"}  # noqa: E741


def obj(properties: dict[str, Any], **keywords: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, **keywords}


def prop(**node: Any) -> dict[str, Any]:
    return obj({"a": node})


@dataclass
class Case:
    kinds: set[str]
    old: dict[str, Any]
    new: dict[str, Any]
    backward: dict[str, Any] | None = None  # passes old, fails new
    forward: dict[str, Any] | None = None  # passes new, fails old
    candidates: list[dict[str, Any]] = field(default_factory=list)  # none may pass old and fail new


_ANY = [{}, {"a": "x"}, {"a": 1}, {"a": 1.5}, {"a": None}, {"a": [1, 1]}, {"a": {}}, {"b": "x"}, {"b": 1}, {"z": 1},
        {"a": "2024-01-01T00:00:00Z"}, {"a": "yesterday"}, {"a": "y"}, {"a": 7}, {"a": 2}]

CASES: dict[str, Case] = {
    "property-required-added": Case({"property-required-added"}, obj({"a": S}), obj({"a": S, "b": S}, required=["b"]), {"a": "x"}),
    "property-made-required": Case({"property-made-required"}, obj({"a": S}), obj({"a": S}, required=["a"]), {}),
    "type-changed/narrowed": Case({"type-changed"}, prop(type=["string", "null"]), prop(type="string"), {"a": None}),
    "type-changed/changed": Case({"type-changed"}, prop(type="string"), prop(type="integer"), {"a": "x"}),
    "type-changed/widened": Case({"type-changed"}, prop(type="integer"), prop(type="number"), None, {"a": 1.5}, _ANY),
    "type-changed/added": Case({"type-changed"}, prop(description="a"), prop(description="a", type="string"), {"a": 1}),
    "enum-value-removed": Case({"enum-value-removed"}, prop(enum=["x", "y"]), prop(enum=["x"]), {"a": "y"}),
    "enum-value-removed/enum-added": Case({"enum-value-removed"}, prop(type="string"), prop(type="string", enum=["x"]), {"a": "y"}),
    "enum-value-removed/const": Case({"enum-value-removed"}, prop(type="string"), prop(type="string", const="x"), {"a": "y"}),
    "pattern-tightened": Case({"pattern-tightened"}, prop(type="string"), prop(type="string", pattern="^a"), {"a": "y"}),
    "pattern-tightened/changed": Case({"pattern-tightened"}, prop(type="string", pattern="^a"), prop(type="string", pattern="^ab"), {"a": "ac"}),
    "format-tightened": Case({"format-tightened"}, prop(type="string"), prop(type="string", format="date-time"), {"a": "yesterday"}),
    "bound-tightened/minimum": Case({"bound-tightened"}, prop(type="integer", minimum=0), prop(type="integer", minimum=1), {"a": 0}),
    "bound-tightened/exclusive": Case({"bound-tightened"}, prop(type="integer", minimum=1), prop(type="integer", exclusiveMinimum=1), {"a": 1}),
    "bound-tightened/maximum-added": Case({"bound-tightened"}, prop(type="integer"), prop(type="integer", maximum=5), {"a": 7}),
    "bound-tightened/maxLength": Case({"bound-tightened"}, prop(type="string", maxLength=5), prop(type="string", maxLength=3), {"a": "abcd"}),
    "bound-tightened/maxItems": Case({"bound-tightened"}, prop(type="array", maxItems=3), prop(type="array", maxItems=1), {"a": [1, 2]}),
    "bound-tightened/uniqueItems": Case({"bound-tightened"}, prop(type="array"), prop(type="array", uniqueItems=True), {"a": [1, 1]}),
    "bound-tightened/multipleOf": Case({"bound-tightened"}, prop(type="integer", multipleOf=2), prop(type="integer", multipleOf=4), {"a": 2}),
    "bound-tightened/items": Case({"bound-tightened"}, prop(type="array"), prop(type="array", items=I), {"a": ["x"]}),
    "bound-tightened/nested": Case({"bound-tightened"}, prop(type="array", items=obj({"n": I})),
                                   prop(type="array", items=obj({"n": {"type": "integer", "maximum": 9}})), {"a": [{"n": 10}]}),
    "object-closed": Case({"object-closed"}, obj({"a": S}), obj({"a": S}, additionalProperties=False), {"z": 1}),
    "object-closed/constrained": Case({"object-closed"}, obj({"a": S}), obj({"a": S}, additionalProperties=S), {"z": 1}),
    "property-removed-closed": Case({"property-removed-closed"}, obj({"a": S, "b": S}, additionalProperties=False),
                                    obj({"a": S}, additionalProperties=False), {"b": "x"}),
    "property-removed-closed/renamed": Case({"property-removed-closed", "property-added-closed"},
                                            obj({"a": S, "b": S}, additionalProperties=False),
                                            obj({"a": S, "c": S}, additionalProperties=False), {"b": "x"}),
    "required-property-removed": Case({"required-property-removed"}, obj({"a": S, "b": S}, required=["b"]), obj({"a": S}),
                                      None, {}, _ANY),
    "constraint-changed": Case({"constraint-changed"}, obj({"a": S}, anyOf=[{"required": ["a"]}, {"required": ["b"]}]),
                               obj({"a": S}, anyOf=[{"required": ["a"]}]), {"b": 1}),
    "constraint-changed/declared-in-a-branch": Case({"constraint-changed"},
                                                    obj({"a": S}, allOf=[{"properties": {"p": I}}], unevaluatedProperties=False),
                                                    obj({"a": S, "p": S}, allOf=[{"properties": {"p": I}}], unevaluatedProperties=False),
                                                    {"p": 1}),
    "constraint-changed/unevaluated": Case({"constraint-changed"},
                                           obj({"a": S}, allOf=[{"properties": {"p": I}}], unevaluatedProperties=False),
                                           obj({"a": S}, unevaluatedProperties=False), {"p": 1}),
    "constraint-changed/not": Case({"constraint-changed"}, obj({"a": S}), obj({"a": S}, **{"not": {"required": ["z"]}}), {"z": 1}),
    "property-added-open": Case({"property-added-open"}, obj({"a": S}), obj({"a": S, "b": I}), {"b": "x"}),
    "property-added-closed": Case({"property-added-closed"}, obj({"a": S}, additionalProperties=False),
                                  obj({"a": S, "b": I}, additionalProperties=False), None, {"b": 1}, _ANY),
    "property-added-any": Case({"property-added-any"}, obj({"a": S}), obj({"a": S, "b": {"description": "anything"}}), None, None, _ANY),
    "property-removed-open": Case({"property-removed-open"}, obj({"a": S, "b": I}), obj({"a": S}), None, {"b": "x"}, _ANY),
    "property-made-optional": Case({"property-made-optional"}, obj({"a": S}, required=["a"]), obj({"a": S}), None, {}, _ANY),
    "enum-value-added": Case({"enum-value-added"}, prop(enum=["x"]), prop(enum=["x", "y"]), None, {"a": "y"}, _ANY),
    "enum-value-added/enum-removed": Case({"enum-value-added"}, prop(type="string", enum=["x"]), prop(type="string"), None, {"a": "y"}, _ANY),
    "pattern-removed": Case({"pattern-removed"}, prop(type="string", pattern="^a"), prop(type="string"), None, {"a": "y"}, _ANY),
    "format-removed": Case({"format-removed"}, prop(type="string", format="date-time"), prop(type="string"), None, {"a": "yesterday"}, _ANY),
    "bound-loosened": Case({"bound-loosened"}, prop(type="integer", maximum=5), prop(type="integer", maximum=10), None, {"a": 7}, _ANY),
    "bound-loosened/multipleOf": Case({"bound-loosened"}, prop(type="integer", multipleOf=4), prop(type="integer", multipleOf=2), None, {"a": 2}, _ANY),
    "object-opened": Case({"object-opened"}, obj({"a": S}, additionalProperties=False), obj({"a": S}), None, {"z": 1}, _ANY),
    "constraint-removed": Case({"constraint-removed"}, obj({"a": S}, **{"not": {"required": ["z"]}}), obj({"a": S}), None, {"z": 1}, _ANY),
    "annotation-changed": Case({"annotation-changed"}, prop(type="string", description="old"), prop(type="string", description="new"),
                               None, None, _ANY),
}
FORWARD_ONLY = {"type-changed/widened", "required-property-removed"}  # MODEL for the guarantee lost


def test_every_change_kind_has_a_case():
    assert {kind for case in CASES.values() for kind in case.kinds} == set(CHANGES)


def _passes(schema: dict[str, Any], payload: Any) -> bool:
    cls = validator_for(schema, default=validator_for({}))
    return cls(schema, format_checker=FormatChecker()).is_valid(payload)


@pytest.mark.parametrize("name", sorted(CASES), ids=str)
def test_change_kind(name):
    case = CASES[name]
    changes = compare(case.old, case.new)
    assert {c.kind for c in changes} == case.kinds, changes
    bump = max((c.bump for c in changes), key=ORDER.__getitem__)
    if case.backward is not None:
        assert bump in ("MODEL", "REVISION")
        assert _passes(case.old, case.backward) and not _passes(case.new, case.backward)
        if bump == "REVISION":  # only through a key the old schema did not declare
            assert set(case.backward) - set(case.old["properties"])
    else:
        assert bump in ("ADDITION", "NONE") or name in FORWARD_ONLY
        assert case.candidates, "a case without a breaking payload needs candidates to try"
        broken = [p for p in case.candidates if _passes(case.old, p) and not _passes(case.new, p)]
        assert not broken
    if case.forward is not None:
        assert _passes(case.new, case.forward) and not _passes(case.old, case.forward)
    if name in FORWARD_ONLY:
        assert bump == "MODEL" and case.forward is not None


def _catalog(root: Path, schema: dict[str, Any]) -> eventspec.Catalog:
    document = {k: v for k, v in event("Thing Done").items() if k not in ("type", "properties", "required")}
    document.update(schema)
    return eventspec.load_plan(write_plan(root, {"events/thing-done/1.json": document}))


@pytest.mark.parametrize("name", sorted(CASES), ids=str)
def test_change_kind_through_load_plan(tmp_path, name):
    case = CASES[name]
    old, new = _catalog(tmp_path / "old", case.old), _catalog(tmp_path / "new", case.new)

    def passes(cat: eventspec.Catalog, properties: dict[str, Any]) -> bool:
        return cat.validate(track("Thing Done", properties)).ok

    if case.backward is not None:
        assert passes(old, case.backward) and not passes(new, case.backward)
    for payload in case.candidates:
        assert not (passes(old, payload) and not passes(new, payload)), payload
    if case.forward is not None:
        assert passes(new, case.forward) and not passes(old, case.forward)


def test_shared_definitions_count_where_they_are_used(tmp_path):
    module = {"type": "object", "description": "m", "properties": {"n": {"type": "integer", "minimum": 0, "description": "n"}}}
    files = {"events/a/1.json": event("A Done", m={"$ref": "../../properties/m.json"}), "properties/m.json": module}
    old = write_plan(tmp_path / "old", files)
    module["properties"]["n"]["minimum"] = 1
    new = write_plan(tmp_path / "new", files)
    [result] = diff(read_plan(old), read_plan(new))
    assert [(c.kind, c.path) for c in result.changes] == [("bound-tightened", "$.properties.m.n")]
    assert result.needed == "MODEL" and not result.ok


def _plans(tmp_path: Path) -> tuple[Path, Path]:
    old = write_plan(tmp_path / "old", {
        "events/a/1.json": event("A Done"),
        "events/b/1.json": event("B Done"),
        "events/c/1.json": event("C Done"),
        "events/c/2.json": event("C Done", "2-0-0"),
        "traits/identify.json": {"type": "object", "description": "t", "properties": {"email": {"type": "string", "description": "e"}}},
    })
    grown = event("A Done", "1-1-0", thing_id={"type": "string", "description": "i"}, size={"type": "integer", "description": "s"})
    new = write_plan(tmp_path / "new", {
        "events/a/1.json": grown,  # REVISION, bumped right
        "events/renamed-b/1.json": {**event("B Done", "1-0-1"), "description": "Better words."},  # folder moved: same event
        "events/c/2.json": {**event("C Done", "2-0-0"), "required": []},  # 1 retired; 2 loosened but not bumped
        "events/d/1.json": event("D Done"),
        "traits/identify.json": {"type": "object", "description": "t", "properties": {"email": {"type": "string", "format": "email", "description": "e"}}},
    })
    return old, new


def test_plans_compared_event_by_event(tmp_path):
    old, new = _plans(tmp_path)
    results = {r.label: r for r in diff(read_plan(old), read_plan(new))}
    assert {label: r.status for label, r in results.items()} == {
        "'A Done' (track) MODEL 1": "changed",
        "'B Done' (track) MODEL 1": "changed",
        "'C Done' (track) MODEL 1": "model-retired",
        "'C Done' (track) MODEL 2": "changed",
        "'D Done' (track) MODEL 1": "added",
        "identify traits": "changed",
    }
    a = results["'A Done' (track) MODEL 1"]
    assert (a.needed, a.actual, a.ok) == ("REVISION", "REVISION", True)
    b = results["'B Done' (track) MODEL 1"]
    assert (b.needed, b.ok) == ("NONE", True) and [c.kind for c in b.changes] == ["annotation-changed"]
    c = results["'C Done' (track) MODEL 2"]
    assert (c.needed, c.actual, c.ok) == ("ADDITION", "NONE", False)
    assert "version 2-0-1" in c.advice()
    traits = results["identify traits"]
    assert traits.needed == "MODEL" and traits.changes[0].path == "$.traits.email"


def test_cli(tmp_path):
    old, new = _plans(tmp_path)
    text = run("diff", str(old), str(new))
    assert text.returncode == 0, text.stderr
    assert "'C Done' (track) MODEL 2: 2-0-0 -> 2-0-0 (NONE bump; changes need ADDITION)" in text.stdout
    assert "  error: these changes need a ADDITION bump: version 2-0-1 (found 2-0-0)" in text.stdout
    assert "'D Done' (track) MODEL 1: new event, 1-0-0" in text.stdout
    assert text.stdout.splitlines()[-1] == "6 event version(s) compared: 4 changed, 1 added, 1 removed; 1 with too small a version bump"
    assert run("diff", "--check-bumps", str(old), str(new)).returncode == 1
    assert run("diff", "--check-bumps", str(old), str(old)).returncode == 0
    report = json.loads(run("diff", "--format", "json", str(old), str(new)).stdout)
    assert report["ok"] is False and report["summary"]["too_small"] == 1
    c = next(e for e in report["events"] if e["event"] == "C Done" and e["status"] == "changed")
    assert c["changes"] == [{"kind": "property-made-optional", "bump": "ADDITION", "path": "$.properties.thing_id",
                             "message": "'thing_id' is no longer required"}]
    github = run("diff", "--format", "github", str(old), str(new)).stdout
    assert f"::error file={new}/events/c/2.json,line=" in github and "title=eventspec version-bump::" in github
    assert run("diff", str(old)).returncode == 2


# --- common.json --------------------------------------------------------------------
COMMON = {"description": "Every call from a browser.", "type": "object",
          "properties": {"context": {"type": "object", "properties": {"userAgent": {"type": "string"}}}}}


def _tightened(version: str | None = None) -> dict[str, Any]:
    rule = json.loads(json.dumps(COMMON))
    rule["properties"]["context"]["properties"]["userAgent"]["pattern"] = "^Mozilla/"
    if version:
        rule["x-eventspec"] = {"version": version}
    return rule


def test_common_json_changes_need_schemaver_bumps_at_message_paths(tmp_path):
    files = {"events/a/1.json": event("A Done")}
    old = write_plan(tmp_path / "old", {**files, "common.json": {**COMMON, "x-eventspec": {"version": "1-0-0"}}})
    new = write_plan(tmp_path / "new", {**files, "common.json": _tightened("1-0-1")})
    results = {r.label: r for r in diff(read_plan(old), read_plan(new))}
    common = results["common"]
    assert common.status == "changed" and not results["'A Done' (track) MODEL 1"].changes
    assert [(c.kind, c.path) for c in common.changes] == [("pattern-tightened", "$.context.userAgent")]
    assert (common.needed, common.actual, common.ok) == ("MODEL", "ADDITION", False)
    assert "version 2-0-0" in common.advice()
    # the validator agrees: a call that passed the old rule fails the tightened one
    call = track("A Done", {"thing_id": "t"}, context={"userAgent": "curl/8"})
    assert eventspec.load_plan(old).validate(call).ok and not eventspec.load_plan(new).validate(call).ok
    # loosening it back needs only an ADDITION; without versions, a bump is not judged (as for traits)
    loosened = {r.label: r for r in diff(read_plan(new), read_plan(old))}["common"]
    assert [c.kind for c in loosened.changes] == ["pattern-removed"] and loosened.needed == "ADDITION"
    plain_old = write_plan(tmp_path / "plain-old", {**files, "common.json": COMMON})
    plain_new = write_plan(tmp_path / "plain-new", {**files, "common.json": _tightened()})
    [unversioned] = [r for r in diff(read_plan(plain_old), read_plan(plain_new)) if r.label == "common"]
    assert unversioned.needed == "MODEL" and unversioned.ok


def test_common_json_added_and_removed(tmp_path):
    files = {"events/a/1.json": event("A Done")}
    without = write_plan(tmp_path / "without", files)
    with_ = write_plan(tmp_path / "with", {**files, "common.json": COMMON})
    [added] = [r for r in diff(read_plan(without), read_plan(with_)) if r.label == "common"]
    [removed] = [r for r in diff(read_plan(with_), read_plan(without)) if r.label == "common"]
    assert (added.status, removed.status) == ("added", "removed")
    text = run("diff", str(without), str(with_))
    assert text.returncode == 0 and "common: new whole-message rule" in text.stdout
    lint_base = run("lint", str(write_plan(tmp_path / "bumped", {**files, "common.json": _tightened("1-0-1")})),
                    "--format", "json")
    assert lint_base.returncode == 0, lint_base.stdout  # no base: nothing to compare with
    tightened = run("diff", str(write_plan(tmp_path / "v1", {**files, "common.json": {**COMMON, "x-eventspec": {"version": "1-0-0"}}})),
                    str(tmp_path / "bumped"))
    assert "common: 1-0-0 -> 1-0-1 (ADDITION bump; changes need MODEL)" in tightened.stdout
    assert "MODEL     pattern-tightened          $.context.userAgent" in tightened.stdout
