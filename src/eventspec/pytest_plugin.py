"""eventspec's pytest plugin: installed with eventspec, active in every test run.

It gives a test suite, with no code of its own:

- ``assert_conforms(payload, spec="cdp")``: a fixture (and a function,
  ``from eventspec.pytest_plugin import assert_conforms``) that fails the test with
  every finding and its path when the payload does not conform;
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
    from ._findings import Report
    from ._inputs import Item

_EXTENSIONS = (".json", ".ndjson", ".jsonl")
_SETTINGS = pytest.StashKey["tuple[tuple[Path, ...], str, bool]"]()


def assert_conforms(payload: Any, spec: str = "cdp", strict: bool = False, call: str | None = None) -> Report:
    """Assert that ``payload`` conforms to ``spec``; fail listing every finding if not.

    Arguments: as for `eventspec.validate`. With ``strict``, warnings fail too.

    Returns:
        The `eventspec.Report` (which may carry warnings, when not strict).

    Raises:
        AssertionError: the payload has errors (or, strict, warnings); the message has
            one line per finding: its severity, path, message and category.
    """
    __tracebackhide__ = True
    from . import validate

    report = validate(payload, spec=spec, strict=strict, call=call)
    if report.errors or (strict and report.warnings):
        raise AssertionError(_describe(report, strict))
    return report


def _describe(report: Report, strict: bool) -> str:
    what = report.event or report.call or "the payload"
    counts = f"{len(report.errors)} error(s)" + (f", {len(report.warnings)} warning(s)" if report.warnings else "")
    rule = " (strict: warnings fail too)" if strict and report.warnings else ""
    head = f"{what} does not conform to {report.spec}: {counts}{rule}"
    return "\n".join([head, *(f"  {f.severity}: {f}" for f in report.findings)])


@pytest.fixture(name="assert_conforms")
def _assert_conforms_fixture() -> Callable[..., Report]:
    """``assert_conforms(payload, spec="cdp", strict=False, call=None)``: see eventspec.pytest_plugin."""
    return assert_conforms


# ------------------------------------------------------------------ fixture folders
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("eventspec_fixtures", type="paths", default=[],
                  help="eventspec: folders (or files) of payloads to check, one test item per payload")
    parser.addini("eventspec_spec", default="auto",
                  help="eventspec: the spec family of those payloads, or auto (default)")
    parser.addini("eventspec_strict", type="bool", default=False,
                  help="eventspec: unknown track events are errors and warnings fail")


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


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PayloadFile | None:
    roots, _, _ = parent.config.stash[_SETTINGS]
    if not roots or file_path.suffix not in _EXTENSIONS:
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
        single = self.path.suffix == ".json"
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
        if spec == "auto":
            from ._lines import detect

            spec = detect(entry.payload)
        try:
            assert_conforms(entry.payload, spec=spec, strict=self.strict)
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
