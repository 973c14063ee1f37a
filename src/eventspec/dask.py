"""Audit event logs on Dask: NDJSON files, bags of lines and DataFrame columns.

    pip install 'eventspec[dask]'       # dask[dataframe], distributed

``read_ndjson(urlpath)`` reads NDJSON as bytes, with each line's file and number (one
invalid UTF-8 byte costs one line, never the file); ``check_bag`` gives each line's
verdict, exactly as ``eventspec check`` does; ``check_frame`` adds a verdict column to
a DataFrame of raw JSON strings; ``summary`` counts the findings. The verdict has
the same fields as in `eventspec.spark`. See docs/scale.md.

Run it on ``distributed`` with worker processes (``LocalCluster(processes=True)`` or a
cluster's scheduler): checking is pure Python, so threads share one core. Each worker
process compiles the schemas it needs once; a tracking plan travels pickled with the
tasks (a few KB) and is unpacked once per process.
"""

from __future__ import annotations

import operator
from typing import Any

try:
    import dask.bag as db
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa
    from dask import delayed
    from dask.bytes import read_bytes
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        f"eventspec.dask needs Dask ({error}); install it with: pip install 'eventspec[dask]'"
    ) from error

from ._catalog import FAMILIES
from ._engine import (
    FINDING_FIELDS,
    SUMMARY_COLUMNS,
    Shipped,
    arrow_type,
    arrow_verdicts,
    merged,
    rows,
    ship,
    summarize,
    unpack,
)
from ._findings import UnknownFamily
from ._lines import encoded

__all__ = ["check_bag", "check_frame", "read_ndjson", "summary", "to_frame"]

_FINDING_NAMES = tuple(name for name, _ in FINDING_FIELDS)


def read_ndjson(
    urlpath: str | list[str], *, blocksize: int | str | None = None, compression: str | None = "infer",
    **storage_options: Any,
) -> db.Bag:
    """NDJSON files as a bag of ``(source, line number, raw line bytes)``, blank lines left out.

    Arguments:
        urlpath: a path, glob or list of them, local or remote (``s3://bucket/*.ndjson``
            through fsspec: install s3fs, and pass its options as keywords).
        blocksize: None (the default) makes one partition per file; a size such as
            ``"64 MiB"`` splits large files at line breaks, and numbers their lines in a
            first pass that counts each block's line breaks.
        compression: ``"infer"`` from the file name (``.gz``, ...), a codec, or None.
            Compressed files cannot be split: use ``blocksize=None``.
    """
    _, blocks, paths = read_bytes(
        urlpath, delimiter=b"\n", blocksize=blocksize, sample=False, compression=compression,
        include_path=True, **storage_options,
    )
    parts = []
    for source, pieces in zip(paths, blocks):
        first: Any = 1
        for index, piece in enumerate(pieces):
            parts.append(delayed(_numbered)(piece, source, first))
            if index + 1 < len(pieces):  # the next block starts where this one's lines end
                first = delayed(operator.add)(first, delayed(_line_breaks)(piece))
    return db.from_delayed(parts)


def check_bag(lines: db.Bag, *, spec: str = "auto", plan: Any = None, strict: bool = False) -> db.Bag:
    """Each line's verdict: a bag of ``{"source", "line", "value", "eventspec"}``.

    Arguments:
        lines: ``(source, line, raw)`` items from `read_ndjson`, or raw lines (bytes or
            text; text read with ``errors="surrogateescape"`` keeps bad bytes as they were).
        spec, plan, strict: as for `eventspec.spark.verdict`.

    Returns:
        One record per payload line (blank lines are none): its source and line number
        (None for bare lines), the raw ``value``, and ``eventspec``, a dict with ``ok,
        spec, call, event, findings`` (each finding a dict of ``path, message, category,
        severity, keyword, schema_id``).
    """
    _known(spec)
    return lines.map_partitions(_check_lines, spec, strict, ship(plan))


def check_frame(
    frame: dd.DataFrame, column: str, *, spec: str = "auto", plan: Any = None, strict: bool = False,
    name: str = "eventspec",
) -> dd.DataFrame:
    """``frame`` with one more column, ``name``: each row's verdict on ``column`` (raw
    JSON strings or bytes), an Arrow struct of the same type as `eventspec.spark.VERDICT`
    (null for a blank or missing line)."""
    _known(spec)
    meta = frame._meta.assign(**{name: pd.Series([], dtype=pd.ArrowDtype(arrow_type()))})
    return frame.map_partitions(_check_part, column, name, spec, strict, ship(plan), meta=meta)


def to_frame(checked: db.Bag, *, name: str = "eventspec") -> dd.DataFrame:
    """A bag from `check_bag` as a DataFrame: ``source, line, value`` and the verdict
    column, typed as `check_frame` types it (for Parquet, say)."""
    meta = pd.DataFrame({
        "source": pd.Series([], dtype="object"),
        "line": pd.Series([], dtype="Int64"),
        "value": pd.Series([], dtype=pd.ArrowDtype(pa.binary())),  # bytes: Dask makes object columns text
        name: pd.Series([], dtype=pd.ArrowDtype(arrow_type())),
    })
    return dd.from_delayed([delayed(_records_frame)(part, name) for part in checked.to_delayed()], meta=meta)


def summary(checked: db.Bag | dd.DataFrame, column: str | None = None, *, name: str = "eventspec") -> dd.DataFrame:
    """Findings per family, call, event, category, severity and path, most frequent first.

    Columns: ``spec, call, event, category, severity, path, count, example``, as in
    `eventspec.spark.summary`: ``example`` is the smallest line with that finding.
    For a DataFrame, ``column`` names the checked column (without it, no examples).
    """
    if isinstance(checked, db.Bag):
        partials = [delayed(_records_partial)(part) for part in checked.to_delayed()]
    else:
        partials = [delayed(_frame_partial)(part, name, column) for part in checked.to_delayed()]
    return dd.from_delayed([delayed(_summary_frame)(partials)], meta=_summary_frame([]))


def _known(spec: str) -> None:
    if spec != "auto" and spec not in FAMILIES:
        raise UnknownFamily(spec, FAMILIES)


# What runs on the workers: module-level functions, so that tasks pickle small.


def _line_breaks(block: bytes) -> int:
    return block.count(b"\n")


def _numbered(block: bytes, source: str, first: int) -> list[tuple[str, int, bytes]]:
    pieces = block.split(b"\n")
    if pieces and not pieces[-1]:
        pieces.pop()  # after the final line break
    return [(source, first + offset, raw) for offset, raw in enumerate(pieces) if raw.strip()]


def _check_lines(items: Any, spec: str, strict: bool, shipped: Shipped | None) -> list[dict[str, Any]]:
    items = list(items)
    if not items or not isinstance(items[0], tuple):  # bare lines
        items = [(None, None, raw) for raw in items]
    records = []
    append = records.append
    for (source, line, raw), row in zip(items, rows([item[2] for item in items], spec, strict, unpack(shipped))):
        if row is None:
            continue
        findings = row[4]
        append({
            "source": source,
            "line": line,
            "value": raw,
            "eventspec": {
                "ok": row[0], "spec": row[1], "call": row[2], "event": row[3],
                # (most lines have none: no comprehension to set up for them)
                "findings": [dict(zip(_FINDING_NAMES, finding)) for finding in findings] if findings else [],
            },
        })
    return records


def _values(series: pd.Series) -> list[Any]:
    # Plain Python values, missing ones as None whatever the dtype (pandas 3's str dtype
    # holds NaN; an Arrow struct as object would hold numpy arrays).
    if isinstance(series.dtype, pd.ArrowDtype):
        return pa.array(series).to_pylist()
    return series.astype(object).where(series.notna(), None).tolist()


def _check_part(part: pd.DataFrame, column: str, name: str, spec: str, strict: bool,
                shipped: Shipped | None) -> pd.DataFrame:
    verdicts = arrow_verdicts(_values(part[column]), spec, strict, shipped)
    return part.assign(**{name: pd.Series(pd.arrays.ArrowExtensionArray(verdicts), index=part.index)})


def _records_frame(records: list[dict[str, Any]], name: str) -> pd.DataFrame:
    verdicts = pa.array([r["eventspec"] for r in records], arrow_type())
    return pd.DataFrame({
        "source": pd.Series([r["source"] for r in records], dtype="object"),
        "line": pd.Series([r["line"] for r in records], dtype="Int64"),
        "value": pd.Series(pa.array([_bytes(r["value"]) for r in records], pa.binary()), dtype=pd.ArrowDtype(pa.binary())),
        name: pd.Series(pd.arrays.ArrowExtensionArray(verdicts)),
    })


def _bytes(raw: bytes | str) -> bytes:
    return encoded(raw) if isinstance(raw, str) else raw


def _records_partial(records: list[dict[str, Any]]) -> dict[Any, list[Any]]:
    return summarize((r["value"], r["eventspec"]) for r in records)


def _frame_partial(part: pd.DataFrame, name: str, column: str | None) -> dict[Any, list[Any]]:
    found = _values(part[name])
    raws = _values(part[column]) if column is not None else [None] * len(found)
    return summarize(zip(raws, found))


def _summary_frame(partials: list[dict[Any, list[Any]]]) -> pd.DataFrame:
    rows = merged(partials)
    columns: list[tuple[Any, ...]] = list(zip(*rows)) if rows else [()] * len(SUMMARY_COLUMNS)
    return pd.DataFrame({
        name: pd.Series(values, dtype="int64" if name == "count" else "object")
        for name, values in zip(SUMMARY_COLUMNS, columns)
    })
