"""How fast eventspec.strategies generates events, valid and invalid.

    python benchmarks/generation.py [--examples 500] [--rounds 3] [--json FILE]

For Order Completed and Video Playback Started (cdp), times:

- ``hypothesis``: a ``@given`` test over ``events(...)`` / ``invalid_events(...)``
  that does nothing with the payload, generation phase only, no database: what a
  property test pays per example before its own work (Hypothesis' engine included);
- ``seeded``: ``eventspec.strategies.sample(..., seed=n)`` and its defect planner on a
  seeded random number generator, without Hypothesis (what ``eventspec example``
  runs, and the generator's own cost).

Prints examples per second, median [min..max] over the rounds; --json writes them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, given, settings

from eventspec import strategies as es
from eventspec._defects import choose, defects
from eventspec._generate import Target, sample
from eventspec._sources import RandomSource

EVENTS = ("Order Completed", "Video Playback Started")


def _hypothesis(strategy: object, examples: int) -> Callable[[], int]:
    count = 0

    @settings(max_examples=examples, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(_: object) -> None:
        nonlocal count
        count += 1

    def go() -> int:
        nonlocal count
        count = 0
        run()
        return count

    return go


def _seeded(event: str, examples: int, invalid: bool) -> Callable[[], int]:
    target = Target("cdp", "track", event)

    def go() -> int:
        for seed in range(examples):
            payload = sample(target, seed)
            if invalid:
                choose(RandomSource(seed), defects(target, payload)).apply(payload)
        return examples

    return go


def _rate(fn: Callable[[], int], rounds: int) -> list[float]:
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        done = fn()
        rates.append(done / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per round (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement (default 3)")
    parser.add_argument("--json", metavar="FILE", help="also write the results to FILE")
    args = parser.parse_args()

    results: dict[str, dict[str, list[float]]] = {}
    for event in EVENTS:
        runs = {
            "hypothesis valid": _hypothesis(es.events(spec="cdp", event=event), args.examples),
            "hypothesis invalid": _hypothesis(es.invalid_events(spec="cdp", event=event), args.examples),
            "seeded valid": _seeded(event, args.examples, invalid=False),
            "seeded invalid": _seeded(event, args.examples, invalid=True),
        }
        for fn in runs.values():  # warm up: schemas loaded, nodes built, strategies made
            fn()
        results[event] = {name: _rate(fn, args.rounds) for name, fn in runs.items()}

    print(f"examples per second ({args.examples} examples x {args.rounds} rounds; median [min..max])")
    for event, runs in results.items():
        print(f"\n{event}")
        for name, rates in runs.items():
            print(f"  {name:<20} {statistics.median(rates):>9,.0f}   [{min(rates):,.0f}..{max(rates):,.0f}]")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"examples": args.examples, "rounds": args.rounds, "rates": results}, out, indent=2)


if __name__ == "__main__":
    main()
