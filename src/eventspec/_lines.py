"""One raw NDJSON line to one verdict: the rules ``eventspec check`` and the Spark and
Dask adapters share, so that they cannot drift apart.

A line is read as the CLI reads it (orjson when installed, the standard library's
errors and numbers), its family recognised from its shape with ``spec="auto"``, and a
line that cannot be read is a finding of its own (``unreadable``), never an exception.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._catalog import FAMILIES, bundled
from ._findings import Finding, Report, UnknownFamily
from ._inputs import LINE_BOUND, Unreadable, parse, unreadable
from ._validate import validate_parsed

if TYPE_CHECKING:
    from ._catalog import Catalog

__all__ = ["check_line", "check_raw", "detect", "encoded", "unreadable_report"]


def detect(payload: Any) -> str:
    """Recognise a payload's spec family from its shape (``--spec auto``), by the rules in
    each bundled family's ``eventspec-family.json`` (`Catalog.detect`).

    ``event_type`` is Userpilot's; snake_case ids beside a ``type`` (or a revenue call)
    are RetainPixel's; a ``name`` with no ``event``/camelCase ids is a Customer.io Track
    API event; everything else is cdp.

    >>> detect({"event_type": "track", "event_name": "Signed Up"})
    'userpilot'
    """
    return bundled().detect(payload)


def check_raw(
    raw: bytes, spec: str, strict: bool, catalog: Catalog | None = None
) -> tuple[str, Any, Report]:
    """``(family, payload, report)`` for one line without its line break: the CLI's loop.

    Raises:
        Unreadable: the line is not UTF-8, not JSON, or nested too deeply.
    """
    try:  # read_line, inlined: this runs for every line of every log
        payload, native = parse(raw)
    except (ValueError, RecursionError) as error:
        raise unreadable(error) from None
    family = (catalog or bundled()).detect(payload) if spec == "auto" else spec
    if catalog is None:
        return family, payload, validate_parsed(payload, family, strict, len(raw) * LINE_BOUND if native else None)
    return family, payload, catalog.validate(payload, spec=family, strict=strict)


def check_line(
    raw: bytes | str,
    *,
    spec: str = "auto",
    strict: bool = False,
    catalog: Catalog | None = None,
) -> Report:
    """Check one raw NDJSON line exactly as ``eventspec check`` does.

    Arguments:
        raw: the line's bytes (or text), with or without its line break.
        spec: a family, or ``"auto"`` to recognise it from the payload's shape.
        strict: as for `eventspec.validate`.
        catalog: the `eventspec.Catalog` to check against (``eventspec.load_plan(...)``
            for a tracking plan's); by default the bundled specs.

    Returns:
        The `Report`. A line that is not UTF-8, not JSON or nested too deeply gives a
        report whose one error has the category ``unreadable`` at ``$`` (its ``spec`` is
        the one asked for); a blank line is not JSON either, though ``eventspec check``
        and the engines skip blank lines as no payload at all.

    Raises:
        UnknownFamily: ``spec`` is neither ``"auto"`` nor a bundled family.

    >>> check_line(b'{"type": "track", "userId": "u1", "event": "Signed Up"}\\n').ok
    True
    >>> print(check_line(b'{"type": "track", "userId": "u1", "event": "Signed \\xff"}').errors[0])
    $: not valid UTF-8 (byte 51) [unreadable]
    """
    if spec != "auto" and spec not in FAMILIES:
        raise UnknownFamily(spec, FAMILIES)
    if isinstance(raw, str):
        raw = encoded(raw)
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):  # a CRLF line, as the CLI reads it
        raw = raw[:-1]
    try:
        return check_raw(raw, spec, strict, catalog)[2]
    except Unreadable as error:
        return unreadable_report(spec, error)


def unreadable_report(spec: str, error: Unreadable) -> Report:
    """The report on a line that cannot be read: one ``unreadable`` error at ``$``."""
    return Report(spec=spec, errors=(Finding("$", str(error), "unreadable"),))


def encoded(text: str) -> bytes:
    """Text as the bytes it was read from."""
    # Text decoded with errors="surrogateescape" (Dask's way of keeping bad bytes) goes
    # back to its own bytes, so a bad byte is reported where it is; any other lone
    # surrogate is no UTF-8 either, and is reported at its place.
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
