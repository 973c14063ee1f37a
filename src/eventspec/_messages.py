"""Turning jsonschema's errors into findings people can act on."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from ._findings import Finding, json_path

_KEYWORD_CATEGORY = {
    "type": "type-mismatch",
    "required": "required-missing",
    "enum": "enum-mismatch",
    "const": "enum-mismatch",
    "format": "format-invalid",
    "pattern": "pattern-mismatch",
    "minLength": "length-out-of-range",
    "maxLength": "length-out-of-range",
    "minimum": "out-of-range",
    "maximum": "out-of-range",
    "exclusiveMinimum": "out-of-range",
    "exclusiveMaximum": "out-of-range",
    "minItems": "items-out-of-range",
    "maxItems": "items-out-of-range",
    "uniqueItems": "duplicate-items",
    "multipleOf": "out-of-range",
    "minProperties": "out-of-range",
    "maxProperties": "out-of-range",
    "minContains": "items-out-of-range",
    "maxContains": "items-out-of-range",
    "contains": "items-out-of-range",
    "dependentRequired": "required-missing",
    "dependencies": "required-missing",
    "additionalProperties": "not-allowed",
    "unevaluatedProperties": "not-allowed",
    "unevaluatedItems": "not-allowed",
    "additionalItems": "not-allowed",
    "items": "not-allowed",
    "propertyNames": "not-allowed",
    "not": "not-allowed",
    "false": "not-allowed",
}

# The keywords whose error is one finding at its own path, said by _message: every
# keyword with a category but those translate explains in more than one finding.
_PLAIN = {keyword: category for keyword, category in _KEYWORD_CATEGORY.items()
          if keyword not in ("additionalProperties", "unevaluatedProperties", "required", "dependentRequired",
                             "dependencies")}

_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}

_FORMAT_NAMES = {
    "date-time": "an RFC 3339 date-time (like 2024-05-01T12:30:00Z)",
    "ipv4": "an IPv4 address",
    "ipv6": "an IPv6 address",
    "uri": "an absolute URI",
}

# Patterns the bundled schemas use, said in words (others are shown as written).
_PATTERN_NAMES = {
    "^[0-9]+$": "a string of digits",
    "\\S": "a string that is not only whitespace",
    "^[a-z]{2}(-[A-Z]{2})?$": "a locale like en or en-US",
}

_ENUM_LISTED = 8  # longer enums (currency codes) are named by their title instead


def found(value: Any) -> str:
    """Describe a payload value in a message: its JSON type and a short rendering."""
    if type(value) is str:  # the common case first (a subclass takes the same branch below)
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string {shown!r}" if value else "an empty string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    if isinstance(value, list):
        return f"an array of {len(value)} item(s)" if value else "an empty array"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string {shown!r}" if value else "an empty string"
    if isinstance(value, int):
        try:
            return f"the integer {value}"
        except ValueError:  # more digits than Python writes (sys.get_int_max_str_digits())
            return f"an integer of {digits(value):,} digits"
    if isinstance(value, float):
        return f"the number {value!r}"
    decimal = sys.modules.get("decimal")  # no Decimal exists unless the module is loaded
    if decimal is not None and isinstance(value, decimal.Decimal):
        return repr(value)  # a number, sent as a float by the official clients
    return f"a Python {type(value).__name__}, which is not a JSON value"


def digits(value: int) -> int:
    """How many decimal digits ``abs(value)`` has, without writing it out (Python will
    not write an integer of more than 4,300 digits by default).

    >>> digits(0), digits(99), digits(-100), digits(10**5000)
    (1, 2, 3, 5001)
    """
    value = abs(value)
    count = max(1, int((value.bit_length() - 1) * 0.30102999566398120) + 1)
    while count > 1 and 10 ** (count - 1) > value:
        count -= 1
    while 10**count <= value:
        count += 1
    return count


def _shown(value: Any) -> str:
    try:
        return repr(value)
    except ValueError:  # an integer of more digits than Python writes
        return found(value)


def _expected_types(types: Any) -> str:
    if type(types) is str:  # one type, as most schemas say
        return _TYPE_NAMES.get(types, types)
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join(_TYPE_NAMES.get(t, t) for t in names)


def _enum_text(allowed: list[Any], schema: dict[str, Any], instance: Any) -> str:
    if len(allowed) > _ENUM_LISTED and "title" in schema:
        title = schema["title"]
        expected = f"expected {'an' if title[:1] in 'AEIOU' else 'a'} {title}"
    else:
        shown = [a for a in allowed if a is not None]
        expected = "expected one of " + ", ".join(repr(a) for a in shown)
    hint = ""
    if isinstance(instance, str):
        strings = [a for a in allowed if isinstance(a, str)]
        upper = {a.upper(): a for a in strings}
        if instance.upper() in upper:
            hint = f" (did you mean {upper[instance.upper()]!r}?)"
        else:
            close = difflib.get_close_matches(instance, strings, n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{expected}; found {found(instance)}{hint}"


def head(keyword: str, value: Any) -> str | None:
    """What the message of a failed ``keyword`` (of value ``value``) says before the
    value found, when all that follows is `found` of it; else None. The same for every
    error of one keyword in a schema: the generated report code works it out once per
    keyword (`eventspec._reportcode`), and `_message` says it of the others.

    >>> head("type", ["string", "null"]) + found(12.5)
    'expected a string or null; found the number 12.5'
    """
    if keyword == "type":
        return f"expected {_expected_types(value)}; found "
    if keyword == "format":
        return f"expected {_FORMAT_NAMES.get(value, value)}; found "
    if keyword == "pattern":
        if value in _PATTERN_NAMES:
            return f"expected {_PATTERN_NAMES[value]}; found "
        if "[Tt ]" in value or value.endswith("?$") and "02-29" in value:
            return "expected an ISO 8601 date-time on a real date (like 2024-07-28T08:55:35Z); found "
        return f"expected a string matching {value}; found "
    if keyword == "const" and value is None:
        return "expected null; found "
    return None


def _message(error: Any) -> str:
    keyword, value, instance = error.validator, error.validator_value, error.instance
    said = head(keyword, value)
    if said is not None:
        return said + found(instance)
    if keyword == "enum":
        return _enum_text(list(value), error.schema, instance)
    if keyword == "const":
        return _enum_text([value], error.schema, instance)
    if keyword == "minLength":
        if value == 1:
            return "expected a non-empty string; found an empty string"
        return f"expected at least {value} characters; found {len(instance)}"
    if keyword == "maxLength":
        return f"expected at most {value} characters; found {len(instance)}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[keyword]
        return f"expected a number {bound} {value}; found {_shown(instance)}"
    if keyword == "minItems":
        return f"expected at least {value} item(s); found {len(instance)}"
    if keyword == "maxItems":
        return f"expected at most {value} item(s); found {len(instance)}"
    if keyword == "uniqueItems":
        return "expected unique items; found the same item more than once"
    if keyword == "multipleOf":
        return f"expected a multiple of {value}; found {instance!r}"
    if keyword == "minProperties":
        return f"expected at least {value} properties; found {len(instance)}"
    if keyword == "maxProperties":
        return f"expected at most {value} properties; found {len(instance)}"
    if keyword == "not":
        return f"found {found(instance)}, which the schema rules out"
    if keyword == "false":
        return f"found {found(instance)}, where the schema allows nothing"
    if keyword in ("items", "additionalItems") and value is False:  # no items past the positional ones
        schema = error.schema if isinstance(error.schema, dict) else {}
        positional = schema.get("prefixItems" if keyword == "items" else "items", [])
        allowed = len(positional) if isinstance(positional, list) else 0
        return f"expected at most {allowed} item(s); found {len(instance)}"
    if keyword == "contains":
        return "expected an item matching the schema under 'contains'; found none"
    if keyword == "minContains":
        return f"expected at least {value} items matching the schema under 'contains'; found fewer"
    if keyword == "maxContains":
        return f"expected at most {value} items matching the schema under 'contains'; found more"
    return error.message


def translated(errors: Iterable[Any], prefix: tuple[str | int, ...] = ()) -> list[Finding]:
    """`translate` as a list, the common keywords without a generator's round trip: what
    a full report asks for, once per invalid payload."""
    out = []
    for error in errors:
        keyword = error.validator
        category = _PLAIN.get(keyword)
        if category is not None:
            parts = prefix + tuple(error.absolute_path)
            said = error.head  # the generated report code's errors: the message's head worked out
            message = said + found(error.instance) if said is not None else _message(error)
            out.append(Finding(json_path(parts), message, category, "error", keyword, error.schema_id, parts))
        else:
            out.extend(translate((error,), prefix))
    return out


def translate(errors: Iterable[Any], prefix: tuple[str | int, ...] = ()) -> Iterator[Finding]:
    """Findings for the compiler's errors (`eventspec._compile.Error`: compiled, or
    jsonschema's converted), with paths below ``prefix``; each names the document
    (``schema_id``) its keyword is in."""
    for error in errors:
        keyword = error.validator
        parts = prefix + tuple(error.absolute_path)
        schema_id = error.schema_id
        category = _PLAIN.get(keyword)
        if category is not None:  # the common case: one finding, at the error's place
            yield Finding(json_path(parts), _message(error), category, "error", keyword, schema_id, parts)
        elif keyword in ("anyOf", "oneOf"):
            yield from _alternatives(error, prefix)
        elif keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(error.instance, dict) \
                and error.validator_value is False:
            # one finding per key that is not allowed, at the key itself
            allowed = sorted(k for k in error.schema.get("properties", {}) if isinstance(k, str))
            for name in _extra_keys(error):
                yield _finding(
                    parts + (name,),
                    f"{name!r} is not allowed here"
                    + (f"; the object allows {', '.join(map(repr, allowed))}" if allowed else ""),
                    "not-allowed",
                    keyword,
                    schema_id,
                )
        elif keyword == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    yield _finding(
                        parts + (name,),
                        f"{name!r} is required but missing" + _misplaced(error.instance, name),
                        "required-missing",
                        keyword,
                        schema_id,
                    )
        elif keyword in ("dependentRequired", "dependencies") and isinstance(error.instance, dict):
            for name, needed in error.validator_value.items():
                if name in error.instance and isinstance(needed, list):
                    for each in needed:
                        if each not in error.instance:
                            yield _finding(parts + (each,), f"{each!r} is required when {name!r} is present",
                                           "required-missing", keyword, schema_id)
        else:
            category = _KEYWORD_CATEGORY.get(keyword, "no-alternative-matched")
            yield _finding(parts, _message(error), category, keyword, schema_id)


def _extra_keys(error: Any) -> list[str]:
    """The keys an additionalProperties: false error is about, as jsonschema's message lists them."""
    import re

    instance, schema = error.instance, error.schema
    declared = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    extra = [k for k in instance if k not in declared and not (isinstance(k, str) and any(p.search(k) for p in patterns))]
    if error.validator == "unevaluatedProperties" or not extra:
        # which keys were left unevaluated is in the message only: 'x', 'y' were unexpected
        named = re.findall(r"'((?:[^'\\]|\\.)*)'", error.message)
        extra = [k for k in instance if k in named] or extra
    return extra or [str(k) for k in instance]


def _misplaced(instance: dict[str, Any], name: str) -> str:
    # The documents' own examples put an event name in `name`: say where it went.
    if name == "event" and isinstance(instance.get("name"), str):
        return f"; found name={instance['name']!r}: the event name belongs in 'event'"
    return ""


def _finding(
    parts: tuple[str | int, ...],
    message: str,
    category: str,
    keyword: str | None,
    schema_id: str | None,
) -> Finding:
    return Finding(
        path=json_path(parts),
        message=message,
        category=category,
        keyword=keyword,
        schema_id=schema_id,
        parts=parts,
    )


def _alternatives(error: Any, prefix: tuple[str | int, ...]) -> Iterator[Finding]:
    """Explain an anyOf/oneOf failure by the alternative that was meant, if one was.

    An alternative that fails on the value's own type was clearly not meant (a
    ``null`` branch next to an object one); when one alternative is left, its errors
    are the real ones. Otherwise the alternatives' descriptions say what would do.
    """
    branches: dict[int, list[Any]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    meant = {
        index: subs
        for index, subs in branches.items()
        if not any(s.validator == "type" and not s.relative_path for s in subs)
    }
    parts = prefix + tuple(error.absolute_path)
    schema_id = error.schema_id
    if len(meant) == 1:
        yield from translate(next(iter(meant.values())), prefix)
        return
    alternatives = error.validator_value
    if not meant:
        types = [s.validator_value for subs in branches.values() for s in subs if s.validator == "type"]
        flat: list[str] = []
        for t in types:
            flat.extend([t] if isinstance(t, str) else t)
        message = f"expected {_expected_types(dict.fromkeys(flat))}; found {found(error.instance)}"
        yield _finding(parts, message, "type-mismatch", "type", schema_id)
        return
    described = [alternatives[i].get("description") if isinstance(alternatives[i], dict) else None
                 for i in sorted(meant)]
    subs = [s for i in sorted(meant) for s in meant[i]]
    if all(s.validator == "format" for s in subs):
        formats = " or ".join(_FORMAT_NAMES.get(s.validator_value, s.validator_value) for s in subs)
        yield _finding(
            parts, f"expected {formats}; found {found(error.instance)}", "format-invalid", "format", schema_id
        )
        return
    if all(described):
        expected = " or ".join(d for d in described if d)
    else:
        expected = f"a value valid under one of {len(alternatives)} alternatives"
    missing = all(s.validator in ("required", "minLength", "type") for s in subs)
    category = "required-missing" if missing else "no-alternative-matched"
    what = "none was found" if missing else f"found {found(error.instance)}"
    yield _finding(parts, f"expected {expected}; {what}", category, error.validator, schema_id)
