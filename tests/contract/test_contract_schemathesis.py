"""Schemathesis from the same contract: contracts/openapi.yaml loaded by Schemathesis 4, its
positive and negative PATCH cases and the documented reads sent through the harness's client
and Target, judged by Schemathesis' checks plus graphcontract's omitted-field and atomicity
oracles (registered as Schemathesis checks); every finding lands under a clause id.

The example counts stay small in the ci profile (Schemathesis generation is the slow part);
other profiles use their own counts. The module is marked ``openapi``: the plugin loads the
schema while the session is set up when one of these tests is selected, so runs that deselect
them (``--gc-clause``, ``-k``) do not pay for it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from graphcontract.contract import load_contract
from graphcontract.stcompat import (
    SCHEMATHESIS_CLAUSES,
    check_schemathesis_case,
    check_schemathesis_read,
    patch_cases,
    read_operations,
)
from graphcontract.stcompat.schema import graph_schema, patch_operations
from strategies import at_kind_sites
from strategies.fitting import fitting

pytestmark = pytest.mark.openapi

CONTRACT = load_contract()
IN_CI = settings.get_current_profile_name() == "ci"
SMALL_IN_CI = settings(max_examples=6) if IN_CI else settings()
SMALLER_IN_CI = settings(max_examples=3) if IN_CI else settings()
EXPLICIT_BODIES = fitting(
    CONTRACT,
    {
        "documented-example": CONTRACT.documented_request,
        "long-string": {"detail": {"summary": "x" * 300}},
        "valid-and-wrong-type": {
            "categories": ["graphcontract explicit"],
            **(
                at_kind_sites(CONTRACT, {"int32": ("Int32", "x")})[1]
                or at_kind_sites(CONTRACT, {"double": ("Double", "x")})[1]
            ),
        },
    },
)
"""Bodies generation rarely reaches: the page's own example, a string past 255 characters, a
valid change next to a wrong type (refused whole, nothing applied)."""


def _cases(form: str, mode: GenerationMode) -> st.SearchStrategy:
    return st.deferred(lambda: patch_cases(form, mode))


def _user(session) -> str:
    if not session.target.users:
        pytest.skip("no --gc-user configured: the /users form is not exercised")
    return str(session.target.users[0])


@pytest.mark.clauses(*SCHEMATHESIS_CLAUSES)
@SMALL_IN_CI
@given(case=_cases("me", GenerationMode.POSITIVE))
def test_schemathesis_positive_cases(gc_session, case):
    """Schema-valid partial bodies: accepted with 200 and a documented answer, omitted
    properties kept."""
    with gc_session.example() as ex:
        check_schemathesis_case(ex, case)


@pytest.mark.clauses(*SCHEMATHESIS_CLAUSES)
@SMALL_IN_CI
@given(case=_cases("me", GenerationMode.NEGATIVE))
def test_schemathesis_negative_cases(gc_session, case):
    """Schema-invalid bodies: refused with 400 and nothing changed when the contract says they
    must be; gray zones only observed."""
    with gc_session.example() as ex:
        check_schemathesis_case(ex, case)


@pytest.mark.clauses(*SCHEMATHESIS_CLAUSES)
@SMALLER_IN_CI
@given(case=_cases("users", GenerationMode.POSITIVE))
def test_schemathesis_users_form(gc_session, case):
    """The /users/{id | userPrincipalName}/… form takes the same positive cases."""
    user = _user(gc_session)
    with gc_session.example() as ex:
        check_schemathesis_case(ex, case, user=user)


@pytest.mark.clauses(*SCHEMATHESIS_CLAUSES)
@pytest.mark.parametrize("body", EXPLICIT_BODIES.values(), ids=EXPLICIT_BODIES.keys())
def test_schemathesis_explicit_cases(gc_session, body):
    """Explicit Schemathesis cases, judged like generated ones."""
    case = patch_operations(graph_schema())["me"].Case(body=body, media_type="application/json")
    with gc_session.example() as ex:
        check_schemathesis_case(ex, case)


@pytest.mark.clauses("response.shape", "errors.envelope", "server.no-5xx")
def test_schemathesis_documented_reads(gc_session):
    """Every documented GET answers as contracts/openapi.yaml says (the /users forms when a
    user is configured)."""
    users = gc_session.target.users
    with gc_session.example() as ex:
        judged = [
            check_schemathesis_read(ex, op, user=users[0] if users else None)
            for op in read_operations()
        ]
    assert any(judged)
