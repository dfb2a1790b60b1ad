"""Oracles for an accepted update (200): shape, id, echo, merge rules, server-managed values,
persistence, and the null-vs-empty collection and recalculation observations.

Each function judges one clause from (contract, what was sent, the state before, the 200
body, the state after) and returns verdicts; none of them sends requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from graphcontract.client import Exchange
from graphcontract.contract import Contract, PropertySpec, StructuredType
from graphcontract.oracles.compare import (
    at,
    canon,
    differences,
    exactly_equal,
    get,
    leaves,
    parse_datetime,
    same,
    stamp_grain_s,
)
from graphcontract.oracles.exchange_rules import is_json_media_type
from graphcontract.oracles.verdict import Verdict, request_body, show
from graphcontract.types import JSON, JSONObject

CLOCK_SKEW = timedelta(minutes=5)
UNCHANGED_BY_WRITES = ("id", "createdDateTime", "createdBy")
"""Read-only properties no update may change (lastModified* are set anew by every write)."""


@dataclass(frozen=True)
class Update:
    """Everything known about one accepted PATCH."""

    contract: Contract
    sent: JSONObject
    before: JSONObject
    exchange: Exchange
    body: JSONObject
    after: JSONObject | None
    position_id: str
    started_at: datetime
    before_stamp_age_s: float | None = None
    """How long before this write the run first saw the lastModifiedDateTime ``before``
    holds (None: not known)."""
    whole_body: JSONObject | None = None
    """The body as sent, when ``sent`` is only the part judged as an update (a body with
    read-only properties): server_managed leaves the read-only values it carried to
    read-only.not-applied."""

    @property
    def shown(self) -> Any:
        """The body as the request carried it, for a message's ``sent:`` (``sent`` is what
        the oracles judge, which may leave out part of it: its read-only properties)."""
        return request_body(self.exchange)


def response_shape(u: Update, *, extra: str = "fail") -> list[Verdict]:
    """The 200 body is a workPosition with a JSON content type. Properties the metadata does
    not declare fail it too, unless ``extra`` is "observe" (then they are recorded)."""
    errors = u.contract.response_errors(u.body, undeclared=extra == "fail")
    ctype = u.exchange.response.header("content-type")
    if not is_json_media_type(ctype):
        errors.insert(0, f"Content-Type {ctype!r} is not application/json")
    verdicts: list[Verdict] = []
    if extra == "observe":
        verdicts += [
            Verdict.observed(
                "response.shape", f"undeclared property in a 200 answer: {message}", "", u.exchange
            )
            for message in u.contract.undeclared_in_response(u.body)
        ]
    if not errors:
        return [*verdicts, Verdict.passed("response.shape", u.exchange)]
    failed = Verdict.failed(
        "response.shape",
        "200 body is not a valid workPosition",
        sent=u.shown,
        expected="a workPosition (contracts/schemas/workPosition.response.json), JSON type",
        got="; ".join(errors[:5]),
        exchange=u.exchange,
    )
    return [*verdicts, failed]


def response_id(u: Update) -> Verdict:
    got = u.body.get("id")
    if got == u.position_id:
        return Verdict.passed("response.id", u.exchange)
    return Verdict.failed(
        "response.id",
        "200 body carries another id",
        sent=u.position_id,
        expected=u.position_id,
        got=got,
        exchange=u.exchange,
    )


@dataclass(frozen=True)
class _Leaf:
    path: str
    spec: PropertySpec
    sent: JSON
    got: JSON


def _walk(
    contract: Contract, spec: StructuredType, sent: JSONObject, got: JSON, prefix: str = ""
) -> Iterator[_Leaf]:
    """Every sent property (depth first) with what the 200 body holds at that place."""
    for name, value in sent.items():
        prop = spec.properties.get(name)
        if prop is None:
            continue
        here = get(got, name)
        path = f"{prefix}{name}"
        yield _Leaf(path, prop, value, here)
        if (
            isinstance(value, dict)
            and not prop.collection
            and contract.is_structured(prop.type_name)
        ):
            yield from _walk(contract, contract.structured(prop.type_name), value, here, path + ".")


def response_echo(u: Update) -> list[Verdict]:
    """Every sent non-null scalar outside collections reads back exactly (an enum value in
    any form naming the same value)."""
    bad = []
    for leaf in _walk(u.contract, u.contract.entity, u.sent, u.body):
        if leaf.spec.collection or leaf.sent is None or isinstance(leaf.sent, dict):
            continue
        if not exactly_equal(leaf.sent, leaf.got, leaf.spec.name):
            bad.append((leaf.path, leaf.sent, leaf.got))
    if not bad:
        return [Verdict.passed("response.echo", u.exchange)]
    path, sent, got = bad[0]
    return [
        Verdict.failed(
            "response.echo",
            f"{path} does not read back as sent"
            + (f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""),
            sent={path: sent},
            expected={path: sent},
            got={path: got},
            exchange=u.exchange,
        )
    ]


@dataclass(frozen=True)
class _Change:
    """A property the body did not send whose value the update changed."""

    path: str
    old: JSON
    new: JSON


def _changed_unsent(u: Update, names: tuple[str, ...]) -> list[_Change]:
    """Which of the top-level ``names`` the body did not send but the answer changed."""
    return [
        _Change(n, get(u.before, n), get(u.body, n))
        for n in names
        if n not in u.sent and not same(get(u.before, n), get(u.body, n), n)
    ]


def _nested_changes(u: Update) -> tuple[bool, list[_Change]]:
    """Inside every sent partial complex value, the sub-properties not sent that changed;
    and whether there was any such sub-property to judge."""
    judged, changes = False, []
    for leaf in _partial_values(u):
        old = _at(u.before, leaf.path)
        for name in u.contract.structured(leaf.spec.type_name).properties:
            if name in leaf.sent:
                continue
            judged = True
            if not same(get(old, name), get(leaf.got, name), name):
                changes.append(_Change(f"{leaf.path}.{name}", get(old, name), get(leaf.got, name)))
    return judged, changes


def _partial_values(u: Update) -> Iterator[_Leaf]:
    for leaf in _walk(u.contract, u.contract.entity, u.sent, u.body):
        partial = isinstance(leaf.sent, dict) and not leaf.spec.collection
        if partial and u.contract.is_structured(leaf.spec.type_name):
            yield leaf


def _changed_something(u: Update) -> bool:
    """Whether a value the body sent differs from the one held before. The page lets omitted
    properties "be recalculated based on changes to other property values": only then."""
    return any(
        not same(at(u.before, path), value, path[-1])
        for path, value in leaves(u.sent)
        if value != {}  # an empty partial value sends nothing
    )


def _lost(change: _Change) -> bool:
    """The value went to null, absent, [] or {}: data lost, never a recalculation."""
    return canon(change.old) not in (None, {}) and canon(change.new) in (None, {})


def _split(u: Update, changes: list[_Change]) -> tuple[list[_Change], list[_Change]]:
    """(failures, recalculations): a change counts as a recalculation when the update changed
    something it sent and the property kept a value; otherwise it broke the merge."""
    if not changes or not _changed_something(u):
        return changes, []
    return [c for c in changes if _lost(c)], [c for c in changes if not _lost(c)]


def _why(u: Update, change: _Change, what: str) -> str:
    if not _changed_something(u):
        return f"{change.path} changed although {what}, and the update changed nothing else"
    return f"{change.path} lost its value although {what}"


def omitted_preserved(u: Update) -> Verdict:
    """Top-level properties a client may write that were not sent keep their values, or are
    recalculated (merge.recalculated) when the update changed something: a change to null,
    absent, [] or {}, or any change by an update that changed nothing, fails."""
    failures, _ = _split(u, _changed_unsent(u, u.contract.updatable))
    if not failures:
        return Verdict.passed("merge.omitted-preserved", u.exchange)
    first = failures[0]
    return Verdict.failed(
        "merge.omitted-preserved",
        _why(u, first, "not sent") + (f" (+{len(failures) - 1} more)" if len(failures) > 1 else ""),
        sent=u.shown,
        expected={first.path: first.old},
        got={first.path: first.new},
        exchange=u.exchange,
    )


def recalculated(u: Update) -> Verdict:
    """Properties not sent that changed without breaking a merge rule: those a client cannot
    write (not in the request-body table, not server-managed), and the writable ones and
    sub-properties an update that changed something gave another value. Recorded, since
    the page allows recalculation without naming what."""
    changed = _changed_unsent(u, u.contract.undocumented)
    changed += _split(u, _changed_unsent(u, u.contract.updatable))[1]
    changed += _split(u, _nested_changes(u)[1])[1]
    if not changed:
        return Verdict.passed("merge.recalculated", u.exchange)
    return Verdict.observed(
        "merge.recalculated",
        f"{', '.join(c.path for c in changed)} recalculated on an update that did not send "
        f"{'it' if len(changed) == 1 else 'them'}",
        "; ".join(f"{c.path}: {show(c.old, 60)} -> {show(c.new, 60)}" for c in changed),
        exchange=u.exchange,
    )


def nested_merge(u: Update, *, policy: str = "merge") -> Verdict | None:
    """Inside a sent partial complex value, sub-properties not sent keep their values, or are
    recalculated as for merge.omitted-preserved (policy "replace": they become null). None
    when no partial complex value was sent."""
    if policy == "replace":
        return _nested_replaced(u)
    judged, changes = _nested_changes(u)
    failures, _ = _split(u, changes)
    if failures:
        first = failures[0]
        return Verdict.failed(
            "merge.nested",
            _why(u, first, "only other sub-properties were sent"),
            sent=u.shown,
            expected={first.path: first.old},
            got={first.path: first.new},
            exchange=u.exchange,
        )
    return Verdict.passed("merge.nested", u.exchange) if judged else None


def _nested_replaced(u: Update) -> Verdict | None:
    judged = False
    for leaf in _partial_values(u):
        for name in u.contract.structured(leaf.spec.type_name).properties:
            if name in leaf.sent:
                continue
            judged = True
            got = get(leaf.got, name)
            if got is not None:
                return Verdict.failed(
                    "merge.nested",
                    f"{leaf.path}.{name} kept although policy is replace",
                    sent={leaf.path: leaf.sent},
                    expected={f"{leaf.path}.{name}": None},
                    got={f"{leaf.path}.{name}": got},
                    exchange=u.exchange,
                )
    return Verdict.passed("merge.nested", u.exchange) if judged else None


def _at(state: JSON, dotted: str) -> JSON:
    value = state
    for part in dotted.split("."):
        value = get(value, part)
    return value


def collections_replace(u: Update) -> list[Verdict]:
    """A sent collection reads back exactly as sent; [] read back as null is an observation."""
    verdicts: list[Verdict] = []
    for leaf in _walk(u.contract, u.contract.entity, u.sent, u.body):
        if not leaf.spec.collection or not isinstance(leaf.sent, list):
            continue
        if leaf.sent == [] and leaf.got is None:
            verdicts.append(
                Verdict.observed(
                    "collections.null-vs-empty",
                    f"{leaf.path}: [] sent, null read back",
                    exchange=u.exchange,
                )
            )
        elif leaf.sent == []:
            verdicts.append(
                Verdict.observed(
                    "collections.null-vs-empty",
                    f"{leaf.path}: [] sent, {show(leaf.got, 40)} read back",
                    exchange=u.exchange,
                )
            )
        if same(leaf.sent, leaf.got) and _items_exact(leaf.sent, leaf.got):
            verdicts.append(Verdict.passed("merge.collections-replace", u.exchange))
        else:
            verdicts.append(
                Verdict.failed(
                    "merge.collections-replace",
                    f"{leaf.path} does not read back as the sent collection",
                    sent={leaf.path: leaf.sent},
                    expected={leaf.path: leaf.sent},
                    got={leaf.path: leaf.got},
                    exchange=u.exchange,
                )
            )
    return verdicts


def _items_exact(sent: list[Any], got: JSON) -> bool:
    """Scalars inside the collection are byte-exact (canon already checked structure)."""
    if not isinstance(got, list):
        return not sent
    return all(
        exactly_equal(s, g) if not isinstance(s, dict) else True
        for s, g in zip(sent, got, strict=False)
    )


def null_clears(u: Update) -> Verdict | None:
    """null sent for a nullable property reads back as null (absent counts as null)."""
    judged = False
    for leaf in _walk(u.contract, u.contract.entity, u.sent, u.body):
        if leaf.sent is not None or leaf.spec.collection:
            continue
        judged = True
        if leaf.got is not None:
            return Verdict.failed(
                "merge.null-clears",
                f"{leaf.path} not cleared by null",
                sent={leaf.path: None},
                expected={leaf.path: None},
                got={leaf.path: leaf.got},
                exchange=u.exchange,
            )
    return Verdict.passed("merge.null-clears", u.exchange) if judged else None


def server_managed(u: Update) -> Verdict | None:
    """createdDateTime, createdBy and id unchanged; lastModifiedBy not lost to null;
    lastModifiedDateTime not earlier than before, not later than now, and when the update
    changed something, not earlier than the request (each with the clock-skew allowance)."""

    def failed(title: str, expected: Any, got: Any) -> Verdict:
        return Verdict.failed(
            "server-managed.recalculated",
            title,
            sent=u.shown,
            expected=expected,
            got=got,
            exchange=u.exchange,
        )

    # A read-only value the body itself carried is read-only.not-applied's to judge: the
    # same write is not failed twice for one cause.
    carried = set(u.whole_body or {}) & set(u.contract.read_only)
    for name in UNCHANGED_BY_WRITES:
        old_value, new_value = get(u.before, name), get(u.body, name)
        if name in carried or name not in u.contract.entity.properties:
            continue
        if not same(old_value, new_value, name):
            return failed(f"{name} changed by an update", {name: old_value}, {name: new_value})
    old_by = get(u.before, "lastModifiedBy")
    if old_by is not None and get(u.body, "lastModifiedBy") is None:
        # Recalculated, never lost: the writer of an update is known.
        return failed("lastModifiedBy dropped by an update", {"lastModifiedBy": old_by}, None)
    old = parse_datetime(get(u.before, "lastModifiedDateTime"))
    new = parse_datetime(get(u.body, "lastModifiedDateTime"))
    if new is None and old is not None and get(u.body, "lastModifiedDateTime") is None:
        return failed("lastModifiedDateTime dropped by an update", f">= {old.isoformat()}", None)
    if new is None:
        return None  # not a date-time: response.shape's to judge
    stamp_sent = get(u.shown, "lastModifiedDateTime")
    if "lastModifiedDateTime" in carried and same(
        get(u.body, "lastModifiedDateTime"), stamp_sent, "lastModifiedDateTime"
    ):
        return None  # the value the body sent, applied: read-only.not-applied fails it
    latest = datetime.now(UTC) + CLOCK_SKEW
    # A stamp already in the future before this write (one an earlier body's read-only probe
    # put there, read-only.not-applied's failure) bounds nothing and is not this write's
    # fault: whether the write moved it is what is judged.
    held = old is not None and old > latest
    if old is not None and new < old and not held:
        return failed(
            "lastModifiedDateTime went backwards", f">= {old.isoformat()}", new.isoformat()
        )
    if new > latest and not (held and new == old):
        return failed(
            "lastModifiedDateTime is in the future",
            f"<= {latest.isoformat()} (now, 5 min skew allowed)",
            new.isoformat(),
        )
    writable = set(u.contract.updatable)
    changed = any(p.split(".")[0] in writable for p in differences(u.before, u.body))
    if changed and new < u.started_at - CLOCK_SKEW:
        return failed(
            "lastModifiedDateTime not updated by a change",
            f">= {u.started_at.isoformat()} (request time, 5 min skew allowed)",
            new.isoformat(),
        )
    stamp, age = get(u.before, "lastModifiedDateTime"), u.before_stamp_age_s
    grain = stamp_grain_s(stamp) or 60.0
    if changed and new == old and (grain <= 1e-6 or (age is not None and age > grain + 0.5)):
        # Two writes further apart than the stamps' unit never share one: stamps to the
        # microsecond at once, coarser ones once the stamp is older than its unit (the
        # skew allowance above hides a stamp frozen a few minutes ago).
        seen = f", first seen {age:.1f} s before this write" if age is not None else ""
        return failed(
            "lastModifiedDateTime not updated by a change",
            f"later than {stamp} (the value before the write{seen})",
            get(u.body, "lastModifiedDateTime"),
        )
    return Verdict.passed("server-managed.recalculated", u.exchange)


def persisted(u: Update) -> Verdict | None:
    if u.after is None:
        return None
    if canon(u.after) == canon(u.body):
        return Verdict.passed("persisted", u.exchange)
    diff = differences(u.body, u.after)
    return Verdict.failed(
        "persisted",
        "GET after the PATCH differs from the PATCH answer",
        sent=u.shown,
        expected={p: _at(u.body, p) for p in diff[:3]},
        got={p: _at(u.after, p) for p in diff[:3]},
        exchange=u.exchange,
    )


def judge_update(
    u: Update, *, nested_policy: str = "merge", extra_policy: str = "fail"
) -> list[Verdict]:
    """Every success-side oracle for one accepted update."""
    verdicts: list[Verdict] = [*response_shape(u, extra=extra_policy), response_id(u)]
    verdicts += response_echo(u)
    verdicts += [omitted_preserved(u), recalculated(u)]
    verdicts += collections_replace(u)
    for optional in (
        nested_merge(u, policy=nested_policy),
        null_clears(u),
        server_managed(u),
        persisted(u),
    ):
        if optional is not None:
            verdicts.append(optional)
    return verdicts
