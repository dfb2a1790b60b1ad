"""Helpers for the campaign and Schemathesis tests: run ``graphcontract fuzz`` and plain
replays as subprocesses (each in its own working directory), read campaign reports and
Hypothesis's statistics."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from graphcontract.mock.process import MockProcess

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "contract"
SUITE_INI = ROOT / "graphcontract" / "suite.ini"
TOKEN = "graphcontract-fuzz-test-token"


def environment() -> dict[str, str]:
    env = dict(os.environ, GRAPH_TOKEN=TOKEN)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("HYPOTHESIS_PROFILE", None)
    return env


def fuzz(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``graphcontract fuzz ARGS`` (as ``python -m graphcontract.fuzz``) in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "graphcontract.fuzz", *args],
        cwd=cwd, env=environment(), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def replay(
    mock: MockProcess, database: str, tests: str, *, cwd: Path, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """A plain run of the suite (ci profile) with ``--gc-database`` — what ``graphcontract run
    --database`` passes to the plugin — restricted to ``tests`` (a -k expression)."""
    command = [
        sys.executable, "-m", "pytest", str(SUITE), "-c", str(SUITE_INI), "--rootdir", str(SUITE),
        "-p", "graphcontract.plugin", "--gc-base-url", mock.base_url,
        "--gc-report-dir", str(cwd / "replay-reports"), "--gc-database", database,
        "-k", tests, "--hypothesis-profile", "ci", "--hypothesis-show-statistics",
        "-q", "--tb=no", "-p", "no:warnings", *extra,
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def campaign(report_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The one campaign folder under ``report_dir`` and its campaign.json."""
    folders = [p.parent for p in report_dir.glob("*/campaign.json")]
    assert len(folders) == 1, f"expected one campaign in {report_dir}: {folders}"
    return folders[0], json.loads((folders[0] / "campaign.json").read_text(encoding="utf-8"))


def reuse_phase_failures(output: str, test: str) -> tuple[int, float]:
    """(failing examples, seconds) of ``test``'s reuse phase in Hypothesis's statistics."""
    block = output.split(f"::{test}:", 1)
    if len(block) < 2:
        return 0, 0.0
    section = block[1].split("\n\n  - Stopped", 1)[0]
    match = re.search(
        r"during reuse phase \(([\d.]+) seconds\):.*?(\d+) failing examples", section, re.S
    )
    return (int(match.group(2)), float(match.group(1))) if match else (0, 0.0)
