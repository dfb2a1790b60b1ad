"""CPU accounting of the bench: a subprocess's own CPU (children included, concurrent runs
told apart), a timeout that kills, a server's CPU read from /proc, and the per-request figures
and table built from them. Amounts of CPU are made by the children themselves (they spin until
their own clock says so), so the assertions are bounds, never timings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from graphcontract.bench.measured import process_cpu_s, run_measured
from graphcontract.bench.speed import cpu_figures
from graphcontract.bench.tables import cpu_table

SPIN = "import time\nwhile time.process_time() < {seconds}: pass\nprint('spun')\n"
"""A child that uses at least ``seconds`` of CPU, then says so."""
SLEEP = "import time\ntime.sleep({seconds})\nprint('slept')\n"


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_child_that_spins_is_charged_its_cpu_and_one_that_sleeps_is_not(tmp_path: Path) -> None:
    spun = run_measured(python(SPIN.format(seconds=0.3)), cwd=tmp_path, timeout_s=60)
    slept = run_measured(python(SLEEP.format(seconds=0.3)), cwd=tmp_path, timeout_s=60)
    assert (spun.returncode, spun.output.strip()) == (0, "spun")
    assert (slept.returncode, slept.output.strip()) == (0, "slept")
    assert spun.cpu_s >= 0.3
    assert slept.cpu_s < 0.3 <= slept.wall_s


def test_grandchildren_are_charged_to_the_child_that_waited_for_them(tmp_path: Path) -> None:
    parent = (
        "import subprocess, sys\n"
        f"subprocess.run([sys.executable, '-c', {SPIN.format(seconds=0.3)!r}], check=True)\n"
    )
    measured = run_measured(python(parent), cwd=tmp_path, timeout_s=60)
    assert measured.returncode == 0
    assert measured.cpu_s >= 0.3


def test_runs_made_at_the_same_time_are_told_apart(tmp_path: Path) -> None:
    commands = [python(SPIN.format(seconds=0.4)), python(SLEEP.format(seconds=0.4))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        spun, slept = pool.map(lambda c: run_measured(c, cwd=tmp_path, timeout_s=60), commands)
    assert spun.cpu_s >= 0.4
    assert slept.cpu_s < 0.4


def test_exit_code_and_combined_output_come_back(tmp_path: Path) -> None:
    code = "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)\n"
    measured = run_measured(python(code), cwd=tmp_path, timeout_s=60)
    assert measured.returncode == 3
    assert set(measured.output.split()) == {"out", "err"}


def test_a_run_past_its_timeout_is_killed_and_raises(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    code = f"import time, pathlib\ntime.sleep(30)\npathlib.Path({str(marker)!r}).touch()\n"
    with pytest.raises(subprocess.TimeoutExpired):
        run_measured(python(code), cwd=tmp_path, timeout_s=0.5)
    assert not marker.exists()


def test_process_cpu_grows_with_work_and_is_unknown_for_a_missing_process() -> None:
    before = process_cpu_s(os.getpid())
    assert before is not None
    started = time.process_time()
    while time.process_time() - started < 0.2:
        pass
    after = process_cpu_s(os.getpid())
    assert after is not None
    assert after - before >= 0.15  # /proc counts in clock ticks (1/100 s)
    assert process_cpu_s(2**22 + 12345) is None  # above Linux's pid_max default


@pytest.mark.parametrize(
    ("cpu_s", "server_cpu_s", "requests", "expected"),
    [
        (2.0, 0.5, 1000, {"cpu_s": 2.0, "cpu_ms_per_request": 2.0,
                          "server_cpu_ms_per_request": 0.5}),
        (1.0, None, 500, {"cpu_s": 1.0, "cpu_ms_per_request": 2.0,
                          "server_cpu_ms_per_request": None}),
        (None, 0.3, 0, {"cpu_s": None, "cpu_ms_per_request": None,
                        "server_cpu_ms_per_request": None}),
    ],
    ids=["both-known", "server-unknown", "no-requests"],
)  # fmt: skip
def test_cpu_figures_per_request(
    cpu_s: float | None, server_cpu_s: float | None, requests: int, expected: dict[str, object]
) -> None:
    assert cpu_figures(cpu_s, server_cpu_s, requests) == expected


def test_cpu_table_lists_the_clients_that_measured_cpu_only() -> None:
    section = {
        "raw_httpx": {"cpu_s": 1.5, "cpu_ms_per_request": 1.5, "server_cpu_ms_per_request": 0.9},
        "graphcontract_ci": {"cpu_s": 6.0, "cpu_ms_per_request": 7.0,
                             "server_cpu_ms_per_request": 1.0},
        "schemathesis": {"cpu_s": None},
    }  # fmt: skip
    lines = cpu_table(section).splitlines()
    header = "| client | client CPU s/run | client CPU ms/request | server CPU ms/request |"
    assert lines[0] == header
    assert lines[2].startswith("| raw httpx keep-alive loop")
    assert lines[2].endswith("| 1.5 | 1.5 | 0.9 |")
    assert lines[3].endswith("| 6 | 7 | 1 |")
    assert len(lines) == 4
    assert cpu_table({"schemathesis": {"cpu_s": None}}) == ""
