"""``graphcontract fuzz --api all``: one campaign per facet, in turn, the budget split evenly.

Owns the split (each facet's share must hold a first round, else one UsageError line), the
order (the facets ``--api all`` names, sorted), stopping early (a signal, or ``-x`` after a
facet's failure, ends the remaining campaigns), and the summary: every facet's campaign
writes ``<campaign-id>/<facet>/campaign.json`` + ``.md`` as a one-facet campaign does, and
``<campaign-id>/campaigns.json`` + ``campaigns.md`` list each facet's verdict, failed clauses
and report. The verdict is the worst facet's: fail, else error, else pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from graphcontract.errors import UsageError
from graphcontract.fuzz.campaign import MIN_DURATION_S

FacetCampaign = Callable[[str, float], tuple[dict[str, Any], Path, int | None]]
"""(facet, budget in seconds) -> its campaign report, the report's path, its stop signal."""


def split_duration(duration: float, facets: Sequence[str], text: str) -> float:
    """Each facet's share of ``duration``, or UsageError when it is too short for a round."""
    share = duration / len(facets)
    if share < MIN_DURATION_S:
        raise UsageError(
            f"--duration {text!r} split across {len(facets)} facets gives {share:.1f} s each, "
            f"shorter than the {MIN_DURATION_S:g} s a campaign needs for its first round; give "
            f"at least {MIN_DURATION_S * len(facets):.0f}s"
        )
    return share


def overall_verdict(verdicts: Sequence[str]) -> str:
    """The worst of the facets' verdicts: fail, else error, else pass."""
    for worst in ("fail", "error"):
        if worst in verdicts:
            return worst
    return "pass"


def run_facets(
    facets: Sequence[str], share: float, campaign: FacetCampaign, *, exitfirst: bool
) -> tuple[list[dict[str, Any]], int | None]:
    """Every facet's campaign in turn: one summary row each, and the signal that stopped them
    (None: every facet had its campaign, or ``-x`` ended them after a failure)."""
    rows: list[dict[str, Any]] = []
    for facet in facets:
        report, path, stop_signal = campaign(facet, share)
        rows.append(
            {
                "api": facet,
                "verdict": report["verdict"],
                "stopped_by": report.get("stopped_by"),
                "failed_clauses": list(report.get("failed_clauses") or []),
                "report": f"{facet}/{path.name}",
            }
        )
        if stop_signal is not None:
            return rows, stop_signal
        if exitfirst and report["verdict"] == "fail":
            break
    return rows, None


def summary(
    campaign_id: str, facets: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The campaigns.json document; a facet left without its campaign is listed as not run."""
    ran = {row["api"] for row in rows}
    return {
        "campaign": campaign_id,
        "verdict": overall_verdict([str(row["verdict"]) for row in rows]),
        "facets": list(rows),
        "not_run": [facet for facet in facets if facet not in ran],
    }


def write_summary(document: Mapping[str, Any], folder: Path) -> Path:
    """campaigns.json and campaigns.md in ``folder``; returns the json's path."""
    path = folder / "campaigns.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Fuzz campaigns {document['campaign']}: {document['verdict']}",
        "",
        "| API | verdict | stopped by | failed must clauses | report |",
        "|---|---|---|---|---|",
    ]
    for row in document["facets"]:
        failed = ", ".join(row["failed_clauses"]) or "-"
        lines.append(
            f"| {row['api']} | {row['verdict']} | {row['stopped_by']} | {failed} | "
            f"[{row['report']}]({row['report']}) |"
        )
    if document["not_run"]:
        lines += ["", f"Not run (the campaigns were stopped): {', '.join(document['not_run'])}"]
    path.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
