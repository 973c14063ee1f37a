"""Tracking plans: a team's own events, kept as a folder of JSON Schema files.

A plan extends one bundled family. It names the events (and page or screen names) a
product sends, each as the schema of its properties object, possibly in several MODEL
versions at once, the traits identify and group calls carry, and what happens to
events, properties and traits it does not name. `load_plan` reads the folder, checks
every file against its metaschema and every ``$ref`` against the plan and the bundle,
and returns a `Catalog` that validates with the plan on top of the bundled specs.

The layout (docs/plans.md has the whole story)::

    eventspec-plan.json            the manifest
    events/<slug>/<MODEL>.json     one file per event per MODEL version
    traits/identify.json           identify traits (traits/group.json for group)
    common.json                    a rule on whole messages, for every call (optional)
    properties/<name>.json         shared definitions, reached by relative $ref
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import _validate
from ._catalog import PLAN_QUICK, Catalog, bundled
from ._findings import Finding, Report, UnknownCall, UnknownFamily, json_path

if TYPE_CHECKING:
    from ._catalog import Family

MANIFEST = "eventspec-plan.json"
PLAN_BASE = "https://eventspec.dev/plans/"
SETTINGS = ("allow", "warn", "error")
CALLS = ("track", "page", "screen", "identify", "group")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_VERSION = re.compile(r"^([1-9][0-9]*)-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$")
_DEFAULTS: dict[str, Any] = {
    "unplanned_events": "warn",
    "unplanned_properties": "warn",
    "unplanned_traits": "allow",
    "unknown_version": "error",
    "version_selector": "context.protocols.event_version",
    "unversioned": "newest",
    "formats": "assert",
}
UNVERSIONED = ("newest", "oldest")
COMMON = "common.json"
_MANIFEST_KEYS = {"name", "spec", "description", "naming", "lint", "$schema", *_DEFAULTS}


class PlanError(ValueError):
    """A plan folder that cannot be loaded: which file, where in it, and what is wrong.

    Attributes:
        file: the file's path (or the folder's, for a problem with the folder).
        pointer: a JSON pointer into the file (``""`` for the whole file).
        problem: what is wrong, for people.
    """

    def __init__(self, file: str | Path, pointer: str, problem: str) -> None:
        self.file = str(file)
        self.pointer = pointer
        self.problem = problem
        where = f"{self.file}#{pointer}" if pointer else self.file
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class PlanEvent:
    """One planned call name (a track event, or a page or screen name) and its versions."""

    call: str
    name: str
    versions: Mapping[int, str]  # MODEL -> the $id of that version's file

    @property
    def newest(self) -> str:
        return self.versions[max(self.versions)]

    @property
    def oldest(self) -> str:
        return self.versions[min(self.versions)]


@dataclass(frozen=True)
class Plan:
    """A loaded tracking plan: its manifest, events and traits (read-only)."""

    name: str
    spec: str
    root: str | None  # the folder it was read from, if any
    manifest: Mapping[str, Any]
    files: tuple[tuple[str, str], ...] = field(repr=False)  # (relative path, text): the sources
    named: Mapping[tuple[str, str], PlanEvent] = field(repr=False)  # (call, name) -> event
    traits: Mapping[str, str] = field(repr=False)  # identify/group -> $id
    meta: Mapping[str, Mapping[str, Any]] = field(repr=False)  # $id -> its x-eventspec
    common: str | None = field(default=None, repr=False)  # the $id of common.json, if any
    common_calls: frozenset[str] = field(default=frozenset(), repr=False)  # the calls it applies to

    @property
    def events(self) -> dict[str, PlanEvent]:
        """The planned track events by name."""
        return {name: event for (call, name), event in self.named.items() if call == "track"}

    def newest(self, name: str, call: str = "track") -> str | None:
        event = self.named.get((call, name))
        return event.newest if event is not None else None

    def unversioned(self, event: PlanEvent) -> str:
        """The $id of the version a call that names none (or one the plan lacks) is
        checked against: the newest, or the oldest as Segment does (``unversioned``)."""
        return event.oldest if self.setting("unversioned") == "oldest" else event.newest

    def setting(self, key: str, uri: str | None = None) -> str:
        """A manifest setting (``unplanned_properties``, ...), as an event file overrides it."""
        if uri is not None:
            own = self.meta.get(uri, {}).get(key)
            if own is not None:
                return str(own)
        return str(self.manifest.get(key, _DEFAULTS[key]))

    def sources(self) -> tuple[str | None, tuple[tuple[str, str], ...]]:
        return (self.root, self.files)


# ------------------------------------------------------------------ loading
def load_plan(path: str | Path) -> Catalog:
    """Read a tracking plan folder and return a catalog of the bundled specs plus the plan.

    Arguments:
        path: the plan's folder (holding ``eventspec-plan.json``), or that file.

    Returns:
        A `Catalog`: ``.validate(payload)`` checks a payload against the bundled family
        the plan extends and against the plan's events, properties, traits and versions.

    Raises:
        PlanError: a file is missing, not JSON, not a valid schema for its ``$schema``,
            has a ``$ref`` that resolves nowhere, or metadata that contradicts its place.

    >>> plan = load_plan("examples/plan")
    >>> report = plan.validate({"type": "track", "userId": "u1", "event": "Course Started",
    ...                         "properties": {"course_name": "Intro", "courseid": "c1"}})
    >>> print(report.errors[0])
    $.properties.courseId: 'courseId' is required but missing [required-missing]
    >>> print(report.warnings[0])
    $.properties.courseid: 'courseid' is not a planned property of this event (did you mean 'courseId'?) [unplanned-property]
    """
    root = Path(path)
    if root.is_file() and root.name == MANIFEST:
        root = root.parent
    if not (root / MANIFEST).is_file():
        raise PlanError(root, "", f"not a plan folder: {MANIFEST} is missing")
    texts: list[tuple[str, str]] = []
    for file in sorted(root.rglob("*.json")):
        relative = file.relative_to(root).as_posix()
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        try:
            texts.append((relative, file.read_bytes().decode("utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            raise PlanError(file, "", f"cannot be read as UTF-8 text ({error})") from None
    return _cached((str(root), tuple(texts)))


_LOADED: weakref.WeakValueDictionary[str, Catalog] = weakref.WeakValueDictionary()


def plan_from_sources(sources: tuple[str | None, tuple[tuple[str, str], ...]]) -> Catalog:
    """Rebuild a plan's catalog from its sources (unpickling); one per process per plan."""
    return _cached(sources)


def _cached(sources: tuple[str | None, tuple[tuple[str, str], ...]]) -> Catalog:
    digest = hashlib.sha256(repr(sources[1]).encode()).hexdigest()
    found = _LOADED.get(digest)
    if found is not None and found.plan is not None and found.plan.root == sources[0]:
        return found
    made = _build(*sources)
    _LOADED[digest] = made
    return made


def _build(root: str | None, files: tuple[tuple[str, str], ...]) -> Catalog:
    base = bundled()
    where = Path(root) if root else Path(".")
    parsed: dict[str, Any] = {}
    for relative, text in files:
        try:
            parsed[relative] = json.loads(text)
        except ValueError as error:
            raise PlanError(where / relative, "", f"not JSON ({error})") from None
        except RecursionError:
            raise PlanError(where / relative, "", "nested too deeply to read") from None
    if MANIFEST not in parsed:
        raise PlanError(where, "", f"not a plan folder: {MANIFEST} is missing")
    manifest = _manifest(where / MANIFEST, parsed.pop(MANIFEST), base)
    name = manifest["name"]
    family = base.family(manifest["spec"])
    prefix = f"{PLAN_BASE}{name}/"
    documents = dict(base.documents)
    named_ids: dict[str, str] = {}  # a file's own absolute $id -> its relative path
    for relative, schema in parsed.items():
        own = _own_id(prefix + relative, schema)
        if own is None:
            documents[prefix + relative] = schema
            continue
        # A file that names its own $id is known by it, as every reference inside it
        # assumes; its place in the plan refers there, so relative references between
        # plan files keep working and no validator has to re-base a document it reached
        # under another name.
        if own in documents or own in named_ids:
            raise PlanError(where / relative, "/$id", f"the $id {own!r} is taken by another schema")
        documents[own] = schema
        documents[prefix + relative] = {"$schema": schema.get("$schema", DRAFT2020), "$ref": own}
        named_ids[own] = relative
    named: dict[tuple[str, str], dict[int, str]] = {}
    traits: dict[str, str] = {}
    meta: dict[str, Mapping[str, Any]] = {}
    common: str | None = None
    common_calls: frozenset[str] = frozenset()
    for relative, schema in parsed.items():
        file = where / relative
        _nesting(schema, file)
        if not isinstance(schema, (dict, bool)):
            raise PlanError(file, "", "a schema file must hold a JSON object (or a boolean)")
        uri = prefix + relative
        parts = relative.split("/")
        if parts[0] == "events":
            info = _event_meta(file, parts, schema, family)
            key = (info["call"], info["event"])
            model = int(parts[-1].removesuffix(".json"))
            named.setdefault(key, {})[model] = uri
            meta[uri] = MappingProxyType(info)
        elif parts[0] == "traits":
            call = parts[-1].removesuffix(".json")
            if len(parts) != 2 or call not in ("identify", "group"):
                raise PlanError(file, "", "a traits file is traits/identify.json or traits/group.json")
            info = schema.get("x-eventspec", {}) if isinstance(schema, dict) else {}
            traits[call] = uri
            meta[uri] = MappingProxyType(dict(info) if isinstance(info, dict) else {})
        elif relative == COMMON:
            info = _common_meta(file, schema, family)
            common, common_calls = uri, frozenset(info["calls"])
            meta[uri] = MappingProxyType(info)
    for (_call, event), versions in named.items():
        models = sorted(versions)
        if models != list(range(1, len(models) + 1)):
            raise PlanError(
                where / "events", "", f"{event!r} has versions {models}: they start at 1 with no gaps"
            )
    plan = Plan(
        name=name,
        spec=family.name,
        root=root,
        manifest=MappingProxyType(manifest),
        files=files,
        named=MappingProxyType(
            {key: PlanEvent(key[0], key[1], MappingProxyType(v)) for key, v in sorted(named.items())}
        ),
        traits=MappingProxyType(traits),
        meta=MappingProxyType(meta),
        common=common,
        common_calls=common_calls,
    )
    families = {spec: base.family(spec) for spec in base.families()}
    made = Catalog(documents, families, plan=plan, base=base)
    _check_schemas(made, where, prefix, parsed, named_ids)
    return made


DRAFT2020 = "https://json-schema.org/draft/2020-12/schema"


def _own_id(uri: str, schema: Any) -> str | None:
    """The absolute ``$id`` a plan file gives itself, when it is not its place in the plan."""
    from urllib.parse import urldefrag, urljoin

    if not isinstance(schema, dict) or not isinstance(schema.get("$id"), str):
        return None
    own = urldefrag(urljoin(uri, schema["$id"]))[0]
    return None if own == uri else own


def _check_schemas(
    cat: Catalog, where: Path, prefix: str, parsed: Mapping[str, Any], named_ids: Mapping[str, str]
) -> None:
    """Every plan file against the metaschema its ``$schema`` names (2020-12 when it names
    none), with formats checked (a ``pattern`` must be a regular expression), and every
    ``$ref`` resolving inside the plan or the bundle: what would otherwise fail in the
    middle of validating a payload fails here, at load, naming the file and the place.

    The catalog's own compiler does it, with the official metaschemas compiled once: a
    plan of hundreds of files is checked in milliseconds."""
    from ._compile import SchemaError

    compiler = _validate._compiler(cat)
    by_id = {relative: own for own, relative in named_ids.items()}
    for relative in parsed:
        try:
            compiler.check_schema(by_id.get(relative, prefix + relative))
        except SchemaError as error:
            culprit = named_ids.get(error.uri) or (
                error.uri[len(prefix):] if error.uri.startswith(prefix) else relative)
            reason = error.reason
            if error.pointer.endswith(("/$ref", "/$dynamicRef", "/$recursiveRef")):
                problem = f"{reason}: it resolves to no schema of the plan or the bundle"
            elif error.pointer == "/$schema":
                problem = reason
            else:
                problem = f"not a valid schema: {reason}"
            raise PlanError(where / culprit, error.pointer, problem) from None


def _nesting(node: Any, file: Path, limit: int = 100) -> None:
    """A schema nested deeper than any plan needs is refused before anything recurses
    into it (the metaschema check, the compiler, jsonschema)."""
    stack = [(node, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            raise PlanError(file, "", f"nested more than {limit} levels deep; a plan's schema never needs that")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _manifest(file: Path, data: Any, base: Catalog) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PlanError(file, "", "the manifest must be a JSON object")
    for key in data:
        if key not in _MANIFEST_KEYS:
            raise PlanError(file, f"/{key}", f"unknown setting {key!r}; known: {', '.join(sorted(_MANIFEST_KEYS))}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise PlanError(file, "/name", "the plan needs a name: letters, digits, '.', '_' or '-'")
    spec = data.get("spec", "cdp")
    if spec not in base.families():
        raise PlanError(file, "/spec", f"{spec!r} is not a bundled family ({', '.join(base.families())})")
    if base.family(spec).dialect.event_field is None:
        raise PlanError(file, "/spec", f"{spec} names no events, so a plan cannot extend it")
    for key in ("unplanned_events", "unplanned_properties", "unplanned_traits", "unknown_version"):
        if data.get(key, _DEFAULTS[key]) not in SETTINGS:
            raise PlanError(file, f"/{key}", f"expected one of {', '.join(SETTINGS)}; found {data[key]!r}")
    if data.get("formats", "assert") not in ("assert", "annotate"):
        raise PlanError(file, "/formats", f"expected assert or annotate; found {data['formats']!r}")
    if data.get("unversioned", "newest") not in UNVERSIONED:
        raise PlanError(file, "/unversioned", f"expected newest or oldest; found {data['unversioned']!r}")
    selector = data.get("version_selector", _DEFAULTS["version_selector"])
    if not isinstance(selector, str) or not selector:
        raise PlanError(file, "/version_selector", "expected a dotted path such as context.protocols.event_version")
    for key in ("naming", "lint"):
        if key in data and not isinstance(data[key], dict):
            raise PlanError(file, f"/{key}", "expected an object")
    return {**_DEFAULTS, **data, "spec": spec}


def _event_meta(file: Path, parts: list[str], schema: Any, family: Family) -> dict[str, Any]:
    if len(parts) != 3 or not parts[2].removesuffix(".json").isdigit() or parts[2].startswith("0"):
        raise PlanError(file, "", "an event file is events/<event>/<MODEL>.json, MODEL 1, 2, ...")
    if not isinstance(schema, dict):
        raise PlanError(file, "", "an event file must hold a JSON object")
    info = schema.get("x-eventspec")
    if not isinstance(info, dict):
        raise PlanError(file, "/x-eventspec", "an event file needs x-eventspec metadata (call, event, version)")
    info = dict(info)
    call = info.setdefault("call", "track")
    if call not in ("track", "page", "screen") or call not in family.calls:
        raise PlanError(file, "/x-eventspec/call", f"expected a call of {family.name} that names itself: track, page or screen; found {call!r}")
    if call != "track" and call not in family.dialect.name_fields:
        raise PlanError(file, "/x-eventspec/call", f"{family.name} {call} calls carry no name")
    event = info.get("event", schema.get("title"))
    if not isinstance(event, str) or not event.strip():
        raise PlanError(file, "/x-eventspec/event", "the event's name is missing")
    info["event"] = event
    model = int(parts[2].removesuffix(".json"))
    version = info.setdefault("version", f"{model}-0-0")
    matched = _VERSION.match(version) if isinstance(version, str) else None
    if matched is None:
        raise PlanError(file, "/x-eventspec/version", f"expected SchemaVer MODEL-REVISION-ADDITION (1-0-0); found {version!r}")
    if int(matched.group(1)) != model:
        raise PlanError(file, "/x-eventspec/version", f"version {version} is in the file for MODEL {model}")
    for key in ("unplanned_properties", "unplanned_traits"):
        if key in info and info[key] not in SETTINGS:
            raise PlanError(file, f"/x-eventspec/{key}", f"expected one of {', '.join(SETTINGS)}; found {info[key]!r}")
    return info


def _common_meta(file: Path, schema: Any, family: Family) -> dict[str, Any]:
    """common.json's metadata, with the calls it applies to (every call of the family
    but the batch, whose items are checked as calls of their own, unless it says)."""
    every = [c for c in family.calls if c != family.dialect.batch_call]
    info = schema.get("x-eventspec", {}) if isinstance(schema, dict) else {}
    if not isinstance(info, dict):
        raise PlanError(file, "/x-eventspec", "x-eventspec must be an object")
    info = dict(info)
    calls = info.setdefault("calls", every)
    if not isinstance(calls, list) or not calls or any(c not in every for c in calls) or len(set(calls)) != len(calls):
        raise PlanError(file, "/x-eventspec/calls",
                        f"expected a list of distinct calls of {family.name} ({', '.join(every)}); found {calls!r}")
    return info


# --------------------------------------------------------------- validating
def validate_planned(
    cat: Catalog, payload: Any, spec: str, strict: bool, call: str | None, tried: bool = False
) -> Report:
    """Validate against the bundled family, then against the plan (its events' and traits'
    schemas, unplanned events, properties and traits, and versions); ``tried``: the
    plan's quick check has had its say already."""
    plan = cat.plan
    assert plan is not None
    if call is None and spec == plan.spec and not tried:
        quick = cat._state.quick.get(_PLAN_QUICK) or _quick_plan(cat)
        found = quick(payload, strict)
        if found is not None:
            return found
    if not isinstance(spec, str) or spec not in cat._families:
        raise UnknownFamily(spec, tuple(cat.families()))
    if spec != plan.spec:
        return _validate.validate_in(cat, payload, spec, strict, call)
    if call is not None and call not in cat.family(spec).calls:
        raise UnknownCall(spec, call, tuple(cat.family(spec).calls))
    report = _validate.validate_in(cat, payload, spec, False, call)
    if not isinstance(payload, dict):
        return report
    family = cat.family(spec)
    dialect = family.dialect
    extra: list[Finding] = []
    event = report.event
    schema_id = report.schema_id
    try:
        if report.call == dialect.batch_call and dialect.batch_call is not None:
            items = payload.get("batch")
            shared = payload.get("context")
            for index, item in enumerate(items if isinstance(items, list) else ()):
                if isinstance(item, dict):
                    where = ("batch", index)
                    extra.extend(_planned(cat, item, None, family, strict, where)[0])
                    if plan.common is not None:
                        kind = item.get(dialect.type_field) if dialect.type_field else None
                        extra.extend(_common_item(cat, item, kind, shared, where))
        else:
            found, planned_event, planned_uri = _planned(cat, payload, call, family, strict, ())
            extra.extend(found)
            if planned_uri is not None:
                event, schema_id = planned_event, planned_uri
            if plan.common is not None:
                extra.extend(_common_findings(cat, payload, report.call, ()))
    except RecursionError:
        extra.append(Finding("$", "the payload is nested too deeply to check", "not-json"))
    if not extra:
        if event == report.event and schema_id == report.schema_id:
            return report
        if not report.findings:
            return _validate._clean(report.spec, report.call, event, schema_id)
    findings = {(f.path, f.category, f.message): f for f in (*report.findings, *extra)}
    ordered = sorted(findings.values(), key=_validate._order)
    return Report(
        spec=report.spec,
        call=report.call,
        event=event,
        schema_id=schema_id,
        errors=tuple(f for f in ordered if f.severity == "error"),
        warnings=tuple(f for f in ordered if f.severity == "warning"),
    )


_PLAN_QUICK = PLAN_QUICK


def _quick_plan(cat: Catalog) -> _QuickPlan | _QuickCommon:
    with cat._state.lock:
        found = cat._state.quick.get(_PLAN_QUICK)
        if found is None:
            found = _QuickPlan(cat)
            if cat.plan is not None and cat.plan.common is not None:
                found = _QuickCommon(found, cat)
            cat._state.quick[_PLAN_QUICK] = found
    return found


class _QuickCommon:
    """The plan's quick path with common.json: one more compiled predicate, on the
    whole message, for the calls it applies to (a plan without one pays nothing)."""

    def __init__(self, inner: _QuickPlan, cat: Catalog) -> None:
        plan = cat.plan
        assert plan is not None and plan.common is not None
        self.inner = inner
        self.check = _validate._compiled(cat, plan.common).check
        self.calls = plan.common_calls

    def __call__(self, payload: Any, strict: bool) -> Report | None:
        report = self.inner(payload, strict)
        if report is None or (report.call in self.calls and not self.check(payload)):
            return None
        return report


class _QuickPlan:
    """The common case of a plan's `validate`, in a few lookups: a call the bundled quick
    path finds clean, whose plan schema holds for its properties (or traits) and which
    sends no unplanned key. It answers with the shared clean report, or None, and then the
    full path decides (the tests hold both to one verdict)."""

    def __init__(self, cat: Catalog) -> None:
        plan = cat.plan
        assert plan is not None
        self.cat = cat
        family = cat.family(plan.spec)
        dialect = family.dialect
        self.bundled = _validate._quick(cat, plan.spec)
        self.type_field = dialect.type_field
        self.names = {"track": dialect.event_field, **dialect.name_fields}
        self.properties_field = dialect.properties_field
        self.traits_field = dialect.traits_field
        self.selector = tuple(plan.setting("version_selector").split("."))
        self.unplanned_events = plan.setting("unplanned_events") == "allow"
        self.semantic = family.events
        # what checking each planned call needs, made at its first payload (a plan of
        # hundreds of events compiles only those it meets)
        self.plan = plan
        self.family = family
        self.traits: dict[str, tuple[Any, ...]] = {}
        self.events: dict[tuple[str, Any], tuple[str, tuple[Any, ...]] | None] = {}

    def _entry(self, uri: str, unplanned: str, bundled_uri: str | None, call: str = "", event: str | None = None
               ) -> tuple[Any, ...]:
        declared, patterns, open_ = _declared(self.cat, uri, bundled_uri)
        watch = open_ and _severity(unplanned) is not None
        clean = _validate._clean(self.plan.spec, call, event, uri)  # the report of a clean planned call
        return (_validate._compiled(self.cat, uri).check, declared, watch and not patterns, watch and bool(patterns), uri,
                clean)

    def __call__(self, payload: Any, strict: bool) -> Report | None:
        if self.bundled is None:
            return None
        report = self.bundled(payload, False, None)
        if report is None:
            return None
        call = report.call
        if call in ("identify", "group"):
            entry = self.traits.get(call)
            if entry is None:
                uri = self.plan.traits.get(call)
                if uri is None:
                    return report
                with self.cat._state.lock:
                    entry = self.traits[call] = self._entry(uri, self.plan.setting("unplanned_traits", uri), None)
            value = payload.get(self.traits_field) if self.traits_field else None
            return report if self._holds(entry, value) else None
        field = self.names.get(call) if call is not None else None
        if field is None:
            return report
        name = payload.get(field)
        key = (call, name)
        planned = self.events.get(key, False) if type(name) is str else None
        if planned is False:
            planned = self._event(key)
        if planned is None:
            # unplanned: fine when the plan allows it and nothing else needs saying
            if self.unplanned_events and not strict and (call != "track" or name in self.semantic):
                return report
            return None
        selector = self.selector
        first = payload.get(selector[0])  # most calls have no context.protocols
        if first is not None and _dig(first, selector[1:]) is not _MISSING:
            return None  # a version asked for: the full path chooses it
        entry = planned[1]
        # _holds, inlined: this is every planned call's path
        value = payload.get(self.properties_field) if self.properties_field else None
        if value is None:
            value = {}
        elif type(value) is not dict:
            return None
        if not entry[0](value) or entry[3] or (entry[2] and not entry[1].issuperset(value)):
            return None
        return entry[5]

    def _event(self, key: tuple[str, str]) -> tuple[str, tuple[Any, ...]] | None:
        event = self.plan.named.get(key)
        found = None
        if event is not None:
            bundled_uri = self.family.events.get(event.name) if key[0] == "track" else None
            uri = self.plan.unversioned(event)
            setting = self.plan.setting("unplanned_properties", uri)
            found = (event.name, self._entry(uri, setting, bundled_uri, key[0], event.name))
        with self.cat._state.lock:
            if len(self.events) < 4096 or event is not None:  # unplanned names: remember a few
                self.events[key] = found
        return found

    @staticmethod
    def _holds(entry: tuple[Any, ...], value: Any) -> bool:
        check, declared, watch_names, watch_patterns = entry[0], entry[1], entry[2], entry[3]
        if value is None:
            value = {}
        elif type(value) is not dict:
            return False
        if not check(value):
            return False
        if watch_patterns:
            return False  # the full path matches undeclared keys against the patterns
        return not watch_names or declared.issuperset(value)


def _severity(setting: str) -> str | None:
    return {"warn": "warning", "error": "error"}.get(setting)


def _planned(
    cat: Catalog, item: dict[str, Any], call: str | None, family: Family, strict: bool, prefix: tuple[str | int, ...]
) -> tuple[list[Finding], str | None, str | None]:
    """One call's plan findings, and the plan event and file it was checked against."""
    plan = cat.plan
    assert plan is not None
    dialect = family.dialect
    kind = call if call is not None else item.get(dialect.type_field) if dialect.type_field else None
    if not isinstance(kind, str):
        return [], None, None
    if kind in ("identify", "group"):
        uri = plan.traits.get(kind)
        field = dialect.traits_field
        if uri is None or field is None:
            return [], None, None
        return _object_findings(cat, item, field, uri, prefix, plan.setting("unplanned_traits", uri), None), None, None
    name_field = dialect.event_field if kind == "track" else dialect.name_fields.get(kind)
    if name_field is None:
        return [], None, None
    raw = item.get(name_field)
    if not isinstance(raw, str):
        return [], None, None
    findings: list[Finding] = []
    planned = plan.named.get((kind, raw)) or plan.named.get((kind, raw.strip()))
    semantic = None
    if kind == "track":
        semantic = _semantic_name(cat, family, raw)
        if planned is None and semantic is not None:
            planned = plan.named.get((kind, semantic))
    parts = prefix + (name_field,)
    if planned is None:
        setting = plan.setting("unplanned_events")
        if kind == "track" and strict and semantic is None:
            setting = "error"
        severity = _severity(setting)
        if severity is not None:
            if semantic is not None:
                # a bundled event: a did-you-mean would name it (or a neighbour) for nothing
                said = (f"{raw!r} is a {family.name} semantic event"
                        + (f" ({semantic!r})" if semantic != raw else "")
                        + f" that the plan {plan.name!r} does not list")
            else:
                said = (f"{raw!r} is not a {kind} {'event' if kind == 'track' else 'name'} of the plan {plan.name!r}"
                        + _event_suggestion(cat, family, kind, raw))
            findings.append(
                Finding(
                    json_path(parts),
                    said,
                    "unplanned-event",
                    severity,  # type: ignore[arg-type]
                    parts=parts,
                )
            )
        return findings, None, None
    uri = default = plan.unversioned(planned)
    selector = plan.setting("version_selector")
    asked = _dig(item, selector.split("."))
    if asked is not _MISSING and asked is not None:
        model = _model(asked)
        if model is not None and model in planned.versions:
            uri = planned.versions[model]
        else:
            severity = _severity(plan.setting("unknown_version"))
            if severity is not None:
                where = prefix + tuple(selector.split("."))
                versions = ", ".join(str(v) for v in sorted(planned.versions))
                findings.append(
                    Finding(
                        json_path(where),
                        f"{planned.name!r} has no version {asked!r} in the plan (it has {versions}); "
                        f"checked against the {plan.setting('unversioned')}",
                        "unknown-version",
                        severity,  # type: ignore[arg-type]
                        schema_id=default,
                        parts=where,
                    )
                )
    field = dialect.properties_field
    if field is None:
        return findings, planned.name, uri
    bundled_uri = family.events.get(semantic) if semantic is not None else None
    findings.extend(
        _object_findings(cat, item, field, uri, prefix, plan.setting("unplanned_properties", uri), bundled_uri)
    )
    return findings, planned.name, uri


_MISSING = object()


def _common_findings(cat: Catalog, message: Any, call: str | None, prefix: tuple[str | int, ...]) -> list[Finding]:
    """common.json's findings on one call (a whole message), at the message's paths."""
    plan = cat.plan
    assert plan is not None and plan.common is not None
    if call not in plan.common_calls:
        return []
    uri = plan.common
    return [f if f.schema_id is not None else _with_schema(f, uri)
            for f in _schema_findings(cat, uri, message, prefix)]


def _common_item(
    cat: Catalog, item: dict[str, Any], call: Any, shared: Any, prefix: tuple[str | int, ...]
) -> list[Finding]:
    """common.json on a batch item, checked as its own call: a finding stands when it
    stands both for the item as sent and under the batch's context, as the bundled
    checks of an item do (the shared context can supply what the item's lacks)."""
    if not isinstance(call, str):
        return []
    findings = _common_findings(cat, item, call, prefix)
    if not findings or not isinstance(shared, dict):
        return findings
    own = item.get("context")
    applied = {**item, "context": _validate._merge(shared, own) if isinstance(own, dict)
               else (own if "context" in item and own is not None else shared)}
    under_shared = {(f.path, f.category, f.message) for f in _common_findings(cat, applied, call, prefix)}
    return [f for f in findings if (f.path, f.category, f.message) in under_shared]


def _dig(value: Any, path: Iterable[str]) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _model(asked: Any) -> int | None:
    if isinstance(asked, bool):
        return None
    if isinstance(asked, int):
        return asked
    if isinstance(asked, str):
        head = asked.strip().split("-")[0]
        if head.isdigit():
            return int(head)
    return None


def _semantic_name(cat: Catalog, family: Family, raw: str) -> str | None:
    name = raw.strip()
    if name in family.events:
        return name
    return _validate._event_index(cat, family.name).get(_validate._key(name)) if name else None


def _object_findings(
    cat: Catalog,
    item: dict[str, Any],
    field: str,
    uri: str,
    prefix: tuple[str | int, ...],
    unplanned: str,
    bundled_uri: str | None,
) -> list[Finding]:
    value = item.get(field, _MISSING)
    if value is _MISSING or value is None:
        value = {}  # what the plan requires is missing all the same
    if not isinstance(value, dict):
        return []  # the bundled schema says it is not an object
    where = prefix + (field,)
    findings = [
        f if f.schema_id is not None else _with_schema(f, uri)
        for f in _schema_findings(cat, uri, value, where)
    ]
    severity = _severity(unplanned)
    if severity is not None:
        declared, patterns, open_ = _declared(cat, uri, bundled_uri)
        if open_:
            for key in value:
                if not isinstance(key, str) or key in declared or any(p.search(key) for p in patterns):
                    continue
                parts = where + (key,)
                findings.append(
                    Finding(
                        json_path(parts),
                        f"{key!r} is not a planned {'trait' if field == 'traits' else 'property'} of this "
                        f"{'call' if field == 'traits' else 'event'}" + _did_you_mean(key, sorted(declared)),
                        "unplanned-property",
                        severity,  # type: ignore[arg-type]
                        schema_id=uri,
                        parts=parts,
                    )
                )
    return findings


def _with_schema(finding: Finding, uri: str) -> Finding:
    from dataclasses import replace

    return replace(finding, schema_id=uri)


def _schema_findings(cat: Catalog, uri: str, value: Any, prefix: tuple[str | int, ...]) -> list[Finding]:
    # the catalog's compiler: compiled checks for what it can compile exactly, jsonschema
    # for the rest; formats as the manifest says (_validate._compiler)

    return _validate._schema_findings(cat, uri, value, prefix)


def _declared(cat: Catalog, uri: str, bundled_uri: str | None) -> tuple[frozenset[str], tuple[re.Pattern[str], ...], bool]:
    """A plan schema's property names and patterns, and whether it leaves other keys to
    the unplanned setting (it does unless it says itself what other keys may be)."""

    def make() -> tuple[frozenset[str], tuple[re.Pattern[str], ...], bool]:
        names: set[str] = set()
        patterns: list[re.Pattern[str]] = []
        open_ = True
        for schema in _own_and_referenced(cat, uri):
            if not isinstance(schema, dict):
                continue
            names.update(k for k in schema.get("properties", {}) if isinstance(k, str))
            patterns.extend(re.compile(p) for p in schema.get("patternProperties", {}))
            if "additionalProperties" in schema or "unevaluatedProperties" in schema:
                open_ = False
        if bundled_uri is not None:
            names.update(_validate._declared_properties(cat, bundled_uri)[0])
        names.update(_common_declared(cat, uri))
        return frozenset(names), tuple(patterns), open_

    return cat.derived(("plan-declared", uri, bundled_uri), make)


def _common_declared(cat: Catalog, uri: str) -> set[str]:
    """The names common.json declares in the object a plan file describes (Avo's system
    properties, sent with every event): planned for every call common.json applies to."""
    plan = cat.plan
    if plan is None or plan.common is None:
        return set()
    traits = {u: c for c, u in plan.traits.items()}
    call = traits.get(uri) or plan.meta.get(uri, {}).get("call", "track")
    if call not in plan.common_calls:
        return set()
    dialect = cat.family(plan.spec).dialect
    field = dialect.traits_field if call in ("identify", "group") else dialect.properties_field
    names: set[str] = set()
    for schema in _own_and_referenced(cat, plan.common):
        inner = schema.get("properties", {}).get(field) if isinstance(schema.get("properties"), dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("properties"), dict):
            names.update(k for k in inner["properties"] if isinstance(k, str))
    return names


def _own_and_referenced(cat: Catalog, uri: str) -> Iterator[Any]:
    """The schema and every schema that applies to the same object: what its top level
    takes in by ``$ref`` and ``allOf``, and the branches of ``anyOf``, ``oneOf``,
    ``if``/``then``/``else`` and ``dependentSchemas`` (a property one branch declares is
    planned: the branches, not the unplanned setting, say when it may appear)."""
    seen: set[int] = set()
    todo: list[tuple[Any, str]] = [(cat.documents[uri], uri)]
    while todo:
        schema, base = todo.pop()
        if id(schema) in seen or not isinstance(schema, dict):
            continue
        seen.add(id(schema))
        yield schema
        if isinstance(schema.get("$ref"), str):
            resolved = cat.registry().resolver(base_uri=base).lookup(schema["$ref"])
            todo.append((resolved.contents, str(resolved.resolver._base_uri)))
        for keyword in ("allOf", "anyOf", "oneOf"):
            subs = schema.get(keyword)
            if isinstance(subs, list):
                todo.extend((sub, base) for sub in subs)
        for keyword in ("if", "then", "else"):
            if keyword in schema:
                todo.append((schema[keyword], base))
        if isinstance(schema.get("dependentSchemas"), dict):
            todo.extend((sub, base) for sub in schema["dependentSchemas"].values())


def _event_suggestion(cat: Catalog, family: Family, kind: str, raw: str) -> str:
    """The did-you-mean of an unplanned name, against the plan's names of that call and
    (for track) the family's semantic events; remembered per catalog for the names that
    come again and again in real traffic."""
    plan = cat.plan
    assert plan is not None

    def known() -> tuple[str, ...]:
        names = [n for (c, n) in plan.named if c == kind]
        return tuple(names + list(family.events) if kind == "track" else names)

    said = cat.derived(("suggested", kind), dict)
    found = said.get(raw)
    if found is None:
        found = _did_you_mean(raw, list(cat.derived(("known", kind), known)))
        if len(said) < 4096:
            said[raw] = found
    return found


def _did_you_mean(name: str, known: list[str]) -> str:
    if len(name) > 200:
        return ""  # no name of a plan is that long; difflib would take its time
    return _suggestion(name, tuple(known))


@lru_cache(maxsize=4096)
def _suggestion(name: str, known: tuple[str, ...]) -> str:
    """The closest known name, as " (did you mean ...?)"; remembered, since the same
    unplanned names come again and again in real traffic."""
    import difflib

    wanted = _validate._key(name)
    for candidate in known:
        if _validate._key(candidate) == wanted:
            return f" (did you mean {candidate!r}?)"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""
