"""A local collector: the endpoints the analytics clients post to, and what they sent.

`Collector` answers ``/v1/batch`` (the server clients), ``/v1/b`` and the one-letter
browser endpoints (``/v1/t``, ``/v1/i``, ``/v1/p``, ``/v1/s``, ``/v1/g``, ``/v1/a``),
and the per-call endpoints (``/v1/track``, ...) as the real API does: 200 for anything
it can read, even a call over the size limit (the API's own "200, but the request will
not go through"), 400 for a body that is not JSON. Every call it receives is kept, in
arrival order, as a `Call`: the payload, its eventspec `Report`, and the `Request` it
came in. The HTTP side is in ``_collector_http``.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path
from typing import IO, Any

from ._findings import Finding, Report

#: Endpoint path -> the call its body holds (``batch``: a batch of calls).
ENDPOINTS: dict[str, str] = {
    "/v1/batch": "batch",
    "/v1/b": "batch",
    "/v1/track": "track",
    "/v1/t": "track",
    "/v1/identify": "identify",
    "/v1/i": "identify",
    "/v1/page": "page",
    "/v1/p": "page",
    "/v1/screen": "screen",
    "/v1/s": "screen",
    "/v1/group": "group",
    "/v1/g": "group",
    "/v1/alias": "alias",
    "/v1/a": "alias",
}

#: Request headers kept with each call: enough to say where it came from, no secrets.
KEPT_HEADERS = (
    "content-type",
    "content-encoding",
    "content-length",
    "user-agent",
    "origin",
    "referer",
    "x-retry-count",
)

#: Largest body read, compressed or not. The API's own limit is 500 KB; far past it the
#: collector stops reading rather than hold a runaway request (or a gzip bomb) in memory.
MAX_BODY = 16 * 1024 * 1024

_RAW_KEPT = 4096  # bytes of an unreadable body kept to show what it was

Validator = Callable[[Any, "str | None"], Report]


@dataclass(frozen=True)
class Request:
    """The HTTP request a call came in.

    Attributes:
        number: the request's place among those this collector received (from 1).
        method: ``POST`` (what the clients send).
        endpoint: the path posted to, without a query: ``/v1/batch``.
        remote: the sender's address and port, ``127.0.0.1:53012``.
        received: when the body had been read, in UTC.
        headers: the `KEPT_HEADERS` that were sent, names in lower case.
        write_key: the write key: the basic-auth user name, a bearer token, or the
            ``writeKey`` in the body (browser and Node clients), whichever came.
        auth: how the key came: ``basic``, ``bearer``, ``body``, or ``None``.
        size: bytes of body as sent (before gunzip).
        status: the HTTP status the collector answered.
    """

    number: int
    method: str
    endpoint: str
    remote: str
    received: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    write_key: str | None = None
    auth: str | None = None
    size: int = 0
    status: int = 200

    def __str__(self) -> str:
        agent = self.headers.get("user-agent")
        origin = self.headers.get("origin")
        extra = ", ".join(part for part in (agent, f"origin {origin}" if origin else None) if part)
        when = self.received.strftime("%H:%M:%S.%f")[:-3]
        return f"{self.method} {self.endpoint} from {self.remote}" + (f" ({extra})" if extra else "") + f" at {when}"

    def to_dict(self) -> dict[str, Any]:
        """The request as plain JSON-ready data."""
        return {
            "number": self.number,
            "method": self.method,
            "endpoint": self.endpoint,
            "remote": self.remote,
            "received": self.received.isoformat(),
            "headers": dict(self.headers),
            "write_key": self.write_key,
            "auth": self.auth,
            "size": self.size,
            "status": self.status,
        }


@dataclass(frozen=True)
class Call:
    """One call the collector received, with its findings and the request it came in.

    Attributes:
        number: the call's place in arrival order (from 1; never reused, even by `reset`).
        type: the call: ``track``, ``identify``, ... (an item's own ``type``, or the one its
            endpoint implies); ``batch`` for a batch request with no calls to split into.
        payload: the call as sent: the body of a per-call request, or one item of a batch.
            ``None`` when the body could not be read (see ``raw``).
        report: its eventspec `Report`. Finding paths are where in the *request body*
            the problem is (``$.batch[2].properties.total`` for item 2 of a batch). A
            finding about the batch as a whole (its shared ``context``, its total size)
            is in the report of every call of that batch: each of them is affected.
        request: the `Request` it came in.
        index: its position in the batch, or ``None`` for a one-call request.
        batch: the whole batch body it came in, for a batch item (its ``context`` and
            ``integrations`` apply to the item).
        raw: the start of a body that is not JSON (or not UTF-8, or not gunzippable).
    """

    number: int
    type: str | None
    payload: Any
    report: Report
    request: Request
    index: int | None = None
    batch: Mapping[str, Any] | None = field(default=None, repr=False)
    raw: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the call has no errors (warnings do not count)."""
        return self.report.ok

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.report.findings

    @property
    def errors(self) -> tuple[Finding, ...]:
        return self.report.errors

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return self.report.warnings

    @property
    def event(self) -> str | None:
        """The name as sent: a track call's ``event``, a page or screen call's ``name``."""
        if not isinstance(self.payload, dict):
            return None
        name = self.payload.get("event") if self.type == "track" else self.payload.get("name") if self.type in ("page", "screen") else None
        return name if isinstance(name, str) else None

    @property
    def user_id(self) -> str | None:
        return _id(self.payload, "userId")

    @property
    def anonymous_id(self) -> str | None:
        return _id(self.payload, "anonymousId")

    def matches(self, event: str | None = None, user: str | None = None, type: str | None = None) -> bool:
        """Whether the call is of this event (as sent, or its canonical spec name), this
        user (``userId`` or ``anonymousId``) and this call type; ``None`` matches all."""
        if type is not None and self.type != type:
            return False
        if event is not None and event not in (self.event, self.report.event):
            return False
        return user is None or user in (self.user_id, self.anonymous_id)

    def standalone(self) -> Any:
        """The call as one payload that `eventspec.validate` (and ``eventspec check``)
        judges on its own: a batch item with the batch's ``context`` and ``integrations``
        applied, a per-call body with the ``type`` its endpoint implies. Write keys are
        left out: recorded traffic ends up in fixture files, and keys do not belong there.
        """
        payload = self.payload
        if not isinstance(payload, dict):
            return payload
        payload = {key: value for key, value in payload.items() if key != "writeKey"}
        if self.batch is not None and self.index is not None:
            shared = self.batch.get("context")
            if isinstance(shared, dict):
                own = payload.get("context")
                payload["context"] = _merged(shared, own) if isinstance(own, dict) else own if own is not None else shared
            if "integrations" in self.batch and payload.get("integrations") is None:
                payload["integrations"] = self.batch["integrations"]
        elif self.type in ENDPOINTS.values() and self.type != "batch" and "type" not in payload:
            payload = {"type": self.type, **payload}
        return payload

    def to_dict(self) -> dict[str, Any]:
        """The call as plain JSON-ready data (what the collector's JSON API serves)."""
        return {
            "number": self.number,
            "type": self.type,
            "event": self.event,
            "user_id": self.user_id,
            "anonymous_id": self.anonymous_id,
            "ok": self.ok,
            "index": self.index,
            "payload": self.payload,
            "raw": self.raw.decode("utf-8", "replace") if self.raw is not None else None,
            "report": self.report.to_dict(),
            "request": self.request.to_dict(),
        }

    def __str__(self) -> str:
        what = self.type or "call"
        if self.event is not None:
            what += f" {self.event!r}"
        who = self.user_id or self.anonymous_id
        if who is not None:
            what += f" (user {who!r})" if self.user_id else f" (anonymous {who!r})"
        where = f"item {self.index} of {self.request}" if self.index is not None else str(self.request)
        return f"call {self.number}: {what}, {where}"


def _id(payload: Any, key: str) -> str | None:
    value = payload.get(key) if isinstance(payload, dict) else None
    # the Python clients accept numeric ids and send them as numbers
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _merged(shared: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    merged = dict(shared)
    for key, value in own.items():
        inner = merged.get(key)
        merged[key] = _merged(inner, value) if isinstance(value, dict) and isinstance(inner, dict) else value
    return merged


def _validator(plan: Any, strict: bool) -> Validator:
    """``(payload, call) -> Report`` over the bundled cdp specs, or over a tracking plan
    (a catalog from ``eventspec.load_plan``, or the plan's folder)."""
    if plan is None:
        from ._validate import validate

        return lambda payload, call: validate(payload, spec="cdp", strict=strict, call=call)
    if isinstance(plan, (str, PathLike)):
        from ._plan import load_plan

        plan = load_plan(Path(plan))
    family = getattr(plan, "spec", None) or "cdp"  # Catalog.spec: the plan's family
    if family != "cdp":
        # the endpoints are the cdp API's; a plan for another family has no calls for them
        raise ValueError(f"the collector speaks the cdp API; this plan is for {family}")
    catalog = plan
    return lambda payload, call: catalog.validate(payload, spec="cdp", strict=strict, call=call)


class Collector:
    """A local stand-in for the Data Pipelines (Segment-compatible) API that keeps and
    checks every call posted to it.

    Arguments:
        host, port: where to listen once started (port 0: a free port).
        plan: a tracking plan for the cdp family: a catalog from ``eventspec.load_plan``,
            or its folder. Without one, calls are checked against the bundled cdp specs.
        strict: as for `eventspec.validate` (unknown track events are errors); and
            `assert_all_valid` fails on warnings too.
        record: a path (or binary stream) to append each call to as one NDJSON line,
            the call `Call.standalone`, for ``eventspec check`` to read later.
        keep: keep only the newest this many calls (``None``: all of them).
        on_call: called with each new `Call`, in arrival order.

    Use it as a context manager (or `start` / `stop`); clients post to `url`:

    >>> import json, urllib.request
    >>> with Collector() as collector:
    ...     body = json.dumps({"batch": [{"type": "track", "userId": "u1", "event": "Order Completed",
    ...                                   "properties": {"total": "9.99"}}]}).encode()
    ...     with urllib.request.urlopen(collector.url + "/v1/batch", body) as answer:
    ...         print(answer.status, answer.read().decode())
    ...     print(collector.bad[0].errors[0])
    200 {"success": true}
    $.batch[0].properties.total: expected a number; found the string '9.99' [type-mismatch]
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        plan: Any = None,
        strict: bool = False,
        record: str | PathLike[str] | IO[bytes] | None = None,
        keep: int | None = None,
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.spec = "cdp"  # the family whose API the endpoints are
        self.strict = strict
        self._validate = _validator(plan, strict)
        self._record = record
        self._records: IO[bytes] | None = None
        self._keep = keep
        self._on_call = on_call
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._numbers = [0, 0]  # last call number, last request number
        self.epoch = 0  # how many times reset() ran; the live page clears itself on a change
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Collector:
        """Listen and serve in a background thread; returns the collector."""
        if self._server is not None:
            return self
        from ._collector_http import make_server

        if isinstance(self._record, (str, PathLike)) and self._records is None:
            self._records = open(self._record, "ab")  # closed by stop()
        elif self._record is not None and not isinstance(self._record, (str, PathLike)):
            self._records = self._record  # the caller's stream: written to, left open
        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"eventspec-collector:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the record file; the calls stay readable."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._records is not None and self._records is not self._record:
            self._records.close()
        self._records = None

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (``eventspec serve``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> Collector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to give a client as its host: ``http://127.0.0.1:53011``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "stopped"
        return f"<Collector {state}: {len(self._calls)} call(s)>"

    # ------------------------------------------------------------------ reading
    @property
    def calls(self) -> list[Call]:
        """Every call received (since the last `reset`), in arrival order."""
        with self._changed:
            return list(self._calls)

    @property
    def good(self) -> list[Call]:
        """The calls without errors."""
        return [call for call in self.calls if call.ok]

    @property
    def bad(self) -> list[Call]:
        """The calls with errors."""
        return [call for call in self.calls if not call.ok]

    def filter(
        self, event: str | None = None, user: str | None = None, type: str | None = None, ok: bool | None = None
    ) -> list[Call]:
        """The calls of an event name, a user (``userId`` or ``anonymousId``), a call
        type, and (``ok``) good or bad ones; ``None`` matches all. See `Call.matches`."""
        return [
            call for call in self.calls
            if call.matches(event=event, user=user, type=type) and (ok is None or call.ok is ok)
        ]

    def since(self, number: int) -> list[Call]:
        """The calls numbered after ``number`` (what a page polling for news asks)."""
        with self._changed:
            return [call for call in self._calls if call.number > number]

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until at least ``count`` calls have arrived (for clients that send from a
        thread of their own), and return the calls.

        Raises:
            TimeoutError: fewer arrived within ``timeout`` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._calls) >= count, timeout):
                raise TimeoutError(
                    f"waited {timeout:g}s for {count} call(s) at {self.url}; {len(self._calls)} arrived"
                )
            return list(self._calls)

    def reset(self) -> None:
        """Forget every call received so far (call numbers go on from where they were)."""
        with self._changed:
            self._calls.clear()
            self.epoch += 1
            self._changed.notify_all()

    def assert_all_valid(self, strict: bool | None = None) -> None:
        """Fail, listing each bad call, its findings and where it was sent from, when any
        call received has errors (with ``strict``, warnings too; default: the
        collector's ``strict``).

        Raises:
            AssertionError: with one paragraph per failing call.
        """
        __tracebackhide__ = True
        strict = self.strict if strict is None else strict
        calls = self.calls
        failing = [call for call in calls if call.errors or (strict and call.warnings)]
        if failing:
            raise AssertionError(describe(failing, len(calls), strict))

    # ------------------------------------------------------------------ receiving
    def receive(
        self,
        endpoint: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        remote: str = "",
        method: str = "POST",
    ) -> tuple[int, dict[str, Any]]:
        """Take one posted body as the API would; return the status and the JSON answer.

        ``endpoint`` is one of `ENDPOINTS`; ``headers`` are the request's (any case).
        The HTTP handler calls this; so can a test that has a body in hand.
        """
        call = ENDPOINTS[endpoint]
        lowered = {name.lower(): value for name, value in (headers or {}).items()}
        payload, problem, data = _decode(body, lowered.get("content-encoding"))
        status = 400 if problem is not None else 200
        with self._changed:
            self._numbers[1] += 1
            request = Request(
                number=self._numbers[1],
                method=method,
                endpoint=endpoint,
                remote=remote,
                received=datetime.now(timezone.utc),
                headers={name: lowered[name] for name in KEPT_HEADERS if name in lowered},
                size=len(body),
                status=status,
                **_key(lowered.get("authorization"), payload),
            )
            if problem is not None:
                report = Report(spec=self.spec, call=call, errors=(Finding("$", problem, "unreadable"),))
                new = [self._call(call, None, report, request, raw=data[:_RAW_KEPT])]
            else:
                new = list(self._split(call, payload, request))
            self._calls.extend(new)
            if self._keep is not None and len(self._calls) > self._keep:
                del self._calls[: len(self._calls) - self._keep]
            if self._records is not None:
                self._write(new)
            self._changed.notify_all()
            if self._on_call is not None:
                for each in new:
                    self._on_call(each)
        if problem is not None:
            return 400, {"success": False, "code": "invalid_request", "message": problem}
        return 200, {"success": True}

    def _call(self, call: str | None, payload: Any, report: Report, request: Request, **extra: Any) -> Call:
        self._numbers[0] += 1
        return Call(self._numbers[0], call, payload, report, request, **extra)

    def _split(self, call: str, body: Any, request: Request) -> Iterator[Call]:
        """The calls of one body: itself, or each item of a batch with its findings."""
        report = self._validate(body, call)
        items = body.get("batch") if call == "batch" and isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            yield self._call(call, body, report, request)
            return
        own: dict[int, list[Finding]] = {}
        shared: list[Finding] = []
        for finding in report.findings:
            index = _item_index(finding.path)
            (own.setdefault(index, []) if index is not None else shared).append(finding)
        for index, item in enumerate(items):
            # canonical event name and schema of the item; its findings come from the
            # batch's report, which applies the batch's context as the API does
            alone = self._validate(item, None) if isinstance(item, dict) else report
            mine = own.get(index, []) + shared
            item_report = Report(
                spec=report.spec,
                call=alone.call if isinstance(item, dict) else None,
                event=alone.event if isinstance(item, dict) else None,
                schema_id=alone.schema_id if isinstance(item, dict) else None,
                errors=tuple(f for f in mine if f.severity == "error"),
                warnings=tuple(f for f in mine if f.severity != "error"),
            )
            kind = item.get("type") if isinstance(item, dict) else None
            yield self._call(kind if isinstance(kind, str) else None, item, item_report, request, index=index, batch=body)

    def _write(self, calls: list[Call]) -> None:
        assert self._records is not None
        for call in calls:
            if call.payload is None and call.raw is not None:
                continue  # not JSON: nothing that `eventspec check` could read back
            line = json.dumps(call.standalone(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            self._records.write(line.encode("utf-8") + b"\n")
        self._records.flush()


def _item_index(path: str) -> int | None:
    """``$.batch[3].properties.x`` -> 3; a path outside the items -> None."""
    if not path.startswith("$.batch["):
        return None
    digits, bracket, rest = path[len("$.batch["):].partition("]")
    if not bracket or not digits.isdigit() or (rest and rest[0] not in ".["):
        return None
    return int(digits)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decode(body: bytes, encoding: str | None) -> tuple[Any, str | None, bytes]:
    """The body's JSON value, or why it has none; and the bytes it was read from."""
    data = body
    coding = (encoding or "identity").strip().lower()
    if coding == "gzip":
        import zlib

        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(body, MAX_BODY)
        except zlib.error as error:
            return None, f"Content-Encoding gzip, but the body is not gzip data: {error}", body
        if inflater.unconsumed_tail:
            return None, f"the gunzipped body is over {MAX_BODY:,} bytes", data
    elif coding != "identity":
        return None, f"unsupported Content-Encoding {encoding!r} (the API takes gzip)", body
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"the body is not valid UTF-8 (byte {error.start})", data
    if not text.strip():
        return None, "the body is empty: not JSON", data
    try:
        # NaN and Infinity are not JSON: the API refuses them, though Python's json writes them
        return json.loads(text, parse_constant=_refuse_constant), None, data
    except RecursionError:
        return None, "the body is nested too deeply to read", data
    except ValueError as error:
        return None, f"the body is not JSON: {error}", data


def _key(authorization: str | None, payload: Any) -> dict[str, str | None]:
    """The write key and how it came: basic auth (key as user name), bearer, or body."""
    if authorization:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() == "basic":
            try:
                user = base64.b64decode(credentials.strip(), validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                user = None
            if user is not None:
                return {"write_key": user.partition(":")[0], "auth": "basic"}
        elif scheme.lower() == "bearer" and credentials.strip():
            return {"write_key": credentials.strip(), "auth": "bearer"}
    key = payload.get("writeKey") if isinstance(payload, dict) else None
    if isinstance(key, str):
        return {"write_key": key, "auth": "body"}
    return {"write_key": None, "auth": None}


def describe(calls: list[Call], total: int, strict: bool = False) -> str:
    """The failure message of `Collector.assert_all_valid`: one paragraph per call."""
    what = "errors or warnings (strict)" if strict else "errors"
    lines = [f"{len(calls)} of {total} call(s) sent to the collector have {what}:"]
    for call in calls:
        lines.append(f"  {call}")
        lines.extend(f"    {f.severity}: {f}" for f in call.findings)
    return "\n".join(lines)


def check_record_path(path: str | PathLike[str]) -> Path:
    """A ``--record`` file must be NDJSON by name, or ``eventspec check`` reads it as one
    JSON document; raise ValueError otherwise."""
    path = Path(path)
    if path.suffix not in (".ndjson", ".jsonl"):
        raise ValueError(f"--record {path}: name it .ndjson or .jsonl, so that eventspec check reads it line by line")
    return path
