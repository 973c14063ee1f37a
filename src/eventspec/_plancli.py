"""The plan commands of ``eventspec``: lint, diff, import and export.

`add_commands` adds their parsers to the CLI's subparsers and `run` runs one; each
returns the exit status: 0 ok, 1 findings (lint errors, or warnings with --strict; a
too-small version bump with ``diff --check-bumps``; an imported plan that fails lint),
2 usage errors (raised as `UsageError`, reported by the CLI).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

from ._findings import Finding, Report
from ._inputs import Item, UsageError
from ._planfiles import PlanFolder, line_of, plan_at, read_plan
from ._reporters import FORMATS, Format, Junit, Result, Totals, Writer

COMMANDS = ("lint", "diff", "import", "export")
IMPORTERS = ("segment", "rudderstack", "avo", "iglu")


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the lint, diff, import and export parsers to the CLI's subcommands."""
    lint = commands.add_parser("lint", help="check a tracking plan folder (rules in docs/plans-review.md)")
    lint.add_argument("plan", metavar="PLAN", help="the plan folder (with eventspec-plan.json)")
    lint.add_argument("--format", default="text", choices=tuple(FORMATS), help="output format (default text)")
    lint.add_argument("--strict", action="store_true", help="warnings fail the run too")
    lint.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    base = lint.add_mutually_exclusive_group()
    base.add_argument("--base", metavar="GITREF",
                      help="also check version bumps against the plan at this git ref (rule version-bump)")
    base.add_argument("--old", metavar="OLD_PLAN", help="also check version bumps against this plan folder")
    diff = commands.add_parser("diff", help="compare two versions of a plan, with the SchemaVer bump each change needs")
    diff.add_argument("plans", nargs="*", metavar="PLAN",
                      help="OLD NEW (two plan folders), or with --base one plan folder (default: .)")
    diff.add_argument("--base", metavar="GITREF", help="compare the plan at this git ref with the working plan")
    diff.add_argument("--format", default="text", choices=("text", "json", "github"), help="output format (default text)")
    diff.add_argument("--check-bumps", action="store_true",
                      help="exit 1 when an event's version bump is smaller than its largest change")
    diff.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    importer = commands.add_parser("import", help="write a plan folder from a Segment, RudderStack, Avo or Iglu export")
    importer.add_argument("source", choices=IMPORTERS, help="the tool the input comes from")
    importer.add_argument("input", metavar="INPUT", help="the exported file or folder (see docs/plans-import.md)")
    importer.add_argument("--output", "-o", metavar="PLAN", required=True, help="the plan folder to write")
    importer.add_argument("--name", help="the plan's name (default: from the input, else the folder name)")
    importer.add_argument("--spec", default="cdp", help="the spec family the plan extends (default cdp)")
    importer.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    importer.add_argument("--names", metavar="FILE",
                          help="iglu: a JSON object mapping schema names (signup_click) to event names (Signup Click)")
    exporter = commands.add_parser("export", help="write a plan as another tool's files")
    exporter.add_argument("target", choices=("iglu",), help="the format to write")
    exporter.add_argument("plan", metavar="PLAN", help="the plan folder")
    exporter.add_argument("--output", "-o", metavar="DIR", required=True, help="the folder to write (a static Iglu registry)")
    exporter.add_argument("--vendor", help="the Iglu vendor (default: com.eventspec.<plan name>)")
    exporter.add_argument("--force", action="store_true", help="write into a folder that is not empty")


def run(args: argparse.Namespace, stdout: TextIO) -> int:
    """Run one plan command; raises `UsageError` for exit status 2."""
    with ExitStack() as stack:
        out = stdout
        if getattr(args, "output", None) and args.command in ("lint", "diff"):
            out = stack.enter_context(open(args.output, "w", encoding="utf-8"))
        if args.command == "lint":
            return _lint(args, out)
        if args.command == "diff":
            return _diff(args, out)
        if args.command == "import":
            return _import(args, out)
        return _export(args, out)


# --- lint --------------------------------------------------------------------------


class LintTotals(Totals):
    """Counts of files rather than payloads, for the last line and the json summary."""

    def line(self) -> str:
        return (f"{self.payloads} file(s) linted: {self.valid} ok, {self.invalid} failing; "
                f"{self.errors} error(s), {self.warnings} warning(s)")

    def to_dict(self) -> dict[str, int]:
        return {"files": self.payloads, "ok": self.valid, "failing": self.invalid,
                "errors": self.errors, "warnings": self.warnings}


class LintJunit(Junit):
    """One test case per plan file."""

    def render(self, result: Result) -> str:
        from xml.sax.saxutils import escape, quoteattr

        report = result.report
        assert report is not None
        case = f"    <testcase classname=\"eventspec lint\" name={quoteattr(result.item.source)}"
        if result.failed(self.strict):
            findings = report.findings
            text = escape("\n".join(f"{f.severity}: {f}" for f in findings))
            return case + (f">\n      <failure message={quoteattr(str(findings[0]))} type={quoteattr(findings[0].category)}>"
                           f"{text}</failure>\n    </testcase>\n")
        if report.warnings:
            text = escape("\n".join(f"warning: {f}" for f in report.warnings))
            return case + f">\n      <system-out>{text}</system-out>\n    </testcase>\n"
        return case + " />\n"

    def head(self, totals: Totals) -> str:
        return super().head(totals).replace('name="eventspec check"', 'name="eventspec lint"')


def _display(plan_arg: str, relative: str) -> str:
    return os.path.normpath(os.path.join(plan_arg, relative)).replace(os.sep, "/")


def _lint(args: argparse.Namespace, out: TextIO) -> int:
    from ._lint import lint

    plan = read_plan(args.plan)
    with ExitStack() as stack:
        base: PlanFolder | None = None
        if args.base:
            base = stack.enter_context(plan_at(args.base, args.plan))
        elif args.old:
            base = read_plan(args.old)
        result = lint(plan, base)
    color = out.isatty() and "NO_COLOR" not in os.environ
    fmt: Format = LintJunit(args.strict, color) if args.format == "junit" else FORMATS[args.format](args.strict, color)
    writer = Writer(fmt, out)
    totals = LintTotals()
    per_finding = args.format in ("text", "github")  # each finding at its own line
    for relative, findings in result.files.items():
        source = _display(args.plan, relative)
        entry = plan.files.get(relative)
        report = Report("plan", call=entry.call if entry else None, event=entry.event if entry else None,
                        errors=tuple(f for f in findings if f.severity == "error"),
                        warnings=tuple(f for f in findings if f.severity == "warning"))
        totals.payloads += 1
        failed = bool(report.errors) or (args.strict and bool(report.warnings))
        totals.invalid += failed
        totals.valid += not failed
        totals.errors += len(report.errors)
        totals.warnings += len(report.warnings)
        if per_finding:
            text = entry.text if entry is not None else ""
            writer.add([fmt.render(_one(source, finding, text)) for finding in findings])
        else:
            writer.add([fmt.render(Result(Item(source), report, "plan"))])
    writer.finish(totals)
    return 1 if totals.invalid else 0


def _one(source: str, finding: Finding, text: str) -> Result:
    single = Report("plan", errors=(finding,) if finding.severity == "error" else (),
                    warnings=(finding,) if finding.severity == "warning" else ())
    return Result(Item(source, line_of(text, finding.parts)), single, "plan")


# --- diff --------------------------------------------------------------------------


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    from ._diff import DiffSummary, diff

    with ExitStack() as stack:
        if args.base:
            if len(args.plans) > 1:
                raise UsageError("with --base, give one plan folder (the working plan)")
            new_arg = args.plans[0] if args.plans else "."
            new = read_plan(new_arg)
            old = stack.enter_context(plan_at(args.base, new_arg))
        else:
            if len(args.plans) != 2:
                raise UsageError("give two plan folders, OLD NEW, or --base GITREF [PLAN]")
            old, new = read_plan(args.plans[0]), read_plan(args.plans[1])
            new_arg = args.plans[1]
        results = diff(old, new)
    summary = DiffSummary.of(results)
    if args.format == "json":
        json.dump({"events": [r.to_dict() for r in results], "summary": {
            "compared": summary.compared, "changed": summary.changed, "added": summary.added,
            "removed": summary.removed, "too_small": summary.too_small}, "ok": summary.too_small == 0},
            out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "github":
        for result in results:
            _github(result, new_arg, out)
        out.write(summary.line() + "\n")
    else:
        for result in results:
            if result.status != "unchanged" or result.changes:
                out.write(_text(result))
        out.write(summary.line() + "\n")
    return 1 if args.check_bumps and summary.too_small else 0


def _text(result) -> str:  # type: ignore[no-untyped-def]
    from ._diff import _ver

    head = f"{result.label}: "
    common = (result.new or result.old).kind == "common"
    if result.status == "added":
        head += "new whole-message rule" if common else f"new event, {_ver(result.new)}"
    elif result.status == "removed" and common:
        head += "removed: calls are no longer checked against a whole-message rule"
    elif result.status == "removed":
        head += f"removed ({_ver(result.old)}): calls with it are now unplanned events"
    elif result.status == "model-retired":
        head += f"MODEL retired ({_ver(result.old)}): clients sending this version get unknown-version"
    elif result.status == "model-added":
        head += f"new MODEL {_ver(result.new)} beside {_ver(result.old)}"
    else:
        head += f"{_ver(result.old)} -> {_ver(result.new)} ({result.actual} bump; changes need {result.needed})"
    lines = [head + ("" if result.ok else f"\n  error: {result.advice()}") + "\n"]
    for change in result.changes:
        lines.append(f"  {change.bump:<9} {change.kind:<26} {change.path}: {change.message}\n")
    return "".join(lines)


def _github(result, plan_arg: str, out: TextIO) -> None:  # type: ignore[no-untyped-def]
    from ._reporters import _escape

    entry = result.new or result.old
    props = f"file={_escape(_display(plan_arg, entry.relative), property=True)}"
    if result.new is not None:
        line = line_of(result.new.text, ("x-eventspec", "version"))
        props += f",line={line}" if line else ""
    if not result.ok:
        title = _escape("eventspec version-bump", property=True)
        out.write(f"::error {props},title={title}::{_escape(result.label + ': ' + result.advice())}\n")
    elif result.status in ("removed", "model-retired"):
        title = _escape("eventspec diff", property=True)
        out.write(f"::warning {props},title={title}::{_escape(_text(result).strip())}\n")
    for change in result.changes:
        if change.bump == "NONE":
            continue
        title = _escape(f"eventspec {change.kind} ({change.bump})", property=True)
        out.write(f"::notice {props},title={title}::{_escape(result.label + ' ' + change.path + ': ' + change.message)}\n")


# --- import and export -------------------------------------------------------------


def _ready(folder: str, force: bool) -> Path:
    path = Path(folder)
    if path.exists() and (not path.is_dir() or (any(path.iterdir()) and not force)):
        raise UsageError(f"{folder}: exists and is not an empty folder (use --force to write into it)")
    return path


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from ._importers import ImportFailed, import_plan
    from ._lint import lint

    target = _ready(args.output, args.force)
    names = None
    if args.names:
        try:
            names = json.loads(Path(args.names).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UsageError(f"{args.names}: {error}") from error
    try:
        written = import_plan(args.source, Path(args.input), target, name=args.name, spec=args.spec, names=names)
    except ImportFailed as error:
        raise UsageError(str(error)) from error
    for note in written.notes if sys.stderr is not None else ():  # stderr may be closed (`2>&-`)
        sys.stderr.write(f"eventspec: note: {note}\n")
    result = lint(read_plan(target))
    out.write(f"wrote {len(written.files)} file(s) to {target} from {args.source} {args.input}: "
              f"{written.events} event file(s); lint: {len(result.errors)} error(s), {len(result.warnings)} warning(s)\n")
    for relative, findings in result.files.items():
        for finding in findings:
            if finding.severity == "error":
                out.write(f"{_display(str(target), relative)}::{finding.path}: error: {finding.message} [{finding.category}]\n")
    return 0 if result.ok else 1


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from ._iglu import export_iglu
    from ._importers import ImportFailed

    target = _ready(args.output, args.force)
    notes: list[str] = []
    try:
        written = export_iglu(read_plan(args.plan), target, vendor=args.vendor, notes=notes)
    except ImportFailed as error:
        raise UsageError(str(error)) from error
    for note in notes if sys.stderr is not None else ():
        sys.stderr.write(f"eventspec: note: {note}\n")
    out.write(f"wrote {len(written)} Iglu schema(s) to {target}\n")
    return 0
