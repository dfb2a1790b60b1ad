"""report.html: one self-contained page rendering a report.json dict (``render_html``).

Inline CSS and inline SVG charts only: no scripts, fonts, images or other resources, so the
page reads offline, and its Content-Security-Policy forbids loading anything. Every value
taken from the report is escaped (bodies and headers come from the target and may hold
markup); missing or malformed keys render as blanks rather than failing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from graphcontract.report.charts import latency_chart, status_chart
from graphcontract.report.markup import as_list as _list
from graphcontract.report.markup import as_map as _map
from graphcontract.report.markup import as_number as _number
from graphcontract.report.markup import escaped as _e
from graphcontract.report.metadata_section import metadata_findings
from graphcontract.types import json_text

VERDICT_TEXT = {
    "pass": "every must clause held",
    "fail": "{n} failed",
    "error": "the harness could not judge everything",
    "interrupted": "the run was stopped before every test ran: not a pass",
}
STATUS_ORDER = ("fail", "pass", "observed", "skipped")

_CSS = """
:root{--pass:#1e7b34;--fail:#c62828;--error:#b26a00;--obs:#5b4bb7;--skip:#6b7280;--ink:#1f2328;
--muted:#59636e;--line:#d8dee4;--soft:#f6f8fa}*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:#fff;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:34px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:14px 0 6px}a{color:#0b5cad}.muted{color:var(--muted)}
code,pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 10px;
margin:4px 0 10px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:420px;overflow:auto}
header{display:flex;gap:28px;align-items:center;padding:18px 22px;border:1px solid var(--line);
border-radius:10px;background:var(--soft)}
.verdict{min-width:170px;text-align:center;color:#fff;border-radius:10px;padding:14px 18px}
.verdict b{display:block;font-size:34px;letter-spacing:2px}.verdict span{font-size:12.5px}
.v-pass{background:var(--pass)}.v-fail{background:var(--fail)}.v-error{background:var(--error)}
dl.facts{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:3px 14px}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;min-width:64px;text-align:center;border-radius:999px;color:#fff;
padding:1px 9px;font-size:12px;font-weight:600}.s-pass{background:var(--pass)}
.s-fail{background:var(--fail)}.s-observed{background:var(--obs)}.s-skipped{background:var(--skip)}
.s-none{background:#d0d7de;color:var(--ink)}.sum-doc{color:var(--ink)}
.level{font-size:12px;border:1px solid var(--line);border-radius:4px;padding:0 5px}
.level-observe,.level-doc{color:var(--muted)}.level-must{font-weight:600}.nowrap{white-space:nowrap}
.counts{display:flex;gap:10px;margin:6px 0 12px}.count b{font-size:20px;display:block}
.count{border:1px solid var(--line);border-radius:8px;padding:6px 14px;min-width:96px}
.alert{border-radius:8px;padding:10px 16px;margin:16px 0;border:1px solid}
.alert-fail{background:#fdecea;border-color:#f1aeb5}.alert-ok{background:#edf7ef;border-color:#a8d5b3}.alert-warn{background:#fff4e0;border-color:#f0c36d}
table{border-collapse:collapse;width:100%}th{background:var(--soft);font-weight:600;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
tr.row-fail td{background:#fff5f5}tr.more td{padding:0 8px 10px}tr.has-more td{border-bottom:none}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.wide{width:45%}
td.src{font-size:12.5px;color:var(--muted);max-width:330px}
details{border:1px solid var(--line);border-radius:6px;padding:4px 10px;background:#fff}
details[open]{padding-bottom:10px}summary{cursor:pointer;font-weight:600;padding:2px 0}
.sum-fail{color:var(--fail)}.sum-obs{color:var(--obs)}.pair>div{min-width:0}
.pair,.charts{display:grid;grid-template-columns:1fr 1fr;gap:14px 18px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
figcaption{font-weight:600;margin-bottom:4px}svg{display:block;width:100%;height:auto}
.empty{color:var(--muted);font-style:italic;padding:24px 0;text-align:center}
footer{margin-top:40px;color:var(--muted);font-size:12.5px}
@media (max-width:860px){.charts,.pair{grid-template-columns:1fr}header{flex-direction:column}}
"""


def render_html(report: Mapping[str, Any]) -> str:
    """The whole report page for a ``build_report`` dict (tolerates missing keys)."""
    every = [c for c in _list(report.get("clauses")) if isinstance(c, Mapping)]
    # Documentation clauses judge the documentation, not the target: shown with the findings,
    # never counted (nor badged) with the clause results.
    clauses = [c for c in every if c.get("level") != "doc"]
    doc_clauses = [c for c in every if c.get("level") == "doc"]
    verdict = str(report.get("verdict") or "error")
    target = _map(report.get("target"))
    label = target.get("label") or target.get("base_url") or "target"
    sections = [
        _header(report, target, verdict),
        _alerts(report),
        _summary(report, clauses, doc_clauses),
        _charts(report),
        _clause_table(clauses),
        _gray_zone(clauses),
        _edge_cases(report),
        metadata_findings(report),
        _doc_findings(report, doc_clauses),
        _footer(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>graphcontract {_e(verdict.upper())} — {_e(label)}</title>\n"
        f"<style>{_CSS}</style></head>\n<body><main>\n"
        + "\n".join(s for s in sections if s)
        + "\n</main></body></html>\n"
    )


# -- small helpers ------------------------------------------------------------------------


def _maps(value: object) -> list[Mapping[str, Any]]:
    return [item for item in _list(value) if isinstance(item, Mapping)]


def _anchor(clause_id: object) -> str:
    return "clause-" + "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in str(clause_id))


def _link(clause_id: object) -> str:
    return f'<a href="#{_anchor(clause_id)}"><code>{_e(clause_id)}</code></a>'


def _badge(status: object, css: str = "") -> str:
    text = _e(status or "unknown")
    return f'<span class="badge {css or "s-" + text}">{text}</span>'


def _pre(text: object) -> str:
    return f"<pre>{_e(text)}</pre>"


def _table(heads: list[str], rows: list[str]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _section(anchor: str, title: str, note: str = "") -> str:
    note = f'<p class="muted">{_e(note)}</p>' if note else ""
    return f'<h2 id="{anchor}">{_e(title)}</h2>{note}'


def _duration(value: object) -> str:
    seconds = _number(value)
    if seconds is None or seconds < 60:
        return "" if seconds is None else f"{seconds:.1f} s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def _date(value: object) -> str:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    return f"{when:%Y-%m-%d %H:%M:%S} {when.tzname() or ''}".strip()


def _body(text: object) -> str:
    """A body as sent or received: pretty JSON when it parses, the text as it is otherwise."""
    if text is None or text == "":
        return "(empty)"
    if isinstance(text, str):
        try:
            return json_text(json.loads(text), indent=2)
        except ValueError:
            return text
    return json_text(text, indent=2, default=str)


def _headers(value: object) -> str:
    return "\n".join(f"{name}: {val}" for name, val in _map(value).items()) or "(no headers)"


# -- sections -----------------------------------------------------------------------------


def _header(report: Mapping[str, Any], target: Mapping[str, Any], verdict: str) -> str:
    waits = f" ({report['throttle_waits']} throttle waits)" if report.get("throttle_waits") else ""
    facts = [
        ("Target", target.get("label") or "(unnamed)"),
        ("Base URL", target.get("base_url")),
        ("Position id", target.get("position_id")),
        ("Users", ", ".join(str(u) for u in _list(target.get("users"))) or "none configured"),
        ("Profile", report.get("profile")),
        ("Started", _date(report.get("started") or "")),
        ("Duration", _duration(report.get("duration_s"))),
        ("Requests", f"{report.get('requests', 0)}{waits}"),
    ]
    policy = _map(report.get("policy"))
    if policy:
        facts.append(("Policy", ", ".join(f"{k}={v}" for k, v in policy.items())))
    cells = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    css = verdict if verdict in {"pass", "fail"} else "error"
    count = len(_list(report.get("failed_clauses")))
    failed = f"{count} must clause{'s' if count != 1 else ''}" if count else "a must clause"
    explain = VERDICT_TEXT.get(verdict, "unknown verdict").format(n=failed)
    return (
        f'<header><div class="verdict v-{css}"><b>{_e(verdict.upper())}</b>'
        f"<span>{_e(explain)}</span></div><div><h1>graphcontract report — Update "
        f'{_e(report.get("api") or "workPosition")}</h1><dl class="facts">{cells}</dl></div>'
        "</header>"
    )


def _alerts(report: Mapping[str, Any]) -> str:
    out = []
    errors = [str(e) for e in _list(report.get("errors"))]
    if errors:
        items = "".join(f"<li>{_pre(e)}</li>" for e in errors)
        out.append(
            f'<section class="alert alert-fail" id="errors"><h3>Errors ({len(errors)}): '
            f"the harness could not judge everything</h3><ul>{items}</ul></section>"
        )
    problems = [
        str(p)
        for p in _list(report.get("restore_problems"))
        if ": not restored: " not in str(p) or ": still different: " in str(p)
    ]  # what only "not restored" lists has its own section below
    if problems:
        items = "".join(f"<li>{_e(p)}</li>" for p in problems)
        out.append(
            '<section class="alert alert-warn" id="restore-problems"><h3>Restore problems'
            f" ({len(problems)}): the position may not be back to its original state</h3>"
            f"<ul>{items}</ul><p>Put it back with <code>graphcontract restore</code> and "
            "the restore journal in this report folder.</p></section>"
        )
    fixed = [str(p) for p in _list(report.get("restore_problems_fixed"))]
    if fixed:
        items = "".join(f"<li>{_e(p)}</li>" for p in fixed)
        out.append(
            '<section class="alert alert-ok" id="restore-fixed"><h3>Restore problems fixed'
            f" ({len(fixed)}): a later restore put the position back and verified it</h3>"
            f"<ul>{items}</ul></section>"
        )
    left = [str(x) for r in _maps(report.get("restores")) for x in _list(r.get("not_restored"))]
    if left:
        items = "".join(f"<li>{_e(x)}</li>" for x in dict.fromkeys(left))
        out.append(
            '<section class="alert alert-fail" id="not-restored"><h3>Not restored '
            f"({len(set(left))}): the run left the position changed</h3><ul>{items}</ul><p>"
            "No PATCH can take these back (<code>graphcontract restore</code> neither): "
            "remove them with the service's own means.</p>"
            + "".join(
                f"<p>{_e(r['withheld'])}.</p>"
                for r in _maps(report.get("restores"))
                if r.get("withheld")
            )
            + "</section>"
        )
    return "\n".join(out)


def _summary(
    report: Mapping[str, Any],
    clauses: list[Mapping[str, Any]],
    doc_clauses: list[Mapping[str, Any]],
) -> str:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for clause in clauses:
        status = str(clause.get("status") or "unknown")
        counts[status] = counts.get(status, 0) + 1
    # A status no clause has is shown grey: a red "0 fail" reads as a failure at a glance.
    boxes = "".join(
        f'<div class="count"><b>{n}</b>{_badge(s) if n else _badge(s, "s-none")}</div>'
        for s, n in counts.items()
    )
    title = f"{len(clauses)} clause{'' if len(clauses) == 1 else 's'} judged on the target"
    title += f", plus {len(doc_clauses)} on the documentation (below)" if doc_clauses else ""
    parts = [_section("summary", f"Summary — {title}"), f'<div class="counts">{boxes}</div>']
    by_id = {c.get("id"): c for c in clauses}  # in report.first_cause's order
    failed = [by_id.get(cid) or {"id": cid} for cid in _list(report.get("failed_clauses"))]
    if failed:
        items = "".join(
            f"<li>{_link(c.get('id'))} — {_e(c.get('failure_title') or c.get('title'))}</li>"
            for c in failed
        )
        parts.append(f"<h3>Failed must clauses ({len(failed)})</h3><ul>{items}</ul>")
    elif clauses:
        parts.append('<p class="muted">No must clause failed.</p>')
    notes = [
        f"{_link(c.get('id'))} found problems in the documentation (reported apart, never "
        "fails the run)"
        for c in doc_clauses
        if c.get("status") == "fail"
    ]
    findings = len(_list(report.get("documentation_findings")))
    if findings:
        notes.append(f'<a href="#documentation">{findings} documentation finding(s)</a>')
    if notes:
        parts.append(f'<p class="muted">{" · ".join(notes)}</p>')
    return "\n".join(parts)


def _clause_table(clauses: list[Mapping[str, Any]]) -> str:
    if not clauses:
        return _section("clauses", "Clauses") + '<p class="empty">No clauses in this report.</p>'
    heads = ["Clause", "Level", "Status", "What is checked", "Judged", "Documented in"]
    return _section("clauses", "Clauses") + _table(heads, [_clause_rows(c) for c in clauses])


def _clause_rows(clause: Mapping[str, Any]) -> str:
    status, level = _e(clause.get("status")), _e(clause.get("level"))
    source = _map(clause.get("source"))
    where = _e(" — ".join(str(source[k]) for k in ("page", "section") if source.get(k)))
    if source.get("row"):
        where += f"<br>“{_e(source['row'])}”"
    title = _e(clause.get("title"))
    if clause.get("reason"):
        title += f'<br><span class="muted">{status}: {_e(clause.get("reason"))}</span>'
    judged = _e(clause.get("requests", 0))
    if clause.get("failed"):
        judged += f'<br><span class="muted nowrap">{_e(clause.get("failed"))} failed</span>'
    more = (_failure(clause) if clause.get("status") == "fail" else "") + _observations(
        _map(clause.get("observation"))
    )
    row = (
        f'<tr id="{_anchor(clause.get("id"))}" class="row-{status}{" has-more" if more else ""}"'
        f' title="{_e(clause.get("statement"))}"><td><code>{_e(clause.get("id"))}</code></td>'
        f'<td><span class="level level-{level}">{level}</span></td><td>{_badge(status)}</td>'
        f'<td>{title}</td><td class="num">{judged}</td><td class="src">{where}</td></tr>'
    )
    more = f'\n<tr class="more row-{status}"><td colspan="6">{more}</td></tr>' if more else ""
    return row + more


def _failure(clause: Mapping[str, Any], label: str = "Counterexample") -> str:
    example = _map(clause.get("counterexample"))
    title = clause.get("failure_title") or example.get("title") or "failed"
    inner = f"<p>{_e(clause.get('statement'))}</p>"
    if clause.get("contradicts"):
        inner += f'<p class="muted">Contradicts: {_e(clause.get("contradicts"))}</p>'
    inner += _exchange(example) if example else '<p class="muted">No counterexample recorded.</p>'
    css = "sum-fail" if label == "Counterexample" else "sum-doc"
    summary = f'<summary class="{css}">{_e(label)}: {_e(title)}</summary>'
    return f"<details>{summary}{inner}</details>"


def _exchange(example: Mapping[str, Any]) -> str:
    """The sent/expected/got message, the request and response side by side, and the curl line."""
    request, response = _map(example.get("request")), _map(example.get("response"))
    parts = []
    if example.get("message"):
        parts.append(f"<h3>Sent / expected / got</h3>{_pre(example.get('message'))}")
    if request or response:
        elapsed = response.get("elapsed_ms")
        took = f' <span class="muted">({_e(elapsed)} ms)</span>' if elapsed is not None else ""
        line = f"{request.get('method', '')} {request.get('url', '')}"
        parts.append(
            f'<div class="pair"><div><h3>Request</h3>{_pre(line)}'
            f"{_pre(_headers(request.get('headers')))}{_pre(_body(request.get('body')))}</div>"
            f"<div><h3>Response {_e(response.get('status', ''))}{took}</h3>"
            f"{_pre(_headers(response.get('headers')))}{_pre(_body(response.get('body')))}"
            "</div></div>"
        )
    if example.get("sent_after"):
        parts.append(f"<h3>Sent right after</h3>{_pre(example.get('sent_after'))}")
    if reproduce := _map(example.get("history")).get("replay") or example.get("curl"):
        parts.append(f"<h3>Reproduce</h3>{_pre(reproduce)}")
    return "".join(parts)


def _observations(observation: Mapping[str, Any]) -> str:
    if not observation:
        return ""
    outcomes = _maps(observation.get("outcomes"))
    items = []
    for outcome in outcomes:
        example = _map(outcome.get("example"))
        shown = (
            f"<details><summary>Example exchange</summary>{_exchange(example)}</details>"
            if example
            else ""
        )
        message = _pre(outcome.get("message")) if outcome.get("message") else ""
        items.append(
            f"<li><b>{_e(outcome.get('title'))}</b> ×{_e(outcome.get('count', 0))}"
            f"{message}{shown}</li>"
        )
    return (
        f'<details><summary class="sum-obs">Observed {_e(observation.get("count", 0))} '
        f"time(s), {len(outcomes)} distinct outcome(s)</summary><ul>{''.join(items)}</ul>"
        "</details>"
    )


def _gray_zone(clauses: list[Mapping[str, Any]]) -> str:
    head = _section(
        "gray-zone",
        "Gray-zone observations",
        "Behaviour the documentation leaves "
        "open: recorded, never a failure unless a policy pins it.",
    )
    observe = [c for c in clauses if c.get("level") == "observe"]
    if not observe:
        return head + '<p class="empty">No gray-zone clauses in this report.</p>'
    rows = []
    for clause in observe:
        outcomes = _maps(_map(clause.get("observation")).get("outcomes"))
        seen = "<br>".join(
            f"<b>×{_e(o.get('count', 0))}</b> {_e(o.get('title'))}" for o in outcomes
        )
        seen = seen or f'<span class="muted">{_e(clause.get("reason") or "not observed")}</span>'
        rows.append(
            f"<tr><td>{_link(clause.get('id'))}</td><td>{_badge(clause.get('status'))}"
            f'</td><td>{_e(clause.get("title"))}</td><td class="wide">{seen}</td></tr>'
        )
    return head + _table(["Clause", "Status", "Question", "What the target did"], rows)


def _edge_cases(report: Mapping[str, Any]) -> str:
    kinds = _maps(report.get("edge_cases"))
    if not kinds:
        return ""
    rows = [
        f"<tr><td>{_e(k.get('kind'))}</td><td>{len(_list(k.get('sites')))}</td>"
        f"<td>{len(_list(k.get('cases')))}</td><td>{_e(k.get('sent'))}</td>"
        f'<td class="wide">{_e(", ".join(map(str, _list(k.get("sites")))))}</td></tr>'
        for k in kinds
    ]
    note = "Every case of each kind sent at every site of that kind (strategies/edge_cases.py)."
    heads = ["Kind", "Sites", "Cases", "Sent", "Sites covered"]
    return _section("edge-cases", "Edge cases by kind", note) + _table(heads, rows)


def _doc_findings(report: Mapping[str, Any], doc_clauses: list[Mapping[str, Any]]) -> str:
    head = _section(
        "documentation",
        "Documentation findings",
        "About the documentation itself "
        "(its examples and tables), reported apart from target failures: they never "
        "fail the run.",
    )
    head += "".join(_doc_clause(c) for c in doc_clauses)
    findings = _maps(report.get("documentation_findings"))
    if not findings:
        return head + '<p class="empty">No documentation findings.</p>'
    rows = []
    for finding in findings:
        line = f":{finding['line']}" if finding.get("line") else ""
        where = f"{finding.get('page') or ''}{line}"
        clause_id = finding.get("clause")
        rows.append(
            f'<tr><td><code>{_e(where)}</code></td><td><code class="nowrap">'
            f"{_e(finding.get('kind'))}</code></td><td>{_e(finding.get('message'))}</td>"
            f"<td>{_link(clause_id) if clause_id else ''}</td></tr>"
        )
    return head + _table(["Page:line", "Kind", "Finding", "Clause"], rows)


def _doc_clause(clause: Mapping[str, Any]) -> str:
    """A documentation clause: what it checks and, when the documentation breaks it, the
    example that does (a finding, not a failure of the target: no fail badge)."""
    found = clause.get("status") == "fail"
    state = "found problems" if found else str(clause.get("status") or "")
    inner = _failure(clause, "Finding") if found else ""
    return (
        f'<div id="{_anchor(clause.get("id"))}"><p><code>{_e(clause.get("id"))}</code> — '
        f"{_e(clause.get('title'))}: <b>{_e(state)}</b></p>{inner}</div>"
    )


def _footer(report: Mapping[str, Any]) -> str:
    restores = _maps(report.get("restores"))
    verified = sum(1 for r in restores if r.get("verified"))
    left = sum(1 for r in restores if _list(r.get("not_restored")))
    text = f"{len(restores)} restore check(s) recorded, {verified} verified" if restores else ""
    text += f", {left} not restored. " if left else ". " if restores else ""
    version = f" {report['graphcontract']}" if report.get("graphcontract") else ""
    return f"<footer>{_e(text)}Generated by graphcontract{_e(version)}; needs no network.</footer>"


# -- charts (inline SVG) ------------------------------------------------------------------


def _charts(report: Mapping[str, Any]) -> str:
    counts = {
        str(k): int(v)
        for k, v in _map(report.get("status_counts")).items()
        if _number(v) is not None and v > 0
    }
    samples = [float(v) for v in _list(report.get("latencies_ms_sample")) if _number(v) is not None]
    if not counts and not samples:
        return _section("traffic", "Traffic") + '<p class="empty">No requests were sent.</p>'
    status = status_chart(counts) if counts else '<p class="empty">No requests counted.</p>'
    latency = (
        latency_chart(samples, _map(report.get("latency_ms")))
        if samples
        else '<p class="empty">No latencies recorded.</p>'
    )
    return (
        _section("traffic", "Traffic") + '<div class="charts"><figure><figcaption>Responses '
        f'by status code</figcaption>{status}<p class="muted">4xx answers are expected: the '
        "harness sends invalid bodies on purpose.</p></figure><figure><figcaption>"
        f"Latency (ms)</figcaption>{latency}</figure></div>"
    )
