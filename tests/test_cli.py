"""The eventspec console script, run for real in a subprocess."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
SCRIPT = shutil.which("eventspec") or str(Path(sys.executable).parent / "eventspec")
GOOD = {"type": "identify", "userId": "u"}
BAD = {"type": "identify"}


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args], input=stdin, capture_output=True, cwd=cwd, timeout=300)


def ndjson(*payloads) -> bytes:
    return b"".join(json.dumps(p).encode() + b"\n" for p in payloads)


def test_valid_file_exits_0():
    result = run("check", str(EXAMPLES / "order-completed.json"))
    assert result.returncode == 0, result.stdout
    assert result.stdout == b"1 payload(s) checked: 1 valid, 0 invalid; 0 error(s), 0 warning(s)\n"


def test_bundled_examples_show_findings_and_exit_1():
    result = run("check", str(EXAMPLES))
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "broken-order.json::$.properties.products[0].price: error: expected a number" in out
    assert "mixed.ndjson:9::$: error: not JSON" in out
    assert "mixed.ndjson:6::$.metadata.trial: warning" in out and "(spec userpilot assumed)" in out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("11 payload(s) checked: 7 valid, 4 invalid; 11 error(s), 3 warning(s)")
    assert "Order Completed 9" in summary  # counts by event


def test_array_files_report_the_item_index(tmp_path):
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps([GOOD, BAD, GOOD]))
    result = run("check", str(path))
    assert result.returncode == 1
    assert f"{path}[1]::$: error".encode() in result.stdout


def test_json_format_has_every_payload_and_finding(tmp_path):
    out = tmp_path / "report.json"
    result = run("check", "--format", "json", "--output", str(out), str(EXAMPLES))
    assert result.returncode == 1 and result.stdout == b""
    report = json.loads(out.read_text())
    assert set(report) == {"ok", "summary", "results"}
    assert report["ok"] is False
    assert report["summary"] == {"payloads": 11, "valid": 7, "invalid": 4, "errors": 11, "warnings": 3}
    assert len(report["results"]) == 11
    for entry in report["results"]:  # the shape docs/ci.md documents
        assert set(entry) == {"source", "line", "index", "spec", "call", "event", "ok", "errors", "warnings"}
        for finding in entry["errors"] + entry["warnings"]:
            assert set(finding) == {"path", "message", "category", "severity", "keyword", "schema_id"}
    lines = [r["line"] for r in report["results"] if r["source"].endswith("mixed.ndjson")]
    assert lines == list(range(1, 10))
    broken = next(r for r in report["results"] if r["source"].endswith("broken-order.json"))
    assert broken["event"] == "Order Completed" and broken["spec"] == "cdp" and broken["ok"] is False
    unreadable = next(r for r in report["results"] if r["line"] == 9)
    assert unreadable["errors"][0]["category"] == "unreadable"


def test_junit_is_xml_with_one_case_per_payload():
    result = run("check", "--format", "junit", str(EXAMPLES))
    assert result.returncode == 1
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 11 == int(suite.get("tests"))
    assert int(suite.get("failures")) == 3 and int(suite.get("errors")) == 1
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 3
    assert "$.properties.products[0].price" in failed[0].find("failure").text
    assert sum(c.find("error") is not None for c in cases) == 1


def test_github_annotations(tmp_path):
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson(GOOD, BAD, {"type": "track", "userId": "u", "event": "order_completed"}))
    result = run("check", "--format", "github", str(path))
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    assert lines[0] == (f"::error file={path},line=2,title=eventspec required-missing::"
                        "line 2 $: expected a non-empty userId or a non-empty anonymousId or a non-empty "
                        "traits.email; none was found")
    assert lines[1].startswith(f"::warning file={path},line=3,title=eventspec near-miss::")
    assert lines[2].startswith("3 payload(s) checked")


def test_stdin_single_document_and_ndjson():
    assert run("check", "-", stdin=json.dumps(GOOD, indent=2).encode()).returncode == 0
    assert run("check", "-", stdin=json.dumps(GOOD).encode()).returncode == 0
    result = run("check", "--spec", "cdp", "-", stdin=ndjson(GOOD, BAD, GOOD))
    assert result.returncode == 1
    assert b"<stdin>:2::$: error" in result.stdout
    assert b"3 payload(s) checked: 2 valid, 1 invalid" in result.stdout


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
        ("bad.json", b"{not json", b"bad.json:1::$: error: not JSON"),
        ("trunc.ndjson", b'{"type": "identify", "userId": "u"}\n{"type": "tra', b"trunc.ndjson:2::$: error: not JSON"),
        ("latin1.json", b'{"type": "identify", "userId": "\xe9"}', b"not valid UTF-8"),
        ("latin1.ndjson", b'{"type": "identify", "userId": "\xe9"}\n', b"latin1.ndjson:1::$: error: not valid UTF-8"),
        ("empty.json", b"", b"empty file"),
        ("empty.ndjson", b"\n\n", b"empty file"),
        ("none.json", b"[]", b"empty array"),
    ],
)
def test_malformed_inputs_are_findings_and_the_run_goes_on(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "zz-good.json").write_text(json.dumps(GOOD))
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert message in result.stdout
    valid = 2 if name == "trunc.ndjson" else 1
    assert f"payload(s) checked: {valid} valid, 1 invalid".encode() in result.stdout
    assert b"Traceback" not in result.stderr


def test_directory_without_payloads(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert b"holds no .json" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["check", "missing.json"], ["check", "--spec", "segment", "x"], ["nope"], [], ["check", "--jobs", "0", "."],
     ["show", "Order Complete"], ["show", "track", "--spec", "nope"]],
)
def test_usage_errors_exit_2(tmp_path, args):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert result.stderr


def test_split_puts_every_payload_in_exactly_one_file(tmp_path):
    source = tmp_path / "log.ndjson"
    payloads = [GOOD, BAD] * 50
    lines = ndjson(*payloads) + b'{"type": "tra\n' + b"\xff\xfe\n" + b"\n"
    source.write_bytes(lines)
    valid, invalid = tmp_path / "valid.ndjson", tmp_path / "invalid.ndjson"
    result = run("check", "--format", "json", "--split", str(valid), str(invalid), str(source), str(EXAMPLES))
    assert result.returncode == 1
    summary = json.loads(result.stdout)["summary"]
    valid_lines = valid.read_text().splitlines()
    invalid_lines = [json.loads(line) for line in invalid.read_text().splitlines()]
    assert summary["payloads"] == 102 + 11 == len(valid_lines) + len(invalid_lines)
    assert len(valid_lines) == summary["valid"] and len(invalid_lines) == summary["invalid"]
    assert valid_lines[0] == json.dumps(GOOD)  # valid lines are written as they came
    assert all(json.loads(line) for line in valid_lines)
    assert invalid_lines[0]["payload"] == BAD and invalid_lines[0]["line"] == 2
    assert invalid_lines[0]["errors"][0]["category"] == "required-missing"
    unreadable = [e for e in invalid_lines if "raw" in e]
    assert [e["line"] for e in unreadable[:2]] == [101, 102]
    assert unreadable[0]["raw"] == '{"type": "tra'
    assert unreadable[1]["errors"][0]["message"].startswith("not valid UTF-8")


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
def test_jobs_gives_the_same_output_as_one_process(tmp_path, fmt):
    source = tmp_path / "log.ndjson"
    # big enough for many blocks, with blank lines, CRLF endings and a broken last line
    body = ndjson(*([GOOD, BAD, {"type": "track", "userId": "u", "event": "Order Completed",
                                 "properties": {"total": "1"}}] * 1500))
    source.write_bytes(body.replace(b"\n", b"\r\n", 50) + b"\n\n" + body + b"{oops")
    (tmp_path / "empty.ndjson").write_bytes(b"")
    (tmp_path / "one.json").write_text(json.dumps([GOOD, BAD]))
    outputs = []
    for jobs in ("1", "2"):
        split = [str(tmp_path / f"valid{jobs}"), str(tmp_path / f"invalid{jobs}")]
        result = run("check", "--format", fmt, "--jobs", jobs, "--split", *split, str(tmp_path))
        assert result.returncode == 1
        outputs.append((result.stdout, Path(split[0]).read_bytes(), Path(split[1]).read_bytes()))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][1].splitlines()) + len(outputs[0][2].splitlines()) == 9000 + 1 + 1 + 2


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    source = tmp_path / "log.ndjson"
    source.write_bytes(ndjson(*([GOOD] * 3000)))
    result = run("check", str(source))
    assert result.returncode == 0 and result.stderr == b""


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "eventspec", "check", str(EXAMPLES / "order-completed.json")],
                            capture_output=True, timeout=120)
    assert result.returncode == 0


def test_list():
    out = run("list").stdout.decode()
    assert "cdp\n  calls: alias, batch, group, identify, page, screen, track\n  semantic events (69):" in out
    assert "    Video Ad Completed\n" in out and "    reward_obligation\n" in out
    assert run("list", "--spec", "userpilot").stdout.decode() == (
        "userpilot\n  calls: identify_company, identify_user, page_view, track\n  semantic events (0):\n")


def test_show_table_and_json():
    table = run("show", "Order Completed").stdout.decode()
    assert "properties.products[].price" in table
    row = next(line for line in table.splitlines() if line.startswith("event "))
    assert re.search(r"string \(a string that is not only whitespace\)\s+yes", row)
    assert re.search(r"properties.currency\s+string \(ISO 4217 currency code\)", table)
    schema = json.loads(run("show", "Order Completed", "--json").stdout)
    assert schema["$id"].endswith("/cdp/ecommerce/order-completed.json")
    rp = run("show", "reward_obligation", "--spec", "retainpixel").stdout.decode()
    assert re.search(r"properties.status\s+one of pending\|fulfilled\|expired\s+yes", rp)


def _hooks():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    hooks = re.findall(r"- id: (\S+)\n(?:  .*\n)*?  entry: (.+)\n(?:  .*\n)*?  files: (.+)\n", text)
    hooks = [hook for hook in hooks if hook[1].startswith("eventspec check")]  # eventspec-lint: test_plan_docs.py
    assert len(hooks) == 2
    return hooks


@pytest.mark.parametrize("hook", _hooks(), ids=lambda h: h[0])
def test_pre_commit_hooks_run_as_declared(tmp_path, hook):
    _, entry, files = hook
    assert re.search(files, "fixtures/order.json") and re.search(files, "log.ndjson")
    assert not re.search(files, "notes.md")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(ndjson(GOOD, BAD))
    command = shlex.split(entry)
    assert command[0] == "eventspec"
    ok = subprocess.run([SCRIPT, *command[1:], str(good)], capture_output=True)
    assert ok.returncode == 0
    failed = subprocess.run([SCRIPT, *command[1:], str(good), str(bad)], capture_output=True)
    assert failed.returncode == 1 and b"bad.ndjson:2::$: error" in failed.stdout


@pytest.mark.parametrize(
    "payload,family",
    [
        ({"event_type": "track", "user_id": "u"}, "userpilot"),
        ({"type": "track", "event": "x", "anonymous_id": "a", "timestamp": "t"}, "retainpixel"),
        ({"type": "revenue", "amount": 1}, "retainpixel"),
        ({"name": "purchase", "customer_id": "c", "timestamp": 1700000000}, "customerio-event"),
        ({"name": "purchase"}, "customerio-event"),
        ({"type": "track", "event": "x", "userId": "u"}, "cdp"),
        ({"type": "track", "name": "Object Deleted", "properties": {}}, "cdp"),
        ({"batch": []}, "cdp"),
        ({"type": "page", "name": "Home", "userId": "u"}, "cdp"),
        (["not", "an", "object"], "cdp"),
    ],
)
def test_auto_detects_the_family(payload, family):
    from eventspec._cli import detect

    assert detect(payload) == family


TRICKY_LINES = [
    '{"a": NaN}', '{"a": Infinity}', '{"a": 123456789012345678901234567890}', '{"a": -9223372036854775809}',
    '{"a": 9223372036854775807}', '{"a": "\\ud800"}', '{"a": 1e400}', '{"a": -0}', '{"a": -0.0}', '{"a": 1E2}',
    '{"a":1,"a":2}', '{"a": 0.1000000000000000055511151231257827}', '{"a": "\\u00e9\\n"}', '[1, 2.5, true, null]',
    '{"a": 12345678901234567890.5}', '{"id": "1234567890123456789012"}', '{"a": 1.7976931348623157e308}',
]


@pytest.mark.parametrize("line", TRICKY_LINES)
def test_fast_parsing_accepts_and_returns_exactly_what_json_does(line):
    from eventspec._inputs import _fast_loads

    loads = _fast_loads()
    expected = json.loads(line)
    got = loads(line.encode())
    assert repr(got) == repr(expected)  # same values and the same Python types
    assert json.dumps(got) == json.dumps(expected)


@pytest.mark.parametrize("line", ['{"a": }', "{bad", '{"a": 1', "nul", '{"a": 01}'])
def test_fast_parsing_rejects_with_jsons_own_message(line):
    from eventspec._inputs import _fast_loads

    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(line)
    with pytest.raises(json.JSONDecodeError) as got:
        _fast_loads()(line.encode())
    assert str(got.value) == str(expected.value)


def test_progress_count_on_a_terminal(tmp_path):
    import os
    import pty

    source = tmp_path / "log.ndjson"
    source.write_bytes(ndjson(*([GOOD] * 3000)))
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    try:
        result = subprocess.run([SCRIPT, "check", str(source)], stdout=subprocess.PIPE, stderr=terminal,
                                env=env, timeout=120)
        os.close(terminal)
        terminal = -1
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    assert result.returncode == 0
    assert re.search(rb"\rchecked [0-9,]+ payload\(s\)", shown)
    assert b"\r" not in result.stdout  # the count never reaches the report


# --- the lean block loop and the line-size bound -------------------------------------

def _block_lines() -> bytes:
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    import corpus

    lines = [json.dumps(event) for event in corpus.corpus(400)]
    lines += TRICKY_LINES + [
        "", "   ", "not json", '{"type": "track", "event": "Order Completed"}\r',
        '{"type": "track", "userId": "u", "event": " Order Completed", "properties": {"orderId": "1"}}',
        '{"type": "track", "userId": "u", "event": "my event"}', '{"type": "track", "userId": "u", "event": "my event"}',
        '{"event_type": "track", "user_id": "u", "event_name": "x", "metadata": {"l": [1]}}',
        '{"type": "track", "userId": "u", "event": "x", "properties": {"big": "' + "x" * 40_000 + '"}}',
        '{"type": "track", "userId": "u", "event": "x", "properties": {"f": [' + ",".join(["1e15"] * 1800) + "]}}",
    ]
    return "\n".join(lines).encode() + b"\n\xff\xfe\n"


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
@pytest.mark.parametrize("spec", ["auto", "cdp"])
@pytest.mark.parametrize("strict", [False, True])
def test_the_block_loop_renders_what_the_item_loop_does(fmt, spec, strict):
    from eventspec._cli import Config, _check_block, _check_items
    from eventspec._inputs import Block, lines

    block = Block("log.ndjson", _block_lines(), 7)
    config = Config(spec, strict, fmt, False, False)
    lean = _check_block(block, config)
    general = _check_items(block.source, lines(block), config)
    assert "".join(lean.rendered) == "".join(general.rendered)
    assert lean.totals == general.totals
    assert lean.payloads == general.payloads
    assert lean.totals.invalid > 10 and lean.totals.valid > 200


def test_a_natively_parsed_line_is_never_bigger_as_compact_json_than_the_bound():
    from eventspec._inputs import LINE_BOUND, parse
    from eventspec._validate import json_size

    worst = [
        "[" + ",".join(["1e15"] * 500) + "]", '{"a":[1e15]}', '{"a":-1e15,"b":9e15}', '{"a":1e-5}',
        '{"k":"\\u00e9\\u00e9","s":"\\ud83d\\ude00"}', '{"a":1E+15}', '{"a":[0.1,0.2,1e22,5e-324]}',
    ]
    for line in worst + [json.dumps(e) for e in __import__("corpus").corpus(300)]:
        value, native = parse(line.encode())
        if native:  # with orjson installed; without it no bound is claimed
            assert json_size(value) <= LINE_BOUND * len(line.encode()), line[:80]


def test_workers_read_a_files_blocks_themselves(tmp_path):
    from eventspec._cli import Config, _check_block, _check_remote
    from eventspec._inputs import blocks, fetch, remote

    log = tmp_path / "log.ndjson"
    log.write_bytes(_block_lines() * 3)
    config = Config("auto", False, "text", False, False)
    with log.open("rb") as stream:
        parts = list(blocks(str(log), stream, size=4096, path=str(log)))
    assert len(parts) > 10
    for part in parts:
        light = remote(part)
        assert light.data == b"" and light.size == len(part.data)  # nothing to pickle but the place
        assert fetch(light) == part
        assert _check_remote(light, config) == _check_block(part, config)
    # a stream that is not a file keeps its bytes
    with log.open("rb") as stream:
        piped = next(blocks("<stdin>", stream, size=4096))
    assert remote(piped) is piped


def test_a_file_cut_short_while_being_checked_is_a_finding(tmp_path):
    from eventspec._cli import Config, _check_remote
    from eventspec._inputs import blocks, remote

    log = tmp_path / "log.ndjson"
    log.write_bytes(_block_lines())
    with log.open("rb") as stream:
        parts = [remote(part) for part in blocks(str(log), stream, size=4096, path=str(log))]
    log.write_bytes(b"")
    batch = _check_remote(parts[-1], Config("auto", False, "text", False, False))
    assert batch.totals.unreadable == 1
    assert "the file changed while it was being checked" in "".join(batch.rendered)


# --- hostile inputs: nothing crashes, nothing is lost, nothing reaches the terminal raw --

DEEP = b"[" * 100_000 + b"]" * 100_000  # valid JSON that no recursive parser can read


def _no_traceback(result: subprocess.CompletedProcess) -> None:
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")[-2000:]


@pytest.mark.parametrize("how", ["json file", "ndjson file", "stdin", "jobs 2"])
def test_deep_nesting_is_unreadable_and_the_run_goes_on(tmp_path, how):
    log = ndjson(GOOD) + DEEP + b"\n" + ndjson(BAD, GOOD)
    if how == "json file":
        (tmp_path / "deep.json").write_bytes(DEEP)
        (tmp_path / "zz-good.json").write_text(json.dumps(GOOD))
        result = run("check", str(tmp_path))
        assert f"{tmp_path / 'deep.json'}::$: error: nested too deeply to read [unreadable]".encode() in result.stdout
        assert b"2 payload(s) checked: 1 valid, 1 invalid" in result.stdout
    else:
        source = tmp_path / "log.ndjson"
        source.write_bytes(log)
        if how == "stdin":
            result, name = run("check", "-", stdin=log), "<stdin>"
        else:
            result, name = run("check", *(["--jobs", "2"] if how == "jobs 2" else []), str(source)), str(source)
        out = result.stdout.decode()
        assert f"{name}:2::$: error: nested too deeply to read [unreadable]" in out
        assert f"{name}:3::$: error: expected a non-empty userId" in out  # the lines after it are checked
        assert "4 payload(s) checked: 2 valid, 2 invalid" in out
    _no_traceback(result)
    assert result.returncode == 1


def test_a_deep_first_line_on_stdin_is_still_ndjson():
    result = run("check", "--format", "json", "-", stdin=DEEP + b"\n" + ndjson(GOOD))
    _no_traceback(result)
    results = json.loads(result.stdout)["results"]
    assert [(r["line"], r["ok"]) for r in results] == [(1, False), (2, True)]
    assert results[0]["errors"][0]["category"] == "unreadable"


def test_split_writes_payloads_nested_as_deep_as_the_parser_allows():
    from eventspec._reporters import _dumps

    levels = sys.getrecursionlimit() - 20  # what a parser near the bottom of the stack reads
    deep: list = []
    for _ in range(levels - 1):
        deep = [deep]

    def nested(depth: int) -> str:  # written from deeper in the stack
        return nested(depth - 1) if depth else _dumps(deep)

    with pytest.raises(RecursionError):
        json.dumps(deep)  # the standard library alone, from here
    assert nested(40) == "[" * levels + "]" * levels


SURROGATES = [  # valid JSON text holding a lone surrogate, in a value, a key, a finding's path
    {"type": "identify", "userId": "\ud800"},
    {"type": "identify", "userId": "u", "integrations": {"\ud800": 5}},
    {"type": "track", "userId": "u", "event": "Order Completed", "properties": {"revenue": "\udfff"}},
]


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
def test_a_lone_surrogate_is_escaped_in_every_format(tmp_path, fmt):
    source = tmp_path / "log.ndjson"
    source.write_bytes(ndjson(*SURROGATES))  # json.dumps writes them as \ud800 escapes
    (tmp_path / "doc.json").write_text(json.dumps(SURROGATES[1]))
    result = run("check", "--format", fmt, str(tmp_path))
    _no_traceback(result)
    assert result.returncode == 1
    out = result.stdout.decode("utf-8")  # strict: valid UTF-8
    assert "\\ud800" in out
    if fmt == "json":
        report = json.loads(out)
        assert report["summary"] == {"payloads": 4, "valid": 1, "invalid": 3, "errors": 3, "warnings": 0}
        paths = [e["path"] for r in report["results"] for e in r["errors"]]
        assert "$.integrations['\ud800']" in paths  # read back, the same string as in the payload
    if fmt == "junit":
        assert len(ET.fromstring(result.stdout).findall(".//failure")) == 3
    if fmt in ("text", "github"):
        assert out.count("\n") == 3 + 1  # one line per finding and the summary


def test_split_keeps_lone_surrogates_as_json_escapes(tmp_path):
    source = tmp_path / "log.ndjson"
    source.write_bytes(ndjson(*SURROGATES))
    (tmp_path / "doc.json").write_text(json.dumps([SURROGATES[0], SURROGATES[1]]))
    valid, invalid = tmp_path / "out" / "valid", tmp_path / "out" / "invalid"
    valid.parent.mkdir()
    result = run("check", "--split", str(valid), str(invalid), str(tmp_path / "doc.json"), str(source))
    _no_traceback(result)
    assert result.returncode == 1
    good = [json.loads(line) for line in valid.read_text(encoding="utf-8").splitlines()]
    bad = [json.loads(line) for line in invalid.read_text(encoding="utf-8").splitlines()]
    assert good == [SURROGATES[0], SURROGATES[0]]  # the same payloads, read back
    assert [entry["payload"] for entry in bad] == [SURROGATES[1], SURROGATES[1], SURROGATES[2]]


def test_a_file_name_that_is_not_utf8_is_escaped(tmp_path):
    import os

    name = os.fsdecode(b"bad-\xff.json")  # "bad-\udcff.json": a surrogate in a str
    try:
        (tmp_path / name).write_text(json.dumps(BAD))
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses file names that are not UTF-8")
    for fmt in ("text", "json", "junit", "github"):
        result = run("check", "--format", fmt, str(tmp_path))
        _no_traceback(result)
        assert result.returncode == 1
        assert "bad-\\udcff.json" in result.stdout.decode("utf-8")


HOSTILE_KEY = "\x1b[2J\x1b]0;pwned\x07\x00\x0c\x7f\x9b31m\u202e"  # clear screen, set title, bidi


def test_payload_control_characters_never_reach_the_terminal_raw(tmp_path):
    source = tmp_path / "log.ndjson"
    source.write_bytes(ndjson({"type": "identify", "userId": "u", "integrations": {HOSTILE_KEY: 5}}))
    for fmt in ("text", "github"):
        result = run("check", "--format", fmt, str(source))
        assert result.returncode == 1
        out = result.stdout.decode("utf-8")
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", out), repr(out)
        assert "\\x1b[2J\\x1b]0;pwned\\x07\\x00\\x0c\\x7f\\x9b31m\\u202e" in out  # shown, escaped


def test_junit_is_well_formed_whatever_the_payload_holds(tmp_path):
    source = tmp_path / "log.ndjson"
    source.write_bytes(ndjson(
        {"type": "identify", "userId": "u", "integrations": {HOSTILE_KEY + "\ufffe\ud800": 5}},
        {"type": "track", "userId": "u", "event": "order_completed", "integrations": {"\x01]]>": True}},
        {"type": "identify", "\x02": 1},
    ) + b"\x00\x01\n")
    result = run("check", "--format", "junit", "--strict", str(source))
    assert result.returncode == 1
    root = ET.fromstring(result.stdout)  # raises on a character XML cannot carry
    cases = root.findall(".//testcase")
    assert len(cases) == 4
    assert "\\x1b[2J" in cases[0].find("failure").text
    assert cases[3].find("error") is not None


def _overwrite_cases(tmp_path: Path) -> dict[str, tuple[list[str], Path, bytes | None]]:
    """Each way of naming an input as an output: (arguments, the input, stdin)."""
    import os

    data = tmp_path / "data"
    data.mkdir()
    one = data / "one.ndjson"
    one.write_bytes(ndjson(GOOD, BAD))
    (data / "link.ndjson").symlink_to(one)
    os.link(one, tmp_path / "hard.ndjson")
    spelled = str(tmp_path / "data" / ".." / "data" / "." / "one.ndjson")
    other = str(tmp_path / "other.ndjson")
    return {
        "--output is the input": (["--output", str(one), str(one)], one, None),
        "--output spelled otherwise": (["--output", spelled, str(one)], one, None),
        "--output through a symlink": (["--output", str(data / "link.ndjson"), str(one)], one, None),
        "--output is a hard link": (["--output", str(tmp_path / "hard.ndjson"), str(one)], one, None),
        "--split valid in a directory": (["--split", str(one), other, str(data)], one, None),
        "--split invalid is the input": (["--split", other, spelled, str(one)], one, None),
        "--output is stdin's file": (["--output", str(one), "-"], one, ndjson(GOOD)),
    }


OVERWRITES = ["--output is the input", "--output spelled otherwise", "--output through a symlink",
              "--output is a hard link", "--split valid in a directory", "--split invalid is the input",
              "--output is stdin's file"]


@pytest.mark.parametrize("case", OVERWRITES)
def test_an_output_that_is_an_input_is_refused_before_reading(tmp_path, case):
    args, victim, stdin = _overwrite_cases(tmp_path)[case]
    before = victim.read_bytes()
    if stdin is not None:
        with victim.open("rb") as stream:  # stdin redirected from the very file
            result = subprocess.run([SCRIPT, "check", *args], stdin=stream, capture_output=True, timeout=120)
    else:
        result = run("check", *args)
    _no_traceback(result)
    assert result.returncode == 2
    assert b"is also an input" in result.stderr and b"nothing was read or written" in result.stderr
    assert result.stdout == b""
    assert victim.read_bytes() == before
    assert not (tmp_path / "other.ndjson").exists()  # no output was even created


def test_two_outputs_that_are_one_file_are_refused(tmp_path):
    source = tmp_path / "in.ndjson"
    source.write_bytes(ndjson(GOOD, BAD))
    out = tmp_path / "out.ndjson"
    result = run("check", "--output", str(out), "--split", str(tmp_path / "v"), str(tmp_path / "." / "out.ndjson"),
                 str(source))
    assert result.returncode == 2 and b"are the same file" in result.stderr
    assert not out.exists()
    # a device is no file to lose: both outputs may be /dev/null
    assert run("check", "--split", "/dev/null", "/dev/null", str(source)).returncode == 1


def test_outputs_made_inside_an_input_directory_are_not_read_as_inputs(tmp_path):
    (tmp_path / "log.ndjson").write_bytes(ndjson(GOOD, BAD))
    valid, invalid = tmp_path / "valid.ndjson", tmp_path / "invalid.ndjson"
    result = run("check", "--split", str(valid), str(invalid), str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.decode().splitlines()[-1].startswith("2 payload(s) checked: 1 valid, 1 invalid")
    assert valid.read_bytes() == ndjson(GOOD)


def test_extensions_in_any_case_fifos_and_dangling_links_in_a_directory(tmp_path):
    import os

    (tmp_path / "Upper.JSON").write_text(json.dumps(BAD))
    (tmp_path / "log.NDJSON").write_bytes(ndjson(GOOD, BAD))
    (tmp_path / "notes.txt").write_text("not a payload file")
    sub = tmp_path / "sub"
    sub.mkdir()
    os.mkfifo(sub / "pipe.json")  # opened, it would wait for a writer for ever
    (sub / "dangling.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    (sub / "loop.json").symlink_to(sub / "loop.json")
    result = subprocess.run([SCRIPT, "check", str(tmp_path)], capture_output=True, timeout=60)
    _no_traceback(result)
    assert result.returncode == 1
    out = result.stdout.decode()
    assert f"{tmp_path / 'Upper.JSON'}::$: error: expected a non-empty userId" in out
    assert f"{tmp_path / 'log.NDJSON'}:2::$: error: expected a non-empty userId" in out  # read as NDJSON
    assert f"{sub / 'pipe.json'}::$: error: not a regular file (a FIFO): not read [unreadable]" in out
    assert f"{sub / 'dangling.jsonl'}::$: error: dangling symbolic link" in out
    assert f"{sub / 'loop.json'}::$: error: cannot read: Too many levels of symbolic links" in out
    assert out.splitlines()[-1].startswith("6 payload(s) checked: 1 valid, 5 invalid; 5 error(s)")
    assert "notes.txt" not in out


def test_a_fifo_named_on_the_command_line_is_read(tmp_path):
    import os
    import threading

    fifo = tmp_path / "events.ndjson"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as stream:  # waits for eventspec to open it
            stream.write(ndjson(GOOD, BAD))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = subprocess.run([SCRIPT, "check", str(fifo)], capture_output=True, timeout=60)
    writer.join(5)
    assert result.returncode == 1
    assert b"2 payload(s) checked: 1 valid, 1 invalid" in result.stdout


def test_an_unreadable_subdirectory_is_reported(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("running as root, which reads a chmod 000 directory anyway; "
                    "test_an_unlistable_subdirectory_is_reported simulates it")
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.json").write_text(json.dumps(GOOD))
    locked.chmod(0)
    try:
        result = run("check", str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1
    assert f"{locked}::$: error: cannot read directory: Permission denied [unreadable]".encode() in result.stdout


def test_an_unlistable_subdirectory_is_reported(tmp_path, monkeypatch, capsys):
    # What a chmod 000 directory does to a user who is not root, simulated for any user.
    import os

    from eventspec._cli import main

    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.json").write_text(json.dumps(GOOD))
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{locked}::$: error: cannot read directory: Permission denied [unreadable]" in out
    assert "2 payload(s) checked: 1 valid, 1 invalid" in out


@pytest.mark.parametrize(
    "redirect,code,message",
    [
        ("check - <&-", 2, b"standard input is closed"),
        ("check {good} >&-", 2, b"standard output is closed"),
        ("list >&-", 2, b"standard output is closed"),
        ("check {good} <&-", 0, b""),  # stdin is not an input: no matter
        ("check {good} --output {report} >&-", 0, b""),  # stdout is not needed
    ],
)
def test_closed_standard_streams(tmp_path, redirect, code, message):
    good, report = tmp_path / "good.json", tmp_path / "report.txt"
    good.write_text(json.dumps(GOOD))
    command = '"$0" ' + redirect.format(good=shlex.quote(str(good)), report=shlex.quote(str(report)))
    result = subprocess.run(["sh", "-c", command, SCRIPT], capture_output=True, timeout=120)
    _no_traceback(result)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    if "--output" in redirect:
        assert report.read_text().startswith("1 payload(s) checked: 1 valid")

NON_FINITE_LINES = [
    b'{"type": "track", "userId": "u", "event": "Order Completed", "properties": {"total": NaN}}',
    b'{"type": "identify", "userId": "u", "traits": {"debt": -Infinity, "scores": [1, Infinity]}}',
    json.dumps(GOOD).encode(),
]
NON_FINITE_FINDINGS = [
    (1, "$.properties.total", "NaN"),
    (2, "$.traits.debt", "-Infinity"),
    (2, "$.traits.scores[1]", "Infinity"),
]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_nan_and_infinity_tokens_in_ndjson_lines_are_errors_at_their_path(tmp_path, jobs):
    # Python's json reads these tokens (orjson refuses them); JSON has no such numbers
    log = tmp_path / "log.ndjson"
    log.write_bytes(b"\n".join(NON_FINITE_LINES) + b"\n")
    result = run("check", "--jobs", jobs, str(log))
    assert result.returncode == 1
    out = result.stdout.decode()
    for line, path, token in NON_FINITE_FINDINGS:
        assert f"{log}:{line}::{path}: error: found {token}: JSON has no such number" in out
    assert "3 payload(s) checked: 1 valid, 2 invalid; 3 error(s)" in out


def test_nan_and_infinity_tokens_from_stdin_and_in_json_documents(tmp_path):
    result = run("check", "--format", "json", "-", stdin=b"\n".join(NON_FINITE_LINES) + b"\n")
    document = json.loads(result.stdout)
    found = [(p["line"], f["path"], f["category"]) for p in document["results"] for f in p["errors"]]
    assert found == [(line, path, "not-json") for line, path, _ in NON_FINITE_FINDINGS]
    array = tmp_path / "payloads.json"
    array.write_bytes(b"[" + b",".join(NON_FINITE_LINES) + b"]")
    result = run("check", str(array))
    assert result.returncode == 1
    assert f"{array}[0]::$.properties.total: error: found NaN".encode() in result.stdout
