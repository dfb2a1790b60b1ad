"""The bench's server: the reference mock behind a request counter, and a process wrapper.

The bench measures every tool against the same server build: the reference mock of
``graphcontract.mock`` (same app, same faults, same uvicorn settings), wrapped in a tiny ASGI
middleware that stamps the arrival time of every request. ``GET /__bench__/stats`` answers
those stamps (and ``?reset=1`` clears them), so request counts and server-side request rates
are measured the same way whichever client sent the traffic (graphcontract, Schemathesis, a
raw httpx loop). ``GET /__bench__/fresh`` swaps in an app newly built from the seed, with the
same faults and variant or, given ``?faults=a,b&variant=gray``, with those: one process can
serve target after target. Both paths are outside the documented API, so no tool under test
sends them.

``BenchMock`` starts ``python -m graphcontract.bench.server`` exactly like ``MockProcess``
starts the mock (it only swaps the module), and adds ``stats()`` and ``fresh()``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from bisect import bisect_right
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import httpx

from graphcontract.bench.measured import process_cpu_s
from graphcontract.mock.process import MockProcess

STATS_PATH = "/__bench__/stats"
FRESH_PATH = "/__bench__/fresh"
IDLE_GAP_S = 0.5
"""Pauses between two requests at least this long are not counted as sending time."""
MODULE = "graphcontract.bench.server"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Build = Callable[[dict[str, str]], tuple[ASGIApp, dict[str, Any]]]
"""Builds the app from the seed; the argument holds the fresh request's query parameters
(``faults``, ``variant``: absent means as the server was started). Returns the app and what
it serves (the answer to the fresh request). Raises ValueError on a parameter it cannot
serve."""


class CountingMiddleware:
    """Stamps every HTTP request's arrival (``time.time()``) and serves the stamps; with a
    ``build`` function, ``FRESH_PATH`` swaps in a newly built app (400 if it cannot be built:
    the old one stays)."""

    def __init__(self, app: ASGIApp, build: Build | None = None) -> None:
        self.app = app
        self.build = build
        self.times: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == STATS_PATH:
            await self._stats(scope, send)
            return
        if scope["path"] == FRESH_PATH and self.build is not None:
            # Blank values kept: ``faults=`` means "no faults", not "as started".
            query = parse_qs(
                scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            )
            try:
                app, serves = self.build({name: values[-1] for name, values in query.items()})
            except ValueError as exc:
                await self._answer(send, json.dumps({"error": str(exc)}).encode(), status=400)
                return
            self.app, self.times = app, []
            await self._answer(send, json.dumps(serves).encode())
            return
        self.times.append(time.time())
        await self.app(scope, receive, send)

    async def _stats(self, scope: Scope, send: Send) -> None:
        body = json.dumps({"count": len(self.times), "times": self.times}).encode()
        if b"reset=1" in scope.get("query_string", b""):
            self.times = []
        await self._answer(send, body)

    @staticmethod
    async def _answer(send: Send, body: bytes, status: int = 200) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class ServerStats:
    """The arrival times of the requests one server received (seconds since the epoch)."""

    times: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.times)

    @property
    def span_s(self) -> float:
        return self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0

    def active_s(self, max_gap_s: float = IDLE_GAP_S) -> float:
        """Time between the first and last request, less every pause of ``max_gap_s`` or more
        (process start-up, pytest collection, a tool's own set-up between phases)."""
        gaps = (b - a for a, b in zip(self.times, self.times[1:], strict=False))
        return sum(g for g in gaps if g < max_gap_s)

    def rate(self, max_gap_s: float = IDLE_GAP_S) -> float | None:
        """Sustained requests/s: the requests after the first over the active time."""
        active = self.active_s(max_gap_s)
        return (self.count - 1) / active if active > 0 else None

    def before(self, moment: float) -> int:
        """How many requests arrived at or before ``moment``."""
        return bisect_right(self.times, moment)


class BenchMock(MockProcess):
    """``MockProcess`` running the counting server instead of the bare mock."""

    def command(self) -> list[str]:
        cmd = super().command()
        index = cmd.index("-m") + 1
        cmd[index] = MODULE
        return cmd

    def __enter__(self) -> BenchMock:
        self.start()
        return self

    def fresh(self, *, faults: Iterable[str] | None = None, variant: str | None = None) -> None:
        """Back to the seed state, stamps cleared, same process and port; with the same
        faults and variant, or with those given (a new target without a new process)."""
        params: dict[str, str] = {}
        if faults is not None:
            params["faults"] = ",".join(faults)
        if variant is not None:
            params["variant"] = variant
        response = httpx.get(self.base_url + FRESH_PATH, params=params, timeout=30.0)
        if response.status_code == 400:
            raise ValueError(f"bench server: {response.json().get('error')}")
        response.raise_for_status()
        if faults is not None:
            self.faults = tuple(faults)
        if variant is not None:
            self.variant = variant
        serves = response.json()
        wanted = {"faults": sorted(self.faults), "variant": self.variant}
        if serves != wanted:  # a measurement on the wrong server would be silently wrong
            raise RuntimeError(f"bench server serves {serves} instead of {wanted}")

    def cpu_s(self) -> float | None:
        """CPU seconds the server process has used since it started (None if unknown)."""
        return process_cpu_s(self._process.pid) if self._process is not None else None

    def stats(self, *, reset: bool = False) -> ServerStats:
        url = self.base_url + STATS_PATH + ("?reset=1" if reset else "")
        response = httpx.get(url, timeout=30.0)
        response.raise_for_status()
        return ServerStats(tuple(sorted(response.json()["times"])))


def main(argv: list[str] | None = None) -> int:
    """``python -m graphcontract.bench.server``: the mock's own options, counted."""

    from graphcontract.errors import HarnessError
    from graphcontract.mock import cli as mock_cli
    from graphcontract.mock.app import build_app
    from graphcontract.mock.faults import check_faults
    from graphcontract.mock.seed import load_seed

    parser = argparse.ArgumentParser(prog="graphcontract-bench-server")
    mock_cli.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        check_faults(args.fault)
        mock_cli.choices_from(args.variant, args.gray)
        seed = load_seed(args.seed) if args.seed else None
    except HarnessError as exc:
        print(f"bench server: error: {exc}", file=sys.stderr)
        return 2

    def build(params: dict[str, str]) -> tuple[ASGIApp, dict[str, Any]]:
        named = params.get("faults")
        wanted = args.fault if named is None else [f for f in named.split(",") if f]
        variant = params.get("variant", args.variant)
        try:
            faults = check_faults(wanted)
            gray = mock_cli.choices_from(variant, args.gray)
        except HarnessError as exc:
            raise ValueError(str(exc)) from None
        app = build_app(seed=seed, faults=faults, gray=gray, readonly_token=args.readonly_token)
        return app, {"faults": sorted(faults), "variant": variant}

    mock_cli.serve(
        CountingMiddleware(build({})[0], build),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
