"""``graphcontract restore --journal PATH``: repair a run that was killed mid-way.

Reads the restore journal written before the run's first write, PATCHes the writable
properties back and verifies them by GET. Exit 0 restored and verified, 1 not verified
(prints what still differs), 2 bad journal or unreachable target.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from graphcontract.client import GraphClient, Redactor
from graphcontract.contract import load_contract
from graphcontract.errors import UsageError
from graphcontract.runner.config import DEFAULT_TOKEN_ENV, is_loopback_url
from graphcontract.runner.target import Target, read_journal

LOOPBACK_FALLBACK_TOKEN = "graphcontract-mock-token"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--journal", required=True, help="restore-journal-*.json of the run")
    parser.add_argument(
        "--token-env",
        default=DEFAULT_TOKEN_ENV,
        metavar="NAME",
        help="environment variable holding the bearer token (default GRAPH_TOKEN)",
    )
    parser.add_argument("--timeout", type=float, default=10.0)


def run(args: argparse.Namespace) -> int:
    journal = read_journal(Path(args.journal))
    base_url = journal["base_url"]
    token = os.environ.get(args.token_env)
    if not token:
        if not is_loopback_url(base_url):
            raise UsageError(f"environment variable {args.token_env} is empty or unset")
        token = LOOPBACK_FALLBACK_TOKEN
    contract = load_contract()
    with GraphClient(
        base_url, token=token, timeout_s=args.timeout, redactor=Redactor([token])
    ) as client:
        target = Target(contract, client, journal["position_id"])
        result = target.restore(journal["snapshot"])
    print(f"graphcontract restore: {target.path()} at {base_url}: {result.describe()}")
    return 0 if result.verified else 1
