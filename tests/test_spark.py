"""eventspec.spark on a real local[2] session: the CLI's verdicts, line by line.

Needs PySpark and Java 17: skipped without them locally, failed without them in CI.
"""

from __future__ import annotations

from collections import Counter

import pytest
from engines import by_line_text, expected_summary, verdict

pytestmark = pytest.mark.engines


def _collected(checked, name="eventspec"):
    """(file name, raw line, verdict) of every payload row; blank rows' verdict is null."""
    from pyspark.sql import functions as F

    rows = checked.select(
        F.element_at(F.split("source", "/"), -1).alias("file"), F.col("value").cast("binary").alias("raw"), name
    ).collect()
    assert all(row[name] is None for row in rows if not bytes(row.raw).strip())
    return Counter(
        (row.file, bytes(row.raw), verdict(v.ok, v.spec, v.call, v.event, [f.asDict() for f in v.findings]))
        for row in rows if (v := row[name]) is not None
    )


def test_check_column_gives_the_clis_findings_line_by_line(spark, engine_corpus):
    import eventspec.spark as es

    checked = es.check_column(es.read_ndjson(spark, str(engine_corpus.folder)), "value")
    assert checked.schema["eventspec"].dataType == es.VERDICT
    assert _collected(checked) == by_line_text(engine_corpus.verdicts, engine_corpus.lines)


def test_summary_counts_each_finding_with_an_example(spark, engine_corpus):
    import eventspec.spark as es

    checked = es.check_column(es.read_ndjson(spark, str(engine_corpus.folder)), "value")
    rows = [tuple(row) for row in es.summary(checked).collect()]
    assert rows == expected_summary(engine_corpus)
    assert {row[3] for row in rows} >= {"unreadable", "type-mismatch", "required-missing"}


def test_a_binary_column_of_a_table_and_the_pandas_udf_give_the_same(spark, engine_corpus, monkeypatch):
    """A table of raw bytes with its own ``event`` column (the struct column does not
    clash with it), checked with the pandas UDF that Spark before 4.1 gets."""
    import eventspec.spark as es

    rows = [(name, number, raw, "own") for (name, number), raw in engine_corpus.lines.items()]
    table = spark.createDataFrame(rows, "source string, line int, payload binary, event string")
    arrow = es.check_column(table, "payload").select("source", "line", "event", "eventspec").collect()
    monkeypatch.delattr(es.F, "arrow_udf")
    older = es.check_column(table, "payload").select("source", "line", "event", "eventspec").collect()
    found = {(r.source, r.line): r.eventspec for r in arrow if r.eventspec is not None}
    assert {k: verdict(v.ok, v.spec, v.call, v.event, [f.asDict() for f in v.findings]) for k, v in found.items()} \
        == engine_corpus.verdicts
    assert all(r.event == "own" for r in arrow)
    assert {(r.source, r.line): r.eventspec for r in older if r.eventspec is not None} == found


def test_strict_and_a_fixed_family(spark, engine_corpus):
    from engines import cli_verdicts

    import eventspec.spark as es

    frame = es.read_ndjson(spark, str(engine_corpus.folder))
    checked = es.check_column(frame, "value", spec="cdp", strict=True, name="verdict")
    expected = cli_verdicts(engine_corpus.folder, "--spec", "cdp", "--strict")
    assert _collected(checked, "verdict") == by_line_text(expected, engine_corpus.lines)


def test_an_unknown_family_is_refused_on_the_driver(spark):
    import eventspec
    import eventspec.spark as es

    with pytest.raises(eventspec.UnknownFamily):
        es.verdict("value", spec="segment")


def test_a_column_that_is_not_text_is_refused_with_its_type(spark):
    import eventspec.spark as es

    frame = spark.createDataFrame([(1,)], "value int")
    with pytest.raises(TypeError, match="'value' is int"):
        es.check_column(frame, "value")


def test_string_batches_are_read_as_their_bytes_bad_utf8_included():
    import pyarrow as pa

    from eventspec.spark import _raw_lines

    # Spark hands a string column over with its bytes unchecked: a line with a bad byte
    # must reach the check as those bytes (an unreadable finding of its own), not fail the batch
    raw = pa.array([b'{"a": 1}', None, b'{"u": "\xff"}'], pa.binary())
    as_string = pa.Array.from_buffers(pa.string(), len(raw), raw.buffers(), null_count=raw.null_count)
    assert _raw_lines(as_string) == [b'{"a": 1}', None, b'{"u": "\xff"}']
    assert _raw_lines(raw) == _raw_lines(as_string)
    large = as_string.cast(pa.large_binary()).view(pa.large_string())
    assert _raw_lines(large) == _raw_lines(raw)
    with pytest.raises(TypeError, match="string or binary"):
        _raw_lines(pa.array([1]))


def test_a_plan_travels_to_the_workers_and_is_unpacked_once_in_each(spark, plan_corpus):
    import pyarrow as pa
    from engines import PLAN
    from pyspark.sql import functions as F

    import eventspec
    import eventspec.spark as es

    frame = es.read_ndjson(spark, str(plan_corpus.folder))
    expected = by_line_text(plan_corpus.verdicts, plan_corpus.lines)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "50")  # many batches per task
    try:
        assert _collected(es.check_column(frame, "value", plan=str(PLAN))) == expected
        assert _collected(es.check_column(frame.repartition(6), "value", plan=eventspec.load_plan(PLAN))) == expected

        def unpickled(ids):
            import os

            from eventspec._engine import UNPICKLED

            return pa.array([f"{os.getpid()} {max(UNPICKLED.values(), default=0)}"] * len(ids))

        unpickled.__annotations__ = {"ids": pa.Array, "return": pa.Array}  # Spark reads the kind from them
        probe = F.arrow_udf(unpickled, "string")
        probes = {row[0] for row in spark.range(0, 400, numPartitions=4).select(probe("id")).collect()}
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    counts = {probe.split()[1] for probe in probes}
    assert counts <= {"0", "1"} and "1" in counts, probes  # never twice in one process


def test_the_check_runs_once_per_row_under_a_filter(spark, engine_corpus, capsys):
    """Spark pushes a filter on a deterministic UDF's result below it, and then runs the
    UDF twice: once for the filter, once for the columns (explode filters too)."""
    from pyspark.sql import functions as F

    import eventspec.spark as es

    checked = es.check_column(es.read_ndjson(spark, str(engine_corpus.folder)), "value")
    for query in (es.summary(checked), checked.where(~F.col("eventspec.ok")).select("eventspec.findings")):
        query.explain()
        assert capsys.readouterr().out.count("EvalPython [") == 1
