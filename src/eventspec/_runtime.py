"""What the generated checks and the report interpreter call at run time.

Each answers exactly as jsonschema's validators do (``jsonschema/_types.py``,
``_format.py``, ``_keywords.py``), which the equivalence tests hold, and most of them
without importing jsonschema: a tenth of a second, in every process and every --jobs
worker. Anything unusual still goes to jsonschema itself.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from fractions import Fraction
from functools import cache
from typing import Any


@cache
def _jsonschema() -> tuple[Any, Any, Any, Any]:
    # Imported on first use: valid events in the common shapes never need it.
    from jsonschema import Draft202012Validator
    from jsonschema._utils import equal, uniq

    return (Draft202012Validator.TYPE_CHECKER.is_type, Draft202012Validator.FORMAT_CHECKER.conforms,
            equal, uniq)


def is_type(value: Any, name: str) -> bool:
    """jsonschema's type check (drafts 6 to 2020-12 agree on every type)."""
    if name == "integer":
        return not isinstance(value, bool) and (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        )
    if name == "number":
        # jsonschema counts a complex number as a number (and then fails comparing it
        # with a bound); it is no JSON number, so here it is not one
        return not isinstance(value, (bool, complex)) and isinstance(value, numbers.Number)
    return bool(_jsonschema()[0](value, name))


def ordered(value: Any) -> bool:
    """Whether a number that is no plain int or float can be compared with a bound: not a
    Decimal NaN, whose comparisons raise (it is reported as not JSON instead)."""
    if not is_type(value, "number"):
        return False
    is_nan = getattr(value, "is_nan", None)
    return not (callable(is_nan) and is_nan())


# The last plain string a format refused, and the format. An invalid payload's string
# is checked by its predicate, then again by its report: the second time, one identity
# test. One tuple, replaced whole, so a thread reads a pair another thread wrote.
_refused: tuple[object, str] = (object(), "")


def conforms(value: Any, fmt: str) -> bool:
    """Draft 2020-12's format check."""
    global _refused
    if not isinstance(value, str):
        return True  # formats constrain strings only
    last = _refused
    if last[0] is value and last[1] == fmt:
        return False
    check = _format_checks().get(fmt)
    passes = bool(_jsonschema()[1](value, fmt)) if check is None else check(value)
    if not passes and type(value) is str:  # a subclass may answer another way next time
        _refused = (value, fmt)
    return passes


@cache
def conforms_in(draft: str) -> Callable[[Any, str], bool]:
    """The format check of an older draft: its own checker, which knows other formats."""
    import jsonschema

    checker = {"draft7": jsonschema.Draft7Validator,
               "draft2019-09": jsonschema.Draft201909Validator}[draft].FORMAT_CHECKER
    return checker.conforms


@cache
def _format_checks() -> dict[str, Callable[[str], bool]]:
    import ipaddress
    from importlib.util import find_spec

    def ipv4(value: str) -> bool:
        try:
            return bool(ipaddress.IPv4Address(value))
        except ipaddress.AddressValueError:
            return False

    def ipv6(value: str) -> bool:
        try:
            address = ipaddress.IPv6Address(value)
        except ipaddress.AddressValueError:
            return False
        return not getattr(address, "scope_id", "")

    checks: dict[str, Callable[[str], bool]] = {"ipv4": ipv4, "ipv6": ipv6}
    try:
        from rfc3339_validator import validate_rfc3339
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    else:
        checks["date-time"] = lambda value: bool(validate_rfc3339(value.upper()))
    if find_spec("rfc3987") is None:  # jsonschema prefers rfc3987 for URIs when it is there
        try:
            from rfc3986_validator import validate_rfc3986
        except ImportError:  # pragma: no cover - a declared dependency
            pass
        else:
            checks["uri"] = lambda value: bool(validate_rfc3986(value, rule="URI"))
    return checks


# RFC 3339 date-times in the shape nearly every event uses. A match is certainly valid
# (each month's own days; February stops at 28, so leap years need no thought); anything
# else goes to the real check. Days 29 to 31 are here since events sent on them are
# every tenth event: without them the real check ran on all of them (1.4 us each).
_COMMON_DATETIME = re.compile(
    r"(?!0000)[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))T(?:[01][0-9]|2[0-3])"
    r":[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)

# Dotted-quad IPv4 without leading zeros: exactly what ipaddress accepts, minus nothing
# a real event sends. Anything else goes to the real check.
_COMMON_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")

#: Formats with a common shape a regex recognises (a match is valid), in 2020-12.
SHAPES = {"date-time": _COMMON_DATETIME.fullmatch, "ipv4": _COMMON_IPV4.fullmatch}


def shape_name(fmt: str) -> str:
    return "_shape_" + fmt.replace("-", "_")


_PLAIN = frozenset({int, float, bool, list, dict, tuple})


def enum_slow(value: Any, allowed: list[Any]) -> bool:
    if type(value) in _PLAIN and all(isinstance(each, str) or each is None for each in allowed):
        return False  # jsonschema's equal: a str or None never equals a plain non-None value
    equal = _jsonschema()[2]
    return any(equal(each, value) for each in allowed)


def in_enum(v: Any, values: list[Any]) -> bool:
    if all(isinstance(value, str) or value is None for value in values):
        if type(v) is str:
            return v in values
        if v is None:
            return None in values
    return enum_slow(v, values)


def uniq(value: Any) -> bool:
    """jsonschema's ``uniqueItems``; where it raises (it sorts, and a Decimal NaN raises
    when compared), item by item, a NaN equal to nothing (it is reported as not JSON)."""
    try:
        return bool(_jsonschema()[3](value))
    except ArithmeticError:
        equal = _jsonschema()[2]
        seen: list[Any] = []
        for item in value:
            for other in seen:
                try:
                    if equal(other, item):
                        return False
                except ArithmeticError:
                    continue
            seen.append(item)
        return True


def multiple_fails(value: Any, step: int | float) -> bool:
    """Whether the number ``value`` is not a multiple of ``step``: jsonschema's
    ``multipleOf`` (float quotients included, so 0.3 is not a multiple of 0.1 there
    either), and exact where jsonschema would raise (a huge integer or a Decimal over
    a float step). NaN and the infinities are multiples of nothing."""
    try:
        if isinstance(step, float):
            quotient = value / step
            try:
                return int(quotient) != quotient
            except OverflowError:
                return (Fraction(value) / Fraction(step)).denominator != 1
        return bool(value % step)
    except (TypeError, ArithmeticError, ValueError):
        try:
            return (Fraction(value) / Fraction(step)).denominator != 1
        except (TypeError, ArithmeticError, ValueError):
            return True


def namespace() -> dict[str, Any]:
    """The names the generated code calls."""
    return {
        "_is_type": is_type,
        "_ordered": ordered,
        "_conforms": conforms,
        **{shape_name(fmt): shape for fmt, shape in SHAPES.items()},
        "_enum_slow": enum_slow,
        "_uniq": uniq,
        "_multiple_fails": multiple_fails,
    }
