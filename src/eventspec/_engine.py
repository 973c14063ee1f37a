"""What the Spark and Dask adapters share: the verdict's schema as data, one raw line
to one verdict row, a batch of lines to an Arrow struct array, and the catalog shipped
to worker processes and unpacked (and so compiled) once in each.

Nothing here may capture a compiled check: the engines pickle their tasks with
cloudpickle, which would copy it by value into every task. Workers compile their own.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._findings import Finding
from ._inputs import Unreadable
from ._lines import check_raw, encoded, unreadable_report

if TYPE_CHECKING:
    import pyarrow as pa

    from ._catalog import Catalog

# The verdict column, one definition for every engine: (field, Spark SQL type).
FINDING_FIELDS = (
    ("path", "string"),
    ("message", "string"),
    ("category", "string"),
    ("severity", "string"),
    ("keyword", "string"),
    ("schema_id", "string"),
)
VERDICT_FIELDS = (
    ("ok", "boolean"),
    ("spec", "string"),
    ("call", "string"),
    ("event", "string"),
    ("findings", "array<struct<" + ",".join(f"{n}:{t}" for n, t in FINDING_FIELDS) + ">>"),
)
VERDICT_DDL = "struct<" + ",".join(f"{n}:{t}" for n, t in VERDICT_FIELDS) + ">"
# The summary's columns, in order, for both engines.
SUMMARY_COLUMNS = ("spec", "call", "event", "category", "severity", "path", "count", "example")

Row = tuple[bool, "str | None", "str | None", "str | None", list[tuple[Any, ...]]]


def framed(raw: bytes | str | None) -> bytes | None:
    """A line as ``eventspec check`` frames it: bytes without the line break, or None
    for a blank line (or a null), which is no payload at all."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = encoded(raw)
    if not raw.strip():
        return None
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    return raw[:-1] if raw.endswith(b"\r") else raw


def rows(
    raws: Iterable[bytes | str | None], spec: str, strict: bool, catalog: Catalog | None
) -> Iterator[Row | None]:
    """Each line's verdict row (``VERDICT_FIELDS``), or None for a blank line.

    This is `eventspec.check_line` with the framing of `framed`, in one loop (it runs
    for every line of every log): ``check_raw`` is its core, as it is the CLI's. ``ok``
    is the CLI's: no errors, and with ``strict`` no warnings either. An unreadable line
    has no spec, call or event, as in ``eventspec check --format json``.
    """
    for raw in raws:
        if raw is None:
            yield None
            continue
        if type(raw) is not bytes:
            raw = encoded(raw) if isinstance(raw, str) else bytes(raw)
        if not raw.strip():
            yield None
            continue
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            report = check_raw(raw, spec, strict, catalog)[2]
        except Unreadable as error:
            yield False, None, None, None, _tuples(unreadable_report(spec, error).errors)
            continue
        errors, warnings = report.errors, report.warnings
        if not errors and not warnings:
            yield True, report.spec, report.call, report.event, []
        else:
            yield not errors and not (strict and warnings), report.spec, report.call, report.event, _tuples(
                errors + warnings)


def _tuples(findings: tuple[Finding, ...]) -> list[tuple[Any, ...]]:
    return [(f.path, f.message, f.category, f.severity, f.keyword, f.schema_id) for f in findings]


def verdict(raw: bytes | str | None, spec: str, strict: bool, catalog: Catalog | None) -> Row | None:
    """One line's verdict row, as `rows` gives it."""
    return next(rows([raw], spec, strict, catalog))


class Shipped:
    """A catalog as it travels to the workers: its pickle, and the pickle's digest.

    (A plain object, not a tuple: task graphs look inside tuples for tasks and keys.)
    """

    __slots__ = ("blob", "digest")

    def __init__(self, digest: str, blob: bytes) -> None:
        self.digest, self.blob = digest, blob

    def __reduce__(self) -> tuple[Any, ...]:
        return Shipped, (self.digest, self.blob)


def ship(plan: Any) -> Shipped | None:
    """The ``plan`` argument (None, an `eventspec.Catalog`, or a plan folder's path)
    packed to travel with the tasks: a few KB, since a catalog pickles as its sources.

    Raises:
        PlanError: the folder is not a valid plan (as from `eventspec.load_plan`).
    """
    from ._catalog import Catalog

    if plan is None:
        return None
    if isinstance(plan, (str, os.PathLike)):
        from ._plan import load_plan

        plan = load_plan(Path(plan))
    if not isinstance(plan, Catalog):
        raise TypeError(f"plan must be an eventspec.Catalog or a plan folder's path, not {type(plan).__name__}")
    blob = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    return Shipped(hashlib.sha256(blob).hexdigest(), blob)


# Per process: the catalogs unpacked here, by digest, so that each is unpickled and
# compiled once per worker process, however many tasks and batches it runs; and how
# many times each was unpickled (once; the tests ask the workers).
_UNPACKED: dict[str, Catalog] = {}
UNPICKLED: Counter[str] = Counter()


def unpack(shipped: Shipped | None) -> Catalog | None:
    """The shipped catalog, unpickled on first use in this process."""
    if shipped is None:
        return None
    catalog = _UNPACKED.get(shipped.digest)
    if catalog is None:
        UNPICKLED[shipped.digest] += 1
        catalog = _UNPACKED.setdefault(shipped.digest, pickle.loads(shipped.blob))
    return catalog


def arrow_type() -> pa.DataType:
    """The verdict column as an Arrow type."""
    import pyarrow as pa

    finding = pa.struct([(name, pa.string()) for name, _ in FINDING_FIELDS])
    return pa.struct([
        ("ok", pa.bool_()),
        ("spec", pa.string()),
        ("call", pa.string()),
        ("event", pa.string()),
        ("findings", pa.list_(finding)),
    ])


def arrow_verdicts(raws: Iterable[bytes | str | None], spec: str, strict: bool, shipped: Shipped | None) -> pa.StructArray:
    """A batch of raw lines to one Arrow struct array of verdicts (null for blank lines)."""
    import pyarrow as pa

    oks: list[bool | None] = []
    specs: list[str | None] = []
    calls: list[str | None] = []
    events: list[str | None] = []
    findings: list[list[tuple[Any, ...]] | None] = []
    blank: list[bool] = []
    for row in rows(raws, spec, strict, unpack(shipped)):
        if row is None:
            blank.append(True)
            oks.append(None)
            specs.append(None)
            calls.append(None)
            events.append(None)
            findings.append(None)
        else:
            blank.append(False)
            oks.append(row[0])
            specs.append(row[1])
            calls.append(row[2])
            events.append(row[3])
            findings.append(row[4])
    kind = arrow_type()
    return pa.StructArray.from_arrays(
        [
            pa.array(oks, pa.bool_()),
            pa.array(specs, pa.string()),
            pa.array(calls, pa.string()),
            pa.array(events, pa.string()),
            pa.array(findings, kind.field("findings").type),
        ],
        fields=list(kind),
        mask=pa.array(blank, pa.bool_()) if any(blank) else None,
    )


Key = tuple["str | None", ...]  # SUMMARY_COLUMNS up to "path"


def summarize(rows: Iterable[tuple[Any, dict[str, Any] | None]]) -> dict[Key, list[Any]]:
    """A partial summary of ``(raw line, verdict dict)`` pairs: for each (spec, call,
    event, category, severity, path), the number of findings and the smallest line."""
    partial: dict[Key, list[Any]] = {}
    for raw, found in rows:
        if not found or not found["findings"]:
            continue
        line = encoded(raw) if isinstance(raw, str) else raw
        head = (found["spec"], found["call"], found["event"])
        for finding in found["findings"]:
            key = (*head, finding["category"], finding["severity"], finding["path"])
            entry = partial.get(key)
            if entry is None:
                partial[key] = [1, line]
            else:
                entry[0] += 1
                if line is not None and (entry[1] is None or line < entry[1]):
                    entry[1] = line
    return partial


def merged(partials: Iterable[dict[Key, list[Any]]]) -> list[tuple[Any, ...]]:
    """Partial summaries merged into the summary's rows (``SUMMARY_COLUMNS``), most
    frequent first, then by key with nulls first (as Spark orders them)."""
    total: dict[Key, list[Any]] = {}
    for partial in partials:
        for key, (count, line) in partial.items():
            entry = total.setdefault(key, [0, None])
            entry[0] += count
            if line is not None and (entry[1] is None or line < entry[1]):
                entry[1] = line
    rows = [
        (*key, count, None if line is None else line.decode("utf-8", "replace"))
        for key, (count, line) in total.items()
    ]
    rows.sort(key=lambda row: (-row[6], *((value is not None, value or "") for value in row[:6])))
    return rows
