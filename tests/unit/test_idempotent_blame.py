"""runner.sequences.check_idempotent against an in-process service that refuses one documented
enum member (and isCurrent false): a refusal is blamed on a member refused alone, if one is,
not on paths.me."""

from __future__ import annotations

import copy
import json

import httpx

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.runner.config import DEFAULT_POLICY
from graphcontract.runner.sequences import check_idempotent
from graphcontract.runner.session import Example, Session
from graphcontract.runner.target import Target

CONTRACT = load_contract()
SEEDED = CONTRACT.seed["positions"][0]
REFUSED = "federatedOrganizations"


class Service:
    def __init__(self) -> None:
        self.state = copy.deepcopy(SEEDED)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            body = json.loads(request.content)
            if body.get("allowedAudiences") == REFUSED or body.get("isCurrent") is False:
                return httpx.Response(400, json={"error": {"code": "x", "message": "no"}})
            self.state = {**self.state, **body}
        return httpx.Response(200, json=self.state)


def verdicts_for(body: dict) -> list[tuple[str, str]]:
    transport = httpx.MockTransport(Service().handle)
    client = GraphClient("http://127.0.0.1:9", token="t", transport=transport)
    session = Session(CONTRACT, Target(CONTRACT, client, SEEDED["id"]), policy=dict(DEFAULT_POLICY))
    example = Example(session)
    check_idempotent(example, body)
    return [(v.clause, v.outcome) for v in example.verdicts]


def test_a_refused_member_is_the_first_cause_of_a_refused_body():
    verdicts = verdicts_for({"allowedAudiences": REFUSED, "isCurrent": True})
    assert ("enum.allowedAudiences.accepts", "fail") in verdicts
    assert all(clause != "paths.me" for clause, _ in verdicts), verdicts


def test_a_body_refused_with_every_member_accepted_alone_fails_paths_me():
    verdicts = verdicts_for({"allowedAudiences": "contacts", "isCurrent": False})
    assert ("paths.me", "fail") in verdicts
    assert all(clause.startswith("paths.") for clause, outcome in verdicts if outcome == "fail")


def test_an_accepted_body_is_observed_and_passes():
    verdicts = verdicts_for({"isCurrent": True})
    assert ("idempotent", "observed") in verdicts
    assert all(outcome != "fail" for _, outcome in verdicts), verdicts
