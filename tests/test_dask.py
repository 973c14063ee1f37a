"""eventspec.dask on a LocalCluster of two worker processes: the CLI's verdicts, line
by line, with line numbers. Skipped without Dask locally, failed without it in CI."""

from __future__ import annotations

from pathlib import Path

import pytest
from engines import cli_verdicts, expected_summary, verdict

pytestmark = pytest.mark.engines


def _by_line(records):
    return {
        (Path(r["source"]).name, r["line"]): verdict(
            r["eventspec"]["ok"], r["eventspec"]["spec"], r["eventspec"]["call"], r["eventspec"]["event"],
            r["eventspec"]["findings"],
        )
        for r in records
    }


def _rows(frame):
    """A computed summary's rows, with pandas' missing values as None (as Spark gives them)."""
    return [tuple(row) for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False)]


@pytest.mark.parametrize("blocksize", [None, 64 * 1024], ids=["one-block-per-file", "64KiB-blocks"])
def test_check_bag_gives_the_clis_findings_with_line_numbers(dask_client, engine_corpus, blocksize):
    import eventspec.dask as ed

    lines = ed.read_ndjson(str(engine_corpus.folder / "*.ndjson"), blocksize=blocksize)
    if blocksize:
        assert lines.npartitions > 2  # the files were split, and their lines numbered across blocks
    records = ed.check_bag(lines).compute()
    assert _by_line(records) == engine_corpus.verdicts
    assert all(r["value"] == engine_corpus.lines[(Path(r["source"]).name, r["line"])] for r in records)


def test_summary_of_a_bag_and_of_a_frame_are_sparks(dask_client, engine_corpus):
    import eventspec.dask as ed

    checked = ed.check_bag(ed.read_ndjson(str(engine_corpus.folder / "*.ndjson"))).persist()
    expected = expected_summary(engine_corpus)
    assert _rows(ed.summary(checked).compute()) == expected
    frame = ed.to_frame(checked)
    assert _rows(ed.summary(frame, "value").compute()) == expected
    without_examples = ed.summary(frame).compute()
    assert without_examples["example"].isna().all() and list(without_examples["count"]) == [r[6] for r in expected]


def _text(raw: bytes) -> str | None:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None  # an Arrow (or pandas 3) string holds UTF-8 only: such a line is bytes or nothing


def test_check_frame_on_a_column_of_text_and_of_bytes(dask_client, engine_corpus, tmp_path):
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa

    import eventspec.dask as ed
    from eventspec._engine import arrow_type

    keys = list(engine_corpus.lines)
    raws = [engine_corpus.lines[k] for k in keys]
    table = pd.DataFrame({
        "source": [k[0] for k in keys],
        "line": [k[1] for k in keys],
        "payload": pd.Series(raws, dtype=pd.ArrowDtype(pa.binary())),  # as read_parquet gives bytes
        "text": pd.Series([_text(r) for r in raws], dtype="str"),
        "event": "own",
    })
    frame = dd.from_pandas(table, npartitions=3)
    readable = {k: v for k, v in engine_corpus.verdicts.items() if _text(engine_corpus.lines[k]) is not None}
    for column, expected in (("payload", engine_corpus.verdicts), ("text", readable)):
        checked = ed.check_frame(frame, column).compute()
        assert checked["event"].eq("own").all()  # the verdict is one column: no clash
        found = {
            (row.source, row.line): verdict(v["ok"], v["spec"], v["call"], v["event"], v["findings"])
            for row, v in zip(checked.itertuples(), pa.array(checked["eventspec"]).to_pylist()) if v is not None
        }
        assert found == expected, column
    assert len(readable) < len(engine_corpus.verdicts)
    # Parquet keeps the verdict's nested type
    import pyarrow.parquet as pq

    checked = ed.check_frame(frame, "payload")
    checked.to_parquet(tmp_path / "checked")
    back = pq.read_table(tmp_path / "checked").column("eventspec")
    assert back.type.field("findings").type.value_type == arrow_type().field("findings").type.value_type
    assert back.to_pylist() == pa.array(checked.compute()["eventspec"]).to_pylist()


def test_one_bad_byte_costs_one_line_not_the_file(dask_client, tmp_path):
    import eventspec.dask as ed

    log = tmp_path / "log.ndjson"
    log.write_bytes(b'{"type": "identify", "userId": "a", "traits": {}}\n'
                    b'{"type": "identify", "userId": "\xff", "traits": {}}\n\n'
                    b'{"type": "identify", "userId": "c", "traits": {}}\n')
    records = ed.check_bag(ed.read_ndjson(str(log))).compute()
    assert [(r["line"], r["eventspec"]["ok"]) for r in records] == [(1, True), (2, False), (4, True)]
    assert _by_line(records) == cli_verdicts(tmp_path)


def test_workers_compile_once_not_per_task(dask_client, engine_corpus):
    import eventspec.dask as ed

    def compiled() -> tuple[int, int]:
        """The bundled catalog's compiler in this worker, and how many schemas it compiled."""
        from eventspec._catalog import bundled
        from eventspec._validate import _compiler

        compiler = _compiler(bundled())
        return id(compiler), len(compiler._compiled)

    lines = ed.read_ndjson(str(engine_corpus.folder / "*.ndjson"), blocksize=64 * 1024)
    ed.check_bag(lines).count().compute()
    first = dask_client.run(compiled)
    ed.check_bag(lines).count().compute()
    assert dask_client.run(compiled) == first  # the same processes, nothing compiled again
    assert len(first) == 2 and all(count > 10 for _, count in first.values())


def test_an_unknown_family_is_refused_before_anything_runs(dask_client):
    import eventspec
    import eventspec.dask as ed

    with pytest.raises(eventspec.UnknownFamily):
        ed.check_bag(None, spec="segment")


def test_a_plan_travels_to_the_workers_and_is_unpacked_once_in_each(dask_client, plan_corpus):
    from engines import PLAN

    import eventspec
    import eventspec.dask as ed

    def unpickled() -> dict[str, int]:
        from eventspec._engine import UNPICKLED

        return dict(UNPICKLED)

    lines = ed.read_ndjson(str(plan_corpus.folder / "*.ndjson"), blocksize=16 * 1024)
    assert lines.npartitions > 4
    assert _by_line(ed.check_bag(lines, plan=str(PLAN)).compute()) == plan_corpus.verdicts
    assert _by_line(ed.check_bag(lines, plan=eventspec.load_plan(PLAN)).compute()) == plan_corpus.verdicts
    counts = dask_client.run(unpickled)
    assert len(counts) == 2 and all(set(c.values()) == {1} for c in counts.values()), counts
