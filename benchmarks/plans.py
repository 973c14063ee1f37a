"""Tracking plans: how long a plan takes to load, and how fast its events validate.

    python benchmarks/plans.py [--events 200] [--payloads 20000] [--rounds 5]

- load: a plan of ``--events`` track events (ten typed properties each, a bound, a
  pattern, an enum, an array and a ``$ref`` to a shared definition), written to a
  temporary folder, loaded by ``eventspec.load_plan`` in a fresh process each round
  (so nothing is cached), then its first validation (which compiles that event);
- speed: valid track calls of plan events through ``plan.validate``, side by side in the
  same rounds with valid calls of bundled semantic events through ``eventspec.validate``
  and through the same plan catalog (what a team with a plan pays on its bundled
  events). Prints events/s (median [min..max]) and the ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

import eventspec  # noqa: E402

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def write_plan(folder: Path, events: int) -> Path:
    (folder / "properties").mkdir(parents=True)
    # unplanned events allowed: the bundled semantic events go through the plan catalog as they are
    (folder / "eventspec-plan.json").write_text(json.dumps({"name": "bench", "spec": "cdp", "unplanned_events": "allow"}))
    (folder / "properties" / "address.json").write_text(json.dumps({
        "$schema": DRAFT, "type": "object", "description": "A postal address.",
        "properties": {"street": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
        "required": ["zip"],
    }))
    for i in range(events):
        where = folder / "events" / f"event-{i}"
        where.mkdir(parents=True)
        properties: dict[str, Any] = {f"field_{j}": {"type": "string", "maxLength": 200} for j in range(6)}
        properties.update(
            amount={"type": "number", "minimum": 0},
            count={"type": "integer", "minimum": 0, "maximum": 1000},
            kind={"enum": ["a", "b", "c"]},
            tags={"type": "array", "items": {"type": "string"}, "maxItems": 20},
            address={"$ref": "../../properties/address.json"},
        )
        (where / "1.json").write_text(json.dumps({
            "$schema": DRAFT, "title": f"Event {i}", "description": "A benchmark event.",
            "x-eventspec": {"call": "track", "event": f"Event {i}", "version": "1-0-0"},
            "type": "object", "properties": properties, "required": ["field_0", "amount"],
        }))
    return folder


def plan_payloads(n: int, events: int, rng: random.Random) -> list[dict[str, Any]]:
    found = []
    for k in range(n):
        properties: dict[str, Any] = {f"field_{j}": f"value {k} {j}" for j in range(rng.randint(1, 6))}
        properties.update(amount=rng.uniform(0, 500), count=rng.randint(0, 1000), kind=rng.choice("abc"),
                          tags=[f"t{t}" for t in range(rng.randint(0, 5))],
                          address={"street": "Main St 1", "zip": f"{rng.randint(10000, 99999)}"})
        found.append({"type": "track", "userId": f"user-{k}", "event": f"Event {rng.randrange(events)}",
                      "messageId": f"m-{k}", "timestamp": "2024-07-28T08:55:35.000Z",
                      "context": {"library": {"name": "bench", "version": "1"}}, "properties": properties})
    return found


_LOAD = """
import sys, time
t = time.perf_counter()
import eventspec
plan = eventspec.load_plan(sys.argv[1])
loaded = time.perf_counter()
report = plan.validate({"type": "track", "userId": "u", "event": "Event 0",
                        "properties": {"field_0": "x", "amount": 1}})
assert report.ok, report
print(loaded - t, time.perf_counter() - loaded)
"""


def _rate(run: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    run()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200, help="events in the generated plan")
    parser.add_argument("--payloads", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_plan(Path(tmp) / "plan", args.events)
        base = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import eventspec; "
                               "eventspec.BUNDLED; print(time.perf_counter() - t)"], capture_output=True, text=True, check=True)
        loads = [subprocess.run([sys.executable, "-c", _LOAD, str(folder)], capture_output=True, text=True, check=True)
                 for _ in range(args.rounds)]
        times = [tuple(map(float, r.stdout.split())) for r in loads]
        print(f"plan of {args.events} events: import + load_plan {statistics.median(t[0] for t in times):.3f} s "
              f"(import eventspec and read the bundle alone: {float(base.stdout):.3f} s), "
              f"first validation {statistics.median(t[1] for t in times) * 1000:.1f} ms; medians of {args.rounds} fresh processes")

        plan = eventspec.load_plan(folder)
        planned = plan_payloads(args.payloads, args.events, rng)
        semantic = [p for p in corpus.corpus(args.payloads * 2)
                    if corpus.family_of(p) == "cdp" and p.get("type") == "track"
                    and p.get("event") in eventspec.events("cdp") and eventspec.validate(p).ok][: args.payloads]
        for p in planned[:100]:
            assert plan.validate(p).ok, plan.validate(p)
        contenders = {
            "plan events, plan.validate": (lambda: [plan.validate(p) for p in planned], len(planned)),
            "semantic events, eventspec.validate": (lambda: [eventspec.validate(p) for p in semantic], len(semantic)),
            "semantic events, plan.validate": (lambda: [plan.validate(p) for p in semantic], len(semantic)),
        }
        for run, _ in contenders.values():  # warm: compile every event once
            run()
        rates: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, (run, n) in contenders.items():
                rates[name].append(_rate(run, n))
        base_rate = statistics.median(rates["semantic events, eventspec.validate"])
        print(f"\nvalid events/s over {args.rounds} rounds: median [min..max]   ratio to bundled semantic events")
        for name, r in rates.items():
            print(f"  {name:<40} {statistics.median(r):>10,.0f} [{min(r):,.0f}..{max(r):,.0f}]   "
                  f"{statistics.median(r) / base_rate:5.2f}x")


if __name__ == "__main__":
    main()
