"""report.json: the run's verdict per clause, built from the merged recorder and the catalog.

Shape (DESIGN.md): ``{"verdict", "target", "clauses": [{"id", "level", "status",
"requests", "counterexample", "observation", …}], "requests", "status_counts", "duration_s",
"documentation_findings", …}``. ``write_report`` writes report.json and report.html.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphcontract import __version__
from graphcontract.contract import Contract
from graphcontract.report.first_cause import ordered
from graphcontract.runner.config import ALWAYS_JUDGED, RunConfig, pinned_clauses
from graphcontract.runner.recorder import ClauseTally, Recorder
from graphcontract.target_schema import FINDINGS_ENV, read_findings
from graphcontract.types import json_text, terminal_line

NOT_CONFIGURED = {
    "auth.scope": "no token without write scope configured (--readonly-token-env)",
    "paths.users": "no user configured (--user ID_OR_UPN)",
}


def clause_status(
    contract: Contract,
    clause_id: str,
    tally: ClauseTally | None,
    config: RunConfig,
    target: dict[str, Any],
    unjudged: dict[str, str] | None = None,
) -> tuple[str, str | None]:
    """(status, reason) of one clause: pass | fail | observed | skipped. ``unjudged``: the
    clauses the run found it could not judge on this target, with the reason."""
    clause = contract.clauses[clause_id]
    if config.clauses and clause_id not in config.clauses and clause_id != ALWAYS_JUDGED:
        return "skipped", "not selected (--clause)"
    if tally is None or tally.judged == 0:
        if unjudged and clause_id in unjudged:
            return "skipped", unjudged[clause_id]
        if clause_id == "auth.scope" and not target.get("readonly_token"):
            return "skipped", NOT_CONFIGURED[clause_id]
        if clause_id == "paths.users" and not target.get("users"):
            return "skipped", NOT_CONFIGURED[clause_id]
        return "skipped", "no exchange this clause applies to was judged"
    if tally.failed:
        return "fail", None
    if clause.level == "observe" and clause_id not in pinned_clauses(config.policy):
        return "observed", None
    if not tally.passed:
        # A must clause passes on a judgement, never on observations alone.
        seen = ", ".join(f'"{title}"' for title in list(tally.observations)[:3])
        return "skipped", f"nothing judged it; only observed: {seen}"
    return "pass", None


def build_report(
    contract: Contract,
    recorder: Recorder,
    *,
    config: RunConfig,
    target: dict[str, Any],
    errors: list[str],
    started: datetime,
    profile: str,
    interrupted: dict[str, int] | None = None,
) -> dict[str, Any]:
    """``interrupted``: the run was stopped (Ctrl-C, SIGTERM) after ``tests_run`` of
    ``tests_selected`` contract tests; its verdict is ``interrupted`` (never a pass)."""
    clauses = []
    for clause_id, clause in contract.clauses.items():
        tally = recorder.clauses.get(clause_id)
        status, reason = clause_status(
            contract, clause_id, tally, config, target, recorder.unjudged
        )
        entry: dict[str, Any] = {
            "id": clause_id,
            "level": clause.level,
            "title": clause.title,
            "statement": clause.statement,
            "source": {
                "page": clause.source.page,
                "file": clause.source.file,
                "section": clause.source.section,
                "row": clause.source.row,
                "text": clause.source.describe(),
            },
            "status": status,
            "requests": tally.judged if tally else 0,
            "passed": tally.passed if tally else 0,
            "failed": tally.failed if tally else 0,
            "counterexample": tally.counterexample if tally and tally.failed else None,
            "observation": _observation(tally) if tally and tally.observed else None,
        }
        if reason:
            entry["reason"] = reason
        if tally and tally.failed:
            entry["failure_title"] = tally.counterexample["title"] if tally.counterexample else None
            entry["failure_titles"] = dict(tally.failure_titles.most_common())
            entry["contradicts"] = (
                f"{clause.source.page} — {clause.source.section}: {clause.source.row}"
            )
        clauses.append(entry)
    judged_as_must = pinned_clauses(config.policy)
    must_failed = [
        c["id"]
        for c in clauses
        if c["status"] == "fail" and (c["level"] == "must" or c["id"] in judged_as_must)
    ]
    # First causes first, each followed by its likely consequences (report.first_cause).
    must_failed = [str(f.clause["id"]) for f in ordered(clauses, must_failed)]
    restore_problems, restores_fixed = restore_outcomes(recorder.restores)
    final_unverified = any(
        r["when"] == "end of run" and not r["verified"] for r in recorder.restores
    )
    if interrupted is not None:
        verdict = "interrupted"
    elif must_failed:
        verdict = "fail"
    elif errors or final_unverified or not clauses_judged(clauses, judged_as_must):
        verdict = "error"
    else:
        verdict = "pass"
    finished = datetime.now(UTC)
    latencies = recorder.latencies_ms
    return {
        "graphcontract": __version__,
        "verdict": verdict,
        "interrupted": interrupted,
        "api": contract.facet,
        "target": target,
        "profile": profile,
        "policy": config.policy,
        "started": started.isoformat(),
        "duration_s": round((finished - started).total_seconds(), 3),
        "failed_clauses": must_failed,
        "clauses": clauses,
        "requests": recorder.requests,
        "status_counts": {str(k): v for k, v in sorted(recorder.status_counts.items())},
        "throttle_waits": recorder.throttle_waits,
        "latency_ms": _latency_summary(latencies),
        "latencies_ms_sample": latencies[:2000],
        "errors": errors,
        "restores": recorder.restores,
        "restore_problems": restore_problems,
        "restore_problems_fixed": restores_fixed,
        "documentation_findings": documentation_findings(contract),
        "metadata_findings": read_findings(os.environ.get(FINDINGS_ENV)),
        "edge_cases": edge_case_coverage(recorder.edge_cases),
    }


def edge_case_coverage(sent: set[str]) -> list[dict[str, Any]]:
    """Kinds × sites the edge-case catalog covered: per kind, its sites and cases sent
    (from the ``kind|site|case`` keys the recorder collected)."""
    kinds: dict[str, dict[str, set[str]]] = {}
    for key in sent:
        kind, site, case = key.split("|", 2)
        entry = kinds.setdefault(kind, {"sites": set(), "cases": set()})
        entry["sites"].add(site)
        entry["cases"].add(case)
    return [
        {
            "kind": kind,
            "sites": sorted(entry["sites"]),
            "cases": sorted(entry["cases"]),
            "sent": sum(1 for key in sent if key.startswith(kind + "|")),
        }
        for kind, entry in sorted(kinds.items())
    ]


def restore_outcomes(restores: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(problems still open, problems a later restore fixed). A restore after an example that
    could not be verified is fixed when the run's end-of-run restores (one per process) were
    all verified on the whole position: each wrote the original back and found nothing the
    run changed or left behind."""
    finals = [r for r in restores if r["when"] == "end of run"]
    fixed_at_end = bool(finals) and all(r["verified"] for r in finals)
    problems: list[str] = []
    fixed: list[str] = []
    for record in restores:
        if record["verified"]:
            continue
        text = restore_problem(record)
        if fixed_at_end and record["when"] != "end of run":
            fixed.append(f"{text}; fixed by the end-of-run restore (verified)")
        else:
            problems.append(text)
    return problems, fixed


def restore_problem(restore: dict[str, Any]) -> str:
    """One line on a restore that is not verified: the writable properties a PATCH could not
    put back, and what the run left that no PATCH can remove ("not restored")."""
    parts = []
    if restore.get("differences"):
        parts.append(f"still different: {', '.join(restore['differences'])}")
    if restore.get("not_restored"):
        parts.append(f"not restored: {'; '.join(restore['not_restored'])}")
    return f"{restore['when']}: {' | '.join(parts) or 'not verified'}"


def clauses_judged(clauses: list[dict[str, Any]], judged_as_must: frozenset[str]) -> bool:
    """A must clause (or one a policy pins as must) was judged: a run that judged none,
    only gray zones or the documentation (``--clause docs.examples``) judged nothing."""
    return any(
        c["status"] in {"pass", "fail"} and (c["level"] == "must" or c["id"] in judged_as_must)
        for c in clauses
    )


def _observation(tally: ClauseTally) -> dict[str, Any]:
    return {
        "count": tally.observed,
        "outcomes": [
            {
                "title": title,
                "count": obs["count"],
                "message": obs["message"],
                "example": obs["example"],
            }
            for title, obs in sorted(tally.observations.items(), key=lambda kv: -kv[1]["count"])
        ],
    }


def _latency_summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "median": round(statistics.median(ordered), 3),
        "p90": pct(0.9),
        "p99": pct(0.99),
        "max": ordered[-1],
        "count": len(ordered),
    }


def documentation_findings(contract: Contract) -> list[dict[str, Any]]:
    """Findings about the documented examples shipped in contracts/ (docs.examples)."""
    try:
        from graphcontract.doclint.checks import example_findings
    except ImportError:  # pragma: no cover - doc-lint is part of the package
        return []
    return [f.to_dict() for f in example_findings(contract)]


def replay_file(clause_id: str) -> str:
    """The name of the script, in the report's folder, replaying what a clause failed on: its
    sequence (from the snapshot: restore, then every step, writes sent at once with ``&``), or
    its one request when the curl line holds characters a terminal shows escaped."""
    return f"reproduce-{clause_id}.sh"


def write_report(report: dict[str, Any], folder: Path, redact: Callable[[str], str] = str) -> Path:
    """Write report.json and report.html into ``folder`` (``redact`` removes the secrets
    from their text: verdicts quote the data as the target sent it), and the replay script of
    each failed clause whose counterexample is a sequence (``replay_file``, named in its
    counterexample's ``history.file``) or a request the console cannot show as sent (named in
    ``curl_file``); returns the report.json path."""
    from graphcontract.report.html import render_html

    folder.mkdir(parents=True, exist_ok=True)
    for clause in report.get("clauses", []):
        example = clause.get("counterexample") or {}
        story, curl = example.get("history") or {}, example.get("curl")
        if clause.get("status") != "fail":
            continue
        name = replay_file(clause["id"])
        if story.get("replay"):
            story["file"], replay = name, story["replay"]
        elif curl and terminal_line(curl) != curl:  # a console line would show it escaped
            example["curl_file"], replay = name, curl
        else:
            continue
        script = f"#!/bin/sh\n# {clause['id']}: {clause.get('failure_title') or ''}\n{replay}\n"
        (folder / name).write_text(redact(script), encoding="utf-8", errors="backslashreplace")
    path = folder / "report.json"
    path.write_text(redact(json_text(report, indent=2)) + "\n", encoding="utf-8")
    html = redact(render_html(report))
    (folder / "report.html").write_text(html, encoding="utf-8", errors="backslashreplace")
    return path
