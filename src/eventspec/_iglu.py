"""Snowplow Iglu, both ways: a static registry tree in (``eventspec import iglu``), and a
plan out as one (``eventspec export iglu``).

A static registry holds ``schemas/<vendor>/<name>/jsonschema/<MODEL-REVISION-ADDITION>``,
each a self-describing schema (draft-04 plus ``self``) of the event's data, which is what
a plan file describes. A plan keeps one file per MODEL, so an import keeps the highest
REVISION-ADDITION of each MODEL; an export writes each plan file as the version it says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ._dialects import Untranslatable, to_2020_12, to_draft_04
from ._importers import ImportFailed, PlanWriter, plan_name, read_json
from ._planfiles import PlanFolder, Refs, parse_version

SELF_DESCRIBING = "http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#"
_IGLU_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
_VENDOR = re.compile(r"^[a-zA-Z0-9_.-]+$")


def _schemas(source: Path) -> list[tuple[str, Any]]:
    """(where, self-describing schema) from a registry folder, or from a JSON file holding
    Avo's ``snowplowSchemas`` export (``eventSchemas``, ``contextSchemas``) or a list."""
    if source.is_dir():
        found = []
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.parent.name == "jsonschema" and parse_version(path.name):
                found.append((str(path), read_json(path)))
        if not found:
            raise ImportFailed(f"{source}: no schemas/<vendor>/<name>/jsonschema/<M-R-A> files")
        return found
    document = read_json(source)
    if isinstance(document, dict) and ("eventSchemas" in document or "contextSchemas" in document):
        items = [*document.get("eventSchemas", []), *document.get("contextSchemas", [])]
    elif isinstance(document, list):
        items = document
    elif isinstance(document, dict) and "self" in document:
        items = [document]
    else:
        raise ImportFailed(f"{source}: not an Iglu schema, a list of them, or {{eventSchemas, contextSchemas}}")
    return [(f"{source}[{index}]", item) for index, item in enumerate(items)]


def import_iglu(source: Path, name: str | None, spec: str, names: dict[str, str]) -> PlanWriter:
    """A static Iglu registry (or Avo's Snowplow export) as a plan: each schema's data is
    an event's properties; ``names`` maps ``vendor/name`` or ``name`` to the event name."""
    grouped: dict[tuple[str, str], dict[int, tuple[tuple[int, int, int], str, dict[str, Any]]]] = {}
    vendors: set[str] = set()
    writer = PlanWriter("plan", spec)
    for where, schema in _schemas(source):
        if not isinstance(schema, dict) or not isinstance(schema.get("self"), dict):
            raise ImportFailed(f"{where}: not a self-describing schema (no self)")
        me = schema["self"]
        version = parse_version(me.get("version"))
        if version is None or not isinstance(me.get("vendor"), str) or not isinstance(me.get("name"), str):
            raise ImportFailed(f"{where}: self needs vendor, name and a MODEL-REVISION-ADDITION version")
        parts = Path(where).parts
        if source.is_dir() and tuple(parts[-4:]) != (me["vendor"], me["name"], me.get("format", "jsonschema"), me["version"]):
            writer.note(f"{where}: its path does not match self ({me['vendor']}/{me['name']}/{me['version']}); self is used")
        vendors.add(me["vendor"])
        models = grouped.setdefault((me["vendor"], me["name"]), {})
        kept = models.get(version[0])
        if kept is not None:
            older, newer = sorted((kept[0], version))
            writer.note(f"{me['vendor']}/{me['name']}: {'-'.join(map(str, older))} is superseded by "
                        f"{'-'.join(map(str, newer))}; a plan keeps one schema per MODEL")
            if version < kept[0]:
                continue
        models[version[0]] = (version, where, schema)
    writer.name = plan_name(name or (sorted(vendors)[0] if len(vendors) == 1 else None), source.stem)
    taken: dict[str, str] = {}
    for (vendor, iglu_name), models in sorted(grouped.items()):
        for model, (version, where, schema) in sorted(models.items()):
            own: dict[str, Any] = schema["x-eventspec"] if isinstance(schema.get("x-eventspec"), dict) else {}
            event = names.get(f"{vendor}/{iglu_name}") or names.get(iglu_name) or own.get("event") or iglu_name
            if taken.setdefault(event, vendor) != vendor:
                event = f"{event} ({vendor})"
            body = {k: v for k, v in schema.items() if k not in ("self", "$schema", "x-eventspec")}
            try:
                inner = to_2020_12(body, "draft-04")
            except Untranslatable as error:
                raise ImportFailed(f"{where}: {error}") from None
            meta = {k: v for k, v in own.items() if k not in ("call", "event", "version")}
            meta["origin"] = {"vendor": "iglu", "schema": f"iglu:{vendor}/{iglu_name}/jsonschema/{'-'.join(map(str, version))}"}
            call = own.get("call", "track")
            if call in ("identify", "group"):
                writer.add_traits(call, inner, meta={**meta, "version": "-".join(map(str, version))})
            else:
                writer.event(call, event, model, inner, version="-".join(map(str, version)), meta=meta)
    return writer


def export_iglu(plan: PlanFolder, target: Path, vendor: str | None = None, notes: list[str] | None = None) -> list[str]:
    """Write every event (each MODEL) and traits schema of a plan as a static Iglu registry.

    Shared definitions and bundled schemas a file references are inlined (an Iglu schema
    stands alone); 2020-12 keywords become their draft-04 forms, and a file that uses one
    draft-04 cannot say raises `ImportFailed` naming the file and the keyword. What is
    left out (common.json: Iglu schemas describe an event's data, never a whole message)
    is said in ``notes``.
    """
    if notes is not None and "common.json" in plan.files:
        notes.append("common.json is not exported: an Iglu schema describes an event's data, and Iglu has "
                     "no schema of the whole message to hold a rule on every call")
    from ._diff import prepared

    vendor = vendor or f"com.eventspec.{plan.name}"
    if not _VENDOR.match(vendor):
        raise ImportFailed(f"{vendor!r} is not an Iglu vendor (letters, digits, '.', '_', '-')")
    refs = Refs(plan)
    out: dict[str, Any] = {}
    for entry in plan.of_kind("event", "traits"):
        if entry.problem is not None or not entry.placed or not isinstance(entry.document, dict):
            raise ImportFailed(f"{entry.relative}: cannot be exported ({entry.problem or 'not a plan event file'}); run eventspec lint")
        if entry.kind == "traits":
            name = f"{entry.call}_traits"
            version = entry.meta.get("version") if parse_version(entry.meta.get("version")) else "1-0-0"
        else:
            name = (entry.slug or "event").replace("-", "_")
            version = "-".join(map(str, entry.version or (entry.model or 1, 0, 0)))
        try:
            body = to_draft_04(prepared(entry, refs))
        except (Untranslatable, RecursionError) as error:
            raise ImportFailed(f"{entry.relative}: {error}") from None
        meta = {k: v for k, v in entry.meta.items() if k not in ("version", "origin")}
        meta.setdefault("call", entry.call)
        if entry.kind == "event":
            meta.setdefault("event", entry.event)
        document: dict[str, Any] = {
            "$schema": SELF_DESCRIBING,
            "description": entry.document.get("description") or f"{entry.label} ({plan.name})",
            "self": {"vendor": vendor, "name": name, "format": "jsonschema", "version": version},
            **{k: v for k, v in body.items() if k not in ("description", "title")},
            "x-eventspec": meta,
        }
        relative = f"schemas/{vendor}/{name}/jsonschema/{version}"
        if relative in out:
            raise ImportFailed(f"{entry.relative}: {relative} is written twice; give the event's versions distinct MODELs")
        out[relative] = document
    for relative, document in out.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return sorted(out)
