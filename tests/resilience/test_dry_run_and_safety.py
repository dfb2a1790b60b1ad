"""Safe by default: --dry-run sends nothing; live targets get a rate limit unless configured
(the configured limit holding end to end is in test_run_faults); parallel workers journal
the true original."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.mock.process import MockProcess
from graphcontract.runner.config import DEFAULT_LIVE_RATE, RunConfig
from graphcontract.runner.journal import read_journal
from graphcontract.runner.target import Target
from tests.resilience.conftest import (
    ROOT,
    SECRET,
    cli_environment,
    faults,
    output,
    run_cli,
)

LIVE = "https://graph.example.invalid/beta"


def test_dry_run_prints_the_plan_and_sends_nothing(shared_mock: MockProcess, tmp_path: Path):
    report_dir = tmp_path / "reports"
    with faults(shared_mock) as server:
        result = run_cli(
            "run",
            "--base-url",
            server.base_url,
            "--position-id",
            "pos-1",
            "--user",
            "u-1",
            "--report-dir",
            str(report_dir),
            "--dry-run",
        )
    assert result.returncode == 0, output(result)
    assert server.hits == [], "a dry run sent requests"
    assert not report_dir.exists(), "a dry run wrote files"
    text = result.stdout
    for expected in (
        server.base_url,
        "pos-1",
        "u-1",
        "$GRAPH_TOKEN",
        "never DELETE, POST or PUT",
        "PATCH /me/profile/positions/{id}",
        "restore journal",
        "edge cases at every site read back as sent",
        "e.g. body {",
    ):
        assert expected in text, expected
    assert SECRET not in text + result.stderr


def test_live_targets_are_rate_limited_by_default_and_the_limit_is_configurable():
    assert RunConfig(base_url=LIVE).effective_rate_limit == DEFAULT_LIVE_RATE
    assert RunConfig(base_url=LIVE, rate_limit=2.0).effective_rate_limit == 2.0
    assert RunConfig(base_url=LIVE, rate_limit=0.0).effective_rate_limit is None
    assert RunConfig(base_url="http://127.0.0.1:8000").effective_rate_limit is None
    assert RunConfig(base_url="http://localhost:8000", rate_limit=3).effective_rate_limit == 3


def test_parallel_workers_all_journal_the_state_before_any_write(mock: MockProcess, tmp_path: Path):
    """Worker B snapshots after worker A changed the position: B adopts A's journal (same
    run), so every journal and every final restore aims at the true original; a journal of
    another run in the same folder is never adopted."""
    contract = load_contract()
    position_id = mock.position_ids[0]
    with (
        GraphClient(mock.base_url, token=SECRET) as a_client,
        GraphClient(mock.base_url, token=SECRET) as b_client,
    ):
        stale = Target(
            contract,
            a_client,
            position_id,
            run_uid="an-older-run",
            journal_path=tmp_path / "restore-journal-gw9.json",
        )
        stale.snapshot_original()
        stale.patch({"detail": {"role": "changed after an older run journalled"}})
        worker_a = Target(
            contract,
            a_client,
            position_id,
            run_uid="this-run",
            journal_path=tmp_path / "restore-journal-gw0.json",
        )
        worker_b = Target(
            contract,
            b_client,
            position_id,
            run_uid="this-run",
            journal_path=tmp_path / "restore-journal-gw1.json",
        )
        original = worker_a.snapshot_original()
        worker_a.patch({"detail": {"jobTitle": "changed by worker A"}})
        seen_by_b = worker_b.snapshot_original()
        assert seen_by_b["detail"]["jobTitle"] == "changed by worker A"
        assert worker_b.original == original
        assert original["detail"]["role"] == "changed after an older run journalled"
        ours = ("restore-journal-gw0.json", "restore-journal-gw1.json")
        journalled = [read_journal(tmp_path / name)["snapshot"] for name in ours]
        assert journalled == [original, original]
        result = worker_b.final_restore()
    assert result is not None
    assert result.verified, result
    with httpx.Client(base_url=mock.base_url, headers={"Authorization": "Bearer x"}) as http:
        now = http.get(f"/me/profile/positions/{position_id}").json()
    assert now["detail"] == original["detail"]
    assert json.dumps(journalled).count("changed by worker A") == 0


def test_a_reader_that_goes_away_does_not_stop_the_run(mock: MockProcess, tmp_path: Path):
    """``graphcontract run | head -1``: the run still finishes, restores, reports and exits
    with its verdict, without a traceback."""
    report_dir = tmp_path / "reports"
    args = [sys.executable, "-m", "graphcontract", "run", "--base-url", mock.base_url]
    args += ["--report-dir", str(report_dir), "--clause", "paths.me"]
    proc = subprocess.Popen(
        args, env=cli_environment(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader is gone; everything the run prints from now on is lost
    errors = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, errors
    assert first.startswith(b"graphcontract: checking ")
    assert "Traceback" not in errors
    [report] = report_dir.glob("*/report.json")
    assert json.loads(report.read_text(encoding="utf-8"))["verdict"] == "pass"
