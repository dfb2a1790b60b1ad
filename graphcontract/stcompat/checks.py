"""graphcontract's oracles as Schemathesis checks, and the clause each check's failures count under.

``graph_omitted_fields_preserved`` (merge.omitted-preserved) and ``graph_atomic_rejection``
(atomic.rejected) are registered with ``@schemathesis.check``, so they run on every
Schemathesis-generated case the harness sends (and under ``st run`` they pass silently:
without the state around the request there is nothing to judge). A check has no access to the
position before the request, so the scenario puts the Step (GET before, send, GET after) in a
context variable while the checks run; the verdicts the checks reach are kept there too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import schemathesis
import schemathesis.checks

from graphcontract.contract import Contract
from graphcontract.oracles.exchange_rules import ENVELOPE, NO_5XX
from graphcontract.oracles.rejection import expect_unchanged
from graphcontract.oracles.update import Update, omitted_preserved, recalculated
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.session import Step
from graphcontract.stcompat.classify import Classification

SHAPE = "response.shape"
RESPONSE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
"""Built-in checks that judge any answer on its own."""
POSITIVE_CHECK = "positive_data_acceptance"
NEGATIVE_CHECK = "negative_data_rejection"
EXPECTED = {
    "not_a_server_error": "a 2xx or 4xx answer",
    "status_code_conformance": "a status contracts/openapi.yaml documents for the operation",
    "content_type_conformance": "a documented Content-Type (application/json)",
    "response_schema_conformance": "a body valid under the documented response schema",
    POSITIVE_CHECK: "200 for a valid partial body",
    NEGATIVE_CHECK: "400 for a body the contract says must be refused",
    "graph_omitted_fields_preserved": "top-level properties not sent keep their values",
    "graph_atomic_rejection": "a refused request changes nothing",
}


@dataclass
class CaseState:
    """What the custom checks need to know about the request being judged."""

    contract: Contract
    step: Step
    classification: Classification
    position_id: str
    verdicts: list[Verdict] = field(default_factory=list)


_STATE: ContextVar[CaseState | None] = ContextVar("graphcontract_case_state", default=None)


@contextmanager
def judging(state: CaseState) -> Iterator[CaseState]:
    token = _STATE.set(state)
    try:
        yield state
    finally:
        _STATE.reset(token)


def _conclude(state: CaseState, check: str, verdicts: list[Verdict]) -> None:
    # The oracle's headline stays in the contract's words; the check is named on a detail line.
    found = f"check: Schemathesis {check}"
    verdicts = [
        dataclasses.replace(v, message=f"{v.message}\n{found}" if v.message else found)
        if v.title
        else v
        for v in verdicts
    ]
    state.verdicts.extend(verdicts)
    failed = [v for v in verdicts if v.outcome == "fail"]
    if failed:
        raise AssertionError("\n\n".join(v.describe() for v in failed))


@schemathesis.check
def graph_omitted_fields_preserved(ctx: Any, response: Any, case: Any) -> bool | None:
    """merge.omitted-preserved: after a 2xx, top-level properties a client may write that the
    body did not send keep their values; merge.recalculated records the others that changed
    (graphcontract.oracles.update.omitted_preserved and recalculated)."""
    state = _STATE.get()
    if state is None or not 200 <= response.status_code < 300:
        return None
    sent = state.classification.sent_object
    step = state.step
    answer = step.exchange.json_object()
    if sent is None or answer is None:
        return None
    update = Update(
        state.contract,
        sent,
        step.before,
        step.exchange,
        answer,
        step.after,
        state.position_id,
        step.started_at,
    )
    _conclude(
        state, "graph_omitted_fields_preserved", [omitted_preserved(update), recalculated(update)]
    )
    return None


@schemathesis.check
def graph_atomic_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """atomic.rejected: after a 4xx the position is exactly as before
    (graphcontract.oracles.rejection.expect_unchanged)."""
    state = _STATE.get()
    if state is None or not 400 <= response.status_code < 500 or state.step.after is None:
        return None
    step = state.step
    verdicts = expect_unchanged([], step.before, step.after, step.exchange)
    _conclude(state, "graph_atomic_rejection", verdicts)
    return None


CUSTOM_CHECKS = (graph_omitted_fields_preserved, graph_atomic_rejection)


def builtin(name: str) -> Any:
    """A built-in Schemathesis check function by name (the public ``schemathesis.checks``)."""
    return getattr(schemathesis.checks, name)


def run_check(case: Any, response: Any, check: Any) -> list[Any]:
    """The failures one check finds (``Case.validate_response`` with just that check)."""
    try:
        case.validate_response(response, checks=[check])
    except BaseExceptionGroup as group:
        return list(group.exceptions)
    except AssertionError as exc:
        return [exc]
    return []


def clauses_for(
    check: str, status: int, classification: Classification | None, acceptance: tuple[str, ...]
) -> tuple[str, ...]:
    """The clauses a finding of ``check`` on an answer with ``status`` belongs to
    (``acceptance``: the clauses a refusal of a valid body breaks)."""
    if check == "not_a_server_error":
        return (NO_5XX,)
    if check in ("content_type_conformance", "response_schema_conformance"):
        return (SHAPE,) if 200 <= status < 300 else (ENVELOPE,)
    if check == "status_code_conformance" and status >= 500:
        return (NO_5XX,)
    if check == POSITIVE_CHECK:
        return acceptance
    if classification is None:  # a read: its status belongs to the answer's shape
        return (SHAPE,)
    if check == NEGATIVE_CHECK or classification.kind == "reject":
        return classification.reject_clauses
    return acceptance if classification.kind == "accept" else ()
