"""Near-miss names: which spec'd name a misspelt event or property name most likely means.

Two names are compared by their *key*: casefolded, with spaces, underscores and hyphens
removed, so ``order_completed`` and ``Order Completed`` are one name spelt two ways. A
different key is a typo of a spec'd one when it is one edit away (a letter changed,
added or dropped, or two neighbours swapped: ``Order Completd``, ``totl``, ``revenu``),
or, for a long name, when it stops one or two letters short (``Video Playback Start``).

The thresholds are tuned on the bundled names so that no two spec'd names are near
misses of each other (the tests hold it): the closest bundled pairs are two edits
apart (``Product Viewed`` / ``Product Reviewed``, ``User Suppressed`` /
``User Unsuppressed``, ``Application Installed`` / ``Application Uninstalled``), so
one edit is the most a guess may take, and names of three letters or fewer
(``tax``, ``sku``, ``url``) are matched by spelling only: one edit turns them into
too many unrelated words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[\s_\-]+")

#: A spec'd name whose key has fewer letters than this is never guessed at.
SHORTEST = 4
#: A name may stop this many letters short of a spec'd one ...
TRUNCATED = 2
#: ... whose key has at least this many letters.
TRUNCATED_FROM = 8
#: Names remembered per set of spec'd names (custom names repeat from event to event).
_REMEMBERED = 4096
_LONGEST = 200  # ... of up to this many characters (a stream of huge names holds no memory)


def key(name: str) -> str:
    """The spelling-blind form of a name: casefolded, without spaces, ``_`` or ``-``."""
    return _SEPARATORS.sub("", name).casefold()


def one_edit(a: str, b: str) -> bool:
    """Whether two different strings are one edit apart: a substitution, an insertion,
    a deletion, or a swap of two neighbouring characters.

    >>> one_edit("totl", "total"), one_edit("ordrecompleted", "ordercompleted")
    (True, True)
    >>> one_edit("productviewed", "productreviewed")
    False
    """
    if len(a) > len(b):
        a, b = b, a
    short, long = len(a), len(b)
    if long - short > 1:
        return False
    i = 0
    while i < short and a[i] == b[i]:
        i += 1
    if short < long:
        return a[i:] == b[i + 1 :]
    if i == short:
        return False  # the same string
    return a[i + 1 :] == b[i + 1 :] or (
        i + 1 < short and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    )


def near(given: str, spec: str) -> bool:
    """Whether the key ``given`` is a likely typo of the spec'd key ``spec``."""
    if len(spec) < SHORTEST or given == spec:
        return False
    if one_edit(given, spec):
        return True
    missing = len(spec) - len(given)
    return len(spec) >= TRUNCATED_FROM and 0 < missing <= TRUNCATED and spec.startswith(given)


class Guesser:
    """The spec'd names a name is a likely typo of, for one set of spec'd names.

    Answers are remembered (up to a bound), since the same custom names come back in
    event after event; a guesser is built once per family or per event schema.
    """

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        """``names``: (spelling, spec'd name) pairs; aliases may map to a spec'd name."""
        self._keys: dict[str, str] = {}
        for spelling, meant in names:
            self._keys.setdefault(key(spelling), meant)
        self._seen: dict[str, tuple[str, ...]] = {}

    def __call__(self, name: str) -> tuple[str, ...]:
        """The spec'd names ``name`` is a likely typo of, sorted; empty if none."""
        plain = type(name) is str  # a str subclass may claim equality with a remembered name
        found = self._seen.get(name) if plain else None
        if found is not None:
            return found
        given = key(name)
        size = len(given)
        found = tuple(sorted({
            meant for spec, meant in self._keys.items()
            if -1 <= len(spec) - size <= TRUNCATED and near(given, spec)
        }))
        if plain and len(name) <= _LONGEST and len(self._seen) < _REMEMBERED:
            self._seen[name] = found
        return found


def either(names: tuple[str, ...]) -> str:
    """``'A'``, or ``'A' or 'B'``: the names a message suggests."""
    return " or ".join(repr(name) for name in names)
