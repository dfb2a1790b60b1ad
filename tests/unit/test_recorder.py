"""Which failing request a clause shows as its counterexample (the first cause): the simplest
plain partial update over a probe body, a shorter body over a longer one, the later on a tie;
the same choice when workers' tallies are merged."""

from __future__ import annotations

import dataclasses
import json

import pytest

from graphcontract.oracles.verdict import History, Verdict
from graphcontract.runner.recorder import ClauseTally, Recorder, plainness
from tests.unit.oracle_samples import exchange

PLAIN = {"isCurrent": True}
PLAIN_LONGER = {"isCurrent": True, "detail": {"jobTitle": "a title that is long enough"}}
PROBE = {"createdBy": {"application": {"displayName": "probe", "id": "probe"}}}
ANNOTATED = {"isCurrent": True, "@odata.type": "#microsoft.graph.workPosition"}


def failure(body: object, title: str = "lost") -> Verdict:
    sent = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return Verdict.failed(
        "merge.omitted-preserved",
        title,
        sent=body,
        expected=1,
        got=2,
        exchange=exchange(200, {}, sent=sent),
    )


def chosen(tally: ClauseTally) -> object:
    assert tally.counterexample is not None
    return json.loads(tally.counterexample["request"]["body"])


@pytest.mark.parametrize(
    ("bodies", "expected"),
    [
        ([PROBE, PLAIN], PLAIN),
        ([PLAIN, PROBE], PLAIN),
        ([PLAIN_LONGER, PLAIN], PLAIN),
        ([PLAIN, PLAIN_LONGER], PLAIN),
        ([ANNOTATED, PLAIN_LONGER], PLAIN_LONGER),
        ([PROBE, ANNOTATED], ANNOTATED),
    ],
    ids=[
        "plain-after-probe",
        "plain-before-probe",
        "shorter-after",
        "shorter-before",
        "annotation-is-a-probe",
        "shorter-probe",
    ],
)
def test_the_simplest_plain_request_is_the_counterexample(
    bodies: list[object], expected: object
) -> None:
    tally = ClauseTally()
    for body in bodies:
        tally.add(failure(body))
    assert chosen(tally) == expected
    assert tally.failed == len(bodies)


def test_on_a_tie_the_later_failure_wins() -> None:
    """Hypothesis replays its minimal example last."""
    tally = ClauseTally()
    tally.add(failure({"isCurrent": True}, "first"))
    tally.add(failure({"isCurrent": None}, "second"))
    assert tally.counterexample is not None
    assert tally.counterexample["title"] == "second"


def test_merging_workers_keeps_the_simplest() -> None:
    one, two = Recorder(), Recorder()
    one.record(failure(PLAIN))
    two.record(failure(PROBE))
    merged = Recorder()
    for worker in (one, two):
        data = worker.drain()
        assert data is not None
        merged.merge(json.loads(json.dumps(data)))  # as xdist carries it
    assert chosen(merged.clauses["merge.omitted-preserved"]) == PLAIN


@pytest.mark.parametrize(
    ("sent", "kind"),
    [(b'{"isCurrent": true}', 0), (b"{}", 1), (b"not json", 1), (b'["isCurrent"]', 1)],
    ids=["plain", "empty-object", "malformed", "not-an-object"],
)
def test_plainness(sent: bytes, kind: int) -> None:
    assert plainness(exchange(200, {}, sent=sent)) == (kind, len(sent))
    assert plainness(None) == (2, 0)


@pytest.mark.parametrize(
    "order",
    ["knock-on-first", "cause-first"],
)
def test_a_first_cause_is_the_counterexample_over_a_plainer_knock_on(order: str) -> None:
    """An unknown-property probe whose answer carries what it stored is the first cause; a
    plain update answered with that stored value afterwards is its knock-on."""
    cause = failure({"graphcontractUnknown": "x", "isCurrent": True}, "stored")
    knock_on = failure(PLAIN, "carried").as_knock_on("stored by an earlier write")
    tally = ClauseTally()
    for verdict in [knock_on, cause] if order == "knock-on-first" else [cause, knock_on]:
        tally.add(verdict)
    assert tally.counterexample is not None
    assert tally.counterexample["title"] == "stored"
    assert tally.failed == 2, "a knock-on still counts as a failure"
    merged = ClauseTally()
    merged.merge(tally.to_dict())
    assert merged.counterexample is not None
    assert merged.counterexample["title"] == "stored"


def test_a_knock_on_says_so_in_its_message() -> None:
    marked = failure(PLAIN).as_knock_on("stored by an earlier write")
    assert marked.knock_on
    assert marked.message.endswith("\nnote: stored by an earlier write")


def test_edge_cases_sent_by_workers_are_merged_once() -> None:
    merged = Recorder()
    for keys in (
        ["String|detail.role|empty", "Int32|detail.layer|maximum"],
        ["String|detail.role|empty"],
    ):
        worker = Recorder()
        worker.edge_cases.update(keys)
        data = worker.drain()
        assert data is not None  # a worker that only sent edge cases still reports them
        merged.merge(json.loads(json.dumps(data)))
    assert merged.edge_cases == {"String|detail.role|empty", "Int32|detail.layer|maximum"}


@pytest.mark.parametrize("order", ["sequence-first", "request-first"])
def test_one_request_is_the_counterexample_over_a_sequence_with_a_shorter_body(order: str) -> None:
    """A plain update refused on its own reproduces with one curl; the same clause failed
    in a sequence of writes (its failing body shorter) needs the replay script: the single
    request is kept, and of two sequences the shorter one."""
    alone = failure(PLAIN_LONGER, "alone")
    in_sequence = dataclasses.replace(
        failure(PLAIN, "in a sequence"), history=History(9, (), False, "# replay")
    )
    shorter = dataclasses.replace(
        failure(PLAIN_LONGER, "shorter sequence"), history=History(2, (), False, "# replay")
    )
    tally = ClauseTally()
    for verdict in [in_sequence, alone] if order == "sequence-first" else [alone, in_sequence]:
        tally.add(verdict)
    assert tally.counterexample is not None
    assert tally.counterexample["title"] == "alone"
    sequences = ClauseTally()
    for verdict in (shorter, in_sequence) if order == "sequence-first" else (in_sequence, shorter):
        sequences.add(verdict)
    assert sequences.counterexample is not None
    assert sequences.counterexample["title"] == "shorter sequence"
