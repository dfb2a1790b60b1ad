"""The state machine alone (tests/contract/test_contract_sequences.py, nothing else selected)
finds each mock fault that lives in the history of writes, under a clause that fault breaks,
with a replay script in the failure; and it passes on the conforming mock and on the
variants whose gray choices differ.

Each case is a real pytest run of the contract suite's one sequence test against a real
uvicorn mock on loopback, in the ci profile.
"""

from __future__ import annotations

import pytest

from graphcontract.mock.faults import FAULTS
from tests.integration.selfrun import forked_mock, run_sequences

pytestmark = pytest.mark.slow
HISTORY_FAULTS = sorted(name for name, fault in FAULTS.items() if fault.history)
"""Faults a single write cannot show (each needs a write or a read before it): faults.py says
why, per fault, in ``history``."""


@pytest.mark.parametrize("variant", ["conforming", "gray", "dotnet"])
def test_the_state_machine_passes_conforming_variants(tmp_path, variant):
    with forked_mock(variant=variant) as mock:
        code, report, output = run_sequences(mock, tmp_path)
    assert code == 0, output
    assert report["failed_clauses"] == [], output
    statuses = {c["id"]: c["status"] for c in report["clauses"]}
    for clause in ("merge.omitted-preserved", "persisted", "atomic.rejected", "paths.users"):
        assert statuses[clause] == "pass", (clause, statuses)
    assert report["requests"] <= 300, report["requests"]
    assert all(r["verified"] for r in report["restores"]), report["restores"]


@pytest.mark.parametrize("fault", HISTORY_FAULTS)
def test_the_state_machine_alone_finds_faults_in_the_history_of_writes(tmp_path, fault):
    spec = FAULTS[fault]
    with forked_mock(faults=[fault]) as mock:
        code, report, output = run_sequences(mock, tmp_path)
    failed = set(report["failed_clauses"])
    assert code == 1, output
    assert failed & spec.breaks, f"{fault}: failed {sorted(failed)}, breaks {sorted(spec.breaks)}"
    assert failed <= spec.breaks | spec.may_also_break, sorted(failed)
    clause = next(c for c in report["clauses"] if c["id"] in failed & spec.breaks)
    message = clause["counterexample"]["message"]
    assert "# 0. restore the snapshot" in message, message
    assert "# 1. PATCH" in message, message
    assert "maybe not the shortest" not in message, "Hypothesis replayed the shortest sequence"
    assert clause["counterexample"]["curl"].startswith("curl "), clause
