"""Audit event logs on Spark: a column of raw JSON lines to a column of verdicts.

    pip install 'eventspec[spark]'      # pyspark, pyarrow; Spark itself needs Java 17+

``check_column(df, "value")`` adds one struct column (``eventspec``) with the verdict
on each row, exactly as ``eventspec check`` gives it; ``summary(checked)`` counts the
findings per family, event, category and path. See docs/scale.md.

Each Spark Python worker checks a batch of rows at a time (an Arrow UDF, the cheapest
kind measured here; a pandas UDF before Spark 4.1), compiling the schemas it needs
once per process; a tracking plan travels pickled with the tasks (a few KB) and is
unpacked once per process too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import pyarrow as pa
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, BinaryType, BooleanType, StringType, StructField, StructType
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        f"eventspec.spark needs PySpark and PyArrow ({error}); install them with: pip install 'eventspec[spark]'"
    ) from error

from ._catalog import FAMILIES
from ._engine import FINDING_FIELDS, SUMMARY_COLUMNS, VERDICT_FIELDS, Shipped, arrow_verdicts, ship
from ._findings import UnknownFamily

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["VERDICT", "check_column", "read_ndjson", "summary", "verdict"]


def _struct(fields: tuple[tuple[str, str], ...]) -> StructType:
    simple = {"string": StringType(), "boolean": BooleanType()}
    return StructType([
        StructField(name, simple.get(kind) or ArrayType(_struct(FINDING_FIELDS)), True) for name, kind in fields
    ])


#: The type of the verdict column: ``struct<ok, spec, call, event, findings:
#: array<struct<path, message, category, severity, keyword, schema_id>>>``.
VERDICT: StructType = _struct(VERDICT_FIELDS)

_COLUMN_KEY = "eventspec.column"  # the column a verdict was made from, kept in its metadata


def read_ndjson(spark: SparkSession, path: str | list[str]) -> DataFrame:
    """NDJSON files as a DataFrame of ``source`` (the file) and ``value`` (one raw line).

    Lines end at ``\\n`` only, as for ``eventspec check`` (Spark's default also ends
    them at a lone ``\\r``); a ``\\r`` before the ``\\n`` is dropped by the check. Spark
    keeps no line numbers: identify a line by its file and its text.
    """
    frame = spark.read.option("lineSep", "\n").text(path)
    return frame.select(F.col("_metadata.file_path").alias("source"), "value")


def verdict(column: str | Column, *, spec: str = "auto", plan: Any = None, strict: bool = False) -> Column:
    """The verdict column for a column of raw JSON lines (strings or bytes).

    Arguments:
        column: the column's name, or a Column.
        spec: a family, or ``"auto"`` to recognise each line's family from its shape.
        plan: an `eventspec.Catalog` (or the path of a tracking plan) to check against;
            by default the bundled specs.
        strict: as for ``eventspec check --strict`` (``ok`` is false on warnings too).

    Returns:
        A struct Column of type `VERDICT`; null for a blank line or a null.

    Raises:
        UnknownFamily: ``spec`` is neither ``"auto"`` nor a bundled family.
    """
    if spec != "auto" and spec not in FAMILIES:
        raise UnknownFamily(spec, FAMILIES)
    col = F.col(column) if isinstance(column, str) else column
    # Marked nondeterministic so that Spark evaluates it once per row: a filter on the
    # verdict (explode's own, or the user's where) would otherwise be pushed below it
    # and run the whole check a second time.
    if hasattr(F, "arrow_udf"):  # Spark 4.1 and later
        # The column as it is: a string column reaches Python as an Arrow string array
        # holding Spark's bytes unchecked, read there as binary at no cost (`_raw_lines`).
        # A cast to binary in the JVM cost 0.2 s of CPU per 200,000 lines.
        return _arrow_udf(spec, strict, ship(plan)).asNondeterministic()(col)
    # A pandas UDF cannot return a null struct: it returns one of nulls, made null here.
    # Its strings would be decoded on the way: bytes keep bad UTF-8 a finding of its line.
    found = _pandas_udf(spec, strict, ship(plan)).asNondeterministic()(col.cast("binary"))
    return F.when(found.ok.isNotNull(), found)


def check_column(
    df: DataFrame,
    column: str,
    *,
    spec: str = "auto",
    plan: Any = None,
    strict: bool = False,
    name: str = "eventspec",
) -> DataFrame:
    """``df`` with one more column, ``name``, holding each row's `verdict` of ``column``.

    One struct column, not several: raw event tables often have an ``event`` column of
    their own. Read its fields as ``eventspec.ok``, ``eventspec.findings`` and so on.

    Raises:
        TypeError: ``column`` is neither a string nor a binary column.
    """
    kind = df.select(column).schema[0].dataType
    if not isinstance(kind, (StringType, BinaryType)):
        raise TypeError(f"eventspec checks a column of raw JSON lines (string or binary); {column!r} is {kind.simpleString()}")
    return df.withColumn(
        name, verdict(column, spec=spec, plan=plan, strict=strict).alias(name, metadata={_COLUMN_KEY: column})
    )


def summary(checked: DataFrame, *, name: str = "eventspec", column: str | None = None) -> DataFrame:
    """Findings per family, call, event, category, severity and path, most frequent first.

    Columns: ``spec, call, event, category, severity, path, count, example``, where
    ``example`` is one line with that finding (the smallest, so the same every run).
    ``column`` is the checked column, by default the one `check_column` recorded.
    """
    if column is None:
        column = checked.schema[name].metadata.get(_COLUMN_KEY)
    example = F.col(column).cast("binary") if column else F.lit(None).cast("binary")
    v = F.col(name)
    findings = checked.where(v.isNotNull()).select(
        v.spec.alias("spec"), v.call.alias("call"), v.event.alias("event"),
        F.explode(v.findings).alias("finding"), example.alias("example"),
    )
    keys = ["spec", "call", "event", "category", "severity", "path"]
    counted = (
        findings.select("spec", "call", "event", "finding.category", "finding.severity", "finding.path", "example")
        .groupBy(*keys)
        .agg(F.count(F.lit(1)).alias("count"), F.min("example").cast("string").alias("example"))
    )
    # A summary is small: sorted in one partition, without orderBy's sampling job.
    return counted.select(*SUMMARY_COLUMNS).coalesce(1).sortWithinPartitions(
        F.desc("count"), *(F.asc_nulls_first(k) for k in keys)
    )


# The UDFs: each a closure over plain values (the family, strict, the pickled plan),
# calling module-level functions only, so that what cloudpickle ships is small.


def _arrow_udf(spec: str, strict: bool, shipped: Shipped | None) -> Any:
    def eventspec_verdict(raws: pa.Array) -> pa.Array:
        return arrow_verdicts(_raw_lines(raws), spec, strict, shipped)

    return F.arrow_udf(eventspec_verdict, VERDICT)  # type: ignore[call-overload]  # (kind from the hints)


def _raw_lines(raws: pa.Array) -> list[Any]:
    """A batch of the column as the bytes of each line (None for a null): a string array
    is viewed as binary (the same buffers; Spark does not check its strings' UTF-8, and
    decoding one with bad bytes would fail the whole batch)."""
    kind = raws.type
    if pa.types.is_string(kind):
        raws = raws.view(pa.binary())
    elif pa.types.is_large_string(kind):
        raws = raws.view(pa.large_binary())
    elif not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):
        raise TypeError(f"eventspec checks a column of raw JSON lines (string or binary), not {kind}")
    return raws.to_pylist()


def _pandas_udf(spec: str, strict: bool, shipped: Shipped | None) -> Any:
    import pandas as pd

    def eventspec_verdict(raws: pd.Series) -> pd.DataFrame:
        return _frame(arrow_verdicts(raws.tolist(), spec, strict, shipped))

    # Spark reads the UDF's kind from its type hints, evaluated: not strings.
    eventspec_verdict.__annotations__ = {"raws": pd.Series, "return": pd.DataFrame}
    return F.pandas_udf(eventspec_verdict, VERDICT)  # type: ignore[call-overload]


def _frame(verdicts: pa.StructArray) -> pd.DataFrame:
    # A pandas UDF returns a struct as a frame; object columns keep None as None (a
    # pandas 3 string column would turn it into NaN).
    import pandas as pd

    return pd.DataFrame({
        field.name: pd.Series(verdicts.field(i).to_pylist(), dtype="object")
        for i, field in enumerate(verdicts.type)
    })
