"""Shared test configuration, and the local endpoint the official clients post to."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
