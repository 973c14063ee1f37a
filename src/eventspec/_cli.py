"""The ``eventspec`` command: check fixture payloads and event logs.

Parse arguments -> read payloads (a file that fails to parse is a result, never an
exception that stops the run) -> validate each -> report. Exit 0 when every payload
is valid, 1 when any has an error (or, with --strict, a warning), 2 for usage errors.
argparse (standard library) keeps the command free of extra dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ._catalog import FAMILIES
from ._findings import Finding, Report

EXTENSIONS = (".json", ".ndjson", ".jsonl")


@dataclass(frozen=True)
class Item:
    """One payload read from an input, or the reason it could not be read."""

    source: str  # file name, or "<stdin>"
    location: str  # "line 3", "item 2", or "" for a whole-file payload
    line: int | None
    payload: Any = None
    problem: str | None = None  # set when the input could not be parsed


@dataclass(frozen=True)
class Result:
    item: Item
    report: Report | None
    spec: str | None


class UsageError(Exception):
    pass


def detect(payload: Any) -> str:
    """Guess the spec family from a payload's shape (``--spec auto``)."""
    if not isinstance(payload, dict):
        return "cdp"
    if "event_type" in payload:
        return "userpilot"
    if "type" in payload and ({"anonymous_id", "user_id", "group_id"} & payload.keys()):
        return "retainpixel"
    if payload.get("type") == "revenue":
        return "retainpixel"
    if "name" in payload and "event" not in payload and payload.get("type") in (None, "event", "page", "screen") and (
        {"customer_id", "data"} & payload.keys() or isinstance(payload.get("timestamp"), int)
        or not ({"userId", "anonymousId", "type"} & payload.keys())
    ):
        return "customerio-event"
    return "cdp"


def _read_text(path: Path | None, stream: TextIO | None) -> tuple[str | None, str | None]:
    try:
        if path is not None:
            data = path.read_bytes()
        else:
            assert stream is not None
            data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, f"not valid UTF-8 (byte {error.start})"
    except OSError as error:
        return None, f"cannot read: {error.strerror}"


def _items(source: str, text: str, ndjson: bool) -> Iterator[Item]:
    if ndjson:
        count = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            count += 1
            try:
                yield Item(source, f"line {number}", number, json.loads(line))
            except ValueError as error:
                yield Item(source, f"line {number}", number, problem=f"not JSON: {error}")
        if count == 0:
            yield Item(source, "", None, problem="empty file: no payloads")
        return
    if not text.strip():
        yield Item(source, "", None, problem="empty file: no payloads")
        return
    try:
        data = json.loads(text)
    except ValueError as error:
        yield Item(source, "", getattr(error, "lineno", None), problem=f"not JSON: {error}")
        return
    if isinstance(data, list):
        if not data:
            yield Item(source, "", None, problem="empty array: no payloads")
        for index, payload in enumerate(data):
            yield Item(source, f"item {index}", None, payload)
    else:
        yield Item(source, "", None, data)


def read(paths: list[str], stdin: TextIO) -> Iterator[Item]:
    for name in paths:
        if name == "-":
            text, problem = _read_text(None, stdin)
            if problem or text is None:
                yield Item("<stdin>", "", None, problem=problem)
                continue
            # stdin holds one JSON document, or NDJSON when that does not parse
            lines = [line for line in text.splitlines() if line.strip()]
            ndjson = len(lines) > 1 and _is_ndjson(text)
            yield from _items("<stdin>", text, ndjson)
            continue
        path = Path(name)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in EXTENSIONS)
            if not files:
                yield Item(name, "", None, problem="directory holds no .json, .ndjson or .jsonl files")
            for file in files:
                yield from _file(file)
        elif path.exists():
            yield from _file(path)
        else:
            raise UsageError(f"no such file or directory: {name}")


def _is_ndjson(text: str) -> bool:
    try:
        json.loads(text)
        return False
    except ValueError:
        return True


def _file(path: Path) -> Iterator[Item]:
    text, problem = _read_text(path, None)
    if problem or text is None:
        yield Item(str(path), "", None, problem=problem)
        return
    yield from _items(str(path), text, path.suffix in (".ndjson", ".jsonl"))


def run(items: Iterator[Item], spec: str, strict: bool) -> Iterator[Result]:
    from ._validate import validate

    for item in items:
        if item.problem is not None:
            yield Result(item, None, None)
            continue
        family = detect(item.payload) if spec == "auto" else spec
        yield Result(item, validate(item.payload, spec=family, strict=strict), family)


def _where(result: Result) -> str:
    item = result.item
    return item.source + (f":{item.line}" if item.line else "") + (
        f" ({item.location})" if item.location and not item.location.startswith("line") else ""
    )


def _failed(result: Result, strict: bool) -> bool:
    if result.report is None:
        return True
    return not result.report.ok or (strict and bool(result.report.warnings))


def _text(results: list[Result], strict: bool, spec: str, out: TextIO) -> None:
    color = out.isatty() and "NO_COLOR" not in os.environ
    red, yellow, reset = ("\033[31m", "\033[33m", "\033[0m") if color else ("", "", "")
    errors = warnings = bad = 0
    for result in results:
        if result.report is None:
            bad += 1
            errors += 1
            print(f"{red}{_where(result)}: error: {result.item.problem} [unreadable]{reset}", file=out)
            continue
        report = result.report
        bad += _failed(result, strict)
        assumed = f" [spec {result.spec} assumed]" if spec == "auto" else ""
        for finding in report.findings:
            tint = red if finding.severity == "error" else yellow
            print(f"{tint}{_where(result)}::{finding.path}: {finding.severity}: "
                  f"{finding.message} [{finding.category}]{assumed}{reset}", file=out)
        errors += len(report.errors)
        warnings += len(report.warnings)
    print(
        f"{len(results)} payload(s) checked: {len(results) - bad} valid, {bad} invalid; "
        f"{errors} error(s), {warnings} warning(s)",
        file=out,
    )


def _json(results: list[Result], strict: bool, out: TextIO) -> None:
    payloads = []
    for result in results:
        entry: dict[str, Any] = {
            "source": result.item.source,
            "location": result.item.location or None,
            "line": result.item.line,
            "spec": result.spec,
            "ok": not _failed(result, strict),
        }
        if result.report is None:
            entry["errors"] = [
                Finding("$", result.item.problem or "", "not-json").to_dict() | {"category": "unreadable"}
            ]
            entry["warnings"] = []
        else:
            entry.update({k: v for k, v in result.report.to_dict().items() if k not in ("ok", "spec")})
        payloads.append(entry)
    summary = {
        "payloads": len(results),
        "valid": sum(p["ok"] for p in payloads),
        "invalid": sum(not p["ok"] for p in payloads),
        "errors": sum(len(p["errors"]) for p in payloads),
        "warnings": sum(len(p["warnings"]) for p in payloads),
    }
    json.dump({"ok": summary["invalid"] == 0, "summary": summary, "results": payloads}, out, indent=2)
    out.write("\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventspec", description="Check analytics event payloads against bundled vendor specs."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check payload files, directories or stdin")
    check.add_argument("paths", nargs="+", metavar="PATH",
                       help=".json (one payload or an array), .ndjson/.jsonl, a directory, or - for stdin")
    check.add_argument("--spec", default="auto", choices=("auto", *FAMILIES),
                       help="spec family, or auto to recognise it from each payload (default)")
    check.add_argument("--strict", action="store_true",
                       help="unknown track events are errors, and warnings fail the run")
    check.add_argument("--format", default="text", choices=("text", "json"), help="output format")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``eventspec`` console script."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # argparse exits 2 on usage errors already
        return int(exit.code or 0)
    try:
        results = list(run(read(args.paths, sys.stdin), args.spec, args.strict))
    except UsageError as error:
        print(f"eventspec: error: {error}", file=sys.stderr)
        return 2
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.format == "json":
            _json(results, args.strict, out)
        else:
            _text(results, args.strict, args.spec, out)
    finally:
        if args.output:
            out.close()
    return 1 if any(_failed(r, args.strict) for r in results) else 0
