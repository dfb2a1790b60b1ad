"""``graphcontract mock`` says when it is ready: one flushed line with its URL, printed once
the server accepts connections (so a script can start a run as soon as it reads it), then a
line naming the users and read-only token a run needs and the faults and variant served;
``--quiet`` leaves both lines out."""

from __future__ import annotations

import json
import os
import re
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from graphcontract.mock.process import free_port

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"^graphcontract mock: listening on (http://127\.0\.0\.1:(\d+))$")


@contextmanager
def mock_command(*args: str) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "graphcontract", "mock", "--host", "127.0.0.1", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def first_line(process: subprocess.Popen[str], timeout: float = 30.0) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout), f"no line within {timeout} s"
    return process.stdout.readline().rstrip("\n")


def next_line(process: subprocess.Popen[str], timeout: float = 10.0) -> str:
    """The line printed right after the first (often already in the pipe's buffer, where a
    select would not see it: read on a thread, so a missing line fails instead of hanging)."""
    assert process.stdout is not None
    stdout = process.stdout
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert lines, f"no second line within {timeout} s"
    return lines[0].rstrip("\n")


def test_mock_prints_its_url_once_it_accepts_connections():
    with mock_command("--port", "0") as process:
        line = first_line(process)
        ready = READY.match(line)
        assert ready, line
        assert int(ready.group(2)) > 0, "the port actually bound, not the 0 asked for"
        # No retry: the line comes after the server accepts connections.
        answer = httpx.get(
            f"{ready.group(1)}/me/profile/positions",
            headers={"Authorization": "Bearer any"},
            timeout=5.0,
        )
        assert answer.status_code == 200
        served = next_line(process)
    seed = json.loads((ROOT / "contracts/examples/mock_seed.json").read_text(encoding="utf-8"))
    assert f"user {seed['user']['id']} ({seed['user']['userPrincipalName']})" in served
    assert "read-only token graphcontract-readonly for --readonly-token-env" in served
    assert served.endswith("variant conforming; faults: none"), served


def test_mock_names_the_faults_and_variant_it_serves():
    with mock_command(
        "--port", "0", "--variant", "dotnet", "--fault", "nested-replace", "--readonly-token", "ro"
    ) as process:
        assert READY.match(first_line(process))
        served = next_line(process)
    assert "read-only token ro for" in served
    assert served.endswith("variant dotnet; faults: nested-replace"), served


def test_quiet_mock_prints_nothing_and_still_serves():
    port = free_port()
    with mock_command("--port", str(port), "--quiet") as process:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, "the quiet mock exited"
                assert time.monotonic() < deadline, "the quiet mock never accepted"
                time.sleep(0.05)
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert out == ""
