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
from typing import IO, Any, NamedTuple, TextIO

from ._catalog import FAMILIES
from ._inputs import (
    Block,
    FileChanged,
    Item,
    Unreadable,
    UsageError,
    check_paths,
    empty,
    fetch,
    lines,
    read,
    remote,
)
from ._lines import check_raw, detect
from ._reporters import FORMATS, Format, Result, Totals, Writer, split_lines
from ._validate import validate


class Config(NamedTuple):
    """What a worker needs to check and render a share of the input."""

    spec: str
    strict: bool
    format: str
    color: bool
    split: bool


class Batch(NamedTuple):
    """A share of the input, checked and rendered, in order."""

    source: str
    rendered: list[str]
    totals: Totals
    valid: str  # --split lines
    invalid: str
    payloads: int


def _check_one(item: Item, spec: str, strict: bool) -> Result:
    if item.problem is not None:
        return Result(item, None, None)
    if item.raw is not None:  # an NDJSON line: the line check the engines use too
        try:
            family, payload, report = check_raw(item.raw, spec, strict)
        except Unreadable as error:
            return Result(item._replace(problem=str(error)), None, None)
        return Result(item._replace(payload=payload), report, family, auto=spec == "auto")
    family = detect(item.payload) if spec == "auto" else spec
    return Result(item, validate(item.payload, spec=family, strict=strict), family, auto=spec == "auto")


_FORMATS: dict[Config, Format] = {}


def _format(config: Config) -> Format:
    return _FORMATS.get(config) or _FORMATS.setdefault(config, FORMATS[config.format](config.strict, config.color))


def _check_items(source: str, items: list[Item], config: Config) -> Batch:
    """Check and render items; the same in the parent and in worker processes."""
    fmt = _format(config)
    totals = Totals()
    rendered: list[str] = []
    valid: list[str] = []
    invalid: list[str] = []
    for item in items:
        result = _check_one(item, config.spec, config.strict)
        totals.add(result, config.strict)
        rendered.append(fmt.render(result))
        if config.split:
            good, bad = split_lines(result, config.strict)
            valid.append(good)
            invalid.append(bad)
    return Batch(source, rendered, totals, "".join(valid), "".join(invalid), len(items))


def _check_block(block: Block, config: Config) -> Batch:
    """Check and render an NDJSON block: `_check_items` over its lines, made lean for the
    common line (parsed, valid, and silent in text and github output)."""
    if config.split:
        return _check_items(block.source, lines(block), config)
    fmt = _format(config)
    silent = fmt.silent_when_clean
    source, spec, strict = block.source, config.spec, config.strict
    auto = spec == "auto"
    totals = Totals()
    rendered: list[str] = []
    clean = payloads = 0
    number = block.first_line - 1
    for raw in block.data.split(b"\n"):
        number += 1
        if not raw.strip():
            continue  # a blank line is not a payload
        payloads += 1
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            family, payload, report = check_raw(raw, spec, strict)
        except Unreadable as error:
            result = Result(Item(source, number, None, raw, problem=str(error)), None, None)
        else:
            if not (report.errors or report.warnings):
                clean += 1
                if silent:
                    continue
                rendered.append(fmt.render(Result(Item(source, number, None, raw, payload), report, family, auto)))
                continue
            result = Result(Item(source, number, None, raw, payload), report, family, auto)
        totals.add(result, strict)
        rendered.append(fmt.render(result))
    totals.payloads += clean
    totals.valid += clean
    return Batch(source, rendered, totals, "", "", payloads)


def _check_remote(block: Block, config: Config) -> Batch:
    """`_check_block` in a worker, for a block that may have left its bytes behind."""
    try:
        block = fetch(block)
    except FileChanged as error:
        return _check_items(block.source, [Item(block.source, block.first_line, problem=str(error))], config)
    return _check_block(block, config)


def _batches(parts: Iterable[Item | Block], config: Config, jobs: int) -> Iterator[Batch]:
    """Batches in input order. NDJSON blocks go to worker processes with jobs > 1, a
    bounded number ahead; parsed JSON documents are checked here (they are small)."""
    if jobs <= 1:
        for part in parts:
            if isinstance(part, Block):
                yield _check_block(part, config)
            else:
                yield _check_items(part.source, [part], config)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        window: deque[Any] = deque()
        for part in parts:
            if isinstance(part, Block):
                # a file's block goes as its place in the file: the worker reads the bytes
                window.append(pool.submit(_check_remote, remote(part), config))
            else:
                window.append(_check_items(part.source, [part], config))
            while len(window) > jobs * 3 or (window and not hasattr(window[0], "result")):
                head = window.popleft()
                yield head.result() if hasattr(head, "result") else head
        while window:
            head = window.popleft()
            yield head.result() if hasattr(head, "result") else head


def _counted(batches: Iterator[Batch], config: Config) -> Iterator[Batch]:
    """The batches, plus an "empty file" finding for an NDJSON input with no payload."""
    source, payloads = None, 0
    for batch in batches:
        if batch.source != source:
            if source is not None and not payloads:
                yield _check_items(source, [empty(source)], config)
            source, payloads = batch.source, 0
        payloads += batch.payloads
        if batch.payloads or batch.rendered:
            yield batch
    if source is not None and not payloads:
        yield _check_items(source, [empty(source)], config)


class _Progress:
    """A count on stderr, only for a person at a terminal (never in CI logs)."""

    def __init__(self, stream: TextIO) -> None:
        self.on = stream.isatty() and not os.environ.get("CI")
        self.stream, self.count, self.shown = stream, 0, 0.0

    def tick(self, count: int) -> None:
        self.count += count
        if not self.on:
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


def _run_check(args: argparse.Namespace, stdin: IO[bytes], stdout: TextIO) -> int:
    check_paths(args.paths)
    out = open(args.output, "w", encoding="utf-8") if args.output else stdout
    color = out.isatty() and "NO_COLOR" not in os.environ
    config = Config(args.spec, args.strict, args.format, color, bool(args.split))
    split = [open(name, "w", encoding="utf-8") for name in args.split] if args.split else []
    writer = Writer(FORMATS[args.format](args.strict, color), out)
    totals = Totals()
    progress = _Progress(sys.stderr)
    try:
        for batch in _counted(_batches(read(args.paths, stdin), config, args.jobs), config):
            writer.add(batch.rendered)
            totals.merge(batch.totals)
            if split:
                split[0].write(batch.valid)
                split[1].write(batch.invalid)
            progress.tick(batch.totals.payloads)
        progress.done()
        writer.finish(totals)
    finally:
        for stream in split:
            stream.close()
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


def _run_example(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import calls, events
    from .strategies import sample

    if args.name in events(args.spec):
        payload = sample(spec=args.spec, event=args.name, seed=args.seed)
    elif args.name in calls(args.spec):
        payload = sample(spec=args.spec, call=args.name, seed=args.seed)
    else:
        from ._findings import UnknownEvent

        raise UnknownEvent(args.spec, args.name, tuple(events(args.spec) + calls(args.spec)))
    json.dump(payload, stdout, indent=2, ensure_ascii=False)
    stdout.write("\n")
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
    check.add_argument("--format", default="text", choices=tuple(FORMATS), help="output format (default text)")
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
    example = commands.add_parser("example", help="print a generated valid payload of a call or semantic event")
    example.add_argument("name", help='a call ("identify") or a semantic event ("Order Completed")')
    example.add_argument("--spec", default="cdp", choices=FAMILIES)
    example.add_argument("--seed", type=int, metavar="N", help="the same N prints the same payload (default: random)")
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
        if args.command == "example":
            return _run_example(args, sys.stdout)
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
