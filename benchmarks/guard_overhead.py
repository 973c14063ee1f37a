"""What eventspec.guard adds to an official client's ``track`` call.

    python benchmarks/guard_overhead.py [--calls 500] [--rounds 40] [--client all] [--orjson] [--json FILE]

For each client (segment-analytics-python, customerio-cdp-analytics, rudder-sdk-python)
and each of four valid messages, times ``client.track(...)`` (or ``identify``/``page``)
unguarded and guarded (mode "warn", spec "cdp"), in rounds that alternate the two, and
reports microseconds of CPU per call (the median over the rounds) and guarded/unguarded.
CPU time of this process (``time.process_time``: the caller's and the client's upload
thread's) rather than wall time, because the machine is shared: another process's work
would land in a wall-clock round at random, but not in this process's CPU time.

Two set-ups of the client:

* ``send=False``: the client's whole caller-side cost (defaults, ``clean()``, its size
  measurement) and nothing else: the strictest denominator.
* ``threaded``: the default threaded client uploading to an HTTP sink on 127.0.0.1 run
  in another process; each round is ``calls`` calls plus ``flush()``, so the upload
  thread's work (it serializes every message again and posts the batches) is in the
  time, as in an application.

Without ``--orjson`` the benchmark runs in pure Python: ``orjson`` cannot be imported
(eventspec would otherwise take it on after 1,000 payloads when installed).
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

CLIENTS = {
    "segment": "segment.analytics",
    "customerio": "customerio.analytics",
    "rudderstack": "rudderstack.analytics",
}

# Valid messages of the shapes applications send most: a semantic event with a product,
# a custom event, an identify and a page.
CALLS: dict[str, Callable[[Any], Any]] = {
    "Order Completed": lambda c: c.track(
        "user-1",
        "Order Completed",
        {"order_id": "o-1", "total": 27.5, "currency": "EUR",
         "products": [{"product_id": "p-1", "price": 12.5, "quantity": 2}]},
        context={"ip": "203.0.113.9"},
    ),
    "custom track": lambda c: c.track("user-1", "Course Started", {"course_id": "c-1", "module": 3, "source": "email"}),
    "identify": lambda c: c.identify("user-1", {"email": "ada@example.com", "plan": "pro"}),
    "page": lambda c: c.page("user-1", name="Pricing", properties={"url": "https://example.com/pricing"}),
}


# The sink runs in a process of its own, so that its CPU time is not the client's.
_SINK = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _cpu_per_call(fn: Callable[[], None], calls: int) -> float:
    start = time.process_time()
    fn()
    return (time.process_time() - start) / calls * 1e6


def measure(module: str, setup: str, calls: int, rounds: int, host: str) -> dict[str, dict[str, float]]:
    import eventspec

    api = importlib.import_module(module)
    if setup == "send=False":
        client = api.Client("bench-key", send=False, sync_mode=True)
    else:
        client = api.Client("bench-key", host=host, max_retries=0, upload_interval=0.05, max_queue_size=100_000)
    results = {}
    for name, call in CALLS.items():
        def run(call: Callable[[Any], Any] = call) -> None:
            for _ in range(calls):
                call(client)
            if setup != "send=False":
                client.flush()

        for _ in range(2):  # warm up: compile the schemas, fill the caches
            with eventspec.guard(client):
                run()
            run()
        plain, guarded = [], []
        for _ in range(rounds):
            plain.append(_cpu_per_call(run, calls))
            with eventspec.guard(client) as g:
                guarded.append(_cpu_per_call(run, calls))
            assert g.counters.valid == calls, g.counters  # every message was checked, and valid
        results[name] = {
            "unguarded_us": statistics.median(plain),
            "guarded_us": statistics.median(guarded),
            "ratio": statistics.median(g / p for g, p in zip(guarded, plain)),
            "ratio_of_minimums": min(guarded) / min(plain),
        }
    if setup != "send=False":
        client.join()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per round (default 500)")
    parser.add_argument("--rounds", type=int, default=40, help="rounds of each (default 40)")
    parser.add_argument("--client", choices=[*CLIENTS, "all"], default="all")
    parser.add_argument("--setup", choices=["send=False", "threaded", "both"], default="both")
    parser.add_argument("--orjson", action="store_true", help="let eventspec use orjson if installed")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if not args.orjson:
        sys.modules["orjson"] = None  # type: ignore[assignment]  # import orjson -> ImportError
    sink = subprocess.Popen([sys.executable, "-c", _SINK], stdout=subprocess.PIPE, text=True)
    assert sink.stdout is not None
    host = f"http://127.0.0.1:{sink.stdout.readline().strip()}"
    setups = ["send=False", "threaded"] if args.setup == "both" else [args.setup]
    clients = list(CLIENTS) if args.client == "all" else [args.client]
    report: dict[str, Any] = {"python": sys.version.split()[0], "orjson": args.orjson, "calls": args.calls,
                              "rounds": args.rounds, "results": {}}
    print(f"Python {report['python']}, {'with' if args.orjson else 'without'} orjson; "
          f"{args.calls} calls x {args.rounds} rounds; CPU us per call, medians over the rounds")
    print(f"{'client':<12} {'setup':<11} {'message':<16} {'unguarded':>10} {'guarded':>10} {'ratio':>7} {'of mins':>7}")
    for name in clients:
        for setup in setups:
            results = measure(CLIENTS[name], setup, args.calls, args.rounds, host)
            report["results"][f"{name} {setup}"] = results
            for message, r in results.items():
                print(f"{name:<12} {setup:<11} {message:<16} {r['unguarded_us']:>10.1f} {r['guarded_us']:>10.1f} "
                      f"{r['ratio']:>6.2f}x {r['ratio_of_minimums']:>6.2f}x")
            mean = statistics.fmean(r["ratio"] for r in results.values())
            print(f"{name:<12} {setup:<11} {'(mean)':<16} {'':>10} {'':>10} {mean:>6.2f}x")
    sink.terminate()
    sink.wait()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
