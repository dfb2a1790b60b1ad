"""--verbose's step log: each request with its status in one line, the verdicts of each
example grouped after its requests, secrets never shown."""

from __future__ import annotations

from graphcontract.client import Exchange, RecordedRequest, RecordedResponse
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.steps import StepLog

BASE = "http://127.0.0.1:8000"


def sent(method: str, status: int, body: bytes = b"") -> Exchange:
    headers = (("Authorization", "Bearer ***"), ("Content-Type", "application/json"))
    return Exchange(
        RecordedRequest(method, f"{BASE}/me/profile/positions/p1", headers, body),
        RecordedResponse(status, (), b"{}", 0.004),
    )


def test_requests_and_grouped_verdicts_in_order() -> None:
    log = StepLog(BASE)
    log.exchange(sent("PATCH", 200, b'{"isCurrent": true}'))
    log.verdict(Verdict.passed("paths.me"))
    log.verdict(Verdict.passed("response.shape"))
    log.verdict(Verdict.passed("paths.me"))
    log.verdict(Verdict.failed("merge.nested", "role lost", sent={}, expected=1, got=2))
    log.verdict(Verdict.observed("body.empty", "accepted"))
    log.exchange(sent("GET", 404))
    assert log.drain() == [
        "  PATCH /me/profile/positions/p1 [Content-Type: application/json] "
        '{"isCurrent":true} -> 200 (4 ms)',
        "    pass: paths.me, response.shape",
        "    FAIL merge.nested: role lost",
        "    observed body.empty: accepted",
        "  GET /me/profile/positions/p1 [Content-Type: application/json] -> 404 (4 ms)",
    ]
    assert log.drain() == []


def test_many_passing_clauses_are_counted_not_all_named() -> None:
    log = StepLog(BASE)
    for number in range(9):
        log.verdict(Verdict.passed(f"clause.{number}"))
    (line,) = log.drain()
    assert line.endswith("clause.5 and 3 more")
