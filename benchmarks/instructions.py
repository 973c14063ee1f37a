"""Instructions per ``eventspec.validate``, counted by valgrind: a measure a busy machine
does not move, for comparing two versions of the code when timings are too noisy.

    python benchmarks/instructions.py [--src DIR] [--events 3000] [--no-orjson] [--invalid]

Runs the corpus (see corpus.py) through validate under callgrind twice, once with two
more passes than the other, and prints the difference per event: the cost of a pass,
without start-up, imports and compilation. ``--src`` checks another source tree (a
checkout of the previous commit, say) with the same corpus. Needs valgrind.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def _run_passes(passes: int, invalid: bool, orjson: bool) -> int:
    """In the child: validate the corpus twice to warm up, then ``passes`` times more."""
    if not orjson:
        sys.modules["orjson"] = None  # type: ignore[assignment]  # as if not installed
    sys.path.insert(0, str(HERE))
    import corpus

    import eventspec

    if orjson:
        import orjson as _  # noqa: F401  # loaded, as in an application using it: used from the start
    events = corpus.corpus(int(os.environ["EVENTSPEC_EVENTS"]))
    families = [corpus.family_of(event) for event in events]
    chosen = [(e, f) for e, f in zip(events, families) if eventspec.validate(e, spec=f).ok != invalid]
    validate = eventspec.validate
    for _ in range(2 + passes):
        for event, family in chosen:
            validate(event, spec=family)
    return len(chosen)


def _count(passes: int, args: argparse.Namespace) -> tuple[int, int]:
    env = {**os.environ, "PYTHONHASHSEED": "0", "EVENTSPEC_EVENTS": str(args.events)}
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    child = [sys.executable, __file__, "--child", str(passes)]
    child += ["--invalid"] * args.invalid + ["--no-orjson"] * args.no_orjson
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
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(_run_passes(args.child, args.invalid, not args.no_orjson))
        return
    events, before = _count(0, args)
    _, after = _count(2, args)
    kind = "invalid" if args.invalid else "valid"
    print(f"{(after - before) / (2 * events):,.0f} instructions per validate, {events:,} {kind} events"
          f"{' without orjson' if args.no_orjson else ''} ({args.src or 'this tree'})")


if __name__ == "__main__":
    main()
