"""Every example payload printed in the documents, with the verdict RULINGS gives it.

The fixtures live in tests/fixtures/examples/<family>/; each names its source, the
verdict, the exact sets of error and warning paths, and why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import eventspec

ROOT = Path(__file__).parent / "fixtures" / "examples"
FIXTURES = sorted(ROOT.glob("*/*.json"))


def test_every_family_with_examples_has_fixtures():
    assert {p.parent.name for p in FIXTURES} == {"cdp", "retainpixel", "userpilot"}
    assert len(FIXTURES) >= 100


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_document_example(path):
    fixture = json.loads(path.read_text(encoding="utf-8"))
    assert fixture["spec"] == path.parent.name
    report = eventspec.validate(
        fixture["payload"],
        spec=fixture["spec"],
        strict=fixture.get("strict", False),
        call=fixture.get("call"),
    )
    assert report.ok is fixture["ok"], str(report)
    assert sorted({f.path for f in report.errors}) == sorted(fixture["error_paths"]), str(report)
    assert sorted({f.path for f in report.warnings}) == sorted(fixture["warning_paths"]), str(report)
    # every finding that came from a schema keyword names the file it came from
    assert all(f.schema_id for f in report.findings if f.keyword and f.category != "unknown-call"), str(report)
