"""Shared test configuration: the local endpoint the official clients post to, and the engines (Spark, Dask) with their corpus."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

# pytester runs pytest inside the tests, for eventspec's pytest plugin (test_pytest_plugin.py)
pytest_plugins = ["pytester"]


def _reject(token: str) -> None:
    raise ValueError(f"{token} is not JSON")


class _Recorder(BaseHTTPRequestHandler):
    """Records every body posted to it; nothing leaves the machine."""

    bodies: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        try:
            json.loads(raw, parse_constant=_reject)
            strict = True
        except ValueError:
            strict = False  # NaN or Infinity: what the real API rejects
        # "body" is read as Python's json reads it (NaN and all), so a test can look inside
        self.bodies.append({"path": self.path, "body": json.loads(raw), "raw": raw, "strict": strict})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[dict]]]:
    """An HTTP server on 127.0.0.1: its base URL, and the bodies posted to it so far
    (each ``{"path", "body", "raw", "strict"}``)."""
    bodies: list[dict] = []
    handler = type("Recorder", (_Recorder,), {"bodies": bodies})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", bodies
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def shop_plan(tmp_path: Path) -> Path:
    """A small tracking plan on disk, in the layout load_plan reads: one event,
    ``Course Started``, that needs ``course_id``; unplanned events and properties warn."""
    root = tmp_path / "plan"
    (root / "events" / "course-started").mkdir(parents=True)
    (root / "eventspec-plan.json").write_text(json.dumps({
        "name": "shop", "spec": "cdp",
        "unplanned_events": "warn", "unplanned_properties": "warn", "unplanned_traits": "allow",
        "unknown_version": "error",
    }))
    (root / "events" / "course-started" / "1.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Course Started",
        "description": "A learner opened a course.",
        "x-eventspec": {"call": "track", "event": "Course Started", "version": "1-0-0"},
        "type": "object",
        "properties": {"course_id": {"type": "string", "description": "the course"}},
        "required": ["course_id"],
    }))
    return root


@pytest.fixture
def require_component():
    """``require(found, reason)``: skip when a real component (a browser, Node) is missing
    here, but fail under CI, which must install it (.ci/run)."""

    def require(found: object, reason: str) -> None:
        if found:
            return
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI=true, where .ci/run installs it, so this is a failure, not a skip")
        pytest.skip(reason)

    return require


@pytest.fixture(scope="session")
def engine_corpus(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The NDJSON corpus the CLI, Spark and Dask all check (tests/engines.py)."""
    from engines import write_corpus

    return write_corpus(tmp_path_factory.mktemp("engine-corpus"))


@pytest.fixture(scope="session")
def plan_corpus(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A smaller corpus with the example plan's calls, and `eventspec check --plan`'s verdicts."""
    from engines import PLAN, write_corpus

    return write_corpus(tmp_path_factory.mktemp("plan-corpus"), 300, "--plan", str(PLAN))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark session with two cores, its Python workers in this interpreter."""
    from engines import java_major, need

    need("PySpark", bool(importlib.util.find_spec("pyspark") and importlib.util.find_spec("pyarrow")),
         "pip install 'eventspec[spark]'")
    major = java_major()
    need("Java 17 or later", major is not None and major >= 17,
         f"Spark 4 needs it (found {major or 'no java'}); apt-get install openjdk-17-jre-headless")
    # Spark's Python workers run `python3` from PATH unless told, not this venv.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("eventspec-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A Dask LocalCluster of two worker processes (checking is pure Python: threads
    would share one core)."""
    from engines import need

    need("Dask", bool(importlib.util.find_spec("dask") and importlib.util.find_spec("distributed")),
         "pip install 'eventspec[dask]'")
    from distributed import Client, LocalCluster

    # ":0": a free port for the dashboard; with None the scheduler still takes 8787 for
    # its metrics, and a second cluster (or eventspec serve) on the machine makes it warn
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client
