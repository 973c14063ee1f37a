"""Instructions per ``eventspec.validate``, counted by valgrind: a measure a busy machine
does not move, for comparing two versions of the code when timings are too noisy.

    python benchmarks/instructions.py [--src DIR] [--events 3000] [--no-orjson] [--invalid | --plan]

Runs the corpus (see corpus.py) through validate under callgrind twice, once with two
more passes than the other, and prints the difference per event: the cost of a pass,
without start-up, imports and compilation. ``--src`` checks another source tree (a
checkout of the previous commit, say) with the same corpus. ``--plan`` counts the
corpus's valid cdp semantic track calls twice: through ``eventspec.validate``, and
renamed to a tracking plan's copies of their events through ``plan.validate`` (the plan
of benchmarks/run.py: the same schemas of their properties). Needs valgrind.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def _plan_calls(events: list[Any]) -> tuple[list[Any], list[Any], Callable[[Any], Any]]:
    """The corpus's valid cdp semantic track calls, the same renamed to a plan's copies of
    their events (benchmarks/run.py's plan), and that plan's validate."""
    import tempfile

    import corpus
    import run

    import eventspec

    semantic = [e for e in events if corpus.family_of(e) == "cdp" and e.get("type") == "track"
                and e.get("event") in eventspec.events("cdp") and eventspec.validate(e, spec="cdp").ok]
    with tempfile.TemporaryDirectory() as tmp:
        renamed = run.write_plan(Path(tmp), sorted({e["event"] for e in semantic}))
        plan = eventspec.load_plan(tmp)
    return semantic, [{**e, "event": renamed[e["event"]]} for e in semantic], plan.validate


def _run_passes(passes: int, invalid: bool, orjson: bool, plan: str = "") -> int:
    """In the child: validate the corpus twice to warm up, then ``passes`` times more;
    ``plan``: "bundled" or "planned", the two sides of ``--plan``."""
    if not orjson:
        sys.modules["orjson"] = None  # type: ignore[assignment]  # as if not installed
    sys.path.insert(0, str(HERE))
    import corpus

    import eventspec

    if orjson:
        import orjson as _  # noqa: F401  # loaded, as in an application using it: used from the start
    events = corpus.corpus(int(os.environ["EVENTSPEC_EVENTS"]))
    families = [corpus.family_of(event) for event in events]
    if plan:
        semantic, planned, plan_validate = _plan_calls(events)
        if plan == "planned":
            for _ in range(2 + passes):
                for event in planned:
                    plan_validate(event)
            return len(planned)
        chosen = [(e, "cdp") for e in semantic]
    else:
        chosen = [(e, f) for e, f in zip(events, families) if eventspec.validate(e, spec=f).ok != invalid]
    validate = eventspec.validate
    for _ in range(2 + passes):
        for event, family in chosen:
            validate(event, spec=family)
    return len(chosen)


def _count(passes: int, args: argparse.Namespace, plan: str = "") -> tuple[int, int]:
    env = {**os.environ, "PYTHONHASHSEED": "0", "EVENTSPEC_EVENTS": str(args.events)}
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    child = [sys.executable, __file__, "--child", str(passes)]
    child += ["--invalid"] * args.invalid + ["--no-orjson"] * args.no_orjson + (["--side", plan] if plan else [])
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *child],
                          env=env, capture_output=True, text=True, check=True)
    collected = re.search(r"Collected : (\d+)", done.stderr)
    if collected is None:
        raise SystemExit(done.stderr[-2000:])
    return int(done.stdout.split()[-1]), int(collected.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", help="the source tree (holding the eventspec package) to measure")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--invalid", action="store_true", help="the corpus's invalid events, not its valid ones")
    parser.add_argument("--no-orjson", action="store_true", help="as without the fast extra")
    parser.add_argument("--plan", action="store_true",
                        help="a tracking plan's copies of the semantic events against the bundled events")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--side", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(_run_passes(args.child, args.invalid, not args.no_orjson, args.side))
        return
    if args.plan:
        counts = {}
        for side in ("bundled", "planned"):
            events, before = _count(0, args, side)
            _, after = _count(2, args, side)
            counts[side] = (after - before) / (2 * events)
        print(f"{counts['bundled']:,.0f} instructions per eventspec.validate of {events:,} valid cdp semantic "
              f"track calls, {counts['planned']:,.0f} per plan.validate of the same renamed to a plan's copies: "
              f"{counts['bundled'] / counts['planned']:.2f}x ({args.src or 'this tree'})")
        return
    events, before = _count(0, args)
    _, after = _count(2, args)
    kind = "invalid" if args.invalid else "valid"
    print(f"{(after - before) / (2 * events):,.0f} instructions per validate, {events:,} {kind} events"
          f"{' without orjson' if args.no_orjson else ''} ({args.src or 'this tree'})")


if __name__ == "__main__":
    main()
