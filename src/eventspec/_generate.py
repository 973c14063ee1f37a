"""Valid payloads for a call or semantic event, made choice by choice from a `Source`.

A payload is generated from the merged node of its schema (`eventspec._nodes`) with
two kinds of extra constraints merged in first, for the generator only:

- *pins*: the fields dispatch reads (``type``, ``event``, ``event_type``) are fixed to
  the call and event asked for, so the validator checks the payload against the very
  schema it was generated from;
- a *profile* per family: what makes a payload a complete envelope as clients send
  it (a ``messageId``, a ``timestamp``, a ``context`` with the library), which the
  schemas allow but do not require.

Both are ordinary constraints, so every generated payload is still exactly what the
schema allows. Values come from `eventspec._samples`, checked against their node.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from ._catalog import FAMILIES, bundled
from ._findings import UnknownCall, UnknownEvent, UnknownFamily
from ._nodes import ANY, Node, alternatives, canonical, fits, merge, node_for, possible_types
from ._nodes import kind as kind_of
from ._samples import (
    CUSTOM_EVENTS,
    EXTRAS,
    FORMAT_MAKERS,
    INTEGER_RANGES,
    number_maker,
    pattern_maker,
    string_makers,
)
from ._samples import normalized as _normalized
from ._sources import RandomSource, Rejected, Source, choice, count

CALL_LIMIT = 32 * 1024  # bytes of compact UTF-8 JSON per call (cdp "API limits")
BATCH_LIMIT = 500 * 1024
TYPE_FIELD = {"cdp": "type", "retainpixel": "type", "userpilot": "event_type"}
EVENT_FIELD = {"cdp": "event", "retainpixel": "event"}
SIZE_LIMITED = frozenset({"cdp"})

# The largest integer every JSON parser reads exactly (I-JSON, RFC 7493): unbounded
# integers stay within it, since a pipeline in JavaScript would round anything larger.
_SAFE_INTEGER = 2**53 - 1
_TEXT = 20  # the most characters of free text beyond a field's minimum length


@dataclass(frozen=True)
class Target:
    """What to generate: a call of a family, and for a track call maybe a semantic event.

    A track target without an event is a custom event (a name with no spec of its own).
    """

    family: str
    call: str
    event: str | None = None

    @property
    def uri(self) -> str:
        family = bundled().family(self.family)
        return family.events[self.event] if self.event else family.calls[self.call]

    def __str__(self) -> str:
        return f"{self.family}: {self.event or self.call}"


def targets(spec: str, event: str | None = None, call: str | None = None) -> tuple[Target, ...]:
    """Every target matching the arguments, the plainest first.

    Raises:
        UnknownFamily, UnknownCall, UnknownEvent: a name that is not bundled.
        ValueError: a semantic event together with a call other than track.
    """
    if spec not in FAMILIES:
        raise UnknownFamily(spec, FAMILIES)
    family = bundled().family(spec)
    if event is not None:
        if event not in family.events:
            raise UnknownEvent(spec, event, tuple(family.events))
        if call not in (None, "track"):
            raise ValueError(f"{event!r} is a track event, so call={call!r} cannot hold for it")
        return (Target(spec, "track", event),)
    if call is not None and call not in family.calls:
        raise UnknownCall(spec, call, tuple(family.calls))
    # track first: a shrunk example of "any payload" is a plain custom track call
    calls = sorted(family.calls, key=lambda name: (name != "track", name))
    found: list[Target] = []
    for name in calls if call is None else [call]:
        found.append(Target(spec, name))
        if name == "track":
            found.extend(Target(spec, "track", e) for e in family.events)
    return tuple(found)


def choose(source: Source, options: tuple[Target, ...]) -> Target:
    """A target: each call evenly, and for track a custom event or a semantic one evenly."""
    calls = list(dict.fromkeys(t.call for t in options))
    call = choice(source, calls)
    group = [t for t in options if t.call == call]
    if len(group) > 1 and group[0].event is None and not source.boolean():
        return group[0]
    events = [t for t in group if t.event is not None] or group
    return choice(source, events)


# ------------------------------------------------------------------ pins and profiles
def _required(**fields: Node) -> Node:
    return Node(properties=dict(fields), required=tuple(fields))


_STRING = Node(types=("string",), min_length=1)
_OBJECT = Node(types=("object",))


def _profile(target: Target) -> Node:
    """What a complete envelope of the family carries beyond what its schema requires."""
    family, call = target.family, target.call
    if family == "cdp" and call != "batch":
        library = Node(types=("object",), required=("name", "version"))
        context = Node(types=("object",), properties={"library": library}, required=("library",))
        fields = {"messageId": _STRING, "timestamp": Node(types=("string",)), "context": context}
        if call in ("track", "page", "screen"):
            fields["properties"] = _OBJECT
        if call in ("identify", "group"):
            fields["traits"] = _OBJECT
        return _required(**fields)
    if family == "retainpixel":
        return _required(context=_OBJECT, **({"properties": _OBJECT} if call == "track" else {}))
    if family == "customerio-event":
        ids = tuple(_required(**{name: _STRING}) for name in ("customer_id", "anonymous_id"))
        profile = _required(timestamp=Node(types=("integer",)), context=_OBJECT)
        return merge(profile, Node(groups=(ids,)))
    return ANY


def _pins(target: Target) -> Node:
    """The dispatch fields, fixed to the target's call and event."""
    pins: dict[str, Node] = {}
    type_field = TYPE_FIELD.get(target.family)
    if type_field and target.call != "batch":
        pins[type_field] = Node(enum=(target.call,))
    event_field = EVENT_FIELD.get(target.family)
    if event_field and target.call == "track":
        pins[event_field] = Node(enum=(target.event,) if target.event else custom_events(target.family))
    return _required(**pins)


@cache
def custom_events(family: str) -> tuple[str, ...]:
    """Custom event names of a family: none is, or nearly is, a semantic event's name."""
    taken = {_normalized(name) for name in bundled().family(family).events}
    taken.add(_normalized("Delete Device"))  # a spelling eventspec reads as Device Deleted
    return tuple(name for name in CUSTOM_EVENTS[family] if _normalized(name) not in taken)


@cache
def root(target: Target) -> Node:
    """The node a target's payloads are generated from."""
    node = merge(merge(node_for(target.uri), _pins(target)), _profile(target))
    if target.call == "batch":  # the items are made from their own targets
        properties = {k: v for k, v in node.properties.items() if k != "batch"}
        node = replace(node, properties=properties, required=tuple(k for k in node.required if k != "batch"))
    if not alternatives(node):
        raise ValueError(f"no payload satisfies the schema of {target}")
    return node


def prepare(options: tuple[Target, ...]) -> None:
    """Build now the nodes that generating payloads for ``options`` starts from.

    They are cached, so the first payload costs no more than the next ones (the
    Hypothesis strategies call this when they are made, not in a draw).
    """
    for target in options:
        alternatives(root(target))
        if target.call == "batch":
            prepare(_item_targets(target.family))


# ------------------------------------------------------------------ payloads
def generate(target: Target, source: Source) -> dict[str, Any]:
    """One valid payload for ``target``."""
    payload = _object(alternatives_of(root(target), source), "", "", source)
    if target.call == "batch":
        items = [generate(choose(source, _item_targets(target.family)), source) for _ in range(count(source, 1, 3))]
        payload = {"batch": items, **payload}
    first = [f for f in (TYPE_FIELD.get(target.family), EVENT_FIELD.get(target.family)) if f in payload]
    payload = {**{f: payload[f] for f in first}, **payload}
    if target.family in SIZE_LIMITED and size(payload) > (BATCH_LIMIT if target.call == "batch" else CALL_LIMIT):
        source.reject()
    return payload


@cache
def _item_targets(family: str) -> tuple[Target, ...]:
    return tuple(t for t in targets(family) if t.call != "batch")


def size(payload: Any) -> int:
    """Bytes of ``payload`` as compact UTF-8 JSON, as the API limits count them."""
    return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())


def sample(target: Target, seed: int | None) -> dict[str, Any]:
    """A payload from a seeded random number generator: the same seed, the same payload."""
    source = RandomSource(seed)
    for _ in range(100):
        try:
            return generate(target, source)
        except Rejected:
            continue
    raise RuntimeError(f"could not generate a payload for {target}")  # pragma: no cover


def alternatives_of(node: Node, source: Source) -> Node:
    """One way of satisfying the node, chosen (the schema's first way, when shrunk)."""
    options = alternatives(node)
    if not options:
        raise ValueError("no value satisfies this part of the schema")
    return options[0] if len(options) == 1 else choice(source, options)


def value(node: Node, name: str, parent: str, source: Source) -> Any:
    """A value valid under ``node`` for a field called ``name`` inside ``parent``."""
    node = alternatives_of(node, source)
    if node.enum is not None:
        allowed = [v for v in node.enum if kind_of(v) in possible_types(node)]
        if None in allowed and len(allowed) > 1 and source.rarely():
            return None
        return choice(source, [v for v in allowed if v is not None] or allowed)
    kinds = possible_types(node)
    if node.types is None:  # free-form: plain scalars keep payloads small and readable
        kinds = tuple(k for k in kinds if k in ("string", "integer", "number", "boolean"))
    if "null" in kinds and len(kinds) > 1:  # null is what clients send for "unset": sometimes
        kinds = ("null",) if source.rarely() else tuple(k for k in kinds if k != "null")
    kind = choice(source, kinds)
    if kind == "object":
        return _object(node, name, parent, source)
    if kind == "array":
        return _array(node, name, parent, source)
    if kind == "string":
        return _string(node, name, parent, source)
    if kind == "integer":
        return _integer(node, name, source)
    if kind == "number":
        return _number(node, name, source)
    if kind == "boolean":
        return source.boolean()
    return None


def _object(node: Node, name: str, parent: str, source: Source) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, sub in node.properties.items():
        if key in node.required or source.boolean():
            out[key] = value(sub, key, name, source)
    for key in node.required:
        if key not in out:
            out[key] = value(node.child(key), key, name, source)
    pool = EXTRAS.get(name)
    if pool and (node.additional is None or possible_types(node.additional)):
        declared = {_normalized(key) for key in node.properties}
        pool = tuple((k, m) for k, m in pool if _normalized(k) not in declared)
        # an object with nothing declared ("app", "os") gets at least one field
        least = 0 if node.properties else 1
        for _ in range(count(source, least, min(3, len(pool)))):
            key, maker = choice(source, pool)
            if key in out:
                continue
            if node.additional is not None or maker is None:
                out[key] = value(node.child(key), key, name, source)
            else:
                out[key] = maker(source)
    return out


def _array(node: Node, name: str, parent: str, source: Source) -> list[Any]:
    items = node.items or ANY
    out: list[Any] = []
    seen: set[Any] = set()
    for _ in range(count(source, node.min_items, node.min_items + 3)):
        item = value(items, name, parent, source)
        if node.unique:
            key = canonical(item)
            if key in seen:
                continue
            seen.add(key)
        out.append(item)
    if len(out) < node.min_items:
        source.reject()
    return out


def _string(node: Node, name: str, parent: str, source: Source) -> str:
    text: str
    if node.formats:
        text = FORMAT_MAKERS[node.formats[0]](source)
    elif node.patterns:
        maker = pattern_maker(node.patterns[0])
        text = maker(source) if maker is not None else source.regex(node.patterns[0])
    elif source.rarely():
        text = _free_text(node, source)
    else:
        text = choice(source, string_makers(name, parent))(source)
        if not fits(node, text):
            text = _free_text(node, source)
    if node.formats or node.patterns:
        # the maker's value must also satisfy every other pattern and the lengths
        if not fits(Node(min_length=node.min_length, max_length=node.max_length, patterns=node.patterns), text):
            source.reject()
    return text


def _free_text(node: Node, source: Source) -> str:
    low = node.min_length
    high = low + _TEXT if node.max_length is None else min(node.max_length, low + _TEXT)
    return source.text(low, high)


def _integer(node: Node, name: str, source: Source) -> int:
    low = -_SAFE_INTEGER if node.minimum is None else math.ceil(node.minimum)
    high = _SAFE_INTEGER if node.maximum is None else math.floor(node.maximum)
    hint = INTEGER_RANGES.get(name)
    if hint is not None and not source.rarely():
        a, b = max(low, hint[0]), min(high, hint[1])
        if a <= b:
            return source.integer(a, b)
    if source.rarely():
        return source.integer(low, high)
    a, b = max(low, 0), min(high, 1000)
    return source.integer(a, b) if a <= b else source.integer(low, high)


def _number(node: Node, name: str, source: Source) -> float:
    low = -1e12 if node.minimum is None else node.minimum
    high = 1e12 if node.maximum is None else node.maximum
    maker = number_maker(name)
    made: float
    if maker is not None and not source.rarely():
        made = maker(source)
        if low <= made <= high:
            return made
    if not source.rarely():
        made = source.integer(0, 100_000) / 100
        if low <= made <= high:
            return made
    return source.real(low, high)
