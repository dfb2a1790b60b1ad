"""A run and the bundled mock on the national cloud's metadata (--metadata): both read the
same contract, so the strategies never send what that schema lacks (detail.layer,
isSearchable, …) and the mock, which refuses undeclared properties, answers as it should."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from graphcontract.contract import METADATA_ENV, contracts_dir
from graphcontract.contract_source import NATIONAL_CLOUD_METADATA
from graphcontract.mock.process import MockProcess
from tests.unit.national_cloud import USNAT_LACKS

pytestmark = pytest.mark.slow

CLAUSES = ("types.rejects", "response.shape", "response.echo", "merge.nested", "persisted")


def test_run_and_mock_on_the_national_cloud_metadata_pass(tmp_path):
    metadata = contracts_dir() / NATIONAL_CLOUD_METADATA
    clauses = [arg for clause in CLAUSES for arg in ("--clause", clause)]
    proc = subprocess.run(
        [sys.executable, "-m", "graphcontract", "run", "--metadata", str(metadata), *clauses,
         "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(next(tmp_path.glob("*/report.json")).read_text())
    statuses = {c["id"]: c["status"] for c in report["clauses"] if c["id"] in CLAUSES}
    assert statuses == dict.fromkeys(CLAUSES, "pass")


PROD_RUN_CLAUSES = ("paths.me", "paths.users", *CLAUSES)
"""paths.me and paths.users: where Prod-only properties were sent (explicit and generated
valid bodies) before a run learned what the service lacks."""


def _prod_run(mock: MockProcess, clauses: tuple[str, ...], report_dir) -> tuple[int, str, dict]:
    env = {k: v for k, v in os.environ.items() if k != METADATA_ENV}
    env["GRAPH_TOKEN"] = "graphcontract-test-token"
    args = [arg for clause in clauses for arg in ("--clause", clause)]
    proc = subprocess.run(
        [sys.executable, "-m", "graphcontract", "run", "--base-url", mock.base_url,
         "--user", mock.user_id, "--user", mock.user_principal_name, *args,
         "--report-dir", str(report_dir)],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    report = json.loads(next(report_dir.glob("*/report.json")).read_text())
    return proc.returncode, proc.stdout + proc.stderr, report


def _usnat_mock(monkeypatch, faults: tuple[str, ...] = ()) -> MockProcess:
    monkeypatch.setenv(METADATA_ENV, str(contracts_dir() / NATIONAL_CLOUD_METADATA))
    mock = MockProcess(faults=faults)
    mock.start()
    monkeypatch.delenv(METADATA_ENV)
    return mock


def test_prod_contract_against_a_national_cloud_service_passes_with_findings(tmp_path, monkeypatch):
    """The Prod default against the mock on the national cloud's metadata: exit 0, every
    clause judged, and the properties the service lacks listed as findings (report and
    console), learned from the $metadata the mock serves."""
    mock = _usnat_mock(monkeypatch)
    try:
        code, output, report = _prod_run(mock, PROD_RUN_CLAUSES, tmp_path)
    finally:
        mock.stop()
    assert code == 0, output
    statuses = {c["id"]: c["status"] for c in report["clauses"] if c["id"] in PROD_RUN_CLAUSES}
    assert statuses == dict.fromkeys(PROD_RUN_CLAUSES, "pass")
    findings = report["metadata_findings"]
    assert findings["how"] == "compared with the target's $metadata"
    lacking = {
        f"{f['type']}.{f['property']}" for f in findings["findings"] if f["kind"] == "lacking"
    }
    assert lacking == set(USNAT_LACKS)  # every one of them reached by the run's bodies
    assert "the service lacks 9 properties" in output
    assert "positionDetail.layer" in output
    html = next(tmp_path.glob("*/report.html")).read_text()
    assert 'id="metadata"' in html
    assert all(restore["verified"] for restore in report["restores"]), report["restores"]


def test_a_fault_on_a_national_cloud_service_still_fails_the_prod_contract(tmp_path, monkeypatch):
    """Learning what the service lacks excuses nothing else: nested-replace on the national
    cloud's mock fails merge.nested under the Prod contract."""
    mock = _usnat_mock(monkeypatch, faults=("nested-replace",))
    try:
        code, output, report = _prod_run(mock, ("merge.nested",), tmp_path)
    finally:
        mock.stop()
    assert code == 1, output
    assert report["failed_clauses"] == ["merge.nested"]
    assert report["metadata_findings"]["findings"]
