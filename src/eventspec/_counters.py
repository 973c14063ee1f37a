"""What a guard counts: messages checked, valid, invalid, dropped and omitted, by event
name and finding category, safely across threads."""

from __future__ import annotations

import threading
from typing import Any

_MAX_NAMES = 1000  # event names counted one by one; the rest are counted as "(other)"


class GuardCounters:
    """What one guard has seen, per event name and per finding category; thread-safe.

    ``checked`` counts the messages the guard validated (``skipped`` those the sample
    left out), ``valid`` and ``invalid`` split them by errors, ``dropped`` counts the
    messages it kept from being sent (``drop`` and ``raise`` modes) and ``omitted`` those
    it sent with unplanned keys removed. A category counts the messages with at least one
    finding of it, errors and warnings alike.
    """

    _FIELDS = ("checked", "valid", "invalid", "dropped", "omitted")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._skipped = 0
        # event name -> [checked, valid, invalid, dropped, omitted]
        self._events: dict[str, list[int]] = {}
        self._categories: dict[str, dict[str, int]] = {}  # event name -> category -> messages

    def _count(self, name: str, ok: bool, stopped: bool, omitted: bool, categories: frozenset[str]) -> None:
        with self._lock:
            row = self._events.get(name)
            if row is None:
                if len(self._events) >= _MAX_NAMES:
                    name = "(other)"
                row = self._events.setdefault(name, [0, 0, 0, 0, 0])
            row[0] += 1
            row[1 if ok else 2] += 1
            if stopped:
                row[3] += 1
            if omitted:
                row[4] += 1
            if categories:
                counts = self._categories.setdefault(name, {})
                for category in categories:
                    counts[category] = counts.get(category, 0) + 1

    def _valid(self, name: str) -> None:
        with self._lock:
            row = self._events.get(name)
            if row is None:
                if len(self._events) >= _MAX_NAMES:
                    name = "(other)"
                row = self._events.setdefault(name, [0, 0, 0, 0, 0])
            row[0] += 1
            row[1] += 1

    def _skip(self) -> None:
        with self._lock:
            self._skipped += 1

    def snapshot(self, reset: bool = False) -> dict[str, Any]:
        """The counts as plain JSON-ready data; with ``reset``, start counting again from zero.

        The shape: ``{"checked", "valid", "invalid", "dropped", "omitted", "skipped":
        int, "categories": {category: int}, "events": {name: {"checked", "valid",
        "invalid", "dropped", "omitted": int, "categories": {category: int}}}}``.
        """
        with self._lock:
            events, categories, skipped = self._events, self._categories, self._skipped
            if reset:
                self._events, self._categories, self._skipped = {}, {}, 0
            else:
                events = {name: list(row) for name, row in events.items()}
                categories = {name: dict(counts) for name, counts in categories.items()}
        totals = [sum(column) for column in zip(*events.values())] or [0] * len(self._FIELDS)
        by_category: dict[str, int] = {}
        for counts in categories.values():
            for category, n in counts.items():
                by_category[category] = by_category.get(category, 0) + n
        return {
            **dict(zip(self._FIELDS, totals)),
            "skipped": skipped,
            "categories": dict(sorted(by_category.items())),
            "events": {
                name: {**dict(zip(self._FIELDS, row)), "categories": dict(sorted(categories.get(name, {}).items()))}
                for name, row in sorted(events.items())
            },
        }

    def _total(self, index: int) -> int:
        with self._lock:
            return sum(row[index] for row in self._events.values())

    @property
    def checked(self) -> int:
        return self._total(0)

    @property
    def valid(self) -> int:
        return self._total(1)

    @property
    def invalid(self) -> int:
        return self._total(2)

    @property
    def dropped(self) -> int:
        return self._total(3)

    @property
    def omitted(self) -> int:
        return self._total(4)

    @property
    def skipped(self) -> int:
        with self._lock:
            return self._skipped

    def __repr__(self) -> str:
        s = self.snapshot()
        return "GuardCounters(" + ", ".join(f"{k}={s[k]}" for k in (*self._FIELDS, "skipped")) + ")"
