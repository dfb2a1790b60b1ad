"""Valid partial updates: paths.me and every clause about an accepted update.

What one write at every site shows is the edge-case catalog's (test_contract_edge_cases.py:
every value kind at every place, complex values partial and whole, nulls, empty and long
collections); what a history of writes shows is the state machine's
(test_contract_sequences.py: generated partial bodies, a null after a filling write and a
partial value over it, a value edited and written back, a PATCH right after another, two
PATCHes at once). What stays here
neither sends: the page's own example request in each form a client sends it, and @odata.type
control information that agrees with the metadata (strategies.explicit derives it from the
contract), and each kind of pair of writes sent at once.
"""

from __future__ import annotations

import pytest

from graphcontract.contract import load_contract
from graphcontract.runner.concurrent import check_writes_at_once, pair_kinds
from graphcontract.runner.scenarios import SCHEME_SPELLINGS, UPDATE_CLAUSES, check_update
from strategies import annotated_bodies

CONTRACT = load_contract()
SUCCESS_CLAUSES = ("paths.me", *UPDATE_CLAUSES)

ANNOTATED_BODIES = annotated_bodies(CONTRACT)
"""The catalog and the state machine send no control information: a store that refuses an
annotation that agrees with the metadata is found by these alone."""


@pytest.mark.clauses(*SUCCESS_CLAUSES)
@pytest.mark.parametrize("accept", ["", "*/*"], ids=["no-accept-header", "accept-anything"])
def test_the_documented_request_is_accepted_whatever_it_accepts(gc_session, accept):
    """The page's example request carries no Accept header (RFC 9110 section 12.5.1: then
    any media type is acceptable); the harness's other requests say application/json."""
    with gc_session.example() as ex:
        check_update(ex, CONTRACT.documented_request, accept=accept)


@pytest.mark.clauses(*SUCCESS_CLAUSES)
@pytest.mark.parametrize("scheme", SCHEME_SPELLINGS)
def test_the_authentication_scheme_is_matched_in_any_case(gc_session, scheme):
    """RFC 9110 section 11.1: the authentication scheme is case-insensitive, so the page's
    example request with ``bearer`` is the same request."""
    with gc_session.example() as ex:
        check_update(ex, CONTRACT.documented_request, scheme=scheme)


@pytest.mark.clauses(*SUCCESS_CLAUSES)
@pytest.mark.parametrize("body", ANNOTATED_BODIES.values(), ids=ANNOTATED_BODIES.keys())
def test_type_annotations_that_agree_with_the_metadata_are_accepted(gc_session, body):
    """@odata.type of the position, of nested values and of a primitive (OData JSON 4.01
    section 4.5.3) is control information, not a property: the same update, judged as one."""
    with gc_session.example() as ex:
        check_update(ex, body)


PAIRS = [pytest.param(pair, id=kind) for kind, pair in pair_kinds(CONTRACT).items()] or [
    pytest.param(
        None,
        id="no-pair",
        marks=pytest.mark.skip(
            reason=f"{CONTRACT.facet}'s lively write holds no two texts to send at once"
        ),
    )
]


@pytest.mark.clauses("merge.omitted-preserved", "merge.nested")
@pytest.mark.parametrize("pair", PAIRS)
def test_each_kind_of_writes_sent_at_once_keeps_both(gc_session, pair):
    """Kept beside the state machine's sequences: they end at their first failure, so a lost
    update of one kind of pair hides one of the other kind (each breaks its own clause); the
    machine's pair step runs here once on each kind."""
    with gc_session.example() as ex:
        check_writes_at_once(ex, pair)
