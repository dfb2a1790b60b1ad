"""Which failed clause is the first cause: the order failed clauses are listed in (report.json's
``failed_clauses``, the console, report.html) and which failures are likely consequences of
another. Read from the failures' own counterexamples, never from a list per fault:

- A failure whose valid request was refused (it expected a 2xx status and got an error) on
  one path form (``/me``, ``/users/{id}``, ``/users/{userPrincipalName}``: the path before
  ``/profile/``) condemns that path form. Every other failure whose counterexample got the
  same status and error through the same path form is a likely consequence, listed right
  after it.
- The other failures in the order of the history they needed: a single request before a
  sequence, a shorter sequence before a longer one (a failure that shows only after earlier
  writes is more likely the knock-on of what broke them); ties in catalog order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SUCCESS_ONLY = re.compile(r"2\d\d(?: or 2\d\d)*(?:$|\s(?!or\b))")
"""An ``expected:`` line naming success statuses only: ``200``, ``200 or 204`` (expect_status's
wording), ``200 for a valid partial body`` (a Schemathesis check's); not ``200 or 400``."""


@dataclass(frozen=True)
class Failure:
    """One failed clause in the order it is listed, and what it likely follows from."""

    clause: Mapping[str, Any]
    consequence_of: str | None = None
    """The failed clause that condemns the path form this one failed through."""
    path_form: str = ""
    status: int = 0


def path_form(url: str) -> str:
    """The path of ``url`` before ``/profile/`` (the base URL's own path included)."""
    return urlsplit(url).path.partition("/profile/")[0]


def refusal(clause: Mapping[str, Any]) -> tuple[str, int, str] | None:
    """(path form, status, error) of a counterexample that is one request answered an error
    status (``error``: the envelope's code and message, so that a path form refusing every
    request alike is told from refusals of particular bodies); None for anything else (a
    sequence, a success, no request)."""
    example = clause.get("counterexample") or {}
    request, response = example.get("request") or {}, example.get("response") or {}
    status, url = response.get("status"), request.get("url")
    if example.get("history") or not isinstance(status, int) or status < 400 or not url:
        return None
    return path_form(str(url)), status, error_of(str(response.get("body") or ""))


def error_of(body: str) -> str:
    """The error envelope's ``code: message`` (empty when the body is no envelope with a
    code)."""
    try:
        value = json.loads(body)
    except ValueError:
        return ""
    error = value.get("error") if isinstance(value, dict) else None
    if not isinstance(error, dict) or "code" not in error:
        return ""
    return f"{error['code']}: {error.get('message', '')}"


def refuses_valid(clause: Mapping[str, Any]) -> bool:
    """The counterexample is a request that expected success only (a valid request refused)."""
    message = str((clause.get("counterexample") or {}).get("message") or "")
    return any(
        line.startswith("expected: ") and SUCCESS_ONLY.match(line[10:].strip()) is not None
        for line in message.splitlines()
    )


def history_needed(clause: Mapping[str, Any]) -> int:
    """Requests the failure needed to show: 1 for one request, a sequence's steps and the
    snapshot's restore."""
    story = (clause.get("counterexample") or {}).get("history") or {}
    steps = story.get("steps")
    return 1 + steps if isinstance(steps, int) else 1


def ordered(clauses: Sequence[Mapping[str, Any]], failed: Sequence[str]) -> list[Failure]:
    """The clauses named in ``failed`` (``clauses``: every clause, in catalog order), first
    causes first, each followed by its likely consequences."""
    catalog = {str(c.get("id")): i for i, c in enumerate(clauses)}
    by_id = {str(c.get("id")): c for c in clauses}
    chosen = sorted(
        (by_id.get(cid) or {"id": cid} for cid in failed),
        key=lambda c: catalog.get(str(c.get("id")), len(catalog)),
    )
    condemned: dict[tuple[str, int, str], str] = {}
    for clause in chosen:
        found = refusal(clause)
        if found is not None and refuses_valid(clause):
            condemned.setdefault(found, str(clause.get("id")))
    heads: list[Mapping[str, Any]] = []
    following: dict[str, list[Failure]] = {}
    for clause in chosen:
        found = refusal(clause)
        root = condemned.get(found) if found is not None else None
        if found is not None and root is not None and root != clause.get("id"):
            following.setdefault(root, []).append(Failure(clause, root, *found[:2]))
        else:
            heads.append(clause)
    heads.sort(key=history_needed)  # stable: catalog order among equals
    out: list[Failure] = []
    for clause in heads:
        out.append(Failure(clause))
        out += following.get(str(clause.get("id")), [])
    return out
