"""eventspec's validation speed, side by side with the reference validators.

    python benchmarks/run.py [--events 20000] [--rounds 5] [--cli-lines 100000] [--cpu] [--json FILE]

One run, one machine, interleaved rounds: a deterministic mixed corpus (all four
families, every semantic event, ~5% invalid, 0-10 products per order; see corpus.py)
is validated by

- ``eventspec.validate`` (the whole API: dispatch by type and event name, the fast
  path, the size check, and the full report for invalid events);
- jsonschema's ``jsonschema.validate(event, schema)`` per event (what most code does);
- a jsonschema ``Draft202012Validator`` built once per schema (``is_valid`` and
  ``iter_errors``), formats checked;
- fastjsonschema and jsonschema-rs, when installed, compiled once per schema from the
  same schema with every ``$ref`` inlined (neither follows our cross-file refs);
  jsonschema-rs both as ``is_valid`` and as ``iter_errors`` (every error, as eventspec
  reports them).

Then a tracking plan: the valid cdp semantic events again, and the same calls renamed
to a plan's copies of those events (the same schemas of their properties) through
``plan.validate``: what a plan's event costs against a bundled one doing the same work.

The reference validators are handed the schema eventspec dispatched to, so they skip
the dispatch that eventspec's numbers include. The CLI is timed over an NDJSON file
against the parse floor (json.loads, orjson.loads). Prints events/s (median [min..max])
and ratios; --json writes everything to a file; --cpu times each contender with the
process's CPU time rather than the wall clock, which another process on a shared
machine inflates at random.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

import eventspec  # noqa: E402
from eventspec._catalog import catalog, registry  # noqa: E402


def inline(uri: str) -> dict[str, Any]:
    """The schema with every $ref replaced by its target (for validators without our registry)."""

    def walk(node: Any, resolver: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                resolved = resolver.lookup(node["$ref"])
                rest = {k: walk(v, resolver) for k, v in node.items() if k not in ("$ref", "$defs")}
                target = walk(resolved.contents, resolved.resolver)
                return {"allOf": [target, rest]} if rest else target
            return {k: walk(v, resolver) for k, v in node.items()
                    if k not in ("$defs", "$id", "$schema", "$comment")}
        if isinstance(node, list):
            return [walk(v, resolver) for v in node]
        return node

    return walk(catalog().contents[uri], registry().resolver(base_uri=uri))


_CLOCK = time.perf_counter  # --cpu: time.process_time, which another process's work does not reach


def _rate(fn: Callable[[], Any], count: int) -> float:
    start = _CLOCK()
    fn()
    return count / (_CLOCK() - start)


def write_plan(folder: Path, names: list[str]) -> dict[str, str]:
    """A tracking plan whose events are the bundled cdp semantic events ``names`` under
    other names ("Planned 0", ...): each event file holds the bundled event's own schema
    of its properties, its relative ``$ref``s made absolute, as a team copying it would.
    Returns each bundled name's plan name."""
    from urllib.parse import urljoin

    def absolute(node: Any, base: str) -> Any:
        if isinstance(node, dict):
            return {k: urljoin(base, v) if k == "$ref" and isinstance(v, str) else absolute(v, base)
                    for k, v in node.items()}
        if isinstance(node, list):
            return [absolute(v, base) for v in node]
        return node

    # bundled events the plan does not list are allowed: what a team that plans only its own does
    (folder / "eventspec-plan.json").write_text(json.dumps({"name": "bench", "spec": "cdp", "unplanned_events": "allow"}))
    renamed = {}
    for index, name in enumerate(names):
        document = eventspec.schema("cdp", name)
        inner = absolute(document["properties"]["properties"], document["$id"])
        planned = f"Planned {index}"
        where = folder / "events" / f"planned-{index}"
        where.mkdir(parents=True)
        (where / "1.json").write_text(json.dumps({
            "$schema": "https://json-schema.org/draft/2020-12/schema", "title": planned,
            "description": f"{name}, planned under another name.",
            "x-eventspec": {"call": "track", "event": planned, "version": "1-0-0"},
            "type": "object", **{k: v for k, v in inner.items() if k != "description"},
        }))
        renamed[name] = planned
    return renamed


def plan_row(valid: list[tuple[Any, str, str]], rounds: int) -> dict[str, Any]:
    """The corpus's valid cdp semantic events, and the same calls renamed to a plan's
    copies of those events (`write_plan`) through ``plan.validate``: the same schemas,
    checked through a plan's path, in the same rounds."""
    import tempfile

    semantic = [e for e, f, _ in valid if f == "cdp" and e.get("type") == "track" and e.get("event") in eventspec.events("cdp")]
    with tempfile.TemporaryDirectory() as tmp:
        renamed = write_plan(Path(tmp), sorted({e["event"] for e in semantic}))
        plan = eventspec.load_plan(tmp)
    planned = [{**e, "event": renamed[e["event"]]} for e in semantic]
    assert all(plan.validate(e).ok for e in planned), "the plan's copies must accept what the bundled events accept"
    cases = {
        "eventspec.validate, bundled semantic events": lambda: [eventspec.validate(e, spec="cdp") for e in semantic],
        "plan.validate, the plan's copies of them": lambda: [plan.validate(e) for e in planned],
        "plan.validate, the bundled events": lambda: [plan.validate(e) for e in semantic],
    }
    rates: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            rates[name].append(_rate(fn, len(semantic)))
    base = statistics.median(rates["eventspec.validate, bundled semantic events"])
    print(f"\ntracking plan: {len(semantic):,} valid cdp semantic track calls, {len(renamed)} events; "
          f"events/s over {rounds} rounds: median [min..max]   ...x eventspec.validate")
    table = {}
    for name, r in rates.items():
        median = statistics.median(r)
        table[name] = {"median": median, "min": min(r), "max": max(r), "vs_bundled": median / base}
        print(f"  {name:<48} {median:>11,.0f} [{min(r):,.0f}..{max(r):,.0f}]   {median / base:7.2f}x")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--naive", type=int, default=300, help="events for the (slow) naive jsonschema.validate")
    parser.add_argument("--cli-lines", type=int, default=100_000, help="0 to skip the CLI part")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--cpu", action="store_true",
                        help="time with the process's CPU time instead of the wall clock (a shared machine)")
    args = parser.parse_args()
    global _CLOCK
    if args.cpu:
        _CLOCK = time.process_time

    import jsonschema
    from jsonschema import Draft202012Validator

    events = corpus.corpus(args.events)
    families = [corpus.family_of(e) for e in events]
    reports = [eventspec.validate(e, spec=f) for e, f in zip(events, families)]
    valid = [(e, f, r.schema_id) for e, f, r in zip(events, families, reports) if r.ok and r.schema_id]
    invalid = [(e, f, r.schema_id) for e, f, r in zip(events, families, reports) if not r.ok and r.schema_id]
    uris = sorted({u for _, _, u in valid + invalid})
    built = {u: Draft202012Validator(catalog().contents[u], registry=registry(),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER) for u in uris}
    inlined = {u: inline(u) for u in uris}
    print(f"corpus: {len(events):,} events ({len(valid):,} valid, {len(invalid):,} invalid), {len(uris)} schemas")

    contenders: dict[str, Callable[[list], Callable[[], Any]]] = {
        "eventspec.validate": lambda batch: lambda: [eventspec.validate(e, spec=f) for e, f, _ in batch],
        "jsonschema built once, is_valid": lambda batch: lambda: [built[u].is_valid(e) for e, _, u in batch],
        "jsonschema built once, iter_errors": lambda batch: lambda: [list(built[u].iter_errors(e)) for e, _, u in batch],
    }
    naive = {u: {"$schema": "https://json-schema.org/draft/2020-12/schema", **inlined[u]} for u in uris}

    def run_naive(batch):
        def go():
            for e, _, u in batch[: args.naive]:
                try:
                    jsonschema.validate(e, naive[u], cls=Draft202012Validator,
                                        format_checker=Draft202012Validator.FORMAT_CHECKER)
                except jsonschema.ValidationError:
                    pass
        return go

    skipped = []
    try:
        import fastjsonschema

        compiled = {}
        for u in uris:
            schema = {"$schema": "http://json-schema.org/draft-07/schema#", **inlined[u]}
            compiled[u] = fastjsonschema.compile(schema)

        def run_fast(batch):
            def go():
                for e, _, u in batch:
                    try:
                        compiled[u](e)
                    except fastjsonschema.JsonSchemaException:
                        pass
            return go

        contenders["fastjsonschema (inlined, draft-07)"] = run_fast
    except ImportError:
        skipped.append("fastjsonschema (pip install fastjsonschema)")
    try:
        import jsonschema_rs

        rs = {u: jsonschema_rs.validator_for(inlined[u], validate_formats=True) for u in uris}
        contenders["jsonschema-rs is_valid (inlined)"] = lambda batch: lambda: [rs[u].is_valid(e) for e, _, u in batch]
        # every error, as eventspec reports them (the reference for the invalid path)
        contenders["jsonschema-rs iter_errors (inlined)"] = (
            lambda batch: lambda: [list(rs[u].iter_errors(e)) for e, _, u in batch])
    except ImportError:
        skipped.append("jsonschema-rs (pip install jsonschema-rs)")

    results: dict[str, dict[str, dict[str, float]]] = {}
    for kind, batch in (("valid", valid), ("invalid", invalid)):
        rates: dict[str, list[float]] = {name: [] for name in contenders}
        rates["jsonschema.validate per event (naive)"] = []
        for _ in range(args.rounds):  # interleaved, so a noisy neighbour hits everyone alike
            for name, make in contenders.items():
                rates[name].append(_rate(make(batch), len(batch)))
            rates["jsonschema.validate per event (naive)"].append(_rate(run_naive(batch), min(len(batch), args.naive)))
        results[kind] = {n: {"median": statistics.median(r), "min": min(r), "max": max(r)} for n, r in rates.items()}

    for kind, table in results.items():
        mine = table["eventspec.validate"]["median"]
        print(f"\n{kind} events, events/s over {args.rounds} rounds: median [min..max]   eventspec is ...x it")
        for name, r in sorted(table.items(), key=lambda kv: -kv[1]["median"]):
            print(f"  {name:<40} {r['median']:>11,.0f} [{r['min']:,.0f}..{r['max']:,.0f}]   {mine / r['median']:7.2f}x")
    for name in skipped:
        print(f"  (not installed: {name})")

    results["plan"] = plan_row(valid, args.rounds)

    if args.cli_lines:
        import cli_throughput

        print()
        results["cli"] = cli_throughput.measure(args.cli_lines, repeat=max(1, args.rounds // 2))
    if args.json:
        Path(args.json).write_text(json.dumps({"events": args.events, "rounds": args.rounds, "results": results}, indent=2))


if __name__ == "__main__":
    main()
