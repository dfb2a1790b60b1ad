"""The mock's PATCH semantics on facets other than workPosition, driven by each facet's
contract alone, and where each fault acts in a facet (``mock/fault_sites.py``)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from graphcontract.contract import (
    METADATA_ENV,
    Contract,
    PropertySpec,
    contracts_dir,
    load_contract,
)
from graphcontract.contract_source import NATIONAL_CLOUD_METADATA
from graphcontract.mock.facets import served_facets
from graphcontract.mock.fault_sites import fault_sites, undeclared_name
from graphcontract.mock.faults import FAULTS
from graphcontract.mock.state import PositionStore

FACETS = ("skillProficiency", "itemAddress", "personAnnualEvent")


def store(facet: str, faults: tuple[str, ...] = ()) -> PositionStore:
    contract = load_contract(facet=facet)
    return PositionStore(contract, copy.deepcopy(contract.seed), faults=faults)


def sample(contract: Contract, prop: PropertySpec) -> Any:
    """A valid value of ``prop``'s type (first enum member, a complex value filled in)."""
    if prop.collection:
        return [sample(contract, PropertySpec(prop.name, prop.type_name, False, True, "nested"))]
    if contract.is_enum(prop.type_name):
        return contract.enums[prop.type_name].sendable_members[-1]
    if contract.is_structured(prop.type_name):
        spec = contract.structured(prop.type_name)
        inner = spec.properties.items()
        return {n: sample(contract, p) for n, p in inner if not contract.is_structured(p.type_name)}
    values = {
        "Edm.String": "graphcontract",
        "Edm.Boolean": True,
        "Edm.Int32": 7,
        "Edm.Double": 0.5,
        "Edm.Date": "2021-03-04",
        "Edm.DateTimeOffset": "2021-03-04T05:06:07Z",
    }
    return values[prop.type_name]


@pytest.mark.parametrize("facet", FACETS)
def test_every_updatable_property_is_written_and_read_back(facet):
    mock = store(facet)
    item = mock.ids()[0]
    contract = mock.contract
    body = {n: sample(contract, contract.entity.properties[n]) for n in contract.updatable}
    outcome = mock.patch(item, body)
    assert outcome.status == 200, outcome.message
    got = mock.get(item)
    assert got is not None
    for name, sent in body.items():
        if isinstance(sent, dict):
            assert {k: got[name][k] for k in sent} == sent
        else:
            assert got[name] == sent
    assert mock.get(mock.ids()[1]) == mock.render(mock.copy_of(mock.ids()[1]) or {})
    assert got["lastModifiedDateTime"] != contract.seed["positions"][0]["lastModifiedDateTime"]


@pytest.mark.parametrize("facet", FACETS)
def test_refusals_are_the_facets_own(facet):
    mock = store(facet)
    item = mock.ids()[0]
    before = mock.get(item)
    name = undeclared_name(mock.contract)
    assert mock.patch(item, {name: "x"}).status == 400
    audiences = mock.patch(item, {"allowedAudiences": "manager"})
    assert audiences.status == 400, audiences
    assert mock.patch("no-such-item", {"allowedAudiences": "me"}).status == 404
    assert mock.patch(item, {"id": "elsewhere"}).status == 200  # read-only: ignored
    after = mock.get(item)
    assert after is not None
    assert before is not None
    assert after["allowedAudiences"] == before["allowedAudiences"]
    assert after["id"] == item


def test_an_enum_of_one_facet_only_is_checked_there():
    mock = store("personAnnualEvent")
    item = mock.ids()[0]
    assert mock.patch(item, {"type": "wedding"}).status == 200
    assert mock.patch(item, {"type": "manager"}).status == 400  # personRelationship's member
    assert (mock.get(item) or {})["type"] == "wedding"


def complex_sites() -> list[tuple[str, str]]:
    return [
        (facet.name, site)
        for facet in served_facets()
        for site in fault_sites("nested-replace", facet.contract)
    ]


@pytest.mark.parametrize(("facet", "site"), complex_sites())
def test_nested_replace_breaks_the_nested_merge_at_every_site(facet, site):
    for faults, kept in (((), True), (("nested-replace",), False)):
        mock = store(facet, faults)
        item = mock.ids()[0]
        full = sample(mock.contract, mock.contract.entity.properties[site])
        assert mock.patch(item, {site: full}).status == 200
        first, *others = sorted(full)
        assert others, f"{facet}.{site} has a single sub-property"
        assert mock.patch(item, {site: {first: full[first]}}).status == 200
        stored = (mock.get(item) or {})[site]
        assert stored[first] == full[first]
        assert all((stored[name] == full[name]) is kept for name in others), (faults, stored)


def test_every_fault_has_sites_derived_from_the_contract():
    workposition = load_contract()
    for fault in FAULTS:
        assert fault_sites(fault, workposition), f"{fault} has no site in workPosition"
    with pytest.raises(KeyError):
        fault_sites("no-such-fault", workposition)


@pytest.mark.parametrize(
    ("fault", "facet", "expected"),
    [
        ("nested-replace", "skillProficiency", ("inference",)),
        ("nested-replace", "workPosition", ("detail", "inference", "manager")),
        ("nested-enum-not-enforced", "skillProficiency", ("proficiency",)),
        ("nested-enum-not-enforced", "personAnnualEvent", ("type",)),
        ("collections-append", "personAnnualEvent", ()),
        ("lossy-unicode", "personAnnualEvent", ()),
        ("early-years-shifted", "skillProficiency", ()),
        ("early-years-shifted", "personAnnualEvent", ("date",)),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, tuple) else str(value),
)
def test_fault_sites_per_facet(fault, facet, expected):
    contract = load_contract(facet=None if facet == "workPosition" else facet)
    assert fault_sites(fault, contract) == expected


def test_a_fault_without_a_site_leaves_the_facet_as_it_was():
    """lossy-unicode acts on strings; personAnnualEvent has none a client may write."""
    plain, faulty = store("personAnnualEvent"), store("personAnnualEvent", ("lossy-unicode",))
    body = {"type": "wedding", "date": "2001-02-03", "inference": {"confidenceScore": 0.25}}
    for mock in (plain, faulty):
        assert mock.patch(mock.ids()[0], body).status == 200
    strip = ("lastModifiedDateTime",)
    got = [
        {k: v for k, v in (m.get(m.ids()[0]) or {}).items() if k not in strip}
        for m in (plain, faulty)
    ]
    assert got[0] == got[1]


def test_undeclared_property_adds_a_name_the_facet_does_not_declare():
    for facet in ("skillProficiency", "workPosition"):
        mock = store(facet if facet != "workPosition" else "workPosition", ("undeclared-property",))
        name = undeclared_name(mock.contract)
        assert name not in mock.contract.entity.properties
        assert name in (mock.get(mock.ids()[0]) or {})
    assert undeclared_name(load_contract()) == "displayName"


def test_a_national_clouds_metadata_serves_its_own_facets(monkeypatch):
    """Its anniversaries facet is personAnniversary; skillProficiency.thumbnailUrl, which only
    Prod declares, is refused there as undeclared and ignored under Prod (undocumented)."""
    prod = {facet.segment: facet for facet in served_facets()}
    monkeypatch.setenv(METADATA_ENV, str(contracts_dir() / NATIONAL_CLOUD_METADATA))
    usnat = {facet.segment: facet for facet in served_facets()}
    assert sorted(usnat) == sorted(prod)
    assert (prod["anniversaries"].name, usnat["anniversaries"].name) == (
        "personAnnualEvent",
        "personAnniversary",
    )
    for facets, status in ((prod, 200), (usnat, 400)):
        skills = facets["skills"]
        mock = PositionStore(skills.contract, skills.seed)
        assert mock.patch(mock.ids()[0], {"thumbnailUrl": "https://x.test/a.png"}).status == status
    anniversary = usnat["anniversaries"]
    mock = PositionStore(anniversary.contract, anniversary.seed)
    assert mock.patch(mock.ids()[0], {"type": "wedding"}).status == 200
    assert mock.patch(mock.ids()[0], {"type": "work"}).status == 400  # Prod's member only


def enum_cases() -> list[Any]:
    cases = []
    for facet in served_facets():
        for site in facet.contract.enum_sites():
            audience = site.clause == "enum.allowedAudiences.rejects"
            fault = "audience-not-enforced" if audience else "nested-enum-not-enforced"
            where = ".".join(site.path).replace(".[]", "[]")
            cases.append(pytest.param(facet.name, site.path, fault, id=f"{facet.name}-{where}"))
    return cases


@pytest.mark.parametrize(("facet", "path", "fault"), enum_cases())
def test_the_enum_faults_act_at_every_enum_site_of_every_facet(facet, path, fault):
    assert fault_sites(fault, load_contract(facet=facet))
    body: Any = "graphcontract-not-a-member"
    for step in reversed(path):
        body = [body] if step == "[]" else {step: body}
    for faults, status in (((), 400), ((fault,), 200)):
        mock = store(facet, faults)
        assert mock.patch(mock.ids()[0], body).status == status, (faults, body)


def test_a_facet_no_seed_covers_starts_from_blank_items(monkeypatch, tmp_path):
    """A target's metadata may define a facet the bundled seeds do not know."""
    text = (contracts_dir() / "metadata" / "profile-beta.xml").read_text(encoding="utf-8")
    text = text.replace(
        '<EntityType Name="profile" BaseType="graph.entity">',
        '<EntityType Name="profile" BaseType="graph.entity">\n<NavigationProperty '
        'Name="hobbies" Type="Collection(graph.personHobby)" ContainsTarget="true" />',
    ).replace(
        '<EntityType Name="webAccount" BaseType="graph.itemFacet">',
        '<EntityType Name="personHobby" BaseType="graph.itemFacet">\n<Property Name="label" '
        'Type="Edm.String" />\n</EntityType>\n<EntityType Name="webAccount" '
        'BaseType="graph.itemFacet">',
    )
    metadata = tmp_path / "with-hobbies.xml"
    metadata.write_text(text, encoding="utf-8")
    monkeypatch.setenv(METADATA_ENV, str(metadata))
    hobbies = {facet.segment: facet for facet in served_facets()}["hobbies"]
    assert hobbies.name == "personHobby"
    mock = PositionStore(hobbies.contract, hobbies.seed)
    assert len(mock.ids()) == 2
    first = mock.get(mock.ids()[0]) or {}
    assert set(first) == set(hobbies.contract.read_only)  # label: no Update page lists it
    assert first["id"] == mock.ids()[0]
    assert mock.patch(mock.ids()[0], {}).status == 200
    assert mock.patch("elsewhere", {}).status == 404
