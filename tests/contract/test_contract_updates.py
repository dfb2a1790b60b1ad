"""Valid partial updates: paths.me and every clause about an accepted update.

Explicit examples make the ci profile deterministic: the documented example request, every
property written at once, a partial write at every nested level, empty collections, long
strings and Int32 bounds, a null at every nullable place right after a write that filled it,
and @odata.type control information that agrees with the metadata (strategies.explicit derives
them from the contract).
"""

from __future__ import annotations

import pytest
from hypothesis import example, given

from graphcontract.contract import load_contract
from graphcontract.runner.scenarios import UPDATE_CLAUSES, check_cleared_after_write, check_update
from strategies import (
    annotated_bodies,
    every_property_body,
    explicit_clearing_bodies,
    explicit_valid_bodies,
    valid_bodies,
)

CONTRACT = load_contract()
SUCCESS_CLAUSES = ("paths.me", *UPDATE_CLAUSES)

EXPLICIT_BODIES = {
    "documented-example": CONTRACT.documented_request,
    **explicit_valid_bodies(CONTRACT),
    "collections": {"categories": ["research", "θ-team"], "colleagues": [{"displayName": "Ann"}]},
    "long-string": {"detail": {"description": "long " * 60}},
    "int32-max-and-date": {"detail": {"layer": 2**31 - 1, "endMonthYear": "9999-12-31"}},
}
FILLED = every_property_body(CONTRACT)
CLEARING_BODIES = explicit_clearing_bodies(CONTRACT)
ANNOTATED_BODIES = annotated_bodies(CONTRACT)


@pytest.mark.clauses(*SUCCESS_CLAUSES)
@pytest.mark.parametrize("body", EXPLICIT_BODIES.values(), ids=EXPLICIT_BODIES.keys())
def test_documented_and_explicit_updates(gc_session, body):
    """Each explicit valid body is accepted and obeys every success clause."""
    with gc_session.example() as ex:
        check_update(ex, body)


JSON_MEDIA_TYPES = ["application/json; charset=utf-8", "application/json;odata.metadata=minimal"]
"""JSON under the parameters clients send: charset (what .NET's StringContent and many HTTP
libraries add) and OData's metadata level (the Graph SDKs)."""


@pytest.mark.clauses(*SUCCESS_CLAUSES)
@pytest.mark.parametrize("media_type", JSON_MEDIA_TYPES)
def test_json_with_media_type_parameters_is_accepted(gc_session, media_type):
    with gc_session.example() as ex:
        check_update(ex, {"detail": {"jobTitle": f"sent as {media_type}"}}, content_type=media_type)


@pytest.mark.clauses(*SUCCESS_CLAUSES)
@pytest.mark.parametrize("body", ANNOTATED_BODIES.values(), ids=ANNOTATED_BODIES.keys())
def test_type_annotations_that_agree_with_the_metadata_are_accepted(gc_session, body):
    """@odata.type of the position, of nested values and of a primitive (OData JSON 4.01
    section 4.5.3) is control information, not a property: the same update, judged as one."""
    with gc_session.example() as ex:
        check_update(ex, body)


@pytest.mark.clauses(*SUCCESS_CLAUSES)
@pytest.mark.parametrize("body", CLEARING_BODIES.values(), ids=CLEARING_BODIES.keys())
def test_null_clears_a_written_value(gc_session, body):
    """null at every nullable place clears the value a write just put there (and keeps the
    rest of it: the null is judged as an update of the written state)."""
    with gc_session.example() as ex:
        check_cleared_after_write(ex, FILLED, body)


@pytest.mark.clauses(*SUCCESS_CLAUSES)
@given(body=valid_bodies(CONTRACT))
@example(body={"isCurrent": True, "detail": {"role": "Ⅻ consulting"}})
def test_generated_partial_updates(gc_session, body):
    """Any valid partial body is accepted, keeps what it omits, and reads back as sent."""
    with gc_session.example() as ex:
        check_update(ex, body)
