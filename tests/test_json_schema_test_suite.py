"""The official JSON Schema Test Suite (draft 2020-12, required tests) through the compiler.

Every test: `Compiler.compile` gives the suite's verdict, compiled natively or fallen
back to jsonschema, and its report lists errors exactly when the verdict is invalid.
The suite's files and licence are in tests/fixtures/json-schema-test-suite/ (see its
README); its remote schemas are registered as documents, so nothing is fetched.

Two departures, each asserted rather than skipped:
- eventspec checks ``format`` (the bundled schemas need date-time and uri checked), where
  the suite treats it as an annotation: format.json's verdicts are jsonschema's with its
  format checker on.
- ``\\p{Letter}`` is ECMA-262 regex syntax that Python's ``re`` does not read (jsonschema
  cannot use those two schemas either): they are refused, with a `SchemaError`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from eventspec._compile import Compiler, SchemaError

SUITE = Path(__file__).parent / "fixtures" / "json-schema-test-suite"
REMOTE = "http://localhost:1234/"
UNREADABLE_REGEX = {("pattern.json", "pattern with Unicode property escape requires unicode mode"),
                    ("patternProperties.json", "patternProperties with Unicode property escape")}


@cache
def remotes() -> dict[str, Any]:
    root = SUITE / "remotes"
    return {REMOTE + path.relative_to(root).as_posix(): json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(root.rglob("*.json"))}


def _cases(draft: str) -> list[Any]:
    found = []
    for path in sorted((SUITE / "tests" / draft).glob("*.json")):
        for number, case in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            found.append(pytest.param(path.name, number, case, id=f"{path.stem}-{number}"))
    return found


@cache
def _compiled(draft: str, name: str, number: int) -> Any:
    case = json.loads((SUITE / "tests" / draft / name).read_text(encoding="utf-8"))[number]
    uri = f"urn:eventspec-test-suite:{draft}:{name}:{number}"  # a base that resolves no relative $ref
    return Compiler({**remotes(), uri: case["schema"]}).compile(uri)


def _expected(name: str, test: dict[str, Any], schema: Any) -> bool:
    if name != "format.json":
        return bool(test["valid"])
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return bool(validator.is_valid(test["data"]))


@pytest.mark.parametrize(("name", "number", "case"), _cases("draft2020-12"))
def test_draft2020_12(name: str, number: int, case: dict[str, Any]) -> None:
    if (name, case["description"]) in UNREADABLE_REGEX:
        with pytest.raises(SchemaError, match="regex"):
            _compiled("draft2020-12", name, number)
        return
    compiled = _compiled("draft2020-12", name, number)
    wrong = []
    for test in case["tests"]:
        expected = _expected(name, test, case["schema"])
        verdict = compiled.check(test["data"])
        errors = compiled.report(test["data"])
        if verdict != expected or bool(errors) == expected:
            wrong.append(f"{test['description']}: check={verdict} errors={errors} expected valid={expected}")
    assert wrong == [], f"{case['description']} (native={compiled.native})"
