"""Each mock fault changes exactly the behaviour its description names, over real HTTP.

Every fault has a scripted exchange returning an observable (``fault_exchanges``); the
conforming mock and the faulty mock must give the two expected observables. The catalogue
itself is checked against the clause catalog: ``breaks`` are must clauses, and every must
clause has a fault.
"""

from __future__ import annotations

import pytest

from graphcontract.contract import load_contract
from graphcontract.mock.faults import FAULTS
from tests.integration.forked import ForkedMock

from .conftest import MockClient
from .fault_exchanges import EXCHANGES as SCRIPTED
from .fault_exchanges_values import VALUE_EXCHANGES

EXCHANGES = {**SCRIPTED, **VALUE_EXCHANGES}


def test_every_fault_has_an_exchange():
    assert set(EXCHANGES) == set(FAULTS)


@pytest.mark.parametrize("name", list(FAULTS), ids=list(FAULTS))
def test_fault_changes_exactly_the_described_behaviour(name, conforming):
    exchange = EXCHANGES[name]
    assert exchange.run(conforming) == exchange.conforming, "conforming mock"
    with ForkedMock(faults=[name]) as mock:
        faulty = MockClient(mock)
        try:
            assert exchange.run(faulty) == exchange.faulty, FAULTS[name].description
        finally:
            faulty.close()


@pytest.mark.parametrize("name", list(FAULTS), ids=list(FAULTS))
def test_fault_breaks_known_must_clauses(name):
    clauses = load_contract().clauses
    fault = FAULTS[name]
    assert fault.breaks, "a fault must break at least one clause"
    assert fault.description
    for clause_id in fault.breaks:
        assert clause_id in clauses, clause_id
        assert clauses[clause_id].level == "must", clause_id
    for clause_id in fault.may_also_break:
        assert clause_id in clauses, clause_id
    assert not fault.breaks & fault.may_also_break


def test_every_must_clause_is_broken_by_some_fault():
    clauses = load_contract().clauses
    must = {c.id for c in clauses.values() if c.level == "must"} - {"docs.examples"}
    broken = set().union(*(f.breaks for f in FAULTS.values()))
    missing = sorted(must - broken)
    print("must clauses without a fault:", missing or "none")
    assert not missing, f"must clauses no fault breaks: {missing}"
