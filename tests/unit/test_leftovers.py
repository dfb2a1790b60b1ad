"""runner.leftovers: the whole position against the snapshot (only a write's own stamps may
move), the probes a target was seen to store and the ones then withheld, and the stamp a
stored probe left judged as a knock-on, not as the write's fault."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from graphcontract.oracles.update import Update, judge_update
from graphcontract.runner.leftovers import (
    KEY,
    READ_ONLY,
    UNKNOWN,
    ProbeLedger,
    ProbeWithheld,
    leftovers,
    probe_kinds,
)

from .oracle_samples import CONTRACT, SEED, exchange

PROBE_STAMP = "2098-02-03T04:05:06Z"
PROBE_NAME = "graphcontract-readonly-probe"


def now_stamp(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")


def final(**changes) -> dict:
    state = copy.deepcopy(SEED)
    state.update(changes)
    return state


def ledger_that_sent(*bodies: dict) -> ProbeLedger:
    ledger = ProbeLedger(CONTRACT)
    for body in bodies:
        ledger.before_send(body)
    return ledger


@pytest.mark.parametrize(
    "state",
    [
        final(),
        final(lastModifiedDateTime=now_stamp()),
        final(lastModifiedBy={"user": {"id": "the-run", "displayName": "Run"}}),
        final(**{"@odata.etag": 'W/"2"', "@odata.context": "x"}),
        final(isSearchable=False),
        final(isSearchable=True),
    ],
    ids=[
        "same",
        "a-write-stamped-it-now",
        "modified-by-the-caller",
        "annotations-the-server-answers",
        "recalculated-by-the-service",
        "recalculated-to-the-value-sent",
    ],
)
def test_a_position_back_but_for_what_writes_move_has_no_leftovers(state):
    ledger = ledger_that_sent({"isSearchable": True}, {"@odata.type": "#x"})
    assert leftovers(CONTRACT, SEED, state, ledger) == []


@pytest.mark.parametrize(
    ("state", "sent", "expected"),
    [
        (final(graphcontractUnknown="x"), {}, "graphcontractUnknown: not there before the run"),
        (final(**{"0": "["}), {}, "0: not there before the run"),
        (final(lastModifiedDateTime=PROBE_STAMP), {}, "lastModifiedDateTime: "),
        (final(lastModifiedDateTime="2000-01-01T00:00:00Z"), {}, "lastModifiedDateTime: "),
        (
            final(lastModifiedBy={"application": {"id": PROBE_NAME, "displayName": PROBE_NAME}}),
            {"lastModifiedBy": {"application": {"id": PROBE_NAME, "displayName": PROBE_NAME}}},
            "lastModifiedBy",
        ),
        (final(createdDateTime=PROBE_STAMP), {}, "createdDateTime: "),
        (final(id="graphcontract-probe-0"), {}, "id: "),
        (final(source={"type": ["sent"]}), {"source": {"type": ["sent"]}}, "source"),
        (final(**{"@odata.type": "#x"}), {"@odata.type": "#x"}, "@odata.type: not there"),
    ],
    ids=[
        "undeclared-name",
        "a-non-object-body-as-a-key",
        "stamp-in-the-future",
        "stamp-before-the-snapshot",
        "modifier-from-a-probe",
        "created-from-a-probe",
        "id",
        "undocumented-value-sent",
        "annotation-sent",
    ],
)
def test_what_no_write_explains_is_a_leftover(state, sent, expected):
    found = leftovers(CONTRACT, SEED, state, ledger_that_sent(sent))
    assert found, "never verified"
    assert all(line.startswith(expected) for line in found), found


def test_a_changed_writable_value_is_named_with_both_values():
    state = final(detail={**SEED["detail"], "jobTitle": "Changed"})
    found = leftovers(CONTRACT, SEED, state)
    assert found == [f"detail.jobTitle: {SEED['detail']['jobTitle']} before the run, now Changed"]


@pytest.mark.parametrize(
    ("body", "kinds"),
    [
        ({"detail": {"jobTitle": "x"}}, set()),
        ({"id": "graphcontract-probe-0"}, {KEY}),
        ({"id": "graphcontract-probe-0", "createdDateTime": PROBE_STAMP}, {KEY, READ_ONLY}),
        ({"graphcontractUnknown": 1}, {UNKNOWN}),
        ({"detail": {"graphcontractUnknown": 1}}, {UNKNOWN}),
        ({"@odata.type": "#microsoft.graph.workPosition"}, {UNKNOWN}),
        ({"source": {}}, {UNKNOWN}),
        ({"createdDateTime": PROBE_STAMP, "extra": 1}, {READ_ONLY, UNKNOWN}),
    ],
    ids=[
        "writable",
        "id",
        "id-and-read-only",
        "undeclared",
        "nested-undeclared",
        "annotation",
        "undocumented",
        "both",
    ],
)
def test_probe_kinds(body, kinds):
    assert probe_kinds(CONTRACT, body) == kinds


def test_a_stored_read_only_probe_withholds_the_next_one_only():
    ledger = ProbeLedger(CONTRACT)
    sent = {"lastModifiedDateTime": PROBE_STAMP}
    ledger.before_send(sent)
    assert ledger.learn(sent, SEED, final(lastModifiedDateTime=now_stamp())) == []
    learned = ledger.learn(sent, SEED, final(lastModifiedDateTime=PROBE_STAMP))
    assert learned == [f"{READ_ONLY}: lastModifiedDateTime = {PROBE_STAMP}"]
    with pytest.raises(ProbeWithheld):
        ledger.before_send({"createdBy": {"user": {"id": "x"}}})
    ledger.before_send({"detail": {"jobTitle": "still sent"}})
    ledger.before_send({"graphcontractUnknown": "still sent: another kind"})
    ledger.before_send({"id": "graphcontract-probe-0"})  # a key moves, it is not kept: its own kind
    assert (
        ledger.describe_withheld() == f"1 probe(s) of {READ_ONLY} not sent: the target stores them"
    )


def test_a_stored_undeclared_name_withholds_undeclared_names_at_any_depth():
    ledger = ProbeLedger(CONTRACT)
    sent = {"graphcontractUnknown": "x"}
    assert ledger.learn(sent, SEED, final(graphcontractUnknown="x")) == [
        f"{UNKNOWN}: graphcontractUnknown = x"
    ]
    for body in ({"extraField": 1}, {"detail": {"notes": 1}}, {"@odata.type": "#x"}):
        with pytest.raises(ProbeWithheld):
            ledger.before_send(body)
    ledger.before_send({"id": "graphcontract-probe-1"})


def test_an_applied_key_withholds_the_next_key_probe_only():
    ledger = ProbeLedger(CONTRACT)
    sent = {"id": "graphcontract-probe-0"}
    assert ledger.learn(sent, SEED, final(id="graphcontract-probe-0")) == [
        f"{KEY}: id = graphcontract-probe-0"
    ]
    with pytest.raises(ProbeWithheld):
        ledger.before_send({"id": "graphcontract-probe-1"})
    ledger.before_send({"createdDateTime": PROBE_STAMP})


def stamp_judgement(before_stamp: str, answer_stamp: str, age: float | None = 30.0):
    sent = {"detail": {"jobTitle": "Changed"}}
    before = final(lastModifiedDateTime=before_stamp)
    body = final(lastModifiedDateTime=answer_stamp, detail={**SEED["detail"], **sent["detail"]})
    update = Update(
        CONTRACT,
        sent,
        before,
        exchange(200, body),
        body,
        body,
        SEED["id"],
        datetime.now(UTC) - timedelta(seconds=1),
        age,
    )
    return {v.clause: v for v in judge_update(update) if v.outcome == "fail"}


def test_a_stored_future_stamp_a_write_keeps_fails_as_not_updated_not_as_in_the_future():
    """json-server keeps the 2098 an earlier read-only probe put there and never moves it: the
    finding is that a change does not update the stamp; the future value is the probe's."""
    failed = stamp_judgement(PROBE_STAMP, PROBE_STAMP)
    assert failed["server-managed.recalculated"].title == (
        "lastModifiedDateTime not updated by a change"
    )


def test_a_write_that_stamps_now_over_a_stored_future_stamp_passes():
    assert stamp_judgement(PROBE_STAMP, now_stamp()) == {}


def test_a_write_that_stamps_the_future_still_fails():
    failed = stamp_judgement(now_stamp(-timedelta(minutes=1)), PROBE_STAMP)
    assert failed["server-managed.recalculated"].title == "lastModifiedDateTime is in the future"


def read_only_probe_judgement(whole: dict, body: dict, after: dict | None = None):
    """check_read_only's judgement of an accepted read-only probe: the writable part as an
    update, the whole body as what was sent."""
    writable = {k: v for k, v in whole.items() if k not in CONTRACT.read_only}
    before = final(lastModifiedDateTime=now_stamp(-timedelta(minutes=1)))
    update = Update(
        CONTRACT,
        writable,
        before,
        exchange(200, body, sent=json.dumps(whole).encode()),
        body,
        body if after is None else after,
        SEED["id"],
        datetime.now(UTC) - timedelta(seconds=1),
        whole_body=whole,
    )
    return {v.clause: v for v in judge_update(update) if v.outcome == "fail"}


def test_a_failure_on_a_read_only_probe_quotes_the_body_as_sent():
    """Its messages quote the whole body that was sent, never ``sent: {}``."""
    whole = {"createdDateTime": PROBE_STAMP}
    body = final(lastModifiedDateTime=now_stamp())
    failed = read_only_probe_judgement(whole, body, after=final(isCurrent=not SEED["isCurrent"]))
    message = failed["persisted"].message
    assert message.startswith(f'sent: {{"createdDateTime": "{PROBE_STAMP}"}}'), message


@pytest.mark.parametrize(
    "whole",
    [
        {"lastModifiedDateTime": PROBE_STAMP},
        {"createdDateTime": PROBE_STAMP},
        {"createdBy": {"application": {"id": PROBE_NAME, "displayName": PROBE_NAME}}},
        {"id": "graphcontract-probe-0"},
    ],
    ids=lambda whole: next(iter(whole)),
)
def test_a_read_only_value_the_body_carried_is_not_failed_twice(whole):
    """Applied, it is read-only.not-applied's failure; server-managed.recalculated does not
    fail the same write for the same cause (its headline stays its own finding)."""
    body = final(**{"lastModifiedDateTime": now_stamp(), **whole})
    assert "server-managed.recalculated" not in read_only_probe_judgement(whole, body)


def test_a_read_only_probe_does_not_excuse_another_read_only_change():
    whole = {"lastModifiedDateTime": PROBE_STAMP}
    body = final(lastModifiedDateTime=now_stamp(), createdDateTime=now_stamp())
    failed = read_only_probe_judgement(whole, body)
    assert failed["server-managed.recalculated"].title == "createdDateTime changed by an update"
