"""eventspec's pytest plugin: installed with eventspec, active in every test run.

It gives a test suite, with no code of its own:

- ``assert_conforms(payload, spec="cdp")``: a fixture (and a function,
  ``from eventspec.pytest_plugin import assert_conforms``) that fails the test with
  every finding and its path when the payload does not conform;
- ``eventspec_collector``: a fixture that runs a `eventspec.Collector` on 127.0.0.1 on a
  free port for the test. Point the app's analytics client at ``eventspec_collector.url``
  (its host) and assert on what it really sent: ``.calls``, ``.good``, ``.bad``,
  ``.filter(event=, user=, type=)``, ``.wait(n)``, ``.assert_all_valid()``, ``.reset()``;
- one test item per payload in folders of fixture payloads, named in the ini file::

      [pytest]
      eventspec_fixtures = tests/events
      eventspec_spec = cdp

  ``.json`` files (one payload or an array), ``.ndjson`` and ``.jsonl`` files (one
  payload per line) under those folders are read as ``eventspec check`` reads them;
  each payload is an item (``tests/events/orders.ndjson::line[3]``) with the marker
  ``eventspec``. The folders must be inside what pytest collects (its arguments or
  ``testpaths``). ``eventspec_strict = true`` makes unknown track events errors and
  warnings failures, as ``eventspec check --strict`` does.

``eventspec_plan = tracking-plan`` (a plan folder, relative to the ini file) checks the
fixture payloads against that tracking plan, and makes it the default of the
``assert_conforms`` fixture; ``assert_conforms(payload, plan=...)`` names one per call.
The ``eventspec_collector`` fixture checks the calls it receives against it too.

Without ``eventspec_fixtures`` the plugin collects nothing; it imports neither
Hypothesis nor jsonschema.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._collector import Collector
    from ._findings import Report
    from ._inputs import Item

_EXTENSIONS = (".json", ".ndjson", ".jsonl")
_SETTINGS = pytest.StashKey["tuple[tuple[Path, ...], str, bool]"]()
_PLAN = pytest.StashKey["Any"]()


def assert_conforms(
    payload: Any,
    spec: str | None = None,
    strict: bool = False,
    call: str | None = None,
    plan: Any = None,
) -> Report:
    """Assert that ``payload`` conforms to ``spec``; fail listing every finding if not.

    Arguments: as for `eventspec.validate` (``spec`` defaults to cdp, or to the plan's
    family); ``plan`` is a `eventspec.Catalog` from `eventspec.load_plan`, or a plan
    folder's path. With ``strict``, warnings fail too.

    Returns:
        The `eventspec.Report` (which may carry warnings, when not strict).

    Raises:
        AssertionError: the payload has errors (or, strict, warnings); the message has
            one line per finding: its severity, path, message and category.
    """
    __tracebackhide__ = True
    if plan is None:
        from . import validate

        report = validate(payload, spec=spec or "cdp", strict=strict, call=call)
    else:
        report = _catalog(plan).validate(payload, spec=spec, strict=strict, call=call)
    if report.errors or (strict and report.warnings):
        raise AssertionError(_describe(report, strict))
    return report


def _describe(report: Report, strict: bool) -> str:
    what = report.event or report.call or "the payload"
    counts = f"{len(report.errors)} error(s)" + (f", {len(report.warnings)} warning(s)" if report.warnings else "")
    rule = " (strict: warnings fail too)" if strict and report.warnings else ""
    head = f"{what} does not conform to {report.spec}: {counts}{rule}"
    return "\n".join([head, *(f"  {f.severity}: {f}" for f in report.findings)])


def _catalog(plan: Any) -> Any:
    from ._catalog import Catalog

    if isinstance(plan, Catalog):
        return plan
    from ._plan import load_plan

    return load_plan(plan)


@pytest.fixture(name="assert_conforms")
def _assert_conforms_fixture(request: pytest.FixtureRequest) -> Callable[..., Report]:
    """``assert_conforms(payload, spec=None, strict=False, call=None, plan=None)``: see
    eventspec.pytest_plugin; the ini file's ``eventspec_plan`` is the default plan."""
    default = request.config.stash.get(_PLAN, None)
    if default is None:
        return assert_conforms

    def conforms(payload: Any, spec: str | None = None, strict: bool = False,
                 call: str | None = None, plan: Any = None) -> Report:
        __tracebackhide__ = True
        return assert_conforms(payload, spec, strict, call, plan if plan is not None else default)

    return conforms


@pytest.fixture
def eventspec_collector(pytestconfig: pytest.Config) -> Iterator[Collector]:
    """A `eventspec.Collector` listening on 127.0.0.1 on a free port for this test.

    Give its ``url`` to the app's analytics client as the host; the official clients
    need nothing else. The ini file's ``eventspec_plan`` checks the calls against that
    tracking plan too; with ``eventspec_strict = true``, unknown track events are errors
    and ``assert_all_valid()`` fails on warnings too.
    """
    from ._collector import Collector

    plan = pytestconfig.stash.get(_PLAN, None)  # the ini file's eventspec_plan, loaded once
    with Collector("127.0.0.1", 0, plan=plan, strict=bool(pytestconfig.getini("eventspec_strict"))) as collector:
        yield collector


# ------------------------------------------------------------------ fixture folders
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("eventspec_fixtures", type="paths", default=[],
                  help="eventspec: folders (or files) of payloads to check, one test item per payload")
    parser.addini("eventspec_spec", default="auto",
                  help="eventspec: the spec family of those payloads, or auto (default)")
    parser.addini("eventspec_strict", type="bool", default=False,
                  help="eventspec: unknown track events are errors and warnings fail")
    parser.addini("eventspec_plan", default="",
                  help="eventspec: a tracking plan folder (relative to the ini file) to check against")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "eventspec: a payload checked by eventspec's fixture folders")
    roots = tuple(Path(p).resolve() for p in config.getini("eventspec_fixtures"))
    spec = str(config.getini("eventspec_spec")).strip() or "auto"
    if roots:
        from ._catalog import FAMILIES

        if spec not in ("auto", *FAMILIES):
            raise pytest.UsageError(
                f"eventspec_spec = {spec!r}: expected auto or one of {', '.join(FAMILIES)}"
            )
    config.stash[_SETTINGS] = (roots, spec, bool(config.getini("eventspec_strict")))
    plan = str(config.getini("eventspec_plan")).strip()
    if plan:
        from ._plan import PlanError, load_plan

        where = Path(config.inipath).parent / plan if config.inipath else Path(plan)
        try:
            config.stash[_PLAN] = load_plan(where)
        except PlanError as error:
            raise pytest.UsageError(f"eventspec_plan = {plan}: {error}") from None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PayloadFile | None:
    roots, _, _ = parent.config.stash[_SETTINGS]
    if not roots or file_path.suffix.lower() not in _EXTENSIONS:  # Upper.JSON too, as the CLI reads it
        return None
    resolved = file_path.resolve()
    if not any(resolved == root or root in resolved.parents for root in roots):
        return None
    return PayloadFile.from_parent(parent, path=file_path)


class PayloadFile(pytest.File):
    """A file of fixture payloads: one `PayloadItem` per payload."""

    def collect(self) -> Iterator[PayloadItem]:
        from ._inputs import Block, lines, read

        _, spec, strict = self.config.stash[_SETTINGS]
        single = self.path.suffix.lower() == ".json"
        for part in read([str(self.path)], stdin=io.BytesIO()):  # stdin is never read here
            for entry in lines(part) if isinstance(part, Block) else [part]:
                # "item 3" of an array, "line 7" of NDJSON: item[3], line[7] read well in ids
                where, _, number = entry.location.partition(" ")
                name = f"{where}[{number}]" if number and not (single and where == "line") else "payload"
                yield PayloadItem.from_parent(self, name=name, entry=entry, spec=spec, strict=strict)


class PayloadItem(pytest.Item):
    """One fixture payload, checked against its spec family."""

    def __init__(self, *, entry: Item, spec: str, strict: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry, self.spec, self.strict = entry, spec, strict
        self.add_marker("eventspec")

    def runtest(self) -> None:
        from ._inputs import parse_line

        entry = parse_line(self.entry)
        if entry.problem is not None:
            raise PayloadFailure(f"{self.path.name}: {entry.problem}")
        spec = self.spec
        plan = self.config.stash.get(_PLAN, None)
        if spec == "auto":
            from ._lines import detect

            spec = detect(entry.payload)
        try:
            assert_conforms(entry.payload, spec=spec, strict=self.strict, plan=plan)
        except AssertionError as failure:
            raise PayloadFailure(str(failure)) from None

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, PayloadFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.entry.line - 1 if self.entry.line is not None else None
        return self.path, line, f"eventspec {self.spec}: {self.path.name}::{self.name}"


class PayloadFailure(Exception):
    """A fixture payload that does not conform (or cannot be read): shown without a traceback."""
