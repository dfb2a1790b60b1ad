"""``graphcontract fuzz``: a fuzzing campaign of the contract suite for a wall-clock budget.

Validates everything first (one line, exit 2), then runs rounds of the suite with the
``fuzz`` profile across ``--workers`` processes sharing one example database, shows a live
progress line, and writes ``<report-dir>/<campaign-id>/campaign.json`` + ``campaign.md``
(``--api all``: one campaign per facet, graphcontract.fuzz.facets).
Exit 0: no must clause failed; 1: one did; 2: the harness could not judge; 128+N: stopped by
signal N (Ctrl-C, SIGTERM) before finding a failure. The position is restored either way.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphcontract.api_option import ALL, add_api_argument, resolve_api, select_api
from graphcontract.contract import load_contract
from graphcontract.errors import UsageError
from graphcontract.fuzz.campaign import (
    MIN_DURATION_S,
    Campaign,
    CampaignPlan,
    ProgressLine,
    install_signal_handlers,
)
from graphcontract.fuzz.database import DEFAULT_DIRECTORY, check_database, describe
from graphcontract.fuzz.facets import run_facets, split_duration, summary, write_summary
from graphcontract.fuzz.report import build_campaign_report, write_campaign_report
from graphcontract.metadata_option import add_metadata_argument, select_metadata
from graphcontract.runner.config import (
    RunConfig,
    add_target_arguments,
    apply_configured_lists,
    check_report_dir,
    target_config,
)
from graphcontract.runner.config import (
    configured_defaults as configured_defaults,  # graphcontract.cli reads it
)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([hms]?)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "": 1.0}


def parse_duration(text: str) -> float:
    """ "30m", "90s", "1h30m", "45" (seconds) → seconds; UsageError otherwise, also for a
    budget too short for one round."""
    value = text.strip().lower()
    total, pos = 0.0, 0
    for match in _DURATION.finditer(value):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT[match.group(2)]
        pos = match.end()
    if not value or pos != len(value) or total <= 0:
        raise UsageError(f"--duration {text!r}: give a positive time like 30m, 90s or 1h30m")
    if total < MIN_DURATION_S:
        raise UsageError(
            f"--duration {text!r} is shorter than the {MIN_DURATION_S:g} s a campaign needs "
            "for its first round; give e.g. 60s or 30m"
        )
    return total


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="target base URL (default: one bundled mock per worker)")
    parser.add_argument("--duration", default="10m", help="time budget, e.g. 60s, 30m, 2h")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (pytest-xdist)")
    parser.add_argument(
        "--database",
        metavar="DIR|redis://HOST:PORT/DB",
        help=f"shared Hypothesis example database (default: {DEFAULT_DIRECTORY})",
    )
    add_target_arguments(parser, what="campaign")
    parser.add_argument("--report-dir", default="reports", help="where <campaign-id>/ goes")
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        help="requests per second (default: none on loopback, 5 on live targets)",
    )
    parser.add_argument(
        "-k",
        "--tests",
        metavar="EXPRESSION",
        help="only tests matching this pytest -k expression (default: every test)",
    )
    parser.add_argument(
        "-x", "--exitfirst", action="store_true", help="end the campaign after the round that "
        "finds the first failure"
    )  # fmt: skip
    parser.add_argument("--campaign-id", help="name of the campaign folder (default: timestamp)")
    add_metadata_argument(parser)
    add_api_argument(parser)


def validate(args: argparse.Namespace) -> tuple[RunConfig, float, str]:
    """(run configuration, budget in seconds, database) or UsageError; the target options are
    checked exactly as ``graphcontract run`` checks them, everything before anything is
    created or sent."""
    duration = parse_duration(args.duration)
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    apply_configured_lists(args, Path.cwd())
    select_metadata(args.metadata)  # the campaign's processes inherit it
    if args.api == ALL:  # one campaign per facet, each selecting its own
        split_duration(duration, resolve_api(ALL), args.duration)
    else:
        select_api(args.api)  # so does the facet
    cfg = target_config(args, what="campaign", known_clauses=list(load_contract().clauses))
    if args.api == ALL and cfg.position_id:
        raise UsageError(
            "--position-id names one item of one facet; with --api all each facet's item is "
            "the last one its collection lists (loopback targets only)"
        )
    if cfg.base_url and args.workers > 1:
        raise UsageError(
            f"--workers {args.workers} with --base-url: every worker would PATCH the one "
            "configured position at the same time and judge the others' changes as its own; "
            "use --workers 1 against an external target (without --base-url each worker "
            "starts its own bundled mock)"
        )
    campaign_id = args.campaign_id or (
        "fuzz-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    )
    if "/" in campaign_id or campaign_id in {"", ".", ".."}:
        raise UsageError(f"--campaign-id {campaign_id!r} must be a plain folder name")
    database = check_database(args.database or str(DEFAULT_DIRECTORY))
    report_dir = check_report_dir(Path(args.report_dir))
    return cfg.with_target(report_dir=report_dir, run_id=campaign_id), duration, database


def pytest_arguments(cfg: RunConfig, args: argparse.Namespace) -> list[str]:
    from graphcontract.runner.cli import PACKAGE, suite_dir

    suite = suite_dir()
    argv = [str(suite), "-c", str(PACKAGE / "suite.ini"), "--rootdir", str(suite)]
    argv += ["-p", "graphcontract.plugin", "--gc-timeout", str(cfg.timeout_s)]
    if cfg.base_url:
        argv += ["--gc-base-url", cfg.base_url, "--gc-token-env", cfg.token_env]
        argv += ["--gc-target-label", cfg.base_url]
    if cfg.position_id:
        argv += ["--gc-position-id", cfg.position_id]
    for user in cfg.users:
        argv += ["--gc-user", user]
    if cfg.readonly_token_env:
        argv += ["--gc-readonly-token-env", cfg.readonly_token_env]
    if cfg.rate_limit is not None:
        argv += ["--gc-rate-limit", str(cfg.rate_limit)]
    for clause in cfg.clauses:
        argv += ["--gc-clause", clause]
    for key, value in cfg.policy.items():
        argv += ["--gc-policy", f"{key}={value}"]
    if args.tests:
        argv += ["-k", args.tests]
    return argv


def child_environment() -> dict[str, str]:
    """This environment, with the source checkout importable (strategies/ lives beside it)."""
    from graphcontract.runner.cli import PACKAGE

    env = dict(os.environ)
    root = str(PACKAGE.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def run(args: argparse.Namespace) -> int:
    cfg, duration, database = validate(args)
    if cfg.base_url:
        from graphcontract.runner.cli import probe

        probe(cfg)
    folder = cfg.report_dir / str(cfg.run_id)
    folder.mkdir(parents=True, exist_ok=True)
    if args.api == ALL:
        return run_every_facet(cfg, args, database, folder)
    return conclude(*campaign(cfg, args, duration, database, folder, str(cfg.run_id)))


def run_every_facet(cfg: RunConfig, args: argparse.Namespace, database: str, folder: Path) -> int:
    """``--api all``: one campaign per facet in ``<campaign-id>/<facet>/``, the budget split."""
    facets = resolve_api(ALL)
    share = split_duration(parse_duration(args.duration), facets, args.duration)
    print(
        f"graphcontract fuzz: {len(facets)} facets, one campaign each of {share:.0f} s",
        flush=True,
    )

    def one(facet: str, budget: float) -> tuple[dict[str, Any], Path, int | None]:
        select_api(facet)
        print(f"graphcontract fuzz: {facet}", flush=True)
        outcome = campaign(cfg, args, budget, database, folder / facet, f"{cfg.run_id}/{facet}")
        conclude(*outcome)
        return outcome

    rows, stop_signal = run_facets(facets, share, one, exitfirst=args.exitfirst)
    document = summary(str(cfg.run_id), facets, rows)
    path = write_summary(document, folder)
    print(
        f"graphcontract fuzz: {document['verdict']} ({len(rows)} of {len(facets)} facets)"
        f"\n  report: {path} and {path.with_suffix('.md')}",
        flush=True,
    )
    if document["verdict"] == "fail":
        return 1
    if document["verdict"] == "error":
        return 2
    return 128 + stop_signal if stop_signal is not None else 0


def campaign(
    cfg: RunConfig,
    args: argparse.Namespace,
    duration: float,
    database: str,
    folder: Path,
    campaign_id: str,
) -> tuple[dict[str, Any], Path, int | None]:
    """One campaign of the selected facet: its report, the report's path, its stop signal."""
    folder.mkdir(parents=True, exist_ok=True)
    label = cfg.base_url or "bundled reference mock (one per worker)"
    plan = CampaignPlan(
        campaign_id=campaign_id,
        folder=folder.resolve(),
        duration_s=duration,
        workers=args.workers,
        database=database,
        pytest_args=pytest_arguments(cfg, args),
        env=child_environment(),
        label=label,
        exitfirst=args.exitfirst,
        base_url=cfg.base_url,
        token_env=cfg.token_env,
    )
    print(
        f"graphcontract fuzz: {label}, {duration:.0f} s, {args.workers} worker(s), "
        f"database {describe(database)}, report {folder}",
        flush=True,
    )
    with ProgressLine(args.workers) as progress:
        running = Campaign(plan, progress)
        restore_handlers = install_signal_handlers(running.request_stop)
        try:
            running.run()
        finally:
            restore_handlers()
    report = build_campaign_report(
        load_contract(), plan, running.rounds, started=running.started,
        stop_signal=running.stop_signal,
    )  # fmt: skip
    path = write_campaign_report(report, folder)
    return report, path, running.stop_signal


def conclude(report: dict[str, object], path: Path, stop_signal: int | None) -> int:
    failed = report.get("failed_clauses") or []
    assert isinstance(failed, list)
    summary = f"graphcontract fuzz: {report['verdict']} (stopped by {report['stopped_by']})"
    if failed:
        summary += f" - {len(failed)} must clause(s) failed: {', '.join(map(str, failed))}"
    for problem in report.get("restore_problems") or []:  # type: ignore[attr-defined]
        summary += f"\n  restore: {problem}"
    for error in (report.get("errors") or [])[:3]:  # type: ignore[index]
        summary += f"\n  error: {error}"
    print(summary + f"\n  report: {path} and {path.with_suffix('.md')}", flush=True)
    if report["verdict"] == "fail":
        return 1
    if report["verdict"] == "error":
        return 2
    return 128 + stop_signal if stop_signal is not None else 0
