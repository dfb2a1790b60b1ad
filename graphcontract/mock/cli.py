"""``graphcontract mock``: serve the reference mock (optionally faulty or gray) on uvicorn.

Also runnable as ``python -m graphcontract.mock.cli`` (what ``MockProcess`` launches), so the
mock does not depend on the other subcommands being importable. Once uvicorn accepts
connections it prints one line, ``graphcontract mock: listening on http://HOST:PORT``
(flushed, so a script can wait for it), then one line naming what a run needs to judge every
clause against it (its user's id and userPrincipalName, its read-only token) and the variant and
faults it serves; ``--quiet`` leaves both out.
"""

from __future__ import annotations

import argparse
import dataclasses
import socket
import sys
from collections.abc import Callable, Iterable
from typing import Any

import uvicorn

from graphcontract.contract import load_contract
from graphcontract.errors import HarnessError, UsageError
from graphcontract.helpformat import DefaultsHelpFormatter
from graphcontract.metadata_option import add_metadata_argument, select_metadata
from graphcontract.mock.app import DEFAULT_READONLY_TOKEN, build_app
from graphcontract.mock.faults import FAULTS, check_faults
from graphcontract.mock.gray import DOTNET_CHOICES, STRICT_CHOICES, GrayChoices
from graphcontract.mock.seed import load_seed

VARIANTS = ("conforming", "gray", "dotnet", "strict")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8000, help="TCP port; 0 picks a free one")
    parser.add_argument(
        "--seed",
        metavar="FILE",
        help="workPosition's initial state, shaped like contracts/examples/mock_seed.json "
        "(default: that file: the documented example); the other facets start from "
        "contracts/examples/facets/",
    )
    parser.add_argument(
        "--fault",
        metavar="NAME",
        nargs="+",
        action="extend",
        default=[],
        help="break a behaviour; faults combine (--fault A B, or --fault A --fault B) "
        f"(default: none): {', '.join(FAULTS)}",
    )
    parser.add_argument(
        "--gray",
        metavar="KEY=VALUE",
        nargs="+",
        action="extend",
        default=[],
        help="pin one gray-zone choice, applied over --variant (repeatable; default: none; "
        f"keys: {', '.join(f.name for f in dataclasses.fields(GrayChoices))})",
    )
    parser.add_argument(
        "--variant",
        default="conforming",
        help="conforming (reference choices), gray (every gray-zone choice flipped), dotnet "
        "(the forms an ASP.NET Core OData service writes) or strict (every open form refused)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="do not print the 'listening on URL' line (and the line after it naming the "
        "mock's users and read-only token) once the mock is ready",
    )
    parser.add_argument(
        "--readonly-token",
        default=DEFAULT_READONLY_TOKEN,
        help="bearer token that may read but not PATCH",
    )
    parser.add_argument(
        "--log-level", default="warning", help=f"uvicorn log level: {', '.join(LOG_LEVELS)}"
    )
    add_metadata_argument(parser)


def choices_from(variant: str, gray: list[str]) -> GrayChoices:
    """The gray-zone choices for ``--variant`` with ``--gray`` overrides."""
    if variant not in VARIANTS:
        raise UsageError(f"unknown --variant {variant!r}; choose from {', '.join(VARIANTS)}")
    base = {
        "gray": GrayChoices().flipped(),
        "dotnet": DOTNET_CHOICES,
        "strict": STRICT_CHOICES,
    }.get(variant, GrayChoices())
    return GrayChoices.parse(gray, base=base)


def run(args: argparse.Namespace) -> int:
    if args.log_level.lower() not in LOG_LEVELS:
        raise UsageError(
            f"unknown --log-level {args.log_level!r}; choose from {', '.join(LOG_LEVELS)}"
        )
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535; got {args.port}")
    select_metadata(args.metadata)
    faults = check_faults(args.fault)
    gray = choices_from(args.variant, args.gray)
    seed = load_seed(args.seed) if args.seed else None
    app = build_app(seed=seed, faults=faults, gray=gray, readonly_token=args.readonly_token)
    user = (seed or load_contract().seed)["user"]
    details = served_line(
        user_id=str(user["id"]),
        upn=str(user["userPrincipalName"]),
        readonly_token=args.readonly_token,
        variant=args.variant,
        gray=args.gray,
        faults=faults,
    )

    def announce(url: str) -> None:
        print(f"graphcontract mock: listening on {url}", flush=True)
        print(details, flush=True)

    serve(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        on_ready=None if args.quiet else announce,
    )
    return 0


def served_line(
    *,
    user_id: str,
    upn: str,
    readonly_token: str,
    variant: str,
    gray: list[str],
    faults: Iterable[str],
) -> str:
    """The line after the ready line: the values ``graphcontract run``'s --user and
    --readonly-token-env need (so no clause is skipped against this mock), and what it serves."""
    serving = f"variant {variant}" + (f" with --gray {' '.join(gray)}" if gray else "")
    serving += f"; faults: {', '.join(sorted(faults)) or 'none'}"
    return (
        f"graphcontract mock: user {user_id} ({upn}) for --user; read-only token "
        f"{readonly_token} for --readonly-token-env; {serving}"
    )


def listening_url(host: str, sockets: list[socket.socket]) -> str:
    """The URL a client reaches the mock at: the host as given, the port actually bound
    (``--port 0`` picks a free one)."""
    port = sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, calling ``on_ready`` once its sockets accept connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self._on_ready is not None and self.started and not self.should_exit:
            self._on_ready()


def serve(
    app: Any,
    *,
    host: str,
    port: int,
    log_level: str,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve an ASGI app the way the reference mock is served (uvicorn, no access log);
    ``on_ready(url)`` is called once connections are accepted.

    The sockets are bound here first, so a port in use or an unknown host is a UsageError
    (one line, exit 2), not uvicorn's log line and exit 3."""
    sockets = listening_sockets(host, port)
    url = listening_url(host, sockets)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level.lower(),
        access_log=False,
        date_header=False,
        server_header=False,
    )
    try:
        ready = None if on_ready is None else lambda: on_ready(url)
        _Server(config, ready).run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """One bound TCP socket per address ``host`` resolves to (as uvicorn would bind them)."""
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (OSError, UnicodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(
            f"--host {host!r} is not an address this machine can listen on ({reason}); "
            "give e.g. 127.0.0.1"
        ) from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port "
            "or --host"
        ) from None
    return sockets


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m graphcontract.mock.cli``."""
    parser = argparse.ArgumentParser(
        prog="graphcontract mock",
        description=__doc__.splitlines()[0],
        formatter_class=DefaultsHelpFormatter,
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except HarnessError as exc:
        print(f"graphcontract mock: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
