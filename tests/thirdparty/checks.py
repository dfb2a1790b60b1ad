"""Assertions every third-party run must meet, whatever the server: the verdict of each
clause as its module's table says, reproducers that replay what was sent, no token anywhere,
and no restore claimed verified on a position left altered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.thirdparty.openapi30 import ROOT
from tests.thirdparty.replay import Request, curl_request, curl_shim, reproducers, restated
from tests.thirdparty.runs import SECRET, Run

Expectations = dict[str, tuple[str, str]]
"""clause id -> (expected status in report.json, why the server deserves it)"""


def catalog_ids() -> list[str]:
    data = yaml.safe_load((ROOT / "contracts" / "clauses.yaml").read_text(encoding="utf-8"))
    return [clause["id"] for clause in data["clauses"]]


def assert_table_covers_catalog(expected: Expectations, run: Run) -> None:
    reported = [c["id"] for c in run.report["clauses"]]
    assert sorted(expected) == sorted(catalog_ids()) == sorted(reported)


def assert_verdict(run: Run, clause_id: str, expected: Expectations) -> None:
    status, why = expected[clause_id]
    clause = run.clause(clause_id)
    shown = {k: clause.get(k) for k in ("status", "requests", "passed", "failed")}
    example = clause.get("counterexample") or {}
    assert clause["status"] == status, (
        f"{clause_id}: expected {status} ({why}); got {shown}\n"
        f"headline: {example.get('title')}\n{example.get('message', '')[:600]}"
    )


def assert_no_secret(run: Run) -> None:
    assert SECRET not in run.stdout + run.stderr
    for path in run.report_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"the token is in {path}"


def replay_problems(run: Run, tmp_path: Path) -> list[str]:
    """Each reproducer whose request (run by bash, GRAPH_TOKEN set) is not one the server
    received (method, target, every header as sent, the body bytes), or whose headers are not
    those its own exchange records (Authorization aside: the record redacts it)."""
    shim = curl_shim(tmp_path / "bin")
    received = set(run.received)
    problems = []
    for where, exchange in reproducers(run.report):
        line = exchange["curl"]
        if "\x00" in line:
            problems.append(f"{where}: holds a NUL byte, which no shell argument can carry")
            continue
        replayed = curl_request(line, shim, SECRET, tmp_path)
        recorded = exchange.get("request")
        if replayed not in received:
            close = _nearest(run, replayed)
            problems.append(
                f"{where}: {line[:300]}\n  replays {replayed.describe()[:400]}\n"
                f"  nearest sent: {close.describe()[:400] if close else 'none'}"
            )
        elif isinstance(recorded, dict) and _unlike(replayed, recorded):
            problems.append(
                f"{where}: {line[:300]}\n  replays {replayed.describe()[:400]}\n"
                f"  its exchange records {json.dumps(recorded, ensure_ascii=False)[:400]}"
            )
    return problems


def _unlike(replayed: Request, recorded: dict[str, Any]) -> bool:
    """Headers that differ from the exchange's record (the record may cut a long body, so
    the body was checked against what the server received instead)."""
    theirs = {k: v for k, v in restated(recorded.get("headers") or {}) if k != "authorization"}
    ours = {k: v for k, v in replayed.headers if k != "authorization"}
    return ours != theirs


def _nearest(run: Run, replayed: Request) -> Request | None:
    """The request sent that looks most like ``replayed`` (to show what differs)."""

    def distance(sent: Request) -> tuple[int, int]:
        a, b = sent.body, replayed.body
        body = abs(len(a) - len(b)) + sum(x != y for x, y in zip(a, b, strict=False))
        return (body, len(set(sent.headers) ^ set(replayed.headers)))

    same_place = [
        r for r in run.received if (r.method, r.target) == (replayed.method, replayed.target)
    ]
    return min(same_place, key=distance, default=None)


def sent_line_problems(run: Run) -> list[str]:
    """Counterexamples whose message says ``sent: {}`` for a request whose body was not empty
    (the message names what was sent)."""
    problems = []
    for clause in run.report["clauses"]:
        example = clause.get("counterexample") or {}
        body = (example.get("request") or {}).get("body")
        first = example.get("message", "").splitlines()[:1]
        if body not in (None, "", "{}") and first == ["sent: {}"]:
            problems.append(f"{clause['id']}: message says 'sent: {{}}', body was {body[:200]}")
    return problems


def claimed_verified(run: Run) -> list[dict[str, Any]]:
    return [r for r in run.report["restores"] if r.get("verified")]


def leftovers(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Top-level properties of a position that differ after a run (added ones included)."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def restore_text(run: Run) -> str:
    """What report.json says of the restores, as text a reader sees (strings unescaped: a
    leftover key may itself be JSON)."""
    report = run.report
    lines = [*report["restore_problems"]]
    for record in report["restores"]:
        lines += [*record.get("not_restored", []), *record.get("differences", [])]
    return "\n".join(str(line) for line in lines)
