"""``eventspec lint PLAN``: a plan's files checked against the rules in `RULES`.

Every rule has an id, a default severity and a one-line explanation (the table in
docs/plans-review.md is checked against `RULES`). A plan re-grades or switches off any
rule in its manifest: ``"lint": {"description": "off", "string-bounded": "warning"}``.
Rules marked ``off`` by default are opt-in (igluctl's bounds checks were too strict to
be on by default for Snowplow users, snowplow/iglu#381).

Lint reads the folder file by file (`eventspec._planfiles`), so a plan that does not
load still gets every finding, each at its file and JSON path.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

from ._findings import Finding, json_path
from ._planfiles import (
    CALLS,
    INNER,
    MANIFEST,
    PlanFile,
    PlanFolder,
    Refs,
    parse_version,
    subschemas,
    validator_class,
)

Level = Literal["error", "warning", "off"]


@dataclass(frozen=True)
class Rule:
    """A lint rule: its id (the finding's category), default severity and what it checks."""

    id: str
    severity: Level
    summary: str


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


#: Every lint rule, in the order docs/plans-review.md lists them.
RULES: dict[str, Rule] = _rules(
    # errors: a plan that breaks these does not load, or checks something other than meant
    Rule("manifest-valid", "error", "the manifest is a JSON object with a name, a bundled spec family that names events, and known settings"),
    Rule("schema-valid", "error", "the file is JSON and valid against the metaschema its $schema names (2020-12 when none), formats checked"),
    Rule("metadata-valid", "error", "an event file has x-eventspec with a call of the family, a name, and a SchemaVer version (if it gives one); common.json's calls are calls of the family"),
    Rule("plan-layout", "error", "files under events/ are events/<slug>/<MODEL>.json and under traits/ identify.json or group.json"),
    Rule("root-object", "error", "an event or traits schema describes an object (the properties or traits of the call), common.json the whole message"),
    Rule("required-exists", "error", "every name in required is declared in properties at the same level"),
    Rule("min-le-max", "error", "lower bounds are at most the upper bounds (numbers, lengths, item and property counts)"),
    Rule("keyword-type-agrees", "error", "type-specific keywords, enum and const values agree with the schema's type"),
    Rule("path-matches-version", "error", "an event file is named after its MODEL: events/<slug>/2.json holds version 2-x-y"),
    Rule("version-starts-at-1", "error", "an event's MODEL versions start at 1"),
    Rule("version-gap", "error", "an event's MODEL versions have no gaps"),
    Rule("duplicate-event", "error", "one folder per event and one event per folder, one traits file per call"),
    Rule("ref-resolves", "error", "every $ref resolves, offline, to a plan file or a bundled schema"),
    Rule("version-bump", "error", "with --base: an event's version bump is at least what its largest change needs (SchemaVer)"),
    Rule("plan-loads", "error", "eventspec.load_plan reads the plan (reported when no other error in the file says why not)"),
    # warnings: the plan loads, but probably not as meant
    Rule("unknown-format", "warning", "format is one JSON Schema 2020-12 defines (date-time, email, uri, ...)"),
    Rule("description", "warning", "every event, traits file, common.json, shared definition and property has a description"),
    Rule("event-name-unique", "warning", "no two event names are equal when case, spaces, _ and - are ignored"),
    Rule("event-name-casing", "warning", "event names follow one casing convention (the manifest's naming.event if set)"),
    Rule("property-name-casing", "warning", "property names follow one casing convention (the manifest's naming.property if set)"),
    Rule("property-conflict", "warning", "one property name has one type across the plan's events"),
    Rule("bundled-collision", "warning", "a plan event does not near-miss a bundled semantic event or redefine one of its properties incompatibly"),
    # opt-in
    Rule("string-bounded", "off", "a string has maxLength, enum, const or a format"),
    Rule("numeric-bounded", "off", "a number has both a lower and an upper bound, or enum or const"),
)

_LEVELS = ("error", "warning", "off")
_SETTINGS = ("allow", "warn", "error")

#: The formats JSON Schema 2020-12 defines (section 7.3 of its validation vocabulary).
FORMATS = frozenset({
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template",
    "json-pointer", "relative-json-pointer", "regex",
})

_TYPE_KEYWORDS = {
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "string": ("minLength", "maxLength", "pattern"),
    "array": ("items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems",
              "contains", "minContains", "maxContains", "unevaluatedItems"),
    "object": ("properties", "required", "additionalProperties", "patternProperties", "minProperties",
               "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas", "unevaluatedProperties"),
}
_BOUNDS = (
    ("minimum", "maximum", False), ("exclusiveMinimum", "exclusiveMaximum", True),
    ("minimum", "exclusiveMaximum", True), ("exclusiveMinimum", "maximum", True),
    ("minLength", "maxLength", False), ("minItems", "maxItems", False),
    ("minProperties", "maxProperties", False), ("minContains", "maxContains", False),
)

#: Casing conventions a manifest's ``naming`` may name, each with the names it accepts.
CONVENTIONS: dict[str, re.Pattern[str]] = {
    # short function words may stay lower case, as in the bundled "Product Added to Wishlist"
    "Title Case": re.compile(r"^[A-Z0-9][A-Za-z0-9']*( ([A-Z0-9][A-Za-z0-9']*|a|an|and|as|at|by|for|from|in|into"
                             r"|of|on|or|per|the|to|via|with))*$"),
    "Sentence case": re.compile(r"^[A-Z0-9][A-Za-z0-9']*( [a-z0-9][a-z0-9']*)*$"),
    "lower case": re.compile(r"^[a-z0-9][a-z0-9']*( [a-z0-9][a-z0-9']*)*$"),
    "snake_case": re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"),
    "SCREAMING_SNAKE_CASE": re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"),
    "camelCase": re.compile(r"^[a-z][a-zA-Z0-9]*$"),
    "PascalCase": re.compile(r"^[A-Z][a-zA-Z0-9]*$"),
    "kebab-case": re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"),
}

_SEPARATORS = re.compile(r"[\s_\-]+")


def name_key(name: str) -> str:
    """A name with case, spaces, ``_`` and ``-`` ignored: ``Order Completed`` -> ``ordercompleted``."""
    return _SEPARATORS.sub("", name).casefold()


@dataclass(frozen=True)
class Issue:
    """What a check found, before the manifest decides its severity."""

    relative: str
    rule: str
    parts: tuple[str | int, ...]
    message: str
    keyword: str | None = None


@dataclass(frozen=True)
class LintResult:
    """Lint's verdict: each file's findings (every file is listed, clean or not)."""

    plan: PlanFolder
    files: dict[str, tuple[Finding, ...]]

    @property
    def errors(self) -> list[Finding]:
        return [f for found in self.files.values() for f in found if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for found in self.files.values() for f in found if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def severities(plan: PlanFolder) -> tuple[dict[str, Level], list[Issue]]:
    """Each rule's severity for this plan, and the manifest's mistakes in saying so."""
    levels: dict[str, Level] = {rule.id: rule.severity for rule in RULES.values()}
    issues = []
    settings = plan.manifest.get("lint", {})
    if not isinstance(settings, dict):
        return levels, [Issue(MANIFEST, "manifest-valid", ("lint",), "lint must be an object of rule id -> error | warning | off")]
    for rule, level in settings.items():
        if rule not in RULES:
            hint = difflib.get_close_matches(rule, list(RULES), n=1)
            issues.append(Issue(MANIFEST, "manifest-valid", ("lint", rule), f"no lint rule is called {rule!r}"
                                + (f" (did you mean {hint[0]!r}?)" if hint else "")))
        elif level not in _LEVELS:
            issues.append(Issue(MANIFEST, "manifest-valid", ("lint", rule),
                                f"{rule}: {level!r} is not a severity; use error, warning or off"))
        else:
            levels[rule] = level
    return levels, issues


def lint(plan: PlanFolder, base: PlanFolder | None = None) -> LintResult:
    """Check every file of a plan; with ``base`` (the plan before a change), also the bumps.

    Returns:
        A `LintResult` listing every file of the plan with its findings, whose category
        is the rule id and whose severity is the manifest's (or the rule's default).
    """
    levels, issues = severities(plan)
    refs = Refs(plan)
    issues += _manifest(plan)
    for entry in plan.files.values():
        issues += _file(plan, entry, refs)
    issues += _versions(plan)
    issues += _names(plan)
    issues += _property_conflicts(plan, refs)
    issues += _bundled(plan)
    if base is not None:
        from ._diff import bump_issues

        issues += bump_issues(base, plan)
    if not any(levels[i.rule] == "error" for i in issues):
        issues += _loads(plan)
    found: dict[str, list[Finding]] = {relative: [] for relative in plan.files}
    seen = set()
    for issue in issues:
        level = levels[issue.rule]
        key = (issue.relative, issue.rule, issue.parts, issue.message)
        if level == "off" or key in seen:
            continue
        seen.add(key)
        found.setdefault(issue.relative, []).append(
            Finding(json_path(issue.parts), issue.message, issue.rule, level, issue.keyword, parts=issue.parts)
        )
    return LintResult(plan, {
        relative: tuple(sorted(items, key=lambda f: (f.severity != "error", str(f.parts), f.category)))
        for relative, items in found.items()
    })


def _loads(plan: PlanFolder) -> list[Issue]:
    """What `eventspec.load_plan` says, when lint found no error that explains it: lint
    passing means the plan loads."""
    from pathlib import Path

    from . import PlanError, load_plan

    try:
        load_plan(plan.root)
    except RecursionError:
        return [Issue(MANIFEST, "plan-loads", (), "the loader ran out of stack on a deeply nested file")]
    except PlanError as error:
        try:
            relative = Path(error.file).resolve().relative_to(plan.root.resolve()).as_posix()
        except ValueError:
            relative = MANIFEST
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in error.pointer.split("/")[1:]]
        parts = tuple(int(t) if t.isdigit() else t for t in tokens)
        return [Issue(relative if relative in plan.files else MANIFEST, "plan-loads", parts, error.problem)]
    return []


# --- the manifest ------------------------------------------------------------------


_MANIFEST_KEYS = ("name", "spec", "description", "naming", "lint", "$schema", "unplanned_events",
                  "unplanned_properties", "unplanned_traits", "unknown_version", "version_selector", "unversioned",
                  "formats")


def _manifest(plan: PlanFolder) -> Iterator[Issue]:
    from . import BUNDLED

    entry = plan.files.get(MANIFEST)
    if entry is None:
        return
    if entry.problem is not None:
        yield Issue(MANIFEST, "manifest-valid", (), entry.problem)
        return
    manifest = entry.document
    if not isinstance(manifest, dict):
        yield Issue(MANIFEST, "manifest-valid", (), "the manifest must be a JSON object")
        return
    for key in manifest:
        if key not in _MANIFEST_KEYS:
            hint = difflib.get_close_matches(key, _MANIFEST_KEYS, n=1)
            yield Issue(MANIFEST, "manifest-valid", (key,), f"unknown setting {key!r}"
                        + (f" (did you mean {hint[0]!r}?)" if hint else f"; known: {', '.join(_MANIFEST_KEYS)}"))
    name = manifest.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        yield Issue(MANIFEST, "manifest-valid", ("name",),
                    f"name must be a plan name of letters, digits, '.', '_' and '-' (found {name!r})")
    spec = manifest.get("spec", "cdp")
    if spec not in BUNDLED.families():
        yield Issue(MANIFEST, "manifest-valid", ("spec",),
                    f"spec {spec!r} is not a bundled family; use one of {', '.join(BUNDLED.families())}")
    elif BUNDLED.family(spec).dialect.event_field is None:
        yield Issue(MANIFEST, "manifest-valid", ("spec",), f"{spec} names no events, so a plan cannot extend it")
    for key in ("unplanned_events", "unplanned_properties", "unplanned_traits", "unknown_version"):
        if key in manifest and manifest[key] not in _SETTINGS:
            yield Issue(MANIFEST, "manifest-valid", (key,), f"{key} must be allow, warn or error (found {manifest[key]!r})")
    if manifest.get("formats", "assert") not in ("assert", "annotate"):
        yield Issue(MANIFEST, "manifest-valid", ("formats",), f"formats must be assert or annotate (found {manifest['formats']!r})")
    if manifest.get("unversioned", "newest") not in ("newest", "oldest"):
        yield Issue(MANIFEST, "manifest-valid", ("unversioned",),
                    f"unversioned must be newest or oldest (found {manifest['unversioned']!r})")
    selector = manifest.get("version_selector", "context.protocols.event_version")
    if not isinstance(selector, str) or not selector:
        yield Issue(MANIFEST, "manifest-valid", ("version_selector",),
                    "version_selector must be a dotted path such as context.protocols.event_version")
    naming = manifest.get("naming", {})
    if not isinstance(naming, dict):
        yield Issue(MANIFEST, "manifest-valid", ("naming",), "naming must be an object: {\"event\": ..., \"property\": ...}")
        return
    for key, convention in naming.items():
        if key not in ("event", "property"):
            yield Issue(MANIFEST, "manifest-valid", ("naming", key), f"naming has no setting {key!r}; use event or property")
        elif convention not in CONVENTIONS and convention != "mixed":
            yield Issue(MANIFEST, "manifest-valid", ("naming", key),
                        f"{convention!r} is not a casing convention; use one of {', '.join(CONVENTIONS)} (or mixed)")


# --- one file ----------------------------------------------------------------------


def _file(plan: PlanFolder, entry: PlanFile, refs: Refs) -> Iterator[Issue]:
    kind = entry.kind
    if kind == "manifest":
        return
    if not entry.placed:
        yield Issue(entry.relative, "plan-layout", (),
                    "an event file is events/<slug>/<MODEL>.json (MODEL 1, 2, ...)" if kind == "event"
                    else "a traits file is traits/identify.json or traits/group.json")
    if entry.problem is not None:
        yield Issue(entry.relative, "schema-valid", (), entry.problem)
        return
    yield from _schema_valid(entry)
    if kind == "event":
        yield from _metadata(plan, entry)
    if kind == "common":
        yield from _common_metadata(plan, entry)
    if kind in ("event", "traits", "common"):
        yield from _root_object(entry)
        if kind == "traits" and entry.placed and entry.meta.get("call", entry.call) != entry.call:
            yield Issue(entry.relative, "metadata-valid", ("x-eventspec", "call"),
                        f"a file at {entry.relative} holds {entry.call} traits, not {entry.meta.get('call')!r}")
    yield from _nodes(entry, refs)
    yield from _descriptions(entry)
    for parts, ref, base in refs.refs(entry):
        resolved = refs.resolve(base, ref)
        if isinstance(resolved, str):
            yield Issue(entry.relative, "ref-resolves", parts, resolved, "$ref")


def _schema_valid(entry: PlanFile) -> Iterator[Issue]:
    """The metaschema check the loader makes: the same class, formats checked (so a
    pattern must be a regex), and the same first error."""
    schema = entry.document
    if not isinstance(schema, (dict, bool)):
        yield Issue(entry.relative, "schema-valid", (), "a schema file must hold a JSON object (or a boolean)")
        return
    cls = validator_class(schema)
    if cls is None:
        yield Issue(entry.relative, "schema-valid", ("$schema",),
                    f"unknown metaschema {schema['$schema']!r}; use "  # type: ignore[index]
                    "https://json-schema.org/draft/2020-12/schema", "$schema")
        return
    meta = cls(cls.META_SCHEMA, format_checker=cls.FORMAT_CHECKER)
    errors = sorted(meta.iter_errors(schema), key=lambda e: [str(p) for p in e.path])
    if errors:
        error = errors[0]
        yield Issue(entry.relative, "schema-valid", tuple(error.absolute_path),
                    f"not a valid schema: {error.message}", str(error.validator))


def _metadata(plan: PlanFolder, entry: PlanFile) -> Iterator[Issue]:
    from . import BUNDLED

    document = entry.document
    where = ("x-eventspec",)
    if not isinstance(document, dict) or not isinstance(document.get("x-eventspec"), dict):
        yield Issue(entry.relative, "metadata-valid", (),
                    "an event file needs an x-eventspec object (its call, event name and version)")
        return
    meta = document["x-eventspec"]
    call = meta.get("call", "track")
    spec = plan.manifest.get("spec", "cdp")
    family = BUNDLED.family(spec) if spec in BUNDLED.families() else None
    named = ("track", *(family.dialect.name_fields if family is not None else ("page", "screen")))
    allowed = [c for c in ("track", "page", "screen") if c in named and (family is None or c in family.calls)]
    if call not in allowed:
        yield Issue(entry.relative, "metadata-valid", where + ("call",),
                    f"an event file's call is {' or '.join(allowed)} for {spec} (found {call!r})")
    event = meta.get("event", document.get("title"))
    if not isinstance(event, str) or not event.strip():
        yield Issue(entry.relative, "metadata-valid", where + ("event",),
                    "the event's name is missing: x-eventspec.event (or the title)")
    elif event != event.strip():
        yield Issue(entry.relative, "metadata-valid", where + ("event",),
                    f"the event name {event!r} has leading or trailing whitespace, which servers trim")
    version = meta.get("version")
    parsed = parse_version(version)
    if "version" in meta and parsed is None:
        yield Issue(entry.relative, "metadata-valid", where + ("version",),
                    f"version must be SchemaVer MODEL-REVISION-ADDITION such as 1-0-0 (found {version!r})")
    for key in ("unplanned_properties", "unplanned_traits"):
        if key in meta and meta[key] not in _SETTINGS:
            yield Issue(entry.relative, "metadata-valid", where + (key,), f"{key} must be allow, warn or error")
    if "labels" in meta and not (isinstance(meta["labels"], dict) and all(isinstance(v, str) for v in meta["labels"].values())):
        yield Issue(entry.relative, "metadata-valid", where + ("labels",), "labels must be an object of strings")
    if "owners" in meta and not (isinstance(meta["owners"], list) and all(isinstance(v, str) for v in meta["owners"])):
        yield Issue(entry.relative, "metadata-valid", where + ("owners",), "owners must be a list of strings")
    if entry.model is not None and parsed is not None and parsed[0] != entry.model:
        yield Issue(entry.relative, "path-matches-version", where + ("version",),
                    f"version {version} is MODEL {parsed[0]}, but the file is {entry.model}.json: "
                    "a new MODEL is a new file beside the old one")


def _common_metadata(plan: PlanFolder, entry: PlanFile) -> Iterator[Issue]:
    from . import BUNDLED

    document = entry.document
    if not isinstance(document, dict) or "x-eventspec" not in document:
        return
    meta = document["x-eventspec"]
    if not isinstance(meta, dict):
        yield Issue(entry.relative, "metadata-valid", ("x-eventspec",), "x-eventspec must be an object")
        return
    spec = plan.manifest.get("spec", "cdp")
    family = BUNDLED.family(spec) if spec in BUNDLED.families() else None
    every = [c for c in family.calls if c != family.dialect.batch_call] if family is not None else list(CALLS)
    calls = meta.get("calls", every)
    if not isinstance(calls, list) or not calls or len(set(map(str, calls))) != len(calls) or any(c not in every for c in calls):
        yield Issue(entry.relative, "metadata-valid", ("x-eventspec", "calls"),
                    f"calls must be a list of distinct calls of {spec} ({', '.join(every)}); found {calls!r}")
    version = meta.get("version")
    if "version" in meta and parse_version(version) is None:
        yield Issue(entry.relative, "metadata-valid", ("x-eventspec", "version"),
                    f"version must be SchemaVer MODEL-REVISION-ADDITION such as 1-0-0 (found {version!r})")


def _types(node: dict[str, Any]) -> set[str] | None:
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        return set(declared)
    return None


def _root_object(entry: PlanFile) -> Iterator[Issue]:
    schema = entry.document
    if schema is False:
        yield Issue(entry.relative, "root-object", (), "the schema is false: no call could ever pass")
    elif isinstance(schema, dict):
        types = _types(schema)
        if types is not None and "object" not in types:
            inner = "whole message" if entry.kind == "common" else INNER.get(entry.call or "track", "properties")
            yield Issue(entry.relative, "root-object", ("type",),
                        f"the schema describes the call's {inner}, an object; its type is {sorted(types)}", "type")


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _matches_type(value: Any, name: str) -> bool:
    if name == "integer":
        return _is_number(value) and float(value).is_integer()
    return {
        "number": _is_number(value),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }.get(name, False)


def _nodes(entry: PlanFile, refs: Refs) -> Iterator[Issue]:
    relative = entry.relative
    for parts, node in subschemas(entry.document):
        if not isinstance(node, dict):
            continue
        types = _types(node)
        for low, high, strict in _BOUNDS:
            a, b = node.get(low), node.get(high)
            if _is_number(a) and _is_number(b) and (a >= b if strict else a > b):
                yield Issue(relative, "min-le-max", parts + (low,),
                            f"{low} {a} is {'not below' if strict else 'above'} {high} {b}: no value can pass", low)
        if types is not None:
            allowed = set(types) | ({"number"} if "integer" in types else set())
            for kind, keywords in _TYPE_KEYWORDS.items():
                if kind in allowed:
                    continue
                for keyword in keywords:
                    if keyword in node:
                        yield Issue(relative, "keyword-type-agrees", parts + (keyword,),
                                    f"{keyword} constrains {kind}s, but the type is {_say(types)}: it never applies", keyword)
            values = [("const", node["const"])] if "const" in node else []
            if isinstance(node.get("enum"), list):
                values += [("enum", v) for v in node["enum"]]
            for keyword, value in values:
                if not any(_matches_type(value, t) for t in types):
                    yield Issue(relative, "keyword-type-agrees", parts + (keyword,),
                                f"{keyword} value {value!r} is not {_say(types)}: it can never pass", keyword)
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in FORMATS:
            hint = difflib.get_close_matches(fmt, sorted(FORMATS), n=1)
            yield Issue(relative, "unknown-format", parts + ("format",),
                        f"format {fmt!r} is not one JSON Schema defines, so nothing checks it"
                        + (f" (did you mean {hint[0]!r}?)" if hint else ""), "format")
        bounded = "enum" in node or "const" in node
        if types and types - {"null"} == {"string"} and not bounded and "maxLength" not in node and fmt not in FORMATS:
            yield Issue(relative, "string-bounded", parts,
                        "a string without maxLength, enum, const or a known format accepts anything up to the size limit", "type")
        if types and types - {"null"} and types - {"null"} <= {"number", "integer"} and not bounded:
            missing = [side for side, keys in (("lower", ("minimum", "exclusiveMinimum")), ("upper", ("maximum", "exclusiveMaximum")))
                       if not any(k in node for k in keys)]
            if missing:
                yield Issue(relative, "numeric-bounded", parts,
                            f"a number without a{'n' if missing[0] == 'upper' else ''} {' or '.join(missing)} bound", "type")
    yield from _required_exists(entry, refs)


def _say(types: Iterable[str]) -> str:
    names = sorted(types)
    return names[0] if len(names) == 1 else "one of " + ", ".join(names)


# required-exists works on levels: the schemas that apply to one instance location (a
# node and what it applies in place: allOf, anyOf, oneOf, if/then/else, dependentSchemas
# and $ref targets). A name required anywhere in a level must be declared somewhere in it.
_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("if", "then", "else")
_CHILD_MAPS = ("properties", "patternProperties", "$defs", "definitions")
_CHILD_ONE = ("additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems",
              "contains", "propertyNames", "items")


def _level(node: Any, parts: tuple[str | int, ...], refs: Refs, base: str) -> tuple[list[tuple[tuple[str | int, ...] | None, dict[str, Any]]], bool]:
    """The nodes applying in place at one location, and whether its names are all known."""
    found: list[tuple[tuple[str | int, ...] | None, dict[str, Any]]] = []
    known = True
    stack: list[tuple[tuple[str | int, ...] | None, Any, str, int]] = [(parts, node, base, 0)]
    while stack:
        where, current, current_base, depth = stack.pop()
        if not isinstance(current, dict):
            continue
        found.append((where, current))
        if "patternProperties" in current or "$dynamicRef" in current or "$recursiveRef" in current:
            known = False
        for key in _IN_PLACE_LISTS:
            if isinstance(current.get(key), list):
                for index, sub in enumerate(current[key]):
                    stack.append((where + (key, index) if where is not None else None, sub, current_base, depth))
        for key in _IN_PLACE_ONE:
            if key in current:
                stack.append((where + (key,) if where is not None else None, current[key], current_base, depth))
        if isinstance(current.get("dependentSchemas"), dict):
            for name, sub in current["dependentSchemas"].items():
                stack.append((where + ("dependentSchemas", name) if where is not None else None, sub, current_base, depth))
        ref = current.get("$ref")
        if isinstance(ref, str):
            resolved = refs.resolve(current_base, ref) if depth < 16 else "too deep"
            if isinstance(resolved, str):
                known = False
            else:
                stack.append((None, resolved[1], resolved[0], depth + 1))
    return found, known


def _required_exists(entry: PlanFile, refs: Refs) -> Iterator[Issue]:
    base = refs.base(entry)
    roots: list[tuple[tuple[str | int, ...], Any, bool]] = [((), entry.document, False)]
    while roots:
        parts, node, negated = roots.pop()
        level, known = _level(node, parts, refs, base)
        declared: set[str] = set()
        for _, member in level:
            if isinstance(member.get("properties"), dict):
                declared.update(member["properties"])
        for where, member in level:
            if where is None:
                continue
            required = member.get("required")
            if known and not negated and isinstance(required, list):
                for index, name in enumerate(required):
                    if isinstance(name, str) and name not in declared:
                        hint = difflib.get_close_matches(name, sorted(declared), n=1)
                        yield Issue(entry.relative, "required-exists", where + ("required", index),
                                    f"{name!r} is required but not declared in properties"
                                    + (f" (did you mean {hint[0]!r}?)" if hint else ""), "required")
            for key in _CHILD_MAPS:
                if isinstance(member.get(key), dict):
                    for name, sub in member[key].items():
                        roots.append((where + (key, name), sub, negated))
            for key in _CHILD_ONE:
                if isinstance(member.get(key), (dict, bool)):
                    roots.append((where + (key,), member[key], negated))
            for key in ("prefixItems", "items"):
                if isinstance(member.get(key), list):
                    for index, sub in enumerate(member[key]):
                        roots.append((where + (key, index), sub, negated))
            if "not" in member:
                roots.append((where + ("not",), member["not"], True))


def _descriptions(entry: PlanFile) -> Iterator[Issue]:
    schema = entry.document
    if not isinstance(schema, dict):
        return
    what = {"event": f"the event {entry.label}", "traits": f"the {entry.label} schema",
            "common": "the common rule"}.get(entry.kind, "this shared definition")
    if not _described(schema):
        yield Issue(entry.relative, "description", (), f"{what} has no description")
    for parts, node in subschemas(schema):
        if entry.kind == "common" and (len(parts) < 4 or parts[:2] not in (("properties", "properties"), ("properties", "traits"))):
            continue  # the envelope's fields (context, userId, ...): the bundled spec describes them
        if len(parts) >= 2 and parts[-2] == "properties" and isinstance(node, dict) and not _described(node):
            if set(node) <= {"$ref", "$comment"}:
                continue  # the definition it points at carries the description
            yield Issue(entry.relative, "description", parts, f"the property {parts[-1]!r} has no description")


def _described(node: dict[str, Any]) -> bool:
    text = node.get("description")
    return isinstance(text, str) and bool(text.strip())


# --- across files ------------------------------------------------------------------


def _versions(plan: PlanFolder) -> Iterator[Issue]:
    by_slug: dict[str, list[PlanFile]] = defaultdict(list)
    for entry in plan.of_kind("event"):
        by_slug[entry.slug or ""].append(entry)
    for slug, entries in by_slug.items():
        models = sorted((e.model, e) for e in entries if e.model is not None)
        if not models:
            continue
        if models[0][0] != 1:
            yield Issue(models[0][1].relative, "version-starts-at-1", (),
                        f"the first MODEL of events/{slug} is {models[0][0]}.json, not 1.json")
        for (previous, _), (model, entry) in zip(models, models[1:]):
            if model > previous + 1:
                missing = ", ".join(f"{m}.json" for m in range(previous + 1, model))
                yield Issue(entry.relative, "version-gap", (), f"events/{slug} has no {missing} between {previous}.json and {model}.json")
        names = {(e.call, e.event) for _, e in models if e.call}
        if len(names) > 1:
            for _, entry in models[1:]:
                if (entry.call, entry.event) != (models[0][1].call, models[0][1].event):
                    yield Issue(entry.relative, "duplicate-event", ("x-eventspec", "event"),
                                f"events/{slug} holds {models[0][1].label} in {models[0][1].relative.rsplit('/', 1)[1]}; "
                                f"one folder is one event (a renamed event is a new folder)")
    owners: dict[tuple[str | None, str | None], str] = {}
    for entry in plan.of_kind("event", "traits"):
        if entry.call is None:
            continue
        key = (entry.call, entry.event)
        home = entry.slug or entry.relative
        first = owners.setdefault(key, home)
        if first != home:
            yield Issue(entry.relative, "duplicate-event", ("x-eventspec",),
                        f"{entry.label} is already defined in {'events/' + first if entry.kind == 'event' else first}")


def _convention_of(names: list[str], declared: str | None) -> tuple[str | None, Callable[[str], bool]]:
    """The convention names must follow (the manifest's, else the most common one), or
    None when there is nothing to say (one convention already fits every name)."""
    if declared == "mixed":
        return None, lambda name: True
    if declared in CONVENTIONS:
        pattern = CONVENTIONS[declared]  # type: ignore[index]
        return declared, lambda name: bool(pattern.match(name))
    counts = Counter(c for name in names for c, p in CONVENTIONS.items() if p.match(name))
    if not counts or counts.most_common(1)[0][1] == len(names):
        return None, lambda name: True
    order = list(CONVENTIONS)
    best = max(counts, key=lambda c: (counts[c], -order.index(c)))
    pattern = CONVENTIONS[best]
    return best, lambda name: bool(pattern.match(name))


def _names(plan: PlanFolder) -> Iterator[Issue]:
    naming = plan.manifest.get("naming") if isinstance(plan.manifest.get("naming"), dict) else {}
    events = [e for e in plan.of_kind("event") if e.event]
    # event-name-unique: one key, several spellings, within one call
    spellings: dict[tuple[str | None, str], dict[str, PlanFile]] = defaultdict(dict)
    for entry in events:
        spellings[(entry.call, name_key(entry.event or ""))].setdefault(entry.event or "", entry)
    for by_name in spellings.values():
        if len(by_name) > 1:
            first, *others = sorted(by_name)
            for name in others:
                yield Issue(by_name[name].relative, "event-name-unique", ("x-eventspec", "event"),
                            f"{name!r} and {first!r} differ only in case or separators; analytics tools treat them "
                            "as two events: keep one")
    # casing: one convention per plan
    names = sorted({e.event for e in events if e.event})
    declared = naming.get("event") if isinstance(naming, dict) else None
    convention, fits = _convention_of(names, declared)
    if convention is not None:
        share = sum(fits(n) for n in names)
        for entry in events:
            if entry.event and not fits(entry.event):
                how = "the manifest's naming.event" if declared == convention else f"{share} of {len(names)} event names"
                yield Issue(entry.relative, "event-name-casing", ("x-eventspec", "event"),
                            f"{entry.event!r} is not {convention} ({how})")
    properties: dict[str, list[tuple[PlanFile, tuple[str | int, ...]]]] = defaultdict(list)
    for entry in plan.of_kind("event", "traits", "property"):
        for parts, _ in subschemas(entry.document):
            if len(parts) >= 2 and parts[-2] == "properties" and isinstance(parts[-1], str):
                properties[parts[-1]].append((entry, parts))
    declared = naming.get("property") if isinstance(naming, dict) else None
    convention, fits = _convention_of(sorted(properties), declared)
    if convention is not None:
        share = sum(fits(n) for n in properties)
        for name, places in sorted(properties.items()):
            if fits(name):
                continue
            how = "the manifest's naming.property" if declared == convention else f"{share} of {len(properties)} property names"
            for entry, parts in places:
                yield Issue(entry.relative, "property-name-casing", parts, f"{name!r} is not {convention} ({how})")


def _type_of(node: Any, refs: Refs, base: str, depth: int = 0) -> frozenset[str] | None:
    """A property's declared types without null (null-ness is not a conflict), through $ref."""
    if not isinstance(node, dict) or depth > 8:
        return None
    types = _types(node)
    if types is None and isinstance(node.get("$ref"), str):
        resolved = refs.resolve(base, node["$ref"])
        return None if isinstance(resolved, str) else _type_of(resolved[1], refs, resolved[0], depth + 1)
    return frozenset(types - {"null"}) if types and types - {"null"} else None


def _property_conflicts(plan: PlanFolder, refs: Refs) -> Iterator[Issue]:
    seen: dict[str, list[tuple[PlanFile, frozenset[str]]]] = defaultdict(list)
    for entry in plan.of_kind("event", "traits"):
        if entry.problem or not isinstance(entry.document, dict) or not isinstance(entry.document.get("properties"), dict):
            continue
        for name, node in entry.document["properties"].items():
            types = _type_of(node, refs, refs.base(entry))
            if types is not None:
                seen[name].append((entry, types))
    for name, uses in sorted(seen.items()):
        counts = Counter(types for _, types in uses)
        if len(counts) < 2:
            continue
        common, _ = counts.most_common(1)[0]
        where = sorted({e.label for e, t in uses if t == common})
        for entry, types in uses:
            if types != common:
                yield Issue(entry.relative, "property-conflict", ("properties", name),
                            f"{name!r} is {_say(types)} here but {_say(common)} in {', '.join(where[:3])}"
                            + (f" and {len(where) - 3} more" if len(where) > 3 else "")
                            + f"; define it once in properties/{name}.json and $ref it")


def _bundled(plan: PlanFolder) -> Iterator[Issue]:
    from . import events, families, schema

    spec = plan.manifest.get("spec", "cdp")
    if spec not in families():
        return
    bundled = events(spec)
    by_key = {name_key(name): name for name in bundled}
    for entry in plan.of_kind("event"):
        name = entry.event
        if entry.call != "track" or not name:
            continue
        if name not in bundled:
            meant = by_key.get(name_key(name)) or next(iter(difflib.get_close_matches(name, bundled, n=1, cutoff=0.85)), None)
            if meant:
                yield Issue(entry.relative, "bundled-collision", ("x-eventspec", "event"),
                            f"{name!r} is a near miss of the bundled {spec} event {meant!r}: destinations match "
                            f"names exactly; name it {meant!r} (the plan then adds to the bundled spec) or rename it clearly")
            continue
        document = entry.document
        declared = document.get("properties") if isinstance(document, dict) else None
        theirs = schema(spec, name).get("properties", {}).get(INNER["track"], {}).get("properties", {})
        if not isinstance(declared, dict) or not isinstance(theirs, dict):
            continue
        for prop, node in declared.items():
            mine, other = _widened(node), _widened(theirs.get(prop))
            if mine is not None and other is not None and not mine & other:
                yield Issue(entry.relative, "bundled-collision", ("properties", prop, "type"),
                            f"{prop!r} is {_say(mine)} here, but the bundled {name!r} needs {_say(other)}: "
                            "both apply, so no value passes", "type")


def _widened(node: Any) -> set[str] | None:
    types = _types(node) if isinstance(node, dict) else None
    if types is None:
        return None
    return types | ({"integer"} if "number" in types else set())


__all__ = ["CALLS", "CONVENTIONS", "FORMATS", "RULES", "LintResult", "Rule", "lint", "name_key", "severities"]
