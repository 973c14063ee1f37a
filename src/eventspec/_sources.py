"""Where the generator's choices come from: Hypothesis, or a seeded random number generator.

The generator makes every decision through a `Source`, one small choice at a time. Under
Hypothesis (`eventspec.strategies`) each choice is a draw, so Hypothesis can shrink a
failing payload choice by choice; every method shrinks towards the plain case (index
0, False, the lower bound). `RandomSource` makes the same choices from a seeded
`random.Random`, which is what makes ``eventspec example --seed N`` repeatable, and
needs no Hypothesis at all.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NoReturn, Protocol, TypeVar

T = TypeVar("T")


class Rejected(Exception):
    """The choices so far led to an unusable payload; start again (RandomSource)."""


class Source(Protocol):
    """The primitive choices the generator is made of."""

    def index(self, n: int) -> int:
        """An index into a sequence of ``n`` items (``n >= 1``); shrinks to 0."""
        ...

    def boolean(self) -> bool:
        """Either, evenly; shrinks to False."""
        ...

    def rarely(self) -> bool:
        """True now and then (for the odd values among realistic ones); shrinks to False."""
        ...

    def integer(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        ...

    def real(self, low: float, high: float) -> float:
        """A finite float in ``[low, high]``."""
        ...

    def text(self, min_size: int, max_size: int) -> str:
        """Any Unicode text JSON can carry in UTF-8, within the sizes."""
        ...

    def regex(self, pattern: str) -> str:
        """A string the pattern matches (search semantics, as in JSON Schema)."""
        ...

    def reject(self) -> NoReturn:
        """Give up on this payload and make another."""
        ...


def choice(source: Source, options: Sequence[T]) -> T:
    """One of ``options``; shrinks to the first."""
    return options[source.index(len(options))]


def count(source: Source, low: int, high: int) -> int:
    """A small size in ``[low, high]``: each step up is a coin flip, so it shrinks to ``low``."""
    n = low
    while n < high and source.boolean():
        n += 1
    return n


# Mostly letters, with the characters that break naive pipelines mixed in: accents,
# other scripts, emoji (outside the BMP), quotes, backslashes and control characters.
_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
    "éüßçñøÅ日本語中文한국어Ωπ😀🚀\"'\\/\t\n<>&%"
)


class RandomSource:
    """A `Source` backed by ``random.Random``: the same seed gives the same payload."""

    def __init__(self, seed: int | None = None) -> None:
        self.random = random.Random(seed)

    def index(self, n: int) -> int:
        return self.random.randrange(n)

    def boolean(self) -> bool:
        return self.random.random() < 0.5

    def rarely(self) -> bool:
        # Rarer than under Hypothesis: a seeded sample is an example for people to read,
        # so the odd values (free Unicode text, huge numbers) seldom show up in it.
        return self.random.random() < 0.03

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def real(self, low: float, high: float) -> float:
        return self.random.uniform(low, high)

    def text(self, min_size: int, max_size: int) -> str:
        size = self.random.randint(min_size, max_size)
        return "".join(self.random.choice(_ALPHABET) for _ in range(size))

    def regex(self, pattern: str) -> str:
        # The bundled patterns have readable generators of their own (the tests check
        # it); a plan's patterns are walked by a small sampler of Python's regex syntax.
        from ._regex import example

        found = example(pattern, self.random)
        if found is None:
            raise NotImplementedError(
                f"could not make a string matching {pattern!r} without Hypothesis "
                "(lookarounds or back references it cannot satisfy)"
            )
        return found

    def reject(self) -> NoReturn:
        raise Rejected()
