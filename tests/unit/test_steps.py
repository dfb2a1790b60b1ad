"""--verbose's step log: each request with its status in one line, the verdicts of each
example grouped after its requests, secrets never shown."""

from __future__ import annotations

import unicodedata

from graphcontract.client import Exchange, RecordedRequest, RecordedResponse
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.steps import StepLog, step_header
from graphcontract.types import terminal_line

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


def test_verdicts_that_cannot_fail_a_run_are_never_shown_as_fail() -> None:
    levels = {"docs.examples": "doc", "idempotent": "observe", "merge.nested": "must"}
    log = StepLog(BASE, levels)
    log.verdict(Verdict.failed("docs.examples", "example violates", sent={}, expected=1, got=2))
    log.verdict(Verdict.failed("idempotent", "second answer differs", sent={}, expected=1, got=2))
    log.verdict(Verdict.failed("merge.nested", "role lost", sent={}, expected=1, got=2))
    assert log.drain() == [
        "    documentation finding docs.examples: example violates",
        "    gray zone (never fails a run) idempotent: second answer differs",
        "    FAIL merge.nested: role lost",
    ]


def test_sent_and_received_data_reach_the_console_without_control_characters() -> None:
    """A NUL a negative case sent, an escape sequence an answer carried: shown escaped, so
    the console stays text (grep) and a terminal never interprets them."""
    log = StepLog(BASE)
    log.exchange(sent("PATCH", 400, '{"jobTitle": "\u202e"} \x00\x1b[2J'.encode()))
    (line,) = log.drain()
    shown = terminal_line(line)
    assert not [c for c in shown if unicodedata.category(c) == "Cc"]
    assert "\\x00" in shown
    assert "\\x1b[2J" in shown
    assert "\\u202e" in shown
    assert terminal_line("plain text: ünïcode ✓") == "plain text: ünïcode ✓"


class Marker:
    args = ("auth.required", "errors.envelope")


class Item:
    """The parts of a pytest item a header reads."""

    name = "test_missing_authorization_is_refused[me]"
    originalname = "test_missing_authorization_is_refused"

    class callspec:
        id = "me"

    def get_closest_marker(self, name: str) -> Marker | None:
        return Marker() if name == "clauses" else None


def test_a_header_names_the_test_s_purpose_and_clauses_not_pytest_s_node_id() -> None:
    assert step_header(Item(), "call") == (
        "missing authorization is refused [me] (auth.required, errors.envelope):"
    )
    assert step_header(Item(), "setup").startswith("before missing authorization")
    assert step_header(Item(), "teardown").startswith("after missing authorization")
