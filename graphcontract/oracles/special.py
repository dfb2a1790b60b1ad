"""Oracles for read-only properties in a body, undeclared properties, enum acceptance and
the gray zones the documentation leaves open (observations unless a policy pins them)."""

from __future__ import annotations

from graphcontract.client import Exchange
from graphcontract.contract import Contract
from graphcontract.oracles.compare import differences, exactly_equal, get, same, unchanged
from graphcontract.oracles.rejection import expect_unchanged
from graphcontract.oracles.update import UNCHANGED_BY_WRITES
from graphcontract.oracles.verdict import Verdict, show
from graphcontract.types import JSON, JSONObject, strings_in

READ_ONLY = "read-only.not-applied"
UNKNOWN = "properties.unknown"


def read_only_not_applied(
    contract: Contract,
    sent: JSONObject,
    before: JSONObject,
    exchange: Exchange,
    after: JSONObject | None,
    *,
    policy: str = "either",
) -> list[Verdict]:
    """200 with the read-only values not applied (id and created* unchanged, lastModified*
    not the sent values), or 400 with nothing changed."""
    status = exchange.status
    if status >= 500:
        return []
    accepted, refused = status == 200, status == 400
    allowed = {"either": accepted or refused, "ignore": accepted, "reject": refused}[policy]
    if not allowed:
        expected = {
            "either": "200 or 400",
            "ignore": "200 (policy ignore)",
            "reject": "400 (policy reject)",
        }[policy]
        return [
            Verdict.failed(
                READ_ONLY,
                f"read-only properties answered {status}",
                sent=sent,
                expected=expected,
                got=status,
                exchange=exchange,
            )
        ]
    if refused:
        return expect_unchanged([READ_ONLY], before, after, exchange)
    answer = exchange.json_object()
    sources: list[tuple[str, JSONObject]] = [("GET after", after)] if after is not None else []
    if answer is not None:
        sources.insert(0, ("answer body", answer))
    for source, observed in sources:
        for name in contract.read_only:
            if name not in sent:
                continue
            value, kept = get(observed, name), get(before, name)
            if name in UNCHANGED_BY_WRITES and not same(value, kept, name):
                problem = "applied" if same(value, sent[name], name) else "changed"
            elif name not in UNCHANGED_BY_WRITES and not same(sent[name], kept, name):
                problem = ""
                if same(value, sent[name], name):
                    problem = "applied"
                elif _carries_sent_text(value, sent[name], kept):
                    problem = "merged into the stored value"
            else:
                problem = ""  # a value equal to the current one proves nothing
            if problem:
                return [
                    Verdict.failed(
                        READ_ONLY,
                        f"{name} from the body was {problem} ({source})",
                        sent={name: sent[name]},
                        expected=f"{name} kept by the server ({show(kept, 80)})",
                        got={name: value},
                        exchange=exchange,
                    )
                ]
    return [Verdict.passed(READ_ONLY, exchange)]


def _carries_sent_text(value: JSON, sent: JSON, kept: JSON) -> bool:
    """Whether a string the body sent shows up in the stored value (and was not there
    before): part of a read-only complex value taken from the body."""
    before = set(strings_in(kept))
    return bool((set(strings_in(sent)) - before) & set(strings_in(value)))


def unknown_property(
    sent: JSONObject,
    description: str,
    before: JSONObject,
    exchange: Exchange,
    after: JSONObject | None,
    *,
    policy: str = "observe",
) -> list[Verdict]:
    """Undeclared property: recorded; with a pinned policy, judged (reject → 400, ignore → 200)."""
    status = exchange.status
    if status >= 500:
        return []
    outcome = (
        "refused" if 400 <= status < 500 else "accepted" if status == 200 else f"answered {status}"
    )
    verdicts: list[Verdict] = []
    if 400 <= status < 500:
        verdicts += list(expect_unchanged([], before, after, exchange))
    if policy == "observe":
        verdicts.append(
            Verdict.observed(
                UNKNOWN, f"undeclared property {outcome} ({status})", description, exchange
            )
        )
        return verdicts
    expected = 400 if policy == "reject" else 200
    if status == expected:
        verdicts.append(Verdict.passed(UNKNOWN, exchange))
    else:
        verdicts.append(
            Verdict.failed(
                UNKNOWN,
                f"undeclared property {outcome}, policy {policy}",
                sent=sent,
                expected=expected,
                got=status,
                exchange=exchange,
            )
        )
    return verdicts


def enum_accepted(
    clause: str, path: str, member: str, exchange: Exchange, read_back: JSON, after_value: JSON
) -> Verdict | None:
    """A documented member is accepted with 200 and reads back as the same value (in any
    form of it an answer may take: ``"family"`` or ``"1"``)."""
    if exchange.status >= 500:
        return None
    has_body = exchange.json_object() is not None
    accepted = exchange.status == 200
    # Read back from the answer; by GET only when the answer has no body (persistence itself
    # is the persisted clause's to judge).
    key = path.rsplit(".", 1)[-1]
    if accepted and exactly_equal(read_back if has_body else after_value, member, key):
        return Verdict.passed(clause, exchange)
    got = f"{exchange.status}, read back {show(read_back)}, GET {show(after_value)}"
    return Verdict.failed(
        clause,
        f"documented member {member!r} of {path} not accepted as sent",
        sent={path: member},
        expected=f"200 and {path} == {member!r}",
        got=got,
        exchange=exchange,
    )


def gray_observation(
    clause: str, description: str, exchange: Exchange, stored: JSON, sent_value: JSON
) -> Verdict:
    """What the target did with a gray-zone value: accepted (stored as …) or refused."""
    status = exchange.status
    if status == 200:
        how = (
            "accepted, stored as sent"
            if exactly_equal(stored, sent_value)
            else (f"accepted, stored as {show(stored, 80)}")
        )
    elif 400 <= status < 500:
        how = f"refused with {status}"
    else:
        how = f"answered {status}"
    return Verdict.observed(clause, f"{description}: {how}", "", exchange)


ISOLATION = "target.isolation"


def isolation(
    before: dict[str, JSONObject],
    after: dict[str, JSONObject],
    *,
    own: JSON,
    live: bool,
    exchange: Exchange | None = None,
) -> list[Verdict]:
    """The other positions are as they were (annotations aside), and none appeared (a
    refused PATCH to an unknown id may not leave one behind under a key of the server's). On
    a live target a change made by another identity than the run's own (``own``: the
    lastModifiedBy the run's writes left) is someone else's work: recorded, not failed."""
    verdicts: list[Verdict] = []
    for position_id, appeared in after.items():
        if position_id in before:
            continue
        title = f"position {position_id} appeared during the run, although no request created one"
        by = get(appeared, "lastModifiedBy")
        if live and not same(by, own):
            verdicts.append(Verdict.observed(ISOLATION, f"{title} (by {show(by, 80)})", "new"))
            continue
        verdicts.append(
            Verdict.failed(
                ISOLATION,
                title,
                sent="PATCH requests naming only the configured position (or unknown ids)",
                expected="the same positions as at the start",
                got={position_id: show(appeared, 200)},
                exchange=exchange,
            )
        )
    for position_id, old in before.items():
        new = after.get(position_id)
        if new is not None and unchanged(old, new):
            continue
        what = "disappeared" if new is None else "changed"
        title = f"position {position_id} {what} during the run, although no request named it"
        changes = "gone" if new is None else ", ".join(differences(old, new)[:5]) or "annotations"
        by = get(new, "lastModifiedBy")
        if live and new is not None and not same(by, own):
            verdicts.append(Verdict.observed(ISOLATION, f"{title} (by {show(by, 80)})", changes))
            continue
        verdicts.append(
            Verdict.failed(
                ISOLATION,
                title,
                sent="PATCH requests naming only the configured position",
                expected={position_id: "unchanged"},
                got={position_id: changes},
                exchange=exchange,
            )
        )
    return verdicts or [Verdict.passed(ISOLATION, exchange)]
