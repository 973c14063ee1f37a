"""Findings, reports and the library's exceptions: small frozen values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

#: Every category code a finding can carry, with what it means. Programs switch on these;
#: they never change meaning once released.
CATEGORIES: dict[str, str] = {
    "not-an-object": "the payload (or a batch item) is not a JSON object",
    "not-json": "a value JSON cannot carry (NaN or infinity anywhere; a datetime, an object; and, "
    "in a payload near the size limit, where it is serialized exactly, also a set, bytes or a "
    "complex number), or nesting too deep to check",
    "required-missing": "a required field is missing (or none of several alternatives is present)",
    "type-mismatch": "a field has the wrong JSON type",
    "enum-mismatch": "a field is not one of the allowed values (or not the one value allowed)",
    "format-invalid": "a string is not in the declared format (date-time, ipv4/ipv6, uri)",
    "pattern-mismatch": "a string does not match the declared pattern",
    "length-out-of-range": "a string is shorter or longer than allowed (an empty id, say)",
    "out-of-range": "a number is below the minimum, above the maximum or not the multiple "
    "required (or an object has fewer or more properties than allowed)",
    "items-out-of-range": "an array has fewer or more items than allowed",
    "duplicate-items": "an array that must hold unique items repeats one",
    "no-alternative-matched": "a value matches none of the alternatives the schema allows",
    "not-allowed": "a value the schema rules out: a property a closed object does not list, a "
    "property name not allowed, a value matching a 'not' schema, or any value where the schema "
    "is false",
    "size-limit": "a call or batch is over the API's size limit, and would be dropped",
    "client-size-limit": "a call is within the API's size limit but over it as the official Python "
    "clients serialize it (json.dumps defaults), so they refuse to send it",
    "unknown-call": "the call type is missing, unknown, or disagrees with the call named",
    "unknown-event": "a track event name matches no semantic spec (an error only in strict mode)",
    "near-miss": "a name differs from a spec'd name only in spelling; the spec'd one is meant",
    "event-whitespace": "the event name has leading or trailing whitespace, which the server trims",
    "metadata-type": "a metadata value is not a string or a number, the types the vendor supports",
    "unplanned-event": "a tracking plan does not list this event (or page or screen name); its "
    "manifest says whether that is allowed, a warning or an error",
    "unplanned-property": "a tracking plan does not list this property (or trait) for the event "
    "(or call); its manifest, or the event's file, says how much that matters",
    "unknown-version": "the event version the payload asks for (context.protocols.event_version) "
    "is not in the tracking plan; the newest version was checked instead",
    "unreadable": "eventspec check could not read a payload: not UTF-8, not JSON, nested too deeply, "
    "an empty file, or an entry of a directory that is not a regular file or cannot be listed",
}

_IDENTIFIER = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")


def json_path(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """Render a path the way jsonschema's ``ValidationError.json_path`` does."""
    path = "$"
    for part in parts:
        if type(part) is str:  # the common case: a key rendered before
            segment = _SEGMENTS.get(part)
            if segment is None:
                segment = _segment(part)
                if len(_SEGMENTS) < _REMEMBERED_SEGMENTS and len(part) <= 64:
                    _SEGMENTS[part] = segment
            path += segment
        elif isinstance(part, int) and not isinstance(part, bool):
            try:
                path += f"[{part}]"
            except ValueError:  # a dict key of more digits than Python writes
                path += "[<a long integer>]"
        else:
            path += _segment(part if isinstance(part, str) else key_text(part))
    return path


def key_text(key: Any) -> str:
    """A dict key that is no string, as json.dumps writes it (None as null), or its repr."""
    if key is None or isinstance(key, (bool, float)):
        import json

        return json.dumps(key)
    try:
        return repr(key)
    except ValueError:  # a tuple holding an integer of more digits than Python writes
        return f"<a {type(key).__name__}>"


def _segment(part: str) -> str:
    if _IDENTIFIER.match(part):
        return "." + part
    return "['" + part.replace("\\", "\\\\").replace("'", r"\'") + "']"


# A key's rendering, by the key (plain short str only: a subclass may claim equality
# with any key). Keys repeat from payload to payload (properties, a product's price).
_SEGMENTS: dict[str, str] = {}
_REMEMBERED_SEGMENTS = 4096


@dataclass(frozen=True, init=False)
class Finding:
    """One way a payload breaks (error) or probably misuses (warning) its spec.

    Attributes:
        path: where in the payload, in jsonschema's ``json_path`` style
            (``$.properties.products[0].price``).
        message: for people: what was expected and what was found.
        category: a stable code from `eventspec.CATEGORIES` for programs to switch on.
        severity: ``"error"`` (the payload does not conform) or ``"warning"``.
        keyword: the JSON Schema keyword that failed (``type``, ``required``, ...), or
            ``None`` for checks made outside the schemas (size, names).
        schema_id: the ``$id`` of the schema file the failing keyword is in, if any.
    """

    path: str
    message: str
    category: str
    severity: Severity = "error"
    keyword: str | None = None
    schema_id: str | None = None
    parts: tuple[str | int, ...] = field(default=(), repr=False, compare=False)

    def __init__(self, path: str, message: str, category: str, severity: Severity = "error",
                 keyword: str | None = None, schema_id: str | None = None, parts: tuple[str | int, ...] = ()) -> None:
        # What the dataclass would generate, at a third of its cost: a frozen dataclass
        # sets each field through object.__setattr__, and an invalid payload's report
        # makes a Finding per error. The fields go straight into the instance's dict.
        fields = self.__dict__
        fields["path"] = path
        fields["message"] = message
        fields["category"] = category
        fields["severity"] = severity
        fields["keyword"] = keyword
        fields["schema_id"] = schema_id
        fields["parts"] = parts

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.category}]"

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON-ready data."""
        return {
            "path": self.path,
            "message": self.message,
            "category": self.category,
            "severity": self.severity,
            "keyword": self.keyword,
            "schema_id": self.schema_id,
        }


@dataclass(frozen=True, init=False)
class Report:
    """The verdict on one payload.

    Attributes:
        spec: the spec family it was checked against.
        call: the call it was validated as (``track``, ``batch``, ...), if one was found.
        event: the canonical semantic event name it was validated as, if any.
        schema_id: the ``$id`` of the schema the payload was validated against.
        errors: findings of severity ``error``, in a stable order.
        warnings: findings of severity ``warning``, in a stable order.
    """

    spec: str
    call: str | None = None
    event: str | None = None
    schema_id: str | None = None
    errors: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()

    def __init__(self, spec: str, call: str | None = None, event: str | None = None, schema_id: str | None = None,
                 errors: tuple[Finding, ...] = (), warnings: tuple[Finding, ...] = ()) -> None:
        # as Finding's: the fields straight into the instance's dict
        fields = self.__dict__
        fields["spec"] = spec
        fields["call"] = call
        fields["event"] = event
        fields["schema_id"] = schema_id
        fields["errors"] = errors
        fields["warnings"] = warnings

    @property
    def ok(self) -> bool:
        """True when there are no errors; warnings do not fail a payload."""
        return not self.errors

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Errors, then warnings."""
        return self.errors + self.warnings

    def __str__(self) -> str:
        what = self.event or self.call or "payload"
        head = f"{what} ({self.spec}): " + (
            "ok" if self.ok else f"{len(self.errors)} error(s)"
        )
        if self.warnings:
            head += f", {len(self.warnings)} warning(s)"
        return "\n".join([head, *(f"  {f.severity}: {f}" for f in self.findings)])

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return {
            "ok": self.ok,
            "spec": self.spec,
            "call": self.call,
            "event": self.event,
            "schema_id": self.schema_id,
            "errors": [f.to_dict() for f in self.errors],
            "warnings": [f.to_dict() for f in self.warnings],
        }


class ConformanceError(ValueError):
    """Raised by `eventspec.check` when a payload has errors; ``.report`` has them all."""

    def __init__(self, report: Report) -> None:
        super().__init__(str(report))
        self.report = report


class UnknownFamily(ValueError):
    """The spec family named is not one eventspec bundles."""

    def __init__(self, name: object, known: tuple[str, ...]) -> None:
        self.name = name
        self.known = known
        hint = _suggest(name, known)
        super().__init__(
            f"unknown spec family {name!r}; eventspec bundles {', '.join(known)}"
            + (f" (did you mean {hint!r}?)" if hint else "")
        )


class UnknownEvent(KeyError):
    """No call or semantic event of that name in the family."""

    def __init__(self, family: str, name: object, known: tuple[str, ...]) -> None:
        self.family = family
        self.name = name
        hint = _suggest(name, known)
        self.message = f"{family} has no call or semantic event named {name!r}" + (
            f" (did you mean {hint!r}?)" if hint else ""
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class UnknownCall(ValueError):
    """The call named with ``call=`` is not one the family has."""

    def __init__(self, family: str, name: object, known: tuple[str, ...]) -> None:
        self.family = family
        self.name = name
        hint = _suggest(name, known)
        super().__init__(
            f"{family} has no call {name!r}; its calls are {', '.join(known)}"
            + (f" (did you mean {hint!r}?)" if hint else "")
        )


def _suggest(name: object, known: tuple[str, ...]) -> str | None:
    if not isinstance(name, str):
        return None
    import difflib

    lowered = {k.lower(): k for k in known}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None
