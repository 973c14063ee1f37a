"""The guard: check what an official analytics client is about to send, where the call is made.

Supported clients share one lineage (Segment's analytics-python): Segment's
``segment-analytics-python``, Customer.io's ``customerio-cdp-analytics`` and RudderStack's
``rudder-sdk-python``. Their ``Client._enqueue(msg)`` fills in the defaults (messageId,
timestamp, context.library, ids as strings), runs ``clean()`` on the message (Decimal to
float, Enum to its value, tuples to lists, unsupported values dropped), then measures it
with ``json.dumps(msg, cls=DatetimeSerializer)`` against ``MAX_MSG_SIZE`` before it queues
or posts it, all in the caller's thread.

The guard hooks in at that measurement: it swaps the client module's
``DatetimeSerializer`` for a subclass that, inside a guarded ``_enqueue``, hands the
cleaned message and the JSON text the client just produced to the guard. So the guard
sees exactly what the client will post, serialized as the client serializes it and
counted in bytes as the client counts them, without cleaning or serializing anything a
second time; and it decides before the client queues or posts anything. Which guard
applies is told by a wrapper around ``_enqueue`` (per instance for a `Client`, per class
for the module-level API, whose default client is made lazily), through a thread-local.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
import threading
import warnings
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from ._catalog import FAMILIES, Catalog
from ._counters import GuardCounters
from ._findings import ConformanceError, Finding, Report, UnknownFamily, json_path
from ._plan import load_plan
from ._validate import validate_parsed

Mode = Literal["warn", "raise", "drop", "omit", "log"]
MODES: tuple[str, ...] = ("warn", "raise", "drop", "omit", "log")

OnFinding = Callable[[Report, dict[str, Any]], object]

_GUARDS = "_eventspec_guards"  # the attribute that holds a target's guards
_MAX_WARNED = 10_000  # (event, path, category) keys remembered for warn-once


class NonConformingEvent(UserWarning):
    """The warning a guard gives for a finding (every mode but ``log``).

    Attributes:
        report: the `Report` on the message as the client built it.
        finding: the `Finding` this warning is about.
        event_name: the track event name, or the call type for other calls.
        message_id: the message's ``messageId``.
    """

    def __init__(self, text: str, report: Report, finding: Finding, event_name: str, message_id: Any) -> None:
        super().__init__(text)
        self.report = report
        self.finding = finding
        self.event_name = event_name
        self.message_id = message_id


class _Stopped(Exception):
    """Raised through the client's ``_enqueue`` so that it neither queues nor posts."""


class _Found:
    """What a guard found in one message, and what it did about it."""

    def __init__(self, message: Any, report: Report) -> None:
        self.message = message  # the message as the client sends it (or would have)
        self.report = report  # the report on it as the client built it
        self.reported: tuple[tuple[Finding, str], ...] = ()  # (finding, what happened)
        self.stopped = False  # kept from being sent


class _Local(threading.local):
    # Per thread, while a guarded _enqueue runs: its guard, until the client's size
    # measurement shows the message; then what the guard found, if anything. Class
    # attributes, so a thread that never set them reads None without an AttributeError.
    guard: Guard | None = None
    found: _Found | None = None


_local = _Local()


class Guard:
    """One guard on one target. Use `eventspec.guard` to make one.

    Attributes:
        target: the client or module guarded.
        spec, plan, mode, sample, on_finding: as given to `eventspec.guard` (``plan`` as
            a loaded catalog).
        counters: the `GuardCounters`.
    """

    def __init__(
        self,
        target: Any,
        spec: str,
        plan: Catalog | None,
        mode: str,
        sample: float,
        on_finding: OnFinding | None,
        cls: type,
        limit: int,
    ) -> None:
        self.target = target
        self._cls = cls  # the client class whose _enqueue is guarded
        self.spec = spec
        self.plan = plan
        self.mode = mode
        self.sample = sample
        self.on_finding = on_finding
        self.counters = GuardCounters()
        self._limit = limit  # the client's MAX_MSG_SIZE
        # messageIds whose CRC-32 falls below this are checked; None checks every call
        self._threshold = None if sample >= 1.0 else int(sample * 2**32)
        self._warned: set[tuple[str, str, str]] = set()
        self._closed = False

    # -- use
    def close(self) -> None:
        """Remove this guard from its target (the one guarded before it applies again)."""
        with _LOCK:
            if not self._closed:
                self._closed = True
                _uninstall(self)

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<eventspec guard mode={self.mode!r} spec={self.spec!r} on {self.target!r}>"

    # -- the check, inside the client's _enqueue (caller's thread)
    def _check(self, view: Any, bound: int | None) -> Report:
        if self.plan is None:
            return validate_parsed(view, self.spec, False, bound)
        return self.plan.validate(view, spec=self.spec)

    def _inspect(self, message: Any, text: str | None, encoder: json.JSONEncoder) -> Any:
        """Validate the message as the client will post it, and act before it is queued."""
        if self._threshold is not None:
            message_id = message.get("messageId") if isinstance(message, dict) else None
            if isinstance(message_id, str) and zlib.crc32(message_id.encode()) >= self._threshold:
                self.counters._skip()
                return text
        if text is None:
            # json could not write it: the client raises, the request is never made
            report = Report(
                self.spec,
                call=_call_type(message),
                errors=tuple(_unsendable(message, ())) or (Finding("$", "the client cannot serialize this message", "not-json"),),
            )
        else:
            size = len(text) if encoder.ensure_ascii else len(text.encode())
            if encoder._eventspec_converted or encoder._eventspec_non_finite or size > self._limit:  # type: ignore[attr-defined]
                report = self._verdict(message, text, size, encoder)
            else:  # the common case: the cleaned message is what the client writes
                report = self._check(message, size)
        if report.warnings and any(f.category == "client-size-limit" for f in report.warnings):
            # The validator's guess at what a Python client refuses; the guard measures
            # this client's own serialization against its own limit (a size-limit error
            # above when it refuses the call, nothing when it takes it, as RudderStack's
            # 4 MiB does).
            report = dataclasses.replace(
                report, warnings=tuple(f for f in report.warnings if f.category != "client-size-limit"))
        if not report.errors and not report.warnings:
            self.counters._valid(_name(message))
            return text
        _local.found = call = _Found(message, report)
        categories = frozenset(f.category for f in report.findings)
        if not report.ok and self.mode in ("raise", "drop"):
            call.stopped = True
            call.reported = tuple((f, "not sent") for f in report.findings)
            self.counters._count(_name(message), False, True, False, categories)
            raise _Stopped
        omitted = False
        if self.mode == "omit" and text is not None:
            text, omitted = self._omit(call, report, message, text, encoder)
        else:
            call.reported = tuple((f, "") for f in report.findings)
        self.counters._count(_name(message), report.ok, False, omitted, categories)
        return text

    def _verdict(self, message: Any, text: str, size: int, encoder: json.JSONEncoder) -> Report:
        # The cleaned message is its own JSON view unless json called default() (a date
        # or datetime the client writes as ISO 8601 text): then read back what it wrote.
        view = json.loads(text) if encoder._eventspec_converted else message  # type: ignore[attr-defined]
        non_finite = encoder._eventspec_non_finite  # type: ignore[attr-defined]
        report = self._check(view, None if non_finite else size)
        extra: list[Finding] = []
        if non_finite:
            extra.extend(_unsendable(message, ()))
        if size > self._limit:
            extra.append(
                Finding(
                    "$",
                    f"the client counts this call as {size:,} bytes of JSON (json.dumps with its "
                    f"default separators and \\u escapes), over its limit of {self._limit:,}; "
                    "it refuses the call (RuntimeError)",
                    "size-limit",
                )
            )
        if extra:
            have = {(f.path, f.category) for f in report.findings}
            extra = [f for f in extra if (f.path, f.category) not in have]
            if extra:
                report = dataclasses.replace(report, errors=report.errors + tuple(extra))
        return report

    def _omit(
        self, call: _Found, report: Report, message: dict[str, Any], text: str, encoder: json.JSONEncoder
    ) -> tuple[str, bool]:
        """Remove the keys unplanned-property findings name, then check what is left."""
        removed = []
        for finding in report.findings:
            parts = finding.parts
            if finding.category == "unplanned-property" and len(parts) == 2 and parts[0] in ("properties", "traits"):
                inner = message.get(parts[0])
                if isinstance(inner, dict) and parts[1] in inner:
                    del inner[parts[1]]
                    removed.append(finding)
        if not removed:
            call.reported = tuple((f, "") for f in report.findings)
            return text, False
        text = _encode(encoder, message)  # what the client measures and sends from here on
        size = len(text) if encoder.ensure_ascii else len(text.encode())
        sent = self._verdict(message, text, size, encoder)
        call.reported = tuple((f, "omitted") for f in removed) + tuple((f, "") for f in sent.findings)
        return text, True

    # -- after the client returns (caller's thread): tell
    def _after(self, call: _Found) -> None:
        report = call.report
        if self.on_finding is not None:
            self.on_finding(report, call.message)
        if call.stopped and self.mode == "raise":
            raise ConformanceError(report)
        # warn and raise are for development: Python warnings; log, drop and omit for
        # production: a log record per message, never an exception after the fact
        if self.mode in ("warn", "raise"):
            self._warn(report, call)
        else:
            _log(report, call)

    def _warn(self, report: Report, call: _Found) -> None:
        name = _label(report, call.message)
        message_id = call.message.get("messageId") if isinstance(call.message, dict) else None
        for finding, happened in call.reported:
            key = (name, _ANY_INDEX.sub("[*]", finding.path), finding.category)
            if key in self._warned:
                continue
            if len(self._warned) < _MAX_WARNED:
                self._warned.add(key)
            text = f"{name}: {finding}" + (f" ({happened})" if happened else "")
            warnings.warn(NonConformingEvent(text, report, finding, name, message_id), stacklevel=_stacklevel())


_ANY_INDEX = re.compile(r"\[\d+\]")


def _call_type(message: Any) -> str | None:
    kind = message.get("type") if isinstance(message, dict) else None
    return kind if isinstance(kind, str) else None


def _name(message: Any) -> str:
    """The counters' key: a track call's event name, else the call type."""
    kind = _call_type(message)
    if kind == "track":
        event = message.get("event")
        return event if isinstance(event, str) else "(no event name)"
    return kind or "(no type)"


def _label(report: Report, message: Any) -> str:
    return report.event or _name(message)


def _unsendable(value: Any, parts: tuple[str | int, ...]) -> Iterator[Finding]:
    """Values in a cleaned message that the client's json.dumps writes as a token the API
    rejects (NaN, Infinity) or cannot write at all."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                yield Finding(json_path(parts), f"object keys must be strings in JSON; found the key {key!r}", "not-json", parts=parts)
                continue
            yield from _unsendable(item, parts + (key if isinstance(key, str) else json.dumps(key),))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unsendable(item, parts + (index,))
    elif isinstance(value, float) and not math.isfinite(value):
        token = json.dumps(value)
        yield Finding(
            json_path(parts),
            f"{value!r} is not a JSON number: the client writes the token {token}, which the API "
            "rejects along with the whole batch it is in",
            "not-json",
            parts=parts,
        )
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        import datetime

        if not isinstance(value, datetime.date):
            yield Finding(
                json_path(parts),
                f"found a {type(value).__module__}.{type(value).__qualname__}, which the client "
                "cannot serialize: it raises TypeError and sends nothing",
                "not-json",
                parts=parts,
            )


def _stacklevel() -> int:
    """The stack level of the first frame outside eventspec's guard and the client."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(_INTERNAL):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


_INTERNAL: tuple[str, ...] = (__name__,)  # the guarded clients' packages are added


def _log(report: Report, call: _Found) -> None:
    import logging

    message = call.message if isinstance(call.message, dict) else {}
    action = "not sent" if call.stopped else "sent"
    if any(happened == "omitted" for _, happened in call.reported):
        action = "sent with unplanned keys omitted"
    head, _, findings = str(report).partition("\n")
    logging.getLogger("eventspec").log(
        logging.WARNING if not report.ok else logging.INFO,
        "%s (%s)\n%s",
        head,
        action,
        findings,
        extra={
            "event_name": _label(report, message),
            "call": report.call,
            "spec": report.spec,
            "message_id": message.get("messageId"),
            "action": action,
            "findings": [dict(f.to_dict(), **({"omitted": True} if happened == "omitted" else {})) for f, happened in call.reported],
        },
        stacklevel=_stacklevel(),
    )


# ---------------------------------------------------------------- the hooks
_LOCK = threading.RLock()


def _encode(encoder: Any, o: Any) -> str:
    """The text the client's serializer writes for ``o``, noting on the encoder whether it
    holds NaN or infinity: json's own check (allow_nan=False) finds them at no cost, and
    only then is the text written again the client's way, tokens and all."""
    base_encode = type(encoder)._eventspec_encode  # the function, unbound
    encoder._eventspec_converted = encoder._eventspec_non_finite = False
    if not encoder.allow_nan:
        return base_encode(encoder, o)
    encoder.allow_nan = False
    try:
        return base_encode(encoder, o)
    except ValueError:  # NaN or infinity (or a circular reference, which fails again)
        encoder.allow_nan = True
        text = base_encode(encoder, o)
        encoder._eventspec_non_finite = True
        return text
    finally:
        encoder.allow_nan = True


def _capturing(base: type[json.JSONEncoder]) -> type[json.JSONEncoder]:
    """A subclass of a client's DatetimeSerializer that shows a guarded call's message."""

    base_default, base_encode = base.default, base.encode

    class Capturing(base):  # type: ignore[valid-type,misc]
        _eventspec_encode = base_encode  # the client's own
        _eventspec_converted = False  # default() was called: a date or a datetime
        _eventspec_non_finite = False  # NaN or infinity, written as a token that is not JSON

        def default(self, o: Any) -> Any:
            self._eventspec_converted = True
            return base_default(self, o)

        def encode(self, o: Any) -> str:
            guard = _local.guard
            if guard is None:  # not a guarded call, or its message was seen already
                return base_encode(self, o)
            _local.guard = None
            try:
                text = _encode(self, o)
            except (TypeError, ValueError):
                guard._inspect(o, None, self)  # may stop the call
                raise
            return guard._inspect(o, text, self)  # type: ignore[no-any-return]

    Capturing.__name__ = Capturing.__qualname__ = base.__name__
    Capturing.__module__ = base.__module__
    return Capturing


def _run(guard: Guard, enqueue: Callable[[Any], Any], msg: Any) -> Any:
    """One guarded ``_enqueue``: the client's own, with the guard looking on."""
    local = _local
    outer = local.guard, local.found  # a guarded call made from inside another (rare)
    local.guard, local.found = guard, None
    stopped = False
    try:
        try:
            result = enqueue(msg)
        finally:
            found = local.found
            local.guard, local.found = outer
    except _Stopped:
        stopped = True  # told below, outside this handler: a ConformanceError stands alone
    except Exception:
        if found is not None:
            guard._after(found)  # tell, then let the client's own error go on
        raise
    if found is None:
        return result
    guard._after(found)  # raises in raise mode
    return (False, found.message) if stopped else result


class _Hooked:
    """What was replaced in one client module, and how many guards need it."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.serializer = module.DatetimeSerializer
        self.users = 0
        self.classes: dict[type, tuple[Any, list[ModuleType]]] = {}  # class -> (its _enqueue, API modules)


_HOOKED: dict[str, _Hooked] = {}  # client module name -> its hooks


def _owner(cls: type) -> type:
    """The class in ``cls``'s MRO that defines ``_enqueue`` (a user's subclass of a
    client class is guarded as that client)."""
    return next((c for c in cls.__mro__ if "_enqueue" in c.__dict__), cls)


def _real_enqueue(cls: type) -> Any:
    """A client class's own ``_enqueue`` function, under any patch of ours."""
    owner = _owner(cls)
    hooked = _HOOKED.get(owner.__module__)
    if hooked is not None and owner in hooked.classes:
        return hooked.classes[owner][0]
    return owner.__dict__.get("_enqueue")


def _supported(cls: type) -> ModuleType | None:
    """The client module of a supported client class, or None: the shape checked here is
    what the guard relies on."""
    module = sys.modules.get(_owner(cls).__module__)
    code = getattr(_real_enqueue(cls), "__code__", None)
    if module is None or code is None:
        return None
    serializer = _HOOKED[module.__name__].serializer if module.__name__ in _HOOKED else getattr(module, "DatetimeSerializer", None)
    if not {"clean", "dumps", "DatetimeSerializer"} <= set(code.co_names):
        return None
    if not (isinstance(serializer, type) and issubclass(serializer, json.JSONEncoder)):
        return None
    if not isinstance(getattr(module, "MAX_MSG_SIZE", None), int):
        return None
    return module


def _hook_module(module: ModuleType) -> _Hooked:
    hooked = _HOOKED.get(module.__name__)
    if hooked is None:
        hooked = _HOOKED[module.__name__] = _Hooked(module)
        module.DatetimeSerializer = _capturing(hooked.serializer)  # type: ignore[attr-defined]
        global _INTERNAL
        package = module.__name__.rpartition(".")[0] or module.__name__
        _INTERNAL = tuple(dict.fromkeys((*_INTERNAL, package)))
    hooked.users += 1
    return hooked


def _unhook_module(hooked: _Hooked) -> None:
    hooked.users -= 1
    if hooked.users == 0:
        hooked.module.DatetimeSerializer = hooked.serializer  # type: ignore[attr-defined]
        del _HOOKED[hooked.module.__name__]


def _install(guard: Guard, client_module: ModuleType, cls: type) -> None:
    target = guard.target
    hooked = _hook_module(client_module)
    guards: list[Guard] | None = target.__dict__.get(_GUARDS)
    if guards is None:
        guards = []
        if isinstance(target, ModuleType):
            _patch_class(hooked, _owner(cls), target)
        else:
            _patch_instance(target, guards)
        setattr(target, _GUARDS, guards)
    guards.append(guard)


def _patch_instance(client: Any, guards: list[Guard]) -> None:
    own = client.__dict__.get("_enqueue")  # an instance patch of someone else's, kept
    enqueue = own if own is not None else _real_enqueue(type(client)).__get__(client)

    def _enqueue(msg: Any) -> Any:
        try:
            guard = guards[-1]
        except IndexError:  # unguarded meanwhile
            return enqueue(msg)
        return _run(guard, enqueue, msg)

    _enqueue._eventspec_own = own  # type: ignore[attr-defined]
    client._enqueue = _enqueue


def _patch_class(hooked: _Hooked, cls: type, api: ModuleType) -> None:
    """Guard the module-level API: its default client is made on first use, so the
    class's ``_enqueue`` checks whether it runs for that client."""
    if cls not in hooked.classes:
        original = _real_enqueue(cls)
        modules: list[ModuleType] = []

        def _enqueue(self: Any, msg: Any) -> Any:
            for module in modules:
                if self is getattr(module, "default_client", None):
                    guards = module.__dict__.get(_GUARDS)
                    try:
                        guard = guards[-1]  # type: ignore[index]
                    except (IndexError, TypeError):
                        break
                    return _run(guard, original.__get__(self), msg)
            return original(self, msg)

        hooked.classes[cls] = (original, modules)
        cls._enqueue = _enqueue  # type: ignore[attr-defined]
    hooked.classes[cls][1].append(api)


def _uninstall(guard: Guard) -> None:
    target = guard.target
    guards: list[Guard] = target.__dict__.get(_GUARDS, [])
    if guard in guards:
        guards.remove(guard)
    cls = guard._cls
    hooked = _HOOKED[_owner(cls).__module__]
    if not guards:
        delattr(target, _GUARDS)
        if isinstance(target, ModuleType):
            owner = _owner(cls)
            original, modules = hooked.classes[owner]
            modules.remove(target)
            if not modules:
                owner._enqueue = original  # type: ignore[attr-defined]
                del hooked.classes[owner]
        else:
            own = getattr(target.__dict__.get("_enqueue"), "_eventspec_own", None)
            if own is None:
                del target._enqueue
            else:
                target._enqueue = own
    _unhook_module(hooked)


# ---------------------------------------------------------------- the API
def guard(
    target: Any,
    *,
    spec: str = "cdp",
    plan: Any = None,
    mode: Mode = "warn",
    sample: float = 1.0,
    on_finding: OnFinding | None = None,
) -> Guard:
    """Check every message an official analytics client sends, in the caller's thread,
    before the client queues or posts it.

    Arguments:
        target: a ``Client`` of ``segment-analytics-python``, ``customerio-cdp-analytics``
            or ``rudder-sdk-python``, or the module of their module-level API
            (``segment.analytics``, ``customerio.analytics``, ``rudderstack.analytics``).
        spec: the spec family the messages are checked against.
        plan: a tracking plan: a `Catalog` from `load_plan`, or the path of its folder.
        mode: what happens to a message with errors: ``"warn"`` (sent; a
            `NonConformingEvent` warning per event name and finding, once),
            ``"log"`` (sent; a record on the ``eventspec`` logger with the findings as
            structured fields), ``"raise"`` (not sent; `ConformanceError` in the caller),
            ``"drop"`` (not sent; the call returns ``(False, message)``; logged as in
            ``log``), ``"omit"`` (needs a plan: the keys named by ``unplanned-property``
            findings are removed and the rest is checked again and sent; logged as in
            ``log``). Warnings alone never stop a message.
        sample: the share of calls checked, chosen by a hash of the messageId, so a retry
            with the same messageId gets the same verdict.
        on_finding: called as ``on_finding(report, message)`` for every checked message
            with findings, in the caller's thread, before the mode's warning, record or
            exception.

    Returns:
        The `Guard`: ``.counters`` counts what it saw, ``.close()`` removes it, and it is a
        context manager that removes it on exit.

    Raises:
        TypeError: ``target`` is not a supported client or client module, or ``plan``
            is neither a `Catalog` nor a path.
        ValueError: an unknown ``mode``, a ``sample`` outside 0..1, or ``omit`` without
            a plan. `UnknownFamily` (a ``ValueError``) for an unknown ``spec``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, MODES))}; got {mode!r}")
    if isinstance(sample, bool) or not isinstance(sample, (int, float)) or not 0.0 <= sample <= 1.0:
        raise ValueError(f"sample is the share of calls checked, from 0.0 to 1.0; got {sample!r}")
    if on_finding is not None and not callable(on_finding):
        raise TypeError(f"on_finding must be callable as on_finding(report, message); got {on_finding!r}")
    if isinstance(plan, (str, Path)):
        plan = load_plan(plan)
    if plan is not None and not isinstance(plan, Catalog):
        raise TypeError(f"plan must be a Catalog (eventspec.load_plan) or the path of a plan folder; got {plan!r}")
    if spec not in (plan.families() if plan is not None else FAMILIES):
        raise UnknownFamily(spec, tuple(plan.families()) if plan is not None else FAMILIES)
    if mode == "omit" and (plan is None or plan.plan is None):
        raise ValueError("mode='omit' removes unplanned properties: it needs a plan (plan=...)")
    cls, client_module = _resolve(target)
    with _LOCK:
        made = Guard(target, spec, plan, mode, float(sample), on_finding, cls, client_module.MAX_MSG_SIZE)
        _install(made, client_module, cls)
    return made


def _resolve(target: Any) -> tuple[type, ModuleType]:
    with _LOCK:
        if isinstance(target, ModuleType):
            cls = getattr(target, "Client", None)
            if isinstance(cls, type) and hasattr(target, "default_client") and hasattr(target, "_proxy"):
                client_module = _supported(cls)
                if client_module is not None:
                    return cls, client_module
        elif not isinstance(target, type):
            client_module = _supported(type(target))
            if client_module is not None:
                return type(target), client_module
    raise TypeError(
        "eventspec.guard takes a Client of segment-analytics-python, customerio-cdp-analytics "
        "or rudder-sdk-python, or the module of their module-level API (segment.analytics, "
        f"customerio.analytics, rudderstack.analytics); got {target!r}"
    )


def unguard(target: Any) -> None:
    """Remove every guard from a client or client module; nothing happens if it has none."""
    with _LOCK:
        for each in list(getattr(target, "__dict__", {}).get(_GUARDS, ())):
            each.close()
