"""The reference mock as a child process on a loopback port (for tests and ``graphcontract run``).

``MockProcess`` launches ``python -m graphcontract.mock.cli``, waits until the port answers,
and stops the process on exit. A process that dies or never answers raises
``TargetUnhealthy`` with the tail of its stderr.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO

from graphcontract.contract import API_ENV, load_contract
from graphcontract.errors import TargetUnhealthy
from graphcontract.mock.app import DEFAULT_READONLY_TOKEN
from graphcontract.mock.seed import load_seed
from graphcontract.types import JSONObject

LOOPBACK = "127.0.0.1"
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class MockProcess:
    """A running reference mock; use as a context manager."""

    def __init__(
        self,
        *,
        faults: Iterable[str] = (),
        gray: Iterable[str] = (),
        variant: str = "conforming",
        seed: str | Path | None = None,
        readonly_token: str = DEFAULT_READONLY_TOKEN,
        port: int | None = None,
        startup_timeout: float = 10.0,
        grace_period: float = 3.0,
    ) -> None:
        self.faults = tuple(faults)
        self.gray = tuple(gray)
        self.variant = variant
        self.seed_path = Path(seed) if seed is not None else None
        self.readonly_token = readonly_token
        self._fixed_port = port is not None
        self.port = port if port is not None else free_port()
        self.startup_timeout = startup_timeout
        self.grace_period = grace_period
        seed_data = self._seed()
        self.user_id: str = seed_data["user"]["id"]
        self.user_principal_name: str = seed_data["user"]["userPrincipalName"]
        self.position_ids: tuple[str, ...] = tuple(p["id"] for p in seed_data["positions"])
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._last_tail = ""

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        """The command line that starts this mock."""
        cmd = [sys.executable, "-m", "graphcontract.mock.cli", "--host", LOOPBACK]
        cmd += ["--port", str(self.port), "--variant", self.variant]
        cmd += ["--readonly-token", self.readonly_token]
        for fault in self.faults:
            cmd += ["--fault", fault]
        for choice in self.gray:
            cmd += ["--gray", choice]
        if self.seed_path is not None:
            cmd += ["--seed", str(self.seed_path)]
        return cmd

    def start(self) -> MockProcess:
        """Launch the process and wait (bounded) until it accepts connections.

        When the port was picked here and another process took it meanwhile, retry on a new one.
        """
        attempts = 1 if self._fixed_port else 3
        for attempt in range(attempts):
            try:
                return self._start_once()
            except TargetUnhealthy:
                if (
                    attempt == attempts - 1
                    or "address already in use" not in self._last_tail.lower()
                ):
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start_once(self) -> MockProcess:
        if self._process is not None:
            return self
        env = dict(os.environ)
        env.pop(API_ENV, None)  # the mock serves every facet; --api selects the harness's
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
        )
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self._process = self._spawn(env)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise self._unhealthy(f"exited with status {self._process.returncode}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((LOOPBACK, self.port), timeout=0.2),
            ):
                return self
            time.sleep(0.05)
        raise self._unhealthy(f"did not answer on port {self.port} within {self.startup_timeout} s")

    def _spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start the process (its stderr to ``self._stderr``); the harness's own tests fork
        it from a preloaded server instead."""
        return subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=self._stderr, env=env
        )

    def stop(self) -> None:
        """Terminate the process (kill it after the grace period)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self.grace_period)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=self.grace_period)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def stderr_tail(self, lines: int = 20) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> MockProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _seed(self) -> JSONObject:
        if self.seed_path is None:
            return load_contract().seed
        return load_seed(str(self.seed_path))

    def _unhealthy(self, what: str) -> TargetUnhealthy:
        tail = self._last_tail = self.stderr_tail()
        self.stop()
        detail = f"; stderr:\n{tail}" if tail else ""
        return TargetUnhealthy(f"reference mock ({' '.join(self.command()[2:])}) {what}{detail}")
