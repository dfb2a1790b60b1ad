"""An interrupted run is never a pass, and it leaves nothing behind: Ctrl-C (SIGINT) and
SIGTERM (what CI cancellation sends) land while the position is changed; the run restores it,
verifies the whole position, says ``interrupted`` (console and report.json), shows no pytest
banner and exits 128 + the signal."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphcontract.mock.process import MockProcess
from tests.resilience.conftest import (
    ROOT,
    SECRET,
    Position,
    cli_environment,
    differences,
    faults,
    report_of,
    run_args,
)

SLOW_WRITES = {"slow_every": 1, "slow_s": 0.2, "slow_after_forwarding": True, "methods": ("PATCH",)}
"""Each PATCH is applied at once but answered 0.2 s later: the signal lands while changed."""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stopped_run_restores_the_position_and_says_interrupted(
    mock: MockProcess, position: Position, tmp_path: Path, stop: signal.Signals
) -> None:
    original = position.get()
    with faults(mock, **SLOW_WRITES) as server:
        run = subprocess.Popen(
            [sys.executable, "-m", "graphcontract", *run_args(server.base_url, tmp_path)],
            cwd=ROOT,
            env=cli_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not differences(original, position.get()):
            assert run.poll() is None, "the run ended without ever changing the position"
            assert time.monotonic() < deadline, "no write within 60 s"
            time.sleep(0.01)
        run.send_signal(stop)
        out, _ = run.communicate(timeout=60)
    assert run.returncode == 128 + stop, out
    assert differences(original, position.get()) == {}, out
    report = report_of(tmp_path)
    assert report["verdict"] == "interrupted"
    assert report["interrupted"]["tests_run"] < report["interrupted"]["tests_selected"]
    final = [r for r in report["restores"] if r["when"] == "end of run"]
    assert final, report["restores"]
    assert all(r["verified"] for r in final), report["restores"]
    lines = out.splitlines()
    assert "restore: the position is back as it was, verified on the whole position" in lines
    assert any(
        line.startswith("verdict: interrupted - the run was stopped after") for line in lines
    )
    assert "graphcontract: interrupted" in lines
    assert not [line for line in lines if line.startswith(("verdict: pass", "graphcontract: pass"))]
    for banner in ("KeyboardInterrupt", "Traceback", "contextlib.py"):
        assert banner not in out, out
    assert SECRET not in out
