"""eventspec lint: each rule with a plan that breaks it and the same plan fixed.

The fixed plan must be entirely clean (not only free of that rule), and lint must agree
with the loader: a plan lint passes loads, and a plan the loader refuses fails lint.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from planhelp import MANIFEST, event, run, write_plan

import eventspec
from eventspec._lint import RULES, lint
from eventspec._planfiles import read_plan

EXAMPLES = Path(__file__).parent.parent / "examples" / "plan"
LEARN = Path(__file__).parent / "fixtures" / "plans" / "learn"

Files = dict[str, Any]


def _with(change: Callable[[dict[str, Any]], None], base: dict[str, Any] | None = None) -> dict[str, Any]:
    document = copy.deepcopy(base or event())
    change(document)
    return document


def _manifest(**settings: Any) -> dict[str, Any]:
    return {**copy.deepcopy(MANIFEST), **settings}


def _prop(**node: Any) -> dict[str, Any]:
    return event(thing_id={"type": "string", "description": "The thing's id.", **node})


ONE = "events/thing-done/1.json"
RUDDER = "properties/thing.json"

# rule -> (bad files, bad manifest, good files, good manifest); None manifest = the default
CASES: dict[str, tuple[Files, dict[str, Any] | None, Files, dict[str, Any] | None]] = {
    "manifest-valid": ({ONE: event()}, _manifest(unplanned_events="block"), {ONE: event()}, _manifest(unplanned_events="error")),
    "schema-valid": ({ONE: _prop(minLength=2.5)}, None, {ONE: _prop(minLength=2)}, None),
    "metadata-valid": ({ONE: _with(lambda d: d["x-eventspec"].update(version="1.0.0"))}, None, {ONE: event()}, None),
    "plan-layout": ({ONE: event(), "events/other-thing.json": event("Other Thing")}, None,
                    {ONE: event(), "events/other-thing/1.json": event("Other Thing")}, None),
    "root-object": ({ONE: _with(lambda d: d.update(type="array", items={"type": "string"}, properties={}, required=[]))}, None,
                    {ONE: event()}, None),
    "required-exists": ({ONE: _with(lambda d: d["required"].append("thing_name"))}, None, {ONE: event()}, None),
    "min-le-max": ({ONE: _prop(minLength=5, maxLength=2)}, None, {ONE: _prop(minLength=2, maxLength=5)}, None),
    "keyword-type-agrees": ({ONE: _prop(minimum=1)}, None, {ONE: _prop(minLength=1)}, None),
    "path-matches-version": ({ONE: event(version="2-0-0")}, None, {ONE: event(version="1-2-0")}, None),
    "version-starts-at-1": ({"events/thing-done/2.json": event(version="2-0-0")}, None,
                            {ONE: event(), "events/thing-done/2.json": event(version="2-0-0")}, None),
    "version-gap": ({ONE: event(), "events/thing-done/3.json": event(version="3-0-0")}, None,
                    {ONE: event(), "events/thing-done/2.json": event(version="2-0-0"),
                     "events/thing-done/3.json": event(version="3-0-0")}, None),
    "duplicate-event": ({ONE: event(), "events/thing-done-again/1.json": event()}, None,
                        {ONE: event(), "events/thing-undone/1.json": event("Thing Undone")}, None),
    "ref-resolves": ({ONE: event(thing={"$ref": "../../" + RUDDER})}, None,
                     {ONE: event(thing={"$ref": "../../" + RUDDER},
                                 product={"$ref": "https://eventspec.dev/schemas/v1/cdp/common/product.json"}),
                      RUDDER: {"type": "object", "description": "A thing."}}, None),
    "plan-loads": ({ONE: event(), "events/thing-done/3.json": event(version="3-0-0")}, _manifest(lint={"version-gap": "off"}),
                   {ONE: event()}, _manifest(lint={"version-gap": "off"})),
    "unknown-format": ({ONE: _prop(format="datetime")}, None, {ONE: _prop(format="date-time")}, None),
    "description": ({ONE: event(thing_id={"type": "string"})}, None, {ONE: event()}, None),
    "event-name-unique": ({ONE: event(), "events/thing-done-2/1.json": event("Thing-Done")}, _manifest(naming={}),
                          {ONE: event(), "events/thing-undone/1.json": event("Thing Undone")}, _manifest(naming={})),
    "event-name-casing": ({ONE: event(), "events/other/1.json": event("other_thing")}, None,
                          {ONE: event(), "events/other/1.json": event("Other Thing")}, None),
    "property-name-casing": ({ONE: event(thingId={"type": "string", "description": "The id."})}, None,
                             {ONE: event(thing_id={"type": "string", "description": "The id."})}, None),
    "property-conflict": ({ONE: event(thing_id={"type": "string", "description": "i"}),
                           "events/other/1.json": event("Other Thing", thing_id={"type": "integer", "description": "i"})}, None,
                          {ONE: event(thing_id={"type": "string", "description": "i"}),
                           "events/other/1.json": event("Other Thing", thing_id={"type": ["string", "null"], "description": "i"})}, None),
    "bundled-collision": ({ONE: event("Order Complete")}, None, {ONE: event("Order Completed")}, None),
    "string-bounded": ({ONE: event()}, _manifest(lint={"string-bounded": "warning"}),
                       {ONE: _prop(maxLength=64)}, _manifest(lint={"string-bounded": "warning"})),
    "numeric-bounded": ({ONE: event(count={"type": "integer", "minimum": 0, "description": "c"})}, _manifest(lint={"numeric-bounded": "error"}),
                        {ONE: event(count={"type": "integer", "minimum": 0, "maximum": 99, "description": "c"})},
                        _manifest(lint={"numeric-bounded": "error"})),
}
# a second case for rules with two distinct ways to break them
MORE = {
    "schema-valid/regex": ("schema-valid", {ONE: _prop(pattern="(")}, None, {ONE: _prop(pattern="()")}, None),
    "schema-valid/not-json": ("schema-valid", {ONE: "{\"type\": \"object\",}"}, None, {ONE: event()}, None),
    "bundled-collision/redefined": ("bundled-collision", {ONE: event("Order Completed", total={"type": "string", "description": "t"})}, None,
                                    {ONE: event("Order Completed", total={"type": "number", "minimum": 0, "description": "t"})}, None),
    "required-exists/then": ("required-exists", {ONE: _with(lambda d: d.update({"if": {"required": ["thing_id"]}, "then": {"required": ["why"]}}))}, None,
                             {ONE: _with(lambda d: d.update({"if": {"required": ["thing_id"]}, "then": {"required": ["thing_id"]}}))}, None),
    "min-le-max/exclusive": ("min-le-max", {ONE: event(n={"type": "number", "exclusiveMinimum": 3, "maximum": 3, "description": "n"})}, None,
                             {ONE: event(n={"type": "number", "exclusiveMinimum": 3, "maximum": 4, "description": "n"})}, None),
    "keyword-type-agrees/enum": ("keyword-type-agrees", {ONE: _prop(enum=["a", 1])}, None, {ONE: _prop(enum=["a", "b"])}, None),
}
# common.json, the whole-message rule: the rules that make sense on it
COMMON = {"$schema": "https://json-schema.org/draft/2020-12/schema", "description": "Every call comes from a browser.",
          "type": "object", "required": ["context"],
          # the envelope's fields need no description (the bundled spec has them); the message's properties do
          "properties": {"context": {"type": "object", "properties": {"userAgent": {"type": "string", "not": {"pattern": "bot"}}}},
                         "properties": {"type": "object",
                                        "properties": {"app_build": {"type": "integer", "description": "The build."}}}}}


def _common(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    return _with(change, COMMON)


MORE.update({
    "manifest-valid/unversioned": ("manifest-valid", {ONE: event()}, _manifest(unversioned="first"),
                                   {ONE: event()}, _manifest(unversioned="oldest")),
    "schema-valid/common": ("schema-valid", {ONE: event(), "common.json": _common(lambda d: d.update(required="context"))}, None,
                            {ONE: event(), "common.json": COMMON}, None),
    "metadata-valid/common": ("metadata-valid", {ONE: event(), "common.json": _common(lambda d: d.update({"x-eventspec": {"calls": ["track", "batch"]}}))},
                              None, {ONE: event(), "common.json": _common(lambda d: d.update({"x-eventspec": {"calls": ["track", "identify"]}}))}, None),
    "metadata-valid/common-version": ("metadata-valid", {ONE: event(), "common.json": _common(lambda d: d.update({"x-eventspec": {"version": "1"}}))},
                                      None, {ONE: event(), "common.json": _common(lambda d: d.update({"x-eventspec": {"version": "1-0-0"}}))}, None),
    "root-object/common": ("root-object", {ONE: event(), "common.json": _common(lambda d: d.update(type="array"))}, None,
                           {ONE: event(), "common.json": COMMON}, None),
    "required-exists/common": ("required-exists", {ONE: event(), "common.json": _common(lambda d: d.update(required=["contxt"]))}, None,
                               {ONE: event(), "common.json": COMMON}, None),
    "min-le-max/common": ("min-le-max", {ONE: event(), "common.json": _common(lambda d: d["properties"]["context"].update(minProperties=3, maxProperties=1))},
                          None, {ONE: event(), "common.json": COMMON}, None),
    "ref-resolves/common": ("ref-resolves", {ONE: event(), "common.json": _common(lambda d: d["properties"].update(traits={"$ref": RUDDER}))}, None,
                            {ONE: event(), "common.json": _common(lambda d: d["properties"].update(traits={"$ref": RUDDER})),
                             RUDDER: {"type": "object", "description": "A thing."}}, None),
    "description/common": ("description", {ONE: event(), "common.json": _common(lambda d: d["properties"]["properties"]["properties"]["app_build"].pop("description"))},
                           None, {ONE: event(), "common.json": COMMON}, None),
    "description/common-file": ("description", {ONE: event(), "common.json": _common(lambda d: d.pop("description"))}, None,
                                {ONE: event(), "common.json": COMMON}, None),
})
ALL = {**{rule: (rule, *case) for rule, case in CASES.items()}, **MORE}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES) - {"version-bump"}  # version-bump needs a base: below


def _findings(result: Any, rule: str) -> list[Any]:
    return [f for found in result.files.values() for f in found if f.category == rule]


@pytest.mark.parametrize("case", sorted(ALL), ids=str)
def test_rule_fails_then_passes(tmp_path, case):
    rule, bad, bad_manifest, good, good_manifest = ALL[case]
    broken = lint(read_plan(write_plan(tmp_path / "bad", bad, bad_manifest)))
    found = _findings(broken, rule)
    assert found, f"{rule} not found: {broken.files}"
    configured = (bad_manifest or {}).get("lint", {}).get(rule, RULES[rule].severity)
    assert {f.severity for f in found} == {configured}
    fixed = lint(read_plan(write_plan(tmp_path / "good", good, good_manifest)))
    assert not any(fixed.files.values()), fixed.files


@pytest.mark.parametrize("case", sorted(ALL), ids=str)
def test_lint_agrees_with_the_loader(tmp_path, case):
    """A plan lint passes loads; a plan the loader refuses has a lint error."""
    _, bad, bad_manifest, good, good_manifest = ALL[case]
    for name, files, manifest in (("bad", bad, bad_manifest), ("good", good, good_manifest)):
        root = write_plan(tmp_path / name, files, manifest)
        result = lint(read_plan(root))
        try:
            eventspec.load_plan(root)
        except eventspec.PlanError as error:
            assert not result.ok, f"lint passed a plan the loader refuses: {error}"
        else:
            if result.ok:
                continue
            # lint may be stricter than the loader, never the other way round
            assert name == "bad"


def test_version_bump_needs_a_base(tmp_path):
    old = write_plan(tmp_path / "old", {ONE: event()})
    grown = event(thing_id={"type": "string", "description": "i"}, size={"type": "integer", "description": "s"})
    grown["required"] = ["thing_id", "size"]
    new = write_plan(tmp_path / "new", {ONE: {**grown, "x-eventspec": {**grown["x-eventspec"], "version": "1-1-0"}}})
    assert lint(read_plan(new)).ok  # nothing to compare with
    found = _findings(lint(read_plan(new), read_plan(old)), "version-bump")
    assert len(found) == 1 and found[0].severity == "error"
    assert "need a new MODEL" in found[0].message and "events/thing-done/2.json" in found[0].message
    moved = write_plan(tmp_path / "moved", {ONE: event(), "events/thing-done/2.json": {**grown, "x-eventspec": {**grown["x-eventspec"], "version": "2-0-0"}}})
    assert lint(read_plan(moved), read_plan(old)).ok


def test_regrading_and_switching_off(tmp_path):
    files = {ONE: event(thing_id={"type": "string"})}
    assert _findings(lint(read_plan(write_plan(tmp_path / "a", files))), "description")[0].severity == "warning"
    off = lint(read_plan(write_plan(tmp_path / "b", files, _manifest(lint={"description": "off"}))))
    assert not any(off.files.values())
    graded = lint(read_plan(write_plan(tmp_path / "c", files, _manifest(lint={"description": "error"}))))
    assert not graded.ok and {f.category for f in graded.errors} == {"description"}
    typo = lint(read_plan(write_plan(tmp_path / "d", files, _manifest(lint={"descriptoin": "off"}))))
    assert "did you mean 'description'" in _findings(typo, "manifest-valid")[0].message


def test_the_example_plans_are_clean():
    for root in (EXAMPLES, LEARN):
        result = lint(read_plan(root))
        assert not any(result.files.values()), result.files
        eventspec.load_plan(root)


def test_findings_name_file_and_path(tmp_path):
    root = write_plan(tmp_path / "p", {ONE: _prop(minLength=5, maxLength=2)})
    found = lint(read_plan(root)).files[ONE]
    assert [(f.path, f.category, f.keyword) for f in found] == [("$.properties.thing_id.minLength", "min-le-max", "minLength")]


# --- the command ------------------------------------------------------------------


def _broken(tmp_path: Path) -> Path:
    return write_plan(tmp_path / "plan", {ONE: _prop(minLength=5, maxLength=2), "events/other/1.json": event("Other Thing", thing_id={"type": "string"})})


def test_cli_text_and_exit_codes(tmp_path):
    root = _broken(tmp_path)
    result = run("lint", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{root}/events/thing-done/1.json:") and "::$.properties.thing_id.minLength: error:" in line
               and line.endswith("[min-le-max]") for line in lines), result.stdout
    assert lines[-1] == "3 file(s) linted: 2 ok, 1 failing; 1 error(s), 1 warning(s)"
    clean = write_plan(tmp_path / "clean", {ONE: event()})
    assert run("lint", str(clean)).returncode == 0
    warned = write_plan(tmp_path / "warned", {ONE: event(thing_id={"type": "string"})})
    assert run("lint", str(warned)).returncode == 0
    assert run("lint", "--strict", str(warned)).returncode == 1
    missing = run("lint", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such plan folder" in missing.stderr
    assert run("lint", str(tmp_path)).returncode == 2  # a folder without a manifest


def test_cli_json_junit_github(tmp_path):
    root = _broken(tmp_path)
    report = json.loads(run("lint", "--format", "json", str(root)).stdout)
    assert report["ok"] is False and report["summary"] == {"files": 3, "ok": 2, "failing": 1, "errors": 1, "warnings": 1}
    by_file = {Path(r["source"]).relative_to(root).as_posix(): r for r in report["results"]}
    assert by_file[ONE]["errors"][0]["category"] == "min-le-max" and by_file[ONE]["event"] == "Thing Done"
    xml = ET.fromstring(run("lint", "--format", "junit", str(root)).stdout)
    suite = xml.find("testsuite")
    assert suite is not None and suite.get("name") == "eventspec lint" and suite.get("tests") == "3"
    assert suite.get("failures") == "1" and len(suite.findall("testcase/failure")) == 1
    strict = ET.fromstring(run("lint", "--format", "junit", "--strict", str(root)).stdout)
    assert len(strict.findall("testsuite/testcase/failure")) == 2
    github = sorted(run("lint", "--format", "github", str(root)).stdout.splitlines()[:-1])
    assert len(github) == 2
    text = (root / ONE).read_text().splitlines()
    line = next(n for n, t in enumerate(text, 1) if '"minLength"' in t)
    assert github[0].startswith(f"::error file={root}/events/thing-done/1.json,line={line},title=eventspec min-le-max::")
    assert github[1].startswith(f"::warning file={root}/events/other/1.json,line=") and "description" in github[1]


def test_a_file_nested_too_deeply_is_a_finding_not_a_crash(tmp_path):
    from eventspec._planfiles import MAX_DEPTH

    node: dict[str, Any] = {"type": "string", "description": "leaf"}
    for _ in range(MAX_DEPTH):
        node = {"type": "object", "description": "level", "properties": {"x": node}}
    root = write_plan(tmp_path / "p", {ONE: {**event(), **node, "required": []}})
    [finding] = lint(read_plan(root)).files[ONE]
    assert (finding.category, finding.severity) == ("schema-valid", "error") and "nested more than" in finding.message
    result = run("diff", str(root), str(root))
    assert result.returncode == 0 and "Traceback" not in result.stderr
