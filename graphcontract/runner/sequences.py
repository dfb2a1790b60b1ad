"""Scenarios of several writes in a row, each judged on the state the ones before it left: a
write after a filling write, a PATCH right after another with no GET between, a partial value
over a null, the same PATCH twice. (Writes sent at the same moment: ``runner.concurrent``.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from graphcontract.oracles.compare import differences, exactly_equal, leaves, same
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.scenarios import body_at, judge_accepted_update, value_at
from graphcontract.runner.session import Example, Step
from graphcontract.types import JSON, JSONObject


def _after_writes(
    ex: Example,
    firsts: Sequence[JSONObject],
    body: JSONObject,
    *,
    what: str,
    read_between: bool = True,
    first_is_open: bool = False,
    states: list[JSON] | None = None,
) -> tuple[Step, JSONObject] | None:
    """PATCH each of ``firsts``, read, PATCH ``body``: the last judged as an update of the
    state the others left, with that state; a refused earlier PATCH is judged as what it was
    (with ``first_is_open``, a gray-zone body the service may refuse: nothing more to judge).
    Without ``read_between`` no GET comes between the last two PATCHes, and the state the
    others left is the last one's 200 answer (the position after that update). ``states``
    receives the position read after each of ``firsts`` but the last."""
    target = ex.target
    holder: dict[str, JSON] = {}

    def all_of_them() -> Any:
        for index, first_body in enumerate(firsts):
            first = target.patch(first_body)
            if first.status != 200:
                holder["refused"] = first_body
                return first
            if states is not None and index < len(firsts) - 1:
                states.append(target.state_after(first).json_object())
        holder["first"] = (target.state_after(first) if read_between else first).json_object()
        return target.patch(body)

    step = ex.step(all_of_them)
    first = holder.get("first")
    if "first" not in holder:
        refused = holder.get("refused")
        if first_is_open:
            return None
        judge_accepted_update(
            ex,
            step,
            refused if isinstance(refused, dict) else {},
            status_clause="paths.me",
            what=f"valid body before {what}",
        )
        return None
    if not isinstance(first, dict):
        ex.add(
            Verdict.failed(
                "persisted",
                "no position read back after an accepted PATCH",
                sent=firsts[-1],
                expected="the position as a JSON object",
                got=first,
                exchange=step.exchange,
            )
        )
        return None
    second = dataclasses.replace(step, before=first)
    judge_accepted_update(ex, second, body, status_clause="paths.me", what=what)
    return second, first


def check_after_write(ex: Example, filled: JSONObject, body: JSONObject, *, what: str) -> None:
    """Write ``filled``, then ``body``: judged as an update of the filled state. A null
    cannot hide behind a value that was already null; a body restating filled values changes
    nothing, so any property it omits must keep its value (nothing to recalculate from)."""
    _after_writes(ex, [filled], body, what=what)


def check_after_open_form(
    ex: Example, open_form: JSONObject, body: JSONObject, *, what: str
) -> None:
    """Write a gray-zone body (a flags combination), then ``body`` leaving that property out:
    when the service accepted the first, the second is judged as an update of the state it
    left. A combination it answered whole must not lose members to the next write (a
    single-valued store behind an answer echoed from the request); a refusal is the gray
    zone's to record (check_gray), nothing to judge here."""
    _after_writes(ex, [open_form], body, what=what, first_is_open=True)


def check_round_trip(
    ex: Example, filled: JSONObject, change: JSONObject, back: JSONObject, *, what: str
) -> None:
    """Write ``filled``, read, ``change`` one value, then write it ``back``: the last write is
    judged as an update, and as every value sent is then what ``filled`` stored, every
    writable property must read as it did after ``filled``. The page lets omitted properties
    "be recalculated based on changes to other property values": a value computed from the
    others comes back with them; one that stays at 0, false or a first member was lost (an
    update DTO behind a dirty check resets what it omits on the change and keeps it reset)."""
    states: list[JSON] = []
    judged = _after_writes(ex, [filled, change], back, what=what, states=states)
    if judged is None or judged[0].after is None or not states or not isinstance(states[0], dict):
        return
    step, before = judged[0], states[0]
    after = judged[0].after
    writable = ex.session.contract.updatable
    lost = differences(
        {k: v for k, v in before.items() if k in writable},
        {k: v for k, v in after.items() if k in writable},
    )
    for clause, paths in (
        ("merge.omitted-preserved", [p for p in lost if p and "." not in p]),
        ("merge.nested", [p for p in lost if "." in p]),
    ):
        if paths:
            ex.add(
                Verdict.failed(
                    clause,
                    f"{what}: {paths[0]} did not come back with the values it would be "
                    "recalculated from" + (f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""),
                    sent=back,
                    expected={paths[0]: value_at(before, tuple(paths[0].split(".")))},
                    got={paths[0]: value_at(after, tuple(paths[0].split(".")))},
                    exchange=step.exchange,
                )
            )


def check_back_to_back(ex: Example, first: JSONObject, body: JSONObject, *, what: str) -> None:
    """PATCH ``first``, then at once ``body``: the second answer must build on the first
    update (an answer merged onto a copy cached at the last read shows the first update's
    properties with their older values), and so must the state read after it."""
    _after_writes(ex, [first], body, what=what, read_between=False)


def check_partial_over_null(
    ex: Example, filled: JSONObject, place: tuple[str, ...], partial: JSONObject, *, what: str
) -> None:
    """Write ``filled``, null at ``place``, then ``partial`` there: judged as an update of the
    nulled state, and no sub-property ``partial`` leaves out may come back with the value the
    null deleted (merge.null-clears)."""
    judged = _after_writes(ex, [filled, body_at(place, None)], partial, what=what)
    if judged is None:
        return
    step, _ = judged
    sent = {path for path, _ in leaves(value_at(partial, place))}
    deleted = [
        (p, v) for p, v in leaves(value_at(filled, place)) if p not in sent and v is not None
    ]
    for state in (step.exchange.json_object(), step.after):
        back = {
            ".".join((*place, *p)): v for p, v in deleted if same(value_at(state, (*place, *p)), v)
        }
        if back:
            ex.add(
                Verdict.failed(
                    "merge.null-clears",
                    f"{what}: values the null deleted came back",
                    sent=partial,
                    expected=dict.fromkeys(back),
                    got=back,
                    exchange=step.exchange,
                )
            )
            return


def check_idempotent(ex: Example, body: JSONObject) -> None:
    """Observe whether the same PATCH twice leaves the same state (but lastModified*); the
    second PATCH is judged as an update of the state the first left (a retried request must
    not, say, append a collection to itself)."""
    judged = _after_writes(ex, [body], body, what="the same valid body a second time")
    if judged is None:
        return
    step, first = judged
    if step.after is None:
        return
    ignore = {"lastModifiedDateTime", "lastModifiedBy"}
    a = {k: v for k, v in first.items() if k not in ignore}
    b = {k: v for k, v in step.after.items() if k not in ignore}
    title = (
        "same state after the second identical PATCH"
        if exactly_equal(a, b)
        else ("state differs after a second identical PATCH")
    )
    ex.add(Verdict.observed("idempotent", title, "", step.exchange))
