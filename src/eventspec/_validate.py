"""Dispatch: which schema a payload is checked against, and the checks schemas cannot say.

A payload goes to its family's call schema by its type field; a track call whose event
name has a spec of its own goes to that event's schema instead (which includes the
track schema). Names that differ from a spec'd one only in case, spaces, underscores
or hyphens are validated as that event with a warning; a name one typo away gets a
warning only (see `eventspec._names`). Size limits (the API's and the official Python
clients'), values JSON cannot carry (NaN anywhere) and the vendors' soft rules
(metadata types, whitespace in names) are checked here.
"""

from __future__ import annotations

import json
import marshal
import math
import re
import sys
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, NamedTuple, Protocol

from . import _names as names
from ._catalog import Catalog, Dialect, bundled
from ._findings import (
    Finding,
    Report,
    Severity,
    UnknownCall,
    UnknownFamily,
    json_path,
    key_text,
)
from ._messages import digits, found, translated

_key = names.key


def _event_index(cat: Catalog, family: str) -> dict[str, str]:
    """Normalised name -> canonical event name, for near-miss matching."""

    def make() -> dict[str, str]:
        record = cat.family(family)
        index = {_key(name): name for name in record.events}
        for alias, canonical in record.dialect.event_aliases.items():
            index[_key(alias)] = canonical
        return index

    return cat.derived(("event-index", family), make)


def _event_guesser(cat: Catalog, family: str) -> names.Guesser:
    """The semantic events a misspelt event name of ``family`` may mean."""

    def make() -> names.Guesser:
        record = cat.family(family)
        return names.Guesser([*((name, name) for name in record.events), *record.dialect.event_aliases.items()])

    return cat.derived(("event-guesser", family), make)


def _compiler(cat: Catalog) -> Any:
    """The catalog's `Compiler`: its generated checks, report plans and remembered
    strings live as long as the catalog does. A plan whose manifest keeps formats as
    annotations has its own files compiled without format checks."""
    found = cat._state.memo.get("compiler")  # made once: every full report looks it up
    if found is not None:
        return found

    def make() -> Any:
        from ._compile import Compiler

        annotated: frozenset[str] = frozenset()
        if cat.plan is not None and cat.base is not None and cat.plan.setting("formats") != "assert":
            annotated = frozenset(cat.documents) - frozenset(cat.base.documents)
        return Compiler(cat.documents, format_annotation=annotated)

    return cat.derived("compiler", make)


def _validator(cat: Catalog, uri: str) -> Any:
    """jsonschema's check and report for one schema of the catalog (a `Compiled`): what
    the compiler falls back to for a schema it cannot compile."""
    return _compiler(cat).fallback(uri)


def _compiled(cat: Catalog, uri: str) -> Any:
    """The compiled check and report (a `Compiled`) of one schema, once per catalog."""
    return _compiler(cat).compile(uri)


def _fast(cat: Catalog, uri: str) -> Any:
    """The compiled fast-path predicate for one schema, built once per catalog."""
    return _compiled(cat, uri).check


def _schema_findings(cat: Catalog, uri: str, payload: Any, prefix: tuple[str | int, ...]) -> list[Finding]:
    """Findings of one schema: none when the fast path says valid, else the full report.

    A payload here has mostly failed the predicate already (in the quick path), so a
    compiled schema's report is asked straight away: it is empty exactly when the
    predicate holds (the tests hold the two to it), and running the predicate again
    would cost as much as the report of a valid payload. jsonschema's report (a schema
    the compiler left to it) costs far more than its verdict: that one is asked first.
    """
    compiled = _compiled(cat, uri)
    if not compiled.native and compiled.check(payload):
        return []
    errors = compiled.report(payload)
    if not errors:
        return []
    return translated(errors, prefix)


_BUNDLED: list[Catalog] = []  # the bundled catalog, once loaded: one list lookup per call


def _bundled() -> Catalog:
    if not _BUNDLED:
        _BUNDLED.append(bundled())
    return _BUNDLED[0]


def validate(
    payload: Any, spec: str = "cdp", strict: bool = False, call: str | None = None
) -> Report:
    """Check one payload against a bundled spec and report every finding.

    Arguments:
        payload: the call as a parsed JSON object (a ``dict``); it is never modified.
        spec: the spec family: ``"cdp"``, ``"customerio-event"``, ``"retainpixel"`` or
            ``"userpilot"``.
        strict: make a track event name that matches no semantic spec an error.
        call: the call the payload was posted as (``"track"``, ``"batch"``, ...), for
            bodies sent to a per-call endpoint that leave out their type field.

    Returns:
        A `Report`: ``report.ok`` is true when there are no errors.

    Raises:
        UnknownFamily: ``spec`` is not a bundled family (a ``ValueError``).
        UnknownCall: ``call`` is not a call of that family (a ``ValueError``).

    >>> validate({"type": "track", "event": "Order Completed", "userId": "u1",
    ...           "properties": {"total": "12.50"}}).errors[0].path
    '$.properties.total'
    """
    cat = _BUNDLED[0] if _BUNDLED else _bundled()
    if call is None and type(spec) is str:
        return validate_parsed(payload, spec, strict, None, cat)
    return _validate(cat, payload, spec, strict, call)


def validate_in(cat: Catalog, payload: Any, spec: str, strict: bool, call: str | None) -> Report:
    """`validate` against one catalog's families (what `Catalog.validate` does without a plan)."""
    if call is None and type(spec) is str:
        return validate_parsed(payload, spec, strict, None, cat)
    return _validate(cat, payload, spec, strict, call)


def validate_parsed(
    payload: Any, spec: str, strict: bool, bound: int | None, cat: Catalog | None = None
) -> Report:
    """`validate` without a ``call``, the quick path first; for ``eventspec check``,
    a payload parsed from JSON text.

    ``bound``, when given, is an upper bound of the payload's size as compact JSON, and
    vouches that it holds JSON values only (as orjson parses them): the quick path then
    needs no serialization of its own to check the size limit.
    """
    if cat is None:
        cat = _BUNDLED[0] if _BUNDLED else _bundled()
    quick = cat._state.quick.get(spec) or _quick(cat, spec)
    if quick is not None:
        report = quick(payload, strict, bound, True)
        if report is not None:
            return report
    return _validate(cat, payload, spec, strict, None)


def _validate(cat: Catalog, payload: Any, spec: str, strict: bool, call: str | None) -> Report:
    """`validate` without the quick path: every check, every finding."""
    record = cat._families.get(spec) if isinstance(spec, str) else None
    if record is None:
        raise UnknownFamily(spec, tuple(cat._families))
    if call is not None:
        calls = record.calls
        if not isinstance(call, str) or call not in calls:
            raise UnknownCall(spec, call, tuple(calls))
    try:
        return _check(cat, payload, spec, record.dialect, strict, call)
    except RecursionError:
        return _too_deep(spec)


def _too_deep(spec: str) -> Report:
    return Report(
        spec=spec,
        errors=(
            Finding("$", "the payload is nested too deeply to check", "not-json"),
        ),
    )


class _QuickCheck(Protocol):
    """A family's quick check: the shared clean report, or None for the full path to
    decide; with ``full``, also an invalid payload's full report where it can give it."""

    def __call__(self, payload: Any, strict: bool, bound: int | None = None, full: bool = False) -> Report | None:
        ...


class _Entry(NamedTuple):
    check: Callable[[Any], bool]  # the compiled predicate
    declared: _Declared | None  # a semantic event's property names
    report: Report  # the clean report
    errors: Callable[[Any], list[Any]]  # the schema's errors (its `Compiled` report)


def _quick_path(cat: Catalog, spec: str) -> _QuickCheck:
    """The common case of `validate` for one family, answered in a few dictionary lookups.

    It returns the report `validate` would (the shared clean one) when the payload is a
    plain dict naming a known call, or a track call with a canonical event name or a name
    that is plainly custom, that passes the compiled predicate, sends only declared or
    unrelated property names, and is well inside the size limit. For anything else it
    returns None and the full path decides, so both paths give one verdict (the tests
    hold them to it). It is built at the family's first payload.
    """
    family = cat.family(spec)
    dialect = family.dialect
    type_field, event_field = dialect.type_field, dialect.event_field
    # orjson's import costs more than a first validation: an application that has not
    # imported it checks its first payloads with the marshal bound (the verdict is the
    # same) and takes orjson on once it checks payloads by the thousand.
    dumps = _orjson_dumps() if "orjson" in sys.modules else None
    options = _ORJSON_OPTIONS
    before_orjson = 0 if dumps is not None else _BEFORE_ORJSON
    calls = {name: uri for name, uri in family.calls.items() if name != dialect.batch_call}
    events = family.events
    limit = dialect.call_limit
    small = (limit or 0) // _ORJSON_BOUND  # orjson's output up to this size is within the limit
    metadata = dialect.metadata_types
    # call name, or event name for a semantic track call -> what checking it needs
    by_call: dict[str, _Entry] = {}
    by_event: dict[str, _Entry] = {}
    plain_names: set[str] = set()  # custom event names _semantic has nothing to say about

    def entry(name: str, event: str | None) -> _Entry:
        uri = events[event] if event is not None else calls[name]
        compiled = _compiled(cat, uri)
        found = _Entry(compiled.check, _declared_properties(cat, uri) if event is not None else None,
                       _clean(spec, name, event, uri), compiled.report)
        (by_event if event is not None else by_call)[event or name] = found
        return found

    def rejected(payload: dict[str, Any], strict: bool, found: _Entry) -> Report | None:
        """`_validate`'s report on a payload dispatched to ``found`` whose predicate
        failed: `_call_report`'s work, from what the entry holds. A payload that came so
        far is a plain dict naming a known call, with a canonical event name or a custom
        one that needs no finding, so `_one` would find what the quick path found; but
        for an event named by a str subclass (the quick path takes it for no name, `_one`
        for a name): None, and the full path decides."""
        clean = found.report
        event, uri = clean.event, clean.schema_id or ""
        if event_field is not None and clean.call == "track":
            raw = payload.get(event_field)
            if isinstance(raw, str) and type(raw) is not str:
                return None
        try:
            # the report straight away: the predicate has just failed (`_schema_findings`
            # asks a schema left to jsonschema for its verdict first, which would fail too)
            errors = found.errors(payload)
            findings = translated(errors, ()) if errors else []
            declared = found.declared
            if declared is not None:  # `_property_near_misses`, its names at hand
                properties = payload.get("properties")
                if isinstance(properties, dict) and not declared.names.issuperset(properties):
                    findings.extend(_undeclared(cat, properties, declared, spec, event or "", uri, strict, ()))
            if metadata:
                findings.extend(_metadata_types(payload, ()))
            size = _sizes(payload, dialect, False)
            if size:
                findings.extend(size)
            return _report(spec, clean.call, event, uri, findings)
        except RecursionError:
            return _too_deep(spec)

    def quick(payload: Any, strict: bool, bound: int | None = None, full: bool = False) -> Report | None:
        nonlocal dumps, before_orjson, options
        if before_orjson:
            before_orjson -= 1
            if not before_orjson:
                dumps = _orjson_dumps()
                options = _ORJSON_OPTIONS
        if type(payload) is not dict:
            return None
        if type_field is None:
            name = "event"
        else:
            declared_call = payload.get(type_field)
            if type(declared_call) is not str or declared_call not in calls:
                return None
            name = declared_call
        if event_field is not None and name == "track":
            raw = payload.get(event_field)
            found = by_event.get(raw) if type(raw) is str else None
            if found is None and type(raw) is str and raw in events:
                found = entry(name, raw)
            elif found is None:
                if type(raw) is str and raw not in plain_names:
                    if strict:
                        return None  # an unknown name is an error in strict mode
                    meant, said = _semantic(cat, payload, spec, event_field, False, ())
                    if meant is not None or said:
                        return None  # a near miss or stray whitespace: warnings to give
                    if len(plain_names) < _PLAIN_NAMES:
                        plain_names.add(raw)
                elif strict and type(raw) is str:
                    return None
                found = by_call.get(name) or entry(name, None)
        else:
            found = by_call.get(name) or entry(name, None)
        if not found.check(payload):
            if not full:
                return None
            return rejected(payload, strict, found)  # invalid: the full report, without dispatching it again
        declared = found.declared
        if declared is not None:
            properties = payload.get("properties")
            if type(properties) is dict:
                if not declared.names.issuperset(properties) and next(
                    _undeclared(cat, properties, declared, spec, found.report.event or "", found.report.schema_id or "", strict, ()), None
                ) is not None:
                    return None  # a near miss of a declared name: a warning to give
        if metadata and next(_metadata_types(payload, ()), None) is not None:
            return None
        if bound is not None:  # JSON values only, as orjson parsed them: no NaN among them
            if limit is None or _CLIENT_PER_COMPACT * bound <= limit:
                return found.report
        if dumps is not None:
            try:
                out = dumps(payload, None, options)
            except TypeError:  # a value orjson will not write: marshal decides
                pass
            else:
                # orjson writes NaN and infinity as null: when every null it wrote is a
                # None at the top (the clients send unset ids so), none of them was one
                nulls = out.count(_NULL) if bound is None else 0
                if not nulls or (nulls == 1 and None in payload.values()) or nulls == list(payload.values()).count(None):
                    if limit is None or (len(out) <= small and _DEL not in out):
                        return found.report
                    return found.report if _client_bound(out) <= limit else None
        try:
            data = marshal.dumps(payload, 2)
        except ValueError:  # a value marshal will not write (Decimal, datetime, a subclass)
            return None
        if bound is None and _may_hold_non_finite(data) and _has_non_finite(payload):
            return None
        if limit is not None and _MARSHAL_BOUND * len(data) > limit:
            return None
        return found.report

    return quick


def _orjson_dumps() -> Callable[..., bytes] | None:
    """orjson's dumps when the fast extra is installed, else None."""
    global _ORJSON_OPTIONS
    try:
        import orjson
    except ImportError:
        return None
    # datetimes, dataclasses and subclasses of str, int, dict and list go to the
    # marshal bound (orjson would write them; json and marshal would not, or not alike)
    _ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
    return orjson.dumps


_ORJSON_OPTIONS = 0
# orjson's dumps for the full path's size bound, once orjson is loaded (None when it
# cannot be imported). Unlike the quick path, the full path never imports it itself.
_SIZE_DUMPS: list[Callable[..., bytes] | None] = []


def _size_dumps() -> Callable[..., bytes] | None:
    if "orjson" not in sys.modules:
        return None
    _SIZE_DUMPS.append(_orjson_dumps())
    return _SIZE_DUMPS[0]

_BEFORE_ORJSON = 1000  # payloads a family checks before importing orjson
_PLAIN_NAMES = 4096  # custom event names remembered per family (they are few in practice)


def _quick(cat: Catalog, spec: str) -> _QuickCheck | None:
    """The catalog's quick check for one family, built at the family's first payload."""
    if spec not in cat._families:
        return None
    with cat._state.lock:
        check = cat._state.quick.get(spec)
        if check is None:
            cat._state.quick[spec] = check = _quick_path(cat, spec)
    return check


def _check(cat: Catalog, payload: Any, spec: str, dialect: Dialect, strict: bool, call: str | None) -> Report:
    if not isinstance(payload, dict):
        return Report(spec=spec, errors=(_not_an_object(payload, ()),))
    findings: list[Finding] = []
    if dialect.batch_call is not None and (call == dialect.batch_call or (call is None and _looks_like_batch(payload, dialect))):
        uri = cat.family(spec).calls[dialect.batch_call]
        items = payload.get(dialect.batch_call)
        items = items if isinstance(items, list) else []
        not_objects = {(dialect.batch_call, i) for i, item in enumerate(items) if not isinstance(item, dict)}
        for finding in _schema_findings(cat, uri, payload, ()):
            # the batch schema says "type" of a non-object item; say it as for a payload
            if finding.parts in not_objects and finding.keyword == "type":
                finding = _not_an_object(items[finding.parts[1]], finding.parts)
            findings.append(finding)
        shared = payload.get("context")
        quick = cat._state.quick.get(spec) or _quick(cat, spec)
        for index, item in enumerate(items):
            if isinstance(item, dict) and (quick is None or quick(item, strict, None) is None):
                findings.extend(_item(cat, item, shared, spec, dialect, strict, (dialect.batch_call, index)))
        findings.extend(_sizes(payload, dialect, batch=True))
        return _report(spec, dialect.batch_call, None, uri, findings)
    report = _one(cat, payload, spec, dialect, strict, call, ())
    return report


def _item(
    cat: Catalog, item: dict[str, Any], shared: Any, spec: str, dialect: Dialect, strict: bool, prefix: tuple[str | int, ...]
) -> tuple[Finding, ...]:
    """A batch item's findings, with the batch-level context applied to it (RULINGS 6).

    A finding stands when it stands both for the item as sent and for the item under
    the batch's context: what the shared context supplies (a device token) is not
    missing, and what is wrong in the shared context is reported once, at $.context.
    """
    findings = _one(cat, item, spec, dialect, strict, None, prefix).findings
    if not findings or not isinstance(shared, dict):
        return findings
    own = item.get("context")
    applied = {**item, "context": _merge(shared, own) if isinstance(own, dict) else (own if "context" in item and own is not None else shared)}
    under_shared = {(f.path, f.category, f.message) for f in _one(cat, applied, spec, dialect, strict, None, prefix).findings}
    # The size limit is on the item as sent, whatever the batch's context adds to it.
    return tuple(
        f for f in findings if f.category in _SIZES or (f.path, f.category, f.message) in under_shared
    )


_SIZES = ("size-limit", "client-size-limit")


def _merge(shared: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    merged = dict(shared)
    for key, value in own.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def _looks_like_batch(payload: dict[str, Any], dialect: Dialect) -> bool:
    # a batch request carries its calls in a field named for the batch call, and no type
    return dialect.batch_call in payload and (dialect.type_field is None or payload.get(dialect.type_field) is None)


def _one(
    cat: Catalog,
    payload: dict[str, Any],
    spec: str,
    dialect: Dialect,
    strict: bool,
    call: str | None,
    prefix: tuple[str | int, ...],
) -> Report:
    """Validate one call (a whole payload, or one batch item below ``prefix``)."""
    family = cat.family(spec)
    findings: list[Finding] = []
    name = call
    if dialect.type_field is None:
        name = "event"
    elif name is None:
        declared = payload.get(dialect.type_field)
        if declared is None and (dialect.nullable_type or dialect.type_field not in payload):
            findings.append(
                Finding(
                    json_path(prefix + (dialect.type_field,)),
                    f"{dialect.type_field!r} is required to tell which call this is: set it to one of "
                    + ", ".join(sorted(family.calls.keys() - {dialect.batch_call}))
                    + ("" if prefix or not dialect.nullable_type else ", or name the call (call=...)"),
                    "unknown-call",
                    parts=prefix + (dialect.type_field,),
                )
            )
        elif isinstance(declared, str) and declared in family.calls and declared != dialect.batch_call:
            name = declared
        else:
            known = sorted(family.calls.keys() - {dialect.batch_call})
            findings.append(
                Finding(
                    json_path(prefix + (dialect.type_field,)),
                    f"expected one of {', '.join(map(repr, known))}; found {found(declared)}"
                    + _did_you_mean(declared, known),
                    "unknown-call",
                    keyword="enum",
                    parts=prefix + (dialect.type_field,),
                )
            )
    if name is None:
        # Without a call the payload's own fields can still be checked.
        findings.extend(
            f
            for f in _schema_findings(cat, dialect.base, payload, prefix)
            if f.parts[len(prefix) : len(prefix) + 1] != (dialect.type_field,)
        )
        findings.extend(_sizes(payload, dialect, batch=False, prefix=prefix))
        return _report(spec, None, None, None, findings)

    uri = family.calls[name]
    event = None
    if name == "track" and dialect.event_field:
        event, event_findings = _semantic(cat, payload, spec, dialect.event_field, strict, prefix)
        if event_findings:
            findings.extend(event_findings)
        if event is not None:
            uri = family.events[event]
    return _call_report(cat, payload, spec, dialect, strict, call, prefix, name, event, uri, findings)


def _call_report(
    cat: Catalog,
    payload: dict[str, Any],
    spec: str,
    dialect: Dialect,
    strict: bool,
    call: str | None,
    prefix: tuple[str | int, ...],
    name: str,
    event: str | None,
    uri: str,
    findings: list[Finding],
) -> Report:
    """The rest of `_one` once the call (and event) is known: the schema's findings, the
    property names, the metadata and the size; ``findings`` holds the name's."""
    schema_findings = _schema_findings(cat, uri, payload, prefix)
    type_field = dialect.type_field
    declared = payload.get(type_field) if call is not None and type_field else None
    if type_field and declared is not None and declared != call:
        # The schema says "not one of ['track']"; say what actually went wrong.
        where = prefix + (type_field,)
        schema_findings = [f for f in schema_findings if f.parts != where]
        findings.append(
            Finding(
                json_path(where),
                f"the payload was named a {call} call, but its {type_field} is {found(declared)}",
                "unknown-call",
                keyword="const",
                parts=where,
            )
        )
    if schema_findings:
        findings.extend(schema_findings)
    if event is not None:
        near = _property_near_misses(cat, payload, spec, event, uri, strict, prefix)
        if near:
            findings.extend(near)
    if dialect.metadata_types:
        findings.extend(_metadata_types(payload, prefix))
    size = _sizes(payload, dialect, batch=False, prefix=prefix)
    if size:
        findings.extend(size)
    return _report(spec, name, event, uri, findings)


def _semantic(
    cat: Catalog, payload: dict[str, Any], spec: str, field: str, strict: bool, prefix: tuple[str | int, ...]
) -> tuple[str | None, list[Finding]]:
    """The semantic event a track call names, if any, and the findings about its name."""
    raw = payload.get(field)
    if not isinstance(raw, str):
        return None, []  # missing or mistyped: the track schema reports it
    events = cat.family(spec).events
    if raw in events:  # the common case: a canonical name, nothing to say
        return raw, []
    parts = prefix + (field,)
    findings = []
    name = raw.strip()
    if name != raw:
        findings.append(
            Finding(
                json_path(parts),
                f"the event name {raw!r} has leading or trailing whitespace; the server trims it "
                f"to {name!r}, so it will not match what you expect"
                if name
                else f"the event name {raw!r} is only whitespace; the server trims it to nothing",
                "event-whitespace",
                "warning",
                parts=parts,
            )
        )
    if name in events:
        return name, findings
    canonical = _event_index(cat, spec).get(_key(name)) if name else None
    if canonical is not None:
        findings.append(
            Finding(
                json_path(parts),
                f"{raw!r} is not the canonical spelling of {canonical!r}; validated as "
                f"{canonical!r}, but destinations match the exact name",
                "near-miss",
                "warning",
                schema_id=events[canonical],
                parts=parts,
            )
        )
        return canonical, findings
    meant = _event_guesser(cat, spec)(name) if name else ()
    if strict and name:
        # a typo is an unknown event like any other here, and its message says which was meant
        findings.append(
            Finding(
                json_path(parts),
                f"{raw!r} matches no semantic event of {spec} (strict mode)"
                + (f" (did you mean {names.either(meant)}?)" if meant else _did_you_mean(name, list(events))),
                "unknown-event",
                parts=parts,
            )
        )
    elif meant:
        # Only a warning, and the payload stays a custom event: a typo is a guess, and a
        # custom event one letter from a spec'd one (Card Viewed, Cart Viewed) must not
        # get the spec'd event's errors.
        findings.append(
            Finding(
                json_path(parts),
                f"{raw!r} is not a semantic event of {spec}: did you mean {names.either(meant)}? "
                "It was validated as a custom event, and destinations map only the exact spec'd name",
                "near-miss",
                "warning",
                schema_id=events[meant[0]] if len(meant) == 1 else None,
                parts=parts,
            )
        )
    return None, findings


def _property_near_misses(
    cat: Catalog, payload: dict[str, Any], spec: str, event: str, uri: str, strict: bool, prefix: tuple[str | int, ...]
) -> list[Finding]:
    properties = payload.get("properties")
    if not isinstance(properties, dict):
        return []
    declared = _declared_properties(cat, uri)
    if declared.names.issuperset(properties):
        return []
    return list(_undeclared(cat, properties, declared, spec, event, uri, strict, prefix))


def _undeclared(
    cat: Catalog,
    properties: dict[Any, Any],
    declared: _Declared,
    spec: str,
    event: str,
    uri: str,
    strict: bool,
    prefix: tuple[str | int, ...],
) -> Iterator[Finding]:
    """Near-miss findings for the undeclared property names that look like declared ones.

    Sending a declared property under another name loses it: its value is not checked,
    and destinations do not map it. A warning, and in strict mode an error.
    """
    aliases = cat.family(spec).dialect.property_aliases.get(event, {})
    severity: Severity = "error" if strict else "warning"
    for name in properties:
        if not isinstance(name, str) or name in declared.names:
            continue
        meant = aliases.get(name)
        if meant is None:  # a spelling variant of a declared name, unless that is sent too
            meant = declared.by_key.get(_key(name))
            if meant in properties:
                meant = None
        if meant is not None:
            message = f"{name!r} is not a property of {event}; the spec names it {meant!r}"
        else:  # a typo of one, unless that is sent too
            guesses = tuple(g for g in declared.guess(name) if g not in properties)
            if not guesses:
                continue
            message = f"{name!r} is not a property of {event}; did you mean {names.either(guesses)}?"
        parts = prefix + ("properties", name)
        yield Finding(json_path(parts), message, "near-miss", severity, schema_id=uri, parts=parts)


class _Declared(NamedTuple):
    """A semantic event's declared property names, for near-miss matching."""

    names: frozenset[str]
    by_key: dict[str, str]  # each by its spelling-blind key
    guess: names.Guesser  # the declared names an undeclared one may be a typo of


def _declared_properties(cat: Catalog, uri: str) -> _Declared:
    """An event's declared property names, and each by its normalised spelling."""

    def make() -> _Declared:
        schema = cat.documents[uri]
        declared = frozenset(schema.get("properties", {}).get("properties", {}).get("properties", {}))
        return _Declared(declared, {_key(name): name for name in declared},
                         names.Guesser((name, name) for name in declared))

    return cat.derived(("declared", uri), make)


def _metadata_types(payload: dict[str, Any], prefix: tuple[str | int, ...]) -> Iterator[Finding]:
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict):
        return
    for key, value in metadata.items():
        if isinstance(value, str) or (
            isinstance(value, (int, float)) and not isinstance(value, bool)
        ):
            continue
        parts = prefix + ("metadata", _json_key(key))
        yield Finding(
            json_path(parts),
            f"Userpilot supports String, Numeric and Date (ISO 8601 string) metadata values; "
            f"found {found(value)}, which may be mapped wrongly",
            "metadata-type",
            "warning",
            parts=parts,
        )


# Two measures of a call's size. The API's rule (RULINGS 7) is on compact UTF-8 JSON.
# The official Python clients serialize with json.dumps' defaults (", " and ": "
# separators, non-ASCII written as \uXXXX escapes) and refuse, before sending, any call
# over the same 32 KB by that measure: a "client-size-limit" warning when a call is
# under the one and over the other. The client measure is never smaller than the
# compact one, so a bound on it bounds both.
#
# Neither is serialized for a payload that is plainly small. The client measure never
# takes more than 7 bytes per byte of marshal format 2 (the worst case is a list of
# false: 1 byte there, "false, " here), and format 2 writes no back-references, so a
# payload repeating one object many times is counted in full; tests/test_fast_path.py
# holds the bound. Only a payload near the limit pays for an exact serialization.
_MARSHAL_BOUND = 7

# With orjson installed (the fast extra), its output bounds the client measure more
# cheaply: at most 3 bytes per byte (a 2-byte UTF-8 character becomes a 6-byte \uXXXX
# escape, a separator gains a space, a float is written as Python writes it or one
# byte longer), except that DEL (0x7f), one byte there, is a 6-byte escape for json.
# A given bound on the compact size bounds the client measure at 6 times it.
_ORJSON_BOUND = 3
_CLIENT_PER_COMPACT = 6
_DEL = 0x7F  # an int: `bytes in bytes` costs a raised and cleared TypeError, an int a memchr
_NULL = b"null"


def _client_bound(out: bytes) -> int:
    """An upper bound of the client measure, from orjson's serialization ``out``."""
    bound = _ORJSON_BOUND * len(out)
    if _DEL in out:
        bound += 3 * out.count(_DEL)  # (count takes the int as a byte)
    return bound


# A non-finite double in marshal format 2: the type code "g", then its 8 bytes little-
# endian, whose exponent bits are all set (0x7ff: the top byte 0x7f or 0xff, the next
# 0xf0 or more). Every NaN and infinity matches; a match elsewhere (inside a string, or
# across two values) is only a candidate, which an exact walk settles.
_NON_FINITE = re.compile(rb"g[\x00-\xff]{6}[\xf0-\xff][\x7f\xff]").search


def _may_hold_non_finite(data: bytes) -> bool:
    """Whether marshal format 2 bytes may hold a NaN or an infinity: the last byte of one
    is 0x7f or 0xff, which text rarely holds (two memchr calls), then the pattern."""
    return (_DEL in data or 0xFF in data) and _NON_FINITE(data) is not None


def _has_non_finite(value: Any) -> bool:
    """Whether a non-finite float is anywhere in a value marshal wrote (built-in types only)."""
    return next(_non_finite(value, ()), None) is not None


def _non_finite(value: Any, parts: tuple[str | int, ...]) -> Iterator[Finding]:
    """not-json findings for the NaNs and infinities in the built-in containers of ``value``."""
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            yield _not_finite(value, parts)
    elif kind is dict:
        for key, item in value.items():
            yield from _non_finite(item, parts + (_json_key(key),))
    elif kind is list or kind is tuple:
        for index, item in enumerate(value):
            yield from _non_finite(item, parts + (index,))
    elif kind is set or kind is frozenset:
        # the clients send a set as a list, so a NaN in one is as fatal; it has no index
        bad = next((item for item in value if type(item) is float and not math.isfinite(item)), None)
        if bad is not None:
            yield _not_finite(bad, parts)


def _not_finite(value: Any, parts: tuple[str | int, ...]) -> Finding:
    token = _token(value)
    return Finding(
        json_path(parts),
        f"found {token if isinstance(value, float) else _shown(value)}: JSON has no such number; "
        f"json.dumps (and so the official clients) writes the token {token}, which is not JSON, "
        "and the API rejects the whole request",
        "not-json",
        parts=parts,
    )


def _token(value: Any) -> str:
    """What json.dumps writes for a non-finite number (a Decimal or Enum member as the clients send it)."""
    import enum

    try:
        number = float(value.value if isinstance(value, enum.Enum) else value)
    except (TypeError, ValueError):  # a signaling NaN
        return "NaN"
    return "NaN" if number != number else "Infinity" if number > 0 else "-Infinity"


def _is_signaling(value: Any) -> bool:
    is_snan = getattr(value, "is_snan", None)
    return bool(callable(is_snan) and is_snan())


def _json_key(key: Any) -> str | int:
    """A dict key as a path part: as json.dumps writes it when it writes it itself."""
    if isinstance(key, str) or key is None or isinstance(key, (bool, float)):
        return key if isinstance(key, str) else json.dumps(key)
    if isinstance(key, int):
        return _int_text(key)
    return _shown(key)


def _int_text(value: int) -> str:
    """``str(value)``, or a description when it has more digits than Python writes."""
    try:
        return str(value)
    except ValueError:  # past sys.get_int_max_str_digits()
        return f"<an integer of {digits(value):,} digits>"


def _shown(value: Any) -> str:
    """``repr(value)``, even for a container holding an integer Python will not write."""
    try:
        return repr(value)
    except ValueError:
        return f"<a {type(value).__name__}>"


def _as_sent(value: Any) -> Any:
    """What the official clients send for a value json cannot encode itself, for the
    few they convert (their utils.clean: a Decimal as a float, an Enum member as its
    value, a UUID as its text), and what orjson writes for the same. Anything else is
    not JSON."""
    import enum

    if isinstance(value, enum.Enum):
        return value.value
    decimal = sys.modules.get("decimal")  # no Decimal exists unless the module is loaded
    if decimal is not None and isinstance(value, decimal.Decimal):
        return float(value)  # NaN for a NaN (ValueError for a signaling one): not JSON
    uuid = sys.modules.get("uuid")
    if uuid is not None and isinstance(value, uuid.UUID):
        return str(value)
    kind = type(value)
    if kind.__module__ == "orjson" and kind.__name__ == "Fragment":
        # JSON text orjson writes as it is, unread: counted as its bytes (a stand-in
        # that json writes in as many bytes)
        size = len(sys.modules["orjson"].dumps(value))
        return "a" * (size - 2) if size >= 2 else 0 if size else ""
    raise TypeError(f"{kind.__name__} is not JSON")


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_as_sent)
# what the official clients send: json.dumps' defaults (their encoder adds datetimes only)
_CLIENT = json.JSONEncoder(allow_nan=False, default=_as_sent)


def json_size(payload: Any) -> int | None:
    """The exact size in bytes of ``payload`` as compact UTF-8 JSON, or None if JSON cannot carry it.

    Decimals, Enum members and UUIDs count as the official clients send them (see `_as_sent`).
    """
    text = _encode(_COMPACT, payload)
    return None if text is None else len(text) if text.isascii() else len(text.encode())


def client_size(payload: Any) -> int | None:
    """The exact size in bytes of ``payload`` as the official Python clients serialize
    it (``json.dumps`` with its defaults), or None if JSON cannot carry it."""
    text = _encode(_CLIENT, payload)
    return None if text is None else len(text)  # ensure_ascii: one byte a character


def _encode(encoder: json.JSONEncoder, payload: Any) -> str | None:
    try:
        return encoder.encode(payload)
    except ValueError:
        pass  # NaN, a cycle, or an integer of more digits than Python writes
    except (TypeError, RecursionError):
        return None
    # An integer json refuses to write is still JSON; count it as its digits.
    counted = _long_ints_counted(payload)
    if counted is payload:
        return None
    try:
        return encoder.encode(counted)
    except (TypeError, ValueError, RecursionError):
        return None


def _long_ints_counted(value: Any) -> Any:
    """``value`` with each integer too long for ``str`` replaced by a string that JSON
    writes in as many bytes; ``value`` itself when it holds none."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            str(value)
        except ValueError:
            return "0" * (digits(value) + (value < 0) - 2)
        return value
    if isinstance(value, dict):
        items = {key: _long_ints_counted(item) for key, item in value.items()}
        return value if all(items[key] is item for key, item in value.items()) else items
    if isinstance(value, (list, tuple)):
        counted = [_long_ints_counted(item) for item in value]
        return value if all(a is b for a, b in zip(counted, value)) else counted
    return value


def _sizes(
    payload: dict[str, Any], dialect: Dialect, batch: bool, prefix: tuple[str | int, ...] = ()
) -> list[Finding]:
    """Size findings, and not-json errors for values JSON cannot carry.

    A batch request reports the values JSON cannot carry once, for the whole request
    (its items, ``prefix`` set, report none of them).
    """
    limit = dialect.batch_limit if batch else dialect.call_limit
    dumps = _SIZE_DUMPS[0] if _SIZE_DUMPS else _size_dumps()
    if dumps is not None:
        # orjson bounds the size at a tenth of marshal's cost, and by the quick path's
        # rule (there it makes the clean report): every null it wrote a None at the top,
        # so no NaN or infinity; anything else (a value orjson will not write, a null
        # unaccounted for, a payload near the limit) is decided below, as without it.
        try:
            out = dumps(payload, None, _ORJSON_OPTIONS)
        except TypeError:
            pass
        else:
            nulls = out.count(_NULL)
            if (not nulls or (nulls == 1 and None in payload.values()) or nulls == list(payload.values()).count(None)) \
                    and (limit is None or _client_bound(out) <= limit):
                return []
    try:
        data = marshal.dumps(payload, 2)
    except ValueError:  # a type marshal does not know (datetime, Decimal, a subclass)
        data = None
    if data is not None and (limit is None or _MARSHAL_BOUND * len(data) <= limit):
        # Plainly small. NaN and infinity are looked for as the quick path does: a set,
        # bytes or a complex number is found only where the payload is serialized.
        if prefix or not _may_hold_non_finite(data):
            return []
        return list(_non_finite(payload, prefix))
    size = json_size(payload)
    if size is None:
        return [] if prefix else list(_non_json(payload, prefix))
    if limit is None:
        return []
    what = "a batch request" if batch else ("a call in a batch" if prefix else "a call")
    if size > limit:
        return [
            Finding(
                json_path(prefix),
                f"{what} is limited to {limit:,} bytes of JSON; this one is {size:,} bytes. "
                "The API answers 200 and drops it",
                "size-limit",
                parts=prefix,
            )
        ]
    sent = client_size(payload) if not batch else None
    if sent is None or sent <= limit:
        return []
    return [
        Finding(
            json_path(prefix),
            f"{what} is {sent:,} bytes as the official Python clients serialize it (json.dumps "
            f"defaults: \", \" and \": \" separators, non-ASCII as \\uXXXX escapes), over their "
            f"{limit:,}-byte limit: they refuse to send it (track raises). The API measures compact "
            f"UTF-8 JSON: {size:,} bytes, within its limit",
            "client-size-limit",
            "warning",
            parts=prefix,
        )
    ]


def _non_json(value: Any, parts: tuple[str | int, ...]) -> Iterator[Finding]:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                # json turns int, float, bool and None keys into strings, as the clients do
                yield Finding(
                    json_path(parts),
                    f"object keys must be strings in JSON; found the key {_shown(key)}",
                    "not-json",
                    parts=parts,
                )
                continue
            yield from _non_json(item, parts + (_json_key(key),))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _non_json(item, parts + (index,))
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield _not_finite(value, parts)
    elif isinstance(value, (set, frozenset)):
        yield from _non_finite(value, parts)
        yield _not_json_value(value, parts)
    elif value is not None and not isinstance(value, (str, int, bool)):
        try:
            sent = _as_sent(value)
        except (TypeError, ValueError):
            pass
        else:
            if isinstance(sent, float) and not math.isfinite(sent):
                yield _not_finite(value, parts)  # a Decimal NaN, or one past a float's range
            else:
                yield from _non_json(sent, parts)
            return
        if _is_signaling(value):
            yield _not_finite(value, parts)
            return
        yield _not_json_value(value, parts)


def _not_json_value(value: Any, parts: tuple[str | int, ...]) -> Finding:
    return Finding(
        json_path(parts),
        f"found {found(value)}; serialize it (for example to an ISO 8601 string) first",
        "not-json",
        parts=parts,
    )


def _not_an_object(payload: Any, parts: tuple[str | int, ...]) -> Finding:
    hint = ""
    if isinstance(payload, (str, bytes)):
        hint = "; parse JSON text first (json.loads)"
    return Finding(
        json_path(parts), f"expected a JSON object; found {found(payload)}{hint}", "not-an-object",
        parts=parts,
    )


def _did_you_mean(value: Any, known: list[str]) -> str:
    if not isinstance(value, str):
        return ""
    import difflib

    lowered = {k.casefold(): k for k in known}
    if value.casefold() in lowered:
        return f" (did you mean {lowered[value.casefold()]!r}?)"
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _order(finding: Finding) -> tuple[Any, ...]:
    # Document order of paths (array indexes as numbers), then a fixed tie-break. A
    # key that is no string (None, a tuple) sorts as the path shows it.
    return (
        tuple((0, p) if type(p) is int else (1, p if isinstance(p, str) else key_text(p)) for p in finding.parts),
        finding.category,
        finding.message,
    )


@cache
def _clean(spec: str, call: str | None, event: str | None, uri: str | None) -> Report:
    # A report without findings is a value that depends on these four things only;
    # handing out the same one keeps the common valid case free of allocation.
    return Report(spec, call, event, uri)


def _report(
    spec: str, call: str | None, event: str | None, uri: str | None, findings: list[Finding]
) -> Report:
    if not findings:
        return _clean(spec, call, event, uri)
    if len(findings) == 1:  # the common case: nothing to merge, order or rule out
        one = (findings[0],)
        severity = one[0].severity
        return Report(spec, call, event, uri, one if severity == "error" else (),
                      one if severity == "warning" else ())
    unique = list({(f.path, f.category, f.message, f.severity): f for f in reversed(findings)}.values())
    unique.reverse()
    # A value of the wrong type is not also "not one of the allowed values": say it once.
    mistyped = {f.parts for f in unique if f.category == "type-mismatch"}
    unique = [f for f in unique if not (f.category == "enum-mismatch" and f.parts in mistyped)]
    unique.sort(key=_order)
    return Report(
        spec=spec,
        call=call,
        event=event,
        schema_id=uri,
        errors=tuple(f for f in unique if f.severity == "error"),
        warnings=tuple(f for f in unique if f.severity == "warning"),
    )
