"""The campaign report: ``<report-dir>/<campaign-id>/campaign.json`` and ``campaign.md``.

Merges every round's report.json (clauses, traffic, status codes, failures with their
counterexamples, restores) with the workers' progress files (what was exercised: properties,
nesting depths, enum members, event labels; Hypothesis's falsifying examples). The rounds'
report.json / report.html / junit.xml and pytest.log (with ``--hypothesis-show-statistics``)
stay next to it.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphcontract import __version__
from graphcontract.contract import Contract
from graphcontract.errors import HarnessError
from graphcontract.fuzz.campaign import ROUND_OK, CampaignPlan, RoundResult, read_progress
from graphcontract.fuzz.database import count_entries, describe
from graphcontract.fuzz.stats import Coverage
from graphcontract.report.build import restore_outcomes
from graphcontract.types import json_text

REPORT_JSON = "campaign.json"
NO_TESTS = 5
REPORT_MD = "campaign.md"


def _round_report(plan: CampaignPlan, result: RoundResult) -> dict[str, Any] | None:
    path = plan.folder / result.name / "report.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def stopped_by(rounds: list[RoundResult], stop_signal: int | None, exitfirst: bool) -> str:
    if stop_signal is not None:
        return signal.Signals(stop_signal).name
    if any(r.killed or r.exit_code not in ROUND_OK for r in rounds):
        return "error"
    if exitfirst and rounds and rounds[-1].exit_code == 1:
        return "first failure (--exitfirst)"
    return "time budget"


def build_campaign_report(
    contract: Contract,
    plan: CampaignPlan,
    rounds: list[RoundResult],
    *,
    started: float,
    stop_signal: int | None,
) -> dict[str, Any]:
    finished = datetime.now(UTC)
    reports = [(r, _round_report(plan, r)) for r in rounds]
    clauses = _merge_clauses(contract, [rep for _, rep in reports if rep])
    failures = _failures([(r.name, rep) for r, rep in reports if rep])
    status_counts: Counter[str] = Counter()
    requests = 0
    restores: list[dict[str, Any]] = []
    restore_problems: list[str] = []
    restores_fixed: list[str] = []
    errors: list[str] = []
    for result, rep in reports:
        journal_problems = [
            f"{r['when']}: still different: {', '.join(r['differences'])}"
            for r in result.restores
            if not r.get("verified", True)
        ]
        if rep is None:
            errors.append(f"{result.name}: no report.json (pytest exit {result.exit_code}); "
                          f"see {result.name}/pytest.log")  # fmt: skip
            restores += result.restores
            restore_problems += journal_problems
            continue
        requests += int(rep.get("requests", 0))
        status_counts.update({k: int(v) for k, v in rep.get("status_counts", {}).items()})
        round_restores = rep.get("restores", [])
        restores += [{"round": result.name, **r} for r in round_restores]
        restores += result.restores
        problems, fixed = restore_outcomes(round_restores)
        restore_problems += [f"{result.name} {p}" for p in problems] + journal_problems
        restores_fixed += [f"{result.name} {f}" for f in fixed]
        errors += [f"{result.name}: {e}" for e in rep.get("errors", [])]
    progress = read_progress(plan.folder)
    coverage = Coverage(contract)
    events: Counter[str] = Counter()
    by_test: dict[str, Counter[str]] = {}
    for worker in progress:
        coverage.merge(worker.get("coverage", {}))
        for test, counts in worker.get("events", {}).items():
            events.update(counts)
            by_test.setdefault(test, Counter()).update(counts)
    elapsed = max(0.001, finished.timestamp() - started)
    must_failed = [c["id"] for c in clauses if c["status"] == "fail" and c["level"] == "must"]
    fatal = any(r.killed or r.exit_code not in ROUND_OK for r in rounds) or not rounds
    if any(r.exit_code == NO_TESTS for r in rounds):
        errors.append("no contract test was selected (check --tests / --clause)")
    if not rounds:
        errors.append(
            "the time budget ended before the first round started; give a longer --duration"
        )
    verdict = "fail" if must_failed else "error" if (fatal or restore_problems) else "pass"
    target: dict[str, Any] = next(
        (rep["target"] for _, rep in reports if rep and rep.get("target")), {}
    )
    return {
        "graphcontract": __version__,
        "campaign": plan.campaign_id,
        "verdict": verdict,
        "api": contract.facet,
        "stopped_by": stopped_by(rounds, stop_signal, plan.exitfirst),
        "target": target or {"label": plan.label},
        "workers": plan.workers,
        "database": {"location": describe(plan.database), "entries": _entries(plan.database)},
        "profile": "fuzz",
        "started": datetime.fromtimestamp(started, UTC).isoformat(),
        "finished": finished.isoformat(),
        "budget_s": plan.duration_s,
        "duration_s": round(elapsed, 3),
        "rounds": [
            {
                "round": r.name,
                "pytest_exit": r.exit_code,
                "duration_s": round(r.ended - r.started, 3),
                "interrupted": r.interrupted,
                "killed": r.killed,
                "verdict": rep.get("verdict") if rep else "error",
                "report": f"{r.name}/report.json" if rep else None,
                "log": f"{r.name}/pytest.log",
            }
            for r, rep in reports
        ],
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 2),
        "examples": sum(int(p.get("examples", 0)) for p in progress),
        "status_counts": dict(sorted(status_counts.items())),
        "failed_clauses": must_failed,
        "clauses": clauses,
        "coverage": coverage.summary(),
        "events": dict(events.most_common()),
        "events_by_test": {t: dict(c.most_common()) for t, c in sorted(by_test.items())},
        "failures": failures,
        "documentation_findings": next(
            (rep.get("documentation_findings", []) for _, rep in reports if rep), []
        ),
        "falsifying_examples": [t for p in progress for t in p.get("failing_tests", [])],
        "restores": restores,
        "restore_problems": restore_problems,
        "restore_problems_fixed": restores_fixed,
        "errors": errors,
    }


def _entries(spec: str) -> int | None:
    try:
        return count_entries(spec)
    except HarnessError:
        return None


def _merge_clauses(contract: Contract, reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for rep in reports:
        for clause in rep.get("clauses", []):
            entry = merged.setdefault(
                clause["id"], {"judged": 0, "passed": 0, "failed": 0, "statuses": set()}
            )
            entry["judged"] += int(clause.get("requests", 0))
            entry["passed"] += int(clause.get("passed", 0))
            entry["failed"] += int(clause.get("failed", 0))
            entry["statuses"].add(clause.get("status"))
    out = []
    for cid, spec in contract.clauses.items():
        entry = merged.get(cid, {"judged": 0, "passed": 0, "failed": 0, "statuses": set()})
        statuses = entry["statuses"]
        status = next((s for s in ("fail", "pass", "observed") if s in statuses), "not exercised")
        out.append({
            "id": cid, "level": spec.level, "status": status, "judged": entry["judged"],
            "passed": entry["passed"], "failed": entry["failed"],
            "observed": max(0, entry["judged"] - entry["passed"] - entry["failed"]),
        })  # fmt: skip
    return out


def _failures(reports: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Distinct failures, (clause, title) once each, with the latest (minimal) reproducer."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for name, rep in reports:
        for clause in rep.get("clauses", []):
            if clause.get("status") != "fail" or clause.get("level") == "doc":
                continue  # documentation findings are listed apart
            titles = clause.get("failure_titles") or {clause.get("failure_title") or "": 1}
            for title, count in titles.items():
                key = (clause["id"], title)
                entry = found.setdefault(key, {
                    "clause": clause["id"], "level": clause.get("level"), "title": title,
                    "count": 0, "rounds": [], "contradicts": clause.get("contradicts"),
                })  # fmt: skip
                entry["count"] += int(count)
                entry["rounds"].append(name)
                example = clause.get("counterexample") or {}
                if example.get("title") == title or "reproducer" not in entry:
                    entry["reproducer"] = {
                        k: example.get(k)
                        for k in ("message", "curl", "request", "response", "history")
                    }
    return list(found.values())


def write_campaign_report(report: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REPORT_JSON
    path.write_text(json_text(report, indent=2) + "\n", encoding="utf-8")
    markdown = render_markdown(report)
    (folder / REPORT_MD).write_text(markdown, encoding="utf-8", errors="backslashreplace")
    return path


def render_markdown(report: dict[str, Any]) -> str:
    cov = report["coverage"]
    lines = [
        f"# Fuzz campaign {report['campaign']}: {report['verdict']}",
        "",
        f"- target: {report['target'].get('label') or report['target'].get('base_url', '')}"
        + (
            f", Update {report['api']}"
            if report.get("api", "workPosition") != "workPosition"
            else ""
        ),
        f"- {report['duration_s']:.0f} s of {report['budget_s']:.0f} s budget, stopped by "
        f"{report['stopped_by']}; {len(report['rounds'])} round(s), {report['workers']} worker(s)",
        f"- {report['requests']:,} requests ({report['requests_per_s']:,.1f}/s), "
        f"{report['examples']:,} generated examples",
        "- status codes: " + ", ".join(f"{k}: {v}" for k, v in report["status_counts"].items()),
        f"- example database: {report['database']['location']} "
        f"({report['database']['entries']} entries)",
        "",
        "## Failures",
        "",
    ]
    if not report["failures"]:
        lines.append("None.")
    for failure in report["failures"]:
        reproducer = failure.get("reproducer") or {}
        # A sequence's reproducer is its replay script (the curl is the GET that showed it).
        curl = (reproducer.get("history") or {}).get("replay") or reproducer.get("curl") or ""
        rounds = ", ".join(sorted(set(failure["rounds"])))
        lines.append(
            f"- **{failure['clause']}** ({failure['level']}): {failure['title']} "
            f"- {failure['count']}x in {rounds}"
        )
        if curl:
            lines += ["", "  ```", *(f"  {line}" for line in curl.splitlines()), "  ```"]
    for example in report["falsifying_examples"][:10]:
        lines += ["", f"`{example['test']}`:", "", "```", example["falsifying_example"] or
                  example["error"], "```"]  # fmt: skip
    lines += ["", "## Clauses", "", "| clause | status | judged | failed |", "|---|---|---|---|"]
    lines += [
        f"| {c['id']} | {c['status']} | {c['judged']} | {c['failed']} |" for c in report["clauses"]
    ]
    lines += [
        "",
        "## Exercised",
        "",
        f"- properties: {len(cov['properties'])} exercised, not exercised: "
        + (", ".join(cov["properties_not_exercised"]) or "none"),
        "- nesting depths: " + ", ".join(f"{d}: {n}" for d, n in cov["nesting_depths"].items()),
        "- bodies: " + ", ".join(f"{k}: {v}" for k, v in cov["bodies"].items()),
    ]
    for site, members in cov["enum_members"].items():
        missing = cov["enum_members_not_exercised"][site]
        lines.append(
            f"- enum {site}: "
            + ", ".join(f"{m}: {n}" for m, n in members.items())
            + (f" (never sent: {', '.join(missing)})" if missing else "")
        )
    lines += ["", "## Restores", ""]
    open_problems = [f"- {p}" for p in report["restore_problems"]]
    fixed = [f"- fixed: {f}" for f in report.get("restore_problems_fixed", [])]
    lines += open_problems + fixed or ["All restores verified."]
    lines += ["", "Per round: report.json / report.html / junit.xml; pytest.log has "
              "Hypothesis's statistics (events per test).", ""]  # fmt: skip
    return "\n".join(lines)
