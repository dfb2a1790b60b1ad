"""One Schemathesis case as a contract example: classify the body, send it through the Target
inside ``Example.step`` (GET before, PATCH, GET after, restore), then judge the answer with
Schemathesis' checks and graphcontract's own, every finding a Verdict under a clause id.

Which checks run follows the contract, not the generation mode: Schemathesis'
positive_data_acceptance / negative_data_rejection run when its mode agrees with the
classification; otherwise (a schema-valid body the contract refuses, a negative case that is
a gray zone) graphcontract's status oracle decides, and gray zones are only observed.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
from hypothesis import reject
from schemathesis import GenerationMode

from graphcontract.client import Exchange
from graphcontract.contract import Contract
from graphcontract.oracles.rejection import expect_status
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.session import Example
from graphcontract.runner.target import Target
from graphcontract.stcompat.checks import (
    CUSTOM_CHECKS,
    EXPECTED,
    NEGATIVE_CHECK,
    POSITIVE_CHECK,
    RESPONSE_CHECKS,
    SHAPE,
    CaseState,
    builtin,
    clauses_for,
    judging,
    run_check,
)
from graphcontract.stcompat.classify import Classification, classify_body
from graphcontract.stcompat.narrow import refused_clauses
from graphcontract.stcompat.schema import GraphCase, Operation, path_parameter_names
from graphcontract.types import json_text

TITLE = "Schemathesis"
_DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_JSON_VALUES = (dict, list, str, int, float, bool, type(None))


def wire_body(case: GraphCase) -> tuple[bytes, str]:
    """The bytes and Content-Type a case puts on the wire (JSON as the harness writes it)."""
    media_type = case.media_type or "application/json"
    body = case.body
    if isinstance(body, bytes):
        return body, media_type
    if not isinstance(body, _JSON_VALUES):
        return b"", media_type  # no body generated
    try:
        return json_text(body, allow_nan=False).encode("utf-8"), media_type
    except (ValueError, UnicodeEncodeError):
        reject()  # not representable as JSON text (NaN, lone surrogates): not a request


def to_httpx(exchange: Exchange) -> httpx.Response:
    """The recorded (redacted) exchange as an httpx.Response Schemathesis can validate."""
    request = httpx.Request(
        exchange.request.method,
        exchange.request.url,
        headers=list(exchange.request.headers),
        content=exchange.request.body,
    )
    headers = [
        (k, v) for k, v in exchange.response.headers if k.lower() not in _DROPPED_RESPONSE_HEADERS
    ]
    response = httpx.Response(
        exchange.status, headers=headers, content=exchange.response.body, request=request
    )
    response.elapsed = timedelta(seconds=exchange.response.elapsed_s)
    return response


def _refused(status: int) -> bool:
    """A refusal that judges the body (not the token, the position or throttling)."""
    return 400 <= status < 500 and status not in (401, 403, 404, 429)


def throttled(exchange: Exchange) -> bool:
    """A final 429, or 503 with Retry-After: the client's wait budget ran out; not judged."""
    status = exchange.status
    return status == 429 or (status == 503 and exchange.response.header("retry-after") is not None)


def concrete_path(target: Target, template: str, user: str | None) -> str | None:
    """The operation's path for the configured position (None: it needs a user and none is)."""
    if "{user}" in template and not user:
        return None
    return template.replace("{id}", target.position_id).replace("{user}", user or "")


def check_schemathesis_case(ex: Example, case: GraphCase, *, user: str | None = None) -> None:
    """Send one generated PATCH case (via /users/{user}/… when ``user`` is given) and judge it."""
    target = ex.target
    contract = ex.session.contract
    raw, media_type = wire_body(case)
    classification = classify_body(contract, raw, media_type)
    path = target.path(user=user)
    _pin(case, case.operation, target, user)
    step = ex.step(lambda: target.patch(content=raw, content_type=media_type, path=path))
    exchange = step.exchange
    if throttled(exchange):
        return
    mode = case.meta.generation.mode if case.meta is not None else None
    acceptance: tuple[str, ...] = ("paths.users" if user else "paths.me",)
    sent = classification.sent_object
    if classification.kind == "accept" and sent is not None and _refused(exchange.status):
        acceptance = refused_clauses(ex, sent, path=path, acceptance=acceptance[0])
    checks = list(RESPONSE_CHECKS)
    if classification.kind == "accept" and mode is GenerationMode.POSITIVE:
        checks.append(POSITIVE_CHECK)
    elif classification.kind == "reject" and mode is GenerationMode.NEGATIVE:
        checks.append(NEGATIVE_CHECK)
    state = CaseState(contract, step, classification, target.position_id)
    response = to_httpx(exchange)
    failed: set[str] = set()
    with judging(state):
        for name in checks:
            clauses = clauses_for(name, exchange.status, classification, acceptance)
            for verdict in _judge(ex, case, response, name, clauses, exchange, classification):
                failed.update([verdict.clause] if verdict.outcome == "fail" else [])
                ex.add(verdict)
        for check in CUSTOM_CHECKS:
            run_check(case, response, check)
    ex.add(state.verdicts)
    ex.add(_expectation(classification, exchange, acceptance, failed, mode))


def check_schemathesis_read(ex: Example, op: Operation, *, user: str | None = None) -> bool:
    """GET one documented read operation for the configured position and judge the answer with
    Schemathesis' response checks; False when the operation needs a user and none is set."""
    path = concrete_path(ex.target, op.path, user)
    if path is None:
        return False
    exchange = ex.target.read(path=path)
    if throttled(exchange):
        return True
    case = op.Case(path_parameters={}, media_type=None)
    _pin(case, op, ex.target, user)
    response = to_httpx(exchange)
    for name in RESPONSE_CHECKS:
        clauses = clauses_for(name, exchange.status, None, ("paths.me",))
        ex.add(_judge(ex, case, response, name, clauses, exchange, None))
    return True


def _pin(case: GraphCase, op: Operation, target: Target, user: str | None) -> None:
    """Real path parameters on the case, so Schemathesis' messages show the real URL."""
    case.path_parameters = {
        name: target.position_id if name == "id" else (user or "")
        for name in path_parameter_names(op)
    }


def _only_undeclared(contract: Contract, exchange: Exchange) -> list[str] | None:
    """The undeclared properties of a position (or of each in a list answer) when they are
    its only schema problems; None otherwise."""
    body = exchange.json_object()
    if body is None:
        return None
    items = body["value"] if isinstance(body.get("value"), list) else [body]
    found: list[str] = []
    for item in items:
        if contract.response_errors(item, undeclared=False):
            return None
        found += contract.undeclared_in_response(item)
    return found or None


def _judge(
    ex: Example,
    case: GraphCase,
    response: httpx.Response,
    name: str,
    clauses: tuple[str, ...],
    exchange: Exchange,
    classification: Classification | None,
) -> list[Verdict]:
    """Schemathesis' check ``name`` on one answer, as verdicts of ``clauses``; under the
    policy response_extra=observe, a 2xx answer whose only schema problem is undeclared
    properties is recorded, not failed."""
    failures = run_check(case, response, builtin(name))
    if not failures:
        return [Verdict.passed(clause, exchange) for clause in clauses]
    if (
        name == "response_schema_conformance"
        and ex.session.policy.get("response_extra", "fail") == "observe"
        and 200 <= exchange.status < 300
        and (undeclared := _only_undeclared(ex.session.contract, exchange)) is not None
    ):
        observed = [
            Verdict.observed(SHAPE, f"undeclared property in a 200 answer: {m}", "", exchange)
            for m in undeclared
        ]
        return [*observed, *(Verdict.passed(clause, exchange) for clause in clauses)]
    failure = failures[0]
    title = str(getattr(failure, "title", "") or type(failure).__name__)
    message = str(getattr(failure, "message", "") or failure).strip()
    sent = exchange.request.body[:400].decode("utf-8", "replace")
    expected = headline = EXPECTED.get(name, name)
    if classification is not None and classification.kind == "reject":
        expected += f" ({classification.describe()})"
    # The headline in the contract's words (what came back, what was expected); the check
    # that found it on a detail line.
    verdicts = [
        Verdict.failed(
            clause,
            f"a generated request answered {exchange.status}; expected {headline}",
            sent=f"{exchange.request.method} {exchange.request.url} {sent}",
            expected=expected,
            got=f"{exchange.status}: " + " | ".join(message.splitlines()[:6]),
            exchange=exchange,
        )
        for clause in clauses
    ]
    found = f"\ncheck: {TITLE} {name} ({title})"
    return [dataclasses.replace(v, message=v.message + found) for v in verdicts]


def _expectation(
    classification: Classification,
    exchange: Exchange,
    acceptance: tuple[str, ...],
    already_failed: set[str],
    mode: GenerationMode | None,
) -> list[Verdict]:
    """graphcontract's own judgement of the status, where Schemathesis' did not fail already;
    a gray zone is recorded as an observation only."""
    how = f"{TITLE} {mode.value if mode else 'explicit'} case"
    if classification.kind == "gray":
        clause = classification.gray_clause
        if clause is None or exchange.status >= 500:
            return []
        outcome = "refused" if 400 <= exchange.status < 500 else "accepted"
        return [
            Verdict.observed(
                clause,
                f"{how} with a gray zone {outcome} ({exchange.status})",
                classification.describe(),
                exchange,
            )
        ]
    if classification.kind == "accept":
        verdicts = [
            expect_status(clause, exchange, {200}, what=f"{how}, valid body")
            for clause in acceptance
        ]
    else:
        what = f"{how} ({classification.describe()})"
        verdicts = [
            expect_status(clause, exchange, classification.allowed, what=what)
            for clause in classification.reject_clauses
        ]
    return [v for v in verdicts if v is not None and v.clause not in already_failed]
