"""The set of schemas as a value: the bundled families, and a tracking plan on top of them.

Every bundled schema file carries its own ``$id``; the folder a file sits in says what it
is: ``<family>/calls/<call>.json`` is a call (envelope) schema, ``<family>/common/*`` and
``common/*`` hold shared pieces, and every other file is a semantic event whose
canonical name is its ``title``. ``<family>/eventspec-family.json`` is not a schema but the
family's dialect: how a payload names its call and event, the API's limits, and how
``--spec auto`` recognises the family's payloads (`Catalog.detect`).

A `Catalog` is immutable, like ``referencing.Registry``: `load_plan` returns a new one
beside the bundled value, and what a catalog derives from its schemas (compiled checks,
name indexes, validators) lives in a private per-value cache that is neither compared
nor pickled. A catalog pickles as its sources (the bundle's version and a plan's file
texts) and is rebuilt, and recompiled lazily, in the process that loads it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from referencing import Registry

    from ._findings import Report
    from ._plan import Plan

BASE_URI = "https://eventspec.dev/schemas/v1/"
FAMILIES = ("cdp", "customerio-event", "retainpixel", "userpilot")
DIALECT_FILE = "eventspec-family.json"
PLAN_QUICK = " plan"  # a plan's quick check, kept beside the families' (no family has this name)


@dataclass(frozen=True)
class Recognise:
    """One rule of a family's ``detect``: a payload (an object) matches when it has every
    key of ``has``, at least one of ``has_any`` (if any are given), none of ``lacks``, and
    each field of ``values`` holds one of the listed values (a missing field reads as null).
    A rule of no conditions matches any payload: the family of last resort."""

    has: tuple[str, ...] = ()
    has_any: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    values: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    @property
    def always(self) -> bool:
        return not (self.has or self.has_any or self.lacks or self.values)


@dataclass(frozen=True)
class Dialect:
    """How one family's payloads are shaped: read from its ``eventspec-family.json``."""

    type_field: str | None  # the field that names the call
    nullable_type: bool  # a null type means "not set" (the official clients send nulls)
    event_field: str | None  # the field of a track call that names the event
    base: str  # $id of the schema every payload of the family can be checked against
    properties_field: str | None = None  # where a call's own properties sit
    traits_field: str | None = None  # where identify and group calls carry traits
    name_fields: Mapping[str, str] = field(default_factory=dict)  # call -> field naming it (page, screen)
    call_limit: int | None = None  # bytes of compact UTF-8 JSON per call
    batch_limit: int | None = None  # bytes per batch request
    batch_call: str | None = None  # the call that wraps others
    metadata_types: bool = False  # metadata values must be strings or numbers (Userpilot)
    event_aliases: Mapping[str, str] = field(default_factory=dict)  # a document's own spelling -> canonical
    property_aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    detect: tuple[Recognise, ...] = ()  # when a payload is this family's (``--spec auto``)
    detect_order: int = 0  # families are tried in this order; the first rule to match wins

    @property
    def size_limits(self) -> bool:
        return self.call_limit is not None

    @property
    def batch(self) -> bool:
        return self.batch_call is not None


@dataclass(frozen=True)
class Family:
    """What one spec family bundles: its dialect, call schemas and semantic events."""

    name: str
    dialect: Dialect
    calls: Mapping[str, str]  # call name -> $id
    events: Mapping[str, str]  # canonical event name -> $id


class _Derived:
    """What a catalog computes from its schemas, once, on first use. Never compared or
    pickled: a catalog rebuilt in another process derives it again."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.memo: dict[Any, Any] = {}
        self.quick: dict[str, Any] = {}  # family -> its quick check (the hot path's one lookup)
        self.detect: Callable[[Any], str] | None = None  # the family of a payload (per line)

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        try:
            return self.memo[key]
        except KeyError:
            pass
        with self.lock:  # built once, and published only when complete
            if key not in self.memo:
                self.memo[key] = make()
            return self.memo[key]


class Catalog:
    """An immutable set of schemas: the bundled spec families, and maybe one tracking plan.

    `eventspec.BUNDLED` is the bundled value (what `eventspec.validate` uses);
    `eventspec.load_plan` returns one that also knows a plan's events. Two catalogs never
    see each other's schemas, and each owns the checks compiled from its own.
    """

    __slots__ = ("_documents", "_families", "plan", "base", "_state", "__weakref__")

    def __init__(
        self,
        documents: Mapping[str, Any],
        families: Mapping[str, Family],
        plan: Plan | None = None,
        base: Catalog | None = None,
    ) -> None:
        self._documents = MappingProxyType(dict(documents))
        self._families = MappingProxyType(dict(families))
        #: the tracking plan this catalog adds to the bundled specs, if any
        self.plan = plan
        #: the catalog this one extends (the bundled one, for a plan)
        self.base = base
        self._state = _Derived()

    # --------------------------------------------------------------- contents
    @property
    def documents(self) -> Mapping[str, Any]:
        """Every schema document by its ``$id`` (read-only; never modify what it holds)."""
        return self._documents

    contents = documents  # the name the bundled loader has always used

    def family(self, spec: str) -> Family:
        """The record of one family.

        Raises:
            UnknownFamily: ``spec`` is not a family of this catalog.
        """
        try:
            return self._families[spec]
        except (KeyError, TypeError):
            from ._findings import UnknownFamily

            raise UnknownFamily(spec, tuple(self._families)) from None

    @property
    def spec(self) -> str:
        """The family a payload is checked against when none is named: the plan's, or cdp."""
        return self.plan.spec if self.plan is not None else "cdp"

    @property
    def detect(self) -> Callable[[Any], str]:
        """``detect(payload)``: the family a payload's shape says it is (``--spec auto``),
        by the rules of each family's ``eventspec-family.json``.

        >>> bundled().detect({"event_type": "track", "event_name": "Signed Up"})
        'userpilot'
        """
        found = self._state.detect
        if found is None:
            found = self._state.detect = _detector(self._families)
        return found

    def families(self) -> list[str]:
        """The spec families this catalog knows, sorted."""
        return sorted(self._families)

    def events(self, spec: str | None = None) -> list[str]:
        """The event names of a family, sorted: its semantic events, and the plan's."""
        spec = spec or self.spec
        names = set(self.family(spec).events)
        if self.plan is not None and spec == self.plan.spec:
            names.update(self.plan.events)
        return sorted(names)

    def calls(self, spec: str | None = None) -> list[str]:
        """The calls (envelope types) of a family, sorted."""
        return sorted(self.family(spec or self.spec).calls)

    def schema(self, spec: str | None, name: str) -> dict[str, Any]:
        """A copy of the JSON Schema of a call, a semantic event or (newest version of) a
        plan event; for a plan event, the schema of its properties (or traits) object.

        Raises:
            UnknownFamily: ``spec`` is not a family of this catalog.
            UnknownEvent: no call or event of that name (a ``KeyError``).
        """
        import copy

        from ._findings import UnknownEvent

        spec = spec or self.spec
        family = self.family(spec)
        uri = None
        if self.plan is not None and spec == self.plan.spec:
            uri = self.plan.newest(name)
        uri = uri or family.events.get(name) or family.calls.get(name)
        if uri is None:
            raise UnknownEvent(spec, name, tuple(self.events(spec)) + tuple(family.calls))
        return copy.deepcopy(self._documents[uri])

    # ------------------------------------------------------------- validation
    def validate(
        self, payload: Any, spec: str | None = None, strict: bool = False, call: str | None = None
    ) -> Report:
        """Check one payload and report every finding; as `eventspec.validate`, with the
        plan's events, properties and versions checked too when this catalog has a plan."""
        plan = self.plan
        if plan is not None:
            if call is None and (spec is None or spec == plan.spec):
                # the plan's quick check straight away: most calls are clean
                quick = self._state.quick.get(PLAN_QUICK)
                if quick is not None:
                    found = quick(payload, strict)
                    if found is not None:
                        return found
                    return _planned()(self, payload, plan.spec, strict, call, tried=True)
            return _planned()(self, payload, spec or plan.spec, strict, call)
        return _in()(self, payload, spec or "cdp", strict, call)

    def check(
        self, payload: Any, spec: str | None = None, strict: bool = False, call: str | None = None
    ) -> Report:
        """Like `validate`, but raise `ConformanceError` when the payload has errors."""
        from ._findings import ConformanceError

        report = self.validate(payload, spec, strict, call)
        if not report.ok:
            raise ConformanceError(report)
        return report

    # ------------------------------------------------------------ derived state
    def derived(self, key: Any, make: Callable[[], Any]) -> Any:
        """What this catalog computes once from its schemas (a compiled check, an index)."""
        return self._state.get(key, make)

    def registry(self) -> Registry:
        """A `referencing.Registry` of every document; nothing is ever fetched."""
        return self.derived("registry", lambda: _registry(self._documents))

    # ----------------------------------------------------------- value semantics
    def sources(self) -> tuple[Any, ...]:
        """What this catalog is made from: the bundle's version, and a plan's files."""
        return (_bundle_version(), self.plan.sources() if self.plan is not None else None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, self.sources())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Catalog) and (self is other or self.sources() == other.sources())

    def __hash__(self) -> int:
        return hash(self.sources())

    def __repr__(self) -> str:
        if self.plan is None:
            return "<Catalog bundled>"
        return f"<Catalog bundled + plan {self.plan.name!r} ({len(self.plan.events)} events)>"


@cache
def _planned() -> Callable[..., Report]:
    from ._plan import validate_planned

    return validate_planned


@cache
def _in() -> Callable[..., Report]:
    from ._validate import validate_in

    return validate_in


def _restore(version: str, plan: Any) -> Catalog:
    """Rebuild a pickled catalog: the bundled one, or one plan over it (shared per process,
    so every task a worker runs with the same plan uses one compiled catalog)."""
    if version != _bundle_version():
        import warnings

        warnings.warn(
            f"a catalog pickled with eventspec's bundle {version} is loaded with {_bundle_version()}",
            RuntimeWarning,
            stacklevel=2,
        )
    if plan is None:
        return bundled()
    from ._plan import plan_from_sources

    return plan_from_sources(plan)


@cache
def _bundle_version() -> str:
    """The bundled schemas' identity: eventspec's version and a digest of the files."""
    import hashlib

    digest = hashlib.sha256()
    for relative, entry in _walk(files("eventspec.schemas")):
        digest.update(relative.encode())
        digest.update(entry.read_bytes())
    try:
        from importlib.metadata import version

        mine = version("eventspec")
    except Exception:  # pragma: no cover - running from a source tree without metadata
        mine = "unknown"
    return f"{mine}+{digest.hexdigest()[:12]}"


def _walk(directory: Any, relative: str = "") -> Iterator[tuple[str, Any]]:
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir():
            yield from _walk(entry, f"{relative}{entry.name}/")
        elif entry.name.endswith(".json"):
            yield f"{relative}{entry.name}", entry


def _dialect(data: dict[str, Any]) -> Dialect:
    data = {k: v for k, v in data.items() if k != "description"}
    data["name_fields"] = MappingProxyType(data.get("name_fields", {}))
    data["event_aliases"] = MappingProxyType(data.get("event_aliases", {}))
    data["property_aliases"] = MappingProxyType(
        {k: MappingProxyType(v) for k, v in data.get("property_aliases", {}).items()}
    )
    data["base"] = BASE_URI + data["base"]
    detect = data.pop("detect", {})
    data["detect_order"] = detect.get("order", 0)
    data["detect"] = tuple(
        Recognise(
            tuple(rule.get("has", ())),
            tuple(rule.get("has_any", ())),
            tuple(rule.get("lacks", ())),
            tuple((key, tuple(allowed)) for key, allowed in rule.get("values", {}).items()),
        )
        for rule in detect.get("when", ())
    )
    return Dialect(**data)


def _detector(families: Mapping[str, Family]) -> Callable[[Any], str]:
    """``detect`` for the families' rules, tried in their order; anything that is not an
    object, or that no rule claims, goes to the family of last resort.

    The rules become the source of one small function, as the compiler does for schemas:
    it runs for every line of every log, where a loop over the rules cost 2 to 3 times
    the hand-written test it replaces.
    """
    ordered = sorted(families.values(), key=lambda family: (family.dialect.detect_order, family.name))
    fallback = next(
        (family.name for family in ordered for rule in family.dialect.detect if rule.always),
        ordered[-1].name,
    )
    lines = ["def detect(payload):", f"    if not isinstance(payload, dict): return {fallback!r}"]
    for family in ordered:
        for rule in family.dialect.detect:
            if rule.always:
                continue
            tests = [f"{key!r} in payload" for key in rule.has]
            if rule.has_any:
                tests.append("(" + " or ".join(f"{key!r} in payload" for key in rule.has_any) + ")")
            tests += [f"{key!r} not in payload" for key in rule.lacks]
            for key, allowed in rule.values:
                if not all(value is None or type(value) in (str, int, float, bool) for value in allowed):
                    raise ValueError(f"{family.name}: detect values must be JSON scalars: {allowed!r}")
                tests.append(f"payload.get({key!r}) in {tuple(allowed)!r}")
            lines.append(f"    if {' and '.join(tests)}: return {family.name!r}")
    lines.append(f"    return {fallback!r}")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<eventspec detect>", "exec"), namespace)
    detect: Callable[[Any], str] = namespace["detect"]
    return detect


@cache
def bundled() -> Catalog:
    """The bundled catalog: every schema file read once per process."""
    contents: dict[str, dict[str, Any]] = {}
    dialects: dict[str, Dialect] = {}
    calls: dict[str, dict[str, str]] = {name: {} for name in FAMILIES}
    events: dict[str, dict[str, str]] = {name: {} for name in FAMILIES}
    for relative, entry in _walk(files("eventspec.schemas")):
        parts = relative.split("/")
        if parts[-1] == DIALECT_FILE:
            dialects[parts[0]] = _dialect(json.loads(entry.read_text(encoding="utf-8")))
            continue
        schema = json.loads(entry.read_text(encoding="utf-8"))
        uri = schema["$id"]
        # identity equals path: a file whose $id does not mirror its location is a packaging bug
        if uri != BASE_URI + relative:
            raise RuntimeError(f"bundled schema {relative} has $id {uri!r}")
        contents[uri] = schema
        if parts[0] not in calls or parts[1] == "common":
            continue
        if parts[1] == "calls":
            calls[parts[0]][parts[-1].removesuffix(".json")] = uri
        else:
            events[parts[0]][schema["title"]] = uri
    families = {
        name: Family(name, dialects[name], MappingProxyType(calls[name]), MappingProxyType(events[name]))
        for name in FAMILIES
    }
    return Catalog(contents, families)


def catalog() -> Catalog:
    """The bundled catalog (the name the library used before catalogs were values)."""
    return bundled()


def registry() -> Registry:
    """The bundled catalog's `referencing.Registry`."""
    return bundled().registry()


def _registry(documents: Mapping[str, Any]) -> Registry:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [
        (uri, Resource.from_contents(schema, default_specification=DRAFT202012))
        for uri, schema in documents.items()
    ]
    return Registry().with_resources(resources).crawl()
