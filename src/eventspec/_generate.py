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

With a tracking plan, a target's schema is the bundled call (or semantic event) with
the plan's schema on its properties or traits; the pins also name the page or screen
and the plan version, and the generator makes no property the plan would call
unplanned. Everything built from a catalog's schemas is kept with that catalog.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ._catalog import FAMILIES, bundled
from ._findings import UnknownCall, UnknownEvent, UnknownFamily
from ._nodes import (
    ANY,
    NEVER,
    Node,
    allowed,
    alternatives,
    can_hold,
    canonical,
    fits,
    merge,
    multiple,
    node_for,
    number_range,
    possible_types,
    satisfies,
    step_of,
    undeclared,
)
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

if TYPE_CHECKING:
    from ._catalog import Catalog
    from ._plan import Plan, PlanEvent

# The largest integer every JSON parser reads exactly (I-JSON, RFC 7493): unbounded
# integers stay within it, since a pipeline in JavaScript would round anything larger.
_SAFE_INTEGER = 2**53 - 1
_TEXT = 20  # the most characters of free text beyond a field's minimum length
_TRIES = 10  # values made for a node with a `not` (or a oneOf) before the payload is given up


@dataclass(frozen=True)
class Target:
    """What to generate: a call of a family, and for a track call maybe a semantic event.

    A track target without an event is a custom event (a name with no spec of its own).
    A target carries the catalog it is made from: with a tracking plan, ``event`` is a
    planned event (or page or screen name) and ``version`` the MODEL of its schema.
    """

    family: str
    call: str
    event: str | None = None
    version: int | None = None
    catalog: Catalog = field(default_factory=bundled, repr=False)

    @property
    def uri(self) -> str:
        """The ``$id`` of the bundled schema the payload is checked against."""
        family = self.catalog.family(self.family)
        if self.call == "track" and self.event is not None:
            semantic = self.semantic
            if semantic is not None:
                return family.events[semantic]
        return family.calls[self.call]

    @property
    def semantic(self) -> str | None:
        """The bundled semantic event the validator reads the event name as, if any."""
        if self.call != "track" or self.event is None:
            return None
        events = self.catalog.family(self.family).events
        if self.event in events:
            return self.event
        from ._plan import _semantic_name

        return _semantic_name(self.catalog, self.catalog.family(self.family), self.event)

    @property
    def plan(self) -> Plan | None:
        """The tracking plan that applies to this target's payloads, if any."""
        plan = self.catalog.plan
        return plan if plan is not None and plan.spec == self.family else None

    @property
    def plan_uri(self) -> str | None:
        """The ``$id`` of the plan file for the payload's properties (or traits), if any."""
        plan = self.plan
        if plan is None:
            return None
        if self.call in ("identify", "group"):
            return plan.traits.get(self.call)
        planned = plan.named.get((self.call, self.event)) if self.event is not None else None
        if planned is None:
            return None
        return planned.versions[self.version] if self.version is not None else plan.unversioned(planned)

    def __str__(self) -> str:
        name = f"{self.family}: {self.event or self.call}"
        plan = self.plan
        if plan is None:
            return name
        version = f" version {self.version}" if self.version is not None else ""
        return f"plan {plan.name!r} ({name}{version})"


def targets(
    spec: str | None = None,
    event: str | None = None,
    call: str | None = None,
    catalog: Catalog | None = None,
    version: int | str | None = None,
) -> tuple[Target, ...]:
    """Every target matching the arguments, the plainest first.

    With a catalog that has a plan, the plan's events (and identify and group calls,
    with the plan's traits): ``event`` names a planned event, ``version`` one of its
    MODELs (default the newest).

    Raises:
        UnknownFamily, UnknownCall, UnknownEvent: a name that is not bundled (or planned).
        ValueError: a semantic event together with a call other than track; a version
            the event does not have.
    """
    cat = catalog if catalog is not None else bundled()
    if cat.plan is not None:
        return _plan_targets(cat, cat.plan, spec, event, call, version)
    if version is not None:
        raise ValueError("version= is for the events of a tracking plan (pass plan=)")
    spec = "cdp" if spec is None else spec
    if spec not in FAMILIES:
        raise UnknownFamily(spec, FAMILIES)
    family = cat.family(spec)
    if event is not None:
        if event not in family.events:
            raise UnknownEvent(spec, event, tuple(family.events))
        if call not in (None, "track"):
            raise ValueError(f"{event!r} is a track event, so call={call!r} cannot hold for it")
        return (Target(spec, "track", event, catalog=cat),)
    if call is not None and call not in family.calls:
        raise UnknownCall(spec, call, tuple(family.calls))
    # track first: a shrunk example of "any payload" is a plain custom track call
    calls = sorted(family.calls, key=lambda name: (name != "track", name))
    found: list[Target] = []
    for name in calls if call is None else [call]:
        found.append(Target(spec, name, catalog=cat))
        if name == "track":
            found.extend(Target(spec, "track", e, catalog=cat) for e in family.events)
    return tuple(found)


def _plan_targets(
    cat: Catalog, plan: Plan, spec: str | None, event: str | None, call: str | None, version: int | str | None
) -> tuple[Target, ...]:
    """The targets of a plan: its events, and identify and group calls."""
    spec = plan.spec if spec is None else spec
    if spec != plan.spec:
        if spec not in cat.families():
            raise UnknownFamily(spec, tuple(cat.families()))
        raise ValueError(f"the plan {plan.name!r} extends {plan.spec}, so spec={spec!r} cannot hold for it")
    family = cat.family(spec)
    if call is not None and call not in family.calls:
        raise UnknownCall(spec, call, tuple(family.calls))
    if event is not None:
        found = [planned for (c, name), planned in plan.named.items() if name == event and call in (None, c)]
        if not found:
            others = [c for (c, name) in plan.named if name == event]
            if others:
                raise ValueError(f"{event!r} is a {others[0]} event of the plan, so call={call!r} cannot hold for it")
            known = tuple(name for (_, name) in plan.named)
            error = UnknownEvent(spec, event, known)
            error.message = error.args[0].replace(f"{spec} has no call or semantic event", f"the plan {plan.name!r} has no event")
            error.args = (error.message,)
            raise error
        return tuple(Target(spec, p.call, p.name, _model(plan, p, version), cat) for p in found)
    if version is not None:
        raise ValueError("version= needs event=: versions belong to one planned event")
    if call is not None:
        calls = [call]
    else:
        calls = sorted({c for (c, _) in plan.named} | ({"identify", "group"} & set(family.calls)),
                       key=lambda name: (name != "track", name))
    out: list[Target] = []
    for name in calls:
        named = [p for (c, _), p in plan.named.items() if c == name]
        if named:
            out.extend(Target(spec, name, p.name, _model(plan, p, None), cat) for p in named)
        elif name == "track":
            raise ValueError(f"the plan {plan.name!r} plans no track events")
        else:  # identify and group (with the plan's traits), and calls the plan leaves alone
            out.append(Target(spec, name, catalog=cat))
    return tuple(out)


def _model(plan: Plan, planned: PlanEvent, version: int | str | None) -> int:
    """The MODEL of a planned event a ``version`` names (1, "2", "2-0-0"); for None, the
    one the plan checks calls without a version against (its ``unversioned`` setting)."""
    if version is None:
        return min(planned.versions) if plan.setting("unversioned") == "oldest" else max(planned.versions)
    from ._plan import _model as model_of

    model = model_of(version)
    if model is None or model not in planned.versions:
        have = ", ".join(str(v) for v in sorted(planned.versions))
        raise ValueError(f"{planned.name!r} has no version {version!r} in the plan {plan.name!r} (it has {have})")
    return model


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
    """The dispatch fields, fixed to the target's call and event (and plan version)."""
    pins: dict[str, Node] = {}
    dialect = target.catalog.family(target.family).dialect
    type_field = dialect.type_field
    if type_field and target.call != dialect.batch_call:
        pins[type_field] = Node(enum=(target.call,))
    event_field = dialect.event_field
    if event_field and target.call == "track":
        pins[event_field] = Node(enum=(target.event,) if target.event else custom_events(target.family))
    node = _required(**pins)
    plan = target.plan
    if plan is None:
        return node
    name_field = dialect.name_fields.get(target.call)
    if name_field is not None:
        # a planned page or screen name; or none at all, which the plan does not warn about
        pin = Node(enum=(target.event,)) if target.event else NEVER
        node = merge(node, Node(properties={name_field: pin}, required=(name_field,) if target.event else ()))
    planned = plan.named.get((target.call, target.event)) if target.event else None
    if planned is not None and len(planned.versions) > 1 and target.version is not None:
        # name the version, so that it is this version the plan checks the payload against
        *path, last = plan.setting("version_selector").split(".")
        selected = _required(**{last: Node(enum=(target.version,))})
        for part in reversed(path):
            selected = _required(**{part: merge(_OBJECT, selected)})
        node = merge(node, selected)
    return node


def custom_events(family: str) -> tuple[str, ...]:
    """Custom event names of a family: none is, or nearly is, a semantic event's name."""

    def make() -> tuple[str, ...]:
        taken = {_normalized(name) for name in cat.family(family).events}
        taken.add(_normalized("Delete Device"))  # a spelling eventspec reads as Device Deleted
        return tuple(name for name in CUSTOM_EVENTS[family] if _normalized(name) not in taken)

    cat = bundled()
    return cat.derived(("custom-events", family), make)


def _key(target: Target) -> tuple[Any, ...]:
    # what tells a catalog's targets apart (the catalog itself keeps what is derived)
    return (target.family, target.call, target.event, target.version)


def schema_node(target: Target) -> Node:
    """The node of what the validator checks a target's payloads against.

    For a plan target, the bundled call (or semantic event) and the plan's schema of
    its properties (traits for identify and group) both hold. The plan checks the object
    when there is one (a missing or null one counts as empty, which only a ``required``
    of the plan's can break, reported deeper down). The plan's common.json, a schema of
    the whole message, holds too for the calls it applies to.
    """
    cat = target.catalog

    def make() -> Node:
        node = node_for(target.uri, cat)
        plan = target.plan
        if plan is not None and plan.common is not None and target.call in plan.common_calls:
            node = merge(node, node_for(plan.common, cat))
        uri = target.plan_uri
        if uri is None:
            return node
        planned = node_for(uri, cat)
        either = Node(groups=((planned, Node(types=("null",))),))
        return merge(node, Node(properties={_plan_field(target): either}))

    return cat.derived(("schema-node", *_key(target)), make)


def _plan_field(target: Target) -> str:
    dialect = target.catalog.family(target.family).dialect
    field = dialect.traits_field if target.call in ("identify", "group") else dialect.properties_field
    assert field is not None  # a plan's family has both (load_plan checks)
    return field


def _planned_only(target: Target) -> Node:
    """For generation: no property (or trait) the plan would find unplanned."""
    uri = target.plan_uri
    if uri is None:
        return ANY
    from ._plan import _declared

    semantic = target.semantic
    bundled_uri = target.catalog.family(target.family).events.get(semantic) if semantic else None
    names, patterns, open_ = _declared(target.catalog, uri, bundled_uri)
    if not open_:  # the schema itself says what other keys may hold: no finding to avoid
        return ANY
    only = Node(only=(names, tuple(p.pattern for p in patterns)))
    return Node(properties={_plan_field(target): only})


def root(target: Target) -> Node:
    """The node a target's payloads are generated from (kept with the target's catalog)."""

    def make() -> Node:
        node = merge(merge(schema_node(target), _pins(target)), _profile(target))
        node = merge(node, _planned_only(target))
        if target.call == "batch":  # the items are made from their own targets
            properties = {k: v for k, v in node.properties.items() if k != "batch"}
            node = replace(node, properties=properties, required=tuple(k for k in node.required if k != "batch"))
        if not alternatives(node):
            raise ValueError(f"no payload satisfies the schema of {target}")
        return node

    return target.catalog.derived(("root", *_key(target)), make)


def prepare(options: tuple[Target, ...], deep: bool = False) -> None:
    """Build now the nodes that generating payloads for ``options`` starts from.

    They are cached with the catalog, so the first payload costs no more than the next
    ones (the Hypothesis strategies call this when they are made, not in a draw).
    ``deep`` builds every node a payload can reach (a plan's: what cannot be
    generated, `eventspec._nodes.Unsupported` or a schema nothing satisfies, is then
    said when a strategy is made, not in the middle of a test).
    """
    seen: set[int] = set()
    for target in options:
        if deep:
            _prepare(root(target), seen)
        else:
            alternatives(root(target))
        if target.call == "batch":
            prepare(item_targets(target), deep)


def _prepare(node: Node, seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    for option in alternatives(node):
        subs = [*option.properties.values(), *(n for _, n in option.pattern_properties), *option.prefix]
        subs += [n for n in (option.additional, option.items) if n is not None]
        for sub in subs:
            _prepare(sub, seen)


# ------------------------------------------------------------------ payloads
def generate(target: Target, source: Source) -> dict[str, Any]:
    """One valid payload for ``target``."""
    payload = value(root(target), "", "", source)
    if target.call == "batch":
        items = [generate(choose(source, item_targets(target)), source) for _ in range(count(source, 1, 3))]
        payload = {"batch": items, **payload}
    dialect = target.catalog.family(target.family).dialect
    first = [f for f in (dialect.type_field, dialect.event_field) if f in payload]
    payload = {**{f: payload[f] for f in first}, **payload}
    limit = dialect.batch_limit if target.call == dialect.batch_call else dialect.call_limit
    if limit is not None and size(payload) > limit:
        source.reject()
    return payload


def item_targets(target: Target) -> tuple[Target, ...]:
    """What the items of a batch target are made for: every other target of its catalog."""
    cat = target.catalog
    return cat.derived(
        ("item-targets", target.family),
        lambda: tuple(t for t in targets(target.family, catalog=cat) if t.call != "batch"),
    )


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
    for _ in range(_TRIES):
        option = alternatives_of(node, source)
        made = _value(option, name, parent, source)
        # a `not` (a oneOf's other alternatives among them) is checked on what was made
        if not option.nots or not any(satisfies(other, made) for other in option.nots):
            return made
    source.reject()


def _value(node: Node, name: str, parent: str, source: Source) -> Any:
    if node.enum is not None:
        values = allowed(node)
        if None in values and len(values) > 1 and source.rarely():
            return None
        return choice(source, [v for v in values if v is not None] or values)
    kinds = possible_types(node)
    if node.types is None:  # free-form: plain scalars keep payloads small and readable
        kinds = tuple(k for k in kinds if k in ("string", "integer", "number", "boolean")) or kinds
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
    spare = math.inf if node.max_properties is None else node.max_properties - len(node.required)
    for key, sub in node.properties.items():
        if key in node.required:
            out[key] = value(sub, key, name, source)
        elif spare > 0 and can_hold(node, key) and source.boolean():
            out[key] = value(sub, key, name, source)
            spare -= 1
    for key in node.required:
        if key not in out:
            out[key] = value(node.child(key), key, name, source)
    for pattern, _ in node.pattern_properties:  # now and then a key of each pattern
        if spare > 0 and source.boolean():
            key = source.regex(pattern)
            if key not in out and key not in node.properties and can_hold(node, key):
                out[key] = value(node.child(key), key, name, source)
                spare -= 1
    pool = EXTRAS.get(name)
    if pool and spare > 0 and (node.additional is None or possible_types(node.additional)):
        declared = {_normalized(key) for key in node.properties}
        constrained = node.only is not None or node.pattern_properties or node.dependent
        pool = tuple((k, m) for k, m in pool
                     if _normalized(k) not in declared and (not constrained or can_hold(node, k)))
        # an object with nothing declared ("app", "os") gets at least one field
        least = 0 if node.properties else 1
        for _ in range(count(source, least, int(min(3, len(pool), spare)))) if pool else ():
            key, maker = choice(source, pool)
            if key in out:
                continue
            if maker is None or undeclared(node, key) is not None:
                out[key] = value(node.child(key), key, name, source)
            else:
                out[key] = maker(source)
    _bring_along(node, out, name, source)
    if len(out) < node.min_properties:
        _fill(node, out, name, source)
    if node.max_properties is not None and len(out) > node.max_properties:
        source.reject()
    return out


def _bring_along(node: Node, out: dict[str, Any], name: str, source: Source) -> None:
    """Add what ``dependentRequired`` asks of the keys present."""
    added = True
    while added:
        added = False
        for have, needs in node.dependent:
            for need in needs if have in out else ():
                if need not in out:
                    out[need] = value(node.child(need), need, name, source)
                    added = True


def _fill(node: Node, out: dict[str, Any], name: str, source: Source) -> None:
    """Keys up to ``minProperties``: declared ones first, then keys of the patterns, then
    plain ``field_1``, ``field_2``... where undeclared keys may be."""
    spare = [key for key in node.properties if key not in out and can_hold(node, key)]
    spare += [source.regex(pattern) for pattern, _ in node.pattern_properties]
    spare += [f"field_{n}" for n in range(1, node.min_properties + 1)]
    for key in spare:
        if len(out) >= node.min_properties:
            break
        if key not in out and can_hold(node, key):
            out[key] = value(node.child(key), key, name, source)
            _bring_along(node, out, name, source)
    if len(out) < node.min_properties:
        source.reject()


def _array(node: Node, name: str, parent: str, source: Source) -> list[Any]:
    high = node.min_items + 3 if node.max_items is None else min(node.max_items, node.min_items + 3)
    out: list[Any] = []
    seen: set[Any] = set()
    for _ in range(count(source, node.min_items, high)):
        items = node.item(len(out))
        if not alternatives(items):  # `items: false` after the prefix, say
            break
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
    bounds = number_range(node, integer=True)
    assert bounds is not None  # possible_types said an integer can be made
    low = -_SAFE_INTEGER if math.isinf(bounds[0]) else int(bounds[0])
    high = _SAFE_INTEGER if math.isinf(bounds[1]) else int(bounds[1])
    step = step_of(node, integer=True)
    if step is not None:
        made = int(_multiple_in(step, low, high, source))
        if not all(multiple(made, m) for m in node.multiple_of):
            source.reject()
        return made
    hint = INTEGER_RANGES.get(name)
    if hint is not None and not source.rarely():
        a, b = max(low, hint[0]), min(high, hint[1])
        if a <= b:
            return source.integer(a, b)
    if source.rarely():
        return source.integer(low, high)
    a, b = max(low, 0), min(high, 1000)
    return source.integer(a, b) if a <= b else source.integer(low, high)


def _multiple_in(step: Fraction, low: float, high: float, source: Source) -> Fraction:
    """A multiple of ``step`` in ``[low, high]``, small ones first (exact arithmetic)."""
    first, last = math.ceil(Fraction(low) / step), math.floor(Fraction(high) / step)
    if first > last:
        source.reject()
    a, b = max(first, 0), min(last, max(first, 0) + 1000)
    k = source.integer(a, b) if a <= b else source.integer(max(first, last - 1000), last)
    return k * step


def _number(node: Node, name: str, source: Source) -> float:
    bounds = number_range(node, integer=False)
    assert bounds is not None
    low = -1e12 if math.isinf(bounds[0]) else bounds[0]
    high = 1e12 if math.isinf(bounds[1]) else bounds[1]
    step = step_of(node, integer=False)
    if step is not None:
        # jsonschema divides by a float step in floating point, where 0.07 is no
        # multiple of 0.01: try a few, then a whole multiple, which always divides
        for _ in range(_TRIES):
            made: float = float(_multiple_in(step, low, high, source))
            if all(multiple(made, m) for m in node.multiple_of):
                return made
        whole = step * step.denominator
        made = int(_multiple_in(whole, low, high, source))
        if not all(multiple(made, m) for m in node.multiple_of):
            source.reject()
        return made
    maker = number_maker(name)
    if maker is not None and not source.rarely():
        made = maker(source)
        if low <= made <= high:
            return made
    if not source.rarely():
        made = source.integer(0, 100_000) / 100
        if low <= made <= high:
            return made
    return source.real(low, high)
