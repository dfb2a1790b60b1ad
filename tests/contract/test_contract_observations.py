"""The gray zones (recorded, never failing unless a policy pins them), idempotence, and the
documented examples themselves (docs.examples)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from graphcontract.contract import load_contract
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.scenarios import GRAY_CLAUSES, UPDATE_CLAUSES, check_gray
from graphcontract.runner.sequences import check_after_open_form, check_idempotent
from strategies import flag_combinations, gray_cases, valid_bodies
from strategies.fitting import fitted

CONTRACT = load_contract()
GRAY = gray_cases(CONTRACT)
COMBINATIONS = flag_combinations(CONTRACT)
RESTATED = fitted(
    CONTRACT,
    {"detail": {"jobTitle": "graphcontract: written with a flags combination"}},
    "graphcontract: written with a flags combination",
)
"""Sent with each combination, then alone: a write that changes nothing leaves nothing to
recalculate from, so every property it omits must keep its value."""


@pytest.mark.clauses(*sorted({c.clause for c in GRAY}), *GRAY_CLAUSES)
@pytest.mark.parametrize("case", GRAY, ids=[c.description for c in GRAY])
def test_gray_zone_is_recorded(gc_session, case):
    with gc_session.example() as ex:
        check_gray(ex, case.clause, case.description, case.body)


@pytest.mark.clauses("paths.me", *UPDATE_CLAUSES)
@pytest.mark.parametrize("case", COMBINATIONS, ids=[c.description for c in COMBINATIONS])
def test_an_accepted_flags_combination_outlives_the_next_write(gc_session, case):
    """A service may refuse a flags combination (gray); one that accepted it must keep every
    member when the next write leaves the property out."""
    with gc_session.example() as ex:
        check_after_open_form(
            ex, {**case.body, **RESTATED}, RESTATED, what="a write after a flags combination"
        )


@pytest.mark.clauses("idempotent", "paths.me", *UPDATE_CLAUSES)
@settings(max_examples=3)
@given(body=valid_bodies(CONTRACT))
def test_same_patch_twice(gc_session, body):
    with gc_session.example() as ex:
        check_idempotent(ex, body)


@pytest.mark.clauses("docs.examples")
def test_documented_examples_conform(gc_session):
    """The page's example request and response validate against the contract (a failure is
    a documentation finding and does not fail the run)."""
    contract = gc_session.contract
    if not contract.documented_request and not contract.documented_response:
        gc_session.recorder.unjudged["docs.examples"] = (
            f"no documented example of {contract.facet} is bundled (contracts/examples/)"
        )
        return
    problems = [f"request {e}" for e in contract.request_errors(contract.documented_request)]
    problems += [f"response {e}" for e in contract.response_errors(contract.documented_response)]
    with gc_session.example() as ex:
        if problems:
            ex.add(
                Verdict.failed(
                    "docs.examples",
                    "documented example violates the contract",
                    sent="contracts/examples/update_workposition.*.json",
                    expected="valid under the contract schemas",
                    got="; ".join(problems),
                )
            )
        else:
            ex.add(Verdict.passed("docs.examples"))
