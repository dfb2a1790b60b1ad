"""Which clause a refused valid body breaks: the body narrowed down to its enum values.

A conforming server accepts every valid body (paths.me / paths.users). When one is refused
and it carries documented enum members, the refusal may be of a member
(enum.allowedAudiences.accepts, enum.nested) rather than of the update as such. The body is
re-sent without its enum values, then with one enum site at a time, each inside
``Example.step`` (restored like any other request); only refusals cost these requests.
"""

from __future__ import annotations

from graphcontract.contract import Contract, EnumSite
from graphcontract.runner.session import Example
from graphcontract.types import JSON, JSONObject, Path

ITEM = "[]"


def accepts_clause(site: EnumSite) -> str:
    """The clause a documented member of ``site`` being refused breaks."""
    return site.clause.replace(".rejects", ".accepts")


def _carries(body: JSON, path: Path) -> bool:
    if not path:
        return True
    head, rest = path[0], path[1:]
    if head == ITEM:
        return isinstance(body, list) and any(_carries(item, rest) for item in body)
    return isinstance(body, dict) and head in body and _carries(body[head], rest)


def _without(body: JSON, path: Path) -> JSON:
    """``body`` with the values at ``path`` removed (a copy)."""
    if not path or not isinstance(body, dict | list):
        return body
    head, rest = path[0], path[1:]
    if head == ITEM:
        return [_without(item, rest) for item in body] if isinstance(body, list) else body
    if not isinstance(body, dict) or head not in body:
        return body
    out = dict(body)
    if rest:
        out[head] = _without(body[head], rest)
    else:
        del out[head]
    return out


def enum_sites_in(contract: Contract, body: JSONObject) -> list[EnumSite]:
    return [site for site in contract.enum_sites() if _carries(body, site.path)]


def refused_clauses(
    ex: Example, body: JSONObject, *, path: str, acceptance: str
) -> tuple[str, ...]:
    """The clauses a refusal of the valid ``body`` (sent to ``path``) breaks."""
    sites = enum_sites_in(ex.session.contract, body)
    if not sites:
        return (acceptance,)
    stripped: JSON = body
    for site in sites:
        stripped = _without(stripped, site.path)
    if stripped and not _accepted(ex, stripped, path):
        return (acceptance,)  # refused without any enum value too
    culprits = []
    for site in sites:
        single: JSON = body
        for other in sites:
            if other is not site:
                single = _without(single, other.path)
        if not _accepted(ex, single, path):
            culprits.append(accepts_clause(site))
    return tuple(dict.fromkeys(culprits or [accepts_clause(site) for site in sites]))


def _accepted(ex: Example, body: JSON, path: str) -> bool:
    target = ex.target
    step = ex.step(lambda: target.patch(body, path=path))
    return 200 <= step.exchange.status < 300
