"""Small helpers shared by the plan tool tests: writing plan folders, running the CLI."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = shutil.which("eventspec") or str(Path(sys.executable).parent / "eventspec")
DRAFT = "https://json-schema.org/draft/2020-12/schema"
MANIFEST = {"name": "t", "spec": "cdp", "naming": {"event": "Title Case", "property": "snake_case"}}


def event(name: str = "Thing Done", version: str = "1-0-0", **properties: Any) -> dict[str, Any]:
    """A clean event file: typed, described properties, the first one required."""
    properties = properties or {"thing_id": {"type": "string", "description": "The thing's id."}}
    return {
        "$schema": DRAFT,
        "title": name,
        "description": f"{name}: a test event.",
        "x-eventspec": {"call": "track", "event": name, "version": version},
        "type": "object",
        "properties": properties,
        "required": [next(iter(properties))],
    }


def write_plan(root: Path, files: dict[str, Any], manifest: dict[str, Any] | None = None) -> Path:
    """Write a plan folder: the manifest plus ``{relative path: JSON value or raw str}``."""
    root.mkdir(parents=True, exist_ok=True)
    everything = {"eventspec-plan.json": manifest if manifest is not None else copy.deepcopy(MANIFEST), **files}
    for relative, value in everything.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value if isinstance(value, str) else json.dumps(value, indent=2) + "\n", encoding="utf-8")
    return root


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def track(name: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A cdp track call carrying ``properties``."""
    return {"type": "track", "userId": "u1", "event": name, "properties": properties, **extra}
