"""The request scenarios of the contract suite: what to send for each clause group and which
oracles judge the answer. Tests in tests/contract/ (and the Schemathesis and fuzz layers) call
these inside ``Session.example()``; they add verdicts to the example and never raise.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from graphcontract.contract import EnumSite
from graphcontract.oracles.compare import exactly_equal, get, leaves, same
from graphcontract.oracles.open_forms import judge_gray_update
from graphcontract.oracles.rejection import expect_status, expect_unchanged
from graphcontract.oracles.special import (
    enum_accepted,
    gray_observation,
    read_only_not_applied,
    unknown_property,
)
from graphcontract.oracles.update import Update, judge_update
from graphcontract.oracles.verdict import Verdict, request_body
from graphcontract.runner.session import Example, Step
from graphcontract.types import JSON, JSONObject, is_annotation

NON_JSON_MEDIA_TYPES = ("text/plain", "application/xml", "application/x-www-form-urlencoded")
UNUSABLE_AUTHORIZATION = {
    "basic-scheme": "Basic Z3JhcGhjb250cmFjdDpwcm9iZQ==",
    "bearer-without-token": "Bearer",
    "empty-value": "",
}
"""Whole Authorization headers that carry no bearer token (auth.required), sent as they are
(and replayed as they are by their reproducers)."""
SCHEME_SPELLINGS = ("bearer", "BEARER")
"""The bearer scheme in other letter cases, sent with the token (RFC 9110 section 11.1: the
scheme is case-insensitive)."""


def body_at(path: tuple[str, ...], value: JSON) -> JSONObject:
    """A minimal body that puts ``value`` at ``path`` (``"[]"`` = one collection item)."""
    result: Any = value
    for part in reversed(path):
        result = [result] if part == "[]" else {part: result}
    assert isinstance(result, dict)
    return result


def value_at(state: JSON, path: tuple[str, ...], *, item_like: JSON = None) -> JSON:
    """The value at ``path``, null when absent. For ``"[]"`` the first item, or the first
    item holding ``item_like`` further down when one does."""
    value = state
    for index, part in enumerate(path):
        if part != "[]":
            value = get(value, part)
            continue
        items = value if isinstance(value, list) else []
        rest = path[index + 1 :]
        for item in items:
            if item_like is not None and exactly_equal(
                value_at(item, rest), item_like, rest[-1] if rest else ""
            ):
                return item_like
        return value_at(items[0], rest) if items else None
    return value


UpdateJudge = Callable[..., list[Verdict]]
"""judge_update or judge_gray_update: (Update, *, nested_policy, extra_policy) -> verdicts."""
UPDATE_CLAUSES = (
    "response.shape", "response.id", "response.echo", "merge.omitted-preserved",
    "merge.recalculated", "merge.nested", "merge.collections-replace", "merge.null-clears",
    "collections.null-vs-empty", "server-managed.recalculated", "persisted", "errors.envelope",
    "server.no-5xx",
)  # fmt: skip
"""What judge_accepted_update judges besides its status clause (for ``mark.clauses``)."""
GRAY_CLAUSES = ("atomic.rejected", *UPDATE_CLAUSES)
"""What check_gray judges besides the case's own observe clause (for ``mark.clauses``)."""
KEPT_EXACTLY_WHEN_ACCEPTED = frozenset({"values.long"})
"""Gray clauses whose only open question is acceptance: the value sent is no open form, so a
200 is judged as any update (a value cut short fails response.echo)."""


def judge_accepted_update(
    ex: Example, step: Step, sent: JSONObject, *, status_clause: str, what: str
) -> JSONObject | None:
    """Status 200 (judged under ``status_clause``) and every success oracle; the 200 body."""
    ex.add(expect_status(status_clause, step.exchange, {200}, what=what))
    if step.exchange.status != 200:
        return None
    body = step.exchange.json_object()
    if body is None:
        ex.add(
            Verdict.failed(
                "response.shape",
                "200 answer without a JSON object body",
                sent=request_body(step.exchange),
                expected="a workPosition object",
                got=step.exchange.response.body[:200].decode("utf-8", "replace"),
                exchange=step.exchange,
            )
        )
        return None
    _judge_answer(ex, step, sent, body, judge_update)
    return body


def _judge_answer(
    ex: Example,
    step: Step,
    sent: JSONObject,
    body: JSONObject,
    judge: UpdateJudge,
    *,
    whole_body: JSONObject | None = None,
) -> None:
    """``judge`` (every success oracle, or the gray-zone set) on a 200 body, with the run's
    policies (``whole_body``: the body as sent, when ``sent`` is only the part judged)."""
    session = ex.session
    update = Update(
        session.contract,
        sent,
        step.before,
        step.exchange,
        body,
        step.after,
        step.position_id or session.target.position_id,
        step.started_at,
        session.stamp_age_s(step.before, step.started_at),
        whole_body,
    )
    policy = session.policy
    ex.add(
        judge(
            update,
            nested_policy=policy.get("nested", "merge"),
            extra_policy=policy.get("response_extra", "fail"),
        )
    )


def check_update(
    ex: Example,
    body: JSONObject,
    *,
    content_type: str = "application/json",
    accept: str | None = None,
    scheme: str | None = None,
) -> None:
    """paths.me and every success clause for a valid partial body (``accept``: the Accept
    header instead of application/json, "" for none; ``scheme``: the authentication scheme's
    spelling instead of ``Bearer``)."""
    token = ex.target.client.token
    authorization = f"{scheme} {token}" if scheme is not None and token else None
    step = ex.step(
        lambda: ex.target.patch(
            body, content_type=content_type, accept=accept, authorization=authorization
        )
    )
    what = _sent_as("valid partial body via /me", content_type)
    if accept is not None:
        what += f" with Accept: {accept}" if accept else " without an Accept header"
    if authorization is not None:
        what += f" with Authorization: {scheme} <token>"
    judge_accepted_update(ex, step, body, status_clause="paths.me", what=what)


def _sent_as(what: str, content_type: str) -> str:
    return what if content_type == "application/json" else f"{what} as {content_type}"


def check_users_path(
    ex: Example, user: str, body: JSONObject, *, content_type: str = "application/json"
) -> None:
    """The /users/{user}/… form answers 200, keeps every rule of an accepted update, and
    changes the same position /me reads."""
    target = ex.target
    step = ex.step(
        lambda: target.patch(body, path=target.path(user=user), content_type=content_type)
    )
    what = _sent_as(f"valid body via /users/{user}", content_type)
    answer = judge_accepted_update(ex, step, body, status_clause="paths.users", what=what)
    if answer is None or step.after is None:
        return
    for path, value in leaves(body):
        # What the answer itself gets wrong is response.echo's or a merge rule's to judge.
        if same(value_at(answer, path), value) and not same(value_at(step.after, path), value):
            where = ".".join(path)
            ex.add(
                Verdict.failed(
                    "paths.users",
                    f"update via /users/{user} not visible via /me",
                    sent={where: value},
                    expected={where: value},
                    got={"answer": value_at(answer, path), "GET /me": value_at(step.after, path)},
                    exchange=step.exchange,
                )
            )
            return


def check_unknown_user(ex: Example, body: JSONObject, form: str = "id") -> None:
    """/users/{a user no one is}/…/{the configured id}, by id, by userPrincipalName in the
    configured user's domain (where a lookup that falls back to the caller shows), or
    ("userPrincipalName elsewhere") by the configured user's local part in a reserved
    ``.invalid`` domain (where a lookup by the part before "@" shows): refused (404, or 403
    for a user the token may not write), and the configured position unchanged.

    Without a configured user nothing shows that the target has a /users/… route at all: a
    4xx is then also what a target without one answers, so it neither passes nor fails
    paths.users (reported skipped, for want of ``--user``); an unknown user's write that is
    accepted or changes the position still fails it."""
    user = str(uuid.uuid4())
    known = ex.target.user_of_form("userPrincipalName") or "someone@contoso.com"
    local, _, domain = known.rpartition("@")
    if form == "userPrincipalName":
        user = f"graphcontract-nobody-{user[:8]}@{domain}"
    elif form == "userPrincipalName elsewhere":  # a lookup by the part before "@" shows
        user = f"{local}@graphcontract-{user[:8]}.invalid"
    check_rejected(
        ex,
        "paths.users",
        body=body,
        user=user,
        allowed=frozenset({403, 404}),
        what=f"a user that does not exist ({form} {user})",
        refusal_judges=bool(ex.target.users),
    )


def check_rejected(
    ex: Example,
    clause: str,
    *,
    body: JSON = None,
    content: bytes | None = None,
    content_type: str | None = "application/json",
    token: str | bool | None = True,
    allowed: frozenset[int] = frozenset({400}),
    what: str,
    user: str | None = None,
    authorization: str | None = None,
    refusal_judges: bool = True,
) -> Step:
    """The request (to /users/{user}/… when ``user`` is given; with ``authorization`` as its
    whole Authorization header when given) is refused with one of ``allowed`` and nothing
    changes. Without ``refusal_judges`` a 4xx judges nothing under ``clause``, whichever it
    is (the answer cannot tell a refusal from a route the target does not have): only an
    accepted request or a changed position, which show the route exists, fail it."""
    path = ex.target.path(user=user)
    step = ex.step(
        lambda: ex.target.patch(
            body,
            content=content,
            content_type=content_type,
            token=token,
            path=path,
            authorization=authorization,
        )
    )
    if refusal_judges or step.exchange.status < 400:
        ex.add(expect_status(clause, step.exchange, allowed, what=f"{what} via {path}"))
    ex.add(
        v
        for v in expect_unchanged([clause], step.before, step.after, step.exchange)
        if refusal_judges or v.clause != clause or v.outcome == "fail"
    )
    return step


def check_unknown_id(ex: Example, body: JSONObject, *, user: str | None = None) -> None:
    """An unknown position id (via /users/{user}/… when ``user`` is given): 404, the
    configured position unchanged, nothing created."""
    target = ex.target
    missing = target.unknown_id()
    if missing is None:
        ex.add(
            Verdict.failed(
                "target.unknown-id",
                "GET of three fresh ids answered 200: the target claims every id exists",
                sent=None,
                expected="404 for an id no position has",
                got=200,
            )
        )
        return
    step = ex.step(lambda: target.patch(body, path=target.path(user=user, position_id=missing)))
    # A 5xx is no answer to "which position is this?": it fails this clause (and server.no-5xx).
    ex.add(
        expect_status(
            "target.unknown-id",
            step.exchange,
            {404},
            what="unknown position id",
            server_error_fails=True,
        )
    )
    ex.add(expect_unchanged(["target.unknown-id"], step.before, step.after, step.exchange))
    probe = target.read(path=target.path(position_id=missing))
    if probe.status == 200:
        ex.add(
            Verdict.failed(
                "target.unknown-id",
                "PATCH to an unknown id created it",
                sent=body,
                expected="GET of that id answers 404",
                got=f"GET answered 200: {probe.response.body[:200]!r}",
                exchange=step.exchange,
            )
        )


RESTATABLE = ("allowedAudiences", "isCurrent")
"""Top-level scalars a body can restate to change nothing (the first one holding a value)."""


def check_mixed(ex: Example, body: JSONObject, invalid_clause: str, description: str) -> None:
    """Valid changes plus one invalid part: 400 (else the invalid part's clause fails) and
    nothing at all applied (atomic.rejected). After a refusal, a body restating one value
    must change nothing either: a service that kept the refused body's valid parts pending
    (a unit of work not discarded) would commit them with the next accepted write."""
    step = ex.step(lambda: ex.target.patch(body))
    ex.add(
        expect_status(
            invalid_clause, step.exchange, {400}, what=f"body with one invalid part ({description})"
        )
    )
    ex.add(expect_unchanged([], step.before, step.after, step.exchange))
    if step.exchange.status == 200 or step.after is None:
        return
    name = next((n for n in RESTATABLE if step.after.get(n) is not None), None)
    if name is None:
        return
    restated = {name: step.after[name]}
    follow = ex.step(lambda: ex.target.patch(restated))
    judge_accepted_update(
        ex, follow, restated, status_clause="paths.me", what="a value restated after a refusal"
    )


def check_read_only(ex: Example, body: JSONObject, *, user: str | None = None) -> None:
    """Read-only properties (via /users/{user}/… when given) are ignored or refused; when the
    body is accepted, what it says besides them is judged as any update (a read-only name must
    not switch the service to another kind of write)."""
    contract = ex.session.contract
    path = ex.target.path(user=user)
    step = ex.step(lambda: ex.target.patch(body, path=path))
    ex.add(
        read_only_not_applied(
            contract,
            body,
            step.before,
            step.exchange,
            step.after,
            policy=ex.session.policy.get("read_only", "either"),
        )
    )
    answer = step.exchange.json_object() if step.exchange.status == 200 else None
    if answer is not None:
        writable = {k: v for k, v in body.items() if k not in contract.read_only}
        _judge_answer(ex, step, writable, answer, judge_update, whole_body=body)


def check_unknown_property(ex: Example, body: JSONObject, description: str) -> None:
    step = ex.step(lambda: ex.target.patch(body))
    ex.add(
        unknown_property(
            body,
            description,
            step.before,
            step.exchange,
            step.after,
            policy=ex.session.policy.get("unknown_properties", "observe"),
        )
    )


def check_enum_member(ex: Example, site: EnumSite, member: str) -> None:
    """A sendable member at an enum site is accepted and read back (body and GET)."""
    body = body_at(site.path, member)
    step = ex.step(lambda: ex.target.patch(body))
    clause = (
        "enum.allowedAudiences.accepts" if site.clause.startswith("enum.allowed") else site.clause
    )
    answer = step.exchange.json_object()
    if ex.session.reads_unstable:  # its answers describe no stored value: the status alone
        what = f"documented member {member!r} of {'.'.join(site.path)}"
        ex.add(expect_status(clause, step.exchange, {200}, what=what))
        return
    ex.add(
        enum_accepted(
            clause,
            ".".join(site.path),
            member,
            step.exchange,
            value_at(answer, site.path, item_like=member),
            value_at(step.after, site.path, item_like=member),
        )
    )


def check_gray(
    ex: Example,
    clause: str,
    description: str,
    body: JSONObject,
    sites: tuple[tuple[str, ...], ...] = (),
) -> None:
    """A gray-zone body: record whether the target accepted it. A refusal must change nothing
    (atomic.rejected); an acceptance is judged as an update (judge_gray_update). ``sites``:
    the places of a body carrying the gray value at several of them (else its one leaf)."""
    step = ex.step(lambda: ex.target.patch(body))
    leaf_path, sent_value = _single_leaf(body)
    answer = step.exchange.json_object()
    stored = value_at(answer, leaf_path) if leaf_path else sent_value  # {}: nothing named
    if sites:
        sent_value = [value_at(body, site) for site in sites]
        stored = [value_at(answer, site) for site in sites]
    ex.add(gray_observation(clause, description, step.exchange, stored, sent_value))
    ex.add(expect_unchanged([], step.before, step.after, step.exchange))
    if step.exchange.status == 200 and answer is not None:
        # Accepting an open form is the service's choice; answering with a position that is
        # not one (a member in another case, a number where names go), losing the value's
        # meaning or breaking a merge rule on the way is not.
        exact = clause in KEPT_EXACTLY_WHEN_ACCEPTED
        _judge_answer(ex, step, body, answer, judge_update if exact else judge_gray_update)


def _single_leaf(body: JSON) -> tuple[tuple[str, ...], JSON]:
    """The path and value of the one property a gray body names (annotations aside)."""
    path: list[str] = []
    value = body
    while isinstance(value, dict):
        named = [key for key in value if not is_annotation(key)]
        if len(named) != 1:
            break
        path.append(named[0])
        value = value[named[0]]
    return tuple(path), value
