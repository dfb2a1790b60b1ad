"""Sequences of client requests judged against an executable model of the PATCH rules.

A Hypothesis state machine (``graphcontract.runner.statemachine``) sends valid, must-refuse,
mixed and gray partial bodies, GETs, through each path form, and two PATCHes at once; after
every step the answer and the state must be the model's (``graphcontract.model``). A failure
shrinks to a minimal sequence whose message lists the steps and a curl script replaying them
from the snapshot.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

from graphcontract.contract import load_contract
from graphcontract.runner.concurrent import check_writes_at_once, pair_kinds
from graphcontract.runner.sequence_parts import SEQUENCE_CLAUSES
from graphcontract.runner.statemachine import run_sequences


@pytest.mark.clauses(*SEQUENCE_CLAUSES)
def test_sequences_of_requests_keep_to_the_patch_rules(gc_session):
    """Whatever clients send, in whatever order, the position is what the model says."""
    with gc_session.example() as ex:
        run_sequences(ex, settings.get_current_profile_name())


PAIRS = pair_kinds(load_contract())


@pytest.mark.clauses("merge.omitted-preserved", "merge.nested")
@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_each_kind_of_writes_sent_at_once_keeps_both(gc_session, pair):
    """Kept beside the sequences: they end at their first failure, so a lost update of one
    kind of pair hides one of the other kind (each breaks its own clause); the machine's
    pair step runs here once on each kind."""
    with gc_session.example() as ex:
        check_writes_at_once(ex, pair)
