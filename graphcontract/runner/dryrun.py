"""``graphcontract run --dry-run``: what a run would do, without sending anything.

Describes the validated configuration (target, position, token source, rate limit, timeouts,
report folder) and the requests the suite would send: the request forms, then one entry per
test (its clauses, how many cases, and example bodies), taken from collecting the suite
with pytest. Nothing is started, sent or written.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from graphcontract.client import ThrottlePolicy
from graphcontract.contract import load_contract
from graphcontract.errors import UsageError
from graphcontract.mock.app import DEFAULT_READONLY_TOKEN
from graphcontract.runner.config import DEFAULT_LIVE_RATE, DISCOVERED_POSITION, RunConfig
from graphcontract.types import json_text

MAX_EXAMPLES_SHOWN = 2


class _Collector:
    """Keeps the items pytest collected (after --gc-clause deselection)."""

    def __init__(self) -> None:
        self.items: list[pytest.Item] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.items = list(session.items)


def collect(cfg: RunConfig, suite: Path, package: Path, profile: str = "ci") -> list[pytest.Item]:
    argv = [str(suite), "-c", str(package / "suite.ini"), "--rootdir", str(suite)]
    argv += ["-p", "graphcontract.plugin", "--collect-only", "-q", "--hypothesis-profile", profile]
    for clause in cfg.clauses:
        argv += ["--gc-clause", clause]
    collector = _Collector()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = pytest.main(argv, plugins=[collector])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        tail = " ".join(out.getvalue().split())[-300:]
        raise UsageError(f"the contract suite could not be collected (pytest exit {code}): {tail}")
    return collector.items


def describe_run(cfg: RunConfig, args: argparse.Namespace, suite: Path) -> str:
    """The dry-run text: configuration, request forms, and the suite's tests."""
    contract = load_contract()
    me = contract.me_collection
    package = Path(__file__).resolve().parent.parent
    items = collect(cfg, suite, package, args.profile)
    position = cfg.position_id or f"{DISCOVERED_POSITION} (loopback targets only)"
    rate = cfg.effective_rate_limit
    if cfg.rate_limit is None and rate == DEFAULT_LIVE_RATE:
        rate_text = f"{rate:g} requests/s (default for non-loopback targets; --rate-limit)"
    else:
        rate_text = f"{rate:g} requests/s" if rate else "none (loopback target or --rate-limit 0)"
    throttle = ThrottlePolicy()
    before_each = (
        "every time: not a loopback target"
        if not cfg.is_loopback and args.profile != "staging"
        else "unless the example before, in the same process, left a state it verified"
    )
    if cfg.base_url:
        token = f"from ${cfg.token_env} (set; never printed or stored)"
        users = ", ".join(cfg.users) or "(none: paths.users is skipped)"
        readonly = (
            f"from ${cfg.readonly_token_env}"
            if cfg.readonly_token_env
            else "(none: auth.scope is skipped)"
        )
    else:
        seed = contract.seed
        token = "the bundled mock's own"
        readonly = f"the bundled mock's own ({DEFAULT_READONLY_TOKEN})"
        users = ", ".join(cfg.users) or (
            f"{seed['user']['id']}, {seed['user']['userPrincipalName']} (the bundled mock's)"
        )
        if not cfg.position_id:
            position = f"{seed['positions'][-1]['id']} (the last the bundled mock lists)"
    lines = [
        "graphcontract run --dry-run: nothing is started, sent or written.",
        "",
        f"  target        {cfg.base_url or 'the bundled reference mock (started on 127.0.0.1)'}"
        + ("" if cfg.is_loopback else " (not loopback: live-target safety rules apply)"),
        f"  position      {position} - the only position the run may modify",
        f"  users         {users}",
        f"  token         {token}",
        f"  read-only     {readonly}",
        f"  profile       {args.profile}; workers {args.workers}",
        f"  rate limit    {rate_text}",
        f"  timeouts      {cfg.timeout_s:g} s per request; transport failures retried "
        f"{throttle.transport_retries} times; 429/503 (Retry-After) and 502/504 waited out up "
        f"to {throttle.max_attempts} attempts, {throttle.max_single_wait_s:g} s at once, "
        f"{throttle.max_total_wait_s:g} s in all",
        f"  reports       {cfg.report_dir}/<run-id>/ (report.json, report.html, junit.xml, "
        "restore-journal-<worker>.json)",
        f"  clauses       {', '.join(cfg.clauses) or f'all {len(contract.clauses)}'}",
        f"  policy        {', '.join(f'{k}={v}' for k, v in cfg.policy.items())}",
        "",
        "Requests (only GET and PATCH; never DELETE, POST or PUT; never another position):",
        *(
            [f"  GET   {me}  first: the listing the position is chosen from (the last one)"]
            if not cfg.position_id
            else []
        ),
        "  GET   /$metadata  next: the target's own schema; when it serves none and lacks "
        f"what another cloud's lacks, GET {me}/{{id}} twice and, when both read the same, "
        "journalled PATCHes writing back what it read (each property the read does not carry "
        "set to null, and the same body without it), then a GET checking it is whole again",
        f"  GET   {me}  before the first write and at the end, when target.isolation is "
        "judged: the user's other positions must read the same",
        f"  GET   {me}/{{id}}  before the first write: two or three reads with nothing "
        "written between (reads.stable), then the state kept in the restore journal (fsync'd)",
        f"  GET   {me}/{{id}}  before every example ({before_each}), after it, and to "
        "verify every restore",
        f"  PATCH {me}/{{id}}  each example body below; after each example that changed the "
        "position, the writable properties are PATCHed back and verified by GET",
        f"  PATCH {me}/{{id}}  two at the same moment, from two threads, in the state "
        "machine's steps of two PATCHes at once (the only requests sent in parallel)",
        f"  PATCH {me}/{{id}}  at the end: a final restore to the journalled state, verified "
        "by GET",
        *(
            [
                "  (staging: the tests below are the staging plan's; within tests that send only "
                "must-refuse requests, one GET after the last refusal judges them all)"
            ]
            if args.profile == "staging"
            else []
        ),
        "",
        f"Tests ({len(items)} cases):",
    ]
    lines += _describe_tests(items, args.profile)
    return "\n".join(lines)


def _describe_tests(items: list[pytest.Item], profile: str) -> list[str]:
    """One entry per test function, in its own words: what its docstring says it sends and
    judges, its clauses (each once), the cases its parameter ids name, example bodies."""
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        groups.setdefault(getattr(item, "originalname", item.name), []).append(item)
    lines: list[str] = []
    for name, members in groups.items():
        first = members[0]
        marker = first.get_closest_marker("clauses")
        clauses = list(dict.fromkeys(marker.args)) if marker else []
        function = getattr(first, "function", None)
        count = f"{len(members)} case{'s' if len(members) != 1 else ''}"
        if hasattr(function, "hypothesis"):
            budget = hypothesis_settings.get_profile(profile).max_examples
            count += f", each up to {budget} generated inputs, Hypothesis profile {profile}"
        lines.append(f"  {_title(name)} ({count})")
        doc = _summary(getattr(function, "__doc__", None))
        if doc:
            lines.append(f"      {doc}")
        lines.append(f"      clauses: {', '.join(clauses)}")
        cases = _case_ids(members)
        if cases:
            lines.append(f"      cases: {cases}")
        for example in _examples(members, function)[:MAX_EXAMPLES_SHOWN]:
            lines.append(f"      e.g. {example}")
    return lines


def _title(name: str) -> str:
    """A test function's name as words (``test_unknown_position_id`` -> ``unknown position
    id``): pytest's node ids, and --gc-clause, name the same tests."""
    return name.removeprefix("test_").replace("_", " ")


def _summary(doc: str | None, limit: int = 200) -> str:
    """The docstring's first paragraph on one line, shortened at a word to ``limit``."""
    text = " ".join((doc or "").strip().split("\n\n")[0].split())
    return textwrap.shorten(text, limit, placeholder=" …") if text else ""


def _case_ids(members: list[pytest.Item], shown: int = 5, width: int = 120) -> str:
    """What the cases vary, by their parametrize ids: each parametrization's distinct ids
    (the first few, within ``width``, when many), parametrizations joined by ``×``."""
    idlists = [
        list(getattr(callspec, "_idlist", ()))
        for callspec in (getattr(item, "callspec", None) for item in members)
        if callspec is not None
    ]
    if not idlists:
        return ""
    columns: list[list[str]] = []
    for ids in idlists:
        for position, value in enumerate(ids):
            if position == len(columns):
                columns.append([])
            if value not in columns[position]:
                columns[position].append(value)
    parts = []
    for column in columns:
        kept = [column[0]]
        for value in column[1:]:
            if len(kept) == shown or len(", ".join([*kept, value])) > width:
                break
            kept.append(value)
        text = ", ".join(kept)
        if len(kept) < len(column):
            text += f", … ({len(column)} in all)"
        parts.append(text)
    return " × ".join(parts)


def _examples(members: list[pytest.Item], function: Any) -> list[str]:
    """Example bodies: the parametrized ones, then explicit @example bodies."""
    shown: list[str] = []
    for item in members:
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            shown += [_show(value) for value in callspec.params.values()]
    inner = getattr(getattr(function, "hypothesis", None), "inner_test", None)
    for example in getattr(inner, "hypothesis_explicit_examples", []):
        shown += [_show(value) for value in example.kwargs.values()]
    return list(dict.fromkeys(s for s in shown if s))


def _show(value: Any, limit: int = 160) -> str:
    """A JSON body (or a case carrying one) as sent; "" for anything else (the case ids
    name those)."""
    description = getattr(value, "description", None)
    body = getattr(value, "body", value)
    if not isinstance(body, (dict, list)):
        return ""
    text = json_text(body)
    text = f"body {text}" if len(text) <= limit else f"body {text[:limit]}…"
    return f"{description}: {text}" if isinstance(description, str) else text
