"""``eventspec serve``, run for real: the collector as a command, and its record file
read back by ``eventspec check``."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = shutil.which("eventspec") or str(Path(sys.executable).parent / "eventspec")


class Served:
    def __init__(self, process: subprocess.Popen, url: str) -> None:
        self.process, self.url = process, url

    def post(self, endpoint: str, body: object) -> int:
        request = urllib.request.Request(self.url + endpoint, json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:
            return json.loads(answer.read())

    def stop(self) -> str:
        """Ctrl-C, as a person stops it; the rest of its output."""
        self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, out
        return out


def serve(*args: str) -> Iterator[Served]:
    process = subprocess.Popen([SCRIPT, "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        first = process.stdout.readline() if process.stdout else ""
        found = re.search(r"eventspec collector on (http://\S+)", first)
        assert found, first + (process.stdout.read() if process.stdout else "")
        for _ in range(2):  # the two lines of how-to that follow
            process.stdout.readline()  # type: ignore[union-attr]
        yield Served(process, found.group(1))
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    yield from serve("--record", str(tmp_path / "traffic.ndjson"))


def test_serve_collects_reports_and_records(served, tmp_path):
    from customerio.analytics.client import Client

    client = Client("wk", host=served.url, sync_mode=True, max_retries=0)
    client.identify("user-1", {"email": "ada@example.com"})
    client.track("user-1", "Order Completed", {"total": "27.50", "currency": "EUR"})
    client.track("user-1", "order_completed", {"total": 27.5})
    assert served.post("/v1/t", {"type": "track", "anonymousId": "a-1", "event": "Signed Up", "writeKey": "wk"}) == 200
    assert served.post("/v1/batch", {"batch": [{"type": "identify", "traits": {}}, {"type": "page", "userId": "u"}],
                                     "context": {"locale": "de-DE"}}) == 200

    everything = served.get("/calls")
    assert (everything["total"], everything["bad"]) == (6, 2)
    assert [c["number"] for c in served.get("/bad")["calls"]] == [2, 5]
    assert len(served.get("/good")["calls"]) == 4
    out = served.stop()
    assert "#1 /v1/batch identify: ok" in out
    assert "#2 /v1/batch track 'Order Completed': 1 error(s)" in out
    assert "    error: $.batch[0].properties.total: expected a number" in out
    assert "#3 /v1/batch track 'order_completed': 1 warning(s)" in out

    # the record file round-trips: eventspec check gives each line the verdict the collector gave the call
    record = tmp_path / "traffic.ndjson"
    assert "wk" not in record.read_text()
    checked = subprocess.run([SCRIPT, "check", "--spec", "cdp", "--format", "json", str(record)], capture_output=True, text=True,
                             timeout=120)
    assert checked.returncode == 1, checked.stderr
    results = json.loads(checked.stdout)["results"]
    assert len(results) == len(everything["calls"]) == 6

    def relative(path: str) -> str:  # $.batch[3].x is $.x in the call on its own
        return re.sub(r"^\$\.batch\[\d+\]", "$", path)

    for call, result in zip(everything["calls"], results):
        assert result["ok"] is call["ok"]
        assert result["call"] == call["type"] and result["event"] == call["report"]["event"]
        for kind in ("errors", "warnings"):
            assert [(relative(f["path"]), f["category"], f["message"]) for f in call["report"][kind]] == [
                (f["path"], f["category"], f["message"]) for f in result[kind]
            ]
    assert json.loads(record.read_text().splitlines()[5])["context"] == {"locale": "de-DE"}


def test_reset_and_the_page_over_http(served):
    served.post("/v1/track", {"userId": "u", "event": "E"})
    with urllib.request.urlopen(served.url + "/", timeout=10) as page:
        assert b"<title>eventspec collector</title>" in page.read()
    request = urllib.request.Request(served.url + "/reset", b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read()) == {"success": True}
    assert served.get("/calls")["calls"] == [] and served.get("/calls")["epoch"] == 1
    served.stop()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record", "traffic.json"], "name it .ndjson or .jsonl"),
        (["--plan", "no-such-plan"], "--plan no-such-plan: no such directory"),
        (["--plan", "."], "eventspec-plan.json"),  # a folder that is no plan: the PlanError says why
    ],
)
def test_usage_errors_exit_2(tmp_path, args, message):
    result = subprocess.run([SCRIPT, "serve", "--port", "0", *args], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and message in result.stderr


def test_a_taken_port_is_a_usage_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([SCRIPT, "serve", "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_plan_folder(shop_plan, tmp_path):
    """--plan DIR checks the calls against a tracking plan (eventspec.load_plan), and the
    record reads back with the same plan."""
    record = tmp_path / "planned.ndjson"
    for served in serve("--plan", str(shop_plan), "--record", str(record)):
        served.post("/v1/track", {"userId": "u", "event": "Course Started", "properties": {}})
        served.post("/v1/track", {"userId": "u", "event": "Course Started", "properties": {"course_id": "c", "x": 1}})
        served.post("/v1/batch", {"batch": [{"type": "track", "userId": "u", "event": "Course Finished"}]})
        calls = served.get("/calls")["calls"]
        served.stop()
    missing, extra, unplanned = calls
    assert [f["category"] for f in missing["report"]["errors"]] == ["required-missing"]
    assert [(f["path"], f["category"]) for f in extra["report"]["warnings"]] == [("$.properties.x", "unplanned-property")]
    assert [f["category"] for f in unplanned["report"]["warnings"]] == ["unplanned-event"]
    checked = subprocess.run([SCRIPT, "check", "--spec", "cdp", "--plan", str(shop_plan), "--format", "json", str(record)],
                             capture_output=True, text=True, timeout=120)
    results = json.loads(checked.stdout)["results"]
    assert [[f["category"] for f in r["errors"] + r["warnings"]] for r in results] == [
        [f["category"] for f in c["report"]["errors"] + c["report"]["warnings"]] for c in calls
    ]
