"""Each oracle fires on the exact violation it owns and stays silent on conforming answers,
including the gray-zone choices (null collections, omitted nulls, annotations)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from graphcontract.oracles.rejection import expect_status, expect_unchanged
from graphcontract.oracles.special import (
    enum_accepted,
    isolation,
    read_only_not_applied,
    unknown_property,
)
from graphcontract.oracles.update import Update, judge_update, response_shape

from .oracle_samples import CONTRACT, SEED, exchange


def merge(state, sent):
    out = copy.deepcopy(state)
    for key, value in sent.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply(state, sent):
    """A conforming update, to build expected answers."""
    out = merge(state, sent)
    out["lastModifiedDateTime"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return out


def judge(sent, body, *, before=SEED, after="same", policy="merge", answer=None, stamp_age=None):
    ex = answer or exchange(200, body)
    u = Update(
        CONTRACT,
        sent,
        before,
        ex,
        body,
        body if after == "same" else after,
        SEED["id"],
        datetime.now(UTC) - timedelta(seconds=1),
        stamp_age,
    )
    return {v.clause: v for v in judge_update(u, nested_policy=policy) if v.outcome == "fail"}


SENT = {
    "detail": {"jobTitle": "Ünïcode ✓", "company": {"address": {"city": "Oslo"}}},
    "categories": ["a", "b"],
    "inference": None,
}


def test_conforming_update_passes_every_oracle():
    assert judge(SENT, apply(SEED, SENT)) == {}


@pytest.mark.parametrize(
    ("clause", "break_it"),
    [
        ("response.echo", lambda b: b["detail"].update(jobTitle="?nicode ?")),
        ("merge.omitted-preserved", lambda b: b.update(manager=None)),
        ("merge.nested", lambda b: b["detail"].update(role=None)),
        ("merge.collections-replace", lambda b: b.update(categories=["consulting", "a", "b"])),
        ("merge.null-clears", lambda b: b.update(inference={"confidenceScore": 0.87})),
        (
            "server-managed.recalculated",
            lambda b: b.update(lastModifiedDateTime="2020-07-06T06:34:12Z"),
        ),
        ("server-managed.recalculated", lambda b: b.update(createdDateTime="2026-01-01T00:00:00Z")),
        ("response.id", lambda b: b.update(id="0FB4C1E3")),
        ("response.shape", lambda b: b.update(isCurrent="yes")),
        ("response.shape", lambda b: b.update(allowedAudiences="bogus")),
    ],
    ids=[
        "echo",
        "omitted",
        "nested",
        "collections",
        "null",
        "stale-modified",
        "created",
        "id",
        "shape-type",
        "shape-enum",
    ],
)
def test_each_update_oracle_fires_on_its_violation(clause, break_it):
    body = apply(SEED, SENT)
    break_it(body)
    assert clause in judge(SENT, body)


def test_persisted_fires_when_get_differs():
    body = apply(SEED, SENT)
    assert "persisted" in judge(SENT, body, after=SEED)


def test_nested_policy_replace_expects_cleared_siblings():
    sent = {"detail": {"jobTitle": "x"}}
    merged = apply(SEED, sent)
    assert "merge.nested" in judge(sent, merged, policy="replace")
    replaced = copy.deepcopy(merged)
    replaced["detail"] = {"jobTitle": "x"}
    assert judge(sent, replaced, policy="replace") == {}


@pytest.mark.parametrize(
    "gray",
    [
        lambda b: b.update(colleagues=None),  # [] rendered as null
        lambda b: [b["detail"].pop(k) for k in [k for k, v in b["detail"].items() if v is None]],
        lambda b: b.update({"@odata.context": "https://graph.microsoft.com/beta/$metadata#x"}),
        lambda b: b.update({"startMonthYear@odata.type": "#Date", "id@odata.type": "#String"}),
        lambda b: b["detail"].update({"role@microsoft.graph.tip": "x"}),
        lambda b: b.update(createdDateTime=SEED["createdDateTime"].replace("Z", "+00:00")),
        lambda b: b.update(source={"type": "User"}),
        lambda b: b.update(sources=[{"id": "s1", "isDefaultSource": True, "properties": []}]),
    ],
    ids=[
        "null-collection",
        "omitted-nulls",
        "instance-annotation",
        "property-annotations",
        "nested-property-annotation",
        "same-instant-other-offset-form",
        "source-typed-as-the-docs-say",
        "sources-id-named-as-the-docs-say",
    ],
)
def test_gray_zone_answers_are_not_failures(gray):
    body = apply(SEED, SENT)
    gray(body)
    assert judge(SENT, body) == {}


def test_empty_collection_read_back_as_null_is_observed_not_failed():
    sent = {"categories": []}
    body = apply(SEED, sent)
    body["categories"] = None
    u = Update(CONTRACT, sent, SEED, exchange(200, body), body, body, SEED["id"], datetime.now(UTC))
    verdicts = judge_update(u)
    assert not [v for v in verdicts if v.outcome == "fail"]
    assert any(
        v.clause == "collections.null-vs-empty" and v.outcome == "observed" for v in verdicts
    )


@pytest.mark.parametrize(
    "recalculate",
    [
        lambda b: b.update(isSearchable=False),
        lambda b: b.update(source={"type": ["User"]}, isSearchable=True),
    ],
    ids=["isSearchable-appears", "source-and-isSearchable"],
)
def test_properties_clients_cannot_write_may_be_recalculated(recalculate):
    """The page: omitted properties "maintain their previous values or be recalculated"."""
    body = apply(SEED, SENT)
    recalculate(body)
    u = Update(CONTRACT, SENT, SEED, exchange(200, body), body, body, SEED["id"], datetime.now(UTC))
    verdicts = judge_update(u)
    assert [v for v in verdicts if v.outcome == "fail"] == []
    (observed,) = [v for v in verdicts if v.clause == "merge.recalculated"]
    assert observed.outcome == "observed"
    assert "isSearchable" in observed.title
    assert "null -> " in observed.message


def test_nothing_recalculated_passes():
    body = apply(SEED, SENT)
    u = Update(CONTRACT, SENT, SEED, exchange(200, body), body, body, SEED["id"], datetime.now(UTC))
    outcomes = {v.clause: v.outcome for v in judge_update(u)}
    assert outcomes["merge.recalculated"] == "pass"


def _judged(sent, recalculate):
    before = copy.deepcopy(SEED)
    before["manager"]["userId"] = "1f0c4b8e-0000-4000-8000-000000000001"
    body = apply(before, sent)
    recalculate(body)
    u = Update(
        CONTRACT, sent, before, exchange(200, body), body, body, SEED["id"], datetime.now(UTC)
    )
    return {v.clause: v for v in judge_update(u)}


END_SET = {"detail": {"endMonthYear": "2024-06-01"}}
UPN_SET = {"manager": {"userPrincipalName": "someone.else@adventureworks.com"}}
NOTHING_CHANGED = {"detail": {"jobTitle": SEED["detail"]["jobTitle"]}, "inference": {}}


@pytest.mark.parametrize(
    ("sent", "recalculate", "verdict"),
    [
        (END_SET, lambda b: b.update(isCurrent=False), "merge.recalculated observed"),
        (
            UPN_SET,
            lambda b: b["manager"].update(userId="another-id"),
            "merge.recalculated observed",
        ),
        (END_SET, lambda b: b.update(isCurrent=None), "merge.omitted-preserved fail"),
        (END_SET, lambda b: b.update(categories=[], manager=None), "merge.omitted-preserved fail"),
        (UPN_SET, lambda b: b["manager"].update(relationship=None), "merge.nested fail"),
        (NOTHING_CHANGED, lambda b: b.update(isCurrent=False), "merge.omitted-preserved fail"),
        (NOTHING_CHANGED, lambda b: b["detail"].update(role="x"), "merge.nested fail"),
    ],
    ids=[
        "isCurrent-follows-a-sent-end-date",
        "manager-userId-resolved-from-a-sent-upn",
        "writable-property-lost-to-null",
        "writable-properties-lost-to-empty",
        "sub-property-lost-to-null",
        "changed-by-an-update-that-changed-nothing",
        "sub-property-changed-by-an-update-that-changed-nothing",
    ],
)
def test_omitted_properties_may_be_recalculated_but_never_lost(sent, recalculate, verdict):
    """The page: omitted properties "maintain their previous values or be recalculated based
    on changes to other property values". A recalculation keeps a value and needs a change;
    a value gone to null/[]/{} is lost, and an update that changed nothing licenses nothing."""
    clause, outcome = verdict.split()
    verdicts = _judged(sent, recalculate)
    assert verdicts[clause].outcome == outcome, verdicts[clause]
    failed = {c for c, v in verdicts.items() if v.outcome == "fail"}
    assert failed == ({clause} if outcome == "fail" else set()), failed
    if outcome == "observed":
        assert "->" in verdicts[clause].message


def test_unchanged_noop_does_not_require_new_last_modified():
    sent = {"isCurrent": SEED["isCurrent"]}
    body = copy.deepcopy(SEED)
    assert judge(sent, body) == {}


def test_plain_text_json_content_type_fails_shape():
    body = apply(SEED, SENT)
    assert "response.shape" in judge(
        SENT, body, answer=exchange(200, body, content_type="text/plain")
    )


def test_expect_status_does_not_judge_5xx():
    assert expect_status("body.malformed", exchange(500, {}), {400}, what="x") is None
    assert expect_status("body.malformed", exchange(200, {}), {400}, what="x").outcome == "fail"
    assert expect_status("body.malformed", exchange(400, {}), {400}, what="x").outcome == "pass"


def test_expect_unchanged_reports_clause_and_atomicity():
    changed = apply(SEED, {"isCurrent": False})
    verdicts = expect_unchanged(["types.rejects"], SEED, changed, exchange(400, {}))
    assert {v.clause for v in verdicts} == {"types.rejects", "atomic.rejected"}
    assert all(v.outcome == "fail" for v in verdicts)
    assert all(
        v.outcome == "pass"
        for v in expect_unchanged([], SEED, copy.deepcopy(SEED), exchange(400, {}))
    )
    assert expect_unchanged([], SEED, changed, exchange(200, {})) == []


PROBE = {"createdDateTime": "2001-02-03T04:05:06Z", "id": "graphcontract-probe-1"}


@pytest.mark.parametrize(
    ("status", "stored", "policy", "ok"),
    [
        (200, SEED, "either", True),
        (400, SEED, "either", True),
        (200, {**SEED, "createdDateTime": "2001-02-03T04:05:06Z"}, "either", False),
        (200, {**SEED, "createdDateTime": "2026-01-01T00:00:00Z"}, "either", False),
        (204, SEED, "either", False),
        (409, SEED, "either", False),
        (200, SEED, "reject", False),
        (400, SEED, "ignore", False),
    ],
    ids=[
        "ignored",
        "refused",
        "applied",
        "changed-to-another-value",
        "204",
        "409",
        "policy-reject",
        "policy-ignore",
    ],
)
def test_read_only_not_applied(status, stored, policy, ok):
    verdicts = read_only_not_applied(
        CONTRACT, PROBE, SEED, exchange(status, stored), stored, policy=policy
    )
    assert verdicts
    assert all(v.outcome == "pass" for v in verdicts) is ok


def test_last_modified_in_a_body_may_move_on_but_not_to_the_sent_value():
    sent = {"lastModifiedDateTime": "2001-02-03T04:05:06Z"}
    moved_on = {**SEED, "lastModifiedDateTime": "2026-11-22T10:00:00Z"}
    (verdict,) = read_only_not_applied(CONTRACT, sent, SEED, exchange(200, moved_on), moved_on)
    assert verdict.outcome == "pass"
    adopted = {**SEED, **sent}
    (verdict,) = read_only_not_applied(CONTRACT, sent, SEED, exchange(200, adopted), adopted)
    assert verdict.outcome == "fail"
    assert "was applied" in verdict.title


@pytest.mark.parametrize("name", ["lastModifiedDateTime", "lastModifiedBy"])
def test_dropped_last_modified_fails_server_managed(name):
    body = apply(SEED, SENT)
    body[name] = None
    assert "server-managed.recalculated" in judge(SENT, body)
    del body[name]
    assert "server-managed.recalculated" in judge(SENT, body)


@pytest.mark.parametrize(
    ("digits", "ok"),
    [(7, False), (6, False), (3, True), (0, True)],
    ids=["ticks-kept", "microseconds-kept", "milliseconds-store", "seconds-store"],
)
def test_a_change_that_keeps_a_fine_grained_last_modified_stamp_fails(digits, ok):
    """A recent stamp left as it was passes the skew allowance; a stamp to the microsecond
    or finer cannot be shared by two writes a round trip apart, a coarser one can."""
    recent = datetime.now(UTC) - timedelta(seconds=2)
    recent = recent.replace(microsecond=recent.microsecond // 10 * 10 + 7)  # shows its last digit
    fraction = f"{recent.microsecond:06d}0"[:digits]
    before = f"{recent:%Y-%m-%dT%H:%M:%S}" + (f".{fraction}" if digits else "") + "Z"
    state = {**SEED, "lastModifiedDateTime": before}
    body = apply(state, SENT)
    body["lastModifiedDateTime"] = before
    failed = judge(SENT, body, before=state)
    assert ("server-managed.recalculated" not in failed) is ok


def _recent_stamp(unit: str) -> str:
    """A stamp of a store keeping ``unit``, from the last two minutes, that shows its unit
    (non-zero seconds for a store keeping seconds, non-zero minutes for one keeping minutes)."""
    t = datetime.now(UTC) - timedelta(seconds=2)
    if unit == "minutes":
        t = t.replace(second=0) - timedelta(minutes=1 if t.minute == 0 else 0)
        return f"{t:%Y-%m-%dT%H:%M:%S}Z"
    t -= timedelta(seconds=1 if t.second == 0 else 0)
    return f"{t:%Y-%m-%dT%H:%M:%S}" + (".5000000Z" if unit == "tenths" else "Z")


@pytest.mark.parametrize(
    ("unit", "age_s", "ok"),
    [
        ("seconds", 0.8, True),
        ("seconds", 2.0, False),
        ("tenths", 0.7, False),
        ("minutes", 30.0, True),
        ("minutes", 61.0, False),
        ("seconds", None, True),
    ],
    ids=["seconds-store-same-second", "seconds-store-frozen", "tenths-frozen",
         "minutes-store-same-minute", "minutes-store-frozen", "stamp-never-seen"],
)  # fmt: skip
def test_a_change_keeps_a_coarse_stamp_only_while_it_is_younger_than_its_unit(unit, age_s, ok):
    """A store keeping seconds (or minutes) may answer two writes with one stamp, but not
    when the stamp was already there longer than a second (a minute) before this write: a
    stamp frozen a few minutes ago passes the skew allowance, not this."""
    state = {**SEED, "lastModifiedDateTime": _recent_stamp(unit)}
    body = {**apply(state, SENT), "lastModifiedDateTime": state["lastModifiedDateTime"]}
    failed = judge(SENT, body, before=state, stamp_age=age_s)
    assert ("server-managed.recalculated" not in failed) is ok


def test_last_modified_by_another_identity_is_a_recalculation():
    body = apply(SEED, SENT)
    body["lastModifiedBy"] = {"user": {"id": "someone-else", "displayName": "Service"}}
    assert judge(SENT, body) == {}


@pytest.mark.parametrize(
    ("ahead", "ok"),
    [(timedelta(minutes=4), True), (timedelta(hours=3), False)],
    ids=["inside-the-skew", "local-time-written-as-utc"],
)
def test_last_modified_in_the_future_fails_server_managed(ahead, ok):
    body = apply(SEED, SENT)
    body["lastModifiedDateTime"] = (datetime.now(UTC) + ahead).isoformat()
    assert ("server-managed.recalculated" not in judge(SENT, body)) is ok


@pytest.mark.parametrize(
    ("status", "answer", "read_back", "ok"),
    [
        (200, {"allowedAudiences": "family"}, "family", True),
        (200, {"allowedAudiences": "Family"}, "Family", False),
        (204, b"", None, False),
        (202, {"allowedAudiences": "family"}, "family", False),
    ],
    ids=["200-echoed", "200-other-case", "204-no-body", "202"],
)
def test_a_documented_member_is_accepted_with_200_and_echoed(status, answer, read_back, ok):
    ex = exchange(status, answer)
    verdict = enum_accepted(
        "enum.allowedAudiences.accepts", "allowedAudiences", "family", ex, read_back, "family"
    )
    assert verdict is not None
    assert (verdict.outcome == "pass") is ok


@pytest.mark.parametrize(
    ("extra", "also_wrong", "fails", "observed"),
    [
        ("fail", False, True, []),
        ("observe", False, False, ["body.displayName", "body.detail.badge"]),
        ("observe", True, True, ["body.displayName", "body.detail.badge"]),
    ],
    ids=["fail-by-default", "observe", "observe-but-a-wrong-type-still-fails"],
)
def test_undeclared_response_properties_follow_the_response_extra_policy(
    extra, also_wrong, fails, observed
):
    body = apply(SEED, SENT)
    body["displayName"] = "newer than the metadata"
    body["detail"]["badge"] = 7
    if also_wrong:
        body["isCurrent"] = "yes"
    u = Update(CONTRACT, SENT, SEED, exchange(200, body), body, body, SEED["id"], datetime.now(UTC))
    verdicts = response_shape(u, extra=extra)
    assert any(v.outcome == "fail" for v in verdicts) is fails
    titles = sorted(v.title for v in verdicts if v.outcome == "observed")
    assert titles == sorted(f"undeclared property in a 200 answer: {w}" for w in observed)


def test_unknown_property_is_observed_unless_pinned():
    body = {"isCurrentX": True}
    observed = unknown_property(body, "isCurrentX", SEED, exchange(200, SEED), SEED)
    assert [v.outcome for v in observed] == ["observed"]
    pinned = unknown_property(body, "isCurrentX", SEED, exchange(200, SEED), SEED, policy="reject")
    assert [v.outcome for v in pinned] == ["fail"]


OTHER = CONTRACT.seed["positions"][1]
US = {"user": {"id": "graphcontract-run"}}
SOMEONE = {"user": {"id": "someone-else"}}


@pytest.mark.parametrize(
    ("after", "live", "outcome"),
    [
        ({**OTHER, "@odata.etag": "W/2"}, True, "pass"),
        ({**OTHER, "isCurrent": True, "lastModifiedBy": US}, True, "fail"),
        ({**OTHER, "isCurrent": True, "lastModifiedBy": SOMEONE}, False, "fail"),
        ({**OTHER, "isCurrent": True, "lastModifiedBy": SOMEONE}, True, "observed"),
        (None, False, "fail"),
    ],
    ids=[
        "annotations-only",
        "changed-by-the-run",
        "changed-on-loopback",
        "changed-by-someone-else-on-a-live-target",
        "gone",
    ],
)
def test_isolation_judges_the_other_positions(after, live, outcome):
    later = {} if after is None else {OTHER["id"]: after}
    verdicts = isolation({OTHER["id"]: OTHER}, later, own=US, live=live)
    assert [v.outcome for v in verdicts] == [outcome]


@pytest.mark.parametrize(
    ("by", "live", "outcome"),
    [
        (US, False, "fail"),
        (US, True, "fail"),
        (SOMEONE, True, "observed"),
        (SOMEONE, False, "fail"),
    ],
    ids=[
        "on-loopback",
        "by-the-run-on-a-live-target",
        "by-someone-else-live",
        "by-anyone-loopback",
    ],
)
def test_isolation_judges_positions_that_appeared(by, live, outcome):
    """A refused PATCH to an unknown id may not leave a new position behind (under a key of
    the server's, so the probed id reads 404)."""
    ghost = {**OTHER, "id": "ghost-position", "lastModifiedBy": by}
    after = {OTHER["id"]: OTHER, ghost["id"]: ghost}
    verdicts = isolation({OTHER["id"]: OTHER}, after, own=US, live=live)
    assert [v.outcome for v in verdicts] == [outcome]
    assert "appeared" in verdicts[0].title
