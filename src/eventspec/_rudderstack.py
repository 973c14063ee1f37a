"""RudderStack plans: a rudder-cli project folder (YAML), or the Data Catalog API's JSON.

rudder-cli keeps a data catalog as YAML documents ``{version, kind, metadata, spec}``
of kinds ``events``, ``properties``, ``custom-types``, ``categories`` and
``tracking-plan`` (``tp`` before ``rudder/v1``), cross-referenced by URNs
(``#property:<id>``, legacy ``#/properties/<group>/<id>``). The importer compiles each
tracking-plan rule to the schema RudderStack's API returns for it (an object closed
unless the rule allows unplanned properties, custom types as ``$defs``, variants as
``if``/``then``) and writes the inner object. The API JSON (``GET
v2/catalog/tracking-plans/{id}`` with each event's ``?format=schema``) is unwrapped
directly. YAML needs PyYAML: ``pip install 'eventspec[yaml]'``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ._importers import ImportFailed, PlanWriter, convert, leftovers, plan_name, read_json, unwrap

_SECTIONS = {"properties": ("properties", "properties"), "traits": ("properties", "traits"),
             "context.traits": ("properties", "context", "properties", "traits")}
_CONFIG = {  # rudder/v1 snake_case and 0.1 camelCase config keys -> JSON Schema keywords
    "enum": "enum", "pattern": "pattern", "format": "format", "minimum": "minimum", "maximum": "maximum",
    "min_length": "minLength", "minLength": "minLength", "max_length": "maxLength", "maxLength": "maxLength",
    "exclusive_minimum": "exclusiveMinimum", "exclusiveMinimum": "exclusiveMinimum",
    "exclusive_maximum": "exclusiveMaximum", "exclusiveMaximum": "exclusiveMaximum",
    "multiple_of": "multipleOf", "multipleOf": "multipleOf", "min_items": "minItems", "minItems": "minItems",
    "max_items": "maxItems", "maxItems": "maxItems", "unique_items": "uniqueItems", "uniqueItems": "uniqueItems",
}
_KINDS = {"events": "events", "properties": "properties", "custom-types": "types", "categories": "categories",
          "tracking-plan": "plans", "tp": "plans"}
_URN = re.compile(r"^#(event|property|custom-type|category):(.+)$")
_LEGACY = re.compile(r"^#/(events|properties|custom-types|categories)/([^/]+)/(.+)$")


def import_rudderstack(source: Path, name: str | None, spec: str) -> PlanWriter:
    """A rudder-cli project folder (or one YAML file), or the API's tracking-plan JSON."""
    if source.is_file() and source.suffix == ".json":
        return _import_api(source, name, spec)
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.suffix in (".yaml", ".yml"))
    if not files:
        raise ImportFailed(f"{source}: no rudder-cli YAML files (*.yaml, *.yml) and not an API JSON file")
    return _Project(files).compile(name, spec)


# --- the API's JSON ----------------------------------------------------------------


def _import_api(source: Path, name: str | None, spec: str) -> PlanWriter:
    document = read_json(source)
    plan = document.get("data", document) if isinstance(document, dict) else None
    if not isinstance(plan, dict) or not isinstance(plan.get("events"), list):
        raise ImportFailed(f"{source}: not a RudderStack tracking plan (no events list)")
    writer = PlanWriter(plan_name(name or plan.get("name"), source.stem), spec, plan.get("description") or None)
    for index, event in enumerate(plan["events"]):
        where = f"{source} events[{index}]"
        if not isinstance(event, dict) or not isinstance(event.get("rules"), dict):
            raise ImportFailed(f"{where}: an event needs rules (fetch it with ?format=schema)")
        call = str(event.get("eventType", "track"))
        section = event.get("identitySection") or ("traits" if call in ("identify", "group") else "properties")
        rules = convert(event["rules"], where)
        if section not in _SECTIONS:
            raise ImportFailed(f"{where}: identitySection {section!r} is not properties, traits or context.traits")
        inner = unwrap(rules, _SECTIONS[section])
        for lost in leftovers(rules, _SECTIONS[section][:2]):
            writer.note(f"{where}: {lost} constrains the whole message; not imported")
        meta = {"origin": {"vendor": "rudderstack", "id": event.get("id"), "event_type": call}}
        _place(writer, call, section, event.get("name"), inner, event.get("description"), meta, where)
    return writer


def _place(writer: PlanWriter, call: str, section: str, name: Any, inner: Any, description: Any,
           meta: dict[str, Any], where: str) -> None:
    """Put one compiled rule where the plan keeps it, or say why it cannot go anywhere."""
    if call in ("identify", "group"):
        if section != "traits":
            writer.note(f"{where}: {call} rules checking {section} are not imported (plans check an {call} call's traits)")
            return
        writer.add_traits(call, inner, description=description, meta=meta)
    elif call in ("track", "page", "screen"):
        if section != "properties":
            writer.note(f"{where}: a {call} rule checking {section} is not imported (plans check its properties)")
        elif not name:
            writer.note(f"{where}: a {call} rule without a name applies to every {call}; plans name theirs, so it is not imported")
        else:
            writer.event(call, str(name), 1, inner, description=description, meta=meta)
    else:
        writer.note(f"{where}: {call} rules are not imported")


# --- the YAML project --------------------------------------------------------------


class _Project:
    """A rudder-cli project: every entity by kind and id, and the tracking plans."""

    def __init__(self, files: list[Path]) -> None:
        try:
            import yaml
        except ImportError:  # the extra is not installed
            raise ImportFailed("reading rudder-cli YAML needs PyYAML: pip install 'eventspec[yaml]'") from None
        self.entities: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in set(_KINDS.values())}
        self.where: dict[tuple[str, str], str] = {}
        for path in files:
            try:
                documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
                raise ImportFailed(f"{path}: cannot be read as YAML ({error})") from None
            for number, document in enumerate(documents):
                if document is None:
                    continue
                self._take(document, f"{path}" + (f" document {number + 1}" if len(documents) > 1 else ""))
        self.defs: dict[str, Any] = {}
        self.notes: list[str] = []

    def _take(self, document: Any, where: str) -> None:
        if not isinstance(document, dict) or "kind" not in document or not isinstance(document.get("spec"), dict):
            raise ImportFailed(f"{where}: not a rudder-cli spec ({{version, kind, metadata, spec}})")
        version = str(document.get("version", ""))
        if version not in ("rudder/v1", "rudder/0.1", "rudder/v0.1"):
            raise ImportFailed(f"{where}: spec version {version!r} is not rudder/v1 or rudder/0.1")
        kind = _KINDS.get(document["kind"])
        if kind is None:
            return  # other providers' kinds (sources, destinations, ...) say nothing about plans
        spec = document["spec"]
        if kind == "plans":
            self.entities["plans"][str(spec.get("id") or document.get("metadata", {}).get("name"))] = spec
            self.where[("plans", str(spec.get("id")))] = where
            return
        key = {"events": "events", "properties": "properties", "types": "types", "categories": "categories"}[kind]
        for item in spec.get(key) or []:
            if not isinstance(item, dict) or "id" not in item:
                raise ImportFailed(f"{where}: every entry of {key} needs an id")
            if str(item["id"]) in self.entities[kind]:
                raise ImportFailed(f"{where}: {kind[:-1]} id {item['id']!r} is defined twice")
            self.entities[kind][str(item["id"])] = item
            self.where[(kind, str(item["id"]))] = where

    def ref(self, value: Any, kind: str, where: str) -> dict[str, Any]:
        """The entity a reference names (``#property:x``, ``#/properties/group/x``, ``{$ref: ...}``)."""
        if isinstance(value, dict):
            value = value.get("$ref", value.get("property"))
        text = str(value)
        match = _URN.match(text) or _LEGACY.match(text)
        if match is None:
            raise ImportFailed(f"{where}: {text!r} is not a reference (#{kind}:<id>)")
        named = {"event": "events", "property": "properties", "custom-type": "types", "category": "categories",
                 "events": "events", "properties": "properties", "custom-types": "types"}.get(match.group(1), "categories")
        found = self.entities[named].get(match.groups()[-1])
        if found is None or named != kind:
            raise ImportFailed(f"{where}: {text!r} resolves to nothing in the project")
        return found

    def compile(self, name: str | None, spec: str) -> PlanWriter:
        plans = self.entities["plans"]
        if not plans:
            raise ImportFailed("the project has no tracking-plan (kind tracking-plan, or tp)")
        if len(plans) > 1 and name not in plans:
            raise ImportFailed(f"the project has several tracking plans ({', '.join(sorted(plans))}): choose one with --name")
        plan_id = name if name in plans else next(iter(plans))
        plan = plans[plan_id]
        writer = PlanWriter(plan_name(plan_id, "plan"), spec, plan.get("description") or None)
        for index, rule in enumerate(plan.get("rules") or []):
            where = f"{self.where[('plans', str(plan.get('id')))]} rules[{index}]"
            if rule.get("includes"):
                writer.note(f"{where}: includes are not imported")
                continue
            self.defs = {}
            event_ref = rule.get("event")
            legacy = isinstance(event_ref, dict)
            event = self.ref(event_ref, "events", where)
            call = str(event.get("event_type", "track"))
            section = (event_ref.get("identity_section") if legacy else rule.get("identity_section")) or (
                "traits" if call in ("identify", "group") else "properties")
            allow = bool(event_ref.get("allow_unplanned", False)) if legacy else bool(rule.get("additional_properties", False))
            inner = self._object(rule.get("properties") or [], rule.get("variants") or [], where, closed=not allow)
            if self.defs:
                inner["$defs"] = dict(sorted(self.defs.items()))
            meta: dict[str, Any] = {"origin": {"vendor": "rudderstack", "rule": rule.get("id"), "event": event.get("id")}}
            category = event.get("category")
            if category:
                found = self.ref(category, "categories", where)
                meta["labels"] = {"category": str(found.get("name", found.get("id")))}
            _place(writer, call, section, event.get("name"), inner, event.get("description"), meta, where)
        for note in self.notes:
            writer.note(note)
        return writer

    # compiling, as RudderStack compiles a rule for its API

    def _object(self, entries: list[Any], variants: list[Any], where: str, closed: bool | None) -> dict[str, Any]:
        properties, required = self._members(entries, where)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if variants:
            schema["allOf"] = [branch for variant in variants for branch in self._variant(variant, where)]
        if closed:
            # with variants, the properties a matching case adds count as declared
            schema["unevaluatedProperties" if variants else "additionalProperties"] = False
        return schema

    def _members(self, entries: list[Any], where: str) -> tuple[dict[str, Any], list[str]]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise ImportFailed(f"{where}: a rule property is {{property: <ref>, required: ...}}")
            prop = self.ref(entry, "properties", where)
            key = str(prop.get("name") or prop["id"])
            properties[key] = self._property(prop, entry, where)
            if entry.get("required"):
                required.append(key)
        return properties, required

    def _types(self, prop: dict[str, Any]) -> list[str]:
        if isinstance(prop.get("types"), list):
            return [str(t) for t in prop["types"]]
        declared = str(prop.get("type") or "")
        return [t.strip() for t in declared.split(",") if t.strip()] if declared and not declared.startswith("#") else (
            [declared] if declared else [])

    def _config(self, prop: dict[str, Any]) -> dict[str, Any]:
        config = prop.get("config") if isinstance(prop.get("config"), dict) else prop.get("propConfig")
        return config if isinstance(config, dict) else {}

    def _property(self, prop: dict[str, Any], entry: dict[str, Any], where: str) -> dict[str, Any]:
        types = self._types(prop)
        if len(types) == 1 and types[0].startswith("#"):
            schema: dict[str, Any] = {"$ref": "#/$defs/" + self._custom(types[0], where)}
        else:
            schema = self._typed(types, self._config(prop), prop, where)
            nested = entry.get("properties")
            if nested:
                if "object" not in types:
                    raise ImportFailed(f"{where}: {prop['id']!r} has nested properties but is not an object")
                members, required = self._members(nested, where)
                schema["properties"] = members
                if required:
                    schema["required"] = required
            additional = entry.get("additional_properties", entry.get("additionalProperties"))
            if additional is False:
                schema["additionalProperties"] = False
        if prop.get("description"):
            schema = {"description": str(prop["description"]), **schema}
        return schema

    def _typed(self, types: list[str], config: dict[str, Any], owner: dict[str, Any], where: str) -> dict[str, Any]:
        schema: dict[str, Any] = {}
        if types:
            schema["type"] = types[0] if len(types) == 1 else types
        for key, value in config.items():
            if key in _CONFIG:
                schema[_CONFIG[key]] = value
            elif key in ("additional_properties", "additionalProperties"):
                if value is False:
                    schema["additionalProperties"] = False
            elif key not in ("item_types", "itemTypes"):
                self.notes.append(f"{where}: config {key!r} of {owner.get('id')!r} is not a keyword eventspec knows; skipped")
        items = owner.get("item_types") or owner.get("item_type") or config.get("item_types") or config.get("itemTypes")
        if items and "array" in types:
            items = items if isinstance(items, list) else [items]
            if len(items) == 1 and str(items[0]).startswith("#"):
                schema["items"] = {"$ref": "#/$defs/" + self._custom(str(items[0]), where)}
            else:
                schema["items"] = {"type": items[0] if len(items) == 1 else list(items)}
        return schema

    def _custom(self, ref: str, where: str) -> str:
        custom = self.ref(ref, "types", where)
        name = str(custom.get("name") or custom["id"])
        if name in self.defs:
            return name
        self.defs[name] = {}  # claimed first: a type may refer to itself
        kind = str(custom.get("type", "object"))
        schema = self._typed([kind], self._config(custom), custom, where)
        if kind == "object":
            members, required = self._members(custom.get("properties") or [], where)
            schema["properties"] = members
            if required:
                schema["required"] = required
            if custom.get("variants"):
                schema["allOf"] = [b for v in custom["variants"] for b in self._variant(v, where)]
        if custom.get("description"):
            schema = {"description": str(custom["description"]), **schema}
        self.defs[name] = schema
        return name

    def _variant(self, variant: dict[str, Any], where: str) -> list[dict[str, Any]]:
        if variant.get("type", "discriminator") != "discriminator":
            raise ImportFailed(f"{where}: variant type {variant.get('type')!r} is not discriminator")
        prop = self.ref(variant.get("discriminator"), "properties", where)
        key = str(prop.get("name") or prop["id"])
        branches: list[dict[str, Any]] = []
        matched: list[Any] = []
        for case in variant.get("cases") or []:
            values = list(case.get("match") or [])
            matched += values
            members, required = self._members(case.get("properties") or [], where)
            branches.append({"if": {"properties": {key: {"enum": values}}, "required": [key]},
                             "then": {"properties": members, "required": required}})
        default = variant.get("default")
        entries = default.get("properties") if isinstance(default, dict) else default
        if entries:
            members, required = self._members(entries, where)
            branches.append({"if": {"properties": {key: {"not": {"enum": matched}}}, "required": [key]},
                             "then": {"properties": members, "required": required}})
        return branches
