"""The ``eventspec`` command: check fixture payloads and event logs; list and show specs.

Parse (argparse, from the standard library: the command needs no dependency of its
own) -> read payloads -> validate each (in worker processes with --jobs) -> report.
Exit 0 when every payload is valid, 1 when any has an error (with --strict, also a
warning), 2 for usage errors (an unknown spec, a missing file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from functools import partial
from typing import IO, Any, TextIO

from ._catalog import FAMILIES
from ._inputs import Item, UsageError, check_paths, parse_line, read
from ._reporters import REPORTERS, Result, Totals
from ._validate import validate


def detect(payload: Any) -> str:
    """Recognise a payload's spec family from its shape (``--spec auto``).

    ``event_type`` is Userpilot's; snake_case ids beside a ``type`` (or a revenue call)
    are RetainPixel's; a ``name`` with no ``event``/camelCase ids is a Customer.io Track
    API event; everything else is cdp.
    """
    if not isinstance(payload, dict):
        return "cdp"
    keys = payload.keys()
    if "event_type" in keys:
        return "userpilot"
    if "type" in keys and ({"anonymous_id", "user_id", "group_id"} & keys or payload["type"] == "revenue"):
        return "retainpixel"
    if (
        "name" in keys
        and not {"event", "userId", "anonymousId", "batch", "previousId", "groupId"} & keys
        and payload.get("type") in (None, "event", "page", "screen")
    ):
        return "customerio-event"
    return "cdp"


def _check_one(item: Item, spec: str, strict: bool, keep: bool) -> Result:
    item = parse_line(item)
    if item.problem is not None:
        return Result(item, None, None)
    family = detect(item.payload) if spec == "auto" else spec
    report = validate(item.payload, spec=family, strict=strict)
    return Result(item, report, family, auto=spec == "auto")


def _check_chunk(items: list[Item], spec: str, strict: bool, keep: bool) -> list[Any]:
    """A worker's share. What goes back is kept small: no payload unless --split needs
    it, and for a clean report only what names it (reports without findings are
    shared values, rebuilt in the parent instead of pickled)."""
    from ._validate import clean_key

    out: list[Any] = []
    for item in items:
        result = _check_one(item, spec, strict, keep)
        if not keep:
            result = result._replace(item=result.item._replace(payload=None, raw=None))
        report = result.report
        if report is not None and not report.findings:
            out.append((result.item, clean_key(report), result.spec, result.auto))
        else:
            out.append(result)
    return out


def _unpack(value: Any) -> Result:
    if isinstance(value, Result):
        return value
    from ._validate import clean_report

    item, key, family, auto = value
    return Result(item, clean_report(key), family, auto)


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def check(items: Iterable[Item], spec: str, strict: bool, jobs: int, keep: bool) -> Iterator[Result]:
    """Results in input order; with jobs > 1, in worker processes, a bounded window ahead."""
    if jobs <= 1:
        for item in items:
            yield _check_one(item, spec, strict, keep)
        return
    from concurrent.futures import ProcessPoolExecutor

    work = partial(_check_chunk, spec=spec, strict=strict, keep=keep)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        window: deque[Any] = deque()
        for chunk in _chunks(items, 500):
            window.append(pool.submit(work, chunk))
            if len(window) >= jobs * 4:
                yield from map(_unpack, window.popleft().result())
        while window:
            yield from map(_unpack, window.popleft().result())


class _Progress:
    """A count on stderr, only for a person at a terminal (never in CI logs)."""

    def __init__(self, stream: TextIO) -> None:
        self.on = stream.isatty() and not os.environ.get("CI")
        self.stream, self.count, self.shown = stream, 0, 0.0

    def tick(self) -> None:
        self.count += 1
        if not self.on or self.count % 256:
            return
        now = time.monotonic()
        if now - self.shown > 0.2:
            self.shown = now
            self.stream.write(f"\rchecked {self.count:,} payload(s)…")
            self.stream.flush()

    def done(self) -> None:
        if self.on and self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


class _Split:
    """--split: every payload goes to exactly one of two NDJSON files."""

    def __init__(self, valid: str, invalid: str) -> None:
        self.valid = open(valid, "w", encoding="utf-8")
        self.invalid = open(invalid, "w", encoding="utf-8")

    def add(self, result: Result, strict: bool) -> None:
        item = result.item
        if not result.failed(strict):
            line = item.raw.decode("utf-8") if item.raw is not None else json.dumps(item.payload, ensure_ascii=False)
            self.valid.write(line + "\n")
            return
        entry: dict[str, Any] = {"source": item.source, "line": item.line, "index": item.index}
        if result.report is None:
            entry["raw"] = item.raw.decode("utf-8", errors="replace") if item.raw is not None else None
        else:
            entry["payload"] = item.payload
        entry["errors"] = [f.to_dict() for f in result.findings() if f.severity == "error"]
        entry["warnings"] = [f.to_dict() for f in result.findings() if f.severity == "warning"]
        self.invalid.write(json.dumps(entry, ensure_ascii=False, default=repr) + "\n")

    def close(self) -> None:
        self.valid.close()
        self.invalid.close()


def _run_check(args: argparse.Namespace, stdin: IO[bytes], stdout: TextIO) -> int:
    check_paths(args.paths)
    split = _Split(*args.split) if args.split else None
    out = open(args.output, "w", encoding="utf-8") if args.output else stdout
    reporter = REPORTERS[args.format](out, args.strict)
    totals = Totals()
    progress = _Progress(sys.stderr)
    try:
        for result in check(read(args.paths, stdin), args.spec, args.strict, args.jobs, keep=split is not None):
            totals.add(result, args.strict)
            reporter.add(result)
            if split:
                split.add(result, args.strict)
            progress.tick()
        progress.done()
        reporter.finish(totals)
    finally:
        if split:
            split.close()
        if args.output:
            out.close()
    return 1 if totals.invalid else 0


def _run_list(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import calls, events

    for family in [args.spec] if args.spec else sorted(FAMILIES):
        stdout.write(f"{family}\n  calls: {', '.join(calls(family))}\n")
        names = events(family)
        stdout.write(f"  semantic events ({len(names)}):\n")
        for name in names:
            stdout.write(f"    {name}\n")
    return 0


def _run_show(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import schema
    from ._describe import rows

    document = schema(args.spec, args.name)
    if args.json:
        json.dump(document, stdout, indent=2, ensure_ascii=False)
        stdout.write("\n")
        return 0
    stdout.write(f"{document['title']} ({args.spec}): {document['$id']}\n{document['description']}\n\n")
    table = [("field", "type", "required", "description")] + rows(document)
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for path, kind, required, description in table:
        stdout.write(f"{path:<{widths[0]}}  {kind:<{widths[1]}}  {required:<{widths[2]}}  {description}\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventspec", description="Check analytics event payloads against bundled vendor specs."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="check payload files, directories or stdin")
    check.add_argument("paths", nargs="+", metavar="PATH",
                       help=".json (one payload or an array), .ndjson/.jsonl, a directory, or - for stdin")
    check.add_argument("--spec", default="auto", choices=("auto", *FAMILIES),
                       help="spec family, or auto to recognise it from each payload (default)")
    check.add_argument("--strict", action="store_true",
                       help="unknown track events are errors, and warnings fail the run")
    check.add_argument("--format", default="text", choices=tuple(REPORTERS), help="output format (default text)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="worker processes (default 1)")
    check.add_argument("--split", nargs=2, metavar=("VALID_OUT", "INVALID_OUT"),
                       help="write valid payloads to VALID_OUT and invalid ones, annotated, to INVALID_OUT (NDJSON)")
    lister = commands.add_parser("list", help="list families, calls and semantic events")
    lister.add_argument("--spec", choices=FAMILIES)
    show = commands.add_parser("show", help="show the schema of a call or semantic event")
    show.add_argument("name", help='a call ("track") or a semantic event ("Order Completed")')
    show.add_argument("--spec", default="cdp", choices=FAMILIES)
    show.add_argument("--json", action="store_true", help="print the JSON Schema itself")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``eventspec`` console script and ``python -m eventspec``."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # argparse has printed the usage error; it exits 2
        return int(exit.code or 0)
    try:
        if args.command == "check":
            if args.jobs < 1:
                raise UsageError("--jobs must be at least 1")
            return _run_check(args, sys.stdin.buffer, sys.stdout)
        if args.command == "list":
            return _run_list(args, sys.stdout)
        return _run_show(args, sys.stdout)
    except UsageError as error:
        print(f"eventspec: error: {error}", file=sys.stderr)
        return 2
    except KeyError as error:  # UnknownEvent from show
        print(f"eventspec: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `eventspec check ... | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as error:  # an --output or --split file that cannot be written
        print(f"eventspec: error: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
