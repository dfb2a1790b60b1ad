"""The staging profile's acceptance: `graphcontract run --profile staging` against the bundled
mock, with the bundled configuration (both user forms, a read-only token: nothing left
unconfigured), judges every must clause in at most 300 requests, and says how many it sent.

One end-to-end run; which faults a staging run finds is measured by
``python -m graphcontract.bench.staging_faults`` (docs/staging.md), not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from graphcontract.contract import load_contract

pytestmark = pytest.mark.slow
STAGING_REQUESTS = 300
COMMAND = [sys.executable, "-m", "graphcontract", "run", "--profile", "staging"]


def test_a_staging_run_judges_every_must_clause_in_at_most_300_requests(tmp_path):
    proc = subprocess.run(
        [*COMMAND, "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    report = json.loads(next(tmp_path.glob("*/report.json")).read_text(encoding="utf-8"))
    assert report["profile"] == "staging"
    statuses = {c["id"]: (c["status"], c.get("reason")) for c in report["clauses"]}
    must = [c for c, clause in load_contract().clauses.items() if clause.level == "must"]
    assert {c: statuses[c] for c in must if statuses[c][0] != "pass"} == {}
    assert all(c["passed"] > 0 for c in report["clauses"] if c["id"] in must)
    assert 0 < report["requests"] <= STAGING_REQUESTS, report["requests"]
    assert f"traffic: {report['requests']} requests (profile staging)" in output
    assert report["restores"]
    assert all(r["verified"] for r in report["restores"])
