"""runner.target.Target: the unknown id (of the configured id's form, never one the target
answers 200 for) and reads after a write (read again while a replica lags behind it)."""

from __future__ import annotations

import itertools
import json
import uuid

import httpx
import pytest

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.runner.lag import LAG_MARGIN, SETTLE_BUDGET_S, SETTLE_DELAYS_S
from graphcontract.runner.target import Target, restore_body

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


def lagging_target(stale_reads: int) -> tuple[Target, list[str]]:
    """A Target whose position reads as ``old`` for the first ``stale_reads`` GETs after a
    PATCH (a replica lagging behind the write), as ``new`` afterwards."""
    old, new = {"id": GUID, "isCurrent": False}, {"id": GUID, "isCurrent": True}
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if request.method == "PATCH":
            return httpx.Response(200, json=new)
        gets_since_write = len(seen) - 1 - seen.index("PATCH")
        return httpx.Response(200, json=old if gets_since_write <= stale_reads else new)

    client = GraphClient("http://127.0.0.1:9", token="t", transport=httpx.MockTransport(handler))
    return Target(load_contract(), client, GUID), seen


CLOCK = [0.0]
"""The fake clock of ``pauses``: it moves only when the target sleeps."""


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every pause the target makes, on a fake clock (no real sleeping)."""
    slept: list[float] = []
    CLOCK[0] = 1000.0

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        CLOCK[0] += seconds

    monkeypatch.setattr("graphcontract.runner.target.time.sleep", sleep)
    monkeypatch.setattr("graphcontract.runner.target.time.monotonic", lambda: CLOCK[0])
    return slept


@pytest.mark.parametrize("stale_reads", [0, 1, 3], ids=["no-lag", "one-stale-read", "three"])
def test_a_read_lagging_behind_a_write_is_read_again_until_it_shows_the_write(pauses, stale_reads):
    target, seen = lagging_target(stale_reads)
    read = target.read_after(target.patch({"isCurrent": True}))
    assert read.json_object() == {"id": GUID, "isCurrent": True}
    assert seen == ["PATCH"] + ["GET"] * (stale_reads + 1)
    assert pauses == list(SETTLE_DELAYS_S[:stale_reads])
    assert target.lags_s == ([pytest.approx(sum(pauses))] if stale_reads else [])


def test_the_pauses_of_a_read_that_disagrees_add_up_to_the_settle_budget():
    assert sum(SETTLE_DELAYS_S) == pytest.approx(SETTLE_BUDGET_S)
    assert SETTLE_DELAYS_S[0] <= 0.02
    growing = SETTLE_DELAYS_S[:-1]  # the last one fills the budget up
    assert all(a <= b for a, b in itertools.pairwise(growing))


def replica_target(lags: list[float]) -> tuple[Target, list[str]]:
    """A Target whose position reads as it was before the last PATCH until ``lags[0]``
    seconds (on the fake clock) after it (a replica that far behind); each PATCH takes the
    next lag of ``lags`` (the last one stays)."""
    state: dict[str, object] = {"old": {"id": GUID, "n": 0}, "new": {"id": GUID, "n": 0}}
    written = [0.0]
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if request.method == "PATCH":
            state["old"] = state["new"]
            state["new"] = {"id": GUID, "n": len(seen)}
            written[0] = CLOCK[0]
            if len(lags) > 1 and seen.count("PATCH") > 1:
                lags.pop(0)
            return httpx.Response(200, json=state["new"])
        behind = CLOCK[0] - written[0] < lags[0]
        return httpx.Response(200, json=state["old"] if behind else state["new"])

    client = GraphClient("http://127.0.0.1:9", token="t", transport=httpx.MockTransport(handler))
    return Target(load_contract(), client, GUID), seen


def test_a_learned_lag_is_waited_out_once_before_each_later_read_after_a_write(pauses):
    target, seen = replica_target([0.3])
    first = target.patch({"isCurrent": True})
    assert target.read_after(first).json_object() == first.json_object()
    learned = target.lag_s
    assert learned is not None
    assert 0.3 <= learned <= 0.3 * 1.3, "known to within a quarter"
    assert target.lags_s == [learned]
    for _ in range(5):
        seen.clear()
        pauses.clear()
        write = target.patch({"isCurrent": True})
        assert target.read_after(write).json_object() == write.json_object()
        assert seen == ["PATCH", "GET"], "one read, no polling"
        assert pauses == [pytest.approx(learned * LAG_MARGIN)]
    assert target.lags_s == [learned], "learned once"


def test_a_lag_is_learned_again_when_a_read_still_disagrees_after_the_wait(pauses):
    target, seen = replica_target([0.1, 0.5])
    target.read_after(target.patch({"isCurrent": True}))
    assert target.lag_s is not None
    assert target.lag_s < 0.2
    write = target.patch({"isCurrent": True})
    assert target.read_after(write).json_object() == write.json_object()
    assert target.lag_s is not None
    assert 0.5 <= target.lag_s <= 0.5 * 1.3
    assert len(target.lags_s) == 2
    seen.clear()
    write = target.patch({"isCurrent": True})
    assert target.read_after(write).json_object() == write.json_object()
    assert seen == ["PATCH", "GET"]


def test_read_lag_none_never_waits_for_a_learned_lag(pauses):
    target, seen = replica_target([0.2])
    target.read_after(target.patch({"isCurrent": True}))
    assert target.lag_s
    pauses.clear()
    seen.clear()
    target.settle_reads = False
    target.read_after(target.patch({"isCurrent": True}))
    assert (seen, pauses) == (["PATCH", "GET"], [])


def test_a_read_that_never_shows_the_write_is_judged_and_not_waited_for_again(pauses):
    target, seen = lagging_target(stale_reads=100)
    read = target.read_after(target.patch({"isCurrent": True}))
    assert read.json_object() == {"id": GUID, "isCurrent": False}, "the last read, as it was"
    assert pauses == list(SETTLE_DELAYS_S)
    assert target.lags_s == []
    seen.clear()
    target.read_after(target.patch({"isCurrent": True}))
    assert seen == ["PATCH", "GET"]
    assert pauses == list(SETTLE_DELAYS_S), "no second wait"


def test_read_lag_none_reads_once_but_a_restore_still_waits_for_its_write(pauses):
    target, seen = lagging_target(stale_reads=1)
    target.settle_reads = False
    assert target.read_after(target.patch({"isCurrent": True})).json_object()["isCurrent"] is False
    assert seen == ["PATCH", "GET"]
    seen.clear()
    assert target.read_after(target.patch({}), settle=True).json_object()["isCurrent"] is True
    assert seen == ["PATCH", "GET", "GET"]


def test_a_refused_write_is_read_once(pauses):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            return httpx.Response(400, json={"error": {"code": "BadRequest", "message": "no"}})
        return httpx.Response(200, json={"id": GUID})

    client = GraphClient("http://127.0.0.1:9", token="t", transport=httpx.MockTransport(handler))
    target = Target(load_contract(), client, GUID)
    target.read_after(target.patch({"isCurrent": "x"}))
    assert pauses == []


SEED = load_contract().seed["positions"][0]


def test_a_restore_writes_only_what_differs_from_a_state_it_read():
    contract = load_contract()
    current = {**SEED, "isCurrent": not SEED["isCurrent"]}
    assert restore_body(contract, SEED, current) == {"isCurrent": SEED["isCurrent"]}


def test_a_restore_without_a_readable_state_writes_every_writable_property_nulls_included():
    contract = load_contract()
    body = restore_body(contract, SEED, None)
    assert set(body) == set(contract.updatable)
    detail = contract.entity.properties["detail"].type_name
    assert set(body["detail"]) == set(contract.structured(detail).properties)
    assert None in body["detail"]["company"].values(), "nulls are written explicitly"


@pytest.mark.parametrize("read_status", [200, 500], ids=["readable", "read-fails-with-500"])
def test_restore_reads_first_and_writes_blind_only_when_the_read_fails(read_status):
    """A 5xx GET (a stored value the service cannot render) leads to a full write, which is
    what heals such a position; the verifying GET then decides."""
    contract = load_contract()
    sent: list[dict] = []
    reads = iter([read_status, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            sent.append(json.loads(request.content))
            return httpx.Response(200, json=SEED)
        status = next(reads, 200)
        if status != 200:
            return httpx.Response(status, json={"error": {"code": "x", "message": "no"}})
        changed = {**SEED, "isCurrent": not SEED["isCurrent"]} if not sent else SEED
        return httpx.Response(200, json=changed)

    client = GraphClient("http://127.0.0.1:9", token="t", transport=httpx.MockTransport(handler))
    target = Target(contract, client, SEED["id"])
    result = target.restore(SEED)
    assert result.verified
    expected = (
        {"isCurrent": SEED["isCurrent"]}
        if read_status == 200
        else restore_body(contract, SEED, None)
    )
    assert sent == [expected]
