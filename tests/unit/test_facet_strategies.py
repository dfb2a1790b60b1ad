"""The strategies and the suite's hand-written cases on every facet: nothing facet-specific
in the code, so each facet gets its own generic cases (no crash on a facet without a nested
string, a nested enum or a string at all), and workPosition's hand-written cases are kept."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphcontract.api_option import checkable_facets
from graphcontract.contract import load_contract
from graphcontract.runner.scenarios import body_at
from graphcontract.runner.sequence_parts import EDITS, edit, edited_places, value_at
from strategies import annotated_bodies, edge_packs, gray_cases, lively_body, mixed_bodies
from strategies.fitting import declares, fitted, fitting, string_places, text_body
from strategies.invalid import MUST_REJECT_CLAUSES, sited_clauses

FACETS = list(checkable_facets())
WORK_POSITION = load_contract()
PROBE = {"isCurrent": False, "detail": {"jobTitle": "graphcontract probe"}}


@pytest.mark.parametrize("facet", FACETS)
def test_every_facet_gets_its_generic_cases(facet):
    contract = load_contract(facet=facet)
    assert edge_packs(contract)
    assert gray_cases(contract)
    filled = lively_body(contract)
    assert filled
    assert contract.request_errors(filled) == []
    for name, body in annotated_bodies(contract).items():
        assert contract.request_errors(body) == [], name
    for path in edited_places(filled):
        for how in EDITS:
            where = tuple(path.split("."))
            edited = body_at(where, edit(value_at(filled, path), how))
            assert contract.request_errors(edited) == [], (path, how)
    assert set(sited_clauses(contract)) <= MUST_REJECT_CLAUSES
    assert "types.rejects" in sited_clauses(contract)


@pytest.mark.parametrize("facet", ["itemPatent", "skillProficiency", "workPosition"])
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mixed_bodies_draw_only_clauses_with_a_site(facet, data):
    contract = load_contract(facet=facet)
    case = data.draw(mixed_bodies(contract))
    assert case.invalid.clause in sited_clauses(contract)


def test_enum_nested_has_a_site_only_where_an_enum_sits_in_a_complex_value():
    assert "enum.nested" in sited_clauses(WORK_POSITION)
    assert "enum.nested" not in sited_clauses(load_contract(facet="itemPatent"))


def test_work_position_keeps_its_hand_written_cases():
    assert declares(WORK_POSITION, PROBE)
    assert fitted(WORK_POSITION, PROBE, "other text") is PROBE
    cases = {"bool-as-string": ("types.rejects", {"isCurrent": "true"})}
    assert fitting(WORK_POSITION, cases) == cases
    places = string_places(WORK_POSITION)
    assert ("detail", "jobTitle") in places
    assert len(places[0]) > 1  # nested strings first


@pytest.mark.parametrize(
    ("facet", "body"),
    [
        ("skillProficiency", {"displayName": "probe"}),
        ("itemPatent", {"description": "probe"}),
    ],
)
def test_another_facet_gets_its_own_string_place(facet, body):
    contract = load_contract(facet=facet)
    assert not declares(contract, PROBE)
    assert fitting(contract, {"x": ("types.rejects", {"isCurrent": "true"})}) == {}
    assert fitted(contract, PROBE, "probe") == body
    assert contract.request_errors(body) == []


def test_a_facet_without_a_string_place_writes_a_lively_value():
    contract = load_contract(facet="personAnnualEvent")
    assert string_places(contract) == []
    body = text_body(contract, "ignored")
    assert len(body) == 1
    assert contract.request_errors(body) == []


def test_names_inside_values_are_checked_too():
    assert not declares(WORK_POSITION, {"detail": {"noSuchName": "x"}})
    assert not declares(WORK_POSITION, {"createdDateTime": "2020-01-01T00:00:00Z"})
    assert declares(WORK_POSITION, {"colleagues": [{"displayName": "Ann"}], "x@odata.type": "t"})
