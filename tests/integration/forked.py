"""Reference mocks for the self-tests, forked from one preloaded server per test worker.

A mock started here (``ForkedMock``) is a new uvicorn process on loopback with its own state,
environment and stderr, as ``MockProcess`` starts it; but it is forked from a multiprocessing
fork server that has already imported uvicorn, Starlette and graphcontract, so each start skips
the interpreter's start and its imports. The fork server is started once per pytest-xdist
worker, on first use, and stopped (and reaped) when the worker exits.

``run`` can start ``graphcontract`` the same way, but the self-tests that judge a run's
verdict do not use it: a run forked after Hypothesis was imported generated other examples
than a fresh ``python -m graphcontract`` (early-years-shifted then failed
merge.omitted-preserved), so those runs stay subprocesses.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.context
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from graphcontract.mock.process import MockProcess

PRELOAD = [
    "httpx",
    "hypothesis",
    "hypothesis.stateful",
    "jsonschema_rs",
    "pytest",
    "schemathesis",
    "starlette.applications",
    "uvicorn",
    "uvicorn.lifespan.on",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.websockets.auto",
    "xdist.plugin",
    "graphcontract.cli",
    "graphcontract.mock.cli",
    "graphcontract.plugin",
    "graphcontract.runner.cli",
    "graphcontract.runner.statemachine",
]
"""What the fork server imports before it forks anything (a name missing here is skipped)."""

_context: multiprocessing.context.ForkServerContext | None = None


def context() -> multiprocessing.context.ForkServerContext:
    """This worker's fork-server context, its preload list set (the server starts lazily)."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
        atexit.register(_stop_server)
    return _context


def _stop_server() -> None:
    """Stop the fork server and reap it when the worker ends (so its CPU time, and that of the
    processes it forked, is accounted to this worker, as a subprocess's is)."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def _child(
    command: str, argv: list[str], env: dict[str, str], cwd: str, out: str, err: str
) -> None:
    """In the forked process: the command's streams, directory and environment, then the
    command itself as its ``__main__`` would run it; the process ends with its exit status."""
    for fd, path in ((1, out), (2, err)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(target, fd)
        os.close(target)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    if command == "graphcontract":
        from graphcontract.cli import entry

        sys.argv = ["graphcontract", *argv]
        entry(argv)  # exits the process
    code = 1
    try:
        if command == "mock":
            from graphcontract.mock.cli import main

            sys.argv = ["graphcontract.mock.cli", *argv]
            code = main(argv)
        else:
            raise ValueError(f"unknown command {command!r}")
    except BaseException:
        traceback.print_exc()
        raise
    finally:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)


class ForkedProcess:
    """The part of ``subprocess.Popen``'s interface ``MockProcess`` uses, over a forked child."""

    def __init__(
        self,
        command: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | str,
        stdout: Path,
        stderr: Path,
    ) -> None:
        args = (command, list(argv), dict(env), str(cwd), str(stdout), str(stderr))
        self._child = context().Process(target=_child, args=args, daemon=False)
        self._child.start()
        self.pid = self._child.pid
        self.args = [command, *argv]

    @property
    def returncode(self) -> int | None:
        return self._child.exitcode

    def poll(self) -> int | None:
        return self._child.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._child.join(timeout)
        if self._child.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self._child.exitcode

    def terminate(self) -> None:
        self._child.terminate()

    def kill(self) -> None:
        self._child.kill()


@dataclass
class Finished:
    """A forked command run to its end."""

    returncode: int
    stdout: str
    stderr: str


def run(
    command: str,
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | str | None = None,
    timeout: float = 300,
) -> Finished:
    """Run ``command`` (``graphcontract``) with ``argv`` to its end, like
    ``subprocess.run(..., capture_output=True, text=True)`` of its command line."""
    with tempfile.TemporaryDirectory(prefix="gc-forked-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        process = ForkedProcess(
            command, argv, env=env, cwd=cwd or os.getcwd(), stdout=out, stderr=err
        )
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            raise
        return Finished(code, _text(out), _text(err))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


class ForkedMock(MockProcess):
    """The reference mock, a real uvicorn process on loopback, forked from the fork server."""

    def _spawn(self, env: dict[str, str]) -> ForkedProcess:  # type: ignore[override]
        if self._stderr is not None:
            self._stderr.close()
        named = tempfile.NamedTemporaryFile(prefix="gc-mock-stderr-")  # noqa: SIM115
        self._stderr = named
        return ForkedProcess(
            "mock",
            self.command()[3:],
            env=env,
            cwd=os.getcwd(),
            stdout=Path(os.devnull),
            stderr=Path(named.name),
        )
