"""What the engine tests share: one NDJSON corpus, the CLI's verdict on each of its
lines, and the rule that a missing engine skips locally but fails in CI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import corpus  # noqa: E402

SCRIPT = str(Path(sys.executable).parent / "eventspec")

# Lines the generated corpus never has: every way a line can fail to be read, and the
# shapes whose verdict hinges on how a line is framed, parsed or decoded.
EDGE_LINES = [
    b"not json at all",
    b'{"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"total": 1}',
    b'{"type": "track", "userId": "u\xff", "event": "Signed Up"}',
    b'{"type": "identify", "userId": "\xc3\x28", "traits": {}}',
    b"[" * 100_000,
    b'{"type": "identify", "userId": "crlf", "traits": {"email": "a@example.com"}}\r',
    b"",
    b"   ",
    b"\t",
    b"[1, 2]",
    b'"a bare string"',
    b'{"type": "track", "userId": "u", "event": "Big Number", "properties": {"n": 123456789012345678901234}}',
    b'{"batch": [{"type": "track", "event": "Order Completed", "properties": {"total": "x"}}, {"type": "nope"}]}',
    '{"type": "track", "userId": "ü", "event": "Café Visited", "properties": {"mood": "😀"}}'.encode(),
    b'{"type": "track", "userId": "u", "event": " Order Completed ", "properties": {}}',
    b'{"name": "purchase", "customer_id": "c", "timestamp": 1700000000}',
    b'{"type": "track", "userId": "u", "event": "x", "properties": {"a": NaN}}',
    b'{"type": "track", "userId": "u", "event": "Big", "properties": {"blob": "' + b"x" * 40_000 + b'"}}',
    '{"type": "track", "userId": "u", "event": "Line\u2028Separator"}'.encode(),
    b'{"type": "track", "userId": "u", "event": "Raw \x1c control"}',
    b'{"type": "track", "userId": "u", "event": "A"}\r{"type": "track", "userId": "u", "event": "B"}',
    b'{"event_type": "track", "event_name": "", "user_id": 5}',
    b'{"type": "revenue", "amount": "ten"}',
]


# Calls of the example tracking plan (examples/plan): planned events in both versions,
# valid and broken, unplanned events and properties, an unknown version, traits.
PLAN = Path(__file__).parent.parent / "examples" / "plan"
PLAN_LINES = [
    b'{"type": "track", "userId": "u", "event": "login", "properties": {"username": "a", "session_started": 1}}',
    b'{"type": "track", "userId": "u", "event": "login", "properties": {"username": "a", "platfrom": "chrome"}}',
    b'{"type": "track", "userId": "u", "event": "Login", "properties": {}}',
    b'{"type": "track", "userId": "u", "event": "Course Started", "properties": {"courseId": "c1"}}',
    b'{"type": "track", "userId": "u", "event": "Course Started", "properties": {"courseId": "c1"},'
    b' "context": {"protocols": {"event_version": 1}}}',
    b'{"type": "track", "userId": "u", "event": "Course Started", "properties": {"courseId": "c1", "progress": 140,'
    b' "course_name": "x"}, "context": {"protocols": {"event_version": "2-0-0"}}}',
    b'{"type": "track", "userId": "u", "event": "Course Started", "properties": {"courseId": "c1"},'
    b' "context": {"protocols": {"event_version": 7}}}',
    b'{"type": "track", "userId": "u", "event": "video_watched", "properties": {"video_name": "v", "speed": "fast"}}',
    b'{"type": "identify", "userId": "u", "traits": {"email": "a@example.com", "shoe_size": 42}}',
    b'{"type": "track", "userId": "u", "event": "Order Completed", "properties": {"total": "12"}}',
]


class Corpus(NamedTuple):
    folder: Path  # a.ndjson and b.ndjson
    lines: dict[tuple[str, int], bytes]  # (file name, line number) -> the raw line, as read
    verdicts: dict[tuple[str, int], tuple[Any, ...]]  # the CLI's, for each payload line


def write_corpus(folder: Path, size: int = 1200, *args: str) -> Corpus:
    """Two NDJSON files: generated events of all four families (valid and invalid),
    the plan's calls and the edge lines between them; and the CLI's verdict on every
    line (``args`` go to the CLI: ``--plan``, say)."""
    folder.mkdir(parents=True, exist_ok=True)
    events = [json.dumps(e, ensure_ascii=False).encode() for e in corpus.corpus(size, seed=15)]
    half = len(events) // 2
    files = {
        "a.ndjson": events[:half:2] + EDGE_LINES + events[1:half:2],
        "b.ndjson": EDGE_LINES[:6] + PLAN_LINES + events[half:],
    }
    lines = {}
    for name, content in files.items():
        (folder / name).write_bytes(b"\n".join(content) + b"\n")
        lines.update({(name, number): raw for number, raw in enumerate(content, 1)})
    return Corpus(folder, lines, cli_verdicts(folder, *args))


def cli_verdicts(folder: Path, *args: str) -> dict[tuple[str, int], tuple[Any, ...]]:
    """``eventspec check --format json`` on a folder, as a real process: each payload
    line's verdict, keyed by (file name, line number)."""
    done = subprocess.run([SCRIPT, "check", "--format", "json", *args, str(folder)],
                          capture_output=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr.decode()
    report = json.loads(done.stdout)
    return {
        (Path(r["source"]).name, r["line"]): verdict(
            r["ok"], r["spec"], r["call"], r["event"], r["errors"] + r["warnings"]
        )
        for r in report["results"]
    }


def verdict(ok: Any, spec: Any, call: Any, event: Any, findings: list[Any]) -> tuple[Any, ...]:
    """A verdict in one comparable shape, whichever engine made it."""
    return ok, spec, call, event, tuple(
        (f["path"], f["message"], f["category"], f["severity"], f["keyword"], f["schema_id"]) for f in findings
    )


def by_line_text(found: dict[tuple[str, int], tuple[Any, ...]], lines: dict[tuple[str, int], bytes]) -> Counter:
    """Verdicts keyed by (file, line text) instead of line number: Spark has no numbers."""
    return Counter((name, lines[(name, number)], v) for (name, number), v in found.items())


def expected_summary(corpus_: Corpus) -> list[tuple[Any, ...]]:
    """The summary's rows computed from the CLI's verdicts by hand: the reference."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for key, (_, spec, call, event, findings) in corpus_.verdicts.items():
        for path, _, category, severity, _, _ in findings:
            entry = groups.setdefault((spec, call, event, category, severity, path), [0, None])
            entry[0] += 1
            raw = corpus_.lines[key]
            entry[1] = raw if entry[1] is None else min(entry[1], raw)
    rows = [(*k, n, raw.decode("utf-8", "replace")) for k, (n, raw) in groups.items()]
    return sorted(rows, key=lambda r: (-r[6], *((v is not None, v or "") for v in r[:6])))


def need(what: str, available: bool, how: str) -> None:
    """Skip with a reason when a component is missing; in CI (CI set), fail instead."""
    if available:
        return
    message = f"{what} is not available: {how}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run the engine tests; .ci/run installs them)", pytrace=False)
    pytest.skip(message)


def java_major() -> int | None:
    """The major version of the `java` on PATH (or in JAVA_HOME), or None."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return None
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    except OSError:
        return None
    match = re.search(r'version "(?:1\.)?(\d+)', out)
    return int(match.group(1)) if match else None
