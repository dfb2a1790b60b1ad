"""A fault-injecting HTTP proxy for the harness's own resilience tests.

``FaultServer`` listens on 127.0.0.1, forwards each request to an upstream target (normally
the reference mock) and, according to its ``FaultPlan``, answers some requests itself at the
transport level instead: 429 or 503 with ``Retry-After`` (seconds or an HTTP date), a 502
HTML page, a 404 as if the resource were gone, a delay past the client's timeout, a
connection closed or reset without an answer, a truncated body under a lying
``Content-Length``, an oversized body, the caller's Authorization header echoed back (to
prove redaction), reads lagging behind writes (by a count of reads, or by a time: a
replica), or a position that cannot be read once a PATCH stored a given text in it. It is a
raw asyncio server so that it can break connections the way real networks do.

Every request is logged (``hits``), and a request that arrives before the end of a
``Retry-After`` the server announced is counted in ``early_retries``.

``python -m graphcontract.faultserver --upstream URL [--port N] [--throttle-every N …]``
serves the same proxy from the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field, fields
from http import HTTPStatus
from typing import Any

import httpx

LOOPBACK = "127.0.0.1"
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>"
)
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
}


@dataclass(frozen=True)
class FaultPlan:
    """Which requests get which fault. ``*_every = N`` hits every Nth counted request
    (0 = never); requests are counted after the first ``start_after`` ones and only for
    ``methods`` (all when empty). When several faults hit one request, the first in field
    order wins."""

    drop_every: int = 0
    """close the connection without an answer (``drop_mode`` "close" or "reset")"""
    drop_mode: str = "close"
    throttle_every: int = 0
    """answer 429 with ``retry_after``"""
    unavailable_every: int = 0
    """answer 503 with ``retry_after`` (none when ``retry_after`` is empty)"""
    retry_after: str = "1"
    """"N" seconds, "date:N" for an HTTP date N seconds ahead, "" for no header"""
    gateway_every: int = 0
    """answer 502 with an HTML page"""
    missing_every: int = 0
    """answer 404 itemNotFound in the Graph error envelope, as if the resource were gone"""
    slow_every: int = 0
    """wait ``slow_s`` before forwarding (the request still reaches the upstream), or after"""
    slow_s: float = 0.0
    slow_after_forwarding: bool = False
    """delay the answer instead (the upstream has applied the request during the delay)"""
    truncate_every: int = 0
    """forward, then send half the body under the full Content-Length and close"""
    oversize_every: int = 0
    """answer 200 with a JSON body of ``oversize_bytes``"""
    oversize_bytes: int = 9 * 1024 * 1024
    echo_auth: bool = False
    """copy the Authorization header into a response header and into error messages"""
    stale_reads: int = 0
    """after a PATCH of a position answered 200, answer the next N GETs of that position
    with what the last GET before the write returned (a replica lagging behind writes)"""
    lag_s: float = 0.0
    """a read replica this many seconds behind the writes: a GET of a position answers the
    position as it was ``lag_s`` ago (the proxy reads the upstream around each PATCH to
    know; those reads are not in ``hits``)"""
    unreadable_after: str = ""
    """once a PATCH whose raw body holds this text reaches a position, that PATCH and every
    GET of the position answer 500, until a PATCH without the text (a value the service
    stored but cannot render, e.g. ``\\u0000``)"""
    start_after: int = 0
    methods: tuple[str, ...] = ()

    def fault_for(self, count: int) -> str | None:
        """The fault of the ``count``-th counted request (1-based), or None."""
        for name in (
            "drop",
            "throttle",
            "unavailable",
            "gateway",
            "missing",
            "slow",
            "truncate",
            "oversize",
        ):
            every = getattr(self, f"{name}_every")
            if every and count % every == 0:
                return name
        return None


@dataclass(frozen=True)
class Hit:
    """One request the server received and what it did with it."""

    at: float
    method: str
    path: str
    fault: str | None
    authorization: str | None = field(default=None, repr=False)


class FaultServer:
    """The proxy, served from a background thread; use as a context manager."""

    def __init__(self, upstream: str, plan: FaultPlan | None = None, *, port: int = 0) -> None:
        self.upstream = upstream.rstrip("/")
        self.plan = plan or FaultPlan()
        self.port = port
        self.hits: list[Hit] = []
        self.early_retries = 0
        self.retry_deadline = 0.0
        self._counted = 0
        self._seen = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._upstream: httpx.AsyncClient | None = None
        self._last_read: dict[str, tuple[list[tuple[str, str]], bytes]] = {}
        self._stale_left: dict[str, int] = {}
        self.stale_answers = 0
        self._history: dict[str, list[tuple[float, list[tuple[str, str]], bytes]]] = {}
        self.unreadable: set[str] = set()
        self.unreadable_answers = 0

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def faults_sent(self, name: str) -> int:
        return sum(1 for hit in self.hits if hit.fault == name)

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> FaultServer:
        self._thread = threading.Thread(target=self._serve_forever, name="faultserver", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"fault server did not start: {self._error}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve_forever(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # pragma: no cover - reported by start()
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with httpx.AsyncClient(base_url=self.upstream, timeout=30.0) as upstream:
            self._upstream = upstream
            server = await asyncio.start_server(self._handle, LOOPBACK, self.port)
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            async with server:
                await self._stop.wait()

    # -- one connection: one request, one answer, then close ----------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_request(reader)
            if request is not None:
                await self._answer(writer, *request)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
                await writer.wait_closed()

    async def _answer(
        self,
        writer: asyncio.StreamWriter,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        now = time.time()
        if now < self.retry_deadline:
            self.early_retries += 1
        fault = self._fault(method)
        auth = headers.get("authorization")
        self.hits.append(Hit(now, method, path, fault, auth))
        plan = self.plan
        if fault == "drop":
            if plan.drop_mode == "reset":
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if fault in ("throttle", "unavailable"):
            status = 429 if fault == "throttle" else 503
            extra = [("Content-Type", "application/json"), *self._retry_after()]
            writer.write(
                _response(status, _error_body(status, "throttled by the fault server"), extra)
            )
            return
        if fault == "gateway":
            writer.write(_response(502, HTML_PAGE, [("Content-Type", "text/html")]))
            return
        if fault == "missing":
            extra = [("Content-Type", "application/json")]
            writer.write(_response(404, _error_body(404, "the resource is gone"), extra))
            return
        if fault == "oversize":
            payload = b'{"value": "' + b"x" * plan.oversize_bytes + b'"}'
            writer.write(_response(200, payload, [("Content-Type", "application/json")]))
            await writer.drain()
            return
        if fault == "slow" and not plan.slow_after_forwarding:
            await asyncio.sleep(plan.slow_s)
        cannot_render = [("Content-Type", "application/json")]
        if plan.unreadable_after and method == "GET" and _position(path) in self.unreadable:
            self.unreadable_answers += 1
            writer.write(_response(500, _error_body(500, "cannot render it"), cannot_render))
            return
        if plan.lag_s and method == "PATCH" and "/positions/" in path:
            status, out_headers, out_body = await self._replicated_write(path, headers, body)
        else:
            status, out_headers, out_body = await self._forward(method, path, headers, body)
        if plan.unreadable_after and self._stores_unreadable(method, path, body):
            self.unreadable_answers += 1
            status, out_headers = 500, cannot_render
            out_body = _error_body(500, "stored, but cannot render it")
        if plan.stale_reads and status == 200:
            out_headers, out_body = self._lagging(method, path, out_headers, out_body)
        if plan.lag_s and status == 200 and method == "GET":
            out_headers, out_body = self._replica(path, out_headers, out_body)
        if fault == "slow" and plan.slow_after_forwarding:
            await asyncio.sleep(plan.slow_s)
        if plan.echo_auth and auth:
            out_headers.append(("X-Echo-Authorization", auth))
            out_body = _echo_in_error(status, out_body, auth)
        if fault == "truncate":
            writer.write(_head(status, out_headers, len(out_body)) + out_body[: len(out_body) // 2])
        else:
            writer.write(_response(status, out_body, out_headers))
        await writer.drain()

    def _lagging(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[list[tuple[str, str]], bytes]:
        """The answer a lagging replica gives (``stale_reads``); positions are keyed by id,
        whatever path form reached them."""
        position = _position(path)
        if method == "PATCH":
            self._stale_left[position] = self.plan.stale_reads
        elif method == "GET" and "/positions/" in path:
            if self._stale_left.get(position, 0) > 0 and position in self._last_read:
                self._stale_left[position] -= 1
                self.stale_answers += 1
                return self._last_read[position]
            self._last_read[position] = (headers, body)
        return headers, body

    async def _replicated_write(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Forward a PATCH (``lag_s``), keeping the position's state before and after it with
        the time each was current, for the replica's reads."""
        position, read = _position(path), _read_of(path)
        history = self._history.setdefault(position, [])
        if not history:
            status, kept, state = await self._forward("GET", read, headers, b"")
            if status == 200:
                history.append((0.0, kept, state))
        answer = await self._forward("PATCH", path, headers, body)
        status, kept, state = await self._forward("GET", read, headers, b"")
        if status == 200:
            history.append((time.monotonic(), kept, state))
        return answer

    def _replica(
        self, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[list[tuple[str, str]], bytes]:
        """A GET answered by the replica (``lag_s``): the position as it was ``lag_s`` ago
        when a write since then changed it, the upstream's answer otherwise."""
        history = self._history.get(_position(path))
        if not history or "/positions/" not in path:
            return headers, body
        seen_until = time.monotonic() - self.plan.lag_s
        while len(history) > 1 and history[1][0] <= seen_until:
            history.pop(0)  # older than anything the replica can still show
        if len(history) > 1:
            self.stale_answers += history[0][2] != body  # an older state than the upstream's
            return history[0][1], history[0][2]
        return headers, body

    def _stores_unreadable(self, method: str, path: str, body: bytes) -> bool:
        """A PATCH (forwarded, so stored) makes its position unreadable when its raw body
        holds ``unreadable_after``, readable again when it does not (``unreadable_after``)."""
        if method != "PATCH" or "/positions/" not in path:
            return False
        if self.plan.unreadable_after.encode() in body:
            self.unreadable.add(_position(path))
            return True
        self.unreadable.discard(_position(path))
        return False

    def _fault(self, method: str) -> str | None:
        self._seen += 1
        plan = self.plan
        if self._seen <= plan.start_after or (plan.methods and method not in plan.methods):
            return None
        self._counted += 1
        return plan.fault_for(self._counted)

    def _retry_after(self) -> list[tuple[str, str]]:
        value = self.plan.retry_after
        if not value:
            return []
        if value.startswith("date:"):
            when = int(time.time() + float(value[5:]))
            self.retry_deadline = float(when)
            return [("Retry-After", email.utils.formatdate(when, usegmt=True))]
        self.retry_deadline = time.time() + float(value)
        return [("Retry-After", value)]

    async def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        assert self._upstream is not None
        sent = {k: v for k, v in headers.items() if k not in ("host", "content-length")}
        answer = await self._upstream.request(method, path, headers=sent, content=body)
        kept = [(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP]
        return answer.status_code, kept, answer.content


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


def _head(status: int, headers: list[tuple[str, str]], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {_phrase(status)}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_BY_HOP]
    lines += [f"Content-Length: {length}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1", "replace")


def _position(path: str) -> str:
    """The position id a path ends with, whatever path form reached it."""
    return path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def _read_of(path: str) -> str:
    """The GET path of the position a PATCH path names (its query dropped)."""
    return path.split("?")[0]


def _response(status: int, body: bytes, headers: list[tuple[str, str]]) -> bytes:
    return _head(status, headers, len(body)) + body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _error_body(status: int, message: str) -> bytes:
    code = {429: "TooManyRequests", 404: "itemNotFound"}.get(status, "serviceNotAvailable")
    return json.dumps({"error": {"code": code, "message": message, "innerError": {}}}).encode()


def _echo_in_error(status: int, body: bytes, auth: str) -> bytes:
    """Append the Authorization header to the message of a JSON error answer."""
    if status < 400:
        return body
    try:
        data: Any = json.loads(body)
        data["error"]["message"] += f" (request had Authorization: {auth})"
    except (ValueError, KeyError, TypeError):
        return body
    return json.dumps(data).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m graphcontract.faultserver", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--upstream", required=True, help="base URL requests are forwarded to")
    parser.add_argument("--port", type=int, default=8001)
    for spec in fields(FaultPlan):
        flag = "--" + spec.name.replace("_", "-")
        if spec.name == "methods":
            parser.add_argument(flag, action="append", default=[], help="fault only this method")
        elif spec.type == "bool":
            parser.add_argument(flag, action="store_true")
        else:
            kind = {"int": int, "float": float}.get(str(spec.type), str)
            parser.add_argument(flag, type=kind, default=spec.default)
    args = vars(parser.parse_args(argv))
    upstream, port = args.pop("upstream"), args.pop("port")
    plan = FaultPlan(**{**args, "methods": tuple(args["methods"])})
    with FaultServer(upstream, plan, port=port) as server:
        print(f"fault server on {server.base_url} → {upstream}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
