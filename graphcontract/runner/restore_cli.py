"""``graphcontract restore --journal PATH``: repair a run that was killed mid-way.

Reads the restore journal written before the run's first write (the file
``reports/<run-id>/restore-journal-<worker>.json`` or the run folder holding it), PATCHes
the writable properties back and verifies the whole position by GET against the snapshot
(what no PATCH can remove, e.g. an undeclared property the service stored, is listed as not
restored). A position a body's id moved (the journal's ``moved_to``) is found there and
moved back when the service lets it. Exit 0 restored and verified (or nothing to do), 1 not
verified or not restored (prints what still differs), 2 bad journal, configuration or
unreachable target.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from graphcontract.client import GraphClient, Redactor
from graphcontract.contract import load_contract
from graphcontract.errors import UsageError
from graphcontract.runner.config import (
    add_token_env_argument,
    check_position_id,
    check_timeout,
    check_token,
    check_token_env,
    is_loopback_url,
)
from graphcontract.runner.journal import (
    JOURNAL_PATTERN,
    check_journal,
    find_journals,
    read_journal,
)
from graphcontract.runner.target import Target

LOOPBACK_FALLBACK_TOKEN = "graphcontract-mock-token"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal",
        required=True,
        metavar="PATH",
        help="the run's restore-journal-<worker>.json, or the run folder reports/<run-id>/",
    )
    add_token_env_argument(parser)
    parser.add_argument(
        "--base-url",
        help="reach the position through this base URL (default: the one the journal names)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout (s)")


def load_journal(path: Path) -> tuple[Path, dict[str, Any]]:
    """The journal to restore from: the file given, or the earliest one of a run folder."""
    if not path.exists():
        raise UsageError(
            f"no restore journal at {str(path)!r}; pass the run's "
            f"reports/<run-id>/{JOURNAL_PATTERN} (or its run folder)"
        )
    candidates = find_journals(path)
    if not candidates:
        raise UsageError(
            f"{str(path)!r} holds no {JOURNAL_PATTERN}: the run wrote nothing (a run journals "
            "before its first write) or this is not a run folder; pass "
            f"reports/<run-id>/{JOURNAL_PATTERN}"
        )
    records = [(candidate, read_journal(candidate)) for candidate in candidates]
    return min(records, key=lambda item: str(item[1].get("created", "")))


def run(args: argparse.Namespace) -> int:
    timeout_s = check_timeout(args.timeout)
    check_token_env(args.token_env)
    contract = load_contract()
    path, journal = load_journal(Path(args.journal))
    base_url, position_id, snapshot = check_journal(path, journal, contract, base_url=args.base_url)
    token = os.environ.get(args.token_env)
    if not token:
        if not is_loopback_url(base_url):
            raise UsageError(
                f"environment variable {args.token_env} is empty or unset: export the target's "
                "bearer token in it (or name another variable with --token-env)"
            )
        token = LOOPBACK_FALLBACK_TOKEN
    token = check_token(token, args.token_env)
    with GraphClient(
        base_url,
        token=token,
        timeout_s=timeout_s,
        redactor=Redactor([token], env_names=[args.token_env]),
        token_label=f"the token in {args.token_env}",
        token_env=args.token_env,
    ) as client:
        target = Target(
            contract,
            client,
            position_id,
            position_source=f"position_id in restore journal {str(path)!r}",
        )
        moved_to = journal.get("moved_to")  # a body's id moved the position during the run
        if moved_to is not None:
            moved_to = check_position_id(moved_to, what=f"restore journal {str(path)!r}: moved_to")
        result = target.restore_journalled(snapshot, moved_to=moved_to)
    where = f"graphcontract restore: {target.path()} at {base_url} (journal {path})"
    if not result.verified:
        if result.differences:
            print(f"{where}: restore NOT verified; still different:", flush=True)
            for difference in result.differences:
                print(f"  {difference}", flush=True)
        if result.not_restored:
            print(f"{where}: NOT restored (no PATCH can take these back):", flush=True)
            for leftover in result.not_restored:
                print(f"  {leftover}", flush=True)
        return 1
    done = "restored and verified" if result.sent else "nothing to restore (already equal)"
    print(f"{where}: {done}", flush=True)
    return 0
