"""One ``graphcontract run`` against a third-party server, shared by a test module's tests.

The harness talks to the server through ``RecordingProxy`` (what was really sent is known);
the run's exit status, output, report and every request received are kept on disk, so that
pytest-xdist workers share one run per server: the first worker to ask runs it under a file
lock, the others read its results. Each module is one ``xdist_group`` (``--dist loadgroup``
in the project's addopts), so under ``pytest -n 3`` its tests run on one worker and the other
workers do not sit waiting on that lock.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.thirdparty.openapi30 import ROOT
from tests.thirdparty.replay import RecordingProxy, Request
from tests.thirdparty.servers import Server

SECRET = "gc-thirdparty-SECRET-4d1e8b"
"""GRAPH_TOKEN of every run here: it must never show in an output or a report."""

StartServer = Callable[[Path], contextlib.AbstractContextManager[Server]]


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    report_dir: Path
    received: list[Request]
    extra: dict[str, Any]
    """what the module's ``after`` callback read from the server before it stopped"""

    @property
    def report(self) -> dict[str, Any]:
        (path,) = self.report_dir.glob("*/report.json")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def clause(self, clause_id: str) -> dict[str, Any]:
        (found,) = [c for c in self.report["clauses"] if c["id"] == clause_id]
        return found

    def __repr__(self) -> str:
        return f"Run(exit {self.exit_code}, {self.report_dir})"

    def output(self) -> str:
        return f"exit {self.exit_code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def harness(base_url: str, position_id: str, report_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRAPH_TOKEN": SECRET}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "graphcontract", "run", "--base-url", base_url]
    command += ["--position-id", position_id, "--profile", "ci", "--timeout", "5"]
    command += ["--report-dir", str(report_dir)]
    return subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )


def _run(
    folder: Path,
    start: StartServer,
    position_id: str,
    after: Callable[[Server], dict[str, Any]],
) -> dict[str, Any]:
    with start(folder) as server, RecordingProxy(server.base_url) as proxy:
        done = harness(proxy.base_url, position_id, folder / "reports")
        extra = after(server)
    return {
        "exit_code": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "extra": extra,
        "received": [
            [r.method, r.target, r.headers, base64.b64encode(r.body).decode()]
            for r in proxy.received
        ],
    }


def shared_run(
    name: str,
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
    start: StartServer,
    position_id: str,
    after: Callable[[Server], dict[str, Any]],
) -> Run:
    """The run of ``name``'s server, made once per test session whatever the xdist workers."""
    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        base = base.parent  # shared by this session's workers
    folder = base / f"thirdparty-{name}"
    folder.mkdir(exist_ok=True)
    results = folder / "results.json"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not results.exists():
            data = _run(folder, start, position_id, after)
            results.write_text(json.dumps(data), encoding="utf-8")
    data = json.loads(results.read_text(encoding="utf-8"))
    received = [
        Request(m, t, tuple((k, v) for k, v in h), base64.b64decode(b))
        for m, t, h, b in data["received"]
    ]
    return Run(
        data["exit_code"],
        data["stdout"],
        data["stderr"],
        folder / "reports",
        received,
        data["extra"],
    )
