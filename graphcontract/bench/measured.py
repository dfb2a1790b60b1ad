"""CPU time next to wall time: a tool's subprocess with the CPU it and its children used, and
the CPU a running server process has used so far.

A request rate mixes the work of both sides with the waiting between them; CPU seconds count
each side's work alone, so they say which side a request's time goes to. The subprocess is
reaped with ``os.wait4``, which returns that one child's resource usage (its own children,
e.g. xdist workers, included once it has waited for them), so runs made at the same time from
several threads are still told apart.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """A finished subprocess: exit code, combined stdout and stderr, wall and CPU seconds."""

    returncode: int
    output: str
    wall_s: float
    cpu_s: float


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout_s: float,
) -> Measured:
    """Run ``command`` to its end; ``subprocess.TimeoutExpired`` (after killing it) past
    ``timeout_s``. Output goes through a temporary file, so a chatty tool cannot block."""
    with tempfile.TemporaryFile() as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(timeout_s, expire)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if expired.is_set():
            raise subprocess.TimeoutExpired(list(command), timeout_s)
        sink.seek(0)
        output = sink.read().decode("utf-8", "replace")
    return Measured(proc.returncode, output, wall, usage.ru_utime + usage.ru_stime)


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) process ``pid`` has used so far; None where ``/proc`` does
    not tell (not Linux, or the process is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # after "pid (comm)": field 3 onwards
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
    return ticks / os.sysconf("SC_CLK_TCK")
