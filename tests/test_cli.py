"""The eventspec console script, run for real in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"
SCRIPT = shutil.which("eventspec") or str(Path(sys.executable).parent / "eventspec")


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args], input=stdin, capture_output=True, cwd=cwd, timeout=120)


def test_valid_file_exits_0(tmp_path):
    result = run("check", str(EXAMPLES / "order-completed.json"))
    assert result.returncode == 0, result.stdout
    assert b"1 payload(s) checked: 1 valid, 0 invalid; 0 error(s), 0 warning(s)" in result.stdout


def test_bundled_examples_show_findings_and_exit_1():
    result = run("check", str(EXAMPLES))
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "broken-order.json::$.properties.products[0].price: error: expected a number" in out
    assert "mixed.ndjson:9: error: not JSON" in out
    assert "mixed.ndjson:6::$.metadata.trial: warning" in out and "[spec userpilot assumed]" in out
    assert out.strip().endswith("11 payload(s) checked: 7 valid, 4 invalid; 11 error(s), 3 warning(s)")


def test_json_format_has_every_payload_and_finding(tmp_path):
    out = tmp_path / "report.json"
    result = run("check", "--format", "json", "--output", str(out), str(EXAMPLES))
    assert result.returncode == 1 and result.stdout == b""
    report = json.loads(out.read_text())
    assert report["ok"] is False
    assert report["summary"] == {"payloads": 11, "valid": 7, "invalid": 4, "errors": 11, "warnings": 3}
    assert len(report["results"]) == 11
    lines = [r["line"] for r in report["results"] if r["source"].endswith("mixed.ndjson")]
    assert lines == list(range(1, 10))
    broken = next(r for r in report["results"] if r["source"].endswith("broken-order.json"))
    assert broken["event"] == "Order Completed" and broken["spec"] == "cdp"
    assert {"path", "message", "category", "severity", "keyword", "schema_id"} == set(broken["errors"][0])


def test_stdin_single_document_and_ndjson():
    good = json.dumps({"type": "identify", "userId": "u"}).encode()
    assert run("check", "-", stdin=good).returncode == 0
    lines = good + b"\n" + json.dumps({"type": "identify"}).encode() + b"\n"
    result = run("check", "--spec", "cdp", "-", stdin=lines)
    assert result.returncode == 1
    assert b"<stdin>:2::$: error" in result.stdout


def test_warnings_fail_only_in_strict_mode(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"type": "track", "userId": "u", "event": "order_completed"}))
    assert run("check", str(path)).returncode == 0
    assert run("check", "--strict", str(path)).returncode == 1
    custom = tmp_path / "c.json"
    custom.write_text(json.dumps({"type": "track", "userId": "u", "event": "Course Started"}))
    assert run("check", str(custom)).returncode == 0
    assert run("check", "--strict", str(custom)).returncode == 1


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("bad.json", b"{not json", b"not JSON"),
        ("trunc.ndjson", b'{"type": "identify", "userId": "u"}\n{"type": "tra', b":2: error: not JSON"),
        ("latin1.json", b'{"type": "identify", "userId": "\xe9"}', b"not valid UTF-8"),
        ("empty.json", b"", b"empty file"),
        ("empty.ndjson", b"\n\n", b"empty file"),
        ("none.json", b"[]", b"empty array"),
    ],
)
def test_malformed_inputs_are_findings_and_the_run_goes_on(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "zz-good.json").write_text(json.dumps({"type": "identify", "userId": "u"}))
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert message in result.stdout
    assert b"2 payload(s) checked: 1 valid, 1 invalid" in result.stdout or b"payload(s) checked" in result.stdout
    assert b"Traceback" not in result.stderr


def test_directory_without_payloads(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert b"holds no .json" in result.stdout


@pytest.mark.parametrize("args", [["check", "missing.json"], ["check", "--spec", "segment", "x"], ["nope"], []])
def test_usage_errors_exit_2(tmp_path, args):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "eventspec", "check", str(EXAMPLES / "order-completed.json")],
                            capture_output=True, timeout=120)
    assert result.returncode == 0


@pytest.mark.parametrize(
    "payload,family",
    [
        ({"event_type": "track", "user_id": "u"}, "userpilot"),
        ({"type": "track", "event": "x", "anonymous_id": "a", "timestamp": "t"}, "retainpixel"),
        ({"type": "revenue", "amount": 1}, "retainpixel"),
        ({"name": "purchase", "customer_id": "c", "timestamp": 1700000000}, "customerio-event"),
        ({"name": "purchase"}, "customerio-event"),
        ({"type": "track", "event": "x", "userId": "u"}, "cdp"),
        ({"batch": []}, "cdp"),
        ({"type": "page", "name": "Home", "userId": "u"}, "cdp"),
    ],
)
def test_auto_detects_the_family(payload, family):
    from eventspec._cli import detect

    assert detect(payload) == family
