"""eventspec import: each importer on inputs written from the vendor's documented format.

Every imported plan passes lint, and a table of payloads per importer gets the same
verdict three ways: jsonschema on the vendor's own rule (whole message where the vendor
checks whole messages), jsonschema on the imported plan file, and `load_plan(...)` on
the imported folder. Each table has payloads that pass and payloads that fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import validator_for
from planhelp import run
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import eventspec
from eventspec._importers import import_plan
from eventspec._lint import lint
from eventspec._planfiles import read_plan

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def passes(schema: Any, instance: Any, registry: Registry | None = None, draft: Any = None) -> bool:
    cls = draft or validator_for(schema, default=validator_for({}))
    kwargs = {"registry": registry} if registry is not None else {}
    return cls(schema, format_checker=FormatChecker(), **kwargs).is_valid(instance)


def message(call: str, name: str | None, inner: dict[str, Any], version: int | None = None,
            context: dict[str, Any] | None = None) -> dict[str, Any]:
    """A cdp call carrying ``inner`` as its properties (or traits), valid as an envelope."""
    payload: dict[str, Any] = {"type": call, "userId": "u1"}
    if call == "track":
        payload["event"] = name
    elif call in ("page", "screen"):
        payload["name"] = name
    elif call == "group":
        payload["groupId"] = "g1"
    payload["traits" if call in ("identify", "group") else "properties"] = inner
    if context is not None:
        payload["context"] = dict(context)
    if version is not None:
        payload["context"] = {**payload.get("context", {}), "protocols": {"event_version": version}}
    return payload


@dataclass(frozen=True)
class Row:
    """One payload of a verdict table: which event, what it carries, and the verdict."""

    call: str
    name: str | None
    inner: dict[str, Any]
    ok: bool
    version: int | None = None
    context: dict[str, Any] | None = None  # the call's context (whole-message rules check it)


def _imported(tmp_path: Path, source: str, fixture: str, **options: Any) -> Path:
    target = tmp_path / "plan"
    import_plan(source, FIXTURES / fixture, target, **options)
    result = lint(read_plan(target))
    assert result.ok, result.errors
    return target


def _plan_file(root: Path, row: Row) -> tuple[Any, Registry]:
    """The imported file that checks ``row`` (by call, name and MODEL), and a registry of the plan."""
    plan = read_plan(root)
    registry = Registry().with_resources(
        (plan.uri(rel), Resource.from_contents(entry.document, default_specification=DRAFT202012))
        for rel, entry in plan.files.items() if rel != "eventspec-plan.json"
    )
    if row.call in ("identify", "group"):
        entry = plan.files[f"traits/{row.call}.json"]
    else:
        candidates = [e for e in plan.of_kind("event") if e.call == row.call and e.event == row.name]
        assert candidates, f"{row.name} was not imported"
        chosen = [e for e in candidates if e.model == row.version] if row.version else []
        pick = min if plan.manifest.get("unversioned") == "oldest" else max  # a call without a version
        entry = chosen[0] if chosen else pick(candidates, key=lambda e: e.model or 0)
    document = {"$id": plan.uri(entry.relative), **entry.document}
    return document, registry


def check_table(root: Path, rows: list[Row], source_verdict: Callable[[Row, dict[str, Any]], bool]) -> None:
    assert {row.ok for row in rows} == {True, False}
    catalog = eventspec.load_plan(root)
    common = read_plan(root).files.get("common.json")
    for row in rows:
        payload = message(row.call, row.name, row.inner, row.version, row.context)
        document, registry = _plan_file(root, row)
        plan_files = passes(document, row.inner, registry)
        if common is not None and row.call in common.meta.get("calls", [row.call]):
            plan_files = plan_files and passes(common.document, payload, registry)  # the whole message
        verdicts = {
            "source": source_verdict(row, payload),
            "plan file": plan_files,
            "load_plan": catalog.validate(payload).ok,
        }
        assert set(verdicts.values()) == {row.ok}, (row, verdicts, str(catalog.validate(payload)))


# --- Segment -----------------------------------------------------------------------


def _segment_rules(path: Path) -> list[dict[str, Any]]:
    """The RuleV1s of a fixture, read independently of the importer."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    rules: list[dict[str, Any]] = []
    for file in files:
        document = json.loads(file.read_text())
        document = document.get("data", document)
        if isinstance(document.get("rules"), list):
            rules += document["rules"]
        elif isinstance(document.get("rules"), dict):  # Typewriter 7
            for item in document["rules"]["events"]:
                rules.append({"type": "TRACK", "key": item["name"], "version": item["version"], "jsonSchema": item["rules"]})
            for item in document["rules"]["identify_traits"]:
                rules.append({"type": "IDENTIFY", "key": None, "version": item["version"], "jsonSchema": item["rules"]})
            common = document["rules"]["global"]
            rules.append({"type": "COMMON", "key": None, "version": common["version"], "jsonSchema": common["rules"]})
    return rules


def segment_verdict(fixture: str) -> Callable[[Row, dict[str, Any]], bool]:
    rules = _segment_rules(FIXTURES / fixture)

    def verdict(row: Row, payload: dict[str, Any]) -> bool:
        mine = [r for r in rules if r["type"] == row.call.upper() and (row.call in ("identify", "group") or r["key"] == row.name)]
        by_version = {r["version"]: r for r in mine}
        # Segment checks a call without a version, or with one it does not have, against the oldest
        rule = by_version.get(row.version) or by_version[min(by_version)]
        schema = rule["jsonSchema"]
        # the common JSON schema applies to the entire payload of every call (the newest, as imported)
        common = max((r for r in rules if r["type"] == "COMMON"), key=lambda r: r["version"], default=None)
        if common is not None and not passes(common["jsonSchema"], payload):
            return False
        if "eventMetadata" in schema:  # Typewriter 8 keeps the properties schema only
            return passes({k: v for k, v in schema.items() if k != "eventMetadata"}, payload["properties"])
        return passes(schema, payload)

    return verdict


SEGMENT_API = [
    Row("track", "Add to Cart", {"item_id": "sku1"}, True, 1),
    Row("track", "Add to Cart", {"item_id": "sku1", "quantity": 0}, False, 1),
    Row("track", "Add to Cart", {}, False, 1),
    Row("track", "Add to Cart", {"item_id": 5}, False, 1),
    Row("track", "Add to Cart", {"item_id": "s", "quantity": 2, "cart_id": "cart_9"}, True, 2),
    Row("track", "Add to Cart", {"item_id": "s", "quantity": 2}, False, 2),
    Row("track", "Add to Cart", {"item_id": "s", "quantity": 2, "cart_id": "c9"}, False, 2),
    Row("track", "Signed Up", {"plan": "pro", "signed_up_at": "2024-05-01T10:00:00Z"}, True),
    Row("track", "Signed Up", {"plan": "pro", "signed_up_at": "2024-05-01T10:00:00Z", "referrer": None}, True),
    Row("track", "Signed Up", {"plan": 3, "signed_up_at": "2024-05-01T10:00:00Z"}, False),
    Row("track", "Signed Up", {"plan": "gold", "signed_up_at": "2024-05-01T10:00:00Z"}, False),
    Row("track", "Signed Up", {"plan": "pro", "signed_up_at": "yesterday"}, False),
    Row("track", "Trial Started", {"days": 90}, True, 1),
    Row("track", "Trial Started", {"days": 90}, True, 2),  # no version 2: the oldest applies
    Row("track", "Trial Started", {"days": 90}, False, 3),
    Row("track", "Trial Started", {"days": 14}, True, 3),
    Row("track", "Lesson Played", {"lesson": {"id": "l1", "chapters": ["a", "b"]}, "speed": 1.5}, True),
    Row("track", "Lesson Played", {"lesson": {"id": "l1"}, "extra": 1}, False),
    Row("track", "Lesson Played", {"lesson": {"chapters": []}}, False),
    Row("track", "Lesson Played", {"lesson": {"id": "l1", "chapters": ["a", "b", "c", "d"]}}, False),
    Row("track", "Lesson Played", {"lesson": {"id": "l1", "chapters": [""]}}, False),
    Row("track", "Lesson Played", {"lesson": {"id": "l1"}, "speed": 0}, False),
    Row("page", "Pricing", {"plan_shown": "pro"}, True),
    Row("page", "Pricing", {"plan_shown": "enterprise"}, False),
    Row("identify", None, {"email": "a@example.com", "age": 30}, True),
    Row("identify", None, {"age": 30}, False),
    Row("identify", None, {"email": "a@example.com", "age": 12}, False),
    Row("identify", None, {"email": "not-an-email"}, False),
    Row("group", None, {"employees": 5}, True),
    Row("group", None, {"employees": 0}, False),
]
# The plan's COMMON rule requires a context whose userAgent is not a bot's: every row
# carries a browser's unless it says otherwise.
BROWSER = {"userAgent": "Mozilla/5.0"}
SEGMENT_API = [replace(row, context=row.context if row.context is not None else BROWSER) for row in SEGMENT_API] + [
    Row("track", "Signed Up", {"plan": "pro", "signed_up_at": "2024-05-01T10:00:00Z"}, False, context={"userAgent": "Googlebot/2.1"}),
    Row("track", "Signed Up", {"plan": "pro", "signed_up_at": "2024-05-01T10:00:00Z"}, True, context={"locale": "fr-FR"}),
    Row("track", "Signed Up", {"plan": "pro", "signed_up_at": "2024-05-01T10:00:00Z"}, False, context={"userAgent": 3}),
    Row("identify", None, {"email": "a@example.com", "age": 30}, False, context={"userAgent": "a bot"}),
    Row("page", "Pricing", {"plan_shown": "pro"}, False, context={"userAgent": "slurpbot"}),
    # no event_version: Segment checks the oldest version (1 has no cart_id; 2 requires it)
    Row("track", "Add to Cart", {"item_id": "sku1"}, True, context=BROWSER),
    Row("track", "Trial Started", {"days": 90}, True, context=BROWSER),
]
SEGMENT_V8 = [
    Row("track", "Push Opened", {"campaign": "c1"}, True),
    Row("track", "Push Opened", {"campaign": "c1", "delay_ms": -1}, False),
    Row("track", "Push Opened", {}, False),
    Row("track", "Setting Changed", {"setting": "theme", "value": True}, True),
    Row("track", "Setting Changed", {"setting": "font", "value": "x"}, False),
    Row("track", "Setting Changed", {"setting": "theme", "value": 1}, False),
]
SEGMENT_V7 = [
    Row("track", "Report Exported", {"format": "csv"}, True),
    Row("track", "Report Exported", {"format": "pdf", "rows": None}, True),
    Row("track", "Report Exported", {"format": "doc"}, False),
    Row("track", "Report Exported", {"format": "xlsx", "rows": 1.5}, False),
    Row("track", "Empty Event", {"anything": [1, {"at": "all"}]}, True),
    Row("identify", None, {"role": "admin"}, True),
    Row("identify", None, {"role": "owner"}, False),
    # the Config API's global rule: a locale, when the context has one, is ll-CC
    Row("track", "Report Exported", {"format": "csv"}, True, context={"locale": "en-GB"}),
    Row("track", "Report Exported", {"format": "csv"}, False, context={"locale": "english"}),
    Row("identify", None, {"role": "admin"}, False, context={"locale": "EN"}),
]


@pytest.mark.parametrize("fixture,rows", [
    ("segment/public-api", SEGMENT_API),
    ("segment/typewriter-v8-plan.json", SEGMENT_V8),
    ("segment/typewriter-v7-plan.json", SEGMENT_V7),
], ids=["public-api", "typewriter-v8", "typewriter-v7"])
def test_segment_verdicts(tmp_path, fixture, rows):
    root = _imported(tmp_path, "segment", fixture)
    check_table(root, rows, segment_verdict(fixture))


def test_segment_plan_shape(tmp_path):
    root = _imported(tmp_path, "segment", "segment/public-api")
    plan = read_plan(root)
    assert plan.manifest["name"] == "shop-web" and plan.manifest["description"] == "Events of the web shop."
    assert sorted(plan.files) == [
        "common.json", "events/add-to-cart/1.json", "events/add-to-cart/2.json", "events/lesson-played/1.json",
        "events/page-pricing/1.json", "events/signed-up/1.json", "events/trial-started/1.json",
        "events/trial-started/2.json", "events/trial-started/3.json", "eventspec-plan.json",
        "traits/group.json", "traits/identify.json",
    ]
    assert plan.manifest["unversioned"] == "oldest"  # as Segment checks a call without event_version
    common = plan.files["common.json"]
    assert common.kind == "common" and "calls" not in common.meta  # every call, as Segment applies it
    assert common.meta["origin"] == {"vendor": "segment", "rule": "COMMON", "key": None, "version": 1}
    assert common.document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert common.document["required"] == ["context"]
    assert common.document["properties"]["context"]["properties"]["userAgent"] == {"type": "string", "not": {"pattern": "bot"}}
    cart = plan.files["events/add-to-cart/2.json"]
    assert cart.version == (2, 0, 0) and cart.meta["labels"] == {"area": "checkout"}
    assert cart.meta["origin"] == {"vendor": "segment", "rule": "TRACK", "key": "Add to Cart", "version": 2}
    assert cart.document["description"].startswith("A shopper put an item in the cart")
    assert "id" not in cart.document["properties"]["item_id"]  # Segment's draft-04 style ids are dropped
    assert plan.files["events/page-pricing/1.json"].call == "page"
    filled = plan.files["events/trial-started/2.json"].meta["origin"]
    assert filled == {"vendor": "segment", "rule": "TRACK", "key": "Trial Started", "version": 1, "filled": 2}


def test_segment_notes(tmp_path):
    written = import_plan("segment", FIXTURES / "segment" / "public-api", tmp_path / "plan")
    notes = "\n".join(written.notes)
    assert "'Old Banner Clicked' was deprecated" in notes
    assert "the COMMON rule is common.json" in notes
    assert "'Trial Started' has no version 2" in notes
    assert "against the newest" not in notes  # the plan's unversioned setting does as Segment does


def test_segment_common_rules_newest_version_and_draft_04_ids(tmp_path):
    """Several COMMON versions: the newest is kept (as for traits) and a note says so;
    draft-04 style ids go, as in events; an empty global writes no common.json."""
    def common(version: int, pattern: str) -> dict[str, Any]:
        return {"type": "COMMON", "key": None, "version": version, "jsonSchema": {
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"context": {"id": "/properties/context", "type": "object", "properties": {
                "ip": {"id": "/properties/context/properties/ip", "type": ["string"], "pattern": pattern}}}}}}

    track = {"type": "TRACK", "key": "Thing Done", "version": 1, "jsonSchema": {"type": "object"}}
    (tmp_path / "rules.json").write_text(json.dumps({"data": {"rules": [track, common(1, "^10\\."), common(2, "^192\\.")]}}))
    written = import_plan("segment", tmp_path / "rules.json", tmp_path / "plan")
    assert "the COMMON rule has versions [1, 2] in Segment; a plan has one such schema, so version 2 is kept" in written.notes
    document = read_plan(tmp_path / "plan").files["common.json"].document
    assert document["properties"]["context"] == {"type": "object", "properties": {"ip": {"type": ["string"], "pattern": "^192\\."}}}
    catalog = eventspec.load_plan(tmp_path / "plan")
    bad = catalog.validate({"type": "alias", "userId": "u1", "previousId": "a", "context": {"ip": "10.0.0.1"}})
    assert [(f.path, f.category, f.schema_id) for f in bad.errors] == [
        ("$.context.ip", "pattern-mismatch", "https://eventspec.dev/plans/rules/common.json")]
    empty = {"type": "COMMON", "key": None, "version": 1, "jsonSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"context": {}, "traits": {"type": "object"}}}}
    (tmp_path / "empty.json").write_text(json.dumps({"data": {"rules": [track, empty]}}))
    written = import_plan("segment", tmp_path / "empty.json", tmp_path / "plan2")
    assert "common.json" not in read_plan(tmp_path / "plan2").files
    assert "the COMMON rule asserts nothing about a message; no common.json is written" in written.notes


# --- the command ---------------------------------------------------------------------


def test_cli_import(tmp_path):
    result = run("import", "segment", str(FIXTURES / "segment" / "typewriter-v8-plan.json"), "-o", str(tmp_path / "p"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote 3 file(s) to {tmp_path / 'p'} from segment")
    assert "lint: 0 error(s)" in result.stdout
    again = run("import", "segment", str(FIXTURES / "segment" / "typewriter-v8-plan.json"), "-o", str(tmp_path / "p"))
    assert again.returncode == 2 and "not an empty folder" in again.stderr
    assert run("import", "segment", str(FIXTURES / "segment" / "typewriter-v8-plan.json"), "-o", str(tmp_path / "p"), "--force").returncode == 0
    wrong = run("import", "segment", str(FIXTURES / "segment" / "README.md"), "-o", str(tmp_path / "q"))
    assert wrong.returncode == 2 and "cannot be read as JSON" in wrong.stderr
    assert run("import", "segment", str(tmp_path / "missing.json"), "-o", str(tmp_path / "r")).returncode == 2


# --- Avo ---------------------------------------------------------------------------

AVO = json.loads((FIXTURES / "avo" / "export.json").read_text())


def avo_verdict(row: Row, payload: dict[str, Any]) -> bool:
    # an event passes when it fits the event or one of its variants; Avo's rule also
    # requires its own nameMapping bookkeeping key, supplied here
    entries = [e for e in AVO["events"] if e["name"] == row.name]
    return any(passes(e["rules"], {"properties": payload["properties"], "nameMapping": []}) for e in entries)


AVO_ROWS = [
    Row("track", "Signup Started", {"referral": "ad", "app_version": "2.1.0"}, True),
    Row("track", "Signup Started", {"referral": "friend", "app_version": "10.0", "form_step": 4}, True),
    Row("track", "Signup Started", {"referral": "ad"}, False),
    Row("track", "Signup Started", {"referral": "tv", "app_version": "2.1"}, False),
    Row("track", "Signup Started", {"referral": "ad", "app_version": "2.1", "extra": 1}, False),
    Row("track", "Signup Started", {"referral": "ad", "app_version": "2.1", "form_step": 5}, False),
    Row("track", "Signup Started", {"referral": "ad", "app_version": "v2"}, False),
    Row("page", "Pricing Viewed", {"currency": "EUR"}, True),
    Row("page", "Pricing Viewed", {}, True),
    Row("page", "Pricing Viewed", {"currency": "USD"}, False),
    Row("track", "Checkout Done", {"order_id": "o1", "amount": 9.5}, True),
    Row("track", "Checkout Done", {"order_id": "o1", "amount": 9.5, "guest_email": "g@example.com"}, True),
    Row("track", "Checkout Done", {"order_id": "o1", "amount": 0}, False),
    Row("track", "Checkout Done", {"order_id": "o1", "amount": 1, "coupon": "x"}, False),
    Row("track", "Checkout Done", {"order_id": "o1"}, False),
]


def test_avo_verdicts(tmp_path):
    root = _imported(tmp_path, "avo", "avo/export.json")
    check_table(root, AVO_ROWS, avo_verdict)


def test_avo_system_properties_are_common_json(tmp_path):
    root = _imported(tmp_path, "avo", "avo/export.json")
    common = read_plan(root).files["common.json"]
    assert common.meta["calls"] == ["track", "page", "screen"]
    assert common.document["properties"]["properties"]["properties"] == {
        "app_version": {"description": "The app's version.", "type": "string", "pattern": "^[0-9]+\\.[0-9]+"}}
    assert "required" not in common.document["properties"]["properties"]  # sent with every event, required by none
    catalog = eventspec.load_plan(root)
    # every event that carries the system property is checked for it, planned or not
    bad = catalog.validate(message("track", "Something Else", {"app_version": "latest"}))
    assert [(f.path, f.schema_id.rsplit("/", 1)[1]) for f in bad.errors] == [("$.properties.app_version", "common.json")]
    assert catalog.validate(message("track", "Something Else", {"app_version": "2.1"})).ok
    assert catalog.validate(message("identify", None, {"app_version": "latest"})).ok  # identify sends no system properties


def test_avo_plan_shape(tmp_path):
    root = _imported(tmp_path, "avo", "avo/export.json")
    plan = read_plan(root)
    assert plan.manifest["name"] == "Learn-App-Tracking-Plan"
    assert sorted(plan.files) == ["common.json", "events/checkout-done/1.json", "events/page-pricing-viewed/1.json",
                                  "events/signup-started/1.json", "eventspec-plan.json", "traits/group.json", "traits/identify.json"]
    signup = plan.files["events/signup-started/1.json"]
    assert signup.meta["tags"] == ["Onboarding", "Tier 1"] and signup.meta["categories"] == ["Onboarding"]
    assert signup.meta["sources"] == ["Website"]
    assert not {"id", "index", "nameMapping", "isSystemProperty"} & set(signup.document["properties"]["referral"])
    assert plan.files["events/checkout-done/1.json"].meta["variants"] == ["base", "Guest"]
    assert plan.files["events/page-pricing-viewed/1.json"].call == "page"
    identify = plan.files["traits/identify.json"].document["properties"]
    assert identify == {"email": {"description": "The visitor's email.", "type": "string"},
                        "plan": {"description": "The subscription.", "type": "string", "enum": ["free", "pro"]}}
    assert plan.files["traits/group.json"].document["properties"]["seats"]["type"] == "integer"


# --- Iglu --------------------------------------------------------------------------

REGISTRY = FIXTURES / "iglu" / "registry"


def _iglu_schemas(root: Path) -> dict[tuple[str, int], tuple[tuple[int, ...], Any]]:
    """(schema name, MODEL) -> the newest version of that MODEL and its schema."""
    found: dict[tuple[str, int], tuple[tuple[int, ...], Any]] = {}
    for path in root.glob("schemas/*/*/jsonschema/*"):
        version = tuple(int(p) for p in path.name.split("-"))
        key = (path.parent.parent.name, version[0])
        if key not in found or found[key][0] < version:
            found[key] = (version, json.loads(path.read_text()))
    return found


def iglu_verdict(root: Path, names: dict[str, str]) -> Callable[[Row, dict[str, Any]], bool]:
    from jsonschema import Draft4Validator

    schemas = _iglu_schemas(root)

    def verdict(row: Row, payload: dict[str, Any]) -> bool:
        name = names.get(row.name or "", row.name)
        models = [m for (n, m) in schemas if n == name]
        _, schema = schemas[(name, row.version or max(models))]
        # Iglu's self-describing metaschema extends draft-04
        body = {k: v for k, v in schema.items() if k != "$schema"}
        return passes(body, payload["properties"], draft=Draft4Validator)

    return verdict


IGLU_NAMES = {"Signup Click": "signup_click", "video_play": "video_play"}
IGLU_ROWS = [
    Row("track", "Signup Click", {"is_known_user": True}, True, 1),
    Row("track", "Signup Click", {"is_known_user": None, "button": "b"}, True, 1),
    Row("track", "Signup Click", {}, True, 1),
    Row("track", "Signup Click", {"button": "x" * 40}, False, 1),
    Row("track", "Signup Click", {"other": 1}, False, 1),
    Row("track", "Signup Click", {"is_known_user": "yes"}, False, 1),
    Row("track", "Signup Click", {"button": "header", "is_known_user": False}, True, 2),
    Row("track", "Signup Click", {"button": "side"}, False, 2),
    Row("track", "Signup Click", {"button": "modal", "is_known_user": None}, False, 2),
    Row("track", "Signup Click", {}, False, 2),
    Row("track", "video_play", {"video": "v12", "position": 0.5, "rate": 4, "size": [640, 480],
                                "captions": {"language": "en", "style": "big"}}, True),
    Row("track", "video_play", {"video": "v1", "size": [640]}, True),
    Row("track", "video_play", {"video": "x12"}, False),
    Row("track", "video_play", {"video": "v1", "position": 0}, False),
    Row("track", "video_play", {"video": "v1", "rate": 5}, False),
    Row("track", "video_play", {"video": "v1", "size": [1, 2, 3]}, False),
    Row("track", "video_play", {"video": "v1", "captions": {"style": "big"}}, False),
    Row("track", "video_play", {}, False),
]


def test_iglu_verdicts(tmp_path):
    root = _imported(tmp_path, "iglu", "iglu/registry", names=json.loads((FIXTURES / "iglu" / "names.json").read_text()))
    check_table(root, IGLU_ROWS, iglu_verdict(REGISTRY, IGLU_NAMES))
    plan = read_plan(root)
    assert sorted(plan.files) == ["events/signup-click/1.json", "events/signup-click/2.json", "events/video-play/1.json", "eventspec-plan.json"]
    assert plan.manifest["name"] == "com.acme"
    assert plan.files["events/signup-click/1.json"].version == (1, 0, 1)  # the newest of MODEL 1
    assert plan.files["events/signup-click/1.json"].meta["origin"]["schema"] == "iglu:com.acme/signup_click/jsonschema/1-0-1"


def test_iglu_export_round_trip(tmp_path):
    """A plan exported to Iglu gives each payload the verdict the plan gives it, and
    importing the export again gives the same plan verdicts."""
    root = _imported(tmp_path, "iglu", "iglu/registry", names=json.loads((FIXTURES / "iglu" / "names.json").read_text()))
    written = run("export", "iglu", str(root), "-o", str(tmp_path / "out"), "--vendor", "com.acme")
    assert written.returncode == 0, written.stderr
    assert written.stdout == f"wrote 3 Iglu schema(s) to {tmp_path / 'out'}\n"
    exported = _iglu_schemas(tmp_path / "out")
    assert sorted((n, v) for (n, _), (v, _) in exported.items()) == [
        ("signup_click", (1, 0, 1)), ("signup_click", (2, 0, 0)), ("video_play", (1, 0, 0))]
    _, schema = exported[("signup_click", 2)]
    assert schema["self"] == {"vendor": "com.acme", "name": "signup_click", "format": "jsonschema", "version": "2-0-0"}
    assert schema["$schema"].startswith("http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/")
    names = {"Signup Click": "signup_click", "video_play": "video_play"}
    check_table(root, IGLU_ROWS, iglu_verdict(tmp_path / "out", names))
    again = tmp_path / "again"
    import_plan("iglu", tmp_path / "out", again)  # the event names travel in x-eventspec
    assert lint(read_plan(again)).ok
    check_table(again, IGLU_ROWS, iglu_verdict(tmp_path / "out", names))


LEARN_ROWS = [
    Row("track", "Course Started", {"course_id": "c1", "modules": [{"module_id": "m1", "position": 0}]}, True, 1),
    Row("track", "Course Started", {"course_id": "", "modules": []}, False, 1),
    Row("track", "Course Started", {"course_id": "c1", "modules": [{"position": 0}]}, False, 1),
    Row("track", "Course Started", {"course_id": "c1", "level": "advanced"}, True, 2),
    Row("track", "Course Started", {"course_id": "c1"}, False, 2),
    Row("track", "Signed In", {"method": "sso"}, True),
    Row("track", "Signed In", {"method": "sso", "remember": True}, False),
    Row("identify", None, {"email": "a@example.com", "plan": "pro"}, True),
    Row("identify", None, {"plan": "gold"}, False),
]


def test_iglu_export_of_a_plan_with_shared_definitions(tmp_path):
    """Shared definitions are inlined; traits travel as <call>_traits."""
    from jsonschema import Draft4Validator

    learn = Path(__file__).parent / "fixtures" / "plans" / "learn"
    assert run("export", "iglu", str(learn), "-o", str(tmp_path / "out")).returncode == 0
    exported = _iglu_schemas(tmp_path / "out")
    assert {n for n, _ in exported} == {"course_started", "signed_in", "identify_traits"}
    catalog = eventspec.load_plan(learn)
    for row in LEARN_ROWS:
        name = "identify_traits" if row.call == "identify" else row.name.lower().replace(" ", "_")  # type: ignore[union-attr]
        models = [m for (n, m) in exported if n == name]
        _, schema = exported[(name, row.version or max(models))]
        body = {k: v for k, v in schema.items() if k != "$schema"}
        payload = message(row.call, row.name, row.inner, row.version)
        assert passes(body, row.inner, draft=Draft4Validator) is catalog.validate(payload).ok is row.ok, row
    again = tmp_path / "again"
    import_plan("iglu", tmp_path / "out", again)
    assert lint(read_plan(again)).ok
    check_table(again, LEARN_ROWS, lambda row, payload: catalog.validate(payload).ok)


def test_iglu_export_refuses_what_draft_04_cannot_say(tmp_path):
    from planhelp import event, write_plan

    conditional = {**event("Thing Done"), "if": {"required": ["thing_id"]}, "then": {"required": ["thing_id"]}}
    root = write_plan(tmp_path / "p", {"events/thing-done/1.json": conditional})
    result = run("export", "iglu", str(root), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "events/thing-done/1.json: $: if has no draft-04 equivalent" in result.stderr


# --- RudderStack -------------------------------------------------------------------

RUDDER_API = json.loads((FIXTURES / "rudderstack" / "api-plan.json").read_text())


def rudder_verdict(row: Row, payload: dict[str, Any]) -> bool:
    """What RudderStack's compiled rule says: the API's 2019-09 whole-message schema. The
    YAML project and the API file describe one plan, so both imports answer to it."""
    call = row.call
    [event] = [e for e in RUDDER_API["events"] if e["eventType"] == call and (call in ("identify", "group") or e["name"] == row.name)]
    inner_key = "traits" if call in ("identify", "group") else "properties"
    return passes(event["rules"], {inner_key: payload[inner_key]})


ITEM = {"item_sku": "SKU-123"}
RUDDER_ITEM_ROWS = [
    Row("track", "Item Viewed", ITEM, True),
    Row("track", "Item Viewed", {**ITEM, "price": 9.5, "tags": ["a"], "note": None, "shipping": {"city": "Paris", "zip": "75001"}}, True),
    Row("track", "Item Viewed", {**ITEM, "note": "gift"}, True),
    Row("track", "Item Viewed", {"item_sku": "SK-12345"}, False),
    Row("track", "Item Viewed", {"item_sku": "SKU-"}, False),
    Row("track", "Item Viewed", {**ITEM, "price": -1}, False),
    Row("track", "Item Viewed", {**ITEM, "extra": 1}, False),
    Row("track", "Item Viewed", {**ITEM, "shipping": {"zip": "75001"}}, False),
    Row("track", "Item Viewed", {**ITEM, "shipping": {"city": "Paris", "floor": 2}}, False),
    Row("track", "Item Viewed", {**ITEM, "tags": [1]}, False),
    Row("track", "Item Viewed", {**ITEM, "note": 3}, False),
]
RUDDER_ROWS = RUDDER_ITEM_ROWS + [
    Row("track", "Search Performed", {"page_type": "search", "query": "shoes"}, True),
    Row("track", "Search Performed", {"page_type": "search"}, False),
    Row("track", "Search Performed", {"page_type": "category", "results": 3}, True),
    Row("track", "Search Performed", {"page_type": "category", "results": 3, "anything": 1}, True),
    Row("track", "Search Performed", {"page_type": "category"}, False),
    Row("track", "Search Performed", {"page_type": "category", "results": -3}, False),
    Row("track", "Search Performed", {"page_type": "other"}, False),
    Row("track", "Search Performed", {}, False),
    Row("identify", None, {"email": "a@example.com"}, True),
    Row("identify", None, {"email": "a@example.com", "address": {"city": "Paris", "zip": "75001"}}, True),
    Row("identify", None, {"email": "a@example.com", "address": {"zip": "75001"}}, False),
    Row("identify", None, {"email": "a@example.com", "address": {"city": "Paris", "street": "x"}}, False),
    Row("identify", None, {"email": "nope"}, False),
    Row("identify", None, {"email": "a@example.com", "age": 30}, False),
    Row("screen", "Settings", {"section": "privacy"}, True),
    Row("screen", "Settings", {"section": "billing"}, False),
    Row("screen", "Settings", {"section": "account", "extra": 1}, False),
]


@pytest.mark.parametrize("fixture,rows", [
    ("rudderstack/project", RUDDER_ROWS),
    ("rudderstack/api-plan.json", RUDDER_ROWS),
    ("rudderstack/legacy", RUDDER_ITEM_ROWS),
], ids=["yaml-v1", "api", "yaml-0.1"])
def test_rudderstack_verdicts(tmp_path, fixture, rows):
    root = _imported(tmp_path, "rudderstack", fixture)
    check_table(root, rows, rudder_verdict)


def test_rudderstack_plan_shape(tmp_path):
    root = _imported(tmp_path, "rudderstack", "rudderstack/project")
    plan = read_plan(root)
    assert plan.manifest["name"] == "shop" and plan.manifest["description"] == "The web shop's events."
    assert sorted(plan.files) == ["events/item-viewed/1.json", "events/screen-settings/1.json",
                                  "events/search-performed/1.json", "eventspec-plan.json", "traits/identify.json"]
    item = plan.files["events/item-viewed/1.json"]
    assert item.meta["labels"] == {"category": "Browsing"} and item.document["additionalProperties"] is False
    assert item.document["properties"]["item_sku"] == {"description": "The item's stock keeping unit.", "type": "string",
                                                       "pattern": "^SKU-", "minLength": 5, "maxLength": 20}
    identify = plan.files["traits/identify.json"].document
    assert identify["properties"]["address"] == {"description": "A postal address.", "$ref": "#/$defs/Address"}
    assert identify["$defs"]["Address"]["additionalProperties"] is False
    search = plan.files["events/search-performed/1.json"].document
    assert "additionalProperties" not in search and len(search["allOf"]) == 3


def test_rudderstack_errors(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tp.yaml").write_text("version: rudder/v1\nkind: tracking-plan\nmetadata: {name: x}\nspec:\n  id: x\n"
                                 "  rules:\n    - {type: event_rule, id: r, event: '#event:missing'}\n")
    result = run("import", "rudderstack", str(bad), "-o", str(tmp_path / "out"))
    assert result.returncode == 2 and "'#event:missing' resolves to nothing in the project" in result.stderr
    (bad / "tp.yaml").write_text("version: rudder/v9\nkind: events\nspec: {}\n")
    assert "is not rudder/v1 or rudder/0.1" in run("import", "rudderstack", str(bad), "-o", str(tmp_path / "o2")).stderr


def test_rudderstack_yaml_needs_the_extra(tmp_path, monkeypatch):
    import sys

    from eventspec._importers import ImportFailed

    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    with pytest.raises(ImportFailed, match=r"pip install 'eventspec\[yaml\]'"):
        import_plan("rudderstack", FIXTURES / "rudderstack" / "project", tmp_path / "out")
    # the API's JSON needs no YAML
    import_plan("rudderstack", FIXTURES / "rudderstack" / "api-plan.json", tmp_path / "api")


def test_iglu_export_says_it_leaves_common_json_out(tmp_path):
    root = _imported(tmp_path, "segment", "segment/public-api")
    result = run("export", "iglu", str(root), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "eventspec: note: common.json is not exported: an Iglu schema describes an event's data" in result.stderr
    assert not any("common" in path.name for path in (tmp_path / "out").rglob("*"))
