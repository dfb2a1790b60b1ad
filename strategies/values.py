"""Valid JSON values for every type a workPosition request carries, and the map of a body.

Owns what a *valid* value is for an Edm primitive, an enum and a complex type of the contract
(strings of every script and length, Int32 boundaries, finite Doubles, ``YYYY-MM-DD`` dates,
sendable enum members, partial or complete objects), plus the places of a request body (every
property at every depth) that the invalid and gray-zone strategies walk. Everything is derived
from the :class:`~graphcontract.contract.Contract`; nothing here names a property.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from graphcontract.contract import Contract, PropertySpec, StructuredType
from graphcontract.types import JSON, JSONObject, Path

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
MAX_ITEMS = 4
"""Collections hold 0..MAX_ITEMS items (keeps draws cheap)."""
LONG_STRING = (256, 600)
"""Length range of the long strings (past the common 255-character limit)."""
ITEM = "[]"
"""Path segment for "an item of this collection"."""

_SAMPLES = (
    "Инженер-программист",
    "软件工程师",
    "ソフトウェアエンジニア",
    "👩‍💻 engineer 🚀",
    "Ærøskøbing naïve café",
    "مهندس برمجيات",
    "Δοκιμή ✓",
    "Senior Engineer",
)
_ASCII = string.ascii_letters + string.digits + string.punctuation + " "
_ANY_CHAR = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
"""Any Unicode scalar value but NUL: every code point UTF-8 can carry (category Cs, the lone
surrogates, is exactly what it cannot). Spelled with the category, not ``codec="utf-8"``:
Hypothesis builds a codec's table by encoding all 1.1 million code points (about 1.5 s per
process whenever its ``.hypothesis/`` cache is new, as on every CI checkout)."""


def _repeat_to(base: str, length: int) -> str:
    return (base * (length // len(base) + 1))[:length]


def strings() -> SearchStrategy[str]:
    """Valid Edm.String values: empty, ASCII, any script, emoji, and sometimes 256-600 chars."""
    bases = st.one_of(
        st.text(_ASCII, min_size=1, max_size=6),
        st.sampled_from(_SAMPLES),
        st.text(_ANY_CHAR, min_size=1, max_size=6),
    )
    return st.one_of(
        st.just(""),
        st.text(_ASCII, max_size=16),
        st.text(_ANY_CHAR, min_size=1, max_size=10),
        st.lists(st.sampled_from(_SAMPLES), min_size=1, max_size=3).map(" ".join),
        st.builds(_repeat_to, bases, st.integers(*LONG_STRING)),
    )


def int32s() -> SearchStrategy[int]:
    """Valid Edm.Int32 values, boundaries included."""
    return st.one_of(
        st.sampled_from([INT32_MIN, INT32_MAX, 0, -1, 1]),
        st.integers(INT32_MIN, INT32_MAX),
    )


def doubles() -> SearchStrategy[float | int]:
    """Valid Edm.Double values: finite floats of every magnitude, and small integers."""
    return st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 0.5, -2.5, 1e-300, 5e-324, 1.7976931348623157e308, -1e100]),
        st.integers(-1000, 1000),
    )


def dates() -> SearchStrategy[str]:
    """Valid Edm.Date values (``YYYY-MM-DD``) from 0001-01-01 to 9999-12-31."""
    return st.one_of(
        st.sampled_from(["0001-01-01", "9999-12-31", "2000-02-29"]),
        st.dates(date.min, date.max).map(date.isoformat),
    )


def datetimes() -> SearchStrategy[str]:
    """Edm.DateTimeOffset values in UTC with a ``Z`` (read-only properties, responses)."""
    return st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)).map(
        lambda d: d.isoformat() + "Z"
    )


_PRIMITIVES: Mapping[str, Callable[[], SearchStrategy[Any]]] = {
    "Edm.String": strings,
    "Edm.Boolean": st.booleans,
    "Edm.Int32": int32s,
    "Edm.Double": doubles,
    "Edm.Date": dates,
    "Edm.DateTimeOffset": datetimes,
}


def edm_values(contract: Contract, type_name: str) -> SearchStrategy[JSON]:
    """Valid values of an Edm primitive, or the sendable members of an enum of the contract."""
    if contract.is_enum(type_name):
        return st.sampled_from(contract.enums[type_name].sendable_members)
    if type_name in _PRIMITIVES:
        strategy: SearchStrategy[JSON] = _PRIMITIVES[type_name]()
        return strategy
    raise ValueError(f"{type_name!r} is neither an Edm primitive nor an enum of the contract")


_ONE_IN_FOUR = st.integers(0, 3)
_ONE_IN_EIGHT = st.integers(0, 7)


@st.composite
def _maybe_null(draw: st.DrawFn, values: SearchStrategy[JSON], odds: SearchStrategy[int]) -> JSON:
    """null when ``odds`` draws 0 (shrinks towards null), else a value."""
    return None if draw(odds) == 0 else draw(values)


def subsets(
    values: Mapping[str, SearchStrategy[JSON]],
    min_size: int = 0,
    *,
    likely: frozenset[str] = frozenset(),
    likely_odds: int = 4,
) -> SearchStrategy[JSONObject]:
    """Objects with a subset of the keys of ``values`` (in their order; at least one key if
    ``min_size`` is 1). Keys in ``likely`` are left out one time in ``likely_odds``, the others
    drawn one time in four: deep nesting and enums show up often, objects stay small."""
    if min_size not in (0, 1):
        raise ValueError("min_size must be 0 or 1")
    fallback = st.sampled_from(list(values)) if min_size else None
    return _subset(values, likely, st.integers(1, likely_odds), fallback)


@st.composite
def _subset(
    draw: st.DrawFn,
    values: Mapping[str, SearchStrategy[JSON]],
    likely: frozenset[str],
    odds: SearchStrategy[int],
    fallback: SearchStrategy[str] | None,
) -> JSONObject:
    chosen = {
        name for name in values if (draw(odds) > 1 if name in likely else draw(_ONE_IN_FOUR) == 3)
    }
    if not chosen and fallback is not None:
        chosen.add(draw(fallback))
    return {name: draw(strategy) for name, strategy in values.items() if name in chosen}


def nested_names(contract: Contract, spec: StructuredType) -> frozenset[str]:
    """The properties of ``spec`` that subsets draw more often: single-valued complex ones
    (so that deep nesting is common) and enums (where validation goes wrong)."""
    return frozenset(
        name
        for name, prop in spec.properties.items()
        if contract.is_enum(prop.type_name)
        or (contract.is_structured(prop.type_name) and not prop.collection)
    )


def property_values(
    contract: Contract, prop: PropertySpec, *, partial: bool, nonempty: bool = False
) -> SearchStrategy[JSON]:
    """Valid values of one declared property.

    null sometimes when the property is nullable and single-valued (never for a collection);
    0..MAX_ITEMS non-null items for a collection; complex values partial or complete.
    ``nonempty`` makes a partial complex value carry at least one leaf (a scalar, a null or
    a collection somewhere inside it), so that sending it changes something.
    """
    if contract.is_structured(prop.type_name):
        if prop.collection:
            item = _objects(contract, prop.type_name, partial=partial, nonempty=False)
            return st.lists(item, max_size=MAX_ITEMS)
        value = _objects(contract, prop.type_name, partial=partial, nonempty=nonempty)
    else:
        value = edm_values(contract, prop.type_name)
        if prop.collection:
            return st.lists(value, max_size=MAX_ITEMS)
    if not prop.nullable:
        return value
    return _maybe_null(value, _ONE_IN_EIGHT if prop.type_name in contract.types else _ONE_IN_FOUR)


_OBJECTS: dict[tuple[int, str, bool, bool], SearchStrategy[JSONObject]] = {}
"""One strategy tree per (contract, type, partial, nonempty): every test shares it, so
Hypothesis validates it once per run instead of once per test."""


def _objects(
    contract: Contract, type_name: str, *, partial: bool, nonempty: bool
) -> SearchStrategy[JSONObject]:
    key = (id(contract), type_name, partial, nonempty)
    if key not in _OBJECTS:
        _OBJECTS[key] = _build_objects(contract, type_name, partial=partial, nonempty=nonempty)
    return _OBJECTS[key]


def _build_objects(
    contract: Contract, type_name: str, *, partial: bool, nonempty: bool
) -> SearchStrategy[JSONObject]:
    def build() -> SearchStrategy[JSONObject]:
        spec = contract.structured(type_name)
        values = {
            name: property_values(contract, prop, partial=partial, nonempty=nonempty)
            for name, prop in spec.properties.items()
        }
        if not partial:
            return st.fixed_dictionaries(values)
        likely = nested_names(contract, spec)
        return subsets(values, min_size=1 if nonempty else 0, likely=likely)

    return st.deferred(build)


def complex_values(
    contract: Contract, type_name: str, *, partial: bool
) -> SearchStrategy[JSONObject]:
    """Valid objects of a complex type.

    ``partial=True``: any subset of the declared properties (``{}`` included), nested complex
    values partial too. ``partial=False``: every declared property, at every depth.
    """
    if not contract.is_structured(type_name):
        raise ValueError(f"{type_name!r} is not a structured type of the contract")
    return _objects(contract, type_name, partial=partial, nonempty=False)


# -- the places of a request body ------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One declared property somewhere in a request body."""

    path: Path
    """From the body's top to the property; a collection's items appear as ``"[]"``."""
    prop: PropertySpec
    owner: StructuredType


def item_path(place: Place) -> Path:
    """Where the values of ``place`` sit: its items for a collection, else the property."""
    return (*place.path, ITEM) if place.prop.collection else place.path


def request_places(contract: Contract) -> tuple[Place, ...]:
    """Every property a request may carry: the updatable ones and everything inside them."""
    places: list[Place] = []

    def walk(owner: StructuredType, prefix: Path, top: bool) -> None:
        for prop in owner.properties.values():
            if top and prop.access != "updatable":
                continue
            place = Place((*prefix, prop.name), prop, owner)
            places.append(place)
            if contract.is_structured(prop.type_name):
                walk(contract.structured(prop.type_name), item_path(place), False)

    walk(contract.entity, (), True)
    return tuple(places)


def request_objects(contract: Contract) -> tuple[tuple[Path, StructuredType], ...]:
    """Every object level of a request body: the body itself, then each complex place."""
    nested = [
        (item_path(place), contract.structured(place.prop.type_name))
        for place in request_places(contract)
        if contract.is_structured(place.prop.type_name)
    ]
    return ((), contract.entity), *nested


def dotted(path: Path) -> str:
    """``("colleagues", "[]", "relationship")`` → ``colleagues[].relationship``."""
    text = ""
    for part in path:
        text += part if part == ITEM or not text else f".{part}"
    return text or "(body)"


def wrap(path: Path, leaf: JSON) -> JSONObject:
    """The smallest body with ``leaf`` at ``path`` (one item per collection on the way)."""
    value = leaf
    for head in reversed(path):
        value = [value] if head == ITEM else {head: value}
    if not isinstance(value, dict):
        raise ValueError(f"path {path!r} does not start with a property name")
    return value


_GONE = object()


def _strip(node: JSON, path: Path) -> object:
    head, rest = path[0], path[1:]
    if head == ITEM:
        kept = [
            item for item in (_strip(i, rest) if rest else _GONE for i in node) if item is not _GONE
        ]
        return kept or _GONE
    out = dict(node)
    if head not in out:  # an item without the part (a valid one next to the wrong one)
        return out or _GONE
    child = _strip(out[head], rest) if rest else _GONE
    if child is _GONE:
        del out[head]
    else:
        out[head] = child
    return out or _GONE


def without_part(body: JSONObject, path: Path) -> JSONObject:
    """``body`` without the part at ``path``, dropping the objects and lists left empty on it."""
    if not path:
        raise ValueError("a whole-body case has no part to take out")
    stripped = _strip(body, path)
    return {} if stripped is _GONE else cast(JSONObject, stripped)


def values_at(body: JSON, path: Path) -> list[JSON]:
    """Every value found at ``path`` (all items for ``"[]"``); [] where the path is absent."""
    if not path:
        return [body]
    head, rest = path[0], path[1:]
    if head == ITEM:
        items = body if isinstance(body, list) else []
        return [v for item in items for v in values_at(item, rest)]
    if isinstance(body, dict) and head in body:
        return values_at(body[head], rest)
    return []
