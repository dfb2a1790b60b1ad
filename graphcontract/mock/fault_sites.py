"""Where each mock fault acts in a facet: its sites, read from the facet's contract.

Every fault is implemented generically (``state.py``, ``app.py``), so it acts on every facet
that has a site for it: ``nested-replace`` on each single complex value a client may write
(workPosition's detail, skillProficiency's inference), the enum faults on each enum site of
their clause, the collection faults on each updatable collection. A facet without a site for
a fault gets the fault as a no-op, and ``fault_sites`` says so with an empty tuple
(docs/mock-faults.md lists, per fault, the facets without a site).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graphcontract.contract import Contract, StructuredType
from graphcontract.mock.faults import FAULTS

MODIFIED = ("lastModifiedDateTime", "lastModifiedBy")
AUDIENCE_CLAUSE = "enum.allowedAudiences.rejects"
UNDECLARED_NAMES = ("displayName", "graphcontractUndeclared")
"""What ``undeclared-property`` adds to an answer: the first name the entity does not declare."""


def undeclared_name(contract: Contract) -> str:
    """The name ``undeclared-property`` answers that ``contract``'s entity does not declare."""
    return next(n for n in UNDECLARED_NAMES if n not in contract.entity.properties)


def _walk(contract: Contract, spec: StructuredType, prefix: str) -> Iterator[tuple[str, str]]:
    """(dotted path, Edm or model type) of every property a client may write, at any depth."""
    for name, prop in spec.properties.items():
        if not prefix and prop.access != "updatable":
            continue
        path = f"{prefix}{name}" + ("[]" if prop.collection else "")
        yield path, prop.type_name
        if contract.is_structured(prop.type_name):
            inner = contract.structured(prop.type_name)
            if not inner.open_type:
                yield from _walk(contract, inner, path + ".")


def _typed(*edm: str) -> Callable[[Contract], tuple[str, ...]]:
    def sites(contract: Contract) -> tuple[str, ...]:
        return tuple(p for p, t in _walk(contract, contract.entity, "") if t in edm)

    return sites


def _complex(contract: Contract) -> tuple[str, ...]:
    """Single complex values a client may write with two or more sub-properties (a partial
    value merges into them: what it leaves out is kept)."""
    return tuple(
        name
        for name, prop in contract.entity.properties.items()
        if prop.access == "updatable"
        and not prop.collection
        and contract.is_structured(prop.type_name)
        and not contract.structured(prop.type_name).open_type
        and len(contract.structured(prop.type_name).properties) > 1
    )


def _nested(contract: Contract, edm: tuple[str, ...], *, enums: bool = False) -> tuple[str, ...]:
    """Single non-collection sub-properties of those complex values, of the given types."""
    found = []
    for top in _complex(contract):
        spec = contract.structured(contract.entity.properties[top].type_name)
        for name, prop in spec.properties.items():
            wanted = prop.type_name in edm or (enums and contract.is_enum(prop.type_name))
            if wanted and not prop.collection:
                found.append(f"{top}.{name}")
    return tuple(found)


def _enum_sites(clause: str | None) -> Callable[[Contract], tuple[str, ...]]:
    def sites(contract: Contract) -> tuple[str, ...]:
        return tuple(
            ".".join(site.path).replace(".[]", "[]")
            for site in contract.enum_sites()
            if clause is None or (site.clause == AUDIENCE_CLAUSE) == (clause == AUDIENCE_CLAUSE)
        )

    return sites


def _cross_members(contract: Contract) -> tuple[str, ...]:
    """Enum sites where a member of another enum of the model is not a member of its own."""
    others = {m for e in contract.enums.values() for m in e.members}
    return tuple(
        ".".join(site.path).replace(".[]", "[]")
        for site in contract.enum_sites()
        if others - set(site.enum.members)
    )


def _flags(contract: Contract) -> tuple[str, ...]:
    return tuple(
        ".".join(site.path)
        for site in contract.enum_sites()
        if site.clause == AUDIENCE_CLAUSE and site.enum.is_flags
    )


def _collections(contract: Contract) -> tuple[str, ...]:
    return tuple(p for p, _ in _walk(contract, contract.entity, "") if p.endswith("[]"))


def _updatable(contract: Contract) -> tuple[str, ...]:
    return contract.updatable


def _named(*names: str) -> Callable[[Contract], tuple[str, ...]]:
    return lambda contract: tuple(n for n in names if n in contract.entity.properties)


def _created(contract: Contract) -> tuple[str, ...]:
    return tuple(n for n in contract.server_managed if n not in MODIFIED)


def _created_at(contract: Contract) -> tuple[str, ...]:
    props = contract.entity.properties
    return tuple(n for n in _created(contract) if props[n].type_name == "Edm.DateTimeOffset")


def _stamps(contract: Contract) -> tuple[str, ...]:
    props = contract.entity.properties
    return tuple(n for n in contract.server_managed if props[n].type_name == "Edm.DateTimeOffset")


def _paths(contract: Contract) -> tuple[str, ...]:
    """Faults of the HTTP face (auth, media types, paths, ids, envelopes, the store as a
    whole): every facet's every path is a site."""
    return tuple(sorted(contract.paths or ())) or ("every path",)


_strings = _typed("Edm.String")
_by_kind: dict[str, Callable[[Contract], tuple[str, ...]]] = {
    "nested-replace": _complex,
    "null-resurrects": _complex,
    "partial-resets-defaults": lambda c: _nested(
        c, ("Edm.Int32", "Edm.Double", "Edm.Boolean"), enums=True
    ),
    "nested-null-stored-as-false": lambda c: _nested(c, ("Edm.Boolean",)),
    "audience-member-refused": _flags,
    "audience-not-enforced": _enum_sites(AUDIENCE_CLAUSE),
    "flags-collapse-next-write": _flags,
    "nested-enum-not-enforced": _enum_sites("enum.nested"),
    "enum-cross-members": _cross_members,
    "type-coercion": _typed("Edm.String", "Edm.Boolean", "Edm.Int32", "Edm.Double"),
    "early-years-shifted": _typed("Edm.Date"),
    "collections-append": _collections,
    "dedupe-collections": _collections,
    "long-values-cut": lambda c: (*_strings(c), *_collections(c)),
    "lossy-unicode": _strings,
    "nfc-normalize": _strings,
    "trim-strings": _strings,
    # these look at every string a body carries, enum values included
    "crash-on-nul": lambda c: (*_strings(c), *_enum_sites(None)(c)),
    "crash-on-long-string": lambda c: (*_strings(c), *_enum_sites(None)(c)),
    "read-only-applied": _created,
    "read-only-merged": _named("lastModifiedBy"),
    "created-changes": _created_at,
    "bad-datetime-format": _stamps,
    "stale-last-modified": _named("lastModifiedDateTime"),
    "frozen-last-modified": _named("lastModifiedDateTime"),
    "id-writable": lambda c: c.key_names,
    "wrong-response-id": lambda c: c.key_names,
    "put-semantics": _updatable,
    "lost-update": _updatable,
    "answer-from-read-cache": _updatable,
    "not-persisted": _updatable,
    "touches-other-positions": _updatable,
    "non-atomic": _updatable,
    "null-ignored": _updatable,
}
"""Faults that act on some properties; every other fault acts on the facet's paths."""
_by_kind["defaults-reset-on-change"] = _by_kind["partial-resets-defaults"]


def acts_on_properties(fault: str) -> bool:
    """Whether ``fault`` acts on some properties of a facet (else on its every path)."""
    return fault in _by_kind


def fault_sites(fault: str, contract: Contract) -> tuple[str, ...]:
    """Where ``fault`` acts in ``contract``'s facet (empty: the fault is a no-op there)."""
    if fault not in FAULTS:
        raise KeyError(fault)
    return _by_kind.get(fault, _paths)(contract)
