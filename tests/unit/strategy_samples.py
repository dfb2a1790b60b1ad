"""Shared ground for the strategies/ tests: contract lookups, settings and coverage sweeps.

Owns the Hypothesis settings the strategy tests use, the request places of the contract by
path, ``walk``/``spec_at`` to read drawn bodies, and ``can_produce``: a fixed, derandomized run
of the generate phase (cached per strategy), then a search of its own, to show that a strategy
can produce a named feature. ``test_strategies_valid`` and ``test_strategies_invalid`` hold
the tests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from graphcontract.contract import PropertySpec, load_contract
from strategies.values import ITEM, request_places

CONTRACT = load_contract()
PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
FEW = settings(PROPERTY, max_examples=30)
SWEEP = settings(
    max_examples=800,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
SEARCH = settings(SWEEP, max_examples=3000)
PLACES = {place.path: place for place in request_places(CONTRACT)}
ENUM_SITES = {site.path: site for site in CONTRACT.enum_sites()}

Features = Callable[[Any], Iterable[str]]
"""What a drawn value shows, as feature names ("property detail", "collection of 0", …)."""
Sample = tuple[st.SearchStrategy[Any], Features]
"""A strategy and the features its values are searched for."""


def walk(value: Any, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], Any]]:
    """Every (path, value) in a JSON value, collection items as "[]"."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, (*path, key))
    elif isinstance(value, list):
        for child in value:
            yield from walk(child, (*path, ITEM))


def spec_at(path: tuple[str, ...]) -> PropertySpec | None:
    """The declared property a path (or a collection-item path) names, if any."""
    place = PLACES.get(path[:-1] if path[-1:] == (ITEM,) else path)
    return None if place is None else place.prop


@functools.cache
def swept(strategy: st.SearchStrategy[Any], features: Features, examples: int) -> frozenset[str]:
    """The features one deterministic generate-phase run of a strategy shows (cached)."""
    seen: set[str] = set()

    @settings(SWEEP, max_examples=examples)
    @given(strategy)
    def collect(value: Any) -> None:
        seen.update(features(value))

    collect()
    return frozenset(seen)


def can_produce(sample: Sample, feature: str, *, sweep_size: int) -> bool:
    """Whether the sample's strategy produces ``feature``: first a shared sweep, then a search
    of its own (``find`` without shrinking) for the rare features the sweep missed."""
    strategy, features = sample
    if feature in swept(strategy, features, sweep_size):
        return True
    try:
        find(strategy, lambda value: feature in set(features(value)), settings=SEARCH)
    except NoSuchExample:
        return False
    return True
