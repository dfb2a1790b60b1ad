"""runner.target.Target.unknown_id: an id of the configured id's form that no position has,
never one the target answers 200 for."""

from __future__ import annotations

import uuid

import httpx
import pytest

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.runner.target import Target

GUID = "0fb4c1e3-c1e3-0fb4-e3c1-b40fe3c1b40f"


def target_answering(position_id: str, status_for) -> tuple[Target, list[str]]:
    """A Target whose GETs answer ``status_for(path)``; returns it and the paths asked for."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        status = status_for(request.url.path)
        body = (
            {"id": position_id}
            if status == 200
            else {"error": {"code": "itemNotFound", "message": "no"}}
        )
        return httpx.Response(status, json=body)

    client = GraphClient("http://127.0.0.1:9", token="t", transport=httpx.MockTransport(handler))
    return Target(load_contract(), client, position_id), asked


@pytest.mark.parametrize(
    ("position_id", "is_guid"),
    [(GUID, True), (GUID.upper(), True), ("position-7", False)],
    ids=["guid", "upper-case-guid", "not-a-guid"],
)
def test_the_unknown_id_has_the_form_of_the_configured_one(position_id, is_guid):
    target, asked = target_answering(position_id, lambda path: 404)
    missing = target.unknown_id()
    assert missing is not None
    assert missing != position_id
    if is_guid:
        assert str(uuid.UUID(missing)) == missing
    else:
        assert missing.startswith("graphcontract-missing-")
    assert asked == [f"/me/profile/positions/{missing}"], "checked by GET before any use"


def test_an_id_that_answers_200_is_never_used():
    first: list[str] = []

    def status_for(path: str) -> int:
        if not first:
            first.append(path)
            return 200
        return 404

    target, asked = target_answering(GUID, status_for)
    missing = target.unknown_id()
    assert len(asked) == 2
    assert missing is not None
    assert asked[0] != f"/me/profile/positions/{missing}"
    assert asked[1] == f"/me/profile/positions/{missing}"


def test_a_target_claiming_every_id_exists_gets_no_unknown_id():
    target, asked = target_answering(GUID, lambda path: 200)
    assert target.unknown_id() is None
    assert len(asked) == 3
