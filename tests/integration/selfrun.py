"""The harness's runs against the reference mock, shared by the self-tests that judge them.

``run_harness`` is ``graphcontract run`` against one mock; ``run_sequences`` is pytest on
the contract suite's sequence test alone. Each is a subprocess talking real HTTP to a real
uvicorn mock on loopback (the mock forked from this worker's preloaded fork server,
``forked.py``); each returns the exit status, the one report.json
it wrote, and its stdout + stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from graphcontract.mock.process import MockProcess
from tests.integration import forked

READONLY_ENV = "GC_TEST_READONLY_TOKEN"
TOKEN = "graphcontract-test-token"
ROOT = Path(__file__).resolve().parents[2]
SEQUENCES = "tests/contract/test_contract_sequences.py"


def secrets_of(mock: MockProcess) -> dict[str, str]:
    """The tokens a run against ``mock`` reads, by the variable it reads them from."""
    return {"GRAPH_TOKEN": TOKEN, READONLY_ENV: mock.readonly_token}


def forked_mock(**options: Any) -> MockProcess:
    """A reference mock (``MockProcess`` options), forked from the preloaded server."""
    return forked.ForkedMock(**options)


def run_harness(mock: MockProcess, report_dir: Path, *extra: str) -> tuple[int, dict, str]:
    """``graphcontract run`` against ``mock`` with both users and the read-only token."""
    command = [sys.executable, "-m", "graphcontract", "run", "--base-url", mock.base_url]
    command += ["--user", mock.user_id, "--user", mock.user_principal_name]
    command += ["--readonly-token-env", READONLY_ENV, "--report-dir", str(report_dir), *extra]
    proc = subprocess.run(
        command,
        env=dict(os.environ, **secrets_of(mock)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    done = forked.Finished(proc.returncode, proc.stdout, proc.stderr)
    return done.returncode, _report(report_dir, done), done.stdout + done.stderr


def run_sequences(mock: MockProcess, report_dir: Path) -> tuple[int, dict, str]:
    """pytest on the sequence test alone against ``mock``, in the ci profile.

    A plain subprocess: this pytest run reads the project's own configuration, which
    rewrites the asserts of pytest plugins, and the fork server has imported them already."""
    command = [sys.executable, "-m", "pytest", SEQUENCES, "-q", "-p", "no:randomly"]
    command += ["--hypothesis-profile=ci", f"--gc-base-url={mock.base_url}"]
    command += [f"--gc-user={mock.user_id}", f"--gc-user={mock.user_principal_name}"]
    command += [f"--gc-report-dir={report_dir}"]
    proc = subprocess.run(
        command,
        env=dict(os.environ, GRAPH_TOKEN=TOKEN),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    done = forked.Finished(proc.returncode, proc.stdout, proc.stderr)
    return done.returncode, _report(report_dir, done), done.stdout + done.stderr


def _report(report_dir: Path, done: forked.Finished) -> dict:
    reports = list(report_dir.glob("*/report.json"))
    assert len(reports) == 1, done.stdout + done.stderr
    report: dict = json.loads(reports[0].read_text())
    return report
