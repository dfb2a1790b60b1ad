"""The CI-gate use in someone else's repository: the wheel alone (contracts, strategies and
the suite bundled) installed into a fresh virtual environment checks a mock from another
directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphcontract.mock.process import MockProcess

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_wheel_in_fresh_venv_checks_a_mock_from_another_directory(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(wheels)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    venv = tmp_path / "venv"
    # System site-packages give the pinned dependencies; graphcontract comes from the wheel.
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", *map(str, wheels.glob("*.whl"))],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "someone-elses-repo"
    elsewhere.mkdir()
    dropped = ("PYTHONPATH", "HYPOTHESIS_STORAGE_DIRECTORY")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    located = subprocess.run(
        [
            str(python),
            "-c",
            "import graphcontract, strategies; "
            "print(graphcontract.__file__); print(strategies.__file__)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(ROOT) not in located.stdout, "the wheel's own copy must be used"
    with MockProcess() as mock:
        proc = subprocess.run(
            [
                str(venv / "bin" / "graphcontract"),
                "run",
                "--base-url",
                mock.base_url,
                "--report-dir",
                "out",
            ],
            cwd=elsewhere,
            env={**env, "GRAPH_TOKEN": "ci-gate-token"},
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir = next((elsewhere / "out").iterdir())
    assert {"report.json", "report.html", "junit.xml"} <= {p.name for p in run_dir.iterdir()}
    # Hypothesis's caches go to the per-user cache, not into someone else's repository.
    assert not (elsewhere / ".hypothesis").exists()
    assert (tmp_path / "cache" / "graphcontract" / "hypothesis" / "unicode_data").is_dir()
