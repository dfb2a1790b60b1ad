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

from graphcontract.runner.sequence_parts import SEQUENCE_CLAUSES
from graphcontract.runner.statemachine import run_sequences


@pytest.mark.clauses(*SEQUENCE_CLAUSES)
def test_sequences_of_requests_keep_to_the_patch_rules(gc_session):
    """Whatever clients send, in whatever order, the position is what the model says."""
    with gc_session.example() as ex:
        run_sequences(ex, settings.get_current_profile_name())
