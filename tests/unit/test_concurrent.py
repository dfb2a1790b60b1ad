"""The state machine's step of two PATCHes released together (``patch_together``), against
in-process services that serialise them, refuse one, or lose one (in their answers, in their
storage, or both)."""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from hypothesis import given, settings

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.runner.config import DEFAULT_POLICY
from graphcontract.runner.scenarios import body_at
from graphcontract.runner.sequence_parts import (
    Learned,
    Recorded,
    SequenceFailed,
    disjoint_pairs,
    script,
)
from graphcontract.runner.session import Session
from graphcontract.runner.statemachine import machine_for
from graphcontract.runner.target import Target
from tests.unit.oracle_samples import exchange

CONTRACT = load_contract()
SEEDED = CONTRACT.seed["positions"][0]
WRITES = ((("detail", "jobTitle"), "at once a"), (("categories",), ["at once b"]))
NESTED = ((("detail", "jobTitle"), "at once a"), (("detail", "company", "displayName"), "b"))


def merged(old: Any, sent: Any) -> Any:
    if isinstance(old, dict) and isinstance(sent, dict):
        return {**old, **{k: merged(old.get(k), v) for k, v in sent.items()}}
    return copy.deepcopy(sent)


class Service:
    """A position behind an httpx transport. The first two PATCHes (the pair sent at once)
    meet at a barrier after reading the position, so they truly overlap; ``mode`` says what
    the service does then."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.state = copy.deepcopy(SEEDED)
        self.lock = threading.Lock()
        self.meeting = threading.Barrier(2, timeout=5)
        self.patches = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=self.state)
        body = json.loads(request.content)
        with self.lock:
            self.patches += 1
            paired = self.patches <= 2
            read = copy.deepcopy(self.state)
        if paired:
            self.meeting.wait()
        if paired and self.mode == "refuse-second" and "categories" in body:
            return httpx.Response(409, json={"error": {"code": "conflict", "message": "busy"}})
        with self.lock:
            answer = merged(self.state, body)
            if self.mode == "replace":  # json-server: a sent complex value replaces the old
                answer = {**self.state, **body}
            if paired and self.mode in ("lose", "store-stale"):
                # Both answer over what they read (lose) or answer right but store the
                # update over the stale read (store-stale).
                stored = merged(read, body)
                answer = stored if self.mode == "lose" else answer
            else:
                stored = answer
            self.state = stored
        return httpx.Response(200, json=answer)


def failures_against(mode: str, writes=WRITES) -> list[tuple[str, str]]:
    """The clauses (and the first words of each failure's title) the machine's pair step
    fails on ``mode``'s service, sending ``writes`` at once."""
    service = Service(mode)
    transport = httpx.MockTransport(service.handle)
    client = GraphClient("http://127.0.0.1:9", token="t", transport=transport)
    target = Target(CONTRACT, client, SEEDED["id"])
    session = Session(CONTRACT, target, policy=dict(DEFAULT_POLICY))
    machine = machine_for(session, Learned())()
    pair = tuple(body_at(path, value) for path, value in writes)
    try:
        machine.patch_together(pair)
    except SequenceFailed as failure:
        assert service.patches >= 2
        return [(v.clause, v.title.split(":")[0]) for v in failure.verdicts]
    assert service.patches >= 2
    return []


@pytest.mark.parametrize("mode", ["serialise", "refuse-second"])
def test_a_service_that_serialises_or_refuses_one_passes(mode):
    assert failures_against(mode) == []


AT_ONCE = "step 1, two PATCHes at once, both answered 200"


def test_both_answers_over_a_stale_read_and_one_update_lost_fail():
    assert failures_against("lose") == [("merge.omitted-preserved", AT_ONCE)]


def test_right_answers_over_lost_storage_fail_on_the_state_read_after():
    assert failures_against("store-stale") == [("merge.omitted-preserved", AT_ONCE)]


def test_parts_of_one_complex_value_are_judged_as_a_nested_merge():
    assert {clause for clause, _ in failures_against("lose", NESTED)} == {"merge.nested"}


def test_a_service_that_replaces_complex_values_fails_the_rule_it_breaks():
    """json-server replaces ``detail`` with what a PATCH sends: two writes inside it lose each
    other's value in any order. That is merge.nested's failure (as on every single write),
    and nothing else is blamed."""
    assert {clause for clause, _ in failures_against("replace", NESTED)} == {"merge.nested"}


@settings(max_examples=30)
@given(pair=disjoint_pairs(CONTRACT, "replace"))
def test_under_the_replace_policy_writes_sent_at_once_name_different_properties(pair):
    """A run whose policy says complex values are replaced wholly never sends two parts of
    one at once (their order would decide the state): a race is not blamed on a service that
    replaces, as the policy lets it."""
    first, second = pair
    assert first
    assert second
    assert not set(first) & set(second)


def test_a_replayed_step_names_each_answer_by_its_request():
    """Two PATCHes at once and the GET that reads them back are three answers: the script's
    step line says which is which, not "answered 200, 200, 200" under "two PATCHes"."""
    patches = [exchange(200, {}), exchange(200, {})]
    read = dataclasses.replace(
        exchange(200, {}), request=dataclasses.replace(patches[0].request, method="GET", body=b"")
    )
    session = SimpleNamespace(
        contract=load_contract(),
        target=SimpleNamespace(
            client=SimpleNamespace(base_url="http://127.0.0.1"),
            path=lambda: "/me/profile/positions/x",
        ),
    )
    steps = [Recorded("two PATCHes at once", [*patches, read], together=True)]
    text = script(session, {}, steps)  # type: ignore[arg-type]
    assert "# 1. two PATCHes at once (answered PATCH 200, PATCH 200, GET 200)" in text
    # the two PATCHes go in the background and are waited for; the read comes after them
    lines = text.splitlines()
    replay = lines[
        lines.index("# 1. two PATCHes at once (answered PATCH 200, PATCH 200, GET 200)") + 1 :
    ]
    methods = [
        line.split(" -X ")[1].split()[0] if line.startswith("curl") else line for line in replay
    ]
    assert methods == ["PATCH", "PATCH", "wait", "GET"]
    assert [line.endswith(" &") for line in replay] == [True, True, False, False]
