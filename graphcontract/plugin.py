"""The pytest plugin: ``--gc-*`` options, the session fixture that reaches the target, clause
selection, xdist-safe collection of verdicts (and of ``--gc-steps``' step log), the header
line, the end-of-run reports and the console summary (graphcontract.runner.console).

Inert unless contract tests (marked ``clauses``) run: the harness's own tests load it too.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import settings as hypothesis_settings

from graphcontract.client import GraphClient, Redactor
from graphcontract.contract import load_contract
from graphcontract.errors import HarnessError
from graphcontract.profiles import register_profiles
from graphcontract.runner.config import RunConfig, pinned_clauses
from graphcontract.runner.console import RunFacts, Wording, summary_lines
from graphcontract.runner.plugin_options import add_options, build_config
from graphcontract.runner.recorder import Recorder
from graphcontract.runner.session import ContractViolation, Session
from graphcontract.runner.steps import StepLog, step_header
from graphcontract.runner.target import Target, discover_position
from graphcontract.types import terminal_line

CONFIG_KEY = pytest.StashKey[RunConfig]()
CONTROLLER_KEY = pytest.StashKey["Controller"]()
MOCK_TOKEN = "graphcontract-mock-token"
READONLY_TOKEN_ENV = "GRAPH_READONLY_TOKEN"
"""The variable records name for a read-only token no --gc-readonly-token-env named."""
USER_PROPERTY = "graphcontract"
ERROR_PROPERTY = "graphcontract_error"
STEPS_PROPERTY = "graphcontract_steps"
CONTRACT_PROPERTY = "graphcontract_contract"
STYLES: dict[str, dict[str, bool]] = {
    "fail": {"red": True, "bold": True},
    "warn": {"yellow": True},
    "ok": {"green": True, "bold": True},
    "bold": {"bold": True},
}
"""pytest terminal-writer markup of the console's line styles (plain when not a terminal)."""


class RunState:
    """Controller-side aggregation of the run (every worker's data merged here)."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.errors: list[str] = []
        self.contract_tests = 0
        self.started = datetime.now(UTC)
        self.report_path: Path | None = None
        self.report: dict[str, Any] | None = None
        self.target: dict[str, Any] = {}
        self.facts = RunFacts()
        self.interrupted = False


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    register_profiles()
    config.addinivalue_line("markers", "clauses(*ids): the contract clauses a test judges")
    config.addinivalue_line(
        "markers",
        "openapi: the test generates from contracts/openapi.yaml through Schemathesis (the "
        "document is loaded while the session is set up, before the first request)",
    )
    try:
        config.stash[CONFIG_KEY] = build_config(config)
        from graphcontract.fuzz.database import configure_pytest

        configure_pytest(config)
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None
    if not config.getoption("hypothesis_profile", None) and "HYPOTHESIS_PROFILE" not in os.environ:
        hypothesis_settings.load_profile("dev")
    if not hasattr(config, "workerinput"):
        controller = Controller(config)
        config.stash[CONTROLLER_KEY] = controller
        config.pluginmanager.register(controller, "graphcontract-controller")


def pytest_report_header(config: pytest.Config) -> str:
    cfg = config.stash[CONFIG_KEY]
    target = cfg.base_url or "the bundled reference mock (started on 127.0.0.1)"
    return (
        f"graphcontract: target {target}; position {cfg.position_id or '(last listed)'}; "
        f"profile {hypothesis_settings.get_current_profile_name()}"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--gc-clause selects the tests naming those clauses; the staging profile sends only
    what its plan keeps (runner/staging_plan.py)."""
    from graphcontract.runner.staging_plan import select

    select(config, items, config.stash[CONFIG_KEY], hypothesis_settings.get_current_profile_name())


SESSION_KEY = pytest.StashKey[Session]()
STEPS_KEY = pytest.StashKey[StepLog]()
TARGET_INFO_KEY = pytest.StashKey[dict[str, Any]]()


@pytest.fixture(scope="session")
def gc_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """The run's session in this process: target reached, position chosen, original kept."""
    config = request.config
    cfg = config.stash[CONFIG_KEY]
    contract = load_contract()
    _load_openapi_if_needed(request.session.items)
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    mock = None
    token, readonly, users = cfg.token(), cfg.readonly_token(), cfg.users
    label = cfg.target_label or cfg.base_url or ""
    base_url = cfg.base_url
    if base_url is None:
        from graphcontract.mock.process import MockProcess

        mock = MockProcess()
        mock.__enter__()
        base_url = mock.base_url
        token, readonly = MOCK_TOKEN, mock.readonly_token
        users = (mock.user_id, mock.user_principal_name)
        label = label or "bundled reference mock"
    elif token is None:
        raise pytest.UsageError(
            f"environment variable {cfg.token_env} is empty or unset; export the target's bearer "
            f"token there (or name another variable with --gc-token-env)"
        )
    live = cfg.with_target(base_url=base_url)
    client = GraphClient(
        base_url,
        token=token,
        timeout_s=cfg.timeout_s,
        rate_limit_per_s=live.effective_rate_limit,
        redactor=Redactor([token, readonly], env_names=_env_names(cfg)),
        token_env=cfg.token_env,
    )
    try:
        position_id = cfg.position_id or discover_position(
            client, load_contract(), loopback=live.is_loopback
        )
        target = Target(
            contract,
            client,
            position_id,
            users=users,
            readonly_token=readonly,
            journal_path=cfg.report_dir / (cfg.run_id or "run") / f"restore-journal-{worker}.json",
            run_uid=getattr(config, "workerinput", {}).get("testrunuid"),
            label=label,
        )
        session = Session(
            contract, target, policy=cfg.policy, selected=cfg.clauses, live=not live.is_loopback
        )
        config.stash[SESSION_KEY] = session
        config.stash[TARGET_INFO_KEY] = {
            "base_url": base_url,
            "label": label,
            "position_id": position_id,
            "users": list(users),
            "loopback": live.is_loopback,
            "readonly_token": readonly is not None,
        }
        if config.getoption("--gc-steps"):
            pinned = pinned_clauses(cfg.policy)
            levels = {c: "must" if c in pinned else k.level for c, k in contract.clauses.items()}
            steps = StepLog(base_url, levels)
            client.hooks.append(steps.exchange)
            session.verdict_hooks.append(steps.verdict)
            config.stash[STEPS_KEY] = steps
        session.remember_others()
        yield session
        session.final_restore()
        session.check_isolation()
    finally:
        client.close()
        if mock is not None:
            mock.__exit__(None, None, None)


def _env_names(cfg: RunConfig) -> tuple[str, str]:
    """The variables the token and the read-only token are read from: what a record of a
    request shows in their place (``$GRAPH_TOKEN``), so its curl line replays it. The
    bundled mock's read-only token is in none; its records name the conventional one."""
    return cfg.token_env, cfg.readonly_token_env or READONLY_TOKEN_ENV


def _load_openapi_if_needed(items: list[pytest.Item]) -> None:
    """Load contracts/openapi.yaml into Schemathesis now if a selected test needs it.

    Set-up work, done before the first request: a broken document stops the run before it
    writes anything, and the half second Schemathesis needs to import and load it no longer
    sits between two examples in the middle of the run. Runs that deselect those tests
    (``--gc-clause``, ``-k``) still do not pay for it."""
    if any(item.get_closest_marker("openapi") is not None for item in items):
        from graphcontract.stcompat.schema import graph_schema

        graph_schema()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Once the target was found unhealthy, the remaining contract tests are skipped."""
    session = item.config.stash.get(SESSION_KEY, None)
    broken = session.target.client.broken if session is not None else None
    if broken is not None and item.get_closest_marker("clauses") is not None:
        pytest.skip(f"target unhealthy: {broken}")
    if session is not None:
        from graphcontract.runner.staging_plan import before_test

        before_test(session, item, hypothesis_settings.get_current_profile_name())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    config = item.config
    is_contract = item.get_closest_marker("clauses") is not None
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        data = session.recorder.drain()
        if data is not None:
            report.user_properties.append((USER_PROPERTY, data))
    info = config.stash.get(TARGET_INFO_KEY, None)
    if info is not None:
        report.user_properties.append(("graphcontract_target", info))
        del config.stash[TARGET_INFO_KEY]
    steps = config.stash.get(STEPS_KEY, None)
    if steps is not None:
        lines = steps.drain()
        if lines:
            report.user_properties.append((STEPS_PROPERTY, [step_header(item, call.when), *lines]))
    if is_contract:
        report.user_properties.append((CONTRACT_PROPERTY, 1))
    if is_contract and call.when == "call":
        report.user_properties.append(("graphcontract_test", 1))
    if is_contract and call.excinfo is not None and not _is_violation(call.excinfo.value):
        report.user_properties.append((ERROR_PROPERTY, _one_line(call.excinfo.value)))
    return report


def _is_violation(exc: BaseException) -> bool:
    if isinstance(exc, ContractViolation):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return all(_is_violation(e) for e in exc.exceptions)
    return False


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, pytest.skip.Exception):
        return ""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


class Controller:
    """Runs where pytest reports arrive (the only process without xdist, the xdist
    controller with it): merges worker data, writes the reports, prints the summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.state = RunState()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self.state
        properties = dict(report.user_properties)
        if CONTRACT_PROPERTY not in properties:
            if report.failed and report.nodeid not in state.facts.other_failures:
                state.facts.other_failures.append(report.nodeid)
        elif report.skipped and isinstance(report.longrepr, (tuple, list)):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            state.facts.skipped_tests[reason] = state.facts.skipped_tests.get(reason, 0) + 1
        steps = properties.get(STEPS_PROPERTY)
        writer = self.config.pluginmanager.get_plugin("terminalreporter")
        if steps and writer is not None:
            header, *lines = cast(list[str], steps)
            writer.write_line(terminal_line(header), bold=True)
            for line in lines:
                writer.write_line(terminal_line(line))
        for name, value in report.user_properties:
            value = cast(Any, value)
            if name == USER_PROPERTY:
                state.recorder.merge(value)
            elif name == "graphcontract_test":
                state.contract_tests += 1
            elif name == ERROR_PROPERTY and value and value not in state.errors:
                state.errors.append(value)
            elif name == "graphcontract_target" and not state.target:
                state.target = value

    def pytest_sessionstart(self) -> None:
        """pytest-xdist's quiet status line reads "bringing up nodes..." when the workers
        start and again once they collected (nothing else on a non-terminal): said once."""
        dist = self.config.pluginmanager.get_plugin("terminaldistreporter")
        if dist is None:
            return
        show = dist.ensure_show_status

        def once() -> None:
            dist.ensure_show_status = lambda: None
            show()

        dist.ensure_show_status = once

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """Ctrl-C or SIGTERM (runner/interrupt.py): the session's teardown still restores the
        position; the verdict line, not pytest's banner, says the run was interrupted. A stop
        pytest asked for itself (``--maxfail``/``-x``, a plugin's ``shouldstop`` such as the
        bench's stop-when-found) comes after a failure: the run's verdict is that failure."""
        if excinfo.errisinstance((pytest.Session.Interrupted, pytest.Session.Failed)):
            return
        self.state.interrupted = True
        writer = self.config.pluginmanager.get_plugin("terminalreporter")
        if writer is None:
            return
        if self.config.option.tbstyle == "no":
            writer._report_keyboardinterrupt = lambda: None
        writer.write_line("")
        writer.write_line(
            "interrupted: restoring the position and writing the report "
            "(interrupt again to stop at once)",
            yellow=True,
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """After pytest's own sessionfinish, which tears the session fixture down (after an
        interrupt that is where the end-of-run restore runs and is recorded)."""
        state = self.state
        in_process = self.config.stash.get(SESSION_KEY, None)
        data = in_process.recorder.drain() if in_process is not None else None
        if data is not None:
            state.recorder.merge(data)
        reached = state.interrupted and (in_process is not None or bool(state.target))
        if not state.contract_tests and not state.errors and not reached:
            return
        from graphcontract.report.build import build_report, write_report

        cfg = self.config.stash[CONFIG_KEY]
        state.report = build_report(
            load_contract(),
            state.recorder,
            config=cfg,
            target=state.target,
            errors=state.errors,
            started=state.started,
            profile=hypothesis_settings.get_current_profile_name(),
            interrupted={
                "tests_run": state.contract_tests,
                "tests_selected": session.testscollected,
            }
            if state.interrupted
            else None,
        )
        secrets = Redactor([cfg.token(), cfg.readonly_token()], env_names=_env_names(cfg))
        folder = cfg.report_dir / (cfg.run_id or "run")
        state.report_path = write_report(state.report, folder, redact=secrets.text)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        report = self.state.report
        if report is None:
            return
        cfg = self.config.stash[CONFIG_KEY]
        folder = cfg.report_dir / (cfg.run_id or "run")
        tr = terminalreporter
        tr.section("graphcontract")
        for line in summary_lines(report, folder, wording=self._wording(), facts=self.state.facts):
            tr.write_line(terminal_line(line.text), **STYLES.get(line.style, {}))

    def _wording(self) -> Wording:
        """The console's hints in the words of whatever started the run."""
        command = self.config.getoption("--gc-command")
        if command:
            return Wording("--", lambda clause: f"{command} --clause {shlex.quote(clause)}")
        args: list[str] = []
        given = iter(str(arg) for arg in self.config.invocation_params.args)
        for arg in given:
            if arg == "--gc-clause":
                next(given, None)  # its value
            elif not arg.startswith("--gc-clause="):
                args.append(arg)
        return Wording("--gc-", lambda clause: shlex.join(["pytest", *args, "--gc-clause", clause]))


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, str] | None:
    """With --gc-steps (and no -v), a test's steps stand for its progress letter."""
    if not config.getoption("--gc-steps", False) or config.get_verbosity() > 0:
        return None
    if report.when != "call" and report.passed:
        return "", "", ""
    if hasattr(report, "wasxfail"):
        return None
    outcome: str = report.outcome
    if report.when != "call" and outcome == "failed":
        outcome = "error"
    return outcome, "", outcome.upper()
