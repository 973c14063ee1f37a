"""Each family's dialect is one record, read from its ``eventspec-family.json``, and the
code that recognises, validates and generates payloads reads it from there."""

from __future__ import annotations

import dataclasses
import json
from importlib.resources import files
from types import MappingProxyType

import pytest

import eventspec
from eventspec._catalog import Catalog, Recognise, bundled
from eventspec._defects import defects
from eventspec._generate import Target, sample, size
from eventspec._lines import check_raw, detect

# What the documents say of each family (seeds 000, 002, 004 and RULINGS 7).
DOCUMENTED = {
    "cdp": dict(type_field="type", event_field="event", call_limit=32 * 1024, batch_limit=500 * 1024,
                batch_call="batch"),
    "customerio-event": dict(type_field=None, event_field=None, call_limit=None, batch_limit=None, batch_call=None),
    "retainpixel": dict(type_field="type", event_field="event", call_limit=None, batch_limit=None, batch_call=None),
    "userpilot": dict(type_field="event_type", event_field=None, call_limit=None, batch_limit=None,
                      batch_call=None),
}


@pytest.mark.parametrize("family", sorted(DOCUMENTED))
def test_the_record_holds_what_the_documents_say(family):
    dialect = bundled().family(family).dialect
    for name, expected in DOCUMENTED[family].items():
        assert getattr(dialect, name) == expected, name


def test_every_family_says_how_it_is_recognised_and_one_takes_the_rest():
    orders = []
    last_resort = []
    for family in eventspec.families():
        raw = json.loads(files("eventspec.schemas").joinpath(family, "eventspec-family.json").read_text())
        assert raw["detect"]["when"], family
        orders.append(raw["detect"]["order"])
        last_resort += [family for rule in bundled().family(family).dialect.detect if rule.always]
    assert len(set(orders)) == len(orders)  # no two families tried at once
    assert last_resort == ["cdp"]


def _with(cat: Catalog, family: str, **changes) -> Catalog:
    families = {name: cat.family(name) for name in cat.families()}
    record = families[family]
    families[family] = dataclasses.replace(record, dialect=dataclasses.replace(record.dialect, **changes))
    return Catalog(cat.documents, families)


def test_detection_follows_the_records_not_code():
    payload = {"type": "track", "event": "x", "userId": "u", "source": "legacy-pixel"}
    assert bundled().detect(payload) == "cdp"
    claimed = _with(bundled(), "retainpixel", detect=(Recognise(values=(("source", ("legacy-pixel",)),)),))
    assert claimed.detect(payload) == "retainpixel"
    assert claimed.detect({"type": "track", "event": "x", "user_id": "u"}) == "cdp"  # its old rules are gone
    # the order decides between two families that both claim a payload
    both = _with(claimed, "userpilot", detect=(Recognise(has=("source",)),), detect_order=9)
    assert both.detect(payload) == "retainpixel"
    first = _with(both, "userpilot", detect_order=-1)
    assert first.detect(payload) == "userpilot"
    # the CLI's line check asks the catalog it is given
    family, _, _ = check_raw(json.dumps(payload).encode(), "auto", False, claimed)
    assert family == "retainpixel"


@pytest.mark.parametrize(
    "payload",
    [{"type": {"a": 1}}, {"type": [1]}, {"name": "x", "type": {}}, {"event_type": None}, {}, [], None, "x", 1.5],
)
def test_detection_never_raises(payload):
    assert detect(payload) in eventspec.families()


def test_the_generator_reads_the_limits_and_fields_from_the_record():
    tight = _with(bundled(), "cdp", call_limit=2000)
    payload = sample(Target("cdp", "track", "Order Completed", catalog=tight), seed=3)
    assert size(payload) <= 2000
    assert list(payload)[:2] == ["type", "event"]  # the dispatch fields first, as the record names them
    oversize = [d for d in defects(Target("cdp", "track", "Order Completed", catalog=tight), payload)
                if d.kind == "size-limit"]
    assert size(oversize[0].apply(payload)) == 2001
    # a family without limits gets no size defect; one given a limit gets it
    plain = Target("retainpixel", "track", None)
    assert not [d for d in defects(plain, sample(plain, seed=1)) if d.kind == "size-limit"]
    limited = Target("retainpixel", "track", None, catalog=_with(bundled(), "retainpixel", call_limit=5000))
    assert [d for d in defects(limited, sample(limited, seed=1)) if d.kind == "size-limit"]


def test_the_generator_pins_the_type_field_the_record_names():
    renamed = _with(bundled(), "userpilot", type_field="kind")
    target = Target("userpilot", "track", None, catalog=renamed)
    payload = sample(target, seed=5)
    assert payload.get("kind") == "track"


def test_records_are_read_only():
    dialect = bundled().family("cdp").dialect
    assert isinstance(dialect.name_fields, MappingProxyType)
    with pytest.raises(dataclasses.FrozenInstanceError):
        dialect.call_limit = 1  # type: ignore[misc]
