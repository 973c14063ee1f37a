"""Strings a regular expression matches, made from a seeded ``random.Random``.

`eventspec example` and `strategies.sample` run without Hypothesis, so a plan's own
patterns need a generator of their own. The pattern is parsed by Python's ``re`` parser
(the regular expressions jsonschema checks ``pattern`` with) and walked: literals,
classes, repeats (at most three beyond their minimum), groups, alternation and back
references. Anchors and lookarounds are not made, only checked: every string is tested
with ``re.search`` before it is returned.
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

try:  # Python 3.11 and newer; sre_parse warns there
    from re import _parser as sre  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as sre  # type: ignore[no-redef]

_POOL = string.ascii_letters + string.digits + " -_.:/@"  # what a negated class or "." picks from
_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_DIGIT": string.ascii_letters,
    "CATEGORY_NOT_WORD": " -.",
    "CATEGORY_NOT_SPACE": string.ascii_letters + string.digits,
}
_MORE = 3  # repeats beyond the minimum


class _GiveUp(Exception):
    pass


def example(pattern: str, rng: random.Random, tries: int = 50) -> str | None:
    """A string ``pattern`` matches (search semantics), or None if none was found."""
    compiled = re.compile(pattern)
    parsed = sre.parse(pattern)
    for _ in range(tries):
        try:
            text = _emit(parsed, rng, {})
        except _GiveUp:
            continue
        if compiled.search(text):
            return text
    return None


def _emit(items: Any, rng: random.Random, groups: dict[int, str]) -> str:
    return "".join(_one(op, av, rng, groups) for op, av in items)


def _name(constant: Any) -> str:
    return str(getattr(constant, "name", constant))  # the parser's named constants


def _one(op: Any, av: Any, rng: random.Random, groups: dict[int, str]) -> str:
    name = _name(op)
    if name == "LITERAL":
        return chr(av)
    if name == "NOT_LITERAL":
        return rng.choice([c for c in _POOL if ord(c) != av])
    if name == "ANY":
        return rng.choice(_POOL)
    if name == "IN":
        return _member(av, rng)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = av
        count = rng.randint(low, min(high, low + _MORE))
        return "".join(_emit(sub, rng, groups) for _ in range(count))
    if name == "SUBPATTERN":
        group, sub = av[0], av[-1]
        text = _emit(sub, rng, groups)
        if group:
            groups[group] = text
        return text
    if name == "ATOMIC_GROUP":
        return _emit(av, rng, groups)
    if name == "BRANCH":
        return _emit(rng.choice(av[1]), rng, groups)
    if name == "GROUPREF":
        return groups.get(av, "")
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return ""  # anchors and lookarounds: checked by the final search
    raise _GiveUp(name)


def _member(items: Any, rng: random.Random) -> str:
    """A character of a class ``[...]``: a readable one when the class has some."""
    negate = any(_name(op) == "NEGATE" for op, _ in items)
    candidates: list[str] = []
    for op, av in items:
        kind = _name(op)
        if kind == "LITERAL":
            candidates.append(chr(av))
        elif kind == "RANGE":
            low, high = av
            readable = [c for c in _POOL if low <= ord(c) <= high]
            if readable:
                candidates.extend(readable)
            else:
                code = rng.randint(low, high)
                if not 0xD800 <= code <= 0xDFFF:  # no lone surrogates: JSON in UTF-8 cannot carry them
                    candidates.append(chr(code))
        elif kind == "CATEGORY":
            candidates.extend(_CATEGORIES.get(_name(av), ""))
    if negate:
        taken = set(candidates)
        candidates = [c for c in _POOL if c not in taken]
    if not candidates:
        raise _GiveUp("IN")
    return rng.choice(candidates)
