"""A body's id that moves the position (Mockoon's CRUD mode does): the PATCH answer is judged
first (read-only.not-applied, response.id), the run follows the position to its new id, and
the end of the run moves it back or says precisely that it could not. Also the halt when the
position is gone altogether still records the PATCH's own judgement."""

from __future__ import annotations

import copy
import json

import httpx
import pytest

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.errors import TargetUnhealthy
from graphcontract.runner.scenarios import check_read_only
from graphcontract.runner.session import ContractViolation, Session
from graphcontract.runner.target import Target

CONTRACT = load_contract()
SEED = CONTRACT.seed["positions"][0]
ORIGINAL = SEED["id"]
PREFIX = "/me/profile/positions/"
PROBE_ID = "graphcontract-probe-0"


class MovingStore:
    """Positions keyed by id; a PATCH applies a body's id by moving the position (unless
    ``moves_back`` is off and the id is one a position had before), or deletes it
    (``deletes``)."""

    def __init__(self, *, moves_back: bool = True, deletes: bool = False) -> None:
        self.positions = {ORIGINAL: copy.deepcopy(SEED)}
        self.moves_back = moves_back
        self.deletes = deletes
        self.patches: list[tuple[str, dict]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        key = request.url.path.removeprefix(PREFIX)
        position = self.positions.get(key)
        if position is None:
            return httpx.Response(404, json={"error": {"code": "itemNotFound", "message": key}})
        if request.method == "GET":
            return httpx.Response(200, json=position)
        body = json.loads(request.content)
        self.patches.append((key, body))
        new_id = body.get("id", key)
        if new_id == ORIGINAL and not self.moves_back:
            return httpx.Response(400, json={"error": {"code": "BadRequest", "message": "id"}})
        updated = {**position, **{k: v for k, v in body.items() if k in CONTRACT.updatable}}
        updated["id"] = new_id
        del self.positions[key]
        if not self.deletes:
            self.positions[new_id] = updated
        return httpx.Response(200, json=updated)


def session_on(store: MovingStore) -> Session:
    client = GraphClient(
        "http://127.0.0.1:9", token="t", transport=httpx.MockTransport(store.handle)
    )
    return Session(CONTRACT, Target(CONTRACT, client, ORIGINAL), policy={})


def probe_the_id(session: Session) -> str:
    with pytest.raises(ContractViolation) as raised, session.example() as ex:
        check_read_only(ex, {"id": PROBE_ID})
    return str(raised.value)


def test_the_patch_that_moved_the_position_is_the_counterexample():
    store = MovingStore()
    session = session_on(store)
    message = probe_the_id(session)
    assert "[read-only.not-applied] id from the body was applied (answer body)" in message
    assert "[response.id] 200 body carries another id" in message
    for clause in ("read-only.not-applied", "response.id"):
        example = session.recorder.clauses[clause].counterexample
        assert example is not None
        assert example["request"]["method"] == "PATCH"
        assert example["request"]["url"].endswith(PREFIX + ORIGINAL)
        assert PROBE_ID in json.dumps(example["request"])
    assert session.target.position_id == PROBE_ID, "the run follows the position"
    assert session.target.client.broken is None, "no TargetUnhealthy"


def test_the_position_is_moved_back_at_the_end_when_the_service_lets_it():
    store = MovingStore()
    session = session_on(store)
    probe_the_id(session)
    result = session.final_restore()
    assert result is not None
    assert result.verified, result
    assert list(store.positions) == [ORIGINAL]
    assert session.recorder.restores[-1]["not_restored"] == []


def test_a_position_that_cannot_move_back_is_reported_where_it_lives():
    store = MovingStore(moves_back=False)
    session = session_on(store)
    probe_the_id(session)
    result = session.final_restore()
    assert result is not None
    assert not result.verified
    assert result.not_restored[0] == (
        f"id: the position now lives at id {PROBE_ID!r}; its id {ORIGINAL!r} answers 404 (a "
        "body's id moved it there; a PATCH of its old id did not move it back)"
    )
    record = session.recorder.restores[-1]
    assert record["verified"] is False
    assert record["not_restored"] == list(result.not_restored)


def test_a_probe_of_a_stored_kind_is_not_sent_again():
    store = MovingStore()
    session = session_on(store)
    probe_the_id(session)
    sent = len(store.patches)
    with session.example() as ex:
        check_read_only(ex, {"createdDateTime": "2098-02-03T04:05:06Z"})
    assert len(store.patches) == sent
    assert session.target.ledger.describe_withheld().startswith("1 probe(s) of read-only values")


def test_a_position_gone_after_the_patch_halts_with_the_patch_judged_first():
    store = MovingStore(deletes=True)
    session = session_on(store)
    with pytest.raises(TargetUnhealthy), session.example() as ex:
        check_read_only(ex, {"id": PROBE_ID})
    tally = session.recorder.clauses["response.id"]
    assert tally.failed == 1
    assert tally.counterexample is not None
    assert PROBE_ID in json.dumps(tally.counterexample["request"])


def test_a_position_gone_for_good_is_not_blamed_on_the_configuration():
    store = MovingStore(deletes=True)
    session = session_on(store)
    with pytest.raises(TargetUnhealthy), session.example() as ex:
        check_read_only(ex, {"id": PROBE_ID})
    result = session.final_restore()
    assert result is not None
    assert not result.verified
    (why,) = result.differences
    assert "answered the position before the run's first write" in why
    assert "removed or moved it" in why
    assert "--position-id" not in why
