"""report.html: verdict badge, counterexamples, escaping, offline-only markup, charts, findings;
and JSON text every report can carry (lone surrogates)."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from graphcontract.clientpolicy import Redactor
from graphcontract.oracles.verdict import show
from graphcontract.report.build import write_report
from graphcontract.report.html import render_html
from graphcontract.types import json_text, printable

SCRIPT = "<script>alert(1)</script>"
URL = "http://127.0.0.1:8000/beta/me/profile/positions/p1"
CURL = f"curl -sS -X PATCH '{URL}' -H 'content-type: application/json' --data-binary '{{}}'"


def clause(cid: str, status: str, level: str = "must", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": cid,
        "level": level,
        "title": f"title of {cid}",
        "statement": f"{cid} holds",
        "source": {
            "page": "Update workPosition (published)",
            "file": "seeds/000.txt",
            "section": "Response",
            "row": "returns 200 OK",
            "text": "…",
        },
        "status": status,
        "requests": 0 if status == "skipped" else 5,
        "passed": 5,
        "failed": 0,
        "counterexample": None,
        "observation": None,
    }
    entry.update(extra)
    return entry


def failed_clause(cid: str) -> dict[str, Any]:
    example = {
        "title": f"{cid} broke",
        "message": 'sent: {"detail": {"jobTitle": "x"}}\nexpected: role kept\ngot: role = null',
        "request": {
            "method": "PATCH",
            "url": URL,
            "headers": {"content-type": "application/json"},
            "body": '{"detail": {"jobTitle": "x"}}',
        },
        "response": {
            "status": 200,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"note": SCRIPT}),
            "elapsed_ms": 3.5,
        },
        "curl": CURL + f" # {cid}",
        "sent_after": f'PATCH {URL} {{"x": 1}} answered 400, 3 ms before this request was sent',
    }
    return clause(
        cid,
        "fail",
        failed=2,
        counterexample=example,
        failure_title=example["title"],
        contradicts="Update workPosition (published) — Response: returns 200 OK",
    )


OBSERVED = clause(
    "enum.allowedAudiences.gray",
    "observed",
    level="observe",
    observation={
        "count": 7,
        "outcomes": [
            {
                "title": "accepted family,contacts",
                "count": 7,
                "message": "sent: family,contacts\ngot: 200",
                "example": None,
            }
        ],
    },
)
FINDING = {
    "page": "seeds/002_draft.txt",
    "line": 14,
    "kind": "path.unknown",
    "message": "PATCH /me/profile/position/{id} is not documented",
    "clause": None,
}
TRAFFIC: dict[str, Any] = {
    "requests": 12,
    "status_counts": {"200": 8, "400": 4},
    "latency_ms": {"median": 4.0, "p90": 9.0, "p99": 11.0, "max": 11.0, "count": 12},
    "latencies_ms_sample": [1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 11.0],
}


def run(verdict: str, clauses: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "graphcontract": "0.1.0",
        "verdict": verdict,
        "target": {
            "base_url": "http://127.0.0.1:8000/beta",
            "label": "bundled reference mock",
            "position_id": "p1",
            "users": [],
            "loopback": True,
            "readonly_token": False,
        },
        "profile": "ci",
        "policy": {"nested": "merge"},
        "started": "2025-11-22T10:00:00+00:00",
        "duration_s": 4.25,
        "clauses": clauses,
        "throttle_waits": 0,
        "errors": [],
        "restores": [],
        "restore_problems": [],
        "documentation_findings": [FINDING],
        "failed_clauses": [c["id"] for c in clauses if c["status"] == "fail"],
        **copy.deepcopy(TRAFFIC),
    }
    report.update(extra)
    return report


PASSING = run(
    "pass",
    [
        clause("paths.me", "pass"),
        OBSERVED,
        clause("auth.scope", "skipped", reason="no read-only token configured"),
    ],
)
FAILING = run(
    "fail",
    [
        clause("paths.me", "pass"),
        failed_clause("merge.nested"),
        failed_clause("types.rejects"),
        OBSERVED,
    ],
)
ERROR = run(
    "error",
    [clause("paths.me", "skipped", reason="no exchange was judged")],
    errors=["target unreachable: connection refused <b>"],
    restore_problems=["end of run: still different: detail.role"],
)
NO_REQUESTS = run(
    "error",
    [clause("paths.me", "skipped", reason="nothing judged")],
    requests=0,
    status_counts={},
    latency_ms=None,
    latencies_ms_sample=[],
)
SPARSE: dict[str, Any] = {"verdict": "fail", "clauses": [{"id": "merge.nested", "status": "fail"}]}
REPORTS = [PASSING, FAILING, ERROR, NO_REQUESTS, SPARSE]
IDS = ["passing", "failing", "error", "no-requests", "missing-keys"]


class _Tags(HTMLParser):
    """Every start tag with its attributes, and whether the document parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


@pytest.mark.parametrize(
    ("report", "badge"),
    [
        (PASSING, "PASS"),
        (FAILING, "FAIL"),
        (ERROR, "ERROR"),
        (NO_REQUESTS, "ERROR"),
        (SPARSE, "FAIL"),
        ({}, "ERROR"),
    ],
    ids=[*IDS, "empty-dict"],
)
def test_verdict_badge_shows_the_verdict(report: dict[str, Any], badge: str) -> None:
    page = render_html(report)
    css = badge.lower()
    assert re.search(rf'<div class="verdict v-{css}"><b>{badge}</b>', page)


def test_each_failed_clause_shows_its_counterexample_and_curl() -> None:
    page = render_html(FAILING)
    for cid in ("merge.nested", "types.rejects"):
        assert f'id="clause-{cid}"' in page
        assert f'href="#clause-{cid}"' in page  # linked from the summary
        assert f"{cid} broke" in page
        assert f"<pre>{_escaped(CURL)} # {cid}</pre>" in page
    assert "Sent / expected / got" in page
    assert "got: role = null" in page
    assert "<h3>Sent right after</h3><pre>PATCH " in page
    assert "answered 400, 3 ms before this request was sent</pre>" in page


def test_response_body_markup_is_escaped() -> None:
    page = render_html(FAILING)
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not [t for t, _ in tags(page) if t == "script"]


@pytest.mark.parametrize("report", REPORTS, ids=IDS)
def test_page_references_no_external_resource(report: dict[str, Any]) -> None:
    page = render_html(report)
    assert "<link" not in page
    assert "<script" not in page
    for tag, attrs in tags(page):
        for name in ("src", "href"):
            if name not in attrs:
                continue
            value = attrs[name] or ""
            assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
            if name == "href":
                assert value.startswith("#"), (tag, value)
    assert "url(" not in page
    assert "@import" not in page


@pytest.mark.parametrize(
    ("report", "charts"),
    [
        (PASSING, 2),
        (FAILING, 2),
        (NO_REQUESTS, 0),
        (run("pass", [], latencies_ms_sample=[], latency_ms=None), 1),
        (run("pass", [], latencies_ms_sample=[5.0] * 10), 2),
    ],
    ids=["passing", "failing", "no-requests", "counts-without-latencies", "equal-latencies"],
)
def test_charts_are_inline_svg_or_a_no_requests_note(report: dict[str, Any], charts: int) -> None:
    page = render_html(report)
    assert page.count("<svg") == charts
    if charts == 0:
        assert "No requests were sent" in page
    if charts == 2:
        assert "Latency histogram" in page
        assert re.search(r">median [\d.]+</text>", page)
        assert re.search(r">p99 [\d.]+</text>", page)


def test_status_chart_labels_every_status_code() -> None:
    page = render_html(run("fail", [], status_counts={"200": 3, "400": 9, "503": 1}))
    svg = page[page.index("<svg") : page.index("</svg>")]
    for code, count in (("200", 3), ("400", 9), ("503", 1)):
        assert f"<title>{code}: {count}</title>" in svg


def test_an_outlier_gets_its_own_bar_rather_than_squashing_the_histogram() -> None:
    samples = [float(v % 10 + 1) for v in range(200)] + [5000.0]
    page = render_html(
        run(
            "pass",
            [],
            latencies_ms_sample=samples,
            latency_ms=None,
            status_counts={"200": len(samples)},
        )
    )
    assert "holds everything above p99" in page
    assert page.count("<rect") == 1 + 20  # one status bar (200) + 20 latency buckets
    assert "<title>&gt; 10.0 ms: 1</title>" in page


def test_documentation_findings_are_listed_apart() -> None:
    page = render_html(PASSING)
    section = page[page.index('id="documentation"') :]
    assert "seeds/002_draft.txt:14" in section
    assert "path.unknown" in section
    assert "PATCH /me/profile/position/{id} is not documented" in section
    assert "reported apart from target failures" in section


def test_errors_and_restore_problems_are_prominent() -> None:
    page = render_html(ERROR)
    alerts = page[: page.index('id="summary"')]
    assert "target unreachable: connection refused &lt;b&gt;" in alerts
    assert "end of run: still different: detail.role" in alerts
    assert "graphcontract restore" in alerts


@pytest.mark.parametrize("report", [PASSING, FAILING], ids=["passing", "failing"])
def test_observed_and_skipped_clauses_explain_themselves(report: dict[str, Any]) -> None:
    page = render_html(report)
    assert "accepted family,contacts</b> ×7" in page
    gray = page[page.index('id="gray-zone"') : page.index('id="documentation"')]
    assert 'href="#clause-enum.allowedAudiences.gray"' in gray
    if report is PASSING:
        assert "skipped: no read-only token configured" in page
        assert "No must clause failed." in page
    else:
        assert "No must clause failed." not in page


@pytest.mark.parametrize("report", REPORTS, ids=IDS)
def test_page_is_well_formed_enough_to_parse(report: dict[str, Any]) -> None:
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<details") == page.count("</details>")
    assert page.count("<tr") == page.count("</tr>")
    assert tags(page)[0][0] == "html"


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def test_lone_surrogates_and_nul_in_a_report_are_written_as_escapes(tmp_path) -> None:
    """A target may echo a lone surrogate (strings.unusual): report.json stays UTF-8 JSON that
    reads back the same, and report.html is written with the escape as text."""
    failing = failed_clause("response.echo")
    failing["failure_title"] = "detail.jobTitle: 'a\ud800' stored as another value"
    failing["counterexample"]["response"]["body"] = {"jobTitle": "a\ud800\x00b"}
    report = run("fail", [failing])
    path = write_report(report, tmp_path)
    text = path.read_bytes().decode("utf-8")  # strict: no surrogate bytes in the file
    assert json.loads(text)["clauses"][0]["failure_title"] == failing["failure_title"]
    assert "\\ud800" in text
    page = (tmp_path / "report.html").read_bytes().decode("utf-8")
    assert "\\ud800" in page


def test_secrets_quoted_by_a_verdict_are_redacted_in_both_report_files(tmp_path) -> None:
    """Verdicts quote the data as the target sent it (never redacted, or oracles and restores
    would judge and write back '***'); the files written from them are, a secret as a whole
    token only: the probe text that begins with the mock's read-only token stays as sent."""
    secret = "graphcontract-readonly"
    failing = failed_clause("read-only.not-applied")
    failing["failure_title"] = f"lastModifiedBy merged: {secret}-probe (token '{secret}')"
    failing["counterexample"]["response"]["body"] = {"displayName": f"{secret}-probe"}
    redactor = Redactor([secret])
    write_report(run("fail", [failing]), tmp_path, redact=redactor.text)
    for name in ("report.json", "report.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert f"{secret}-probe" in text, name
        assert "***-probe" not in text, name
        assert text.count(secret) == text.count(f"{secret}-probe"), "the token itself is shown"
        assert "***" in text, name


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"a": "é"}, '{"a": "é"}'),
        ({"a": "é\ud800"}, '{"a": "\\u00e9\\ud800"}'),
        ({"a": "\x00"}, '{"a": "\\u0000"}'),
    ],
    ids=["readable", "surrogate-escaped", "nul-escaped"],
)
def test_json_text_always_encodes_as_utf8(value: Any, text: str) -> None:
    assert json_text(value) == text
    assert json.loads(json_text(value)) == value


def test_messages_show_a_lone_surrogate_as_its_escape() -> None:
    assert show("a\udc00b") == "a\\udc00b"
    assert show({"k": "\udc00"}) == '{"k": "\\udc00"}'
    assert printable("plain é") == "plain é"


DOC_FAILED = clause(
    "docs.examples",
    "fail",
    level="doc",
    failed=1,
    failure_title="documented example violates the contract",
    counterexample={"title": "documented example violates the contract", "message": "got: x"},
)


def test_a_passing_page_has_no_fail_badge_even_with_documentation_findings() -> None:
    page = render_html(run("pass", [*PASSING["clauses"], DOC_FAILED]))
    assert 'class="badge s-fail"' not in page, "a red fail badge on a PASS page"
    assert 'class="sum-fail"' not in page
    summary = page[page.index('id="summary"') : page.index('id="traffic"')]
    assert "Summary — 3 clauses judged on the target, plus 1 on the documentation" in summary, (
        "documentation clauses are not clause results, and the summary says where they went"
    )
    docs = page[page.index('id="documentation"') :]
    assert 'id="clause-docs.examples"' in docs
    assert "found problems" in docs
    assert "documented example violates the contract" in docs
    table = page[page.index('id="clauses"') : page.index('id="gray-zone"')]
    assert "docs.examples" not in table


def test_a_failing_page_still_badges_its_failed_clauses() -> None:
    page = render_html(FAILING)
    assert page.count('<span class="badge s-fail">fail</span>') == 1 + 2  # the count box + rows


def test_restore_problems_a_later_restore_fixed_are_shown_as_fixed() -> None:
    fixed = "after an example: still different: x; fixed by the end-of-run restore (verified)"
    page = render_html(run("pass", PASSING["clauses"], restore_problems_fixed=[fixed]))
    alerts = page[: page.index('id="summary"')]
    assert 'id="restore-problems"' not in alerts
    assert "may not be back" not in alerts
    assert 'id="restore-fixed"' in alerts
    assert fixed in alerts


def test_what_no_patch_removes_is_listed_as_not_restored_never_verified() -> None:
    report = copy.deepcopy(FAILING)
    report["restores"] = [
        {
            "when": "end of run",
            "verified": False,
            "differences": [],
            "not_restored": ['graphcontractUnknown: not there before the run, now "x"'],
            "withheld": "3 probe(s) of undeclared properties not sent: the target stores them",
        }
    ]
    report["restore_problems"] = [
        'end of run: not restored: graphcontractUnknown: not there before the run, now "x"'
    ]
    html = render_html(report)
    assert 'id="not-restored"' in html
    assert "graphcontractUnknown: not there before the run" in html
    assert "3 probe(s) of undeclared properties not sent" in html
    assert 'id="restore-problems"' not in html, "said once, in its own section"
    assert "1 restore check(s) recorded, 0 verified, 1 not restored." in html
