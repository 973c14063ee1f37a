"""Throughput of ``eventspec check`` over a large NDJSON event log.

    python benchmarks/cli_throughput.py [--lines 100000] [--repeat 3] [--json FILE]

Writes a deterministic mixed corpus (benchmarks/corpus.py) to a temporary file, then
times the real console script on it, in one process and with --jobs 2, against the
parse floor: json.loads (and orjson.loads when installed) of the same lines. Prints
lines per second (median, min, max over the repetitions) and the ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def ceiling(jobs: int, repeat: int = 3) -> float:
    """How much faster ``jobs`` processes run a pure-Python loop than one, here and now:
    the most --jobs can give on this machine (shared cores are often far from Nx)."""
    from concurrent.futures import ProcessPoolExecutor

    work = 6_000_000
    ratios = []
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_spin, [1000] * jobs))  # start the workers outside the timing
        for _ in range(repeat):
            start = time.perf_counter()
            _spin(work)
            one = time.perf_counter() - start
            start = time.perf_counter()
            list(pool.map(_spin, [work // jobs] * jobs))
            ratios.append(one / (time.perf_counter() - start))
    return statistics.median(ratios)


def measure(lines_count: int, repeat: int = 3, jobs: int = 2) -> dict[str, dict[str, float]]:
    """Time the console script over ``lines_count`` corpus lines; print and return the rates."""
    script = shutil.which("eventspec") or str(Path(sys.executable).parent / "eventspec")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "events.ndjson"
        with log.open("w", encoding="utf-8") as out:
            for event in corpus.corpus(lines_count):
                out.write(json.dumps(event, separators=(",", ":")) + "\n")
        lines = log.read_bytes().splitlines()

        runs: dict[str, list[float]] = {}
        runs["json.loads (parse floor)"] = _timed(lambda: [json.loads(line) for line in lines], repeat)
        try:
            import orjson

            runs["orjson.loads (parse floor)"] = _timed(lambda: [orjson.loads(line) for line in lines], repeat)
        except ImportError:
            pass
        variants = [
            ("eventspec check", []),
            (f"eventspec check --jobs {jobs}", ["--jobs", str(jobs)]),
            ("eventspec check --format json", ["--format", "json"]),
            (f"eventspec check --format json --jobs {jobs}", ["--format", "json", "--jobs", str(jobs)]),
        ]
        for label, extra in variants:
            command = [script, "check", "--output", str(Path(tmp) / "report"), *extra, str(log)]
            runs[label] = _timed(lambda command=command: subprocess.run(command, check=False, capture_output=True), repeat)

    floor = statistics.median(runs["json.loads (parse floor)"])
    single = statistics.median(runs["eventspec check"])
    print(f"CLI: {lines_count:,} NDJSON lines, {repeat} repetitions (lines/s: median [min..max]):")
    results = {}
    for label, times in runs.items():
        rates = sorted(lines_count / t for t in times)
        median = lines_count / statistics.median(times)
        results[label] = {"median": median, "min": rates[0], "max": rates[-1]}
        print(f"  {label:<44} {median:>12,.0f}  [{rates[0]:,.0f}..{rates[-1]:,.0f}]"
              f"  {floor / statistics.median(times):5.2f}x json.loads  {single / statistics.median(times):5.2f}x single")
    limit = ceiling(jobs)
    print(f"  (this machine runs {jobs} processes of pure Python {limit:.2f}x as fast as one, right now)")
    results["ceiling"] = {"median": limit, "min": limit, "max": limit}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    results = measure(args.lines, args.repeat, args.jobs)
    if args.json:
        Path(args.json).write_text(json.dumps({"lines": args.lines, "repeat": args.repeat, "results": results}, indent=2))


if __name__ == "__main__":
    main()
