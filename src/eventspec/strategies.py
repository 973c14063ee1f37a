"""Hypothesis strategies for every bundled call and semantic event, valid and invalid.

>>> from eventspec import strategies as es
>>> payloads = es.events(spec="cdp", event="Order Completed")    # complete track calls
>>> cases = es.invalid_events(spec="cdp", event="Order Completed")  # (payload, path) pairs
>>> planned = es.events(plan="examples/plan", event="Course Started")  # a tracking plan's

Use them with ``@given`` (see docs/testing.md). The payloads are complete envelopes
(ids, timestamps, context), with values that look like real ones, and every keyword of
the schema respected; when a test fails, Hypothesis shrinks the payload to a small
readable one. `sample` makes one payload from a seed, without Hypothesis.

Hypothesis is imported when a strategy is made, not with this module, and is needed
only for `events` and `invalid_events` (``pip install 'eventspec[hypothesis]'``).

Making a strategy does the setup (the catalog, the schemas' nodes, Hypothesis' table
of characters) so that no draw does: Hypothesis counts the time of the first draws
against its ``too_slow`` health check, which a plain ``@given`` would then fail on a
busy machine.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any, NoReturn

from ._defects import choose as _choose_defect
from ._defects import defects as _defects
from ._generate import Target, choose, generate, prepare, targets
from ._generate import sample as _sample
from ._nodes import Unsupported

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from ._catalog import Catalog

__all__ = ["Unsupported", "events", "invalid_events", "sample"]


def events(
    *,
    spec: str | None = None,
    event: str | None = None,
    call: str | None = None,
    plan: Catalog | str | os.PathLike[str] | None = None,
    version: int | str | None = None,
) -> SearchStrategy[dict[str, Any]]:
    """A strategy for valid payloads of a spec family, or of a tracking plan.

    Arguments:
        spec: the spec family (``"cdp"``, the default; ``"retainpixel"``, ...).
        event: a semantic event (``"Order Completed"``): track calls with that name; with
            ``plan``, an event (or page or screen name) the plan names.
        call: a call (``"identify"``, ``"batch"``); ``"track"`` gives custom events and
            every semantic event. With neither, any call or event of the family; with
            ``plan``, any planned event, or an identify or group call.
        plan: a tracking plan: a catalog from `eventspec.load_plan`, or its folder.
            Payloads are then complete envelopes whose properties (traits for identify
            and group) satisfy the plan's schema too, with no unplanned property.
        version: with ``plan`` and ``event``, the MODEL of the event's schema (``1``,
            ``"2-0-0"``); the newest by default. When the event has several, payloads
            name theirs at the plan's version selector (``context.protocols.event_version``).

    Returns:
        Payloads (dicts) that `eventspec.validate` (with a plan, ``plan.validate``) finds
        valid with no warnings. An unknown name raises when the strategy is first drawn
        from (`UnknownFamily`, `UnknownCall`, `UnknownEvent`), as Hypothesis' own do;
        with a plan, when the strategy is made, and so does `Unsupported`: a keyword of
        the plan's schemas the generator cannot make values for, with its file.
    """
    import hypothesis.strategies as st

    options = _prepared(spec, event, call, plan, version)
    if options is None:
        return st.deferred(lambda: _payloads(targets(spec, event, call, version=version)))
    return _payloads(options)


def invalid_events(
    *,
    spec: str | None = None,
    event: str | None = None,
    call: str | None = None,
    plan: Catalog | str | os.PathLike[str] | None = None,
    version: int | str | None = None,
) -> SearchStrategy[tuple[dict[str, Any], str]]:
    """A strategy for ``(payload, expected_path)``: a valid payload with exactly one defect.

    The defect is one of: a missing required field, a value of the wrong type, a value
    not allowed (enum, const, multipleOf, not), a bad format or pattern, a value out of
    range (lengths, bounds, item or property counts, unique items), an ``anyOf`` none of
    whose alternatives hold (no ``userId`` nor ``anonymousId``), or a call over the size
    limit. ``expected_path`` is where `eventspec.validate` (with a plan,
    ``plan.validate``) must report it, as it writes paths (``$.properties.total``);
    other findings may come with it (a wrong ``userId`` also leaves the call with no
    identity), so test that the path is among the errors'.

    Arguments: as for `events`.
    """
    import hypothesis.strategies as st

    options = _prepared(spec, event, call, plan, version)
    if options is None:
        return st.deferred(lambda: _invalid(targets(spec, event, call, version=version)))
    return _invalid(options)


def _prepared(
    spec: str | None,
    event: str | None,
    call: str | None,
    plan: Catalog | str | os.PathLike[str] | None = None,
    version: int | str | None = None,
) -> tuple[Target, ...] | None:
    """The targets, with all a draw needs built now; None for invalid arguments.

    Invalid arguments are resolved again when the strategy is drawn from, and raise
    there, as Hypothesis' own strategies do (and as they did before this setup). With a
    plan they raise now, and so does what the generator cannot make of its schemas.
    """
    if plan is not None:
        options = _planned(plan, spec, event, call, version)
    else:
        try:
            options = targets(spec, event, call, version=version)
        except (ValueError, KeyError, TypeError):  # an unknown name; an unhashable one
            return None
        prepare(options)
    # Hypothesis computes its table of Unicode characters (or reads it from
    # .hypothesis/) when a text strategy is first used: a fraction of a second.
    _characters().validate()
    return options


def sample(
    *,
    spec: str | None = None,
    event: str | None = None,
    call: str | None = None,
    seed: int | None = None,
    plan: Catalog | str | os.PathLike[str] | None = None,
    version: int | str | None = None,
) -> dict[str, Any]:
    """One valid payload, the same for the same seed (no Hypothesis needed).

    For fixtures and examples; in tests, prefer `events`, which explores and shrinks.
    The arguments are those of `events`.

    >>> import eventspec
    >>> payload = sample(spec="cdp", event="Order Completed", seed=7)
    >>> payload["event"], eventspec.validate(payload, spec="cdp").ok
    ('Order Completed', True)
    >>> sample(spec="cdp", event="Order Completed", seed=7) == payload
    True
    """
    from ._sources import RandomSource

    if plan is not None:
        options = _planned(plan, spec, event, call, version)
    else:
        options = targets(spec, event, call, version=version)
    return _sample(choose(RandomSource(seed), options), seed)


def _planned(
    plan: Catalog | str | os.PathLike[str],
    spec: str | None,
    event: str | None,
    call: str | None,
    version: int | str | None,
) -> tuple[Target, ...]:
    """A plan's targets, with every node built now: what the generator cannot make
    (`Unsupported`, naming the keyword and the file) is said when the strategy is made."""
    from ._catalog import Catalog

    if not isinstance(plan, Catalog):
        from ._plan import load_plan

        plan = load_plan(os.fspath(plan))
    options = targets(spec, event, call, catalog=plan, version=version)
    prepare(options, deep=True)
    return options


class _HypothesisSource:
    """The generator's choices as Hypothesis draws (see `eventspec._sources.Source`)."""

    def __init__(self, draw: DrawFn) -> None:
        self.draw = draw

    def index(self, n: int) -> int:
        return 0 if n == 1 else self.draw(_integers(0, n - 1))

    def boolean(self) -> bool:
        return self.draw(_booleans())

    def rarely(self) -> bool:
        return self.draw(_integers(0, 7)) == 7

    def integer(self, low: int, high: int) -> int:
        return self.draw(_integers(low, high))

    def real(self, low: float, high: float) -> float:
        return self.draw(_floats(low, high))

    def text(self, min_size: int, max_size: int) -> str:
        return self.draw(_text(min_size, max_size))

    def regex(self, pattern: str) -> str:
        import hypothesis.strategies as st

        return self.draw(st.from_regex(pattern))

    def reject(self) -> NoReturn:
        from hypothesis import reject

        reject()


def _payloads(options: tuple[Target, ...]) -> SearchStrategy[dict[str, Any]]:
    import hypothesis.strategies as st

    @st.composite
    def payloads(draw: DrawFn) -> dict[str, Any]:
        source = _HypothesisSource(draw)
        return generate(choose(source, options), source)

    return payloads()


def _invalid(options: tuple[Target, ...]) -> SearchStrategy[tuple[dict[str, Any], str]]:
    import hypothesis.strategies as st

    @st.composite
    def cases(draw: DrawFn) -> tuple[dict[str, Any], str]:
        source = _HypothesisSource(draw)
        target = choose(source, options)
        payload = generate(target, source)
        defect = _choose_defect(source, _defects(target, payload))
        return defect.apply(payload), defect.path

    return cases()


# Strategies are values: made once per shape, they cost nothing to draw from again.
@cache
def _integers(low: int, high: int) -> SearchStrategy[int]:
    import hypothesis.strategies as st

    return st.integers(low, high)


@cache
def _booleans() -> SearchStrategy[bool]:
    import hypothesis.strategies as st

    return st.booleans()


@cache
def _floats(low: float, high: float) -> SearchStrategy[float]:
    import hypothesis.strategies as st

    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@cache
def _characters() -> SearchStrategy[str]:
    import hypothesis.strategies as st

    # Any character UTF-8 can carry (not lone surrogates): pipelines must cope with them.
    return st.characters(codec="utf-8")


@cache
def _text(min_size: int, max_size: int) -> SearchStrategy[str]:
    import hypothesis.strategies as st

    return st.text(_characters(), min_size=min_size, max_size=max_size)
