"""graphcontract run --api: one facet against the mock and a fault that breaks it (the facet
named in the verdict, report and JUnit names), and --api all in one run with a section per
facet. The clause catalog is the same for every facet, ids unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from graphcontract.api_option import checkable_facets
from graphcontract.contract import API_ENV
from graphcontract.mock.process import MockProcess

pytestmark = pytest.mark.slow


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != API_ENV}
    return subprocess.run(
        [sys.executable, "-m", "graphcontract", "run", *args, "--report-dir", str(cwd)],
        env={**env, "GRAPH_TOKEN": "graphcontract-test-token"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize(
    ("faults", "code", "status"),
    [((), 0, "pass"), (("nested-replace",), 1, "fail")],
    ids=["conforming", "nested-replace"],
)
def test_skill_proficiency_is_judged_by_the_same_clauses(tmp_path, faults, code, status):
    with MockProcess(faults=faults) as mock:
        proc = _run(
            "--api", "skillProficiency", "--base-url", mock.base_url, "--clause", "merge.nested",
            cwd=tmp_path,
        )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == code, out
    report = json.loads(next(tmp_path.glob("*/report.json")).read_text())
    assert report["api"] == "skillProficiency"
    statuses = {c["id"]: c["status"] for c in report["clauses"]}
    assert statuses["merge.nested"] == status
    assert f"graphcontract: {status} (skillProficiency)" in out
    if status == "fail":
        assert "FAIL merge.nested [skillProficiency]:" in out
        assert "/me/profile/skills/" in report_counterexample(report, "merge.nested")
    junit = ET.parse(next(tmp_path.glob("*/junit.xml"))).getroot()
    names = [case.get("name", "") for case in junit.iter("testcase")]
    assert names
    assert all(name.endswith("[skillProficiency]") for name in names)


def report_counterexample(report: dict, clause: str) -> str:
    entry = next(c for c in report["clauses"] if c["id"] == clause)
    return str(entry["counterexample"]["request"]["url"])


def test_all_checks_every_facet_in_one_report(tmp_path):
    started = time.monotonic()
    proc = _run("--api", "all", "--clause", "response.echo", cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    folder = next(tmp_path.glob("*/report.json")).parent
    report = json.loads((folder / "report.json").read_text())
    assert report["verdict"] == "pass"
    assert [s["api"] for s in report["facets"]] == list(checkable_facets())
    assert {s["verdict"] for s in report["facets"]} == {"pass"}
    for section in report["facets"]:
        facet = json.loads((folder / section["api"] / "report.json").read_text())
        assert facet["api"] == section["api"]
        assert {c["id"] for c in facet["clauses"]} == {c["id"] for c in report_clauses(folder)}
    address = json.loads((folder / "itemAddress" / "report.json").read_text())
    found = {(f["page"], f["kind"]) for f in address["documentation_findings"]}
    assert found == {("contracts/examples/facets/itemAddress.request.json", "example.invalid-json")}
    html = (folder / "report.html").read_text()
    assert all(f'id="api-{facet}"' in html for facet in checkable_facets())
    names = {c.get("name", "") for c in ET.parse(folder / "junit.xml").getroot().iter("testcase")}
    assert any(name.endswith("[skillProficiency]") for name in names)
    assert elapsed < 600


def report_clauses(folder: Path) -> list[dict]:
    return json.loads((folder / "workPosition" / "report.json").read_text())["clauses"]
