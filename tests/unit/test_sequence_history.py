"""A sequence's failure carries its history (runner.sequence_parts.history): the writes that
caused it — not the GET that showed it — and a replay script whose writes sent at once run
together before the read that judged them; the recorder puts both in the counterexample."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace
from typing import Any

from graphcontract.client import Exchange, RecordedRequest, RecordedResponse
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.recorder import ClauseTally
from graphcontract.runner.sequence_parts import Recorded, SequenceFailed, history
from tests.unit.oracle_samples import CONTRACT, SEED

BASE = "http://127.0.0.1:9/beta"
PATH = "/me/profile/positions/p1"


def sent(method: str, body: dict[str, Any] | None = None, status: int = 200) -> Exchange:
    raw = json.dumps(body).encode() if body is not None else b""
    headers = (("Content-Type", "application/json"),) if body is not None else ()
    return Exchange(
        RecordedRequest(method, BASE + PATH, headers, raw),
        RecordedResponse(status, (("content-type", "application/json"),), b"{}", 0.001),
    )


SESSION: Any = SimpleNamespace(
    contract=CONTRACT,
    target=SimpleNamespace(client=SimpleNamespace(base_url=BASE), path=lambda: PATH),
)
A, B = {"detail": {"jobTitle": "a"}}, {"manager": {"displayName": "b"}}


def together_then_read() -> list[Recorded]:
    return [
        Recorded("two PATCHes at once", [sent("PATCH", A), sent("PATCH", B), sent("GET")], True)
    ]


def test_writes_at_once_are_the_cause_and_run_together_before_the_read() -> None:
    story = history(SESSION, SEED, together_then_read())
    assert story.steps == 1
    assert story.together
    assert [json.loads(e.request.body) for e in story.cause] == [A, B]
    lines = story.replay.splitlines()
    writes = [i for i, line in enumerate(lines) if line.endswith(" &")]
    (wait,) = [i for i, line in enumerate(lines) if line == "wait"]
    (read,) = [i for i, line in enumerate(lines) if "-X GET" in line]
    assert len(writes) == 2
    assert max(writes) < wait < read, story.replay
    # Every line is shell: a comment or a command (the script is written to a file and run).
    assert all(line.startswith(("#", "curl ", "printf ", "wait")) for line in lines), lines


def test_a_failing_read_is_caused_by_the_latest_write_before_it() -> None:
    steps = [
        Recorded("PATCH (first)", [sent("PATCH", A)]),
        Recorded("PATCH (second)", [sent("PATCH", B)]),
        Recorded("GET via me", [sent("GET")]),
    ]
    story = history(SESSION, SEED, steps)
    assert story.steps == 3
    assert not story.together
    assert [json.loads(e.request.body) for e in story.cause] == [B]
    assert story.replay.count("curl ") == 4  # the restore, then each step


def test_the_counterexample_records_the_cause_and_the_replay() -> None:
    story = history(SESSION, SEED, together_then_read())
    read = sent("GET")
    verdict = Verdict.failed("merge.nested", "t", sent=A, expected=1, got=2, exchange=read)
    tally = ClauseTally()
    tally.add(dataclasses.replace(verdict, history=story))
    example = tally.counterexample
    assert example is not None
    assert example["request"]["method"] == "GET"
    recorded = example["history"]
    assert recorded["replay"] == story.replay
    assert recorded["together"] is True
    assert [c["method"] for c in recorded["cause"]] == ["PATCH", "PATCH"]
    assert [json.loads(c["body"]) for c in recorded["cause"]] == [A, B]
    assert [c["status"] for c in recorded["cause"]] == [200, 200]


def test_a_failure_whose_shortest_sequence_was_not_replayed_says_so() -> None:
    """When Hypothesis's replay of the shortest failing sequence ends otherwise (a flaky
    target, inconsistent generation), the last failing sequence stands, marked as such."""
    lost = Verdict.failed("merge.omitted-preserved", "lost", sent={}, expected=1, got=2)
    flaky = RuntimeError("inconsistent data generation")
    marked = SequenceFailed.after(flaky, SequenceFailed([lost]))
    (verdict,) = marked.verdicts
    assert verdict.message.startswith(lost.message)
    assert verdict.message.endswith(
        "note: the last failing sequence, maybe not the shortest (its replay: RuntimeError)"
    )
    assert (verdict.clause, verdict.outcome) == ("merge.omitted-preserved", "fail")


def test_a_replayed_failure_among_several_bugs_is_reported_as_replayed() -> None:
    """Hypothesis reports several bugs as an exception group: the sequence failure in it was
    replayed (no note), whatever the last failure seen before the replay was."""
    earlier = Verdict.failed("merge.omitted-preserved", "earlier", sent={}, expected=1, got=2)
    shortest = SequenceFailed([Verdict.failed("persisted", "shortest", sent={}, expected=1, got=2)])
    group = ExceptionGroup("two bugs", [TypeError("x"), ExceptionGroup("inner", [shortest])])
    assert SequenceFailed.after(group, SequenceFailed([earlier])) is shortest
