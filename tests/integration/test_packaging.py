"""The CI-gate use in someone else's repository: the wheel alone (contracts, strategies and
the suite bundled) installed into a fresh virtual environment checks a mock from another
directory."""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

from graphcontract.mock.process import MockProcess

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def installed_site_packages() -> list[str]:
    """The site-packages folders the running interpreter imports its dependencies from: a
    virtualenv's own when the tests run in one, the system's otherwise."""
    folders = list(site.getsitepackages())
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        folders.append(site.getusersitepackages())
    return folders


def make_venv_sharing_installed_packages(venv: Path) -> Path:
    """A fresh virtualenv whose imports fall back on the running interpreter's site-packages,
    so the pinned dependencies need no download (its python is returned).

    ``--system-site-packages`` would not do: from inside a virtualenv, the "system" packages
    are the base interpreter's, which has none of the dependencies. A .pth file of plain
    paths adds the folders after the new venv's own, without running their .pth files (an
    editable install of this checkout stays out)."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    shared = Path(purelib) / "graphcontract-test-shared.pth"
    shared.write_text("".join(f"{folder}\n" for folder in installed_site_packages()))
    return python


def test_wheel_in_fresh_venv_checks_a_mock_from_another_directory(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(wheels)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    venv = tmp_path / "venv"
    python = make_venv_sharing_installed_packages(venv)
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
