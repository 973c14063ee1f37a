"""eventspec.strategies: every bundled call and event, valid and with one defect.

The central properties: every generated payload is valid, with no warnings, as the
schema it was generated for; every generated invalid payload has an error at the
path its defect names. Then the generator's own guarantees: it understands every
keyword the bundled schemas use, its hand-made values are what they claim, it is
deterministic from a seed, and it shrinks to small payloads.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import eventspec
from eventspec import strategies as es
from eventspec._catalog import catalog
from eventspec._defects import KINDS, Defect, defects
from eventspec._generate import Target, sample, size, targets
from eventspec._nodes import (
    ANNOTATIONS,
    BAD_FORMATS,
    FORMATS,
    KEYWORDS,
    Unsupported,
    build,
    node_for,
)
from eventspec._samples import FORMAT_MAKERS, pattern_maker
from eventspec._sources import RandomSource

# The cdp document's "API limits": 32KB a call, 500KB a batch, read as 1,024 bytes a KB.
CALL_LIMIT = 32 * 1024
BATCH_LIMIT = 500 * 1024

# Every call of every family, and every semantic event (as a track call).
TARGETS = [
    (family, call, None) for family in eventspec.families() for call in eventspec.calls(family)
] + [(family, "track", event) for family in eventspec.families() for event in eventspec.events(family)]


def _id(target: tuple[str, str, str | None]) -> str:
    family, call, event = target
    return f"{family}:{event or call}"


# 30 examples of each of the 90 targets, valid and invalid: about half a minute here.
# EVENTSPEC_EXAMPLES=500 runs more, to search harder after changing the generator.
PROPERTY = settings(max_examples=int(os.environ.get("EVENTSPEC_EXAMPLES", "30")), deadline=None)


def _strategy_args(family: str, call: str, event: str | None) -> dict[str, Any]:
    return {"spec": family, "event": event} if event else {"spec": family, "call": call}


@pytest.mark.parametrize("target", TARGETS, ids=_id)
@PROPERTY
@given(data=st.data())
def test_every_generated_payload_is_valid(target, data):
    family, call, event = target
    payload = data.draw(es.events(**_strategy_args(family, call, event)), label="payload")
    report = eventspec.validate(payload, spec=family)
    assert report.ok, str(report)
    assert report.warnings == (), str(report)
    assert report.call == call
    if event is not None:
        assert report.event == event
    limit = BATCH_LIMIT if call == "batch" else CALL_LIMIT
    assert size(payload) <= limit


@pytest.mark.parametrize("target", TARGETS, ids=_id)
@PROPERTY
@given(data=st.data())
def test_every_generated_defect_is_reported_at_its_path(target, data):
    family, call, event = target
    payload, path = data.draw(es.invalid_events(**_strategy_args(family, call, event)), label="case")
    report = eventspec.validate(payload, spec=family)
    assert not report.ok
    assert path in [f.path for f in report.errors], str(report)


# ---------------------------------------------------------------- the keyword set
def _walk_keywords(schema: Any, found: dict[str, set[str]]) -> None:
    if not isinstance(schema, dict):
        return
    for keyword, value in schema.items():
        found.setdefault(keyword, set())
        if keyword in ("properties", "$defs", "patternProperties", "dependentSchemas"):
            for sub in value.values():
                _walk_keywords(sub, found)
        elif keyword in ("allOf", "anyOf", "oneOf", "prefixItems"):
            for sub in value:
                _walk_keywords(sub, found)
        elif isinstance(value, dict) and keyword not in ("const", "default", "examples"):
            _walk_keywords(value, found)
        if keyword in ("format", "pattern"):
            found[keyword].add(value)


def _bundled_keywords() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for schema in catalog().contents.values():
        _walk_keywords(schema, found)
    return found


def test_the_generator_supports_every_keyword_the_bundled_schemas_use():
    # Fails when a schema starts using a keyword (or format) the generator does not
    # implement: teach `eventspec._nodes` (and the defect planner) about it first.
    used = _bundled_keywords()
    assert set(used) - KEYWORDS - ANNOTATIONS == set()
    assert used["format"] <= FORMATS
    for uri in catalog().contents:
        node_for(uri)  # builds without Unsupported


def test_every_bundled_pattern_has_a_generator_of_its_own():
    # Hypothesis' from_regex would do, but its strings are unreadable, and a seeded
    # sample (eventspec example) has no Hypothesis to ask.
    source = RandomSource(0)
    for pattern in _bundled_keywords()["pattern"]:
        maker = pattern_maker(pattern)
        assert maker is not None, pattern
        for _ in range(200):
            assert re.search(pattern, maker(source)), pattern


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [({"contains": {"type": "string"}}, "contains"),
     ({"if": {"type": "string"}, "then": {"minLength": 2}}, "if"),
     ({"propertyNames": {"maxLength": 3}}, "propertyNames"),
     ({"properties": {"a": {"unevaluatedProperties": False}}}, "unevaluatedProperties"),
     ({"type": "string", "format": "hostname"}, "format")],
)
def test_an_unsupported_keyword_is_refused_not_ignored(schema, keyword):
    with pytest.raises(Unsupported) as raised:
        build(schema, resolver=None)
    assert raised.value.keyword == keyword
    assert keyword in str(raised.value)


@given(data=st.data())
@settings(max_examples=30, deadline=None)
def test_a_pattern_without_a_generator_of_its_own_is_made_from_the_regex(data):
    from eventspec._generate import value
    from eventspec.strategies import _HypothesisSource

    node = build({"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"}, resolver=None)
    made = value(node, "code", "", _HypothesisSource(data.draw))
    assert re.search("^[A-Z]{3}-[0-9]{2}$", made)  # search semantics, as validators use
    # without Hypothesis (sample, eventspec example), a small sampler of the regex syntax
    assert re.search("^[A-Z]{3}-[0-9]{2}$", value(node, "code", "", RandomSource(0)))
    with pytest.raises(NotImplementedError, match="without Hypothesis"):
        value(build({"type": "string", "pattern": "^(?!a)a$"}, resolver=None), "code", "", RandomSource(0))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_format_values_are_what_they_claim(fmt):
    # judged by jsonschema's own format checker, not by the generator
    checker = Draft202012Validator.FORMAT_CHECKER
    source = RandomSource(1)
    for _ in range(300):
        assert checker.conforms(FORMAT_MAKERS[fmt](source), fmt)
    for bad in BAD_FORMATS[fmt]:
        assert not checker.conforms(bad, fmt), bad


# ---------------------------------------------------------------- realistic values
def test_payloads_are_complete_envelopes():
    payload = sample(Target("cdp", "track", "Order Completed"), seed=1)
    assert {"type", "event", "messageId", "timestamp", "context", "properties"} <= payload.keys()
    assert payload.get("userId") or payload.get("anonymousId")
    assert {"name", "version"} <= payload["context"]["library"].keys()
    for family in ("retainpixel", "customerio-event"):
        assert "context" in sample(targets(family)[0], seed=1)


def test_values_look_real():
    seen: dict[str, set[Any]] = {}
    for seed in range(40):
        payload = sample(Target("cdp", "track", "Order Completed"), seed)
        for key in ("userId", "timestamp"):
            seen.setdefault(key, set()).add(payload.get(key))
        seen.setdefault("currency", set()).add(payload["properties"].get("currency"))
    assert "user-1" in seen["userId"] or "97980cfea0067" in seen["userId"]  # the documents'
    rfc3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
    assert all(rfc3339.fullmatch(t) for t in seen["timestamp"])
    currencies = set(catalog().contents["https://eventspec.dev/schemas/v1/common/currency.json"]["enum"])
    assert seen["currency"] - {None} and seen["currency"] - {None} <= currencies


def test_identity_and_device_token_rules_are_respected():
    for seed in range(30):
        track = sample(Target("cdp", "track"), seed)
        assert track.get("userId") or track.get("anonymousId")
        device = sample(Target("cdp", "track", "Device Created or Updated"), seed)
        tokens = [(device.get(where) or {}).get("device", {}).get("token") for where in ("properties", "context")]
        assert device["userId"] and any(tokens)


def test_custom_track_events_are_no_semantic_event():
    for seed in range(20):
        payload = sample(Target("cdp", "track"), seed)
        report = eventspec.validate(payload)
        assert report.event is None and report.ok and not report.warnings  # no near miss
        strict = eventspec.validate(payload, strict=True)
        assert [f.category for f in strict.errors] == ["unknown-event"]


def test_sample_is_deterministic_for_a_seed():
    one = es.sample(spec="cdp", event="Video Playback Started", seed=42)
    assert es.sample(spec="cdp", event="Video Playback Started", seed=42) == one
    assert es.sample(spec="cdp", event="Video Playback Started", seed=43) != one


def test_failures_shrink_to_small_readable_payloads():
    smallest = find(es.events(spec="cdp", event="Order Completed"), lambda payload: True,
                    settings=settings(database=None, max_examples=50))
    assert smallest["event"] == "Order Completed"
    assert smallest["userId"] == "user-1"  # the documents' example id
    assert smallest["timestamp"] == "2024-05-01T12:30:00.000Z"
    assert smallest["properties"] == {}
    assert size(smallest) < 300
    with_products = find(es.events(spec="cdp", event="Order Completed"),
                         lambda payload: payload["properties"].get("products"),
                         settings=settings(database=None, max_examples=500))
    assert with_products["properties"] == {"products": [{}]}


# ---------------------------------------------------------------- arguments
def test_call_track_gives_custom_and_semantic_events():
    options = targets("cdp", call="track")
    assert options[0] == Target("cdp", "track") and len(options) == 1 + len(eventspec.events("cdp"))
    assert targets("cdp", event="Order Completed", call="track") == (Target("cdp", "track", "Order Completed"),)
    assert {t.call for t in targets("retainpixel")} == set(eventspec.calls("retainpixel"))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"spec": "segment"}, eventspec.UnknownFamily),
        ({"spec": "cdp", "event": "Order Complete"}, eventspec.UnknownEvent),
        ({"spec": "cdp", "call": "trak"}, eventspec.UnknownCall),
        ({"spec": "cdp", "event": "Order Completed", "call": "identify"}, ValueError),
        ({"spec": "userpilot", "event": "Order Completed"}, eventspec.UnknownEvent),
    ],
)
def test_unknown_names_raise_when_the_strategy_is_used(kwargs, error):
    strategy = es.events(**kwargs)  # building it raises nothing, as with Hypothesis' own
    with pytest.raises(error):
        strategy.validate()
    with pytest.raises(error):
        es.invalid_events(**kwargs).validate()
    with pytest.raises(error):
        es.sample(**kwargs)


# ---------------------------------------------------------------- defects
def test_every_kind_of_defect_is_made():
    made = {d.kind for seed in range(5) for t in (Target("cdp", "track", "Order Completed"),
                                                 Target("cdp", "track", "Video Playback Started"),
                                                 Target("cdp", "identify"))
            for d in defects(t, sample(t, seed))}
    assert made == set(KINDS)


@pytest.mark.parametrize(
    ("target", "payload", "path"),
    [
        # RULINGS 2 and 12: identity and the device token are reported at $
        (Target("cdp", "track"), {"type": "track", "event": "x", "userId": "u1", "anonymousId": None}, "$"),
        (Target("cdp", "track", "Device Created or Updated"),
         {"type": "track", "event": "Device Created or Updated", "userId": "u1",
          "properties": {"device": {"token": "t", "type": "ios"}}}, "$"),
        (Target("cdp", "track", "Relationship Deleted"),
         {"type": "track", "event": "Relationship Deleted", "userId": "1", "properties": {"objectId": "a"}},
         "$.properties.objectId"),
    ],
)
def test_defects_name_the_paths_of_the_rulings(target, payload, path):
    found = [d for d in defects(target, payload) if d.kind in ("no-alternative", "missing-field")]
    assert path in {d.path for d in found}
    for defect in found:
        assert defect.path in [f.path for f in eventspec.validate(defect.apply(payload)).errors]


def test_a_defect_changes_a_copy():
    payload = {"type": "track", "event": "x", "userId": "u1"}
    defect = Defect("missing-field", ("event",), ((("event",), object()),))
    assert defect.apply(payload) is not payload and payload == {"type": "track", "event": "x", "userId": "u1"}


def test_size_defects_are_just_over_the_limit():
    target = Target("cdp", "track", "Order Completed")
    payload = sample(target, 3)
    (oversize,) = [d for d in defects(target, payload) if d.kind == "size-limit"]
    assert size(oversize.apply(payload)) == CALL_LIMIT + 1
    batch = Target("cdp", "batch")
    payload = {"batch": [sample(Target("cdp", "identify"), 1)]}
    paths = {d.path: size(d.apply(payload)) for d in defects(batch, payload) if d.kind == "size-limit"}
    assert paths["$"] == BATCH_LIMIT + 1 and "$.batch[0]" in paths


def test_an_oversized_item_in_a_batch_with_a_context_is_reported():
    item = {"type": "track", "userId": "u", "event": "x", "properties": {"notes": "x" * CALL_LIMIT}}
    report = eventspec.validate({"batch": [item], "context": {"channel": "server"}})
    assert "$.batch[0]" in [f.path for f in report.errors]


# ---------------------------------------------------------------- the command
def test_example_command_is_deterministic_and_valid(capsys):
    from eventspec._cli import main

    outputs = []
    for _ in range(2):
        assert main(["example", "Order Completed", "--seed", "5"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    payload = json.loads(outputs[0])
    assert eventspec.validate(payload).event == "Order Completed" and eventspec.validate(payload).ok
    assert main(["example", "identify", "--spec", "userpilot"]) == 2
    assert "no call or semantic event named 'identify'" in capsys.readouterr().err


def test_example_command_is_deterministic_across_processes():
    import subprocess
    import sys

    def run(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        return subprocess.run([sys.executable, "-m", "eventspec", "example", "page", "--seed", "9"],
                              capture_output=True, text=True, check=True, env=env).stdout

    assert run("1") == run("2")
    assert eventspec.validate(json.loads(run("3"))).ok


# ---------------------------------------------------------------- a user's first test
# A user's test file: no settings, no profile, Hypothesis' defaults (a 200 ms deadline,
# the too_slow health check over the first draws, an example database in .hypothesis/).
PLAIN_TEST = '''
import eventspec
from hypothesis import given
from eventspec import strategies as es


@given(es.events(spec="cdp", event="Product Added"))
def test_product_added(payload):
    assert eventspec.validate(payload, spec="cdp").ok


@given(es.invalid_events(spec="cdp", event="Product Added"))
def test_product_added_defects(case):
    payload, path = case
    assert path in [f.path for f in eventspec.validate(payload, spec="cdp").errors]


@given(es.events(spec="retainpixel"))
def test_any_retainpixel_call(payload):
    assert eventspec.validate(payload, spec="retainpixel").ok
'''

# In a fresh process: how long making a strategy takes, how long its first draw takes,
# and what the draws loaded (modules, catalog, schema nodes) that making it had not.
FIRST_DRAW = '''
import json, sys, time
from hypothesis import HealthCheck, given, settings, strategies as st

start = time.perf_counter()
from eventspec import strategies as es
strategy = es.{strategy}
made = time.perf_counter() - start

from eventspec import load_plan
from eventspec._catalog import bundled

@settings(database=None, max_examples=1)
@given(st.integers())
def hypothesis_warms_up(n):  # Hypothesis' own first-use costs are not the strategy's
    pass

hypothesis_warms_up()
# the catalog read, and what it and the plan's catalog derived (schema nodes, the
# generator's roots among it)
plan = load_plan({plan!r})
counts = lambda: [bundled.cache_info().misses, len(bundled()._state.memo), len(plan._state.memo)]
before, modules, draws = counts(), set(sys.modules), []

@st.composite
def timed(draw):
    begin = time.perf_counter()
    value = draw(strategy)
    draws.append(time.perf_counter() - begin)
    return value

@settings(database=None, max_examples=5, suppress_health_check=list(HealthCheck))
@given(timed())
def draw_some(value):
    pass

draw_some()
loaded = sorted(m for m in set(sys.modules) - modules if m.split(".")[0] in ("eventspec", "jsonschema", "referencing"))
print(json.dumps({{"made": made, "first": draws[0], "loaded": loaded, "misses": [before, counts()]}}))
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    """A directory outside the repository: its conftest and settings profile stay out."""
    return tmp_path_factory.mktemp("user-project")


def test_a_plain_given_passes_with_hypothesis_defaults(project):
    import subprocess
    import sys

    (project / "test_plain.py").write_text(PLAIN_TEST)
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_plain.py"],
                            cwd=project, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout


@pytest.mark.parametrize(
    "strategy",
    ['events(spec="cdp", event="Product Added")', 'invalid_events(spec="cdp", event="Product Added")',
     'events(spec="cdp", call="batch")', 'events(spec="userpilot")',
     'events(plan={plan!r}, event="Course Started")', 'invalid_events(plan={plan!r})'],
)
def test_the_first_draw_does_no_setup(project, strategy):
    # What makes a plain @given robust on a busy machine: the setup is done when the
    # strategy is made, so the first draw is as cheap as any (the health check counts it).
    import subprocess
    import sys

    plan = str(Path(__file__).parent.parent / "examples" / "plan")
    script = FIRST_DRAW.format(strategy=strategy.format(plan=plan), plan=plan)
    result = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    measured = json.loads(result.stdout)
    assert measured["loaded"] == []  # no module imported in a draw
    before, after = measured["misses"]
    assert before == after  # the catalog and every schema node were built before
    assert measured["first"] < measured["made"]  # in practice a few ms against a few hundred
