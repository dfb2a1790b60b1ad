"""Nothing lost: a run killed with SIGKILL at any point is repaired by
``graphcontract restore`` to a position equal to the original (apart from what the server
recalculates on every write). Before the journal exists the run has not written yet, so the
position must already be the original."""

from __future__ import annotations

import os
import random
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
    differences,
    faults,
    journals,
    output,
    run_cli,
)

SLOW_WRITES = {"slow_every": 1, "slow_s": 0.2, "slow_after_forwarding": True, "methods": ("PATCH",)}
"""Each PATCH is applied at once but answered 0.2 s later: the position spends most of the
run changed, so random kills often land between a write and its restore."""


def start_run(base_url: str, report_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GRAPH_TOKEN": SECRET, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graphcontract",
            "run",
            "--base-url",
            base_url,
            "--report-dir",
            str(report_dir),
            "--timeout",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def restore_and_compare(position: Position, original: dict, report_dir: Path) -> bool:
    """Restore from the run's journal (if it wrote one); True when the position was changed."""
    changed = bool(differences(original, position.get()))
    found = journals(report_dir)
    if not found:
        assert not changed, "the position changed before the journal was written"
        return False
    result = run_cli(
        "restore", "--journal", str(found[0].parent), "--base-url", position.mock.base_url
    )
    assert result.returncode == 0, output(result)
    assert differences(original, position.get()) == {}
    assert SECRET not in result.stdout + result.stderr
    return changed


@pytest.mark.slow
def test_kill_9_at_random_points_then_restore_gives_back_the_original(
    mock: MockProcess, position: Position, tmp_path: Path
):
    original = position.get()
    other = position.get(mock.position_ids[0])
    seed = int(os.environ.get("GRAPHCONTRACT_KILL_SEED") or random.randrange(2**32))
    print(f"kill delays from seed {seed} (set GRAPHCONTRACT_KILL_SEED to repeat them)")
    delays = sorted(random.Random(seed).uniform(1.0, 4.5) for _ in range(3))
    with faults(mock, **SLOW_WRITES) as server:
        for trial, delay in enumerate(delays):
            report_dir = tmp_path / f"trial-{trial}"
            run = start_run(server.base_url, report_dir)
            time.sleep(delay)
            kill(run)
            repaired = restore_and_compare(position, original, report_dir)
            print(f"trial {trial}: killed after {delay:.2f} s, repair needed: {repaired}")
    assert position.get(mock.position_ids[0]) == other, "another position was touched"


@pytest.mark.slow
def test_kill_9_between_a_write_and_its_restore_then_restore_gives_back_the_original(
    mock: MockProcess, position: Position, tmp_path: Path
):
    """The kill lands exactly while the position is changed (watched from outside)."""
    original = position.get()
    other = position.get(mock.position_ids[0])
    with faults(mock, **SLOW_WRITES) as server:
        run = start_run(server.base_url, tmp_path)
        deadline = time.monotonic() + 60
        while not differences(original, position.get()):
            assert run.poll() is None, "the run ended without ever changing the position"
            assert time.monotonic() < deadline, "no write within 60 s"
            time.sleep(0.01)
        kill(run)
    time.sleep(0.3)  # the proxy finishes the answer it was delaying; nothing more comes
    assert differences(original, position.get()), "nothing left to repair"
    assert restore_and_compare(position, original, tmp_path)
    assert position.get(mock.position_ids[0]) == other, "another position was touched"
