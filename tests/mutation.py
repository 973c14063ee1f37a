"""Mutants of payloads for the tests that hold two paths to one report: the same
mutation everywhere, so that a seed gives the same mutants in every test."""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence
from typing import Any


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in a JSON-like value, the root (``()``) first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, prefix + (index,))
    return found


def mutate(payload: Any, rng: random.Random, awkward: Sequence[Any], rounds: Sequence[int] = (1, 1, 2),
           delete: float = 0.15) -> Any:
    """A copy of ``payload`` with a few of its values (``rng.choice(rounds)`` of them)
    replaced by one of ``awkward``, or, with odds ``delete``, a key removed."""
    payload = copy.deepcopy(payload)
    for _ in range(rng.choice(rounds)):
        candidates = [p for p in paths(payload) if p]
        if not candidates:
            break
        path = rng.choice(candidates)
        parent = payload
        for part in path[:-1]:
            parent = parent[part]
        if rng.random() < delete and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(awkward))
    return payload
