"""The ``graphcontract`` command: one subcommand per use (run, mock, restore, doc-lint, …).

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; this module only dispatches and turns harness errors into one line
and exit status 2. ``graphcontract`` alone prints the help (exit 0); ``--version`` the
installed version.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from graphcontract import __version__
from graphcontract.errors import HarnessError
from graphcontract.helpformat import DefaultsHelpFormatter

SELECTIONS = ("GRAPHCONTRACT_API", "GRAPHCONTRACT_METADATA", "GRAPHCONTRACT_METADATA_FINDINGS")
"""The environment variables a command sets as its process's selections (``contract.API_ENV``,
``contract.METADATA_ENV``, ``target_schema.FINDINGS_ENV``)."""

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "graphcontract.runner.cli",
        "check a target against every clause (default: the bundled mock)",
    ),
    "mock": ("graphcontract.mock.cli", "serve the reference mock on uvicorn"),
    "restore": ("graphcontract.runner.restore_cli", "put a position back from a restore journal"),
    "doc-lint": (
        "graphcontract.doclint.cli",
        "check Graph documentation pages against the contract",
    ),
    "fuzz": ("graphcontract.fuzz.cli", "run a time-boxed fuzzing campaign over the contract suite"),
    "bench": (
        "graphcontract.bench.cli",
        "measure detection power and speed against Schemathesis and raw httpx",
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"graphcontract: error: {message} (see --help)\n")


def build_parser(
    only: str | None = None, defaults: dict[str, Any] | None = None
) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that subcommand's module is imported (faster start);
    ``defaults`` replace the defaults of that subcommand's options (from pyproject.toml)."""
    parser = _Parser(
        prog="graphcontract",
        description="Contract tests for Microsoft Graph's Update workPosition API.",
        epilog="Run `graphcontract COMMAND --help` for a command's options.",
        formatter_class=DefaultsHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"graphcontract {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text)
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a subcommand not shipped in this build
        command = sub.add_parser(
            name, help=help_text, description=help_text, formatter_class=DefaultsHelpFormatter
        )
        module.add_arguments(command)
        command.set_defaults(_module=module, **(defaults if name == only and defaults else {}))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    only = given[0] if given and given[0] in SUBCOMMANDS else None
    if not given:  # what the command does and which subcommands it has, not a usage error
        build_parser().print_help(sys.stdout)
        return 0
    args = build_parser(only).parse_args(given)
    from graphcontract.metadata_option import keep_metadata_selection

    restores = [keep_metadata_selection(name) for name in SELECTIONS]
    try:
        configured = getattr(args._module, "configured_defaults", None)
        if configured is not None and (defaults := configured(Path.cwd())):
            # [tool.graphcontract] in pyproject.toml: defaults, so a flag given still wins
            args = build_parser(only, defaults=defaults).parse_args(given)
        return int(args._module.run(args))
    except HarnessError as exc:
        print(f"graphcontract: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        from graphcontract.runner.interrupt import interrupted_status

        print("graphcontract: interrupted", file=sys.stderr)
        return interrupted_status()
    finally:
        # a command selects its facet, metadata and findings for its own process and its
        # children; called in process (tests, scripts), it leaves them as it found them
        for restore in restores:
            restore()


def entry(argv: Sequence[str] | None = None) -> NoReturn:
    """The process entry (console script, ``python -m graphcontract[.fuzz|.bench]``):
    Hypothesis's caches in the per-user directory, ``main()``, then a quick exit.

    Once a run is over, CPython's shutdown would free the run's objects one by one (pytest's
    items, Hypothesis's data): about 0.4 s per ci run, paid by every CI gate and every bench
    run. Exit handlers still run and the output is flushed; only that teardown is skipped."""
    from graphcontract.profiles import share_hypothesis_storage

    share_hypothesis_storage()  # inherited by pytest-xdist, fuzz and bench child processes
    code = main(argv)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
