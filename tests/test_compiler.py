"""The compiler on schemas a user writes: exact, or jsonschema's verdict, never an exception.

Each test here is a probe that found a wrong verdict, an exception or a lost finding in
the compiler that only knew the bundled schemas (issue 11, section 4; issue 10, point 6).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, validators

import eventspec
from eventspec._compile import Compiled, Compiler, SchemaError
from mutation import paths

URI = "https://example.com/schemas/root.json"
D7 = "http://json-schema.org/draft-07/schema#"
D2019 = "https://json-schema.org/draft/2019-09/schema"
D4 = "http://json-schema.org/draft-04/schema#"


def compiled(schema: Any, **others: Any) -> Compiled:
    return Compiler({URI: schema, **others}).compile(URI)


def agrees_with_jsonschema(schema: Any, values: list[Any], **others: Any) -> list[str]:
    """Values where the compiled check, or the report's emptiness, differs from jsonschema."""
    from referencing import Registry, Resource

    result = compiled(schema, **others)
    cls = validators.validator_for(schema, default=Draft202012Validator)
    registry = Registry().with_resources(
        (uri, Resource.from_contents(doc, default_specification=cls.META_SCHEMA and _spec(cls)))
        for uri, doc in {URI: schema, **others}.items()
    )
    truth = cls({"$ref": URI}, registry=registry, format_checker=cls.FORMAT_CHECKER)
    return [f"{value!r}: check={result.check(value)} errors={result.report(value)} jsonschema={truth.is_valid(value)}"
            for value in values
            if result.check(value) != truth.is_valid(value) or bool(result.report(value)) == truth.is_valid(value)]


def _spec(cls: Any) -> Any:
    from referencing.jsonschema import specification_with

    return specification_with(cls.META_SCHEMA["$schema"])


VALUES: list[Any] = [None, True, False, 0, 1, 2, 3, 4.0, 4.5, -1, 2**70, "", "a", "ab", "abc", "2024-05-01T12:30:00Z",
                     [], [1], [1, "a"], [1, 2, 3], ["a", "b"], [[1]], {}, {"a": 1}, {"a": "x"}, {"b": 1},
                     {"a": 1, "b": 2}, {"a": "x", "b": "y", "c": 3}, {"foo": 1}, {"x-1": 1}]


# ----------------------------------------------------------------- natively compiled keywords
NATIVE = {
    "false": False,
    "not": {"not": {"type": "integer"}},
    "multipleOf": {"multipleOf": 1.5},
    "minProperties/maxProperties": {"minProperties": 1, "maxProperties": 2},
    "patternProperties": {"patternProperties": {"^a": {"type": "integer"}, "^x-": {"type": "string"}},
                          "additionalProperties": False},
    "propertyNames": {"propertyNames": {"maxLength": 1}},
    "dependentRequired": {"dependentRequired": {"a": ["b"]}},
    "dependentSchemas": {"dependentSchemas": {"a": {"required": ["c"]}}},
    "if/then/else": {"if": {"type": "integer"}, "then": {"minimum": 2}, "else": {"type": "string"}},
    "prefixItems": {"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False},
    "contains": {"contains": {"type": "integer"}, "minContains": 2, "maxContains": 2},
    "boolean subschemas": {"properties": {"a": False, "b": True}, "items": False},
}


@pytest.mark.parametrize("schema", NATIVE.values(), ids=NATIVE.keys())
def test_keywords_plans_use_compile_natively_and_exactly(schema):
    assert compiled(schema).native
    assert agrees_with_jsonschema(schema, VALUES) == []


@settings(max_examples=300, deadline=None)
@given(
    value=st.integers(-(10**20), 10**20) | st.floats(allow_nan=False, allow_infinity=False, width=64)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3),
    step=st.sampled_from([0.01, 0.1, 0.0001, 1e-8, 2.5, 3, 7, 1e300, 0.5]),
)
def test_multiple_of_is_jsonschemas_on_floats_too(value, step):
    schema = {"multipleOf": step}
    try:
        truth = Draft202012Validator(schema).is_valid(value)
    except (TypeError, OverflowError, ArithmeticError, ValueError):
        # decimal.InvalidOperation is an ArithmeticError: a Decimal quotient too large
        return  # jsonschema raises (a Decimal over a float step, a huge quotient): no verdict to match
    result = compiled(schema)
    assert result.check(value) == truth
    assert bool(result.report(value)) != truth


def test_multiple_of_where_jsonschema_would_raise_is_exact():
    result = compiled({"multipleOf": 0.5})
    assert result.check(Decimal("2.5")) and not result.check(Decimal("2.25"))
    assert compiled({"multipleOf": 2.0}).check(10**400) and not compiled({"multipleOf": 2.0}).check(10**400 + 1)
    assert not result.check(float("nan"))


# ----------------------------------------------------------------- what falls back
FALLBACK = {  # (schema, an invalid value)
    "unevaluatedProperties": ({"type": "object", "properties": {"a": {"type": "string"}},
                               "unevaluatedProperties": False}, {"a": "x", "b": 1}),
    "$dynamicRef": ({"$dynamicAnchor": "node", "type": "object",
                     "properties": {"next": {"$dynamicRef": "#node"}, "a": {"type": "integer"}}},
                    {"next": {"a": "y"}}),
    "draft-04": ({"$schema": D4, "maximum": 3, "exclusiveMaximum": True}, 3),
    "2019-09 $recursiveRef": ({"$schema": D2019, "$recursiveAnchor": True, "type": "object",
                               "properties": {"a": {"type": "integer"}, "next": {"$recursiveRef": "#"}}},
                              {"next": {"a": "y"}}),
}


@pytest.mark.parametrize(("schema", "invalid"), FALLBACK.values(), ids=FALLBACK.keys())
def test_what_the_compiler_lacks_is_left_whole_to_jsonschema(schema, invalid):
    result = compiled(schema)
    assert not result.native and result.source is None
    assert agrees_with_jsonschema(schema, VALUES + [{"a": "x", "next": {"a": "y"}}, {"next": {"a": 1}}, invalid]) == []
    errors = result.report(invalid)
    assert errors and {e.schema_id for e in errors} == {URI}


def test_a_plan_event_the_compiler_cannot_compile_is_validated_by_jsonschema(tmp_path):
    plan = tmp_path / "plan"
    (plan / "events" / "signed-up").mkdir(parents=True)
    (plan / "eventspec-plan.json").write_text(json.dumps({"name": "t", "spec": "cdp"}))
    (plan / "events" / "signed-up" / "1.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Signed Up",
        "x-eventspec": {"call": "track", "event": "Signed Up", "version": "1-0-0"},
        "type": "object", "properties": {"plan": {"enum": ["free", "pro"]}},
        "if": {"required": ["plan"]}, "then": {"properties": {"seats": {"type": "integer"}}},
        "unevaluatedProperties": False}))
    catalog = eventspec.load_plan(plan)
    ok = {"type": "track", "userId": "u1", "event": "Signed Up", "properties": {"plan": "pro", "seats": 3}}
    assert catalog.validate(ok).ok
    bad = {**ok, "properties": {"plan": "pro", "seats": 3, "coupon": "x"}}
    report = catalog.validate(bad)
    assert not report.ok
    assert [f.path for f in report.errors] == ["$.properties.coupon"]
    assert report.errors[0].schema_id.endswith("/events/signed-up/1.json")


# ----------------------------------------------------------------- $schema, $id, $anchor, booleans
def test_a_draft_07_schema_is_not_compiled_as_2020_12():
    # draft-07: $ref hides its siblings; 2020-12 would apply "type" too
    hidden = {"$schema": D7, "definitions": {"any": {}}, "$ref": "#/definitions/any", "type": "string"}
    assert compiled(hidden).native and compiled(hidden).check(5)
    # draft-07: an items array, with additionalItems
    tuples = {"$schema": D7, "items": [{"type": "integer"}], "additionalItems": False}
    assert compiled(tuples).check([1]) and not compiled(tuples).check([1, 2]) and not compiled(tuples).check(["a"])
    # draft-07: dependencies, and an $id of "#name" is an anchor
    both = {"$schema": D7, "dependencies": {"a": ["b"], "c": {"$ref": "#positive"}},
            "definitions": {"p": {"$id": "#positive", "minProperties": 3}}}
    assert agrees_with_jsonschema(both, VALUES + [{"c": 1}, {"c": 1, "d": 2, "e": 3}]) == []
    assert compiled(both).native
    # 2019-09: an items array too
    assert not compiled({"$schema": D2019, "items": [{"type": "string"}]}).check([1])
    # draft-04: exclusiveMaximum is a boolean; jsonschema decides
    assert not compiled(FALLBACK["draft-04"][0]).check(3) and compiled(FALLBACK["draft-04"][0]).check(2)


def test_an_embedded_id_changes_the_base_uri():
    schema = {"properties": {"a": {"$id": "https://example.com/other/", "$ref": "item.json"}}}
    result = compiled(schema, **{"https://example.com/other/item.json": {"type": "string"},
                                 "https://example.com/schemas/item.json": {"type": "integer"}})
    assert result.native and result.check({"a": "x"}) and not result.check({"a": 1})
    assert [e.schema_id for e in result.report({"a": 1})] == ["https://example.com/other/item.json"]


def test_a_plain_name_ref_resolves_its_anchor():
    schema = {"$defs": {"s": {"$anchor": "text", "type": "string"}}, "properties": {"a": {"$ref": "#text"}}}
    result = compiled(schema)
    assert result.native and result.check({"a": "x"}) and not result.check({"a": 1})


def test_boolean_root_and_sub_schemas():
    assert compiled(True).check(1) and compiled(True).report(1) == []
    nothing = compiled(False)
    assert nothing.native and not nothing.check(None)
    assert [(e.validator, e.schema_id) for e in nothing.report(None)] == [("false", URI)]
    result = compiled({"properties": {"legacy": False, "any": True}})
    assert result.check({"any": 1}) and not result.check({"legacy": 1})
    assert [e.absolute_path for e in result.report({"legacy": 1})] == [("legacy",)]


def test_references_name_the_file_of_each_failed_keyword():
    shared = "https://example.com/schemas/product.json"
    schema = {"properties": {"product": {"$ref": "product.json"}, "n": {"type": "integer"}}}
    result = compiled(schema, **{shared: {"properties": {"sku": {"type": "string"}}}})
    errors = result.report({"product": {"sku": 1}, "n": "x"})
    assert sorted((e.absolute_path, e.schema_id) for e in errors) == [(("n",), URI), (("product", "sku"), shared)]


# ----------------------------------------------------------------- schemas that cannot be used
@pytest.mark.parametrize(("schema", "pointer"), [
    ({"properties": {"name": {"type": "string", "minLength": 2.5}}}, "/properties/name/minLength"),
    ({"type": "decimal"}, "/type"),
    ({"properties": {"a": {"pattern": "("}}}, "/properties/a/pattern"),
    ({"properties": {"a": {"$ref": "missing.json"}}}, "/properties/a/$ref"),
    ({"$schema": "https://example.com/my-dialect"}, "/$schema"),
], ids=["minLength 2.5", "unknown type", "bad regex", "ref to nothing", "unknown $schema"])
def test_an_unusable_schema_is_refused_with_its_json_pointer(schema, pointer):
    compiler = Compiler({URI: schema})
    with pytest.raises(SchemaError) as checked:
        compiler.check_schema(URI)
    assert (checked.value.uri, checked.value.pointer) == (URI, pointer)
    with pytest.raises(SchemaError) as compiling:
        compiler.compile(URI)
    assert (compiling.value.uri, compiling.value.pointer) == (URI, pointer)
    assert isinstance(compiling.value, ValueError) and pointer in str(compiling.value)


def test_a_schema_valid_against_its_metaschema_passes_the_check():
    Compiler({URI: NATIVE["patternProperties"]}).check_schema(URI)
    Compiler({URI: {"$schema": D7, "items": [{"type": "integer"}]}}).check_schema(URI)


def test_the_compiled_metaschemas_check_as_jsonschema_does():
    """check_schema compiles the official metaschemas (dynamic references made static):
    its verdict on the suite's schemas and on mutants of them is jsonschema's."""
    import copy
    import random

    from eventspec._drafts import DRAFT7, DRAFT201909, DRAFT202012

    suite = Path(__file__).parent / "fixtures" / "json-schema-test-suite" / "tests"
    wrong_values = [2.5, "x", -1, [], {}, None, True, "(", ["a", "a"], {"type": "nope"}, "#/x y"]
    rng = random.Random(3)
    compiler = Compiler({})
    differ = []
    for draft, folder in ((DRAFT202012, "draft2020-12"), (DRAFT201909, "draft2019-09"), (DRAFT7, "draft7")):
        cls = validators.validator_for({"$schema": draft.uri})
        truth = cls(cls.META_SCHEMA, format_checker=cls.FORMAT_CHECKER)
        metaschema = compiler._metaschema(draft)
        assert metaschema.native
        for path in sorted((suite / folder).glob("*.json")):
            for case in json.loads(path.read_text(encoding="utf-8")):
                pool = [case["schema"]]
                for _ in range(5):
                    mutant = copy.deepcopy(case["schema"])
                    where = [p for p in paths(mutant) if p]
                    if not where:
                        break
                    place = rng.choice(where)
                    parent = mutant
                    for part in place[:-1]:
                        parent = parent[part]
                    parent[place[-1]] = copy.deepcopy(rng.choice(wrong_values))
                    pool.append(mutant)
                differ += [f"{folder} {schema!r:.200}" for schema in pool
                           if metaschema.check(schema) != truth.is_valid(schema)]
    assert differ == []


def test_a_failed_compile_leaves_nothing_behind():
    shared = {"type": "object", "properties": {f"p{i}": {"type": "string", "minLength": 1} for i in range(20)}}
    documents = {
        "https://example.com/shared.json": shared,
        # the shared schema's function is generated, then a later keyword fails
        "https://example.com/a.json": {"properties": {"s": {"$ref": "shared.json"},
                                                      "t": {"unevaluatedProperties": False}}},
        "https://example.com/b.json": {"properties": {"s": {"$ref": "shared.json"},
                                                      "t": {"minLength": 2.5}}},
        "https://example.com/c.json": {"properties": {"s": {"$ref": "shared.json"}}},
    }
    compiler = Compiler(documents)
    assert not compiler.compile("https://example.com/a.json").native
    with pytest.raises(SchemaError):
        compiler.compile("https://example.com/b.json")
    c = compiler.compile("https://example.com/c.json")
    assert c.native and c.check({"s": {"p1": "x"}}) and not c.check({"s": {"p1": ""}})
    generated = compiler._generator.names.values()
    assert all(name in compiler._namespace for name in generated)


def test_compilers_share_nothing_and_ids_are_never_confused():
    results = []
    for bound in range(300):  # each schema dropped before the next: ids are reused
        result = Compiler({URI: {"properties": {"n": {"$ref": "#/$defs/n"}},
                                 "$defs": {"n": {"type": "integer", "minimum": bound}}}}).compile(URI)
        results.append(result.check({"n": bound}) and not result.check({"n": bound - 1}))
    assert all(results)


def test_a_deeply_nested_schema_compiles_natively():
    schema: Any = {"type": "string"}
    value: Any = "leaf"
    for _ in range(40):
        schema = {"type": "object", "properties": {"a": {"type": "array", "items": schema}}, "required": ["a"]}
        value = {"a": [value]}
    result = compiled(schema)
    assert result.native and result.check(value)
    broken = json.loads(json.dumps(value).replace('"leaf"', "1"))
    assert not result.check(broken) and len(result.report(broken)) == 1


def test_formats_can_be_annotations_for_some_documents():
    shared = "https://example.com/schemas/when.json"
    documents = {URI: {"$ref": "when.json"}, shared: {"format": "date-time"}}
    asserted = Compiler(documents)
    annotated = Compiler(documents, format_annotation=[URI])
    assert not asserted.compile(URI).check("yesterday")
    assert annotated.compile(URI).check("yesterday")  # as jsonschema without a format checker
    assert not annotated.compile(shared).check("yesterday")  # compiled from its own document: checked


def test_the_generated_code_is_data():
    result = compiled(NATIVE["contains"])
    assert result.source is not None and result.source.startswith("def _s")
    assert "minContains" not in result.source  # the keywords became code


# ----------------------------------------------------------------- the generated report code
def _errors(errors: list[Any] | None) -> list[tuple[Any, ...]] | None:
    """Every attribute of a report's errors, in order; schema and payload objects by identity."""
    if errors is None:
        return None
    return [(e.validator, id(e.validator_value), id(e.instance), id(e.schema), e.absolute_path, e.schema_id,
             e.relative_schema_path, e.relative_path, _errors(e.context)) for e in errors]


def _nested(depth: int) -> Any:
    schema: Any = {"type": "integer", "minimum": 3}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema, "b": {"type": "array", "items": schema}}}
    return schema


REPORTED = {  # schemas where one value fails many keywords at once, in many places
    "strings": {"type": "string", "minLength": 3, "maxLength": 1, "pattern": "^a", "format": "date-time",
                "enum": ["x", 1, None], "const": "y"},
    "numbers": {"type": ["integer", "string"], "minimum": 5, "maximum": 1, "exclusiveMinimum": 5,
                "exclusiveMaximum": 0, "multipleOf": 2},
    "objects": {"type": "object", "required": ["a", "b", "q"],
                "properties": {"a": {"type": "integer"}, "b": {"$id": "https://example.com/b/", "type": "string"},
                               "c": False, "d": {"type": "string", "minLength": 2}, "e": True, "f": {}},
                "additionalProperties": False, "minProperties": 3, "maxProperties": 1},
    "extra properties": {"properties": {"a": {}}, "additionalProperties": {"type": "integer", "maximum": 0}},
    "arrays": {"type": "array", "minItems": 3, "maxItems": 1, "uniqueItems": True,
               "items": {"type": "integer", "minimum": 2}},
    "no items": {"items": False, "maxItems": 0},
    "refs and allOf": {"$ref": "#/$defs/x", "allOf": [{"type": "integer"}, {"$ref": "#/$defs/x"}, {"minimum": 3}],
                       "$defs": {"x": {"type": "number", "maximum": 1}}},
    "the interpreter inside": {"type": "object", "not": {"required": ["z"]},
                               "properties": {"a": {"anyOf": [{"type": "integer"}, {"type": "string", "minLength": 2}]},
                                              "b": {"oneOf": [{"type": "integer"}, {"minimum": 2}]},
                                              "c": {"contains": {"type": "string"}, "items": {"type": "integer"}}}},
    "recursive": {"type": "object", "properties": {"next": {"$ref": "#"}, "n": {"type": "integer", "minimum": 2}}},
    "deep": _nested(9),
    "draft-07 tuples": {"$schema": D7, "type": "array", "items": [{"type": "integer"}], "additionalItems": False},
    "draft-07 no items": {"$schema": D7, "items": False, "minItems": 1},
    "draft-07 $ref siblings": {"$schema": D7, "$ref": "#/definitions/x", "type": "string",
                               "definitions": {"x": {"minimum": 3}}},
    "2019-09 items": {"$schema": D2019, "items": {"type": "integer"}, "minItems": 2},
}

REPORTED_VALUES: list[Any] = [
    *VALUES, "bb", "abcd", 7, 4, -4, 6.0, [5, 5], [1, "x", 1], {"a": "1", "b": 2, "c": 0, "d": "", "g": 1},
    {"a": 1, "x": 2, "y": -1}, {"z": 1, "a": 1.5, "b": True, "c": [1, "s"]}, {"a": [], "b": 1, "c": ["s"]},
    {"next": {"next": {"n": 1}, "n": "x"}, "n": 0},
    json.loads(json.dumps({"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": 1, "b": [1, 2, 5]}}}}}}}},
                           "b": [{"a": 0}, 5, {"b": [{"a": "x"}]}]})),
]


@pytest.mark.parametrize("schema", REPORTED.values(), ids=REPORTED.keys())
def test_the_generated_report_code_lists_the_interpreters_errors(schema):
    compiler = Compiler({URI: schema})
    result = compiler.compile(URI)
    interpreted = compiler._interpreted(URI)
    differ = [f"{value!r}: generated {result.report(value)}, interpreted {interpreted(value)}"
              for value in REPORTED_VALUES if _errors(result.report(value)) != _errors(interpreted(value))]
    assert differ == []
    assert any(result.report(value) for value in REPORTED_VALUES)


def test_report_code_trusts_remembered_strings_for_plain_strings_only():
    class Claims(str):  # equal to any string, hashed as the remembered one
        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return hash("xyz")

    compiler = Compiler({URI: {"properties": {"a": {"type": "string", "pattern": "^x"}}}})
    result = compiler.compile(URI)
    assert result.check({"a": "xyz"})  # the predicate remembers "xyz"
    assert result.report({"a": "xyz", "b": 1}) == []
    assert [e.validator for e in result.report({"a": Claims("abc")})] == ["pattern"]
    assert "xyz" in next(iter(compiler._generator.remembered.values()))


def test_report_code_that_cannot_be_generated_leaves_the_report_to_the_interpreter(monkeypatch):
    from eventspec._report import Malformed
    from eventspec._reportcode import ReportCode

    def refuse(self: Any, schema: Any, scope: Any) -> str:
        raise Malformed("as if a keyword could not be generated")

    monkeypatch.setattr(ReportCode, "function", refuse)
    compiler = Compiler({URI: REPORTED["objects"]})
    result = compiler.compile(URI)
    value = {"a": "1", "b": 2, "c": 0, "d": "", "g": 1}
    assert _errors(result.report(value)) == _errors(compiler._interpreted(URI)(value)) and result.report(value)
    assert not compiler._reports.order and all(name in compiler._namespace for name in compiler._generator.names.values())


# ----------------------------------------------------------------- threads (issue 10, point 6)
RACE = textwrap.dedent("""
    import threading
    import eventspec
    from eventspec._catalog import Catalog, bundled

    PAYLOAD = {
        "type": "track", "event": "Order Completed", "messageId": 7, "timestamp": "yesterday",
        "context": {"ip": "999.1.1.1", "locale": 5, "page": {"url": 3}},
        "properties": {"order_id": 1, "total": "12", "currency": "usd",
                       "products": [{"product_id": 1, "price": "x", "quantity": 1.5}, {"sku": 2}]},
    }
    THREADS = 8

    def race(validate):
        barrier = threading.Barrier(THREADS)
        reports = [None] * THREADS

        def run(i):
            barrier.wait()
            reports[i] = validate(PAYLOAD)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        single = validate(PAYLOAD)
        assert len(single.errors) > 10
        return sum(report != single for report in reports)

    # the first round in this fresh process, then rounds with a fresh (cold) catalog each
    lost = race(eventspec.validate)
    base = bundled()
    for _ in range(ROUNDS):
        fresh = Catalog(base.documents, {name: base.family(name) for name in base.families()})
        lost += race(fresh.validate)
    print(lost)
""")


def test_threads_report_what_a_single_thread_reports():
    rounds = 12
    for _ in range(5):  # fresh processes
        done = subprocess.run([sys.executable, "-c", RACE.replace("ROUNDS", str(rounds))],
                              capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "0", "a thread's report differed from the single-threaded one"


def test_one_compiler_compiles_from_many_threads():
    import threading

    documents = {f"https://example.com/{i}.json": {"properties": {"n": {"$ref": "shared.json"}},
                                                   "minProperties": i % 2} for i in range(40)}
    documents["https://example.com/shared.json"] = {"type": "integer", "multipleOf": 3}
    compiler = Compiler(documents)
    barrier = threading.Barrier(8)
    failures: list[str] = []

    def run(offset: int) -> None:
        barrier.wait()
        for i in range(offset, 40, 8):
            uri = f"https://example.com/{i}.json"
            result = compiler.compile(uri)
            if not (result.check({"n": 3}) and not result.check({"n": 4}) and len(result.report({"n": 4})) == 1):
                failures.append(uri)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_refused_format_is_remembered_for_that_string_and_format_only():
    # the predicate's refusal answers the report's second check of the same string
    from eventspec._runtime import conforms

    address = "8.8.8.8"
    assert not conforms(address, "date-time") and not conforms(address, "date-time")
    assert conforms(address, "ipv4")  # the same string, another format: checked
    assert conforms("".join(["2024-05-01T12:30:00", "Z"]), "date-time")
    assert conforms("", "") and conforms(1, "date-time")  # an unknown format holds; so does a non-string
