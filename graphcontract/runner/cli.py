"""``graphcontract run``: check a target against every clause and write the reports.

Validates the configuration (one line and exit 2 for anything wrong), starts the bundled
mock when no --base-url is given, probes the target, runs the contract suite with pytest
(in this process; ``--workers`` uses pytest-xdist), and maps report.json's verdict to the
exit status: 0 pass, 1 a must clause failed, 2 the harness could not judge, 130 (Ctrl-C) or
143 (SIGTERM) interrupted (runner/interrupt.py).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import shlex
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from graphcontract.api_option import (
    ALL,
    add_api_argument,
    checkable_facets,
    resolve_api,
    select_api,
)
from graphcontract.client import GraphClient, Redactor
from graphcontract.contract import load_contract
from graphcontract.contract_source import DEFAULT_FACET
from graphcontract.errors import TargetUnhealthy, UsageError
from graphcontract.fuzz.database import check_database, run_arguments
from graphcontract.metadata_option import (
    TARGET_METADATA,
    add_metadata_argument,
    keep_metadata_selection,
    select_metadata,
)
from graphcontract.profiles import PROFILES
from graphcontract.runner import schema_check
from graphcontract.runner.config import (
    DEFAULT_TOKEN_ENV,
    RunConfig,
    add_target_arguments,
    apply_configured_lists,
    check_report_dir,
    load_pyproject_settings,
    pyproject_folder,
    target_config,
)
from graphcontract.runner.config import (
    configured_defaults as configured_defaults,  # graphcontract.cli reads it
)
from graphcontract.runner.interrupt import interrupted_status, stop_on_signals, was_stopped
from graphcontract.target_schema import FINDINGS_ENV

MOCK_TOKEN_ENV = "GRAPHCONTRACT_MOCK_TOKEN"
MOCK_READONLY_ENV = "GRAPHCONTRACT_MOCK_READONLY_TOKEN"
EXIT = {"pass": 0, "fail": 1, "error": 2}
PACKAGE = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="target base URL (default: start the bundled mock)")
    add_target_arguments(parser, what="run")
    parser.add_argument("--profile", choices=PROFILES, default="ci", help="Hypothesis profile")
    parser.add_argument("--report-dir", default="reports", help="where reports/<run-id>/ go")
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        help="requests per second (default: none on loopback, 5 on live targets)",
    )
    parser.add_argument("--workers", type=int, default=1, help="pytest-xdist worker processes")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="show the harness's steps (each request and its status, each verdict); "
        "-vv shows pytest's own failure details too",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show pytest's own failure details (tracebacks)"
    )
    parser.add_argument(
        "--database",
        metavar="DIR|redis://HOST:PORT/DB",
        help="Hypothesis example database to replay failures from (e.g. a fuzz campaign's)",
    )
    add_metadata_argument(parser, target=True)
    add_api_argument(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check the configuration and print what the run would send, sending nothing",
    )


def suite_dir() -> Path:
    """tests/contract of a source checkout, or the copy bundled in the wheel."""
    for candidate in (PACKAGE.parent / "tests" / "contract", PACKAGE / "_bundled" / "suite"):
        if candidate.is_dir():
            return candidate
    raise UsageError(
        "the contract suite is missing from this installation; reinstall graphcontract"
    )


def validate(args: argparse.Namespace) -> RunConfig:
    """Turn the arguments into a RunConfig or raise UsageError naming the problem. Checks
    everything before anything is started or sent (a dry run creates nothing)."""
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    apply_configured_lists(args, Path.cwd())
    if args.metadata == TARGET_METADATA:
        args.metadata = target_metadata_url(args)
    if args.metadata:
        args.metadata = str(select_metadata(args.metadata))
    else:
        settings = load_pyproject_settings(Path.cwd())
        if settings.get("metadata"):
            folder = pyproject_folder(Path.cwd())
            what = f"{folder / 'pyproject.toml'}: [tool.graphcontract] metadata"
            select_metadata(settings["metadata"], what=what, base=folder)
    args.facets = select_facets(args)
    cfg = target_config(args, what="run", known_clauses=list(load_contract().clauses))
    if len(args.facets) > 1 and cfg.position_id:
        raise UsageError(
            "--position-id names one item of one facet; with --api all each facet's item is "
            "the last one its collection lists (loopback targets only)"
        )
    if args.database:
        check_database(args.database, create=not args.dry_run)
    report_dir = check_report_dir(Path(args.report_dir), create=not args.dry_run)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    return cfg.with_target(report_dir=report_dir, run_id=run_id)


def select_facets(args: argparse.Namespace) -> list[str]:
    """The facets the run checks: ``--api`` over ``api =`` in ``[tool.graphcontract]``
    (default workPosition); one facet becomes this process's selection."""
    api, what = getattr(args, "api", None), "--api"
    if not api:
        settings = load_pyproject_settings(Path.cwd())
        api = settings.get("api")
        what = f"{pyproject_folder(Path.cwd()) / 'pyproject.toml'}: [tool.graphcontract] api"
    if not api:
        return [DEFAULT_FACET]
    facets = resolve_api(api, what=what)
    if api != ALL:
        select_api(facets[0], what=what)
        args.api = facets[0]
    return facets


def target_metadata_url(args: argparse.Namespace) -> str | None:
    """``--metadata target``: the target's own ``<base-url>/$metadata`` (None for the bundled
    mock, which serves the bundled document)."""
    base_url = args.base_url or load_pyproject_settings(Path.cwd()).get("base_url")
    return f"{str(base_url).rstrip('/')}/$metadata" if base_url else None


def probe(cfg: RunConfig) -> None:
    """Reach the target once: unreachable, refused token or unknown position → exit 2."""
    assert cfg.base_url is not None
    token = cfg.token()
    with GraphClient(
        cfg.base_url,
        token=token,
        timeout_s=cfg.timeout_s,
        redactor=Redactor(
            [token, cfg.readonly_token()], env_names=[cfg.token_env, cfg.readonly_token_env]
        ),
        token_label=f"the token in {cfg.token_env}",
        token_env=cfg.token_env,
    ) as client:
        collection = load_contract().me_collection
        path = f"{collection}/{cfg.position_id}" if cfg.position_id else collection
        exchange = client.request("GET", path, content_type=None)
    if exchange.status == 404 and cfg.position_id:
        raise UsageError(
            f"position {cfg.position_id!r} not found (404 on GET {path}); check --position-id"
        )
    if exchange.status != 200 or exchange.json_object() is None:
        raise TargetUnhealthy(
            f"GET {path} answered {exchange.status}"
            + ("" if exchange.json_object() is not None else " without JSON")
            + f"; is {cfg.base_url} a Graph workPosition endpoint?"
        )


def pytest_arguments(
    cfg: RunConfig,
    args: argparse.Namespace,
    *,
    label: str,
    readonly_env: str | None,
    command: str | None = None,
    api: str | None = None,
) -> list[str]:
    assert cfg.base_url is not None
    assert cfg.run_id is not None
    folder = cfg.report_dir / cfg.run_id
    suite = suite_dir()
    argv = [
        str(suite),
        "-c",
        str(PACKAGE / "suite.ini"),
        "--rootdir",
        str(suite),
        "-p",
        "graphcontract.plugin",
        "-p",
        "graphcontract.runner.gcfreeze",
        "--gc-base-url",
        cfg.base_url,
        "--gc-token-env",
        cfg.token_env,
        "--gc-report-dir",
        str(cfg.report_dir),
        "--gc-run-id",
        cfg.run_id,
        "--gc-timeout",
        str(cfg.timeout_s),
        "--gc-target-label",
        label,
        "--hypothesis-profile",
        args.profile,
        "--junitxml",
        str(folder / "junit.xml"),
    ]
    if cfg.rate_limit is not None:
        argv += ["--gc-rate-limit", str(cfg.rate_limit)]
    if command:
        argv += ["--gc-command", command]
    if cfg.position_id:
        argv += ["--gc-position-id", cfg.position_id]
    for user in cfg.users:
        argv += ["--gc-user", user]
    if readonly_env:
        argv += ["--gc-readonly-token-env", readonly_env]
    for clause in cfg.clauses:
        argv += ["--gc-clause", clause]
    for key, value in cfg.policy.items():
        argv += ["--gc-policy", f"{key}={value}"]
    if getattr(args, "metadata", None):
        argv += ["--gc-metadata", args.metadata]
    if api:
        argv += ["--gc-api", api]
    if args.workers > 1:
        argv += ["-n", str(args.workers)]
    argv += run_arguments(getattr(args, "database", None))
    debug = getattr(args, "debug", False) or args.verbose >= 2
    argv += ["-q", "-rN"] + ([] if debug else ["--tb=no", "-p", "no:warnings"])
    if args.verbose:
        argv += ["--gc-steps"]
    return argv


def rerun_command(cfg: RunConfig, args: argparse.Namespace) -> str:
    """``graphcontract run`` with the options that name the target as the user gave them
    (not --clause): the console adds ``--clause ID`` to it to rerun one clause."""
    parts = ["graphcontract", "run"]
    if cfg.base_url:
        parts += ["--base-url", cfg.base_url]
    if cfg.position_id:
        parts += ["--position-id", cfg.position_id]
    for user in cfg.users:
        parts += ["--user", user]
    if cfg.token_env != DEFAULT_TOKEN_ENV:
        parts += ["--token-env", cfg.token_env]
    if cfg.readonly_token_env:
        parts += ["--readonly-token-env", cfg.readonly_token_env]
    for pin in args.policy:
        parts += ["--policy", pin]
    if args.profile != "ci":
        parts += ["--profile", args.profile]
    if getattr(args, "api", None) and len(getattr(args, "facets", ())) == 1:
        parts += ["--api", args.api]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    import pytest

    cfg = validate(args)
    if args.dry_run:
        from graphcontract.runner.dryrun import describe_run

        if len(args.facets) > 1:
            facets = ", ".join(f"{f} (/me/profile/{s})" for f, s in checkable_facets().items())
            tell(f"--api all: one session per facet, each as below on its own paths: {facets}")
        tell(describe_run(cfg, args, suite_dir()))
        return 0
    command = rerun_command(cfg, args)
    journal_hint = True
    with ExitStack() as stack:
        stack.enter_context(stop_on_signals())
        label = ""
        readonly_env = cfg.readonly_token_env
        if cfg.base_url is None:
            from graphcontract.mock.process import MockProcess

            mock = stack.enter_context(MockProcess())
            os.environ[MOCK_TOKEN_ENV] = "graphcontract-mock-token"
            os.environ[MOCK_READONLY_ENV] = mock.readonly_token
            cfg = cfg.with_target(
                base_url=mock.base_url,
                token_env=MOCK_TOKEN_ENV,
                users=cfg.users or (mock.user_id, mock.user_principal_name),
            )
            readonly_env = MOCK_READONLY_ENV
            label = "bundled reference mock"
            journal_hint = False  # the mock and what the run wrote to it end with the run
        probe(cfg)
        named = f"{label} ({cfg.base_url})" if label else cfg.base_url
        tell(
            f"graphcontract: checking {named}, profile {args.profile}, "
            f"report {cfg.report_dir / str(cfg.run_id)}"
        )
        stack.callback(keep_metadata_selection(FINDINGS_ENV))
        stack.callback(keep_metadata_selection())
        narrowed, findings, how = schema_check.apply(
            cfg, cfg.report_dir / str(cfg.run_id), args.facets
        )
        if narrowed is not None:
            args.metadata = str(narrowed)
        for line in schema_check.console_lines(findings, how):
            tell(line)
        folder = cfg.report_dir / str(cfg.run_id)
        for facet, held, segment in schema_check.facets_held_otherwise(folder, args.facets):
            tell(
                f"  not checked: {facet}, as the service's profile holds {held} at {segment} "
                "(check it by the service's own schema with --metadata target)"
            )
            args.facets = [f for f in args.facets if f != facet]
        label = label or cfg.base_url or ""
        secrets_ = Redactor([cfg.token(), cfg.readonly_token()])
        stack.enter_context(redacted_output(secrets_))
        if len(args.facets) > 1:
            from graphcontract.runner.facets import facet_command, run_all

            run_all(
                cfg,
                args,
                args.facets,
                lambda c, facet: pytest_arguments(
                    c,
                    args,
                    label=label,
                    readonly_env=readonly_env,
                    command=facet_command(command, facet),
                    api=facet,
                ),
                tell,
                secrets_,
            )
            return conclude(cfg, 0)
        api = getattr(args, "api", None)
        argv = pytest_arguments(
            cfg, args, label=label, readonly_env=readonly_env, command=command, api=api
        )
        try:
            code: int | None = int(pytest.main(argv))
        except KeyboardInterrupt:
            code = None  # stopped again while the session was wound down (restore, report)
        junit = cfg.report_dir / str(cfg.run_id) / "junit.xml"
        if api and api != DEFAULT_FACET:
            tag_junit_file(junit, api)
        redact_file(junit, secrets_)
    return conclude(cfg, code, journal_hint=journal_hint)


def tag_junit_file(path: Path, facet: str) -> None:
    """Name the facet in every test name of a one-facet run's junit.xml."""
    import xml.etree.ElementTree as ET

    from graphcontract.report.combined import tag_junit

    root = tag_junit(path, facet)
    if root is not None:
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def redact_file(path: Path, secrets_: Redactor) -> None:
    """Remove the secrets from a file pytest wrote (JUnit's failure messages quote the data
    as the target sent it); nothing when the file is not there."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return
    redacted = secrets_.text(text)
    if redacted != text:
        path.write_text(redacted, encoding="utf-8")


def tell(text: str) -> None:
    """Print a line of the run's own output; a reader that went away is not an error."""
    with suppress(BrokenPipeError):
        print(text, flush=True)


class _RedactingStream(io.TextIOBase):
    """A text stream that removes secrets from everything written through it.

    When the reader goes away (``graphcontract run | head``), later output is dropped: the
    run goes on, restores the position and writes its reports; the exit status still tells."""

    def __init__(self, inner: TextIO, redactor: Redactor) -> None:
        self._inner = inner
        self._redactor = redactor
        self._reader_gone = False

    def write(self, text: str) -> int:
        if not self._reader_gone:
            try:
                self._inner.write(self._redactor.text(text))
            except BrokenPipeError:
                self._reader_gone = True
        return len(text)

    def flush(self) -> None:
        if not self._reader_gone:
            try:
                self._inner.flush()
            except BrokenPipeError:
                self._reader_gone = True

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._inner.encoding

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def redacted_output(redactor: Redactor) -> Iterator[None]:
    """While the suite runs, stdout and stderr never show a secret (a last line of defence:
    every record is redacted where it is made)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = _RedactingStream(saved[0], redactor)
    sys.stderr = _RedactingStream(saved[1], redactor)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def conclude(cfg: RunConfig, pytest_code: int | None, *, journal_hint: bool = True) -> int:
    folder = cfg.report_dir / str(cfg.run_id)
    path = folder / "report.json"
    if pytest_code is None or (was_stopped() and not path.is_file()):
        # Stopped before the report was written: the end-of-run restore may not have run.
        tell("graphcontract: interrupted before the end-of-run restore was verified")
        if journal_hint and any(folder.glob("restore-journal-*.json")):
            tell(
                "  next: the position may be left modified: "
                f"graphcontract restore --journal {shlex.quote(str(folder))}"
            )
        return interrupted_status()
    if not path.is_file():
        print(
            f"graphcontract: error: no report was written (pytest exit {pytest_code}); "
            "run with --debug to see why",
            file=sys.stderr,
        )
        return 2
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    verdict = report.get("verdict", "error")
    failed = report.get("failed_clauses", [])
    # The errors, restores and failures with their reproducers were printed above it (the
    # plugin's console summary); this last line repeats the verdict the exit status tells.
    api = report.get("api")
    summary = f"graphcontract: {verdict}" + (
        f" ({api})" if api not in (None, DEFAULT_FACET) else ""
    )
    if failed:
        summary += f" - {len(failed)} must clause(s) failed: {', '.join(failed)}"
    tell(summary + f"\n  report: {folder / 'report.html'}")
    if verdict == "interrupted":
        return interrupted_status()
    return EXIT.get(verdict, 2)
