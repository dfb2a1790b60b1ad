"""What the harness really sent, and what its curl reproducers would send.

``RecordingProxy`` is the project's fault server with no fault planned, in front of a
third-party server: it records every request as received (method, target, headers, body
bytes). ``curl_request`` runs a reproducer line through bash with a stand-in ``curl`` first on
PATH that prints its arguments, so shell quoting and ``$GRAPH_TOKEN`` are read exactly as a
user's shell would, and nothing is sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from graphcontract.faultserver import FaultServer

_SHIM = """import json, os, sys
args = [os.fsencode(a) for a in sys.argv[1:]]
stdin = sys.stdin.buffer.read() if b"@-" in args else b""
print(json.dumps({"args": [a.hex() for a in args], "stdin": stdin.hex()}))
"""
_DATA = {"-d", "--data", "--data-binary", "--data-raw", "--data-ascii"}
_FROM_FILE = {"-d", "--data", "--data-binary", "--data-ascii"}
_TRANSPORT = {"host", "content-length", "user-agent", "accept-encoding", "connection"}
_IGNORED = {"-s", "-S", "-sS", "-Ss", "-i", "-v", "--compressed", "--globoff", "-g"}


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """path and query as they arrive at the server"""
    headers: tuple[tuple[str, str], ...]
    """the headers a reproducer must restate (names in lower case, sorted)"""
    body: bytes

    @property
    def authorization(self) -> str | None:
        return dict(self.headers).get("authorization")

    def describe(self) -> str:
        return f"{self.method} {self.target} headers={dict(self.headers)} body={self.body!r}"


def restated(headers: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """``headers`` without those any HTTP client adds by itself (and curl's own Accept)."""
    kept = {
        name.lower(): value
        for name, value in headers.items()
        if name.lower() not in _TRANSPORT and (name.lower(), value) != ("accept", "*/*")
    }
    return tuple(sorted(kept.items()))


class RecordingProxy(FaultServer):
    """The fault server forwarding every request untouched, keeping what it received."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.received: list[Request] = []

    async def _answer(  # type: ignore[override]
        self, writer: Any, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> None:
        self.received.append(Request(method, path, restated(headers), body))
        await super()._answer(writer, method, path, headers, body)


def curl_shim(folder: Path) -> Path:
    """A folder holding a ``curl`` that only prints its arguments and, for ``@-``, its
    standard input (hex, in one JSON object)."""
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / "curl"
    shim.write_text(f"#!{sys.executable}\n{_SHIM}", encoding="utf-8")
    shim.chmod(0o755)
    return folder


def curl_request(line: str, shim_folder: Path, token: str, cwd: Path) -> Request:
    """The request ``line`` (a reproducer) sends when GRAPH_TOKEN is ``token``."""
    env = {
        **os.environ,
        "GRAPH_TOKEN": token,
        "PATH": f"{shim_folder}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-c", line],
        env=env,
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, f"reproducer does not run in bash: {line}\n{done.stderr!r}"
    printed = json.loads(done.stdout)
    return _parse([bytes.fromhex(a) for a in printed["args"]], bytes.fromhex(printed["stdin"]), cwd)


def _parse(args: list[bytes], stdin: bytes, cwd: Path) -> Request:
    method: str | None = None
    url: str | None = None
    headers: dict[str, str | None] = {}
    body: bytes | None = None
    it = iter(args)
    for raw in it:
        arg = raw.decode("utf-8", "surrogateescape")
        if arg in ("-X", "--request"):
            method = next(it).decode()
        elif arg in ("-H", "--header"):
            header = next(it).decode("utf-8", "surrogateescape")
            name, colon, value = header.partition(":")
            if not colon and header.endswith(";"):  # curl: "Name;" sends Name empty
                headers[header[:-1].strip().lower()] = ""
            else:  # curl: "Name:" with no value removes a header curl would add
                headers[name.strip().lower()] = value.strip() or None
        elif arg in _DATA:
            data = next(it)
            if arg not in _FROM_FILE or not data.startswith(b"@"):
                body = data
            else:
                body = stdin if data == b"@-" else (cwd / data[1:].decode()).read_bytes()
        elif arg in _IGNORED:
            continue
        elif arg.startswith("-"):
            raise AssertionError(f"reproducer uses a curl option this check does not know: {arg}")
        else:
            url = arg
    assert url is not None, f"no URL in {args!r}"
    if body is not None:  # what curl sends with a body unless told otherwise
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
    sent = {name: value for name, value in headers.items() if value is not None}
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    method = method or ("POST" if body is not None else "GET")
    return Request(method, target, restated(sent), body or b"")


def reproducers(node: Any, where: str = "report") -> list[tuple[str, dict[str, Any]]]:
    """Every object of a report that carries a curl line (``where`` it is, the object)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if isinstance(node.get("curl"), str):
            found.append((where, node))
        for key, value in node.items():
            if key != "curl":
                found += reproducers(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += reproducers(value, f"{where}[{index}]")
    return found
