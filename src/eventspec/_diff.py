"""``eventspec diff OLD NEW``: what changed in a plan, and the SchemaVer bump each change needs.

Two versions of one event schema are compared on two axes (docs/plans-review.md):
*backward*, whether payloads that passed the old schema still pass (old app releases
keep sending them), and *forward*, whether what consumers relied on still holds. Each
change has a kind from `CHANGES`, and the kind decides the bump:

- MODEL: a payload that passed can now fail on a declared field, or a guarantee
  consumers relied on is gone (a required property removed, a type changed);
- REVISION: only payloads carrying keys the old schema left undeclared (in an open
  object) can now fail;
- ADDITION: everything that passed still passes and no guarantee is lost.

Where eventspec cannot prove a change only widens (a changed pattern, a rewritten
``anyOf``), it says MODEL: a bump larger than needed is allowed, a smaller one is not.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard

from ._dialects import Untranslatable, to_2020_12
from ._planfiles import INNER, PlanFile, PlanFolder, Refs

Bump = Literal["NONE", "ADDITION", "REVISION", "MODEL"]
ORDER: dict[str, int] = {"NONE": 0, "ADDITION": 1, "REVISION": 2, "MODEL": 3}


@dataclass(frozen=True)
class ChangeKind:
    """A kind of change: its id, the bump it needs, and why (a row of the docs' table)."""

    id: str
    bump: Bump
    summary: str


def _kinds(*kinds: ChangeKind) -> dict[str, ChangeKind]:
    return {kind.id: kind for kind in kinds}


#: Every kind of change diff reports, in the order docs/plans-review.md lists them.
CHANGES: dict[str, ChangeKind] = _kinds(
    ChangeKind("property-required-added", "MODEL", "a new property that is required: payloads without it now fail"),
    ChangeKind("property-made-required", "MODEL", "an optional property became required: payloads without it now fail"),
    ChangeKind("type-changed", "MODEL", "a type changed, narrowed or widened: values now fail, or consumers get a type they did not expect"),
    ChangeKind("enum-value-removed", "MODEL", "an allowed value was removed (or an enum or const added): payloads with it now fail"),
    ChangeKind("pattern-tightened", "MODEL", "a pattern was added or changed: strings that matched may not"),
    ChangeKind("format-tightened", "MODEL", "a format was added or changed: strings that passed may not"),
    ChangeKind("bound-tightened", "MODEL", "a bound was added or tightened (minimum, maxLength, maxItems, multipleOf, uniqueItems, ...)"),
    ChangeKind("object-closed", "MODEL", "additionalProperties became false (or a schema): payloads with undeclared keys now fail"),
    ChangeKind("property-removed-closed", "MODEL", "a property was removed (or renamed) from a closed object: payloads with it now fail"),
    ChangeKind("required-property-removed", "MODEL", "a required property was removed: consumers relied on it being there"),
    ChangeKind("constraint-changed", "MODEL", "another constraint was added or changed, which eventspec cannot prove only widens"),
    ChangeKind("property-added-open", "REVISION", "a typed optional property was added to an open object: old payloads may carry that key with another value"),
    ChangeKind("property-added-closed", "ADDITION", "an optional property was added to a closed object: no old payload had that key"),
    ChangeKind("property-added-any", "ADDITION", "an optional property that accepts any value was added"),
    ChangeKind("property-removed-open", "ADDITION", "an optional property was removed from an open object: its key is now unchecked"),
    ChangeKind("property-made-optional", "ADDITION", "a required property became optional (a warning: Redshift loads treat it as breaking)"),
    ChangeKind("enum-value-added", "ADDITION", "an allowed value was added (or the enum or const removed)"),
    ChangeKind("pattern-removed", "ADDITION", "a pattern was removed"),
    ChangeKind("format-removed", "ADDITION", "a format was removed"),
    ChangeKind("bound-loosened", "ADDITION", "a bound was loosened or removed: sizes changes that only widen"),
    ChangeKind("object-opened", "ADDITION", "additionalProperties false was removed: undeclared keys now pass"),
    ChangeKind("constraint-removed", "ADDITION", "a constraint was removed: everything that passed still passes"),
    ChangeKind("annotation-changed", "NONE", "a description, title, example or metadata changed: no bump needed"),
)

#: Keywords that never decide a verdict.
ANNOTATIONS = frozenset({
    "title", "description", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly",
    "$schema", "$id", "$anchor", "$defs", "definitions", "contentMediaType", "contentEncoding", "x-eventspec",
})
_ITEMS = "[*]"
# applicators whose subschemas apply to the same instance as the schema holding them
_IN_PLACE = frozenset({"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "$ref"})
# where definitions live: after refs are inlined, what they hold shows where it is used
_PLACES = frozenset({"$defs", "definitions", "$schema", "$id"})


@dataclass(frozen=True)
class Change:
    """One change between two versions of an event, at a payload path."""

    kind: str
    path: str
    message: str

    @property
    def bump(self) -> Bump:
        return CHANGES[self.kind].bump

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "bump": self.bump, "path": self.path, "message": self.message}


def _path(parts: tuple[str, ...]) -> str:
    from ._findings import json_path

    text = json_path([p for p in parts if p != _ITEMS])
    if _ITEMS not in parts:
        return text
    # json_path has no wildcard: rebuild it, one segment at a time
    text = "$"
    for part in parts:
        text = text + part if part == _ITEMS else json_path([part]).replace("$", text, 1)
    return text


def _typeset(node: dict[str, Any]) -> frozenset[str] | None:
    declared = node.get("type")
    if isinstance(declared, str):
        return frozenset([declared])
    if isinstance(declared, list):
        return frozenset(t for t in declared if isinstance(t, str))
    return None


def _canon(value: Any) -> str:
    """A JSON value as JSON Schema compares them: 1 equals 1.0, true never equals 1."""
    def norm(v: Any) -> Any:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, (int, float)):
            return ["#n", float(v)] if float(v).is_integer() and abs(v) < 2**53 else ["#n", v]
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in sorted(v.items())}
        return repr(v)
    return json.dumps(norm(value), sort_keys=True)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _node(schema: Any) -> dict[str, Any]:
    if schema is True or schema is None:
        return {}
    if schema is False:
        return {"not": {}}
    return schema if isinstance(schema, dict) else {}


def _assertions(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in ANNOTATIONS and not k.startswith("x-")}


def _closed(node: dict[str, Any]) -> str:
    """open, closed (additionalProperties false) or constrained (a schema for other keys)."""
    if "patternProperties" in node:
        return "constrained"
    for key in ("additionalProperties", "unevaluatedProperties"):
        value = node.get(key)
        if value is False or value == {"not": {}}:
            return "closed"
    for key in ("additionalProperties", "unevaluatedProperties"):
        value = node.get(key)
        if value not in (None, True) and _assertions(_node(value)):
            return "constrained"
    return "open"


def compare(old: Any, new: Any, parts: tuple[str, ...] = ("properties",)) -> list[Change]:
    """The changes from schema ``old`` to ``new``, both self-contained 2020-12 (refs inlined).

    ``parts`` is where the schema applies in a payload (``("properties",)`` for a track
    event's schema), so each change names the payload path it affects.
    """
    changes: list[Change] = []
    _compare(_node(old), _node(new), parts, changes)
    return changes


def _compare(old: dict[str, Any], new: dict[str, Any], parts: tuple[str, ...], out: list[Change]) -> None:
    where = _path(parts)
    a, b = _assertions(old), _assertions(new)
    changed = sorted(k for k in set(old) | set(new)
                     if (k in ANNOTATIONS or k.startswith("x-")) and k not in _PLACES and _meta(old, k) != _meta(new, k))
    if changed:
        out.append(Change("annotation-changed", where, f"{', '.join(changed)} changed"))
    if a == b:
        return
    done: set[str] = set()

    def add(kind: str, message: str) -> None:
        out.append(Change(kind, where, message))

    # type
    done.add("type")
    old_types, new_types = _typeset(a), _typeset(b)
    if old_types != new_types:
        if new_types is None:
            add("constraint-removed", f"type {sorted(old_types or ())} removed: any type passes")
        elif old_types is None:
            add("type-changed", f"now must be {' or '.join(sorted(new_types))}")
        else:
            how = "narrowed" if new_types < old_types else "widened" if new_types > old_types else "changed"
            if old_types == {"integer"} and "number" in new_types:
                how = "widened"
            add("type-changed", f"type {how} from {' or '.join(sorted(old_types))} to {' or '.join(sorted(new_types))}")
    # enum and const
    done.update(("enum", "const"))
    old_values = _values(a)
    new_values = _values(b)
    if old_values != new_values:
        if new_values is None:
            add("enum-value-added", "the allowed values were removed: any value passes")
        elif old_values is None:
            add("enum-value-removed", f"only {_show(new_values)} now pass")
        else:
            removed, added = old_values.keys() - new_values.keys(), new_values.keys() - old_values.keys()
            if removed:
                add("enum-value-removed", f"{_show({k: old_values[k] for k in removed})} no longer allowed")
            if added:
                add("enum-value-added", f"{_show({k: new_values[k] for k in added})} now allowed")
    # bounds
    for low in ("minimum", "exclusiveMinimum"):
        done.add(low)
    for high in ("maximum", "exclusiveMaximum"):
        done.add(high)
    _numeric(a, b, add)
    for keyword, larger_is_tighter, default in (
        ("minLength", True, 0), ("maxLength", False, None), ("minItems", True, 0), ("maxItems", False, None),
        ("minProperties", True, 0), ("maxProperties", False, None), ("minContains", True, 1), ("maxContains", False, None),
    ):
        done.add(keyword)
        x, y = a.get(keyword, default), b.get(keyword, default)
        if x == y or not (x is None or _is_number(x)) or not (y is None or _is_number(y)):
            if x != y:
                add("constraint-changed", f"{keyword} changed from {x!r} to {y!r}")
            continue
        if x is None or y is None:
            tighter = x is None
        else:
            tighter = (y > x) if larger_is_tighter else (y < x)
        add("bound-tightened" if tighter else "bound-loosened",
            f"{keyword} {'added' if x is None else 'removed' if y is None else 'changed'}: {x!r} -> {y!r}")
    done.add("multipleOf")
    x, y = a.get("multipleOf"), b.get("multipleOf")
    if x != y:
        if y is None:
            add("bound-loosened", f"multipleOf {x!r} removed")
        elif x is None or not (_is_number(x) and _is_number(y) and (x / y).is_integer()):
            add("bound-tightened", f"multipleOf {'added' if x is None else 'changed'}: {x!r} -> {y!r}")
        else:
            add("bound-loosened", f"multipleOf {x!r} -> {y!r}: every multiple of {x!r} is one of {y!r}")
    done.add("uniqueItems")
    if bool(a.get("uniqueItems")) != bool(b.get("uniqueItems")):
        add("bound-tightened" if b.get("uniqueItems") else "bound-loosened",
            "items must now be unique" if b.get("uniqueItems") else "items may now repeat")
    for keyword, tightened, dropped in (("pattern", "pattern-tightened", "pattern-removed"),
                                        ("format", "format-tightened", "format-removed")):
        done.add(keyword)
        x, y = a.get(keyword), b.get(keyword)
        if x != y:
            if y is None:
                add(dropped, f"{keyword} {x!r} removed")
            else:
                add(tightened, f"{keyword} {'added' if x is None else 'changed'}: {x!r} -> {y!r}"
                    + ("" if x is None else " (eventspec cannot prove it accepts everything the old one did)"))
    # objects
    done.update(("properties", "required", "additionalProperties", "unevaluatedProperties", "patternProperties"))
    _object(a, b, parts, out)
    # arrays
    done.add("items")
    if "prefixItems" not in a and "prefixItems" not in b:
        x, y = a.get("items"), b.get("items")
        if x is not None and y is not None:
            _compare(_node(x), _node(y), parts + (_ITEMS,), out)
        elif x is None and y is not None:
            if _assertions(_node(y)):
                add("bound-tightened", "items now constrained")
        elif x is not None and _assertions(_node(x)):
            add("bound-loosened", "items no longer constrained")
    elif a.get("items") != b.get("items"):
        add("constraint-changed", "items changed")
    # the rest: equal, removed (only widens), or changed (not proven)
    # with unevaluated* present, what an applicator declares counts as evaluated: removing
    # the applicator can make keys or items unevaluated, so it is not proven to widen
    unevaluated = any(k in a or k in b for k in ("unevaluatedProperties", "unevaluatedItems"))
    for keyword in sorted((set(a) | set(b)) - done):
        x, y = a.get(keyword), b.get(keyword)
        if _canon(x) == _canon(y):
            continue
        if y is None and keyword != "prefixItems" and not (unevaluated and keyword in _IN_PLACE):
            add("constraint-removed", f"{keyword} removed")
        else:
            add("constraint-changed", f"{keyword} {'added' if x is None else 'changed'}")


def _meta(node: dict[str, Any], key: str) -> Any:
    value = node.get(key)
    if key == "x-eventspec" and isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "version"}  # the bump is judged on its own
    return value


def _values(node: dict[str, Any]) -> dict[str, Any] | None:
    if "const" in node:
        values = [node["const"]]
        if isinstance(node.get("enum"), list):
            values = [v for v in values if _canon(v) in {_canon(e) for e in node["enum"]}]
    elif isinstance(node.get("enum"), list):
        values = node["enum"]
    else:
        return None
    return {_canon(v): v for v in values}


def _show(values: dict[str, Any]) -> str:
    shown = [json.dumps(v, ensure_ascii=False) for _, v in sorted(values.items())]
    return ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")


def _numeric(a: dict[str, Any], b: dict[str, Any], add: Any) -> None:
    for side, inclusive, exclusive in (("lower", "minimum", "exclusiveMinimum"), ("upper", "maximum", "exclusiveMaximum")):
        x, y = _bound(a, inclusive, exclusive, side), _bound(b, inclusive, exclusive, side)
        if x == y:
            continue
        if y is None:
            add("bound-loosened", f"the {side} bound {_say_bound(x, side)} was removed")
            continue
        if x is None:
            add("bound-tightened", f"a {side} bound {_say_bound(y, side)} was added")
            continue
        # a bound is (value, exclusive); for the lower side a larger value, or the same
        # value made exclusive, is tighter; mirrored for the upper side
        sign = 1 if side == "lower" else -1
        tighter = sign * y[0] > sign * x[0] or (y[0] == x[0] and y[1] and not x[1])
        add("bound-tightened" if tighter else "bound-loosened",
            f"the {side} bound changed from {_say_bound(x, side)} to {_say_bound(y, side)}")


def _bound(node: dict[str, Any], inclusive: str, exclusive: str, side: str) -> tuple[float, bool] | None:
    candidates = []
    if _is_number(node.get(inclusive)):
        candidates.append((node[inclusive], False))
    if _is_number(node.get(exclusive)):
        candidates.append((node[exclusive], True))
    if not candidates:
        return None
    # the tighter of the two applies
    if side == "lower":
        return max(candidates, key=lambda c: (c[0], c[1]))
    return min(candidates, key=lambda c: (c[0], not c[1]))


def _say_bound(bound: tuple[float, bool] | None, side: str) -> str:
    if bound is None:
        return "none"
    value, exclusive = bound
    return (">" if side == "lower" else "<") + ("" if exclusive else "=") + f" {value:g}"


def _object(a: dict[str, Any], b: dict[str, Any], parts: tuple[str, ...], out: list[Change]) -> None:
    old_props = _dict(a.get("properties"))
    new_props = _dict(b.get("properties"))
    old_req = {r for r in a.get("required", []) if isinstance(r, str)} if isinstance(a.get("required"), list) else set()
    new_req = {r for r in b.get("required", []) if isinstance(r, str)} if isinstance(b.get("required"), list) else set()
    old_closed, new_closed = _closed(a), _closed(b)

    def add(kind: str, name: str | None, message: str) -> None:
        out.append(Change(kind, _path(parts + (name,) if name is not None else parts), message))

    if old_closed != new_closed:
        if new_closed == "open":
            add("object-opened", None, "undeclared keys now pass")
        elif old_closed == "closed" and new_closed == "constrained":
            add("object-opened", None, "undeclared keys now pass when they fit the schema for other keys")
        else:
            add("object-closed", None, "undeclared keys now fail" if new_closed == "closed"
                else "undeclared keys are now checked against a schema")
    elif old_closed == new_closed == "constrained":
        for key in ("additionalProperties", "unevaluatedProperties", "patternProperties"):
            if _canon(a.get(key)) != _canon(b.get(key)):
                add("constraint-changed", None, f"{key} changed")
    in_branches = _branch_names(a)
    for name in sorted(new_props.keys() - old_props.keys()):
        node = _node(new_props[name])
        if name in in_branches:
            add("constraint-changed", name, f"{name!r} added where a branch of the old schema (allOf, if/then, ...) "
                "declared it: values the branch allowed may now fail")
        elif name in new_req:
            add("property-required-added", name, f"{name!r} added and required")
        elif old_closed == "closed":
            add("property-added-closed", name, f"{name!r} added (the object was closed, so no old payload had it)")
        elif not _assertions(node):
            add("property-added-any", name, f"{name!r} added, accepting any value")
        else:
            add("property-added-open", name, f"{name!r} added to an open object: old payloads may carry "
                "that key with a value it rejects")
    for name in sorted(old_props.keys() - new_props.keys()):
        if new_closed == "closed":
            add("property-removed-closed", name, f"{name!r} removed from a closed object: payloads that carry it now fail")
        elif name in old_req and name not in new_req:
            add("required-property-removed", name, f"required {name!r} removed: consumers relied on it")
        elif new_closed == "constrained":
            add("property-removed-closed", name, f"{name!r} removed: it is now checked against the schema for other keys")
        else:
            add("property-removed-open", name, f"{name!r} removed: its key is no longer checked")
    for name in sorted(old_props.keys() & new_props.keys()):
        _compare(_node(old_props[name]), _node(new_props[name]), parts + (name,), out)
    for name in sorted(new_req - old_req):
        if name in old_props or name not in new_props:
            add("property-made-required", name, f"{name!r} is now required")
    for name in sorted(old_req - new_req):
        if name in new_props or name not in old_props:
            add("property-made-optional", name, f"{name!r} is no longer required")


def _branch_names(node: dict[str, Any]) -> set[str]:
    """Property names declared by the in-place branches of a schema (allOf, if/then, ...)."""

    def branches(schema: dict[str, Any]) -> list[Any]:
        found: list[Any] = []
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                found.extend(schema[key])
        found.extend(schema[key] for key in ("if", "then", "else") if key in schema)
        found.extend(_dict(schema.get("dependentSchemas")).values())
        return found

    names: set[str] = set()
    stack = branches(node)
    while stack:
        branch = stack.pop()
        if isinstance(branch, dict):
            names.update(_dict(branch.get("properties")))
            stack.extend(branches(branch))
    return names


# --- whole files and plans -----------------------------------------------------------


def prepared(entry: PlanFile, refs: Refs) -> Any:
    """A file's schema in 2020-12 with every resolvable ``$ref`` inlined (cycles kept as refs)."""
    return _inline(to_2020_12(entry.document), refs, refs.base(entry), ())


def _inline(node: Any, refs: Refs, base: str, stack: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(v, refs, base, stack) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("enum", "const", "default", "examples", "x-eventspec"):
            out[key] = value
        else:
            out[key] = _inline(value, refs, base, stack)
    ref = node.get("$ref")
    if isinstance(ref, str):
        resolved = refs.resolve(base, ref)
        if not isinstance(resolved, str) and resolved[0] not in stack and len(stack) < 32:
            target = _inline(copy.deepcopy(to_2020_12(resolved[1], "2020-12")), refs, resolved[0], stack + (resolved[0],))
            target = _node(target)
            rest = {k: v for k, v in out.items() if k != "$ref"}
            if not _assertions(rest):
                return {**{k: v for k, v in target.items() if k != "$schema"}, **rest}
            return {**rest, "allOf": [*rest.get("allOf", []), target]}
    return out


@dataclass(frozen=True)
class EventDiff:
    """What happened to one event (one MODEL of it) between two plans."""

    label: str
    status: Literal["added", "removed", "changed", "unchanged", "model-added", "model-retired"]
    old: PlanFile | None
    new: PlanFile | None
    changes: tuple[Change, ...] = ()
    problem: str | None = None  # why it could not be compared
    next_model: int = 2  # the MODEL a new file for this event would have

    @property
    def needed(self) -> Bump:
        """The bump the largest change needs."""
        return max((c.bump for c in self.changes), key=ORDER.__getitem__, default="NONE")

    @property
    def actual(self) -> str:
        """The bump the versions show: NONE, ADDITION, REVISION, MODEL, or LOWER."""
        if self.old is None or self.new is None or self.old.version is None or self.new.version is None:
            return "NONE"
        (m1, r1, a1), (m2, r2, a2) = self.old.version, self.new.version
        if (m2, r2, a2) < (m1, r1, a1):
            return "LOWER"
        return "MODEL" if m2 > m1 else "REVISION" if r2 > r1 else "ADDITION" if a2 > a1 else "NONE"

    @property
    def ok(self) -> bool:
        """False when the version bump is smaller than the changes need (or went down)."""
        if self.status != "changed":
            return True
        if self.new is not None and self.new.kind in ("traits", "common"):
            # traits and common.json have one file and no MODEL versions: a bump is
            # judged only when the file carries a version, and a MODEL bump happens in place
            if self.old is None or self.old.version is None or self.new.version is None:
                return True
        actual = self.actual
        return actual != "LOWER" and ORDER[actual] >= ORDER[self.needed]

    def advice(self) -> str:
        if self.ok:
            return ""
        old, new = self.old, self.new
        assert old is not None and new is not None
        if self.actual == "LOWER":
            return f"the version went down from {_ver(old)} to {_ver(new)}"
        if self.needed == "MODEL" and new.kind in ("traits", "common"):
            m = (old.version or (1, 0, 0))[0]
            return f"these changes need a MODEL bump: version {m + 1}-0-0 (found {_ver(new)})"
        if self.needed == "MODEL":
            model = self.next_model
            slug = new.slug or "<slug>"
            return (f"these changes need a new MODEL: keep {new.relative} for the clients that send the old shape, "
                    f"and make the change in events/{slug}/{model}.json with version {model}-0-0")
        m, r, a = old.version or (1, 0, 0)
        wanted = f"{m}-{r + 1}-0" if self.needed == "REVISION" else f"{m}-{r}-{a + 1}"
        return f"these changes need a {self.needed} bump: version {wanted} (found {_ver(new)})"

    def to_dict(self) -> dict[str, Any]:
        entry = self.new or self.old
        return {
            "label": self.label,
            "file": entry.relative if entry else None,
            "call": entry.call if entry else None,
            "event": entry.event if entry else None,
            "status": self.status,
            "old_version": _ver(self.old) if self.old else None,
            "new_version": _ver(self.new) if self.new else None,
            "needed": self.needed,
            "actual": self.actual,
            "ok": self.ok,
            "problem": self.problem,
            "changes": [c.to_dict() for c in self.changes],
        }


def _ver(entry: PlanFile | None) -> str:
    version = entry.version if entry else None
    return "-".join(map(str, version)) if version else "?"


def _identity(entry: PlanFile) -> tuple[str | None, str | None, int | None]:
    if entry.kind == "common":
        return ("common", None, None)
    return (entry.call, entry.event if entry.kind == "event" else None, entry.model if entry.kind == "event" else None)


def _index(plan: PlanFolder | None) -> dict[tuple[str | None, str | None, int | None], PlanFile]:
    if plan is None:
        return {}
    found: dict[tuple[str | None, str | None, int | None], PlanFile] = {}
    for entry in plan.of_kind("event", "traits", "common"):
        if entry.problem is None and (entry.call is not None or entry.kind == "common"):
            found.setdefault(_identity(entry), entry)
    return found


def _label(entry: PlanFile) -> str:
    return entry.label + (f" MODEL {entry.model}" if entry.model is not None else "")


def diff(old: PlanFolder | None, new: PlanFolder) -> list[EventDiff]:
    """Compare two plans event by event (matched by call, name and MODEL, not by folder)."""
    before, after = _index(old), _index(new)
    newest: dict[tuple[str | None, str | None], int] = {}
    for key in after:
        newest[key[:2]] = max(newest.get(key[:2], 0), key[2] or 1)
    old_refs = Refs(old) if old is not None else None
    new_refs = Refs(new)
    results: list[EventDiff] = []
    latest_old: dict[tuple[str | None, str | None], PlanFile] = {}
    for key, entry in sorted(before.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]), kv[0][2] or 0)):
        latest_old[key[:2]] = entry
    for key in sorted(before.keys() | after.keys(), key=lambda k: (str(k[1] or ""), str(k[0]), k[2] or 0)):
        was, now = before.get(key), after.get(key)
        if now is None:
            assert was is not None
            known = any(k[:2] == key[:2] for k in after)
            results.append(EventDiff(_label(was), "model-retired" if known else "removed", was, None))
            continue
        # an event's schema is of the call's properties (or traits); common.json's of the whole message
        parts = () if now.kind == "common" else (INNER.get(now.call or "", "properties"),)
        if was is None:
            previous = latest_old.get(key[:2])
            status: Any = "model-added" if previous is not None else "added"
            changes: tuple[Change, ...] = ()
            problem = None
            if previous is not None and old_refs is not None:
                changes, problem = _changes(previous, old_refs, now, new_refs, parts)
            results.append(EventDiff(_label(now), status, previous, now, changes, problem, newest[key[:2]] + 1))
            continue
        assert old_refs is not None
        changes, problem = _changes(was, old_refs, now, new_refs, parts)
        status = "changed" if changes else "unchanged"
        if was.version != now.version and not changes:
            status = "unchanged"
        results.append(EventDiff(_label(now), status, was, now, changes, problem, newest[key[:2]] + 1))
    return results


def _changes(was: PlanFile, old_refs: Refs, now: PlanFile, new_refs: Refs, parts: tuple[str, ...]) -> tuple[tuple[Change, ...], str | None]:
    try:
        found = compare(prepared(was, old_refs), prepared(now, new_refs), parts)
        return tuple(sorted(found, key=lambda c: -ORDER[c.bump])), None  # the largest first, stable
    except (Untranslatable, RecursionError) as error:
        if was.document == now.document:
            return (), None  # the same file (its shared definitions are not known to differ)
        return (Change("constraint-changed", "$", f"not compared: {error}"),), str(error)


def bump_issues(old: PlanFolder, new: PlanFolder) -> Iterator[Any]:
    """lint's version-bump findings: an event whose bump is smaller than its changes need."""
    from ._lint import Issue

    for result in diff(old, new):
        if not result.ok and result.new is not None:
            largest = [c for c in result.changes if c.bump == result.needed]
            detail = "; ".join(f"{c.path}: {c.message} [{c.kind}]" for c in largest[:3])
            yield Issue(result.new.relative, "version-bump", ("x-eventspec", "version"),
                        f"{result.advice()}. {result.needed} because {detail}"
                        + (f" (and {len(largest) - 3} more)" if len(largest) > 3 else ""), "version")


@dataclass
class DiffSummary:
    """Counts for the last line of ``eventspec diff``."""

    compared: int = 0
    changed: int = 0
    added: int = 0
    removed: int = 0
    too_small: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, results: list[EventDiff]) -> DiffSummary:
        summary = cls(compared=len(results))
        for result in results:
            summary.by_status[result.status] = summary.by_status.get(result.status, 0) + 1
            summary.changed += result.status == "changed"
            summary.added += result.status in ("added", "model-added")
            summary.removed += result.status in ("removed", "model-retired")
            summary.too_small += not result.ok
        return summary

    def line(self) -> str:
        return (f"{self.compared} event version(s) compared: {self.changed} changed, {self.added} added, "
                f"{self.removed} removed; {self.too_small} with too small a version bump")
