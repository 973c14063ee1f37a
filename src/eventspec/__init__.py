"""Check analytics events against the vendor's spec before you send them.

>>> import eventspec
>>> report = eventspec.validate({"type": "track", "userId": "u1", "event": "Order Completed",
...                              "properties": {"products": [{"price": "9.99"}]}})
>>> report.ok
False
>>> print(report.errors[0])
$.properties.products[0].price: expected a number; found the string '9.99' [type-mismatch]
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ._catalog import FAMILIES, Catalog, bundled
from ._findings import (
    CATEGORIES,
    ConformanceError,
    Finding,
    Report,
    UnknownCall,
    UnknownEvent,
    UnknownFamily,
)
from ._guard import Guard, GuardCounters, NonConformingEvent, guard, unguard
from ._plan import PlanError, load_plan
from ._validate import validate

if TYPE_CHECKING:
    from ._lines import check_line

__all__ = [
    "BUNDLED",
    "CATEGORIES",
    "Catalog",
    "Collector",
    "ConformanceError",
    "Finding",
    "Guard",
    "GuardCounters",
    "NonConformingEvent",
    "PlanError",
    "Report",
    "UnknownCall",
    "UnknownEvent",
    "UnknownFamily",
    "calls",
    "check",
    "check_line",
    "events",
    "families",
    "guard",
    "load_plan",
    "schema",
    "unguard",
    "validate",
]


def check(payload: Any, spec: str = "cdp", strict: bool = False, call: str | None = None) -> Report:
    """Like `validate`, but raise when the payload has errors.

    Returns:
        The `Report` (which may carry warnings) when there are no errors.

    Raises:
        ConformanceError: the payload has errors; ``.report`` holds every finding.
        UnknownFamily, UnknownCall: as for `validate`.
    """
    report = validate(payload, spec=spec, strict=strict, call=call)
    if not report.ok:
        raise ConformanceError(report)
    return report


def families() -> list[str]:
    """The spec families eventspec bundles, sorted.

    >>> families()
    ['cdp', 'customerio-event', 'retainpixel', 'userpilot']
    """
    return sorted(FAMILIES)


def _family(spec: str) -> Any:
    if spec not in FAMILIES:
        raise UnknownFamily(spec, FAMILIES)
    return bundled().family(spec)


def events(spec: str = "cdp") -> list[str]:
    """The canonical names of a family's semantic events, sorted.

    Raises:
        UnknownFamily: ``spec`` is not a bundled family.

    >>> "Order Completed" in events("cdp")
    True
    """
    return sorted(_family(spec).events)


def calls(spec: str = "cdp") -> list[str]:
    """The calls (envelope types) of a family, sorted; ``batch`` is one for ``cdp``.

    >>> calls("userpilot")
    ['identify_company', 'identify_user', 'page_view', 'track']
    """
    return sorted(_family(spec).calls)


def schema(spec: str, name: str) -> dict[str, Any]:
    """The JSON Schema of a call (``"track"``) or a semantic event (``"Order Completed"``).

    The result is a copy: changing it changes nothing in eventspec. Its ``$ref``s point
    at other bundled files by their ``$id``.

    Raises:
        UnknownFamily: ``spec`` is not a bundled family.
        UnknownEvent: no call or event of that name (a ``KeyError``).

    >>> schema("cdp", "Order Completed")["title"]
    'Order Completed'
    """
    family = _family(spec)
    uri = family.events.get(name) or family.calls.get(name)
    if uri is None:
        raise UnknownEvent(spec, name, tuple(family.events) + tuple(family.calls))
    return copy.deepcopy(bundled().documents[uri])


def __getattr__(name: str) -> Any:
    # Read lazily: the line reader imports orjson, importlib.metadata and http.server
    # cost import time, which most callers never need.
    if name == "check_line":
        from ._lines import check_line

        return check_line
    if name == "BUNDLED":
        # the bundled catalog, read at first use: importing eventspec stays cheap
        return bundled()
    if name == "Collector":
        from ._collector import Collector

        return Collector
    if name == "__version__":
        from importlib.metadata import version

        return version("eventspec")
    raise AttributeError(f"module 'eventspec' has no attribute {name!r}")
