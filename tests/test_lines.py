"""eventspec.check_line: one raw line, checked as `eventspec check` checks it."""

from __future__ import annotations

import json
import subprocess

import pytest
from engines import EDGE_LINES, PLAN, SCRIPT, verdict

import eventspec
from eventspec._engine import framed
from eventspec._engine import verdict as engine_verdict


def _row(raw, catalog=None):
    row = engine_verdict(raw, "auto", False, catalog)
    assert row is not None, raw
    ok, spec, call, event, findings = row
    return verdict(ok, spec, call, event, [dict(zip(
        ("path", "message", "category", "severity", "keyword", "schema_id"), f)) for f in findings])


def test_check_line_gives_the_clis_verdict_on_every_line(engine_corpus):
    for key, expected in engine_corpus.verdicts.items():
        raw = engine_corpus.lines[key]
        assert _row(raw) == expected, (key, raw[:200])
    # every payload line has a verdict from the CLI, and blank lines none
    payload_lines = {key for key, raw in engine_corpus.lines.items() if raw.strip()}
    assert set(engine_corpus.verdicts) == payload_lines


def test_with_a_plan_too(plan_corpus):
    catalog = eventspec.load_plan(PLAN)
    for key, expected in plan_corpus.verdicts.items():
        raw = plan_corpus.lines[key]
        assert _row(raw, catalog) == expected, (key, raw[:200])
        report = eventspec.check_line(raw, catalog=catalog)
        if report.call is not None:  # a line that was read: the catalog's own verdict
            assert report == catalog.validate(json.loads(raw), spec=report.spec), raw[:200]
    categories = {f[2] for *_, findings in plan_corpus.verdicts.values() for f in findings}
    assert {"unplanned-event", "unplanned-property", "unknown-version"} <= categories


def test_the_corpus_has_every_family_valid_invalid_and_unreadable_lines(engine_corpus):
    found = list(engine_corpus.verdicts.values())
    assert {spec for _, spec, *_ in found} == {None, *eventspec.families()}
    assert any(ok for ok, *_ in found) and any(not ok for ok, *_ in found)
    messages = {f[1] for *_, findings in found for f in findings if f[2] == "unreadable"}
    assert any(m.startswith("not valid UTF-8") for m in messages)
    assert any(m.startswith("not JSON") for m in messages)
    assert "nested too deeply to read" in messages


@pytest.mark.parametrize("raw, message", [
    (b'{"type": "track", "userId": "u\xff", "event": "x"}', "not valid UTF-8 (byte 30)"),
    (b"{not json", "not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    (b"[" * 100_000, "nested too deeply to read"),
    (b"", "not JSON: Expecting value: line 1 column 1 (char 0)"),
], ids=["utf-8", "json", "deep", "blank"])
def test_an_unreadable_line_is_one_unreadable_error(raw, message):
    report = eventspec.check_line(raw)
    assert not report.ok
    assert [(f.path, f.message, f.category, f.severity) for f in report.findings] == [
        ("$", message, "unreadable", "error")
    ]
    assert report.spec == "auto" and report.call is None


def test_text_and_bytes_give_the_same_report():
    for raw in EDGE_LINES:
        text = raw.decode("utf-8", "surrogateescape")
        assert eventspec.check_line(text) == eventspec.check_line(raw), raw[:80]


def test_a_lone_surrogate_in_text_is_not_utf_8():
    report = eventspec.check_line('{"type": "track", "userId": "\ud800", "event": "x"}')
    assert report.errors[0].category == "unreadable"
    assert report.errors[0].message == "not valid UTF-8 (byte 29)"  # where the surrogate starts


def test_line_breaks_are_the_lines_own():
    line = b'{"type": "identify", "userId": "u", "traits": {}}'
    assert eventspec.check_line(line + b"\r\n") == eventspec.check_line(line) == eventspec.check_line(line + b"\n")
    assert eventspec.check_line(line).ok


def test_spec_and_strict_are_the_clis():
    line = b'{"type": "track", "userId": "u", "event": "Something Custom"}'
    assert eventspec.check_line(line).ok
    assert not eventspec.check_line(line, strict=True).ok
    assert eventspec.check_line(line, spec="cdp") == eventspec.validate(json.loads(line), spec="cdp")
    retain = b'{"type": "track", "event": "x", "anonymous_id": "a", "timestamp": "2026-01-01T00:00:00Z"}'
    assert eventspec.check_line(retain).spec == "retainpixel"
    assert eventspec.check_line(retain, spec="cdp").spec == "cdp"


def test_an_unknown_spec_is_refused_even_for_an_unreadable_line():
    with pytest.raises(eventspec.UnknownFamily):
        eventspec.check_line(b"{not json", spec="segment")


def test_framing_blank_lines_and_line_breaks_as_the_cli_does():
    assert framed(b"") is None and framed(b" \t\r") is None and framed(None) is None
    assert framed(b"{}\r\n") == b"{}" and framed("{}\r") == b"{}" and framed(b"{}\r\r") == b"{}\r"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_cli_reports_a_line_nested_too_deeply_and_goes_on(tmp_path, jobs):
    log = tmp_path / "deep.ndjson"
    log.write_bytes(b"[" * 100_000 + b"]" * 100_000 + b'\n{"type": "identify", "userId": "u", "traits": {}}\n')
    done = subprocess.run([SCRIPT, "check", "--jobs", jobs, str(log)], capture_output=True, timeout=120)
    assert done.returncode == 1, done.stderr.decode()[-2000:]
    assert f"{log}:1::$: error: nested too deeply to read [unreadable]" in done.stdout.decode()
    assert "2 payload(s) checked: 1 valid, 1 invalid" in done.stdout.decode()
