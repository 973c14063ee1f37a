"""eventspec.strategies with a tracking plan: every planned event, valid and with one defect.

The central properties, as for the bundled specs: every payload generated for a plan
event (each version) validates under ``load_plan(...).validate`` with no warnings, and
every generated defect is reported at the path it names. A second plan uses every
keyword the generator claims (drafts 2020-12 and 07), so a keyword it gets wrong fails
here; a keyword it cannot do is refused, naming the keyword and the file, when the
strategy is made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import eventspec
from eventspec import load_plan
from eventspec import strategies as es
from eventspec._defects import defects
from eventspec._generate import Target, root, sample, targets

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "plan"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
PROPERTY = settings(max_examples=int(os.environ.get("EVENTSPEC_EXAMPLES", "30")), deadline=None)


def write_plan(root: Path, files: dict[str, Any], **manifest: Any) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "eventspec-plan.json").write_text(json.dumps({"name": root.name, "spec": "cdp", **manifest}))
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))
    return root


def event_file(name: str, properties: dict[str, Any], required: tuple[str, ...] = (), call: str = "track",
               version: str = "1-0-0", draft: str = DRAFT, **more: Any) -> dict[str, Any]:
    return {"$schema": draft, "x-eventspec": {"call": call, "event": name, "version": version},
            "type": "object", "properties": properties, "required": list(required), **more}


# Every keyword the generator implements, as plans write them.
EVERYTHING = event_file(
    "Everything Happened",
    {
        "plan": {"enum": ["free", "pro", "team"]},
        "kind": {"const": "demo"},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"},
        "email": {"type": "string", "format": "email"},
        "id": {"type": "string", "format": "uuid"},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "link": {"type": "string", "format": "uri"},
        "score": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "stars": {"type": "integer", "minimum": 1, "maximum": 5},
        "price": {"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 1000},
        "even": {"type": "integer", "multipleOf": 2, "exclusiveMaximum": 100},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 12},
                 "minItems": 1, "maxItems": 3, "uniqueItems": True},
        "point": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "items": False,
                  "minItems": 2},
        "amount": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}]},
        "target": {"oneOf": [
            {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}, "required": ["url"]},
            {"type": "object", "properties": {"screen": {"type": "string", "minLength": 1}},
             "required": ["screen"], "additionalProperties": False},
        ]},
        "label": {"type": "string", "minLength": 1, "not": {"enum": ["none", "null"]}},
        "size": {"not": {"type": ["string", "null", "boolean", "array", "object"]}},
        "nickname": {"allOf": [{"type": "string"}, {"maxLength": 12}]},
        "module": {"$ref": "../../properties/module.json"},
        "product": {"$ref": "https://eventspec.dev/schemas/v1/cdp/common/product.json"},
        "meta": {"type": "object", "patternProperties": {"^x_[a-z]+$": {"type": "integer"}},
                 "additionalProperties": False, "minProperties": 1, "maxProperties": 3},
        "card": {"type": "object", "properties": {"number": {"type": "string", "pattern": "^[0-9]{16}$"},
                                                  "cvc": {"type": "string", "pattern": "^[0-9]{3}$"}},
                 "dependentRequired": {"number": ["cvc"]}},
        "legacy": False,
    },
    ("plan", "code", "tags", "target"),
    patternProperties={"^custom_[a-z]+$": {"type": "string", "maxLength": 20}},
    **{"$defs": {"unused": {"contains": {"type": "string"}}}},  # a $defs no one reaches is not built
)

KITCHEN = {
    "properties/module.json": {"$schema": DRAFT, "type": "object",
                               "properties": {"moduleId": {"type": "string", "minLength": 1}},
                               "required": ["moduleId"]},
    "events/everything/1.json": EVERYTHING,
    # draft-07: tuple items, additionalItems, dependencies, and a $ref that hides its siblings
    "events/legacy/1.json": event_file(
        "Legacy Imported",
        {"pair": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}], "additionalItems": False},
         "ver": {"$ref": "#/definitions/ver", "maxLength": 1},
         "billing": {"type": "object", "properties": {"card": {"type": "string"}, "zip": {"type": "string"}},
                     "dependencies": {"card": ["zip"]}}},
        ("pair", "ver"),
        draft="http://json-schema.org/draft-07/schema#",
        definitions={"ver": {"type": "string", "pattern": "^v[0-9]+$"}},
    ),
    # a plan that makes a bundled semantic event stricter
    "events/order-completed/1.json": event_file(
        "Order Completed", {"coupon": {"type": "string", "minLength": 3}, "channel": {"enum": ["web", "app"]}},
        ("coupon", "channel")),
    "events/pricing/1.json": event_file("Pricing", {"plan_shown": {"enum": ["monthly", "yearly"]}}, ("plan_shown",),
                                        call="page"),
    "events/signup/1.json": event_file("Signed Up", {"source": {"type": "string"}}, ("source",)),
    "events/signup/2.json": event_file("Signed Up", {"source": {"enum": ["web", "ios"]}, "trial": {"type": "boolean"}},
                                       ("source", "trial"), version="2-1-0"),
    "traits/identify.json": {"$schema": DRAFT, "type": "object",
                             "properties": {"email": {"type": "string", "format": "email"},
                                            "seats": {"type": "integer", "minimum": 1}}},
    "traits/group.json": {"$schema": DRAFT, "type": "object",
                          "properties": {"name": {"type": "string", "minLength": 1}}, "required": ["name"]},
}


@pytest.fixture(scope="module")
def example() -> eventspec.Catalog:
    return load_plan(EXAMPLE)


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory: pytest.TempPathFactory) -> eventspec.Catalog:
    # strict settings: an unplanned event or property would be an error, not a warning
    path = write_plan(tmp_path_factory.mktemp("plans") / "kitchen", KITCHEN,
                      unplanned_events="error", unplanned_properties="error", unplanned_traits="error")
    return load_plan(path)


def _cases(plan: eventspec.Catalog) -> list[tuple[str, str | None, int | None]]:
    """Every planned event in every version, and identify and group."""
    assert plan.plan is not None
    found: list[tuple[str, str | None, int | None]] = [
        (call, name, version) for (call, name), event in plan.plan.named.items() for version in sorted(event.versions)
    ]
    return found + [("identify", None, None), ("group", None, None)]


def _kwargs(call: str, event: str | None, version: int | None) -> dict[str, Any]:
    return {"event": event, "version": version} if event else {"call": call}


def _ids(case: tuple[str, str | None, int | None]) -> str:
    call, event, version = case
    return f"{event} v{version}" if event else call


EXAMPLE_CASES = _cases(load_plan(EXAMPLE))
KITCHEN_CASES = [("track", "Everything Happened", 1), ("track", "Legacy Imported", 1),
                 ("track", "Order Completed", 1), ("page", "Pricing", 1), ("track", "Signed Up", 1),
                 ("track", "Signed Up", 2), ("identify", None, None), ("group", None, None)]


def _check_valid(plan: eventspec.Catalog, payload: dict[str, Any], case: tuple[str, str | None, int | None]) -> None:
    call, event, version = case
    report = plan.validate(payload)
    assert report.ok, str(report)
    assert report.warnings == (), str(report)
    assert report.call == call
    if event is not None:
        assert plan.plan is not None
        assert report.event == event
        # checked against the version asked for: the payload names it when there are several
        assert report.schema_id == plan.plan.named[call, event].versions[version]


# ---------------------------------------------------------------- the central properties
@pytest.mark.parametrize("case", EXAMPLE_CASES, ids=_ids)
@PROPERTY
@given(data=st.data())
def test_every_example_plan_payload_is_valid(example, case, data):
    payload = data.draw(es.events(plan=example, **_kwargs(*case)), label="payload")
    _check_valid(example, payload, case)


@pytest.mark.parametrize("case", EXAMPLE_CASES, ids=_ids)
@PROPERTY
@given(data=st.data())
def test_every_example_plan_defect_is_reported_at_its_path(example, case, data):
    payload, path = data.draw(es.invalid_events(plan=example, **_kwargs(*case)), label="case")
    report = example.validate(payload)
    assert path in [f.path for f in report.errors], str(report)


@pytest.mark.parametrize("case", KITCHEN_CASES, ids=_ids)
@PROPERTY
@given(data=st.data())
def test_every_keyword_generates_valid_payloads(kitchen, case, data):
    payload = data.draw(es.events(plan=kitchen, **_kwargs(*case)), label="payload")
    _check_valid(kitchen, payload, case)


@pytest.mark.parametrize("case", KITCHEN_CASES, ids=_ids)
@PROPERTY
@given(data=st.data())
def test_every_keyword_gives_defects_reported_at_their_paths(kitchen, case, data):
    payload, path = data.draw(es.invalid_events(plan=kitchen, **_kwargs(*case)), label="case")
    report = kitchen.validate(payload)
    assert path in [f.path for f in report.errors], str(report)


@PROPERTY
@given(data=st.data())
def test_any_planned_event_or_trait_call(example, data):
    payload = data.draw(es.events(plan=example), label="payload")
    report = example.validate(payload)
    assert report.ok and not report.warnings, str(report)
    assert report.call in ("track", "identify", "group")
    assert report.call != "track" or report.event in example.plan.events  # type: ignore[union-attr]


def test_the_keywords_are_all_exercised(kitchen):
    # The property tests above are only as good as what the payloads hold: each keyword
    # of Everything Happened shows up across a few seeded payloads.
    seen: set[str] = set()
    for seed in range(80):
        properties = es.sample(plan=kitchen, event="Everything Happened", seed=seed)["properties"]
        seen.update(properties)
        assert "legacy" not in properties  # `false`: never there
        assert "cvc" in properties.get("card", {"cvc": 1}) or "number" not in properties["card"]
        assert len(properties.get("point", [0, 0])) == 2
    assert set(EVERYTHING["properties"]) - {"legacy"} <= seen
    assert any(key.startswith("custom_") for key in seen)  # a key of patternProperties


def test_defects_inside_the_plan_properties(example, kitchen):
    for plan, event in ((example, "Course Started"), (kitchen, "Everything Happened"), (kitchen, "Legacy Imported")):
        paths: set[str] = set()
        for seed in range(5):
            (target,) = targets(event=event, catalog=plan)
            payload = sample(target, seed)
            for defect in defects(target, payload):
                paths.add(defect.path)
                if defect.kind != "size-limit":
                    assert defect.path in [f.path for f in plan.validate(defect.apply(payload)).errors]
        assert any(p.startswith("$.properties.") for p in paths), paths
    # the kinds a plan's keywords bring: dependentRequired, multipleOf, not
    (target,) = targets(event="Everything Happened", catalog=kitchen)
    kinds = {(d.kind, d.path) for seed in range(10) for d in defects(target, sample(target, seed))}
    assert ("missing-field", "$.properties.card.cvc") in kinds  # dependentRequired, at the missing key
    assert {"$.properties.price", "$.properties.label"} <= {p for k, p in kinds if k == "bad-value"}


# ---------------------------------------------------------------- what the payloads are
def test_a_plan_payload_is_a_complete_envelope(example):
    payload = es.sample(plan=example, event="Course Started", seed=3)
    assert {"type", "event", "userId", "messageId", "timestamp", "context", "properties"} <= payload.keys() | {"userId"}
    assert payload["event"] == "Course Started" and payload["properties"]["courseId"]
    assert payload["context"]["protocols"]["event_version"] == 2  # two versions: the newest, named
    old = es.sample(plan=example, event="Course Started", seed=3, version="1-0-0")
    assert old["context"]["protocols"]["event_version"] == 1
    assert example.validate(old).schema_id.endswith("/events/course-started/1.json")
    login = es.sample(plan=example, event="login", seed=3)
    assert "protocols" not in login["context"]  # one version: nothing to name
    assert set(login["properties"]) <= {"username", "session_started", "platform", "login_page"}


def test_a_semantic_event_a_plan_extends_holds_both(kitchen):
    for seed in range(20):
        payload = es.sample(plan=kitchen, event="Order Completed", seed=seed)
        assert {"coupon", "channel"} <= payload["properties"].keys()
        # the bundled spec holds on its own too, and the event is read as the semantic one
        assert eventspec.validate(payload).ok and kitchen.validate(payload).event == "Order Completed"


def test_page_names_and_traits(kitchen):
    page = es.sample(plan=kitchen, event="Pricing", seed=1)
    assert page["type"] == "page" and page["name"] == "Pricing"
    assert es.sample(plan=kitchen, call="group", seed=1)["traits"]["name"]


def test_sample_takes_a_plan_folder_and_is_deterministic():
    one = es.sample(plan=EXAMPLE, event="video_watched", seed=11)
    assert es.sample(plan=str(EXAMPLE), event="video_watched", seed=11) == one
    assert one["properties"]["video_name"] and load_plan(EXAMPLE).validate(one).ok


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"event": "Course Startd"}, eventspec.UnknownEvent, "did you mean 'Course Started'"),
        ({"event": "Order Completed"}, eventspec.UnknownEvent, "the plan 'learn' has no event"),
        ({"event": "Course Started", "version": 3}, ValueError, "has no version 3"),
        ({"event": "Course Started", "call": "page"}, ValueError, "is a track event"),
        ({"version": 1}, ValueError, "version= needs event="),
        ({"spec": "retainpixel"}, ValueError, "extends cdp"),
        ({"call": "trak"}, eventspec.UnknownCall, "did you mean 'track'"),
    ],
)
def test_wrong_arguments_with_a_plan_raise_when_the_strategy_is_made(example, kwargs, error, message):
    for make in (es.events, es.invalid_events, es.sample):
        with pytest.raises(error, match=message):
            make(plan=example, **kwargs)


def test_version_is_for_plans():
    with pytest.raises(ValueError, match="plan="):
        es.sample(event="Order Completed", version=1)


# ---------------------------------------------------------------- what cannot be generated
def test_an_unsupported_keyword_is_said_when_the_strategy_is_made(tmp_path):
    schema = event_file("Tagged", {"tags": {"type": "array", "contains": {"const": "new"}}})
    path = write_plan(tmp_path / "tagged", {"events/tagged/1.json": schema})
    plan = load_plan(path)  # it validates: only generating is refused
    assert not plan.validate({"type": "track", "userId": "u", "event": "Tagged", "properties": {"tags": []}}).ok
    for make in (es.events, es.invalid_events, es.sample):
        with pytest.raises(es.Unsupported) as raised:
            make(plan=plan, event="Tagged")
        error = raised.value
        assert (error.keyword, error.file, error.pointer) == (
            "contains", str(path / "events" / "tagged" / "1.json"), "/properties/tags/contains")
        assert "'contains'" in str(error) and str(path / "events" / "tagged" / "1.json") in str(error)
    # the command says it as a usage error
    result = subprocess.run([sys.executable, "-m", "eventspec", "example", "--plan", str(path), "Tagged"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "'contains'" in result.stderr and result.stdout == ""


def test_an_unsupported_keyword_in_a_referenced_file_names_that_file(tmp_path):
    files = {"properties/tag.json": {"$schema": DRAFT, "type": "object", "propertyNames": {"maxLength": 3}},
             "events/tagged/1.json": event_file("Tagged", {"tag": {"$ref": "../../properties/tag.json"}})}
    path = write_plan(tmp_path / "tagged", files)
    with pytest.raises(es.Unsupported) as raised:
        es.events(plan=path, event="Tagged")
    assert raised.value.file == str(path / "properties" / "tag.json")
    assert raised.value.keyword == "propertyNames"


def test_a_schema_no_payload_satisfies_is_said_when_the_strategy_is_made(tmp_path):
    schema = event_file("Impossible", {"n": {"type": "integer", "minimum": 3, "maximum": 2}}, ("n",))
    path = write_plan(tmp_path / "impossible", {"events/impossible/1.json": schema})
    with pytest.raises(ValueError, match="no payload satisfies"):
        es.events(plan=path, event="Impossible")


# ---------------------------------------------------------------- plans are values
def test_two_plans_in_one_process_never_mix(tmp_path):
    a = load_plan(write_plan(tmp_path / "a", {"events/x/1.json": event_file("X", {"a": {"type": "integer"}}, ("a",))},
                             unplanned_properties="error"))
    b = load_plan(write_plan(tmp_path / "b", {"events/x/1.json": event_file("X", {"b": {"type": "string"}}, ("b",))},
                             unplanned_properties="error"))
    (ta,), (tb,) = targets(event="X", catalog=a), targets(event="X", catalog=b)
    assert ta != tb and root(ta) is not root(tb)
    for seed in range(10):
        from_a, from_b = es.sample(plan=a, event="X", seed=seed), es.sample(plan=b, event="X", seed=seed)
        assert list(from_a["properties"]) == ["a"] and list(from_b["properties"]) == ["b"]
        assert a.validate(from_a).ok and not b.validate(from_a).ok
        assert b.validate(from_b).ok and not a.validate(from_b).ok


def test_derived_nodes_live_on_the_catalog_not_in_modules():
    from eventspec import _defects, _generate, _nodes

    for module in (_generate, _nodes, _defects):
        cached = [name for name, value in vars(module).items()
                  if hasattr(value, "cache_info") and value.__module__ == module.__name__]
        assert cached == [], (module.__name__, cached)
    target = Target("cdp", "track", "Order Completed")
    assert target.catalog is eventspec.BUNDLED and root(target) is root(Target("cdp", "track", "Order Completed"))


# ---------------------------------------------------------------- the command
def test_example_command_with_a_plan_is_deterministic_and_valid():
    def run() -> str:
        command = [sys.executable, "-m", "eventspec", "example", "--plan", str(EXAMPLE), "Course Started",
                   "--seed", "1"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    first = run()
    assert run() == first
    payload = json.loads(first)
    report = load_plan(EXAMPLE).validate(payload)
    assert report.ok and not report.warnings and report.event == "Course Started"


# ---------------------------------------------------------------- any schema of the keywords
def _schemas(depth: int = 2) -> st.SearchStrategy[Any]:
    """Small schemas over the keywords the generator claims, nested and combined."""
    strings = st.fixed_dictionaries({"type": st.just("string")}, optional={
        "minLength": st.integers(0, 4), "maxLength": st.integers(2, 8),
        "pattern": st.sampled_from(["^[a-z]+$", "^[A-Z]{2}[0-9]?$", "x", "^(a|bc)+$"]),
        "format": st.sampled_from(["email", "uuid", "date", "date-time", "uri", "ipv4"]),
    })
    numbers = st.fixed_dictionaries({"type": st.sampled_from(["integer", "number"])}, optional={
        "minimum": st.integers(-5, 5), "maximum": st.integers(0, 50),
        "exclusiveMinimum": st.sampled_from([-1, 0, 0.5]), "exclusiveMaximum": st.sampled_from([10, 99.5]),
        "multipleOf": st.sampled_from([2, 3, 0.5, 0.01, 0.1]),
    })
    scalars = st.one_of(
        strings, numbers, st.just({"type": "boolean"}), st.just({"type": "null"}), st.just(True),
        st.builds(lambda v: {"enum": v}, st.lists(st.sampled_from([1, "a", None, 2.5, "b", True]), min_size=1,
                                                  max_size=3, unique_by=repr)),
        st.builds(lambda v: {"const": v}, st.sampled_from([0, "x", False])),
    )
    if depth == 0:
        return scalars
    sub = _schemas(depth - 1)
    names = st.sampled_from(["a", "b", "c", "x_1"])
    objects = st.fixed_dictionaries({"type": st.just("object")}, optional={
        "properties": st.dictionaries(names, sub, max_size=3),
        "required": st.lists(names, max_size=2, unique=True),
        "additionalProperties": st.one_of(st.booleans(), sub),
        "patternProperties": st.dictionaries(st.sampled_from(["^x_", "^[a-b]$"]), sub, max_size=1),
        "minProperties": st.integers(0, 2), "maxProperties": st.integers(1, 4),
        "dependentRequired": st.dictionaries(names, st.lists(names, max_size=1, unique=True), max_size=1),
    })
    arrays = st.fixed_dictionaries({"type": st.just("array")}, optional={
        "items": st.one_of(st.booleans(), sub), "prefixItems": st.lists(sub, min_size=1, max_size=2),
        "minItems": st.integers(0, 2), "maxItems": st.integers(1, 4), "uniqueItems": st.booleans(),
    })
    pairs = st.lists(sub, min_size=2, max_size=2)
    combined = st.one_of(
        st.builds(lambda v: {"allOf": v}, pairs), st.builds(lambda v: {"anyOf": v}, pairs),
        st.builds(lambda v: {"oneOf": v}, pairs), st.builds(lambda a, b: {**a, "not": b} if isinstance(a, dict) else {"not": b}, sub, scalars),
    )
    return st.one_of(scalars, objects, arrays, combined)


@settings(max_examples=int(os.environ.get("EVENTSPEC_EXAMPLES", "30")) * 10, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(schema=st.composite(lambda draw: draw(_schemas()))(), data=st.data())
def test_any_schema_of_the_keywords_generates_only_valid_values(schema, data):
    # jsonschema is the judge: a value the generator makes for a schema it accepts is valid
    from jsonschema import Draft202012Validator

    from eventspec._generate import value
    from eventspec._nodes import alternatives, build
    from eventspec.strategies import _HypothesisSource

    try:
        node = build(schema, resolver=None, formats=frozenset(Draft202012Validator.FORMAT_CHECKER.checkers))
    except es.Unsupported:  # patternProperties merged beside additionalProperties: refused, not guessed
        assume(False)
    assume(alternatives(node))
    made = value(node, "x", "", _HypothesisSource(data.draw))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert validator.is_valid(made), (made, [e.message for e in validator.iter_errors(made)])


@settings(max_examples=int(os.environ.get("EVENTSPEC_EXAMPLES", "30")) * 3, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_plan_of_the_keywords_gives_defects_where_eventspec_reports_them(data):
    # The same, through a whole plan: valid payloads and predicted defect paths, judged
    # by the plan's own validation (its reporting conventions included).
    from eventspec._plan import plan_from_sources

    properties = data.draw(st.dictionaries(st.sampled_from(["a", "b", "c"]), _schemas(1), min_size=1, max_size=3))
    required = data.draw(st.lists(st.sampled_from(sorted(properties)), unique=True, max_size=2))
    extra = data.draw(st.fixed_dictionaries({}, optional={
        "dependentRequired": st.just({"a": ["b"]}), "maxProperties": st.integers(2, 3),
        "patternProperties": st.just({"^x_": {"type": "integer"}})}))
    files = {"eventspec-plan.json": {"name": "fuzz", "spec": "cdp", "unplanned_properties": "error"},
             "events/fuzzed/1.json": event_file("Fuzzed", properties, tuple(required), **extra)}
    plan = plan_from_sources((None, tuple((name, json.dumps(text)) for name, text in files.items())))
    try:
        payloads = es.events(plan=plan, event="Fuzzed")
    except (es.Unsupported, ValueError):  # refused, or no payload satisfies it: said, not guessed
        assume(False)
    _check_valid(plan, data.draw(payloads), ("track", "Fuzzed", 1))
    payload, path = data.draw(es.invalid_events(plan=plan, event="Fuzzed"))
    report = plan.validate(payload)
    assert path in [f.path for f in report.errors], str(report)


def test_a_plain_given_over_a_plan_passes_with_hypothesis_defaults(tmp_path):
    # A user's first plan test: no settings, no profile, a fresh process, Hypothesis'
    # defaults (the deadline, the too_slow health check over the first draws).
    (tmp_path / "test_plan.py").write_text(f"""
from hypothesis import given
import eventspec
from eventspec import strategies as es

PLAN = eventspec.load_plan({str(EXAMPLE)!r})


@given(es.events(plan=PLAN))
def test_planned(payload):
    assert PLAN.validate(payload).ok


@given(es.invalid_events(plan=PLAN, event="Course Started"))
def test_defects(case):
    payload, path = case
    assert path in [f.path for f in PLAN.validate(payload).errors]
""")
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_plan.py"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


def test_a_plan_file_with_its_own_id(tmp_path):
    # load_plan keeps such a file under its own $id: payloads and messages still find it
    own = {**event_file("Tagged", {"tag": {"type": "string", "minLength": 2}}, ("tag",)),
           "$id": "https://example.com/schemas/tagged.json"}
    path = write_plan(tmp_path / "own", {"events/tagged/1.json": own})
    plan = load_plan(path)
    for seed in range(5):
        payload = es.sample(plan=plan, event="Tagged", seed=seed)
        assert len(payload["properties"]["tag"]) >= 2 and plan.validate(payload).ok
    broken = {**own, "properties": {"tag": {"type": "array", "contains": {"const": "x"}}}}
    path = write_plan(tmp_path / "broken", {"events/tagged/1.json": broken})
    with pytest.raises(es.Unsupported) as raised:
        es.events(plan=path, event="Tagged")
    assert raised.value.file == str(path / "events" / "tagged" / "1.json")


# ---------------------------------------------------------------- common.json and unversioned
COMMON = {"$schema": DRAFT, "description": "A known client, never a bot.", "type": "object",
          "properties": {"context": {"type": "object", "required": ["userAgent"],
                                     "properties": {"userAgent": {"type": "string", "not": {"pattern": "bot"}}}}},
          "required": ["context"], "x-eventspec": {"calls": ["track", "identify"]}}


def test_payloads_meet_common_json_and_unversioned_picks_the_default_version(tmp_path):
    files = {
        "events/signed-up/1.json": event_file("Signed Up", {"plan": {"type": "string"}}, ("plan",)),
        "events/signed-up/2.json": event_file("Signed Up", {"plan": {"enum": ["free", "pro"]}, "seats": {"type": "integer"}},
                                              ("plan", "seats"), version="2-0-0"),
        "common.json": COMMON,
    }
    plan = load_plan(write_plan(tmp_path / "oldest", files, unversioned="oldest"))
    (target,) = targets(event="Signed Up", catalog=plan)
    assert target.version == 1  # no version asked for: the one unversioned calls are checked against
    assert {t.version for t in targets(catalog=plan) if t.event == "Signed Up"} == {1}
    newest = load_plan(write_plan(tmp_path / "newest", files))
    assert [t.version for t in targets(event="Signed Up", catalog=newest)] == [2]
    paths: set[str] = set()
    for case in (("track", "Signed Up", 1), ("track", "Signed Up", 2), ("identify", None, None)):
        (target,) = targets(catalog=plan, **_kwargs(*case))
        for seed in range(8):
            payload = sample(target, seed)
            assert "bot" not in payload["context"]["userAgent"]
            _check_valid(plan, payload, case)
            for defect in defects(target, payload):
                if defect.kind != "size-limit":
                    paths.add(defect.path)
                    assert defect.path in [f.path for f in plan.validate(defect.apply(payload)).errors], defect
    assert {"$.context", "$.context.userAgent"} <= paths  # defects of the common rule are made, and reported
