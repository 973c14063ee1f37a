"""``eventspec import SOURCE INPUT -o PLAN``: a plan folder from another tool's export.

Files in, a plan folder out, nothing fetched. Every importer turns its source into
events (one schema of the call's properties or traits per MODEL), identify and group
traits, and shared definitions, and `PlanWriter` writes them in the layout
`eventspec.load_plan` reads. Vendor rules that describe a whole message (Segment,
RudderStack, Avo) are unwrapped to the inner object, rewritten to JSON Schema 2020-12
keyword by keyword (`eventspec._dialects`), and what a plan cannot hold is reported as a
note rather than dropped silently. docs/plans-import.md describes each input.

This module holds the writer and the Segment and Avo importers; RudderStack is in
`eventspec._rudderstack`, Iglu (both ways) in `eventspec._iglu`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._dialects import SCHEMA_2020_12, Untranslatable, dialect, to_2020_12
from ._planfiles import MANIFEST


class ImportFailed(ValueError):
    """The input is not what the importer reads (a usage error for the CLI)."""


@dataclass
class Written:
    """What an import wrote: relative paths, the number of event files, and notes."""

    files: list[str] = field(default_factory=list)
    events: int = 0
    notes: list[str] = field(default_factory=list)


def slugify(name: str) -> str:
    """``Course Started`` -> ``course-started``; a folder name for an event."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return slug or "event"


def plan_name(text: str | None, fallback: str) -> str:
    """A manifest name (letters, digits, '.', '_', '-') from a vendor's plan name."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", (text or "").strip()).strip("-._")
    return name or re.sub(r"[^A-Za-z0-9._-]+", "-", fallback).strip("-._") or "plan"


class PlanWriter:
    """Collects a plan's events, traits and shared definitions, then writes the folder."""

    def __init__(self, name: str, spec: str = "cdp", description: str | None = None) -> None:
        self.name, self.spec, self.description = name, spec, description
        self.events: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
        self.traits: dict[str, dict[str, Any]] = {}
        self.common: dict[str, Any] | None = None
        self.shared: dict[str, Any] = {}
        self.settings: dict[str, Any] = {}  # manifest settings the source's semantics need
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)

    def event(self, call: str, name: str, model: int, inner: Any, *, description: str | None = None,
              version: str | None = None, meta: dict[str, Any] | None = None) -> None:
        """One MODEL of an event: ``inner`` is the 2020-12 schema of its properties."""
        metadata = {"call": call, "event": name, "version": version or f"{model}-0-0", **(meta or {})}
        self.events.setdefault((call, name), {})[model] = _document(name, description, metadata, inner)

    def add_traits(self, call: str, inner: Any, *, description: str | None = None, meta: dict[str, Any] | None = None) -> None:
        title = f"{call.capitalize()} traits"
        if call in self.traits:
            self.note(f"more than one {call} traits schema: the last one read is kept")
        self.traits[call] = _document(title, description, {"call": call, **(meta or {})}, inner)

    def add_common(self, message: Any, *, description: str | None = None, meta: dict[str, Any] | None = None) -> None:
        """The whole-message rule: ``message`` is the 2020-12 schema of every call (common.json)."""
        self.common = _document("Common rule", description, dict(meta or {}), message)

    def write(self, target: Path) -> Written:
        written = Written(notes=self.notes)
        manifest: dict[str, Any] = {"name": self.name, "spec": self.spec}
        if self.description:
            manifest["description"] = self.description
        manifest.update({"unplanned_events": "warn", "unplanned_properties": "warn", "unplanned_traits": "allow"})
        manifest.update(self.settings)
        files: dict[str, Any] = {MANIFEST: manifest}
        used: set[str] = set()
        for (call, name), models in sorted(self.events.items(), key=lambda kv: (kv[0][1].casefold(), kv[0][0])):
            slug = slugify(name) if call == "track" else f"{call}-{slugify(name)}"
            base, n = slug, 2
            while slug in used:
                slug, n = f"{base}-{n}", n + 1
            used.add(slug)
            for model, document in sorted(models.items()):
                files[f"events/{slug}/{model}.json"] = document
                written.events += 1
        for call, document in sorted(self.traits.items()):
            files[f"traits/{call}.json"] = document
        if self.common is not None:
            files["common.json"] = self.common
        files.update(self.shared)
        target.mkdir(parents=True, exist_ok=True)
        for relative, document in files.items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written.files.append(relative)
        return written


def _document(title: str, description: str | None, meta: dict[str, Any], inner: Any) -> dict[str, Any]:
    inner = {} if inner is True or inner is None else {"not": {}} if inner is False else dict(inner)
    own = inner.pop("description", None)
    inner.pop("$schema", None)
    inner.pop("title", None)
    document: dict[str, Any] = {"$schema": SCHEMA_2020_12, "title": title}
    text = description or own
    if isinstance(text, str) and text.strip():
        document["description"] = text.strip()
    document["x-eventspec"] = meta
    document.update(inner)
    return document


# --- whole-message rules ---------------------------------------------------------------

_DATA = ("enum", "const", "default", "examples", "x-eventspec")
_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_ONE = ("additionalProperties", "unevaluatedProperties", "items", "additionalItems", "unevaluatedItems",
        "contains", "propertyNames", "not", "if", "then", "else")
_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


def schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object under ``node`` (property names and data values are never visited)."""
    if not isinstance(node, dict):
        return
    yield node
    for key in _MAPS:
        if isinstance(node.get(key), dict):
            for sub in node[key].values():
                yield from schema_nodes(sub)
    for key in _ONE:
        if isinstance(node.get(key), dict):
            yield from schema_nodes(node[key])
    for key in _LISTS:
        if isinstance(node.get(key), list):
            for sub in node[key]:
                yield from schema_nodes(sub)


def strip(node: Any, keys: tuple[str, ...]) -> Any:
    """Remove vendor bookkeeping keywords (Segment's and Avo's ``id``, ...) from every schema node."""
    for schema in list(schema_nodes(node)):
        for key in keys:
            if key in schema and not (key == "id" and not isinstance(schema[key], str)):
                del schema[key]
    return node


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _at(root: Any, pointer: str) -> Any:
    node = root
    for token in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise ImportFailed(f"the $ref #{pointer} points at nothing in its rule")
    return node


def unwrap(root: dict[str, Any], pointer: tuple[str, ...]) -> Any:
    """The subschema of a (2020-12) whole-message rule at ``pointer``, as a schema of its own.

    Local refs into it are rebased onto its root; local refs elsewhere in the rule
    (``#/$defs/Type``) are copied into its ``$defs``, so it validates as it did inside.
    """
    node: Any = root
    for part in pointer:
        node = node.get(part) if isinstance(node, dict) else None
    if node is None or node is True:
        return {}
    if node is False:
        return {"not": {}}
    inner = copy.deepcopy(node)
    prefix = "#/" + "/".join(_escape(p) for p in pointer)
    defs: dict[str, Any] = {}
    taken = set(inner.get("$defs", {})) if isinstance(inner.get("$defs"), dict) else set()
    names: dict[str, str] = {}

    def rewrite(schema: Any) -> None:
        for each in schema_nodes(schema):
            ref = each.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#"):
                continue
            if ref == prefix or ref.startswith(prefix + "/"):
                each["$ref"] = "#" + ref[len(prefix):]
                continue
            if ref not in names:
                tokens = [t for t in ref[1:].split("/") if t]
                wanted = tokens[-1].replace("~1", "/").replace("~0", "~") if tokens else "root"
                name, n = wanted, 2
                while name in taken:
                    name, n = f"{wanted}-{n}", n + 1
                taken.add(name)
                names[ref] = name
                defs[name] = copy.deepcopy(_at(root, ref[1:]))
                rewrite(defs[name])
            each["$ref"] = "#/$defs/" + _escape(names[ref])

    rewrite(inner)
    if defs:
        inner.setdefault("$defs", {}).update(defs)
    return inner


_TOP = ("$schema", "type", "properties", "required", "labels", "description", "eventMetadata", "id", "$id",
        "nameMapping", "title", "$defs", "definitions", "$comment")


def leftovers(rule: dict[str, Any], inner_path: tuple[str, ...]) -> list[str]:
    """What a whole-message rule asserts outside the unwrapped object (lost on import).

    ``required`` at the top (``["properties"]``) is not counted: a call without the
    object is checked as an empty one, which fails the same required properties.
    """
    kept = inner_path[1] if len(inner_path) > 1 else None
    props = rule["properties"] if isinstance(rule.get("properties"), dict) else {}
    found = [f"properties.{key}" for key, value in props.items() if key != kept and _asserts(value)]
    return found + [key for key in rule if key not in _TOP and not key.startswith("x-")]


def _asserts(value: Any) -> bool:
    if value is True or not isinstance(value, dict):
        return value is False
    keys = {k for k in value if k not in ("description", "title", "id", "$id", "$comment")}
    return bool(keys - {"type"}) or value.get("type") not in (None, "object", ["object"])


def _asserts_anything(message: Any) -> bool:
    """Whether a whole-message rule could fail a call (Segment's empty global is
    ``{"type": "object", "properties": {"context": {}, "traits": {}, ...}}``)."""
    if not isinstance(message, dict):
        return message is False
    if any(key not in _TOP and not key.startswith("x-") for key in message) or message.get("required"):
        return True
    if message.get("type") not in (None, "object", ["object"]):
        return True
    props = message.get("properties")
    return isinstance(props, dict) and any(_asserts(value) for value in props.values())


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def convert(rule: Any, where: str) -> dict[str, Any]:
    """A rule schema rewritten to 2020-12, or `ImportFailed` saying where it cannot be."""
    if not isinstance(rule, dict):
        raise ImportFailed(f"{where}: the rule's schema is not a JSON object")
    try:
        return to_2020_12(rule, dialect(rule, "draft-07"))
    except Untranslatable as error:
        raise ImportFailed(f"{where}: {error}") from None


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ImportFailed(f"{path}: cannot be read as JSON ({error})") from None


# --- Segment -----------------------------------------------------------------------

_SEGMENT_CALLS = {"TRACK": "track", "PAGE": "page", "SCREEN": "screen", "IDENTIFY": "identify", "GROUP": "group"}
_NOT_DEPRECATED = ("", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z")


def _segment_documents(source: Path) -> list[tuple[str, Any]]:
    paths = sorted(source.rglob("*.json")) if source.is_dir() else [source]
    return [(str(p), read_json(p)) for p in paths]


def import_segment(source: Path, name: str | None, spec: str) -> PlanWriter:
    """Segment Protocols: Public API tracking plan and rules JSON, or Typewriter's plan.json (v7 or v8)."""
    plan_meta: dict[str, Any] = {}
    rules: list[tuple[str, dict[str, Any]]] = []  # (where, RuleV1-like)
    legacy: list[tuple[str, dict[str, Any]]] = []

    def take(document: Any, where: str) -> None:
        if isinstance(document, list):
            for index, item in enumerate(document):
                take(item, f"{where}[{index}]")
            return
        if not isinstance(document, dict):
            raise ImportFailed(f"{where}: not a Segment tracking plan or rules export")
        if isinstance(document.get("data"), dict):
            take(document["data"], where)
            return
        if isinstance(document.get("trackingPlan"), dict):
            plan_meta.update({k: v for k, v in document["trackingPlan"].items() if k != "rules"})
            if isinstance(document["trackingPlan"].get("rules"), list):
                take({"rules": document["trackingPlan"]["rules"]}, where)
        if isinstance(document.get("rules"), dict):  # Config API / Typewriter v7
            plan_meta.setdefault("name", document.get("display_name") or document.get("name"))
            legacy.append((where, document["rules"]))
        elif isinstance(document.get("rules"), list):
            if "id" in document or "name" in document:
                plan_meta.update({k: v for k, v in document.items() if k not in ("rules", "data")})
            for index, rule in enumerate(document["rules"]):
                if isinstance(rule, dict) and "type" in rule:
                    rules.append((f"{where} rules[{index}]", rule))
        elif "trackingPlan" not in document:
            raise ImportFailed(f"{where}: no rules found (expected data.rules, rules, or trackingPlan)")

    for where, document in _segment_documents(source):
        take(document, where)
    for where, block in legacy:
        rules.extend(_legacy_rules(block, where))
    if not rules:
        raise ImportFailed(f"{source}: no Segment rules found")
    writer = PlanWriter(plan_name(name or _segment_name(plan_meta), source.stem), spec,
                        plan_meta.get("description") or None)
    # Segment checks a call without context.protocols.event_version (or with a version
    # it lacks) against the event's oldest version: so does the imported plan
    writer.settings["unversioned"] = "oldest"
    by_key: dict[tuple[str, str | None], dict[int, tuple[str, dict[str, Any]]]] = {}
    for where, rule in rules:
        kind = str(rule.get("type", "")).upper()
        if kind not in _SEGMENT_CALLS and kind != "COMMON":
            writer.note(f"{where}: rule type {rule.get('type')!r} is not one eventspec knows; skipped")
            continue
        if str(rule.get("deprecatedAt") or "") not in _NOT_DEPRECATED:
            writer.note(f"{where}: {rule.get('key')!r} was deprecated at {rule['deprecatedAt']}; skipped")
            continue
        version = rule.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ImportFailed(f"{where}: version {version!r} is not a positive integer")
        key = rule.get("key")
        if not key and isinstance(rule.get("jsonSchema"), dict) and isinstance(rule["jsonSchema"].get("eventMetadata"), dict):
            key = rule["jsonSchema"]["eventMetadata"].get("name")
        if kind == "COMMON":
            key = None  # one whole-message rule per plan, whatever the export calls it
        by_key.setdefault((_SEGMENT_CALLS.get(kind, "common"), key or None), {})[version] = (where, rule)
    for (call, key), versions in sorted(by_key.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        _segment_event(writer, call, key, versions)
    return writer


def _segment_name(meta: dict[str, Any]) -> str | None:
    name = meta.get("slug") or meta.get("name")
    if isinstance(name, str) and name.startswith("workspaces/"):
        name = meta.get("display_name") or name.rsplit("/", 1)[-1]
    return name if isinstance(name, str) else None


def _legacy_rules(block: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Config API rules (``rules.events[]``, ``global``, ``identify_traits``, ``group_traits``) as RuleV1s."""
    for index, item in enumerate(block.get("events") or []):
        if isinstance(item, dict):
            schema = item.get("rules", {})
            if isinstance(schema, dict) and item.get("description") and "description" not in schema:
                schema = {**schema, "description": item["description"]}
            yield f"{where} rules.events[{index}]", {"type": "TRACK", "key": item.get("name"), "version": item.get("version", 1), "jsonSchema": schema}
    for field_name, kind in (("global", "COMMON"), ("identify_traits", "IDENTIFY"), ("group_traits", "GROUP")):
        value = block.get(field_name)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) and value else []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            schema = item.get("rules", item) if "rules" in item else item
            yield f"{where} rules.{field_name}[{index}]", {"type": kind, "key": item.get("name"), "version": item.get("version", 1), "jsonSchema": schema}


def _segment_event(writer: PlanWriter, call: str, key: str | None, versions: dict[int, tuple[str, dict[str, Any]]]) -> None:
    inner_key = "traits" if call in ("identify", "group") else "properties"
    converted: dict[int, tuple[Any, str | None, dict[str, Any]]] = {}
    for version, (where, rule) in sorted(versions.items()):
        schema = rule.get("jsonSchema", {})
        schema = {} if schema is None else schema
        raw = convert(schema, where)
        if call == "common":  # a schema of the whole message: kept whole
            inner = {k: v for k, v in raw.items() if k not in ("labels", "eventMetadata")}
        elif isinstance(raw.get("eventMetadata"), dict):  # Typewriter v8: already the inner object
            inner: Any = {k: v for k, v in raw.items() if k not in ("eventMetadata", "labels")}
        else:
            inner = unwrap(raw, ("properties", inner_key))
            for lost in leftovers(raw, ("properties", inner_key)):
                writer.note(f"{where}: {lost} constrains the whole message; plans describe only {inner_key}, so it is not imported")
        strip(inner, ("id",))
        meta: dict[str, Any] = {"origin": {"vendor": "segment", "rule": call.upper(), "key": key, "version": version}}
        labels = schema.get("labels") if isinstance(schema, dict) else None
        if isinstance(labels, dict) and labels:
            meta["labels"] = {str(k): str(v) for k, v in labels.items()}
        description = schema.get("description") if isinstance(schema, dict) else None
        converted[version] = (inner, description if isinstance(description, str) else None, meta)
    if call in ("identify", "group", "common"):
        newest = max(converted)
        what = f"{call} traits have" if call != "common" else "the COMMON rule has"
        if len(converted) > 1:
            writer.note(f"{what} versions {sorted(converted)} in Segment; a plan has one such schema, so version {newest} is kept")
        inner, description, meta = converted[newest]
        if call != "common":
            writer.add_traits(call, inner, description=description, meta=meta)
        elif not _asserts_anything(inner):
            writer.note("the COMMON rule asserts nothing about a message; no common.json is written")
        else:
            writer.add_common(inner, description=description or "Segment's common JSON schema: every call of the plan.",
                              meta=meta)
            writer.note("the COMMON rule is common.json, checked on every call as Segment checks it (Segment's "
                        "blocking controls for it are set per source and call type)")
        return
    if not key:
        writer.note(f"a {call.upper()} rule without a name applies to every {call} call; plans name their {call}s, so it is not imported")
        return
    oldest = min(converted)
    for model in range(1, max(converted) + 1):
        if model in converted:
            inner, description, meta = converted[model]
        else:
            # Segment checks an unknown version against the oldest: so does this copy
            inner, description, meta = copy.deepcopy(converted[oldest])
            meta = {**meta, "origin": {**meta["origin"], "version": oldest, "filled": model}}
            writer.note(f"{key!r} has no version {model}: MODEL {model} is a copy of version {oldest}, which Segment uses for unknown versions")
        writer.event(call, key, model, inner, description=description, meta=meta)


# --- Avo ---------------------------------------------------------------------------

_AVO_NOISE = ("id", "index", "nameMapping", "nameMappings", "isSystemProperty")


def import_avo(source: Path, name: str | None, spec: str) -> PlanWriter:
    """Avo's JSON Schema export (Export API ``payloadFormat=jsonSchema`` or the webhook payload)."""
    document = read_json(source)
    if isinstance(document, dict) and isinstance(document.get("payload"), dict):
        document = document["payload"]
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise ImportFailed(f"{source}: not an Avo JSON Schema export (no events list)")
    title = document.get("name") if isinstance(document.get("name"), str) else None
    writer = PlanWriter(plan_name(name or (title.split(":")[0] if title else None), source.stem), spec)
    categories = {k: v.get("name") for k, v in (document.get("categories") or {}).items() if isinstance(v, dict)}
    grouped: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    traits: dict[str, dict[str, Any]] = {"identify": {}, "group": {}}
    system: dict[str, Any] = {}  # Avo's system properties: sent with every event
    for index, entry in enumerate(document["events"]):
        where = f"{source} events[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ImportFailed(f"{where}: an event needs a name")
        rules = convert(entry.get("rules", {}), where)
        actions = [str(a).casefold() for a in entry.get("actions") or []]
        call = "page" if any("page" in a for a in actions) else "track"
        for lost in leftovers(rules, ("properties", "properties")):
            if lost not in ("properties.userProperties", "properties.groupProperties"):
                writer.note(f"{where}: {lost} constrains the whole message; not imported")
        for field_name, target in (("userProperties", "identify"), ("groupProperties", "group")):
            found = unwrap(rules, ("properties", field_name))
            for prop, schema in (found.get("properties") or {}).items():
                traits[target].setdefault(prop, strip(schema, _AVO_NOISE))
        for prop, schema in (_dict(_dict(_dict(rules.get("properties")).get("properties")).get("properties"))).items():
            if isinstance(schema, dict) and schema.get("isSystemProperty") is True:
                system.setdefault(prop, strip(copy.deepcopy(schema), _AVO_NOISE))
        if "skiplogevent" in actions and call == "track":
            continue  # the event only updates user or group properties: no track call is sent
        inner = strip(unwrap(rules, ("properties", "properties")), _AVO_NOISE)
        grouped.setdefault((call, entry["name"]), []).append((where, {"entry": entry, "inner": inner}))
    for (call, event_name), variants in sorted(grouped.items()):
        entries = [v["entry"] for _, v in variants]
        base = next((e for e in entries if e.get("eventType", "event") == "event"), entries[0])
        meta: dict[str, Any] = {"origin": {"vendor": "avo", "id": base.get("id")}}
        if base.get("tags"):
            meta["tags"] = [str(t) for t in base["tags"]]
        names = [categories.get(c, c) for c in base.get("categories") or []]
        if names:
            meta["categories"] = [str(n) for n in names]
        sources = [s.get("name") for s in base.get("sources") or [] if isinstance(s, dict) and s.get("name")]
        if sources:
            meta["sources"] = sources
        if len(variants) == 1:
            inner = variants[0][1]["inner"]
        else:
            # every variant is a shape the event may have: a payload passes when it fits one
            inner = _variants([v["inner"] for _, v in variants])
            meta["variants"] = [e.get("variantName") or "base" for e in entries]
        writer.event(call, event_name, 1, inner, description=base.get("description"), meta=meta)
    if system:
        from ._catalog import bundled

        calls = [c for c in ("track", "page", "screen") if c in bundled().family(spec).calls]
        writer.add_common({"type": "object", "properties": {"properties": {"type": "object", "properties": system}}},
                          description="Avo's system properties, sent with every event: each optional, of its type.",
                          meta={"calls": calls, "origin": {"vendor": "avo", "system_properties": sorted(system)}})
        writer.note(f"system properties {', '.join(sorted(system))} are in common.json, checked on every event that "
                    "carries them (each event's own rule still says whether it needs them)")
    for call, properties in traits.items():
        if properties:
            writer.add_traits(call, {"type": "object", "properties": properties},
                              description=f"{'User' if call == 'identify' else 'Group'} properties the events of this Avo plan set.")
            writer.note(f"{call} traits are the union of the events' {'user' if call == 'identify' else 'group'} properties, each optional")
    return writer


def _variants(shapes: list[dict[str, Any]]) -> dict[str, Any]:
    """One schema for an event and its variants: any of the shapes; the names they
    declare listed at the top (as anything) so that the plan knows them."""
    declared: dict[str, Any] = {}
    for shape in shapes:
        for prop, schema in (shape.get("properties") or {}).items():
            if prop not in declared:
                text = schema.get("description") if isinstance(schema, dict) else None
                declared[prop] = {"description": text} if text else {}
    return {"type": "object", "properties": declared, "anyOf": shapes}


# --- entry point -------------------------------------------------------------------


def import_plan(source: str, path: Path, target: Path, *, name: str | None = None, spec: str = "cdp",
                names: dict[str, str] | None = None) -> Written:
    """Import ``path`` (a file or folder exported from ``source``) as a plan folder at ``target``."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file or folder")
    if source == "segment":
        writer = import_segment(path, name, spec)
    elif source == "avo":
        writer = import_avo(path, name, spec)
    elif source == "rudderstack":
        from ._rudderstack import import_rudderstack

        writer = import_rudderstack(path, name, spec)
    elif source == "iglu":
        from ._iglu import import_iglu

        writer = import_iglu(path, name, spec, names or {})
    else:
        raise ImportFailed(f"no importer for {source!r}")
    return writer.write(target)
