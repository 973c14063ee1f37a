"""Shared test configuration."""

import json
import os
from pathlib import Path

import pytest

# pytester runs pytest inside the tests, for eventspec's pytest plugin (test_pytest_plugin.py)
pytest_plugins = ["pytester"]


@pytest.fixture
def shop_plan(tmp_path: Path) -> Path:
    """A small tracking plan on disk, in the layout load_plan reads: one event,
    ``Course Started``, that needs ``course_id``; unplanned events and properties warn."""
    root = tmp_path / "plan"
    (root / "events" / "course-started").mkdir(parents=True)
    (root / "eventspec-plan.json").write_text(json.dumps({
        "name": "shop", "spec": "cdp",
        "unplanned_events": "warn", "unplanned_properties": "warn", "unplanned_traits": "allow",
        "unknown_version": "error",
    }))
    (root / "events" / "course-started" / "1.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Course Started",
        "description": "A learner opened a course.",
        "x-eventspec": {"call": "track", "event": "Course Started", "version": "1-0-0"},
        "type": "object",
        "properties": {"course_id": {"type": "string", "description": "the course"}},
        "required": ["course_id"],
    }))
    return root


@pytest.fixture
def require_component():
    """``require(found, reason)``: skip when a real component (a browser, Node) is missing
    here, but fail under CI, which must install it (.ci/run)."""

    def require(found: object, reason: str) -> None:
        if found:
            return
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI=true, where .ci/run installs it, so this is a failure, not a skip")
        pytest.skip(reason)

    return require
