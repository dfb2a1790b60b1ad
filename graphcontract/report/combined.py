"""The report of an ``--api all`` run: every facet's report.json combined into one.

Each facet's run writes its own folder (``<run-id>/<facet>/report.json``, report.html,
junit.xml); this module writes ``<run-id>/report.json`` with one section per facet and the
overall verdict (fail when a facet failed, else error when one could not be judged, else
pass), ``report.html`` with a section per facet linking to its own page (and to its
documentation findings, which are never failures), and one
``junit.xml`` whose test names carry the facet (``test_x[case][skillProficiency]``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from graphcontract import __version__
from graphcontract.report.html import _CSS, VERDICT_TEXT
from graphcontract.report.markup import escaped as _e
from graphcontract.types import json_text

ORDER = ("interrupted", "fail", "error", "pass")


def facet_section(facet: str, folder: Path, path: str, pytest_code: int) -> dict[str, Any]:
    """One facet's section, from its report.json (verdict error when it wrote none)."""
    try:
        report: dict[str, Any] = json.loads((folder / "report.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {
            "api": facet,
            "path": path,
            "verdict": "error",
            "failed_clauses": [],
            "errors": [f"{facet}: no report was written (pytest exit {pytest_code})"],
        }
    return {
        "api": facet,
        "path": path,
        "verdict": report.get("verdict", "error"),
        "failed_clauses": list(report.get("failed_clauses", [])),
        "failures": {
            c["id"]: c.get("failure_title")
            for c in report.get("clauses", [])
            if isinstance(c, dict) and c.get("status") == "fail" and c.get("level") != "doc"
        },
        "documentation_findings": len(report.get("documentation_findings") or []),
        "errors": [f"{facet}: {error}" for error in report.get("errors", [])],
        "requests": report.get("requests", 0),
        "duration_s": report.get("duration_s"),
        "report": f"{folder.name}/report.html",
        "target": report.get("target", {}),
    }


def combine(
    sections: list[dict[str, Any]], *, profile: str, started: str, duration_s: float
) -> dict[str, Any]:
    """The run's report.json: the facets' sections and the worst of their verdicts."""
    verdicts = {s["verdict"] for s in sections} or {"error"}
    verdict = next((v for v in ORDER if v in verdicts), "error")
    target = dict(sections[0].get("target", {})) if sections else {}
    target.pop("position_id", None)
    return {
        "graphcontract": __version__,
        "verdict": verdict,
        "api": "all",
        "target": target,
        "profile": profile,
        "started": started,
        "duration_s": round(duration_s, 3),
        "failed_clauses": [f"{s['api']}: {c}" for s in sections for c in s["failed_clauses"]],
        "errors": [e for s in sections for e in s["errors"]],
        "requests": sum(int(s.get("requests") or 0) for s in sections),
        "facets": sections,
    }


def render_combined_html(report: Mapping[str, Any]) -> str:
    """report.html of an ``--api all`` run: the verdict, then one section per facet."""
    verdict = str(report.get("verdict", "error"))
    failed = len(report.get("failed_clauses", []))
    explain = VERDICT_TEXT.get(verdict, "unknown verdict").format(
        n=f"{failed} must clause{'s' if failed != 1 else ''}"
    )
    target = report.get("target", {})
    rows, sections = [], []
    for s in report.get("facets", []):
        api, status = _e(s["api"]), _e(s["verdict"])
        link = f'<a href="{_e(s["report"])}">report</a>' if s.get("report") else ""
        rows.append(
            f'<tr class="row-{status}"><td><a href="#api-{api}">{api}</a></td>'
            f'<td><code>{_e(s["path"])}</code></td><td><span class="badge s-{status}">'
            f"{status}</span></td><td>{_e(', '.join(s['failed_clauses']))}</td>"
            f'<td class="num">{_e(s.get("requests", 0))}</td><td>{link}</td></tr>'
        )
        items = [
            f"<li><code>{_e(cid)}</code>: {_e(title or '')}</li>"
            for cid, title in s.get("failures", {}).items()
        ] + [f"<li>{_e(error)}</li>" for error in s.get("errors", [])]
        findings = int(s.get("documentation_findings") or 0)
        if findings and s.get("report"):
            items.append(
                f'<li><a href="{_e(s["report"])}#documentation">{findings} documentation '
                "finding(s)</a> about the documented examples (they never fail a run)</li>"
            )
        sections.append(
            f'<h2 id="api-{api}">Update {api} — {status}</h2><p><code>{_e(s["path"])}</code>'
            f" {link}</p>" + (f"<ul>{''.join(items)}</ul>" if items else "")
        )
    table = (
        "<table><thead><tr><th>API</th><th>Path</th><th>Verdict</th><th>Failed must clauses"
        f"</th><th>Requests</th><th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\"><title>graphcontract report — every facet</title>"
        f'<style>{_CSS}</style></head><body><main><header><div class="verdict v-{_e(verdict)}">'
        f"<b>{_e(verdict.upper())}</b><span>{_e(explain)}</span></div><div><h1>graphcontract "
        f"report — every profile facet ({len(report.get('facets', []))})</h1>"
        f'<dl class="facts"><dt>Target</dt><dd>{_e(target.get("label") or "")}</dd>'
        f"<dt>Base URL</dt><dd>{_e(target.get('base_url') or '')}</dd><dt>Profile</dt>"
        f"<dd>{_e(report.get('profile'))}</dd><dt>Requests</dt>"
        f"<dd>{_e(report.get('requests'))}</dd></dl></div></header>"
        f"{table}{''.join(sections)}</main></body></html>"
    )


def tag_junit(path: Path, facet: str) -> ET.Element | None:
    """The root of the JUnit document at ``path`` with ``[facet]`` after every test name and
    the facet as the suite's name (None when there is no readable file)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    for suite in root.iter("testsuite"):
        suite.set("name", facet)
    for case in root.iter("testcase"):
        case.set("name", f"{case.get('name', '')}[{facet}]")
    return root


def write_combined(
    report: dict[str, Any], folder: Path, facets: list[str], redact: Callable[[str], str] = str
) -> Path:
    """Write report.json, report.html and junit.xml of an ``--api all`` run into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.json"
    path.write_text(redact(json_text(report, indent=2)) + "\n", encoding="utf-8")
    (folder / "report.html").write_text(redact(render_combined_html(report)), encoding="utf-8")
    suites = ET.Element("testsuites", name="graphcontract")
    for facet in facets:
        root = tag_junit(folder / facet / "junit.xml", facet)
        if root is not None:
            suites.extend(root.iter("testsuite"))
    (folder / "junit.xml").write_text(
        redact(ET.tostring(suites, encoding="unicode")), encoding="utf-8"
    )
    return path
