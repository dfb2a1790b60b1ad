"""Oracles for requests the contract says must be refused: status, and nothing changed."""

from __future__ import annotations

from collections.abc import Collection

from graphcontract.client import Exchange
from graphcontract.oracles.compare import differences, unchanged
from graphcontract.oracles.verdict import Verdict
from graphcontract.types import JSONObject

ATOMIC = "atomic.rejected"


def expect_status(
    clause: str,
    exchange: Exchange,
    allowed: Collection[int],
    *,
    what: str,
    server_error_fails: bool = False,
) -> Verdict | None:
    """The answer's status is one of ``allowed``; None (not judged) for a 5xx, which
    server.no-5xx reports on its own, unless ``server_error_fails``: a clause about which
    answer a request gets (404 for an id no position has) is broken by a 5xx too."""
    if exchange.status >= 500 and not server_error_fails:
        return None
    if exchange.status in allowed:
        return Verdict.passed(clause, exchange)
    expected = " or ".join(str(s) for s in sorted(allowed))
    return Verdict.failed(
        clause,
        f"{what}: answered {exchange.status}, not {expected}",
        sent=_sent(exchange),
        expected=expected,
        got=f"{exchange.status} " + exchange.response.body[:300].decode("utf-8", "replace"),
        exchange=exchange,
    )


def expect_unchanged(
    clauses: Collection[str], before: JSONObject, after: JSONObject | None, exchange: Exchange
) -> list[Verdict]:
    """After a 4xx the resource is exactly as before (for each clause given and atomic.rejected)."""
    if not 400 <= exchange.status < 500 or after is None:
        return []
    changed = [p for p in differences(before, after) if p]
    exact = unchanged(before, after)
    names = dict.fromkeys([*clauses, ATOMIC])
    if not changed and exact:
        return [Verdict.passed(c, exchange) for c in names]
    got = ", ".join(changed) if changed else "representation changed (exact comparison)"
    return [
        Verdict.failed(
            c,
            f"{exchange.status} answer but the position changed",
            sent=_sent(exchange),
            expected="no change after a refused request",
            got=f"changed: {got}",
            exchange=exchange,
        )
        for c in names
    ]


def _sent(exchange: Exchange) -> str:
    body = exchange.request.body.decode("utf-8", "replace")
    ctype = exchange.request.header("content-type")
    head = f"{exchange.request.method} {exchange.request.url}"
    if ctype:
        head += f" (Content-Type: {ctype})"
    authorization = exchange.request.header("authorization")
    # As sent (the token as the variable holding it): a refusal is judged by its header.
    head += " (no Authorization)" if authorization is None else f" (Authorization: {authorization})"
    return f"{head} {body[:400]}"
