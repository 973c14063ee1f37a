"""Output formats of ``eventspec check``: text, json, junit and github.

A format renders each result to a string on its own (in a worker process, with
--jobs); a `Writer` puts the strings out in input order between the format's head and
tail. Text, github and json stream; junit, whose head carries the counts, holds its
rendered test cases until the end (strings, never payloads).

What a payload or a file name puts in a report is escaped where it could do harm:
control characters in text output (an ANSI escape sequence would drive the terminal)
and in JUnit XML (which cannot carry them at all). What UTF-8 cannot encode (a lone
surrogate) is escaped by the output streams themselves (``errors="backslashreplace"``).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TextIO

from ._findings import Finding, Report
from ._inputs import Item


class Result(NamedTuple):
    """One payload's verdict: a report, or the problem that kept it from being read."""

    item: Item
    report: Report | None
    spec: str | None
    auto: bool = False  # the family was recognised from the payload's shape

    def findings(self) -> tuple[Finding, ...]:
        if self.report is not None:
            return self.report.findings
        return (Finding("$", self.item.problem or "", "unreadable"),)

    def failed(self, strict: bool) -> bool:
        if self.report is None:
            return True
        return not self.report.ok or (strict and bool(self.report.warnings))


@dataclass
class Totals:
    payloads: int = 0
    valid: int = 0
    invalid: int = 0
    errors: int = 0
    warnings: int = 0
    unreadable: int = 0
    by_event: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Totals) -> None:
        self.payloads += other.payloads
        self.valid += other.valid
        self.invalid += other.invalid
        self.errors += other.errors
        self.warnings += other.warnings
        self.unreadable += other.unreadable
        self.by_event.update(other.by_event)

    def add(self, result: Result, strict: bool) -> None:
        self.payloads += 1
        failed = result.failed(strict)
        self.invalid += failed
        self.valid += not failed
        report = result.report
        if report is None:
            self.errors += 1
            self.unreadable += 1
            return
        self.errors += len(report.errors)
        self.warnings += len(report.warnings)
        if report.findings:
            self.by_event[report.event or report.call or "(no call)"] += len(report.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "payloads": self.payloads,
            "valid": self.valid,
            "invalid": self.invalid,
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def line(self) -> str:
        text = (
            f"{self.payloads} payload(s) checked: {self.valid} valid, {self.invalid} invalid; "
            f"{self.errors} error(s), {self.warnings} warning(s)"
        )
        if self.by_event:
            text += " (findings by event: " + ", ".join(
                f"{name} {count}" for name, count in sorted(self.by_event.items())
            ) + ")"
        return text


# Characters that must not reach a terminal or an XML file as they are: C0 and C1
# controls (ANSI sequences start with ESC or CSI) and DEL, the line and paragraph
# separators, the bidirectional overrides that reorder what is shown, lone surrogates,
# and the two noncharacters XML 1.0 excludes.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    r"""``text`` with unsafe characters written as Python writes them (``\x1b``, ``\n``).

    >>> print(visible("key\x1b[2J\u202e\n"))
    key\x1b[2J\u202e\n
    """
    return _UNSAFE.sub(_escaped, text) if _UNSAFE.search(text) else text


def where(item: Item) -> str:
    """``file:line`` for NDJSON lines and parse errors, ``file[item 3]`` for arrays."""
    text = item.source
    if item.position is not None:
        text += f"[{item.position}]"
    elif item.line is not None:
        text += f":{item.line}"
    return text


class Format:
    """How an output format renders one result, and what comes before and after.

    Rendering is a function of the result alone, so worker processes render their
    own results (``--jobs``) and the parent only writes strings in order.
    """

    separator = ""  # between rendered results
    buffered = False  # the head depends on the totals: write everything at the end
    silent_when_clean = False  # a result without findings renders as nothing

    def __init__(self, strict: bool, color: bool = False) -> None:
        self.strict = strict
        self.color = color

    def render(self, result: Result) -> str:
        raise NotImplementedError

    def head(self, totals: Totals) -> str:
        return ""

    def tail(self, totals: Totals, empty: bool) -> str:
        return totals.line() + "\n"


class Text(Format):
    silent_when_clean = True

    def render(self, result: Result) -> str:
        red, yellow, reset = ("\033[31m", "\033[33m", "\033[0m") if self.color else ("", "", "")
        assumed = f" (spec {result.spec} assumed)" if result.auto and result.report else ""
        lines = []
        place = visible(where(result.item))
        for finding in result.findings():
            tint = red if finding.severity == "error" else yellow
            lines.append(f"{tint}{place}::{visible(finding.path)}: {finding.severity}: "
                         f"{visible(finding.message)} [{finding.category}]{assumed}{reset}\n")
            assumed = ""
        return "".join(lines)


class Json(Format):
    """One JSON object: ``{"results": [...], "summary": {...}, "ok": ...}``; see docs/ci.md.

    One compact object per line, written as results come (constant memory); results
    without findings, most of them, come from a template encoded once per shape.
    """

    separator = ",\n  "

    def __init__(self, strict: bool, color: bool = False) -> None:
        super().__init__(strict, color)
        self.encode = json.JSONEncoder(ensure_ascii=False).encode
        self.parts: dict[tuple[Any, ...], tuple[str, str]] = {}

    def render(self, result: Result) -> str:
        report, item = result.report, result.item
        if report is not None and not report.findings:
            before, after = self._clean(item.source, result.spec, report.call, report.event)
            return before + _number(item.line) + ', "index": ' + _number(item.position) + after
        return self.encode({
            "source": item.source,
            "line": item.line,
            "index": item.position,
            "spec": result.spec,
            "call": report.call if report else None,
            "event": report.event if report else None,
            "ok": not result.failed(self.strict),
            "errors": [f.to_dict() for f in (report.errors if report else result.findings())],
            "warnings": [f.to_dict() for f in (report.warnings if report else ())],
        })

    def _clean(self, source: str, spec: str | None, call: str | None, event: str | None) -> tuple[str, str]:
        key = (source, spec, call, event)
        if key not in self.parts:
            self.parts[key] = (
                '{"source": ' + self.encode(source) + ', "line": ',
                ', "spec": ' + self.encode(spec) + ', "call": ' + self.encode(call) + ', "event": '
                + self.encode(event) + ', "ok": true, "errors": [], "warnings": []}',
            )
        return self.parts[key]

    def head(self, totals: Totals) -> str:
        return '{"results": [\n  '

    def tail(self, totals: Totals, empty: bool) -> str:
        return ("" if empty else "\n") + (
            f'], "summary": {json.dumps(totals.to_dict())}, "ok": {json.dumps(totals.invalid == 0)}}}\n'
        )


def _number(value: int | None) -> str:
    return "null" if value is None else str(value)


class Junit(Format):
    """One test case per payload, for CI dashboards; the counts lead, so it is buffered."""

    buffered = True
    separator = ""

    def render(self, result: Result) -> str:
        from xml.sax.saxutils import escape, quoteattr

        # Every string from a payload or a file name goes through `visible`: XML 1.0
        # cannot carry most control characters, not even as character references.
        report = result.report
        name = result.item.location or "payload"
        if report is not None:
            name += f" ({report.event or report.call or 'unknown call'}, {result.spec})"
        case = f"    <testcase classname={quoteattr(visible(result.item.source))} name={quoteattr(visible(name))}"
        if report is None:
            problem = visible(result.item.problem or "")
            return case + f'>\n      <error message={quoteattr(problem)} type="unreadable">{escape(problem)}</error>\n    </testcase>\n'
        if result.failed(self.strict):
            findings = report.findings
            text = escape("\n".join(f"{f.severity}: {visible(str(f))}" for f in findings))
            return case + (f">\n      <failure message={quoteattr(visible(str(findings[0])))} "
                           f"type={quoteattr(findings[0].category)}>{text}</failure>\n    </testcase>\n")
        if report.warnings:
            text = escape("\n".join(f"warning: {visible(str(f))}" for f in report.warnings))
            return case + f">\n      <system-out>{text}</system-out>\n    </testcase>\n"
        return case + " />\n"

    def head(self, totals: Totals) -> str:
        counts = f'tests="{totals.payloads}" failures="{totals.invalid - totals.unreadable}" errors="{totals.unreadable}"'
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="eventspec" {counts}>\n'
                f'  <testsuite name="eventspec check" skipped="0" {counts}>\n')

    def tail(self, totals: Totals, empty: bool) -> str:
        return "  </testsuite>\n</testsuites>\n"


def _escape(text: str, *, property: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


class Github(Format):
    """GitHub Actions workflow commands: one annotation per finding."""

    silent_when_clean = True

    def render(self, result: Result) -> str:
        item = result.item
        props = f"file={_escape(visible(item.source), property=True)}"
        if item.line is not None:
            props += f",line={item.line}"
        lines = []
        for finding in result.findings():
            level = "error" if finding.severity == "error" else "warning"
            title = _escape(f"eventspec {finding.category}", property=True)
            where = f"{item.location + ' ' if item.location else ''}{finding.path}"
            message = _escape(visible(f"{where}: {finding.message}"))
            lines.append(f"::{level} {props},title={title}::{message}\n")
        return "".join(lines)


FORMATS: dict[str, type[Format]] = {"text": Text, "json": Json, "junit": Junit, "github": Github}


def split_lines(result: Result, strict: bool) -> tuple[str, str]:
    """--split: the line for the valid file, or the annotated line for the invalid one."""
    item = result.item
    if not result.failed(strict):
        line = item.raw.decode("utf-8") if item.raw is not None else _dumps(item.payload)
        return line + "\n", ""
    entry: dict[str, Any] = {"source": item.source, "line": item.line, "index": item.position}
    if result.report is None:
        entry["raw"] = item.raw.decode("utf-8", errors="replace") if item.raw is not None else None
    else:
        entry["payload"] = item.payload
    entry["errors"] = [f.to_dict() for f in result.findings() if f.severity == "error"]
    entry["warnings"] = [f.to_dict() for f in result.findings() if f.severity == "warning"]
    return "", _dumps(entry) + "\n"


def _dumps(value: Any) -> str:
    """One JSON line. A value parsed from JSON is at most about a thousand levels deep
    (the parsers' own limits), but it was parsed nearer the bottom of the call stack
    than it is written from here: allow the encoder the few more levels it needs."""
    try:
        return json.dumps(value, ensure_ascii=False, default=repr)
    except RecursionError:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + 1000)
        try:
            return json.dumps(value, ensure_ascii=False, default=repr)
        finally:
            sys.setrecursionlimit(limit)


class Writer:
    """Writes rendered results in order, with the format's head, separators and tail."""

    def __init__(self, fmt: Format, out: TextIO) -> None:
        self.fmt, self.out, self.empty = fmt, out, True
        self.held: list[str] = []
        if not fmt.buffered:
            out.write(fmt.head(Totals()))

    def add(self, rendered: list[str]) -> None:
        if self.fmt.buffered:
            self.held.extend(rendered)
            return
        if self.fmt.separator:
            if not rendered:
                return
            text = self.fmt.separator.join(rendered)
            self.out.write(text if self.empty else self.fmt.separator + text)
        else:
            self.out.write("".join(rendered))
        self.empty = False

    def finish(self, totals: Totals) -> None:
        if self.fmt.buffered:
            self.out.write(self.fmt.head(totals) + "".join(self.held))
        self.out.write(self.fmt.tail(totals, self.empty))
