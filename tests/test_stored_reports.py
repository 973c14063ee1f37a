"""Full reports of invalid payloads, held to reports stored from an earlier version.

The invalid path builds a report from several pieces made for speed (the generated
report code, the messages said per error site, the size bound, the merge of
findings). The other tests hold each piece to a reference; this one holds the whole
report, field by field and in order, to what the library said before those pieces
were made faster: a few hundred deterministic mutants of the benchmark corpus, in
every family, strict and not, as single calls and as batch items.

A change that means to alter a report regenerates the stored file, and its diff shows
every report that changed:

    python tests/test_stored_reports.py --regenerate
"""

from __future__ import annotations

import copy
import decimal
import gzip
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

import eventspec
from eventspec import _validate

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import corpus  # noqa: E402
from mutation import mutate  # noqa: E402

STORED = Path(__file__).parent / "fixtures" / "stored_reports.json.gz"


class Text(str):
    pass


# Values that take the report through its less common branches: every JSON type where
# another is declared, strings a format or pattern refuses, NaN (not JSON), a Decimal,
# a str subclass, an integer past 64 bits, long strings (length limits).
AWKWARD: list[Any] = [
    True, False, 0, 1, -1, 1.0, 1.5, 2**70, float("nan"), float("inf"), decimal.Decimal("2.5"), "", "x",
    "usd", "2024-02-30T12:30:00Z", "2024-05-01t12:30:00z", "not a date", "256.1.1.1", "not a uri", None, [],
    [1, 1], {}, {"a": None}, Text("x"), 300 * "x", "Order  Completed", " Order Completed", "order_completed",
]


def _mutant(payload: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    mutated: dict[str, Any] = mutate(payload, rng, AWKWARD, rounds=(1, 1, 2, 3), delete=0.2)
    return mutated


def _cases() -> list[tuple[dict[str, Any], str, bool]]:
    """(payload, family, strict): the corpus's own invalid events, then mutants."""
    events = corpus.corpus(3000)
    cases = [(e, corpus.family_of(e), False) for e in events if not eventspec.validate(e, spec=corpus.family_of(e)).ok]
    rng = random.Random(20261130)
    for index in range(500):
        event = rng.choice(events)
        family = corpus.family_of(event)
        cases.append((_mutant(event, rng), family, index % 4 == 0))
    semantic = [e for e in events if e.get("type") == "track" and isinstance(e.get("properties"), dict)
                and e["properties"] and e.get("event", "")[:1].isupper()]
    for index, event in enumerate(semantic[:60]):
        payload = _mutant(event, rng) if index % 2 else copy.deepcopy(event)
        properties = payload.get("properties")
        if isinstance(properties, dict) and properties:
            name = rng.choice(sorted(properties))
            # a near miss of a declared name: a spelling variant, or a letter dropped
            other = name.upper() if index % 3 == 0 else name[:-1] if index % 3 == 1 else name.replace("_", "")
            properties[other] = properties.pop(name)
        cases.append((payload, corpus.family_of(event), index % 5 == 0))
    for index, event in enumerate(events[:12]):
        payload = _mutant(event, rng) if index % 2 else copy.deepcopy(event)
        # over the API's limit; over the clients' only (non-ASCII is 6 bytes there)
        payload["padding"] = "x" * 40_000 if index % 3 == 0 else "\u00e9" * 12_000 if index % 3 == 1 else [float("nan")]
        cases.append((payload, corpus.family_of(event), False))
    by_family: dict[str, list[dict[str, Any]]] = {}
    for payload, family, _ in cases:
        by_family.setdefault(family, []).append(payload)
    # batch items, where the family has batches: each item reported below its index
    for items in (by_family.get("cdp", [])[i: i + 3] for i in range(0, 60, 3)):
        cases.append(({"batch": copy.deepcopy(items), "context": {"library": {"name": "x"}}}, "cdp", False))
    return cases


def _finding(finding: eventspec.Finding) -> list[Any]:
    return [finding.path, finding.message, finding.category, finding.severity, finding.keyword, finding.schema_id,
            [repr(part) for part in finding.parts]]


def _report(report: eventspec.Report) -> list[Any]:
    return [report.spec, report.call, report.event, report.schema_id,
            [_finding(f) for f in report.errors], [_finding(f) for f in report.warnings]]


def _reports() -> list[list[Any]]:
    return [_report(eventspec.validate(payload, spec=family, strict=strict)) for payload, family, strict in _cases()]


@pytest.mark.parametrize("sizes", ["marshal", "orjson"])
def test_invalid_payloads_get_the_stored_reports(sizes: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the full path's size bound by either serializer (orjson once it is loaded)
    dumps = None if sizes == "marshal" else pytest.importorskip("orjson").dumps
    _validate._orjson_dumps()
    monkeypatch.setattr(_validate, "_SIZE_DUMPS", [dumps])
    stored = json.loads(gzip.decompress(STORED.read_bytes()))
    now = _reports()
    assert len(now) == len(stored)
    differ = [(index, was, report) for index, (was, report) in enumerate(zip(stored, now)) if was != report]
    assert differ == []
    assert sum(1 for report in now if report[4]) > 400  # invalid payloads, in quantity


if __name__ == "__main__" and sys.argv[1:] == ["--regenerate"]:
    text = json.dumps(_reports(), indent=0, ensure_ascii=False)
    STORED.write_bytes(gzip.compress(text.encode(), mtime=0))
    print(f"wrote {STORED} ({len(text):,} characters)")
