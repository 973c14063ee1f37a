"""Output formats of ``eventspec check``: text, json, junit and github.

A reporter sees each result as it is produced (``add``) and the totals at the end
(``finish``), so text and github output stream; json and junit keep one small entry
per payload, never the payloads themselves.
"""

from __future__ import annotations

import json
import os
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
    by_event: Counter[str] = field(default_factory=Counter)

    def add(self, result: Result, strict: bool) -> None:
        self.payloads += 1
        failed = result.failed(strict)
        self.invalid += failed
        self.valid += not failed
        report = result.report
        if report is None:
            self.errors += 1
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


def where(item: Item) -> str:
    """``file:line`` for NDJSON lines and parse errors, ``file[item 3]`` for arrays."""
    text = item.source
    if item.index is not None:
        text += f"[{item.index}]"
    elif item.line is not None:
        text += f":{item.line}"
    return text


class Text:
    def __init__(self, out: TextIO, strict: bool) -> None:
        self.out = out
        color = out.isatty() and "NO_COLOR" not in os.environ
        self.red, self.yellow, self.reset = ("\033[31m", "\033[33m", "\033[0m") if color else ("", "", "")

    def add(self, result: Result) -> None:
        assumed = f" (spec {result.spec} assumed)" if result.auto and result.report else ""
        for finding in result.findings():
            tint = self.red if finding.severity == "error" else self.yellow
            self.out.write(
                f"{tint}{where(result.item)}::{finding.path}: {finding.severity}: "
                f"{finding.message} [{finding.category}]{assumed}{self.reset}\n"
            )
            assumed = ""

    def finish(self, totals: Totals) -> None:
        self.out.write(totals.line() + "\n")


class Json:
    """One JSON object: ``{"results": [...], "summary": {...}, "ok": ...}``; see docs/ci.md.

    Results are written as they come, one compact object per line, so a large log is
    never held in memory and the standard library's C encoder does the work.
    """

    def __init__(self, out: TextIO, strict: bool) -> None:
        self.out, self.strict, self.first = out, strict, True
        self.encode = json.JSONEncoder(ensure_ascii=False).encode
        self.parts: dict[tuple[Any, ...], tuple[str, str]] = {}

    def add(self, result: Result) -> None:
        report = result.report
        if report is not None and not report.findings:
            # most results: a fixed shape, encoded once per source and outcome
            item = result.item
            before, after = self._clean(item.source, result.spec, report.call, report.event)
            self.out.write(('{"results": [\n  ' if self.first else ",\n  ") + before + _number(item.line)
                           + ', "index": ' + _number(item.index) + after)
            self.first = False
            return
        entry = {
            "source": result.item.source,
            "line": result.item.line,
            "index": result.item.index,
            "spec": result.spec,
            "call": report.call if report else None,
            "event": report.event if report else None,
            "ok": not result.failed(self.strict),
            "errors": [f.to_dict() for f in (report.errors if report else result.findings())],
            "warnings": [f.to_dict() for f in (report.warnings if report else ())],
        }
        self.out.write(('{"results": [\n  ' if self.first else ",\n  ") + self.encode(entry))
        self.first = False

    def _clean(self, source: str, spec: str | None, call: str | None, event: str | None) -> tuple[str, str]:
        key = (source, spec, call, event)
        if key not in self.parts:
            self.parts[key] = (
                '{"source": ' + self.encode(source) + ', "line": ',
                ', "spec": ' + self.encode(spec) + ', "call": ' + self.encode(call) + ', "event": '
                + self.encode(event) + ', "ok": true, "errors": [], "warnings": []}',
            )
        return self.parts[key]

    def finish(self, totals: Totals) -> None:
        self.out.write('{"results": [' if self.first else "\n")
        self.out.write(f'], "summary": {json.dumps(totals.to_dict())}, "ok": {json.dumps(totals.invalid == 0)}}}\n')


def _number(value: int | None) -> str:
    return "null" if value is None else str(value)


class Junit:
    """One test case per payload, for CI dashboards."""

    def __init__(self, out: TextIO, strict: bool) -> None:
        self.out, self.strict, self.cases = out, strict, []

    def add(self, result: Result) -> None:
        self.cases.append(result)

    def finish(self, totals: Totals) -> None:
        from xml.etree import ElementTree as ET

        counts = {
            "tests": str(totals.payloads),
            "failures": str(sum(r.report is not None and r.failed(self.strict) for r in self.cases)),
            "errors": str(sum(r.report is None for r in self.cases)),
        }
        root = ET.Element("testsuites", name="eventspec", **counts)
        suite = ET.SubElement(root, "testsuite", name="eventspec check", skipped="0", **counts)
        for result in self.cases:
            report = result.report
            name = result.item.location or "payload"
            if report is not None:
                name += f" ({report.event or report.call or 'unknown call'}, {result.spec})"
            case = ET.SubElement(suite, "testcase", classname=result.item.source, name=name)
            if report is None:
                ET.SubElement(case, "error", message=result.item.problem or "", type="unreadable").text = (
                    result.item.problem
                )
            elif result.failed(self.strict):
                findings = report.findings
                ET.SubElement(case, "failure", message=str(findings[0]), type=findings[0].category).text = (
                    "\n".join(f"{f.severity}: {f}" for f in findings)
                )
            elif report.warnings:
                ET.SubElement(case, "system-out").text = "\n".join(f"warning: {f}" for f in report.warnings)
        ET.indent(root)
        self.out.write('<?xml version="1.0" encoding="utf-8"?>\n')
        self.out.write(ET.tostring(root, encoding="unicode") + "\n")


def _escape(text: str, *, property: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


class Github:
    """GitHub Actions workflow commands: one annotation per finding."""

    def __init__(self, out: TextIO, strict: bool) -> None:
        self.out = out

    def add(self, result: Result) -> None:
        item = result.item
        props = f"file={_escape(item.source, property=True)}"
        if item.line is not None:
            props += f",line={item.line}"
        for finding in result.findings():
            level = "error" if finding.severity == "error" else "warning"
            title = _escape(f"eventspec {finding.category}", property=True)
            message = _escape(f"{item.location + ' ' if item.location else ''}{finding.path}: {finding.message}")
            self.out.write(f"::{level} {props},title={title}::{message}\n")

    def finish(self, totals: Totals) -> None:
        self.out.write(totals.line() + "\n")


REPORTERS = {"text": Text, "json": Json, "junit": Junit, "github": Github}
