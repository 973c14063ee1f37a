"""The collector's HTTP side: ingest endpoints, CORS, the JSON API and the live page.

Routes:
- ``POST /v1/...`` (`ENDPOINTS`): what the clients post; answered as the API answers.
  Any origin may post (the browser clients run on the app's own origin).
- ``OPTIONS /v1/...``: the CORS preflight of a browser client.
- ``GET /calls``, ``/good``, ``/bad`` (``?since=N&event=&user=&type=``): the calls as
  JSON; ``POST /reset`` forgets them.
- ``GET /``: the live page (``app.js`` and ``app.css`` beside it; no external assets).

The API and the page hold what the app sent, so they answer only their own origin and
only a Host that is an IP address or ``localhost`` (a DNS-rebinding page has a name).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ._collector import ENDPOINTS, MAX_BODY

if TYPE_CHECKING:
    from ._collector import Collector

_ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/app.css": ("app.css", "text/css; charset=utf-8"),
}
_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_LISTS = {"/calls": None, "/good": True, "/bad": False}


@cache
def _asset(name: str) -> bytes:
    return (files("eventspec") / "_page" / name).read_bytes()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    collector: Collector


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(collector: Collector, host: str, port: int) -> _Server:
    """A server bound to ``host:port`` (port 0: a free one), not yet serving."""
    server = (_Server6 if ":" in host else _Server)((host, port), _Handler)
    server.collector = collector
    return server


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 for Expect: 100-continue and chunked bodies; every answer closes the
    # connection, so no idle keep-alive thread outlives a test's collector.
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # a sender that stalls mid-body does not hold a thread for ever

    def log_message(self, format: str, *args: Any) -> None:
        pass  # every call is kept and shown; a line per request on stderr is noise

    # ------------------------------------------------------------------ routes
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        path = _path(self.path)
        if path in ENDPOINTS:
            body = self._body()
            if body is None:
                return
            status, answer = self.server.collector.receive(
                path, body, dict(self.headers.items()), _remote(self.client_address), "POST"
            )
            self._json(status, answer, cors=True)
        elif path == "/reset":
            if self._refused(same_origin=True) or self._body() is None:
                return
            self.server.collector.reset()
            self._json(200, {"success": True})
        else:
            self._json(404, {"success": False, "code": "not_found", "message": f"no endpoint {path}"}, cors=True)

    def do_OPTIONS(self) -> None:  # noqa: N802
        if _path(self.path) not in ENDPOINTS:
            self._send(404, b"", "text/plain")
            return
        requested = self.headers.get("Access-Control-Request-Headers")
        headers = {
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": requested or "Content-Type, Authorization, Content-Encoding",
            "Access-Control-Max-Age": "600",
        }
        if self.headers.get("Access-Control-Request-Private-Network") == "true":
            headers["Access-Control-Allow-Private-Network"] = "true"
        self._send(204, b"", None, cors=True, extra=headers)

    def do_GET(self) -> None:  # noqa: N802
        path = _path(self.path)
        if path in _ASSETS or path in _LISTS:
            if self._refused(same_origin=False):
                return
        if path in _ASSETS:
            name, kind = _ASSETS[path]
            self._send(200, _asset(name), kind, extra={"Content-Security-Policy": _PAGE_POLICY})
        elif path in _LISTS:
            self._json(200, self._list(_LISTS[path]))
        elif path == "/favicon.ico":
            self._send(204, b"", None)
        else:
            self._json(404, {"success": False, "code": "not_found", "message": f"no page {path}"})

    def _list(self, ok: bool | None) -> dict[str, Any]:
        collector = self.server.collector
        query = parse_qs(urlsplit(self.path).query)

        def one(name: str) -> str | None:
            return query[name][-1] if name in query else None

        since = one("since")
        calls = collector.since(int(since)) if since and since.isdigit() else collector.calls
        calls = [
            call for call in calls
            if call.matches(event=one("event"), user=one("user"), type=one("type")) and (ok is None or call.ok is ok)
        ]
        everything = collector.calls
        return {
            "epoch": collector.epoch,
            "spec": collector.spec,
            "total": len(everything),
            "bad": sum(not call.ok for call in everything),
            "calls": [call.to_dict() for call in calls],
        }

    # ------------------------------------------------------------------ plumbing
    def _refused(self, same_origin: bool) -> bool:
        """Refuse the API and the page to another site: a Host that is a DNS name (DNS
        rebinding) or, for a change, a request from another origin (CSRF)."""
        host = self.headers.get("Host", "")
        if not _trusted_host(host):
            self._json(403, {"success": False, "code": "forbidden",
                             "message": f"Host {host!r}: open the collector by IP address or localhost"})
            return True
        origin = self.headers.get("Origin")
        if same_origin and origin is not None and urlsplit(origin).netloc != host:
            self._json(403, {"success": False, "code": "forbidden", "message": "cross-origin request refused"})
            return True
        return False

    def _body(self) -> bytes | None:
        """The request body (de-chunked); None when an answer has been sent instead."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    length = int(line.split(b";")[0].strip() or b"x", 16)
                except ValueError:
                    self._json(400, {"success": False, "code": "invalid_request", "message": "malformed chunked body"})
                    return None
                if length == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY:
                    self._too_large()
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline(8)  # the CRLF after a chunk
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._json(400, {"success": False, "code": "invalid_request", "message": "bad Content-Length"})
            return None
        if length > MAX_BODY:
            self._too_large()
            return None
        return self.rfile.read(length)

    def _too_large(self) -> None:
        self._json(413, {"success": False, "code": "too_large",
                         "message": f"the collector reads bodies up to {MAX_BODY:,} bytes"})

    def _json(self, status: int, answer: Any, cors: bool = False) -> None:
        body = json.dumps(answer, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", cors=cors)

    def _send(
        self, status: int, body: bytes, kind: str | None, cors: bool = False, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if kind is not None:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if cors:
            self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
            self.send_header("Vary", "Origin")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.write(body)


def _path(target: str) -> str:
    path = urlsplit(target).path
    return path.rstrip("/") or "/"


def _remote(address: Any) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _trusted_host(host: str) -> bool:
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
