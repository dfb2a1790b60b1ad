"""Invalid PATCH bodies, each tagged with the clause it exercises and the place of its one fault.

Owns the must-reject values (enum non-members, wrong JSON types at any depth, bad dates,
malformed bytes and non-object bodies) and the bodies that probe read-only and undeclared
properties. Gray-zone values (case variants, numbers or comma lists for enums, null
collections or members, "NaN"/"INF" for a Double, integers for a Double) are never produced:
they live in :mod:`strategies.gray`. Every body holds exactly one invalid part, at ``path``;
:func:`without_part` takes it out again.
"""

from __future__ import annotations

import calendar
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from graphcontract.contract import Contract, EnumSpec, PropertySpec, StructuredType
from graphcontract.types import JSON, JSONObject, Path
from strategies.valid import updatable_subsets, valid_bodies
from strategies.values import (
    ITEM,
    complex_values,
    dotted,
    edm_values,
    item_path,
    property_values,
    request_objects,
    request_places,
    strings,
    wrap,
)

TYPES = "types.rejects"
READ_ONLY = "read-only.not-applied"
UNKNOWN = "properties.unknown"
MALFORMED = "body.malformed"
MUST_REJECT_CLAUSES = frozenset({"enum.allowedAudiences.rejects", "enum.nested", TYPES})
"""The clauses whose invalid parts a conforming server must refuse with 400."""
INVALID_CLAUSES = (*sorted(MUST_REJECT_CLAUSES), READ_ONLY, UNKNOWN, MALFORMED)
"""Every clause :func:`invalid_bodies` can exercise."""

READONLY_PROBE_PREFIX = "graphcontract-probe-"
READONLY_PROBE_NAME = "graphcontract-readonly-probe"
READONLY_PROBE_DATETIME = "2098-02-03T04:05:06Z"
"""Years ahead: a store that keeps the later of two stamps takes it, and no clock makes it."""
READ_ONLY_REASON = "read-only property sent"


@dataclass(frozen=True)
class InvalidBody:
    """A body with one invalid part, and the clause that part exercises."""

    clause: str
    description: str
    path: Path
    body: JSON
    raw: bytes | None = None

    def content(self) -> bytes:
        """The bytes to put on the wire."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, ensure_ascii=False, allow_nan=False).encode()


# -- wrong values ------------------------------------------------------------------------------

Wrong = SearchStrategy[tuple[JSON, str]]


def _tag(values: SearchStrategy[JSON], reason: str) -> Wrong:
    return values.map(lambda v: (v, reason))


_NUMBERS = st.one_of(st.integers(-(10**6), 10**6), st.sampled_from([0, 1, -1, 1.5, -0.25, 1e20]))
_BOOLS = st.booleans()
_OBJECTS = st.sampled_from([{}, {"value": "x"}])


def _bad_dates() -> SearchStrategy[str]:
    """Strings that are no Edm.Date. ISO 8601's basic format (20200706) is left out: OData's
    ABNF refuses it, but Python's own date.fromisoformat (3.11+) accepts it, so a service built
    on it is arguably following ISO 8601 rather than breaking the contract."""
    days = st.dates(date(1900, 1, 1), date(2100, 12, 31))
    years, months = st.integers(1900, 2100), st.integers(1, 12)

    def overflow(y: int, m: int, k: int) -> str:
        return f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1] + k:02d}"

    return st.one_of(
        st.sampled_from(["datetime-value", "2020-13-01", "2020-02-30", "2020-07-06T06:34:12Z"]),
        days.map(lambda d: d.isoformat() + "T06:34:12Z"),
        days.map(lambda d: d.isoformat() + "T00:00:00"),
        days.map(lambda d: f"{d.month:02d}/{d.day:02d}/{d.year:04d}"),
        st.builds(
            lambda y, m, d: f"{y:04d}-{m}-{d:02d}", years, st.integers(1, 9), st.integers(1, 28)
        ),
        st.builds(lambda y, m: f"{y:04d}-{m:02d}-01", years, st.sampled_from([0, 13, 20, 99])),
        st.builds(overflow, years, months, st.integers(1, 8)),
    )


def _wrong_primitive(contract: Contract, type_name: str) -> Wrong:
    t = type_name.removeprefix("Edm.")
    as_array = st.lists(edm_values(contract, type_name), max_size=2)
    common = [_tag(_OBJECTS, f"{t} given an object"), _tag(as_array, f"{t} given an array")]
    if type_name != "Edm.Boolean":
        common.append(_tag(_BOOLS, f"{t} given a boolean"))
    by_type: dict[str, list[Wrong]] = {
        "Edm.String": [_tag(_NUMBERS, "String given a number")],
        "Edm.Boolean": [
            _tag(st.sampled_from(["true", "false", "", "yes", "1"]), "Boolean given a string"),
            _tag(st.sampled_from([0, 1, 2, 0.5]), "Boolean given a number"),
        ],
        "Edm.Int32": [
            _tag(
                st.builds(
                    lambda n, f: n + f,
                    st.integers(-1000, 1000),
                    st.sampled_from([0.5, 0.25, -0.1, 0.999]),
                ),
                "Int32 given a fraction",
            ),
            _tag(
                st.one_of(
                    st.integers(2**31, 2**53),
                    st.integers(-(2**53), -(2**31) - 1),
                    st.sampled_from([2**31, -(2**31) - 1, 2**63, 10**20]),
                ),
                "Int32 out of range",
            ),
            _tag(st.sampled_from(["1", "0", "abc", ""]), "Int32 given a string"),
        ],
        "Edm.Double": [
            _tag(st.sampled_from(["1.5", "0", "abc", "", "one"]), "Double given a string")
        ],
        "Edm.Date": [
            _tag(_bad_dates(), "Date not YYYY-MM-DD"),
            _tag(st.sampled_from([20200706, 2020, 0]), "Date given a number"),
        ],
        "Edm.DateTimeOffset": [
            _tag(st.sampled_from(["datetime-value", "2020-13-01T00:00:00Z"]), "not a date-time"),
            _tag(_NUMBERS, "DateTimeOffset given a number"),
        ],
    }
    return st.one_of(*by_type[type_name], *common)


_REJECT_SAMPLES = ("none", "all", "public", "nobody", "graph contract", "семья", "全员", "👪")


def foreign_members(contract: Contract, enum: EnumSpec) -> tuple[str, ...]:
    """Members of the contract's other enums that ``enum`` must refuse (a parser that looks
    a name up in every enum of the model takes them), its evolvable sentinel included when
    ``enum`` has none."""
    names = dict.fromkeys(
        name for other in contract.enums.values() if other is not enum for name in other.members
    )
    return tuple(name for name in names if enum.must_refuse(name))


def _wrong_enum(contract: Contract, enum: EnumSpec) -> Wrong:
    member = st.sampled_from(tuple(enum.members))
    tails = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=3)
    texts = st.text(string.ascii_letters + string.digits + "_-.|;", min_size=1, max_size=16)
    strings_ = st.one_of(
        st.builds(str.__add__, member, tails),
        st.builds(str.__add__, tails, member),
        member.filter(lambda m: len(m) > 1).map(lambda m: m[:-1]),
        texts,
        st.sampled_from(_REJECT_SAMPLES),
    ).filter(enum.must_refuse)
    example = enum.sendable_members[0]
    listed = st.builds("{},{}".format, member, st.sampled_from(_REJECT_SAMPLES))
    foreign = foreign_members(contract, enum)
    if foreign:
        strings_ = st.one_of(strings_, st.sampled_from(foreign))
    return st.one_of(
        _tag(strings_, f"not a member of {enum.name}"),
        _tag(listed, f"a member and a non-member of {enum.name}, comma-joined"),
        _tag(st.just(""), f"empty string for {enum.name}"),
        _tag(st.sampled_from([True, False, {}, [], [example]]), f"{enum.name} given a non-string"),
    )


def _wrong_complex(contract: Contract, type_name: str) -> Wrong:
    objects = complex_values(contract, type_name, partial=True)
    return st.one_of(
        _tag(st.one_of(strings(), _NUMBERS, _BOOLS), f"{type_name} given a scalar"),
        _tag(st.lists(objects, max_size=2), f"{type_name} given an array"),
    )


def _wrong_collection(contract: Contract, prop: PropertySpec) -> Wrong:
    t = prop.type_name
    item: SearchStrategy[JSON] = (
        complex_values(contract, t, partial=True)
        if contract.is_structured(t)
        else edm_values(contract, t)
    )
    return st.one_of(
        _tag(
            st.one_of(strings(), _NUMBERS, _BOOLS), f"Collection({prop.type_name}) given a scalar"
        ),
        _tag(item, f"Collection({prop.type_name}) given a single item, not an array"),
    )


def _wrong_item(contract: Contract, type_name: str) -> Wrong:
    if contract.is_structured(type_name):
        return st.one_of(
            _tag(st.one_of(strings(), _NUMBERS, _BOOLS), f"{type_name} item given a scalar"),
            _tag(st.sampled_from([[], [{}]]), f"{type_name} item given an array"),
        )
    return _wrong_primitive(contract, type_name)


# -- parts and bodies --------------------------------------------------------------------------

Part = tuple[Path, JSON, str]
"""Where the invalid value goes, the value, why it is invalid."""


def short_json(value: JSON) -> str:
    """``value`` as compact JSON, cut to 40 characters (for descriptions)."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _at(path: Path, wrong: Wrong) -> SearchStrategy[Part]:
    return wrong.map(lambda vr: (path, vr[0], vr[1]))


def _must_reject_parts(contract: Contract, clause: str) -> list[SearchStrategy[Part]]:
    """One strategy per kind of fault (per enum site, per Edm type, complex, collection, item),
    so that a few examples already reach every kind, not thirty String properties first."""
    sites = {site.path: site for site in contract.enum_sites()}
    kinds: dict[str, list[SearchStrategy[Part]]] = {}

    def add(kind: str, part: SearchStrategy[Part]) -> None:
        kinds.setdefault(kind, []).append(part)

    for place in request_places(contract):
        prop, values = place.prop, item_path(place)
        site = sites.get(values)
        if site is not None and site.clause == clause:
            add(dotted(values), _at(values, _wrong_enum(contract, site.enum)))
        if clause != TYPES:
            continue
        if prop.collection:
            add("collection", _at(place.path, _wrong_collection(contract, prop)))
            if site is None:
                add("collection item", _at(values, _wrong_item(contract, prop.type_name)))
        elif contract.is_structured(prop.type_name):
            add("complex", _at(place.path, _wrong_complex(contract, prop.type_name)))
        elif site is None:
            add(prop.type_name, _at(place.path, _wrong_primitive(contract, prop.type_name)))
    return [st.one_of(parts) for parts in kinds.values()]


@st.composite
def _one_kind(draw: st.DrawFn, kinds: SearchStrategy[SearchStrategy[Part]]) -> Part:
    """A kind first, then a part of that kind (``one_of`` would flatten the kinds away)."""
    part: Part = draw(draw(kinds))
    return part


def read_only_probe(contract: Contract, prop: PropertySpec, slot: int) -> JSON:
    """A read-only value no server would produce (``slot`` picks among nested objects)."""
    if contract.is_structured(prop.type_name):
        spec = contract.structured(prop.type_name)
        texts = [p for p in spec.properties.values() if p.type_name == "Edm.String"]
        if texts:
            return {p.name: READONLY_PROBE_NAME for p in texts}
        nested = [p for p in spec.properties.values() if contract.is_structured(p.type_name)]
        pick = nested[slot % len(nested)]
        return {pick.name: read_only_probe(contract, pick, 0)}
    if prop.type_name == "Edm.DateTimeOffset":
        return READONLY_PROBE_DATETIME
    return f"{READONLY_PROBE_PREFIX}{slot}"


def _probes(contract: Contract, prop: PropertySpec) -> SearchStrategy[JSON]:
    if contract.is_structured(prop.type_name):
        slots = st.integers(0, len(contract.structured(prop.type_name).properties) - 1)
    else:
        slots = st.integers(0, 10**6)
    return slots.map(lambda slot: read_only_probe(contract, prop, slot))


def _read_only_parts(contract: Contract) -> list[SearchStrategy[Part]]:
    return [
        _at((name,), _tag(_probes(contract, contract.entity.properties[name]), READ_ONLY_REASON))
        for name in contract.read_only
    ]


_UNKNOWN_NAMES = st.one_of(
    st.sampled_from(["graphcontractUnknown", "extraField", "notes", "ünknown", "未知のプロパティ"]),
    st.builds(
        str.__add__,
        st.sampled_from(string.ascii_letters),
        st.text(string.ascii_letters + string.digits + "_", max_size=15),
    ),
)
_ANY_VALUES: SearchStrategy[JSON] = st.one_of(
    st.sampled_from(["x", 1, True, None, {}, [], 2.5]), strings()
)


def _undeclared(prefix: Path, owner: StructuredType) -> SearchStrategy[Part]:
    taken = {name.casefold() for name in owner.properties}
    names = _UNKNOWN_NAMES.filter(lambda n: n.casefold() not in taken)
    reason = f"not declared on {owner.name}"
    return st.tuples(names, _ANY_VALUES).map(lambda nv: ((*prefix, nv[0]), nv[1], reason))


def _unknown_parts(contract: Contract) -> list[SearchStrategy[Part]]:
    parts = [
        _undeclared(prefix, owner)
        for prefix, owner in request_objects(contract)
        if not owner.open_type
    ]
    for name in contract.undocumented:
        values = property_values(contract, contract.entity.properties[name], partial=True)
        parts.append(_at((name,), _tag(values, "declared but not documented as updatable")))
    return parts


def sited_clauses(contract: Contract) -> tuple[str, ...]:
    """The must-reject clauses with a site in the contract's facet (``enum.nested`` has none
    on a facet without an enum inside a complex value), sorted."""
    sited = []
    for clause in sorted(MUST_REJECT_CLAUSES):
        try:
            invalid_parts(contract, clause)
        except ValueError:
            continue
        sited.append(clause)
    return tuple(sited)


def invalid_parts(contract: Contract, clause: str) -> SearchStrategy[Part]:
    """The invalid parts of a clause (all but body.malformed), before they go into a body."""
    if clause == READ_ONLY:
        parts = _read_only_parts(contract)
    elif clause == UNKNOWN:
        parts = _unknown_parts(contract)
    else:
        parts = _must_reject_parts(contract, clause)
    if not parts:
        raise ValueError(f"no invalid parts for clause {clause!r}")
    return _one_kind(st.sampled_from(parts))


def sibling_values(contract: Contract) -> dict[str, SearchStrategy[JSONObject]]:
    """For each object type of a body, valid partial objects to put around an invalid part."""
    around = {contract.entity.name: updatable_subsets(contract)}
    for _, owner in request_objects(contract)[1:]:
        around[owner.name] = complex_values(contract, owner.name, partial=True)
    return around


@st.composite
def _embedded(
    draw: st.DrawFn,
    contract: Contract,
    clause: str,
    parts: SearchStrategy[Part],
    around: Mapping[str, SearchStrategy[JSONObject]],
) -> InvalidBody:
    """A body with one invalid part, sometimes with valid siblings at every object level."""
    path, leaf, reason = draw(parts)
    description = f"{dotted(path)}: {short_json(leaf)} ({reason})"
    if not draw(st.booleans()):
        return InvalidBody(clause, description, path, wrap(path, leaf))

    def build(owner: StructuredType | None, rest: Path) -> JSON:
        if owner is None or not rest:
            return leaf
        head, rest = rest[0], rest[1:]
        node = {k: v for k, v in draw(around[owner.name]).items() if k != head}
        prop = owner.properties.get(head)
        inner = None
        if prop is not None and contract.is_structured(prop.type_name):
            inner = contract.structured(prop.type_name)
        if rest[:1] == (ITEM,):
            items = [build(inner, rest[1:])]
            if draw(st.booleans()):  # the wrong item second: every item must be validated
                items.insert(0, draw(_valid_item(contract, inner, rest[1:2])))
            node[head] = items
        else:
            node[head] = build(inner, rest)
        return node

    return InvalidBody(clause, description, path, build(contract.entity, path))


def _valid_item(
    contract: Contract, owner: StructuredType | None, skip: Path
) -> SearchStrategy[JSON]:
    """A valid collection item without the property the wrong item carries wrong."""
    if owner is None:
        return st.just("graphcontract valid item")
    return complex_values(contract, owner.name, partial=True).map(
        lambda item: {k: v for k, v in item.items() if k not in skip}
    )


_GARBAGE = ("x", "}", ",", "]", "{}", ' {"a": 1}', '"', "0", "null")


def _malformed(contract: Contract) -> SearchStrategy[InvalidBody]:
    bodies = valid_bodies(contract)
    texts = bodies.map(lambda b: json.dumps(b, ensure_ascii=False))

    def raw(text: str, description: str) -> InvalidBody:
        return InvalidBody(MALFORMED, description, (), None, text.encode())

    def truncated(text: str, at: float) -> InvalidBody:
        cut = max(1, min(len(text) - 1, int(len(text) * at)))
        return raw(text[:cut], f"truncated JSON ({cut} of {len(text)} characters)")

    def unquoted(body: JSONObject) -> InvalidBody:
        pairs = (f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in body.items())
        return raw("{" + ", ".join(pairs) + "}", "unquoted keys")

    non_objects: SearchStrategy[JSON] = st.one_of(
        st.sampled_from([[], [{}], "x", 1, True, None]), bodies.map(lambda b: [b])
    )
    return st.one_of(
        st.builds(truncated, texts, st.floats(0, 1)),
        st.builds(
            lambda t, g: raw(t + g, f"trailing garbage {g!r}"), texts, st.sampled_from(_GARBAGE)
        ),
        texts.map(lambda t: raw(t.replace('"', "'"), "single quotes instead of double quotes")),
        bodies.map(unquoted),
        non_objects.map(lambda v: InvalidBody(MALFORMED, f"not an object: {short_json(v)}", (), v)),
    )


def invalid_bodies(contract: Contract, clause: str | None = None) -> SearchStrategy[InvalidBody]:
    """Bodies with exactly one invalid part, for ``clause`` (any of INVALID_CLAUSES if None)."""
    if clause is None:
        return st.one_of([invalid_bodies(contract, c) for c in INVALID_CLAUSES])
    if clause not in INVALID_CLAUSES:
        raise ValueError(f"unknown clause {clause!r}; known: {', '.join(INVALID_CLAUSES)}")
    if clause == MALFORMED:
        return _malformed(contract)
    return _embedded(contract, clause, invalid_parts(contract, clause), sibling_values(contract))
