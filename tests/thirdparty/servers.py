"""Third-party mock servers started as real processes on a free loopback port.

- json-server 0.17.4 (npm, pinned by package.json / package-lock.json here; ``npm ci`` in this
  folder installs it): a db.json of the bundled mock seed's positions, rewritten so that
  ``/me/profile/positions/:id`` reaches them (json-server-routes.json).
- Mockoon CLI 9.9 (npm, pinned likewise) in CRUD mode: an environment whose one CRUD route,
  ``me/profile/positions``, serves a data bucket of the seed's positions.
- Connexion 3.3 in mock mode (pip, the project's ``test`` extra): ``connexion run <spec>
  --mock=all`` on the 3.0 port of contracts/openapi.yaml (openapi30.py).

A tool that is not installed fails the test with the command that installs it; nothing is
skipped. Each server runs in its own process group, ended with it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphcontract.mock.process import LOOPBACK, free_port
from tests.thirdparty.openapi30 import ROOT, write_spec

HERE = Path(__file__).resolve().parent
SEED = ROOT / "contracts" / "examples" / "mock_seed.json"
JSON_SERVER = HERE / "node_modules" / ".bin" / "json-server"
MOCKOON = HERE / "node_modules" / ".bin" / "mockoon-cli"
MOCKOON_MIGRATION = 33
"""The environment format Mockoon CLI 9.9 writes (its highest migration: none is applied)."""
INSTALL_NPM = "npm ci --prefix tests/thirdparty (bash .ci/run does it)"
INSTALL_PIP = "pip install -e '.[test]' (bash .ci/run does it)"


def seed_positions() -> list[dict[str, Any]]:
    positions: list[dict[str, Any]] = json.loads(SEED.read_text(encoding="utf-8"))["positions"]
    return positions


class Server:
    """One server process; ``base_url`` answers once ``start`` returns."""

    def __init__(self, name: str, command: list[str], cwd: Path, port: int) -> None:
        self.name = name
        self.command = command
        self.cwd = cwd
        self.port = port
        self.log = cwd / f"{name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"{self.name} exited with {self._process.returncode}:\n{self.tail()}")
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{self.base_url}/", timeout=1.0)
                return self
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"{self.name} did not answer on {self.base_url} in {timeout} s:\n{self.tail()}")

    def stop(self) -> None:
        """End the process group this server started (a reloader and its child included)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def json_server(workdir: Path) -> Iterator[Server]:
    """json-server over a db.json of the seed's positions, at /me/profile/positions[/:id]."""
    node = shutil.which("node")
    if node is None or not JSON_SERVER.exists():
        pytest.fail(f"json-server 0.17.4 is not installed: run {INSTALL_NPM} (needs Node 20+)")
    db = workdir / "db.json"
    db.write_text(json.dumps({"positions": seed_positions()}, indent=2), encoding="utf-8")
    port = free_port()
    command = [str(JSON_SERVER), str(db), "--routes", str(HERE / "json-server-routes.json")]
    command += ["--host", LOOPBACK, "--port", str(port), "--quiet"]
    server = Server("json-server", command, workdir, port).start()
    try:
        yield server
    finally:
        server.stop()


def mockoon_environment(port: int) -> dict[str, Any]:
    """A Mockoon environment: one CRUD route over a data bucket of the seed's positions."""
    route, bucket = str(uuid.uuid4()), "positions"
    response = {
        "uuid": str(uuid.uuid4()),
        "body": "{}",
        "latency": 0,
        "statusCode": 200,
        "label": "",
        "headers": [],
        "bodyType": "DATABUCKET",
        "filePath": "",
        "databucketID": bucket,
        "sendFileAsBody": False,
        "rules": [],
        "rulesOperator": "OR",
        "disableTemplating": False,
        "fallbackTo404": False,
        "default": True,
        "crudKey": "id",
        "callbacks": [],
    }
    crud = {
        "uuid": route,
        "type": "crud",
        "documentation": "",
        "method": "",
        "endpoint": "me/profile/positions",
        "responses": [response],
        "responseMode": None,
        "streamingMode": None,
        "streamingInterval": 0,
    }
    data = {"uuid": str(uuid.uuid4()), "id": bucket, "name": bucket, "documentation": ""}
    data["value"] = json.dumps(seed_positions())
    tls = dict.fromkeys(("pfxPath", "certPath", "keyPath", "caPath", "passphrase"), "")
    return {
        "uuid": str(uuid.uuid4()),
        "lastMigration": MOCKOON_MIGRATION,
        "name": "graphcontract workPosition",
        "endpointPrefix": "",
        "latency": 0,
        "port": port,
        "hostname": LOOPBACK,
        "folders": [],
        "routes": [crud],
        "rootChildren": [{"type": "route", "uuid": route}],
        "proxyMode": False,
        "proxyHost": "",
        "proxyRemovePrefix": False,
        "tlsOptions": {"enabled": False, "type": "CERT", **tls},
        "cors": False,
        "headers": [{"key": "Content-Type", "value": "application/json"}],
        "proxyReqHeaders": [],
        "proxyResHeaders": [],
        "data": [data],
        "callbacks": [],
    }


@contextlib.contextmanager
def mockoon_crud(workdir: Path) -> Iterator[Server]:
    """``mockoon-cli start`` on an environment whose CRUD route serves the seed's positions
    at /me/profile/positions[/:id]."""
    if shutil.which("node") is None or not MOCKOON.exists():
        pytest.fail(f"Mockoon CLI 9.9 is not installed: run {INSTALL_NPM} (needs Node 18+)")
    port = free_port()
    environment = workdir / "mockoon-environment.json"
    environment.write_text(json.dumps(mockoon_environment(port), indent=1), encoding="utf-8")
    command = [str(MOCKOON), "start", "--data", str(environment), "--port", str(port)]
    command += ["--hostname", LOOPBACK, "--disable-log-to-file", "--disable-admin-api"]
    server = Server("mockoon", command, workdir, port).start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def connexion_mock(workdir: Path) -> Iterator[Server]:
    """``connexion run <the contract as OpenAPI 3.0> --mock=all``: every operation answers an
    example Connexion generates from the response schema (jsf), after validating the request."""
    missing = [m for m in ("connexion", "jsf") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.fail(f"Connexion's mock mode needs {', '.join(missing)}: run {INSTALL_PIP}")
    spec = write_spec(workdir / "openapi.yaml", "connexion_auth.token_info")
    port = free_port()
    command = [sys.executable, "-m", "connexion", "run", str(spec), str(HERE)]
    command += ["--mock=all", "--host", LOOPBACK, "--port", str(port)]
    server = Server("connexion", command, workdir, port).start()
    try:
        yield server
    finally:
        server.stop()
