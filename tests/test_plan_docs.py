"""docs/plans-review.md and docs/plans-import.md hold what the code does.

The rule and change tables are the code's tables; the example outputs are what the
commands print; the pull-request workflow runs, as written, on a temporary git
repository (lint fails a too-small version bump, then passes once the change moves to a
new MODEL); the pre-commit hook runs as the repository declares it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from planhelp import SCRIPT

from eventspec._diff import CHANGES
from eventspec._lint import RULES

ROOT = Path(__file__).parent.parent
REVIEW = (ROOT / "docs" / "plans-review.md").read_text(encoding="utf-8")
LEARN = Path(__file__).parent / "fixtures" / "plans" / "learn"
GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None and not os.environ.get("CI"), reason="git is not installed (CI installs it)")


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def _table(text: str, header: str) -> list[tuple[str, ...]]:
    lines = text[text.index(header):].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append(tuple(cell.strip().strip("`") for cell in line.strip("|").split("|")))
    return rows


def test_lint_rules_table_is_the_code():
    expected = [(r.id, r.severity, r.summary) for r in RULES.values()]
    assert _table(REVIEW, "| rule | default | what it checks |") == expected, "\n".join(
        f"| `{i}` | {s} | {t} |" for i, s, t in expected)


def test_change_table_is_the_code():
    expected = [(k.id, k.bump, k.summary) for k in CHANGES.values()]
    assert _table(REVIEW, "| change | bump | why |") == expected, "\n".join(
        f"| `{i}` | {b} | {t} |" for i, b, t in expected)


def test_the_index_links_the_pages():
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "(plans-review.md)" in index and "(plans-import.md)" in index


def _example(command: str) -> list[str]:
    """The lines a documented ``$ command`` prints, from the text block that shows it."""
    for block in _blocks(REVIEW, "text"):
        lines = block.splitlines()
        if lines and lines[0] == f"$ {command}":
            return lines[1:]
    raise AssertionError(f"no example of {command!r}")


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2) + "\n")


def test_lint_example(tmp_path):
    shutil.copytree(ROOT / "examples" / "plan", tmp_path / "plan")
    _rewrite(tmp_path / "plan/events/course-started/2.json", lambda d: d["properties"]["progress"].update(minimum=101))
    _rewrite(tmp_path / "plan/events/login/1.json", lambda d: d["properties"]["platform"].pop("description"))
    result = subprocess.run([SCRIPT, "lint", "plan/"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == _example("eventspec lint plan/")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run([GIT or "git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          capture_output=True, text=True, check=True)
    return done.stdout


def _workflow_steps() -> list[str]:
    [workflow] = [b for b in _blocks(REVIEW, "yaml") if "jobs:" in b]
    steps = yaml.safe_load(workflow)["jobs"]["plan"]["steps"]
    runs = [step["run"] for step in steps if "run" in step and not step["run"].startswith("pip install")]
    assert [r.split()[:2] for r in runs] == [["eventspec", "lint"], ["eventspec", "diff"]]
    return runs


def _run_step(command: str, repo: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command.replace('"origin/$GITHUB_BASE_REF"', "origin/main"))
    assert argv[0] == "eventspec"
    return subprocess.run([SCRIPT, *argv[1:]], capture_output=True, text=True, cwd=repo)


@needs_git
def test_pull_request_workflow(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(LEARN, repo / "plan")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "the plan")
    _git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")  # what actions/checkout fetches
    _git(repo, "checkout", "-q", "-b", "change")

    def change(d):  # type: ignore[no-untyped-def]
        d["properties"]["level"]["enum"].remove("advanced")
        d["properties"]["duration"] = {"type": "integer", "minimum": 0, "description": "Planned minutes."}

    two = repo / "plan/events/course-started/2.json"
    _rewrite(two, lambda d: (change(d), d["x-eventspec"].update(version="2-0-1")))
    _rewrite(repo / "plan/events/signed-in/1.json", lambda d: (
        d["properties"].update(remember={"type": "boolean", "description": "Whether to stay signed in."}),
        d["x-eventspec"].update(version="1-0-1")))
    _git(repo, "commit", "-q", "-am", "a change too big for its bump")
    lint_step, diff_step = _workflow_steps()
    linted = _run_step(lint_step, repo)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert linted.stdout.startswith(
        "::error file=plan/events/course-started/2.json,line=8,title=eventspec version-bump::")
    diffed = _run_step(diff_step, repo)
    assert diffed.returncode == 0
    assert diffed.stdout.splitlines() == _example("eventspec diff --base origin/main plan/")
    # the fix: 2.json stays as old apps send it; the change becomes MODEL 3
    two.write_text(_git(repo, "show", "origin/main:plan/events/course-started/2.json"))
    three = json.loads(_git(repo, "show", "origin/main:plan/events/course-started/2.json"))
    change(three)
    three["x-eventspec"]["version"] = "3-0-0"
    (repo / "plan/events/course-started/3.json").write_text(json.dumps(three, indent=2) + "\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "a new MODEL instead")
    linted = _run_step(lint_step, repo)
    assert linted.returncode == 0 and linted.stdout == "7 file(s) linted: 7 ok, 0 failing; 0 error(s), 0 warning(s)\n"
    diffed = _run_step(diff_step, repo)
    assert diffed.returncode == 0
    assert "'Course Started' (track) MODEL 3: new MODEL 3-0-0 beside 2-0-0" in diffed.stdout
    assert diffed.stdout.splitlines()[-1] == (
        "5 event version(s) compared: 1 changed, 1 added, 0 removed; 0 with too small a version bump")


def test_pre_commit_hook(tmp_path):
    [config] = [b for b in _blocks(REVIEW, "yaml") if "repos:" in b]
    [use] = yaml.safe_load(config)["repos"][0]["hooks"]
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks[use["id"]]
    assert hook["pass_filenames"] is False
    for path in ("plan/events/login/1.json", "plan/eventspec-plan.json"):
        assert re.search(use["files"], path) and re.search(hook["files"], path)
    shutil.copytree(ROOT / "examples" / "plan", tmp_path / "plan")
    command = [*shlex.split(hook["entry"]), *use["args"]]
    assert command[0] == "eventspec"
    assert subprocess.run([SCRIPT, *command[1:]], capture_output=True, cwd=tmp_path).returncode == 0
    _rewrite(tmp_path / "plan/events/login/1.json", lambda d: d["required"].append("missing"))
    broken = subprocess.run([SCRIPT, *command[1:]], capture_output=True, text=True, cwd=tmp_path)
    assert broken.returncode == 1 and "[required-exists]" in broken.stdout
