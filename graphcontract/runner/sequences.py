"""The same PATCH twice, the second judged on the state the first left (the ``idempotent``
observation; a first PATCH refused is blamed on an enum member refused alone, if one is).
Every other history of writes is the state machine's (``runner.statemachine``): a write
after a filling write, a PATCH right after another with no GET between, a partial value over
a null, a value edited and written back, writes sent at the same moment.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from graphcontract.client import Exchange
from graphcontract.oracles.compare import exactly_equal
from graphcontract.oracles.rejection import expect_status
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.scenarios import body_at, judge_accepted_update, value_at
from graphcontract.runner.session import Example
from graphcontract.types import JSON, JSONObject


def check_idempotent(ex: Example, body: JSONObject) -> None:
    """Observe whether the same PATCH twice leaves the same state (but lastModified*); the
    second PATCH is judged as an update of the state the first left (a retried request must
    not, say, append a collection to itself)."""
    target = ex.target
    holder: dict[str, JSON] = {}

    def both() -> Any:
        first = target.patch(body)
        if first.status != 200:
            return first
        holder["first"] = target.state_after(first).json_object()
        return target.patch(body)

    step = ex.step(both)
    first = holder.get("first")
    what = "the same valid body a second time"
    if "first" not in holder:
        refused = 400 <= step.exchange.status < 500
        cause = refused_alone(ex, body) if refused else None
        if cause is not None:
            ex.add(cause)
            return
        judge_accepted_update(
            ex, step, body, status_clause="paths.me", what=f"valid body before {what}"
        )
        return
    if not isinstance(first, dict):
        ex.add(
            Verdict.failed(
                "persisted",
                "no position read back after an accepted PATCH",
                sent=body,
                expected="the position as a JSON object",
                got=first,
                exchange=step.exchange,
            )
        )
        return
    second = dataclasses.replace(step, before=first)
    judge_accepted_update(ex, second, body, status_clause="paths.me", what=what)
    if second.after is None:
        return
    ignore = {"lastModifiedDateTime", "lastModifiedBy"}
    a = {k: v for k, v in first.items() if k not in ignore}
    b = {k: v for k, v in second.after.items() if k not in ignore}
    title = (
        "same state after the second identical PATCH"
        if exactly_equal(a, b)
        else "state differs after a second identical PATCH"
    )
    ex.add(Verdict.observed("idempotent", title, "", second.exchange))


def refused_alone(ex: Example, body: JSONObject) -> Verdict | None:
    """A valid body refused: the first enum value in it that is refused alone too, as the
    failure of the clause that says its site accepts every member (the first cause, not
    paths.me); None when every one is accepted alone."""
    contract = ex.session.contract
    for site in contract.enum_sites():
        value = None if "[]" in site.path else value_at(body, site.path)
        if value is None:
            continue
        alone = body_at(site.path, value)

        def send(alone: JSONObject = alone) -> Exchange:
            return ex.target.patch(alone)

        probe = ex.step(send)
        if 400 <= probe.exchange.status < 500:
            accepts = site.clause.replace(".rejects", ".accepts")
            clause = accepts if accepts in contract.clauses else site.clause
            what = f"documented member {value!r} of {'.'.join(site.path)} alone"
            return expect_status(clause, probe.exchange, {200}, what=what)
    return None
