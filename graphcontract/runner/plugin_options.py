"""The pytest plugin's ``--gc-*`` options and the run configuration built from them over
``[tool.graphcontract]`` (each value checked as ``graphcontract run`` checks it).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graphcontract.api_option import HELP as API_HELP
from graphcontract.api_option import keep_api_selection, select_configured_api
from graphcontract.contract import load_contract
from graphcontract.metadata_option import keep_metadata_selection, metadata_help, select_metadata
from graphcontract.runner.config import (
    DEFAULT_TOKEN_ENV,
    POLICY_CHOICES,
    RunConfig,
    check_base_url,
    check_clauses,
    check_position_id,
    check_rate_limit,
    check_timeout,
    check_users,
    load_pyproject_settings,
    parse_policy,
    pyproject_folder,
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("graphcontract", "graphcontract: Update workPosition contract")
    group.addoption(
        "--gc-base-url", help="Base URL of the target (default: start the bundled mock)."
    )
    group.addoption("--gc-position-id", help="Id of the position the run may modify.")
    group.addoption(
        "--gc-user",
        action="append",
        default=[],
        help="User id or userPrincipalName owning the position (repeatable; a value with @ is "
        "the userPrincipalName).",
    )
    group.addoption(
        "--gc-token-env", help=f"Environment variable holding the token ({DEFAULT_TOKEN_ENV})."
    )
    group.addoption(
        "--gc-readonly-token-env",
        help="Environment variable holding a token without write scope (auth.scope).",
    )
    group.addoption("--gc-report-dir", help="Directory for reports/<run-id>/ (default: reports).")
    group.addoption("--gc-run-id", help="Name of the report folder (default: timestamp + random).")
    group.addoption(
        "--gc-clause", action="append", default=[], help="Check only this clause (repeatable)."
    )
    group.addoption(
        "--gc-policy",
        action="append",
        default=[],
        help="Pin a gray zone or strictness, KEY=VALUE: "
        + ", ".join(f"{key}={'|'.join(values)}" for key, values in POLICY_CHOICES.items())
        + ".",
    )
    group.addoption("--gc-timeout", type=float, help="Per-request timeout in seconds (10).")
    group.addoption(
        "--gc-rate-limit",
        type=float,
        help="Requests per second (default: none on loopback, 5 on live targets; 0 = none).",
    )
    group.addoption("--gc-target-label", help="Name of the target in reports.")
    group.addoption("--gc-metadata", metavar="FILE|URL", help=metadata_help() + ".")
    group.addoption("--gc-api", metavar="NAME", help=API_HELP.split("; 'all'")[0] + ".")
    group.addoption(
        "--gc-steps",
        action="store_true",
        help="Show the harness's own steps: each request sent and its status, each verdict.",
    )
    group.addoption(
        "--gc-command",
        help="The command that started the run (graphcontract run): the console's hints then "
        "name its options (--user, --clause) instead of the --gc-* ones.",
    )
    group.addoption(
        "--gc-database",
        metavar="DIR|redis://HOST:PORT/DB",
        help="Hypothesis example database to replay first and keep failures in (shared with "
        "fuzz campaigns); the profile then keeps its reuse phase and is not derandomized.",
    )


def build_config(config: pytest.Config) -> RunConfig:
    """The run's configuration: ``--gc-*`` options over ``[tool.graphcontract]`` (whose values
    load_pyproject_settings has checked), each option checked as ``graphcontract run`` does."""
    settings = load_pyproject_settings(Path(str(config.rootpath)))
    opt = config.getoption
    config.add_cleanup(keep_metadata_selection())
    if opt("--gc-metadata"):
        select_metadata(opt("--gc-metadata"), what="--gc-metadata")
    elif settings.get("metadata"):
        folder = pyproject_folder(Path(str(config.rootpath)))
        what = f"{folder / 'pyproject.toml'}: [tool.graphcontract] metadata"
        select_metadata(settings["metadata"], what=what, base=folder)
    config.add_cleanup(keep_api_selection())
    select_configured_api(opt("--gc-api"), settings, pyproject_folder(Path(str(config.rootpath))))
    base_url = opt("--gc-base-url") or settings.get("base_url")
    clauses = tuple(opt("--gc-clause") or settings.get("clauses", ()))
    check_clauses(clauses, list(load_contract().clauses))
    position_id = opt("--gc-position-id") or settings.get("position_id")
    timeout = opt("--gc-timeout")
    rate = opt("--gc-rate-limit")
    return RunConfig(
        base_url=check_base_url(base_url, what="--gc-base-url") if base_url else None,
        position_id=check_position_id(position_id, what="--gc-position-id")
        if position_id
        else None,
        users=check_users(opt("--gc-user") or settings.get("users", ()), what="--gc-user"),
        token_env=opt("--gc-token-env") or settings.get("token_env", DEFAULT_TOKEN_ENV),
        readonly_token_env=opt("--gc-readonly-token-env") or settings.get("readonly_token_env"),
        report_dir=Path(opt("--gc-report-dir") or settings.get("report_dir", "reports")),
        run_id=opt("--gc-run-id")
        or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3),
        clauses=clauses,
        policy=parse_policy(
            opt("--gc-policy"),
            parse_policy([f"{k}={v}" for k, v in settings.get("policy", {}).items()]),
        ),
        timeout_s=check_timeout(
            timeout if timeout is not None else settings.get("timeout", 10.0),
            what="--gc-timeout",
        ),
        rate_limit=check_rate_limit(
            rate if rate is not None else settings.get("rate_limit"), what="--gc-rate-limit"
        ),
        target_label=opt("--gc-target-label"),
    )
