"""The ``eventspec`` command: check fixture payloads and event logs; list and show specs.

Parse (argparse, from the standard library: the command needs no dependency of its
own) -> read payloads -> validate each (in worker processes with --jobs) -> report.
Exit 0 when every payload is valid, 1 when any has an error (with --strict, also a
warning), 2 for usage errors (an unknown spec, a missing file, an output that is an
input, a closed stdin or stdout).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple, TextIO

from . import _plancli
from ._catalog import FAMILIES
from ._inputs import (
    Block,
    FileChanged,
    Input,
    Item,
    Unreadable,
    UsageError,
    check_paths,
    empty,
    fetch,
    files_under,
    lines,
    read_inputs,
    remote,
)
from ._lines import check_raw, detect
from ._plan import PlanError
from ._reporters import FORMATS, Format, Result, Totals, Writer, split_lines
from ._validate import validate


class Config(NamedTuple):
    """What a worker needs to check and render a share of the input."""

    spec: str
    strict: bool
    format: str
    color: bool
    split: bool
    plan: str | None = None  # a tracking plan folder: workers load it once each


_PLANS: dict[str, Any] = {}


def _plan(path: str) -> Any:
    """The catalog of a plan folder, loaded once per process."""
    found = _PLANS.get(path)
    if found is None:
        from ._plan import load_plan

        found = _PLANS[path] = load_plan(path)
    return found


class Batch(NamedTuple):
    """A share of the input, checked and rendered, in order."""

    source: str
    rendered: list[str]
    totals: Totals
    valid: str  # --split lines
    invalid: str
    payloads: int


def _check_one(item: Item, spec: str, strict: bool, plan: str | None = None) -> Result:
    if item.problem is not None:
        return Result(item, None, None)
    if item.raw is not None:  # an NDJSON line: the line check the engines use too
        try:
            family, payload, report = check_raw(item.raw, spec, strict, None if plan is None else _plan(plan))
        except Unreadable as error:
            return Result(item._replace(problem=str(error)), None, None)
        return Result(item._replace(payload=payload), report, family, auto=spec == "auto")
    family = detect(item.payload) if spec == "auto" else spec
    if plan is not None:
        report = _plan(plan).validate(item.payload, spec=family, strict=strict)
    else:
        report = validate(item.payload, spec=family, strict=strict)
    return Result(item, report, family, auto=spec == "auto")


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
        result = _check_one(item, config.spec, config.strict, config.plan)
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
    if config.split or config.plan is not None:
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

    def __init__(self, stream: TextIO | None) -> None:
        self.on = stream is not None and stream.isatty() and not os.environ.get("CI")
        self.stream, self.count, self.shown = stream, 0, 0.0

    def tick(self, count: int) -> None:
        self.count += count
        if not self.on:
            return
        now = time.monotonic()
        if now - self.shown > 0.2 and self.stream is not None:
            self.shown = now
            self.stream.write(f"\rchecked {self.count:,} payload(s)…")
            self.stream.flush()

    def done(self) -> None:
        if self.on and self.shown and self.stream is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _run_check(args: argparse.Namespace, stdin: IO[bytes] | None, stdout: TextIO | None) -> int:
    check_paths(args.paths)
    if args.plan is not None:
        args.plan = str(Path(args.plan).resolve())
        _plan(args.plan)  # a plan that does not load is a usage error, before any output
    if stdin is None and "-" in args.paths:
        raise UsageError("standard input is closed, so - has nothing to read")
    if stdout is None and not args.output:
        raise UsageError("standard output is closed: nowhere to write the report (give --output FILE)")
    inputs = files_under(args.paths)
    _refuse_overwriting(inputs, args, stdin)
    # Every stream escapes what UTF-8 cannot carry (a lone surrogate, "\ud800" in a
    # payload or a file name) as \ud800 text, so the report stays valid UTF-8 and, in
    # the json format and the --split files, reads back as the same string.
    def create(name: str) -> TextIO:
        return open(name, "w", encoding="utf-8", errors="backslashreplace")

    if args.output:
        out = create(args.output)
    else:
        assert stdout is not None
        out = stdout
        if hasattr(out, "reconfigure"):
            out.reconfigure(errors="backslashreplace")
    color = out.isatty() and "NO_COLOR" not in os.environ
    config = Config(args.spec, args.strict, args.format, color, bool(args.split), args.plan)
    split = [create(name) for name in args.split] if args.split else []
    writer = Writer(FORMATS[args.format](args.strict, color), out)
    totals = Totals()
    progress = _Progress(sys.stderr)
    try:
        for batch in _counted(_batches(read_inputs(inputs, stdin), config, args.jobs), config):
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


def _refuse_overwriting(inputs: list[Input], args: argparse.Namespace, stdin: IO[bytes] | None) -> None:
    """Raise UsageError when --output or --split names an input, or one file twice.

    Opening an output empties it, so this runs before anything is opened or read. Files
    are compared as the system sees them (device and inode), so another spelling of
    the path, a symbolic or a hard link is the same file; only regular files are
    compared (``--split /dev/null /dev/null`` is fine).
    """
    outputs = [("--output", args.output)] if args.output else []
    outputs += [("--split", name) for name in args.split or ()]
    named: dict[tuple[int, int] | str, tuple[str, str]] = {}
    for option, name in outputs:
        key = _identity(name)
        if key is None:
            continue
        if key in named:
            first, other = named[key]
            raise UsageError(f"{first} {other} and {option} {name} are the same file: one would overwrite the other")
        named[key] = (option, name)
    existing = {key: output for key, output in named.items() if isinstance(key, tuple)}
    if not existing:  # an output that does not exist yet cannot be an input
        return
    for entry in inputs:
        if entry.problem is not None:
            continue
        try:
            info = os.stat(entry.path) if entry.path is not None else os.fstat(stdin.fileno()) if stdin else None
        except (OSError, ValueError, AttributeError):  # a stdin with no file behind it
            continue
        if info is None or not stat.S_ISREG(info.st_mode):
            continue
        hit = existing.get((info.st_dev, info.st_ino))
        if hit is not None:
            option, name = hit
            raise UsageError(
                f"{option} {name} is also an input ({entry.name}): writing it would destroy it, "
                "so nothing was read or written"
            )


def _identity(name: str) -> tuple[int, int] | str | None:
    """What makes two outputs the same file: device and inode of a regular file, the
    resolved path of one yet to be made; None for a device, a FIFO (never a clash)."""
    try:
        info = os.stat(name)
    except FileNotFoundError:
        return os.path.realpath(name)
    except OSError:  # opening it will say what is wrong
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _run_list(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import calls, events

    if args.plan is not None:
        return _list_plan(_plan(args.plan), args.spec, stdout)
    for family in [args.spec] if args.spec else sorted(FAMILIES):
        stdout.write(f"{family}\n  calls: {', '.join(calls(family))}\n")
        names = events(family)
        stdout.write(f"  semantic events ({len(names)}):\n")
        for name in names:
            stdout.write(f"    {name}\n")
    return 0


def _list_plan(cat: Any, spec: str | None, stdout: TextIO) -> int:
    plan = cat.plan
    stdout.write(f"plan {plan.name} (extends {plan.spec}): {plan.root}\n")
    for (call, name), event in plan.named.items():
        versions = ", ".join(str(v) for v in sorted(event.versions))
        description = cat.documents[event.newest].get("description", "")
        stdout.write(f"  {call} {name!r} (version {versions}): {description}\n")
    for call, uri in sorted(plan.traits.items()):
        stdout.write(f"  {call} traits: {cat.documents[uri].get('description', '')}\n")
    if plan.common is not None:
        document = cat.documents[plan.common]
        description = document.get("description", "") if isinstance(document, dict) else ""
        calls = ", ".join(c for c in cat.family(plan.spec).calls if c in plan.common_calls)
        stdout.write(f"  common ({calls}): {description}\n")
    return 0


def _run_show(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import schema
    from ._describe import rows

    if args.plan is not None:
        cat = _plan(args.plan)
        document = cat.schema(args.spec, args.name)
        uri = cat.plan.newest(args.name) if cat.plan.newest(args.name) else None
    else:
        document = schema(args.spec or "cdp", args.name)
        uri = None
    if args.json:
        json.dump(document, stdout, indent=2, ensure_ascii=False)
        stdout.write("\n")
        return 0
    if uri is not None:
        stdout.write(f"{document.get('title', args.name)} (plan {cat.plan.name}, the properties object): {uri}\n"
                     f"{document.get('description', '')}\n\n")
        table = [("field", "type", "required", "description")] + rows(document, cat, uri)
    else:
        stdout.write(f"{document['title']} ({args.spec or 'cdp'}): {document['$id']}\n{document['description']}\n\n")
        table = [("field", "type", "required", "description")] + rows(document)
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for path, kind, required, description in table:
        stdout.write(f"{path:<{widths[0]}}  {kind:<{widths[1]}}  {required:<{widths[2]}}  {description}\n")
    return 0


def _run_example(args: argparse.Namespace, stdout: TextIO) -> int:
    from . import calls, events
    from .strategies import sample

    spec = args.spec or "cdp"
    if args.plan is not None:
        cat = _plan(args.plan)
        # a planned name, else a call ("identify"); anything else: the plan's unknown event
        kind = "call" if args.name in cat.calls(args.spec) and args.name not in cat.events(args.spec) else "event"
        try:
            payload = sample(plan=cat, spec=args.spec, seed=args.seed, version=args.version, **{kind: args.name})
        except ValueError as error:  # a version the event does not have, another family
            raise UsageError(str(error)) from None
    elif args.version is not None:
        raise UsageError("--version is for the events of a plan (--plan DIR)")
    elif args.name in events(spec):
        payload = sample(spec=spec, event=args.name, seed=args.seed)
    elif args.name in calls(spec):
        payload = sample(spec=spec, call=args.name, seed=args.seed)
    else:
        from ._findings import UnknownEvent

        raise UnknownEvent(spec, args.name, tuple(events(spec) + calls(spec)))
    json.dump(payload, stdout, indent=2, ensure_ascii=False)
    stdout.write("\n")
    return 0


def _run_serve(args: argparse.Namespace, stdout: TextIO) -> int:
    from ._collector import Call, Collector, check_record_path

    if args.record:
        try:
            check_record_path(args.record)
        except ValueError as error:
            raise UsageError(str(error)) from None
    if args.plan is not None and not os.path.isdir(args.plan):
        raise UsageError(f"--plan {args.plan}: no such directory")

    def show(call: Call) -> None:
        verdict = "ok" if call.ok and not call.warnings else (
            f"{len(call.errors)} error(s)" if call.errors else f"{len(call.warnings)} warning(s)")
        what = call.type or "call"
        if call.event is not None:
            what += f" {call.event!r}"
        stdout.write(f"#{call.number} {call.request.endpoint} {what}: {verdict}\n")
        for finding in call.findings:
            stdout.write(f"    {finding.severity}: {finding}\n")
        stdout.flush()

    try:
        collector = Collector(args.host, args.port, plan=args.plan, strict=args.strict,
                              record=args.record, keep=args.keep, on_call=None if args.quiet else show)
        collector.start()
    except ValueError as error:  # a plan that does not load (PlanError is a ValueError)
        raise UsageError(str(error)) from None
    except OSError as error:  # the port is taken, the address is not this machine's
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    stdout.write(
        f"eventspec collector on {collector.url}  (spec {collector.spec}"
        + (f", plan {args.plan}" if args.plan else "")
        + (f", recording to {args.record}" if args.record else "")
        + ")\n"
        f"  point a client's host at {collector.url}; open {collector.url}/ in a browser to watch the calls\n"
        "  JSON: GET /calls /good /bad, POST /reset; Ctrl-C stops\n"
    )
    stdout.flush()
    try:
        collector.serve_forever()
    except KeyboardInterrupt:
        pass
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
    check.add_argument("--plan", metavar="DIR", help="also check against this tracking plan folder")
    lister = commands.add_parser("list", help="list families, calls and semantic events")
    lister.add_argument("--spec", choices=FAMILIES)
    lister.add_argument("--plan", metavar="DIR", help="list this tracking plan's events and traits instead")
    show = commands.add_parser("show", help="show the schema of a call or semantic event")
    show.add_argument("name", help='a call ("track") or a semantic event ("Order Completed")')
    show.add_argument("--spec", default=None, choices=FAMILIES, help="the family (default cdp, or the plan's)")
    show.add_argument("--plan", metavar="DIR", help="show a plan event's properties (newest version)")
    show.add_argument("--json", action="store_true", help="print the JSON Schema itself")
    example = commands.add_parser("example", help="print a generated valid payload of a call or semantic event")
    example.add_argument("name", help='a call ("identify"), a semantic event ("Order Completed") or a planned one')
    example.add_argument("--spec", default=None, choices=FAMILIES, help="the family (default cdp, or the plan's)")
    example.add_argument("--seed", type=int, metavar="N", help="the same N prints the same payload (default: random)")
    example.add_argument("--plan", metavar="DIR", help="a payload of this tracking plan's event (or call)")
    example.add_argument("--version", metavar="MODEL", help="with --plan, the event's version (default the newest)")
    _plancli.add_commands(commands)  # lint, diff, import, export
    serve = commands.add_parser(
        "serve", help="run a local collector that checks what an app's analytics clients send"
    )
    serve.add_argument("--port", type=int, default=8787, help="port to listen on (default 8787; 0: any free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--plan", metavar="DIR", help="check against this tracking plan too")
    serve.add_argument("--strict", action="store_true", help="unknown track events are errors")
    serve.add_argument("--record", metavar="FILE.ndjson",
                       help="append every call to this NDJSON file (eventspec check reads it)")
    serve.add_argument("--keep", type=int, default=10_000, metavar="N",
                       help="calls kept for the page and the API, newest (default 10000)")
    serve.add_argument("--quiet", "-q", action="store_true", help="do not print a line per call")
    return parser


def _complain(message: str) -> None:
    if sys.stderr is not None:  # started with stderr closed: the exit status says it all
        print(f"eventspec: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``eventspec`` console script and ``python -m eventspec``."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # argparse has printed the usage error; it exits 2
        return int(exit.code or 0)
    # Started with a standard stream closed (`<&-`, `>&-`), Python sets it to None.
    stdout = sys.stdout
    try:
        if args.command == "check":
            if args.jobs < 1:
                raise UsageError("--jobs must be at least 1")
            return _run_check(args, sys.stdin.buffer if sys.stdin is not None else None, stdout)
        if stdout is None:
            raise UsageError("standard output is closed: nowhere to write")
        if args.command == "list":
            return _run_list(args, stdout)
        if args.command == "example":
            return _run_example(args, stdout)
        if args.command == "serve":
            return _run_serve(args, stdout)
        if args.command in _plancli.COMMANDS:
            return _plancli.run(args, stdout)
        return _run_show(args, stdout)
    except (UsageError, PlanError) as error:
        _complain(str(error))
        return 2
    except KeyError as error:  # UnknownEvent from show
        _complain(str(error))
        return 2
    except BrokenPipeError:  # `eventspec check ... | head`: stop quietly
        if sys.stdout is not None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as error:  # an --output or --split file that cannot be written
        _complain(f"{error.filename}: {error.strerror}" if error.filename else str(error.strerror or error))
        return 2
