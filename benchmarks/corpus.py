"""A deterministic, realistic mixed corpus of events for the benchmarks.

All four families and every semantic event; mostly valid, about 5% invalid (one
defect each); orders carry 0-10 products. ``python benchmarks/corpus.py N FILE``
writes N events as NDJSON.
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

import eventspec
from eventspec._catalog import catalog, registry

WORDS = ["alpha", "shoe", "blue", "promo", "summer", "acme", "video", "chat", "order", "cart"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD"]


def _value(schema: dict[str, Any], rng: random.Random, resolver: Any) -> Any:
    if "$ref" in schema and "type" not in schema:
        resolved = resolver.lookup(schema["$ref"])
        return _value(resolved.contents, rng, resolved.resolver)
    if "enum" in schema:
        return rng.choice([v for v in schema["enum"] if v is not None])
    kinds = schema.get("type", "string")
    kind = next(k for k in ([kinds] if isinstance(kinds, str) else kinds) if k != "null")
    if kind == "string":
        if schema.get("format") == "date-time":
            return f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T1{rng.randint(0, 9)}:2{rng.randint(0, 9)}:00.{rng.randint(100, 999)}Z"
        if schema.get("pattern") == "^[0-9]+$":
            return str(rng.randint(1, 9))
        return f"{rng.choice(WORDS)}-{rng.randint(1, 99999)}"
    if kind == "integer":
        return rng.randint(schema.get("minimum", 0), schema.get("maximum", 3600))
    if kind == "number":
        return round(rng.uniform(1, 500), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        items = schema.get("items", {"type": "string"})
        count = rng.randint(0, 10) if "$ref" in items else rng.randint(1, 3)
        return [_value(items, rng, resolver) for _ in range(count)]
    if kind == "object":
        return {k: _value(v, rng, resolver) for k, v in schema.get("properties", {}).items() if rng.random() < 0.7}
    raise ValueError(schema)


def _properties(family: str, event: str, rng: random.Random) -> dict[str, Any]:
    uri = catalog().family(family).events[event]
    declared = catalog().contents[uri]["properties"]["properties"].get("properties", {})
    resolver = registry().resolver(base_uri=uri)
    return {name: _value(sub, rng, resolver) for name, sub in declared.items()}


def _cdp(rng: random.Random, event: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "userId": f"user-{rng.randint(1, 50000)}",
        "anonymousId": None,
        "messageId": f"{rng.getrandbits(64):016x}",
        "timestamp": "2026-11-20T14:03:11.250+00:00",
        "context": {"library": {"name": "analytics-python", "version": "2.3.0"}, "ip": f"203.0.113.{rng.randint(1, 254)}"},
        "integrations": {},
    }
    if event is None:
        call = rng.choice(["identify", "page", "screen", "group", "alias", "track"])
        payload["type"] = call
        if call == "identify":
            payload["traits"] = {"email": f"p{rng.randint(1, 999)}@example.com", "plan": rng.choice(WORDS)}
        elif call in ("page", "screen"):
            payload["name"] = rng.choice(WORDS)
            payload["properties"] = {"url": "https://example.com/" + rng.choice(WORDS)} if call == "page" else {}
        elif call == "group":
            payload.update(groupId=f"org-{rng.randint(1, 99)}", traits={"name": "Acme", "object_type_id": "1"})
        elif call == "alias":
            payload["previousId"] = f"anon-{rng.randint(1, 999)}"
        else:
            payload.update(event=f"{rng.choice(WORDS)}_clicked", properties={"n": rng.randint(1, 9)})
        return payload
    payload.update(type="track", event=event, properties=_properties("cdp", event, rng))
    if event == "Device Created or Updated":
        payload["properties"]["device"] = {"token": f"tok-{rng.randint(1, 9999)}", "type": "ios"}
    if event in ("Relationship Deleted", "Object Deleted"):
        payload["properties"]["objectId"] = "acme"
    if event == "Report Delivery Event":
        payload["properties"].update(deliveryId="d-1", metric="clicked")
    return payload


def _retainpixel(rng: random.Random, event: str | None) -> dict[str, Any]:
    base = {"timestamp": "2026-03-10T12:00:00Z", "user_id": f"user-{rng.randint(1, 999)}"}
    if event is None:
        call = rng.choice(["identify", "group", "page", "revenue", "track"])
        extra = {"identify": {"traits": {"plan": "pro"}}, "group": {"group_id": "company-789"},
                 "page": {"anonymous_id": "abc-123", "name": "Pricing"},
                 "revenue": {"amount": round(rng.uniform(1, 99), 2), "currency": rng.choice(CURRENCIES)},
                 "track": {"event": "feature_used", "properties": {"feature": "export"}}}[call]
        return {"type": call, **base, **extra}
    props = _properties("retainpixel", event, rng)
    required = catalog().contents[catalog().family("retainpixel").events[event]]["properties"]["properties"]["required"]
    for name in required:
        props.setdefault(name, "x")
    return {"type": "track", "event": event, **base, "properties": props}


def _userpilot(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(["identify_user", "identify_company", "page_view", "track"])
    payload = {"event_type": kind, "source": "web-client", "inserted_at": "2024-07-28 08:55:35.874555",
               "user_id": f"user_{rng.randint(1, 999)}", "company_id": "company_1", "metadata": {"plan": "pro", "seats": 3}}
    if kind == "page_view":
        payload.update(hostname="example.com", pathname="/dashboard")
    if kind == "track":
        payload["event_name"] = "account_upgraded"
    return payload


def _customerio(rng: random.Random) -> dict[str, Any]:
    return {"name": rng.choice(WORDS), "customer_id": f"c-{rng.randint(1, 999)}", "timestamp": 1700000000 + rng.randint(0, 10**6),
            "data": {"plan": "pro"}, "context": {"ip": "198.51.100.7", "locale": "en-US"}}


def _break(payload: dict[str, Any], rng: random.Random) -> None:
    """One defect, of the kinds real pipelines produce."""
    if "properties" in payload and isinstance(payload["properties"], dict) and payload["properties"] and rng.random() < 0.6:
        name = rng.choice(sorted(payload["properties"]))
        value = payload["properties"][name]
        payload["properties"][name] = "12.50" if not isinstance(value, str) else 12.5
    elif "timestamp" in payload:
        payload["timestamp"] = "20/11/2026 14:03" if isinstance(payload["timestamp"], str) else "now"
    else:
        payload.pop(next(iter(payload)))


def corpus(count: int, seed: int = 20261123, invalid_share: float = 0.05) -> list[dict[str, Any]]:
    """``count`` events: mostly cdp (with every semantic event), all families present."""
    rng = random.Random(seed)
    cdp_events = eventspec.events("cdp")
    rp_events = eventspec.events("retainpixel")
    events: list[dict[str, Any]] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.70:
            event = cdp_events[i % len(cdp_events)] if rng.random() < 0.6 else None
            payload = _cdp(rng, event)
        elif roll < 0.85:
            payload = _retainpixel(rng, rp_events[i % len(rp_events)] if rng.random() < 0.5 else None)
        elif roll < 0.95:
            payload = _userpilot(rng)
        else:
            payload = _customerio(rng)
        if rng.random() < invalid_share:
            _break(payload, rng)
        events.append(payload)
    return events


def family_of(payload: dict[str, Any]) -> str:
    from eventspec._cli import detect

    return detect(payload)


if __name__ == "__main__":
    count, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "w", encoding="utf-8") as out:
        for event in corpus(count):
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
