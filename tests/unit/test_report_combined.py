"""--api all's report: each facet's report.json becomes a section, the worst verdict is the
run's, failed clauses name their facet, and JUnit test names carry the facet."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from graphcontract.report.combined import (
    combine,
    facet_section,
    render_combined_html,
    tag_junit,
    write_combined,
)
from graphcontract.runner.console import facet_tag

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="2">
<testcase classname="test_contract_updates" name="test_x[case]"/>
<testcase classname="test_contract_values" name="test_y"/></testsuite></testsuites>"""


def _facet(tmp_path, facet, verdict, failed=()):
    folder = tmp_path / facet
    folder.mkdir()
    report = {
        "verdict": verdict,
        "api": facet,
        "failed_clauses": list(failed),
        "clauses": [{"id": c, "status": "fail", "failure_title": f"{c} broke <b>"} for c in failed],
        "errors": [],
        "requests": 10,
        "target": {"label": "mock", "base_url": "http://127.0.0.1:1", "position_id": "p1"},
    }
    (folder / "report.json").write_text(json.dumps(report))
    (folder / "junit.xml").write_text(JUNIT)
    return facet_section(facet, folder, f"/me/profile/{facet}/{{id}}", 0)


@pytest.mark.parametrize(
    ("verdicts", "overall"),
    [
        (["pass", "pass"], "pass"),
        (["pass", "error"], "error"),
        (["error", "fail"], "fail"),
        (["fail", "pass"], "fail"),
    ],
    ids=["all-pass", "one-error", "fail-over-error", "one-fail"],
)
def test_the_run_takes_the_worst_facet_verdict(tmp_path, verdicts, overall):
    sections = [
        _facet(tmp_path, f"f{i}", v, ["merge.nested"] if v == "fail" else [])
        for i, v in enumerate(verdicts)
    ]
    report = combine(sections, profile="ci", started="now", duration_s=1.0)
    assert report["verdict"] == overall
    assert report["api"] == "all"
    assert report["requests"] == 20
    assert "position_id" not in report["target"]
    expected = [f"f{i}: merge.nested" for i, v in enumerate(verdicts) if v == "fail"]
    assert report["failed_clauses"] == expected


def test_a_facet_without_a_report_is_an_error_section(tmp_path):
    (tmp_path / "skillProficiency").mkdir()
    section = facet_section("skillProficiency", tmp_path / "skillProficiency", "/p", 3)
    assert section["verdict"] == "error"
    assert section["errors"] == ["skillProficiency: no report was written (pytest exit 3)"]
    assert combine([section], profile="ci", started="", duration_s=0)["verdict"] == "error"


def test_junit_names_carry_the_facet(tmp_path):
    (tmp_path / "junit.xml").write_text(JUNIT)
    root = tag_junit(tmp_path / "junit.xml", "skillProficiency")
    assert root is not None
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == ["test_x[case][skillProficiency]", "test_y[skillProficiency]"]
    assert {suite.get("name") for suite in root.iter("testsuite")} == {"skillProficiency"}
    assert tag_junit(tmp_path / "missing.xml", "x") is None


def test_the_combined_files_have_a_section_per_facet(tmp_path):
    facets = ["skillProficiency", "workPosition"]
    sections = [
        _facet(tmp_path, "skillProficiency", "fail", ["merge.nested"]),
        _facet(tmp_path, "workPosition", "pass"),
    ]
    report = combine(sections, profile="ci", started="", duration_s=2.0)
    write_combined(report, tmp_path, facets)
    written = json.loads((tmp_path / "report.json").read_text())
    assert [s["api"] for s in written["facets"]] == facets
    assert written["facets"][0]["failures"] == {"merge.nested": "merge.nested broke <b>"}
    html = (tmp_path / "report.html").read_text()
    assert 'id="api-skillProficiency"' in html
    assert 'id="api-workPosition"' in html
    assert 'href="skillProficiency/report.html"' in html
    assert "broke &lt;b&gt;" in html
    assert "broke <b>" not in html
    cases = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    assert sorted(c.get("name") for c in cases) == [
        "test_x[case][skillProficiency]",
        "test_x[case][workPosition]",
        "test_y[skillProficiency]",
        "test_y[workPosition]",
    ]


def test_render_tolerates_an_empty_report():
    assert "graphcontract report" in render_combined_html({})


@pytest.mark.parametrize(
    ("api", "tag"),
    [(None, ""), ("workPosition", ""), ("skillProficiency", " [skillProficiency]")],
    ids=["none", "default-facet", "another-facet"],
)
def test_console_headlines_name_a_facet_other_than_work_position(api, tag):
    assert facet_tag({"api": api}) == tag


def test_documentation_findings_are_linked_apart_and_never_a_failure(tmp_path):
    folder = tmp_path / "itemAddress"
    folder.mkdir()
    report = {
        "verdict": "pass",
        "failed_clauses": [],
        "clauses": [
            {"id": "docs.examples", "level": "doc", "status": "fail", "failure_title": "doc"}
        ],
        "documentation_findings": [{"kind": "example.invalid-json"}],
        "errors": [],
    }
    (folder / "report.json").write_text(json.dumps(report))
    section = facet_section("itemAddress", folder, "/me/profile/addresses/{id}", 0)
    assert section["failures"] == {}
    assert section["documentation_findings"] == 1
    html = render_combined_html(combine([section], profile="ci", started="now", duration_s=1.0))
    assert 'href="itemAddress/report.html#documentation">1 documentation finding(s)' in html
