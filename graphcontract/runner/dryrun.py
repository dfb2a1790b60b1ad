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
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from graphcontract.client import ThrottlePolicy
from graphcontract.contract import Contract, load_contract
from graphcontract.errors import UsageError
from graphcontract.mock.app import DEFAULT_READONLY_TOKEN
from graphcontract.runner.config import DEFAULT_LIVE_RATE, DISCOVERED_POSITION, RunConfig
from graphcontract.types import json_text

REQUEST_FORMS = {
    "paths.users": "PATCH {users}/{id} (each --user form)",
    "target.unknown-id": "GET, PATCH and GET {me}/<a fresh GUID, or graphcontract-missing-<uuid> "
    "when the position id is no GUID> (an id that does not exist; never another real position)",
    "auth.required": "PATCH {me}/{id} without an Authorization header",
    "auth.scope": "PATCH {me}/{id} with the read-only token",
    "media.json-required": "PATCH {me}/{id} with a non-JSON Content-Type, and with none",
    "body.malformed": "PATCH {me}/{id} with malformed or non-object JSON bytes",
}
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
    lines += _describe_tests(items, args.profile, contract)
    return "\n".join(lines)


def _describe_tests(items: list[pytest.Item], profile: str, contract: Contract) -> list[str]:
    me, users = contract.me_collection, contract.users_collection("{user}")
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        groups.setdefault(getattr(item, "originalname", item.name), []).append(item)
    lines: list[str] = []
    for name, members in groups.items():
        first = members[0]
        marker = first.get_closest_marker("clauses")
        clauses = list(marker.args) if marker else []
        function = getattr(first, "function", None)
        doc = " ".join((getattr(function, "__doc__", None) or "").strip().split("\n\n")[0].split())
        generated = hasattr(function, "hypothesis")
        count = f"{len(members)} case(s)"
        if generated:
            budget = hypothesis_settings.get_profile(profile).max_examples
            count += f", each up to {budget} Hypothesis-generated inputs (profile {profile})"
        lines.append(f"  {name}: {count}")
        if doc:
            lines.append(f"      {doc if len(doc) <= 160 else doc[:160] + '…'}")
        lines.append(f"      clauses: {', '.join(clauses)}")
        forms = [REQUEST_FORMS[c] for c in clauses if c in REQUEST_FORMS]
        for form in forms:
            lines.append("      sends: " + form.format(me=me, users=users, id="{id}"))
        for example in _examples(members, function)[:MAX_EXAMPLES_SHOWN]:
            lines.append(f"      e.g. {example}")
    return lines


def _examples(members: list[pytest.Item], function: Any) -> list[str]:
    """Readable example inputs: parametrized bodies/cases, then explicit @example bodies."""
    shown: list[str] = []
    for item in members:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        parts = [_show(name, value) for name, value in callspec.params.items()]
        shown.append("; ".join(p for p in parts if p))
    inner = getattr(getattr(function, "hypothesis", None), "inner_test", None)
    for example in getattr(inner, "hypothesis_explicit_examples", []):
        shown += [_show(name, value) for name, value in example.kwargs.items()]
    return [s for s in shown if s]


def _show(name: str, value: Any, limit: int = 160) -> str:
    description = getattr(value, "description", None)
    body = getattr(value, "body", value)
    if isinstance(body, (dict, list)) or body is None:
        text = json_text(body)
        text = f"body {text}" if len(text) <= limit else f"body {text[:limit]}…"
        return f"{description}: {text}" if isinstance(description, str) else text
    if isinstance(body, (str, int, float, bool)):
        return f"{name}={body!r}"
    return f"{name}={getattr(value, 'path', type(value).__name__)}"
