"""Invalid payloads: a valid one with exactly one defect, and where it must be reported.

The defects are found by walking a valid payload beside its schema's nodes. A defect
is only proposed where the schema says, by itself, that the validator reports it at a
known path: a keyword that applies there whatever else the payload holds (reached
through ``properties``, ``items``, ``allOf`` and ``$ref``, or through an ``anyOf``
alternative that is the only one allowing the value's type: the alternative
eventspec explains a failure by). The expected path follows eventspec's reporting
conventions:

- a bad value (wrong type, not in the enum, bad format or pattern, out of range) is
  reported at the value's own path;
- a missing required field at the path the field should have: ``$.properties.objectId``
  (also one ``dependentRequired`` asks for);
- an ``anyOf`` none of whose alternatives hold (no ``userId`` nor ``anonymousId``, no
  device token anywhere) at the object holding it: ``$``;
- a call over the size limit at ``$`` (a batch item: ``$.batch[2]``).

A plan event's schema node holds the plan's schema on its properties (or traits), so
the same walk finds the defects inside them, where the plan reports them.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from ._findings import json_path
from ._generate import Target, schema_node, size
from ._nodes import (
    BAD_FORMATS,
    Node,
    admits,
    broken_here,
    canonical,
    possible_types,
    settle,
    undeclared,
)
from ._sources import Source, choice

Path = tuple["str | int", ...]
DELETE: Any = object()  # a change that removes the field

#: Defect kinds, the plainest first (what a failing example shrinks to).
KINDS = ("missing-field", "wrong-type", "bad-value", "bad-format", "out-of-range",
         "no-alternative", "size-limit")
_KIND = {"type": "wrong-type", "enum": "bad-value", "format": "bad-format", "pattern": "bad-format",
         "length": "out-of-range", "range": "out-of-range", "items": "out-of-range", "size": "out-of-range",
         "multiple": "bad-value", "not": "bad-value", "anyOf": "no-alternative"}


@dataclass(frozen=True)
class Defect:
    """One change that makes a valid payload invalid, and the path it is reported at."""

    kind: str
    expected: Path
    changes: tuple[tuple[Path, Any], ...]

    @property
    def path(self) -> str:
        """The expected path, as eventspec writes it (``$.properties.total``)."""
        return json_path(self.expected)

    def apply(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A changed deep copy of ``payload``."""
        broken = copy.deepcopy(payload)
        for where, new in self.changes:
            parent: Any = broken
            for part in where[:-1]:
                parent = parent[part]
            if new is DELETE:
                parent.pop(where[-1], None)
            else:
                parent[where[-1]] = copy.deepcopy(new)
        return broken


# ------------------------------------------------------------------ the level check
def broken_keyword(node: Node, value: Any) -> str | None:
    """The keyword ``value`` certainly breaks at its own path under ``node``, if any.

    ``required`` is reported at the missing field's path, so it does not count here;
    an ``anyOf`` counts when every alternative is broken at this path.
    """
    node = settle(node, value)
    found = broken_here(node, value)
    if found is not None:
        return found
    for group in node.groups:
        broken = [broken_keyword(branch, value) for branch in group]
        if all(broken):
            return "type" if all(b == "type" for b in broken) else "anyOf"
    return None


def _palette(node: Node, value: Any) -> list[Any]:
    """Replacement values worth trying: the mistakes real payloads make."""
    found: list[Any] = [None, "true", 12345, 2.5, True, {}, ["x"], ""]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        found += [str(value), -1]  # a price sent as the string "9.99"
        if isinstance(value, int):
            found.append(value + 0.5)
    if isinstance(value, str):
        found += ["   ", value.upper(), value.lower(), value.title(), value + "s", "x" * 256,
                  "a1", "en_US", "28/07/2024 08:55", "not a valid value"]
        for fmt in node.formats or ("date-time", "ipv4", "ipv6", "uri"):
            found += BAD_FORMATS.get(fmt, ())
        if value.isascii() and value.isdigit():
            found.append(int(value))  # an id sent as a number
    if isinstance(value, list):
        found += [[], json.dumps(value)]
        if value:
            found.append(value + [value[0]])
    if isinstance(value, dict):
        found.append(json.dumps(value))  # JSON encoded twice
    for bound, step in ((node.minimum, -1), (node.maximum, 1)):
        if bound is not None:
            found += [bound + step, bound + step * 0.5]
    if node.max_length is not None:
        found.append("x" * (node.max_length + 1))
    for exclusive in (node.exclusive_minimum, node.exclusive_maximum):
        if exclusive is not None:
            found.append(exclusive)  # the bound itself is out
    for multiple_of in node.multiple_of:  # half a step: a price in tenths of a cent
        found.append(multiple_of / 2)
    for other in node.nots:  # what a `not` rules out, exactly
        found += list(other.enum or ())[:3]
    for option in (node.enum or ())[:3]:  # near misses of the allowed values ("usd")
        if isinstance(option, str):
            found += [option.upper(), option.title(), option + "s"]
    unique: dict[Any, Any] = {}
    for candidate in found:
        unique.setdefault(canonical(candidate), candidate)
    return list(unique.values())


# ------------------------------------------------------------------ planning
def defects(target: Target, payload: dict[str, Any]) -> list[Defect]:
    """Every defect the planner can predict for a valid ``payload`` of ``target``."""
    found: list[Defect] = []
    dialect = target.catalog.family(target.family).dialect
    if target.call != dialect.batch_call:
        _walk(schema_node(target), payload, (), found, _fixed(target))
        if dialect.call_limit is not None:
            found.append(_oversize(schema_node(target), payload, (), dialect.call_limit))
        return found
    # A batch: its own fields, then each item as the call it is (RULINGS 6).
    _walk(schema_node(target), payload, (), found, frozenset(), opaque=frozenset({("batch",)}))
    shared = isinstance(payload.get("context"), dict)
    for index, item in enumerate(payload["batch"]):
        where: Path = ("batch", index)
        item_target = target_of(target, item)
        mine: list[Defect] = []
        _walk(schema_node(item_target), item, where, mine, _fixed(target), depth=1)
        if shared:
            # The batch's context applies to every item (and can supply what an item's
            # own context lacks), so defects in an item's context are left out.
            mine = [d for d in mine if not any(p[2:3] == ("context",) for p, _ in d.changes)]
        if dialect.call_limit is not None:
            mine.append(_oversize(schema_node(item_target), payload, where, dialect.call_limit))
        found.extend(mine)
    if dialect.batch_limit is not None:
        found.append(_oversize(schema_node(target), payload, (), dialect.batch_limit))
    return found


def _fixed(target: Target) -> frozenset[tuple[str, str]]:
    # (type field, a call's name): a value there that names another call would make
    # dispatch pick that call rather than break this one.
    family = target.catalog.family(target.family)
    field = family.dialect.type_field
    return frozenset((field, call) for call in family.calls) if field else frozenset()


def target_of(batch: Target, item: dict[str, Any]) -> Target:
    """The target a generated item of a batch was made for."""
    from ._generate import item_targets

    options = item_targets(batch)
    call = str(item.get("type"))
    named = [t for t in options if t.call == call and t.event is not None and t.event in (item.get("event"), item.get("name"))]
    plan = batch.plan
    if plan is not None:
        # a planned event with several versions names its version in the payload
        from ._plan import _dig, _model

        asked = _model(_dig(item, plan.setting("version_selector").split(".")))
        named = [t for t in named if asked is None or t.version == asked] or named
    if named:
        return named[0]
    return next(t for t in options if t.call == call and t.event is None)


def _walk(
    node: Node,
    value: Any,
    path: Path,
    out: list[Defect],
    calls: frozenset[tuple[str, str]],
    opaque: frozenset[Path] = frozenset(),
    depth: int = 0,
) -> None:
    """Collect the defects of ``value`` (at ``path``, under ``node``) and below it."""
    if depth:  # replacing the whole payload (or item) would not leave an object to check
        for new in _palette(node, value):
            if isinstance(new, str) and (path[-1], new) in calls:
                continue
            keyword = broken_keyword(node, new)
            if keyword is not None:
                out.append(Defect(_KIND[keyword], path, ((path, new),)))
    if path in opaque:
        return
    settled = settle(node, value)
    if isinstance(value, dict):
        for key in settled.required:
            if key in value and path + (key,) not in opaque:
                out.append(Defect("missing-field", path + (key,), ((path + (key,), DELETE),)))
        for key, sub in settled.properties.items():
            # A declared field, added with a bad value; not one declared `false`, which
            # jsonschema itself reports at the object's path (4.26 drops the field's).
            if key not in value and possible_types(sub):
                for new in _palette(sub, None)[:8]:
                    keyword = broken_keyword(sub, new)
                    if keyword is not None:
                        out.append(Defect(_KIND[keyword], path + (key,), ((path + (key,), new),)))
        for have, needs in settled.dependent:  # dependentRequired: as a required field
            for need in needs if have in value else ():
                if need in value and need != have and path + (need,) not in opaque:
                    out.append(Defect("missing-field", path + (need,), ((path + (need,), DELETE),)))
        for key, item in value.items():
            _walk(settled.child(key), item, path + (key,), out, calls, opaque, depth + 1)
        for group in settled.groups:
            changes = _break(group, value, settled, path)
            if changes:
                out.append(Defect("no-alternative", path, tuple((p, DELETE) for p in changes)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(settled.item(index), item, path + (index,), out, calls, opaque, depth + 1)


def _break(group: tuple[Node, ...], value: dict[str, Any], base: Node, path: Path) -> list[Path]:
    """Deletions after which no alternative of an ``anyOf`` holds, or [] if none found.

    Only for groups of two or more alternatives that all allow an object: then every
    alternative is one eventspec could have meant, and it reports the group at its own
    path. A field the schema requires anyway is never deleted.
    """
    if len(group) < 2 or not all(admits(branch.types, value) for branch in group):
        return []
    deletions: list[Path] = []
    for branch in group:
        found = _kill(branch, value, base, path)
        if found is None:
            return []
        deletions.extend(found)
    return deletions if deletions else []


def _kill(branch: Node, value: dict[str, Any], base: Node, path: Path) -> list[Path] | None:
    """A deletion that makes ``branch`` fail on a missing required field ([] if it already
    does), deepest first; None when no such deletion is free of other effects."""
    if any(key not in value for key in branch.required):
        return []
    for key in branch.required:
        sub, child = branch.properties.get(key), value[key]
        if sub is not None and sub.required and isinstance(child, dict) and admits(sub.types, child):
            deeper = _kill(sub, child, settle(base.child(key), child), path + (key,))
            if deeper is not None:
                return deeper
        if key not in base.required:
            return [path + (key,)]
    return None


# ------------------------------------------------------------------ size limits
_PAD = "lorem ipsum dolor sit amet, é ü ß "  # a few two-byte characters: sizes count bytes


def _oversize(node: Node, payload: dict[str, Any], where: Path, limit: int) -> Defect:
    """Padding that takes the call (or batch) at ``where`` just over ``limit`` bytes."""
    call: Any = payload
    for part in where:
        call = call[part]
    settled = settle(node, call)
    container: Path = ()
    for bag in ("properties", "traits"):
        if isinstance(call.get(bag), dict):
            inside = settle(settled.child(bag), call[bag])
            if "notes" not in inside.properties and undeclared(inside, "notes") is None:
                container = (bag,)
                break
    key = where + container + ("notes",)
    padded = Defect("size-limit", where, ((key, ""),)).apply(payload)
    target: Any = padded
    for part in where:
        target = target[part]
    need = limit + 1 - size(target)
    unit = _PAD.encode()
    text = _PAD * (need // len(unit)) + "x" * (need % len(unit))
    return Defect("size-limit", where, ((key, text),))


# ------------------------------------------------------------------ choosing one
def choose(source: Source, found: list[Defect]) -> Defect:
    """One defect: a kind first (so every kind turns up), then one of that kind."""
    kinds = [k for k in KINDS if any(d.kind == k for d in found)]
    kind = choice(source, kinds)
    return choice(source, [d for d in found if d.kind == kind])
