"""Once a replica's read-after-write lag is learned, reads after writes are sampled: a run
waits the lag on a few examples (and at the final restore, which reads the whole position),
not after every write, and no refusal or write is misjudged on a stale read. A fake clock
moves only when the harness sleeps; the replica answers the position as it was ``LAG_S``
before."""

from __future__ import annotations

import json

import httpx
import pytest

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.runner.config import DEFAULT_POLICY
from graphcontract.runner.lag import SAMPLE_EVERY, SAMPLE_FIRST
from graphcontract.runner.scenarios import check_rejected
from graphcontract.runner.session import Session
from graphcontract.runner.target import Target

SEEDED = load_contract().seed["positions"][0]
LAG_S = 0.3
CLOCK = [0.0]


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


class Replica:
    """Writes to a primary; reads from a replica ``LAG_S`` behind it. ``keeps``: False for a
    service that answers writes 200 and stores nothing."""

    def __init__(self, *, keeps: bool = True) -> None:
        self.keeps = keeps
        self.history: list[tuple[float, dict]] = [(0.0, dict(SEEDED))]
        self.log: list[tuple[str, float]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.log.append((request.method, CLOCK[0]))
        if request.method == "PATCH":
            body = json.loads(request.content)
            if not isinstance(body.get("isCurrent", True), bool):
                error = {"error": {"code": "BadRequest", "message": "isCurrent: not a boolean"}}
                return httpx.Response(400, json=error)
            state = {**self.history[-1][1], **body}
            if self.keeps:
                self.history.append((CLOCK[0], state))
            return httpx.Response(200, json=state)
        seen = [s for t, s in self.history if t <= CLOCK[0] - LAG_S]
        return httpx.Response(200, json=seen[-1] if seen else self.history[0][1])

    def reads_after_writes(self) -> int:
        return sum(
            1
            for (method, _), (before, _) in zip(self.log[1:], self.log, strict=False)
            if method == "GET" and before == "PATCH"
        )


def session_on(service: Replica, **policy: str) -> Session:
    client = GraphClient(
        "http://127.0.0.1:9", token="t", transport=httpx.MockTransport(service.handle)
    )
    target = Target(load_contract(), client, SEEDED["id"])
    return Session(load_contract(), target, policy={**DEFAULT_POLICY, **policy})


def run_examples(session: Session, count: int) -> None:
    """``count`` examples: accepted writes flipping isCurrent, every third one refused."""
    for index in range(count):
        with session.example() as ex:
            if index % 3 == 2:
                check_rejected(ex, "types.rejects", body={"isCurrent": "x"}, what="wrong type")
            else:
                value = not SEEDED["isCurrent"]
                ex.step(lambda value=value: ex.target.patch({"isCurrent": value}))


def test_a_learned_lag_samples_read_backs_and_the_final_restore_still_waits_and_reads(pauses):
    service = Replica()
    session = session_on(service)
    examples = 2 + SAMPLE_FIRST + 3 * SAMPLE_EVERY
    run_examples(session, examples)
    target = session.target
    assert target.lag_s is not None
    assert LAG_S <= target.lag_s <= LAG_S * 1.3
    after_learning = target.read_backs.examples
    assert after_learning == examples - 1
    assert (
        target.read_backs.read_back
        == SAMPLE_FIRST + (after_learning - SAMPLE_FIRST) // SAMPLE_EVERY
    )
    assert target.read_backs.waits <= 2 * target.read_backs.read_back, (
        "a sampled example waits at most twice"
    )
    assert [c for c, t in session.recorder.clauses.items() if t.failed] == []
    assert session.recorder.clauses["atomic.rejected"].passed >= 1, "judged on sampled reads"
    last_write = max(t for m, t in service.log if m == "PATCH")
    service.log.clear()
    result = session.final_restore()
    assert result is not None
    assert result.verified
    assert service.log, "the final restore reads the position"
    assert all(t >= last_write + LAG_S for m, t in service.log if m == "GET"), (
        "each of its reads after the lag since the last write"
    )
    assert service.history[-1][1]["isCurrent"] == SEEDED["isCurrent"]
    observations = session.recorder.clauses["persisted"].observations
    (sampled,) = [o for title, o in observations.items() if "sampled" in title]
    assert (
        f"read back {target.read_backs.read_back} of {after_learning} examples"
        in sampled["message"]
    )


def test_read_lag_none_reads_after_every_write(pauses):
    service = Replica()
    session = session_on(service, read_lag="none")
    run_examples(session, 12)
    assert session.target.read_backs.read_back == 0
    assert session.target.read_backs.examples == 0
    assert service.reads_after_writes() >= 12, "every example read after its request"


def test_a_service_that_keeps_no_writes_fails_persisted_behind_a_lagging_replica(pauses):
    session = session_on(Replica(keeps=False))
    outcomes = []
    for _ in range(3):
        try:
            run_examples(session, 1)
            outcomes.append("passed")
        except AssertionError as failure:
            outcomes.append(str(failure).splitlines()[0])
    assert outcomes[0].startswith("[persisted]")
    assert session.target.lag_s is None, "no lag learned from writes that never show"
