"""The JSON Schema Test Suite's required draft 2020-12 tests, each through a tracking plan.

A user's schema reaches eventspec as a plan file, so every test of the suite is run the
way a plan's event is checked: the case's schema is a plan file, an event's property
``value`` refers to it, and ``load_plan(...).validate`` checks a track call carrying the
test's instance. The verdict must be the suite's, whether the schema was compiled or
handed to jsonschema, and the report must list errors exactly when it is invalid.

The plans keep ``format`` an annotation (``"formats": "annotate"``), as 2020-12 does by
default and the suite expects; the suite's remote schemas are plan files carrying their
own ``$id``, so nothing is fetched. The only departure is the two ``\\p{Letter}`` patterns
Python's ``re`` cannot read: `load_plan` refuses those schemas with a `PlanError`, which
is asserted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventspec import PlanError, load_plan

from test_json_schema_test_suite import REMOTE, SUITE, UNREADABLE_REGEX, remotes  # the suite's files, read once

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _cases() -> list[Any]:
    found = []
    for path in sorted((SUITE / "tests" / "draft2020-12").glob("*.json")):
        for number, case in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            found.append(pytest.param(case, id=f"{path.stem}-{number}"))
    return found


def _remotes() -> dict[str, Any]:
    """The remotes a 2020-12 runner sees, each with the URL it is fetched from as its $id."""
    found = {}
    for url, schema in remotes("draft2020-12").items():
        relative = url.removeprefix(REMOTE)
        if isinstance(schema, dict):
            schema = dict(schema)  # remotes() is shared with the suite's own runner: a copy to change
        if isinstance(schema, dict) and schema.setdefault("$id", url) != url:
            # a remote fetched by its URL that names itself otherwise (a URN, another
            # path): its URL is a schema that refers to it, as a retrieval would be
            found["aliases/" + relative] = {"$schema": DRAFT, "$id": url, "$ref": schema["$id"]}
        found[relative] = schema
    return found


def _plan(folder: Path, schema: Any) -> Path:
    (folder / "events" / "case").mkdir(parents=True)
    (folder / "properties").mkdir()
    (folder / "eventspec-plan.json").write_text(json.dumps(
        {"name": "suite", "formats": "annotate", "unplanned_properties": "allow"}))
    if isinstance(schema, dict) and "$schema" not in schema:
        schema = {"$schema": DRAFT, **schema}
    (folder / "properties" / "case.json").write_text(json.dumps(schema))
    (folder / "events" / "case" / "1.json").write_text(json.dumps({
        "$schema": DRAFT, "x-eventspec": {"event": "Case"}, "type": "object",
        "properties": {"value": {"$ref": "../../properties/case.json"}}, "required": ["value"]}))
    if REMOTE in json.dumps(schema):
        for relative, remote in _remotes().items():
            where = folder / "properties" / "remotes" / relative
            where.parent.mkdir(parents=True, exist_ok=True)
            where.write_text(json.dumps(remote))
    return folder


@pytest.mark.parametrize("case", _cases())
def test_every_required_test_gets_the_suites_verdict_through_a_plan(tmp_path, case):
    folder = _plan(tmp_path / "plan", case["schema"])
    if case["description"] in UNREADABLE_REGEX:
        with pytest.raises(PlanError, match="not a valid schema"):
            load_plan(folder)
        return
    plan = load_plan(folder)
    wrong = []
    for test in case["tests"]:
        payload = {"type": "track", "userId": "u1", "event": "Case", "properties": {"value": test["data"]}}
        report = plan.validate(payload)
        if report.ok != test["valid"] or bool(report.errors) == test["valid"] or report.warnings:
            wrong.append(f"{test['description']}: expected valid={test['valid']}, got {report}")
    assert wrong == []
