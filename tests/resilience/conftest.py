"""Helpers for the resilience tests: a fresh reference mock per test, the fault-injecting
proxy in front of it, the ``graphcontract`` command as a subprocess, and state comparison.

Every test here uses real loopback traffic; timeouts are kept short (``--timeout 1``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphcontract.faultserver import FaultPlan, FaultServer
from graphcontract.mock.process import MockProcess
from tests.integration import forked

ROOT = Path(__file__).resolve().parents[2]
SERVER_MANAGED_ON_WRITE = ("lastModifiedDateTime", "lastModifiedBy")
"""What the server recalculates on every write (a restore is a write, too)."""
SECRET = "gc-SECRET-7f3a9c1e5b-only-in-this-test"


class Position:
    """Direct access (not through the harness) to the position a run without --position-id
    modifies: the mock's last listed one."""

    def __init__(self, mock: MockProcess) -> None:
        self.mock = mock
        self.id = mock.position_ids[-1]
        self.http = httpx.Client(
            base_url=mock.base_url, timeout=5.0, headers={"Authorization": "Bearer test-reader"}
        )

    def get(self, position_id: str | None = None) -> dict[str, Any]:
        response = self.http.get(f"/me/profile/positions/{position_id or self.id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def patch(self, body: dict[str, Any]) -> None:
        response = self.http.patch(f"/me/profile/positions/{self.id}", json=body)
        assert response.status_code == 200, response.text


def differences(original: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """Top-level properties that differ, apart from what the server recalculates on writes."""
    return {
        key: (original.get(key), now.get(key))
        for key in sorted(set(original) | set(now))
        if key not in SERVER_MANAGED_ON_WRITE and original.get(key) != now.get(key)
    }


@pytest.fixture
def mock() -> Iterator[MockProcess]:
    """A fresh mock: its first position starts in the seed state."""
    with forked.ForkedMock() as process:
        yield process


@pytest.fixture(scope="session")
def shared_mock() -> Iterator[MockProcess]:
    """One mock for tests that never change its positions."""
    with forked.ForkedMock() as process:
        yield process


@pytest.fixture
def position(mock: MockProcess) -> Iterator[Position]:
    pos = Position(mock)
    yield pos
    pos.http.close()


def faults(mock: MockProcess, **plan: Any) -> FaultServer:
    """A fault server in front of ``mock`` (use as a context manager)."""
    return FaultServer(mock.base_url, FaultPlan(**plan))


def cli_environment(env: dict[str, str | None] | None = None) -> dict[str, str]:
    """This environment with GRAPH_TOKEN=``SECRET`` and the checkout importable; ``env`` adds
    variables or, with None, removes them."""
    merged: dict[str, str | None] = {**os.environ, "GRAPH_TOKEN": SECRET, **(env or {})}
    environment = {k: v for k, v in merged.items() if v is not None}
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    return environment


def run_cli(
    *args: str, env: dict[str, str | None] | None = None, timeout: float = 90.0
) -> subprocess.CompletedProcess[str]:
    """``python -m graphcontract ARGS`` with GRAPH_TOKEN set to ``SECRET`` unless overridden."""
    return subprocess.run(
        [sys.executable, "-m", "graphcontract", *args],
        env=cli_environment(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_args(base_url: str, report_dir: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--base-url",
        base_url,
        "--report-dir",
        str(report_dir),
        "--timeout",
        "1",
        *extra,
    ]


def report_of(report_dir: Path) -> dict[str, Any]:
    (path,) = report_dir.glob("*/report.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def journals(report_dir: Path) -> list[Path]:
    return sorted(report_dir.glob("*/restore-journal-*.json"))


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def assert_no_secret(result: subprocess.CompletedProcess[str], report_dir: Path) -> None:
    """SECRET (the GRAPH_TOKEN of every run here) is in no output and no report file."""
    assert SECRET not in result.stdout + result.stderr
    for path in report_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"token leaked into {path}"
