"""The edge-case catalog: by kind, the valid values stores get wrong, and every site of each kind.

A *kind* is what the contract model says a place holds (String, Boolean, Int32, Double, Date,
DateTimeOffset, enum, flags enum, complex value, collection of primitives, collection of
complex values). Each kind has a named list of cases derived from its type (strings in each
Unicode normalization form, numbers at their bounds, dates at leap days and the year range
ends, every enum member, collections with repeated items, ...). A *site* is every writable
place of that kind, nested ones and collection items included (:func:`edge_sites`). Every case
is sent at every site of its kind; :func:`edge_packs` packs them into few request bodies (one
body carries one case at many sites of different kinds) so the ``ci`` run stays small.

A case whose acceptance the documentation leaves open names the observe clause that says so
(``gray``, as contracts/clauses.yaml names its sources): such a body is sent on its own, a
refusal must change nothing and an acceptance is judged as any update. Everything else must be
accepted and read back as sent (response.echo: strings are sequences of code points, stored as
sent; merge.collections-replace: a collection reads back item for item, repeats and order
kept). Everything is derived from the Contract; nothing here names a property.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from graphcontract.contract import Contract
from graphcontract.types import JSON, JSONObject, Path, json_text
from strategies.values import INT32_MAX, INT32_MIN, dotted, item_path, request_places, wrap

STRING, BOOLEAN, INT32, DOUBLE, DATE, DATETIME = (
    "String",
    "Boolean",
    "Int32",
    "Double",
    "Date",
    "DateTimeOffset",
)
ENUM, FLAGS, COMPLEX = "enum", "flags enum", "complex value"
PRIMITIVES, COMPLEXES = "collection of primitives", "collection of complex values"
KINDS = (
    STRING,
    BOOLEAN,
    INT32,
    DOUBLE,
    DATE,
    DATETIME,
    ENUM,
    FLAGS,
    COMPLEX,
    PRIMITIVES,
    COMPLEXES,
)
LONG_GRAY = "values.long"
FLAGS_GRAY = "enum.allowedAudiences.gray"
MANY_ITEMS = 12
"""Items of the "many items" collections (below every item limit a must-accept body meets)."""
MAX_BODY_BYTES = 48_000
"""The most a gray body carrying one case at many sites may weigh: its reproducer is one curl
argument, and a shell takes no argument past 128 KiB."""
VERY_LONG = 4000
"""Characters of the very long string: the longest a column of nvarchar(4000) holds, just
below the 4,001 of the values.long probes; a service may still set a lower limit (gray)."""


@dataclass(frozen=True)
class EdgeCase:
    """One named value of one kind; ``gray`` names the observe clause that leaves it open."""

    name: str
    kind: str
    value: JSON
    gray: str | None = None


def _case(kind: str, name: str, value: JSON, gray: str | None = None) -> EdgeCase:
    return EdgeCase(name, kind, value, gray)


_ACCENTED = "Café Ångström"
_MARKS = "q\u0307\u0323 a\u0308\u0301"
"""Combining marks out of canonical order (dot above before dot below): NFC and NFD both
reorder them, so any normalisation shows."""

PRIMITIVE_CASES: dict[str, tuple[EdgeCase, ...]] = {
    STRING: (
        _case(STRING, "empty", ""),
        _case(STRING, "whitespace only", "   "),
        _case(STRING, "padded", "  padded value  "),
        _case(STRING, "NFC (precomposed)", unicodedata.normalize("NFC", _ACCENTED)),
        _case(STRING, "NFD (e + U+0301)", unicodedata.normalize("NFD", _ACCENTED)),
        _case(STRING, "combining marks out of canonical order", _MARKS),
        _case(STRING, "compatibility forms (NFKC differs)", "ﬁle ① Ｆｕｌｌ"),
        _case(STRING, "Hangul as conjoining jamo", unicodedata.normalize("NFD", "한국어")),
        _case(STRING, "astral characters", "👩‍💻 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏳️‍🌈"),
        _case(STRING, "RTL text", "\u200fمهندس برمجيات – מהנדס תוכנה"),
        _case(STRING, "tab, CR LF, LF and a last CR", "tab\there\r\nnext line\n\tindented\r"),
        _case(STRING, "long (300)", ("long · Ω 🚀 " * 30)[:300]),
        _case(STRING, f"very long ({VERY_LONG})", ("long · Ω 🚀 " * 400)[:VERY_LONG], LONG_GRAY),
    ),
    BOOLEAN: (_case(BOOLEAN, "true", True), _case(BOOLEAN, "false", False)),
    INT32: (
        _case(INT32, "minimum", INT32_MIN),
        _case(INT32, "maximum", INT32_MAX),
        _case(INT32, "zero", 0),
        _case(INT32, "minus one", -1),
    ),
    DOUBLE: (
        _case(DOUBLE, "negative zero", -0.0),
        _case(DOUBLE, "integer", 2),
        _case(DOUBLE, "fraction next to an integer", 1.0000000000000002),
        _case(DOUBLE, "17 significant digits", 0.30000000000000004),
        _case(DOUBLE, "small exponent form", 1e-7),
        _case(DOUBLE, "large exponent form", 1.5e300),
        _case(DOUBLE, "largest finite", 1.7976931348623157e308),
        _case(DOUBLE, "smallest subnormal", 5e-324),
        _case(DOUBLE, "negative fraction", -2.5),
    ),
    DATE: (
        _case(DATE, "leap day 2000", "2000-02-29"),
        _case(DATE, "leap day 2024", "2024-02-29"),
        _case(DATE, "end of a non-leap February", "2023-02-28"),
        _case(DATE, "end of a 30-day month", "2021-04-30"),
        _case(DATE, "end of a year", "2021-12-31"),
        _case(DATE, "a daylight-saving change", "2021-03-28"),
        _case(DATE, "a date in summer time", "2021-07-01"),
        _case(DATE, "first day of the range", "0001-01-01"),
        _case(DATE, "last day of the range", "9999-12-31"),
        _case(DATE, "a two-digit year", "0099-12-31"),
    ),
    DATETIME: (
        _case(DATETIME, "first instant of the range", "0001-01-01T00:00:00Z"),
        _case(DATETIME, "last instant, 7 digits", "9999-12-31T23:59:59.9999999Z"),
        _case(DATETIME, "leap day with an offset", "2024-02-29T23:30:00+05:30"),
    ),
}
"""The cases of each primitive kind (a DateTimeOffset has no writable site in this contract:
listed so that a contract with one gets them)."""

_KIND_OF_EDM = {f"Edm.{kind}": kind for kind in (STRING, BOOLEAN, INT32, DOUBLE, DATE, DATETIME)}


@dataclass(frozen=True)
class EdgeSite:
    """A writable place of one kind: ``path`` is where its value goes (``"[]"`` an item)."""

    path: Path
    kind: str
    type_name: str

    @property
    def name(self) -> str:
        return dotted(self.path)


def _kind(contract: Contract, type_name: str, collection: bool) -> str:
    if collection:
        return COMPLEXES if contract.is_structured(type_name) else PRIMITIVES
    if contract.is_structured(type_name):
        return COMPLEX
    if contract.is_enum(type_name):
        return FLAGS if contract.enums[type_name].is_flags else ENUM
    return _KIND_OF_EDM[type_name]


def edge_sites(contract: Contract) -> tuple[EdgeSite, ...]:
    """Every writable place by kind: each property at every depth, and a collection's items
    as places of their own kind (``categories[]`` is a String site, ``colleagues[]`` a complex
    one)."""
    sites: list[EdgeSite] = []
    for place in request_places(contract):
        prop = place.prop
        if contract.is_structured(prop.type_name) and contract.structured(prop.type_name).open_type:
            continue
        sites.append(
            EdgeSite(place.path, _kind(contract, prop.type_name, prop.collection), prop.type_name)
        )
        if prop.collection:
            kind = _kind(contract, prop.type_name, False)
            sites.append(EdgeSite(item_path(place), kind, prop.type_name))
    return tuple(sites)


def sites_of_kind(contract: Contract, kind: str) -> tuple[EdgeSite, ...]:
    return tuple(site for site in edge_sites(contract) if site.kind == kind)


def at_kind_sites(
    contract: Contract, values: dict[str, tuple[str, JSON]]
) -> tuple[str, JSONObject]:
    """One body with each labelled (kind, value) at the first site of that kind outside a
    collection (an ``Int32`` at detail.layer on Prod's metadata), and its id (the labels
    placed, joined by ``-and-``); a kind the contract has no site of is left out. Explicit
    cases name kinds, not properties: another cloud's metadata lacks some of Prod's."""
    body: JSONObject = {}
    placed: list[str] = []
    for label, (kind, value) in values.items():
        site = next((s for s in sites_of_kind(contract, kind) if "[]" not in s.name), None)
        if site is None:
            continue
        merged = _merge(body, wrap(site.path, value))
        assert isinstance(merged, dict)
        body = merged
        placed.append(label)
    return "-and-".join(placed), body


def cases_at(contract: Contract, site: EdgeSite) -> tuple[EdgeCase, ...]:
    """The cases of ``site``'s kind, derived from its type where the kind needs it."""
    if site.kind in PRIMITIVE_CASES:
        return PRIMITIVE_CASES[site.kind]
    if site.kind in (ENUM, FLAGS):
        members = contract.enums[site.type_name].sendable_members
        cases = [_case(site.kind, f"member {m}", m) for m in members]
        if site.kind == FLAGS:
            named = [m for m in members if contract.enums[site.type_name].members[m]]
            cases += [
                _case(FLAGS, "two flags", ",".join(named[:2]), FLAGS_GRAY),
                _case(FLAGS, "every flag", ",".join(named), FLAGS_GRAY),
            ]
        return tuple(cases)
    if site.kind == COMPLEX:
        return _complex_cases(contract, site.type_name)
    item = _item_values(contract, site.type_name)
    many = [_numbered(value, n) for n, value in enumerate([item[0]] * MANY_ITEMS, 1)]
    cases = [
        _case(site.kind, "empty", []),
        _case(site.kind, "one item", [item[0]]),
        _case(site.kind, "repeated items", [item[0], item[0], item[1]]),
        _case(site.kind, "order that matters", [item[0], item[1]]),  # not sorted
        _case(site.kind, f"{MANY_ITEMS} items", many),
    ]
    if site.kind == COMPLEXES:  # two items naming the same thing (a unique index drops one)
        whole = _every_leaf(contract, site.type_name)
        part = {k: v for n, (k, v) in enumerate(whole.items()) if n != 1}
        cases.append(_case(COMPLEXES, "items alike but for one property", [part, whole]))
    return tuple(cases)


def _numbered(value: JSON, n: int) -> JSON:
    """The n-th of many distinct items shaped like ``value``."""
    if isinstance(value, dict):
        return {**value, _first_key(value): f"item {n:02}"}
    return f"item {n:02}"


def _first_key(value: JSONObject) -> str:
    return next(iter(value))


def _item_values(contract: Contract, type_name: str) -> tuple[JSON, JSON]:
    """Two different valid items of a collection (the second sorts before the first)."""
    if contract.is_structured(type_name):
        one = _one_leaf(contract, type_name)
        key = _first_key(one)
        return {**one, key: "zeta item"}, {**one, key: "alpha item"}
    return "zeta item", "alpha item"


def _scalar_names(contract: Contract, type_name: str) -> list[str]:
    spec = contract.structured(type_name)
    return [
        n
        for n, p in spec.properties.items()
        if not p.collection and not contract.is_structured(p.type_name)
    ]


def _one_leaf(contract: Contract, type_name: str) -> JSONObject:
    """One property of ``type_name`` with a valid value: its first scalar, else (a type of
    collections or objects only: personDataSources) its first property, filled."""
    scalars = _scalar_names(contract, type_name)
    if not scalars:
        name, prop = next(iter(contract.structured(type_name).properties.items()))
        return {name: _every_leaf(contract, type_name)[name]}
    name = scalars[0]
    prop = contract.structured(type_name).properties[name]
    return {name: _leaf(contract, prop.type_name, name)}


def _leaf(contract: Contract, type_name: str, name: str) -> JSON:
    """A distinctive valid value of a primitive or enum type (the last member, so a reset to
    the first shows)."""
    if contract.is_enum(type_name):
        return contract.enums[type_name].sendable_members[-1]
    if type_name == "Edm.String":
        return f"{name} · edge case"
    kind = _KIND_OF_EDM[type_name]
    return next(c.value for c in PRIMITIVE_CASES[kind] if c.gray is None and c.value not in (0, ""))


def _every_leaf(contract: Contract, type_name: str) -> JSONObject:
    out: JSONObject = {}
    for name, prop in contract.structured(type_name).properties.items():
        if contract.is_structured(prop.type_name):
            value: JSON = _every_leaf(contract, prop.type_name)
        else:
            value = _leaf(contract, prop.type_name, name)
        out[name] = [value] if prop.collection else value
    return out


def _complex_cases(contract: Contract, type_name: str) -> tuple[EdgeCase, ...]:
    nullable = [
        n
        for n, p in contract.structured(type_name).properties.items()
        if p.nullable and not p.collection
    ]
    return (
        _case(COMPLEX, "{}", {}),
        _case(COMPLEX, "one leaf", _one_leaf(contract, type_name)),
        _case(COMPLEX, "every leaf", _every_leaf(contract, type_name)),
        _case(COMPLEX, "null at every nullable leaf", dict.fromkeys(nullable)),
    )


# -- packing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One case at one site, as a pack carries it."""

    site: EdgeSite
    case: EdgeCase


@dataclass(frozen=True)
class Pack:
    """One request body carrying one case at each of several sites."""

    name: str
    body: JSONObject
    sent: tuple[Sent, ...]
    gray: str | None = None


def _conflict(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _merge(a: JSON, b: JSON) -> JSON:
    """``b`` put into ``a``: objects merged by key, the first items of lists merged."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for key, value in b.items():
            out[key] = _merge(out[key], value) if key in out else value
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) == 1:
        return [_merge(a[0], b[0])]
    return b


def _body(sent: list[Sent]) -> JSONObject:
    body: JSON = {}
    for one in sent:
        body = _merge(body, wrap(one.site.path, one.case.value))
    assert isinstance(body, dict)
    return body


def _all_sent(contract: Contract) -> Iterator[Sent]:
    """Every (site, case), case by case in round-robin order over the sites."""
    table = [(site, cases_at(contract, site)) for site in edge_sites(contract)]
    for round_ in range(max(len(cases) for _, cases in table)):
        for site, cases in table:
            if round_ < len(cases):
                yield Sent(site, cases[round_])


def edge_packs(contract: Contract) -> tuple[Pack, ...]:
    """Every case at every site of its kind, packed: a must-accept case joins the first body
    whose sites do not overlap its own (``detail`` and ``detail.role`` do); a gray case's
    bodies carry that case alone (at every site of its kind), so that a refusal hides nothing
    else."""
    packs: list[list[Sent]] = []
    gray: dict[tuple[str, str], list[Sent]] = {}
    for one in _all_sent(contract):
        if one.case.gray is not None:
            gray.setdefault((one.case.kind, one.case.name), []).append(one)
            continue
        for pack in packs:
            if not any(_conflict(one.site.path, other.site.path) for other in pack):
                pack.append(one)
                break
        else:
            packs.append([one])
    out = [
        Pack(f"pack {n:02} ({len(sent)} sites)", _body(sent), tuple(sent))
        for n, sent in enumerate(packs, 1)
    ]
    for (kind, name), sent in gray.items():
        chunks = _within_budget(sent)
        for n, chunk in enumerate(chunks, 1):
            part = f" (part {n} of {len(chunks)})" if len(chunks) > 1 else ""
            out.append(Pack(f"{kind} {name}{part}", _body(chunk), tuple(chunk), chunk[0].case.gray))
    return tuple(out)


def _within_budget(sent: list[Sent]) -> list[list[Sent]]:
    """``sent`` in runs whose bodies stay within MAX_BODY_BYTES."""
    chunks: list[list[Sent]] = [[]]
    for one in sent:
        if chunks[-1] and len(json_text(_body([*chunks[-1], one])).encode()) > MAX_BODY_BYTES:
            chunks.append([])
        chunks[-1].append(one)
    return chunks


def coverage_keys(pack: Pack) -> list[str]:
    """``kind|site|case`` for every case a pack carries (what the report counts)."""
    return [f"{s.case.kind}|{s.site.name}|{s.case.name}" for s in pack.sent]
