"""A run and the bundled mock on the national cloud's metadata (--metadata): both read the
same contract, so the strategies never send what that schema lacks (detail.layer,
isSearchable, …) and the mock, which refuses undeclared properties, answers as it should."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from graphcontract.contract import contracts_dir
from graphcontract.contract_source import NATIONAL_CLOUD_METADATA

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
