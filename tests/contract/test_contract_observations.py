"""The gray zones (recorded, never failing unless a policy pins them), idempotence, and the
documented examples themselves (docs.examples). What a write after an accepted flags
combination shows is the state machine's (each sequence starts with one)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from graphcontract.contract import load_contract
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.scenarios import GRAY_CLAUSES, UPDATE_CLAUSES, check_gray
from graphcontract.runner.sequences import check_idempotent
from strategies import gray_cases, valid_bodies

CONTRACT = load_contract()
GRAY = gray_cases(CONTRACT)


@pytest.mark.clauses(*sorted({c.clause for c in GRAY}), *GRAY_CLAUSES)
@pytest.mark.parametrize("case", GRAY, ids=[c.description for c in GRAY])
def test_gray_zone_is_recorded(gc_session, case):
    """A body in a gray zone (annotations, an empty body, null collections, flags combinations,
    undeclared properties, unusual strings, long values): accepted or refused, the answer is
    recorded; an accepted one is judged as any update, a refused one must change nothing."""
    with gc_session.example() as ex:
        check_gray(ex, case.clause, case.description, case.body)


@pytest.mark.clauses(
    "idempotent", "paths.me", "enum.allowedAudiences.accepts", "enum.nested", *UPDATE_CLAUSES
)
@settings(max_examples=3)
@given(body=valid_bodies(CONTRACT))
def test_same_patch_twice(gc_session, body):
    """Recorded, not judged (idempotent is an observation the state machine does not make);
    the second PATCH is judged as an update of the state the first left."""
    with gc_session.example() as ex:
        check_idempotent(ex, body)


@pytest.mark.clauses("docs.examples")
def test_documented_examples_conform(gc_session):
    """The page's example request and response validate against the contract (a failure is
    a documentation finding and does not fail the run)."""
    contract = gc_session.contract
    documented = contract.documented
    if documented is None:
        gc_session.recorder.unjudged["docs.examples"] = (
            f"no documented example of {contract.facet} is bundled (contracts/examples/)"
        )
        return
    problems = [f"request body is not JSON: {documented.request_error}"]
    if documented.request_error is None:
        problems = [f"request {e}" for e in contract.request_errors(documented.request)]
    problems += [f"response {e}" for e in contract.response_errors(documented.response)]
    with gc_session.example() as ex:
        if problems:
            ex.add(
                Verdict.failed(
                    "docs.examples",
                    "documented example violates the contract",
                    sent=documented.pattern,
                    expected="valid under the contract schemas",
                    got="; ".join(problems),
                )
            )
        else:
            ex.add(Verdict.passed("docs.examples"))
