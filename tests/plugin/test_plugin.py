"""The pytest plugin, exercised with pytester: option errors, the header line, clause
selection, report files, and xdist aggregation. Runs that send requests are fresh pytest
processes; a run stopped by a usage error is run in this process (it ends while pytest
configures, before Hypothesis's profile or anything else of this session is touched, and
each one cost a second of interpreter start-up and imports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphcontract.mock.faults import FAULTS
from graphcontract.mock.process import MockProcess

pytest_plugins = ["pytester"]
SUITE = Path(__file__).resolve().parents[1] / "contract"
BASE_ARGS = (
    "-p",
    "graphcontract.plugin",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:schemathesis",
    "--hypothesis-profile",
    "ci",
)


@pytest.fixture(scope="module")
def mock():
    with MockProcess() as running:
        yield running


@pytest.fixture(scope="module")
def faulty_mock():
    with MockProcess(faults=["nested-replace"]) as running:
        yield running


def run(pytester, mock, *args, users=True):
    pytester.makeini("[pytest]\n")
    return pytester.runpytest_subprocess(
        *BASE_ARGS,
        "--gc-base-url",
        mock.base_url,
        "--gc-token-env",
        "GC_PLUGIN_TOKEN",
        *(["--gc-user", mock.user_id, "--gc-user", mock.user_principal_name] if users else []),
        "--gc-readonly-token-env",
        "GC_PLUGIN_READONLY",
        "--gc-report-dir",
        str(pytester.path / "out"),
        "--gc-run-id",
        "r1",
        *args,
    )


def report(pytester) -> dict:
    return json.loads((pytester.path / "out" / "r1" / "report.json").read_text())


def test_an_unknown_pyproject_key_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\n")
    pytester.makepyprojecttoml('[tool.graphcontract]\nuser = "someone@example.com"\n')
    result = pytester.runpytest_inprocess(*BASE_ARGS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown [[]tool.graphcontract[]] key user; known keys:*users*"])


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        (b'[tool.graphcontract]\ntimeout = "abc"\n', "timeout must be a number of seconds"),
        (b"[tool.graphcontract]\ntimeout = [1]\n", "timeout must be a number of seconds"),
        (b"[tool.graphcontract]\ntimeout = nan\n", "timeout must be positive and finite"),
        (b'[tool.graphcontract]\npolicy = "str"\n', "policy must be a table of strings"),
        (b"[tool.graphcontract]\nreport_dir = 5\n", "report_dir must be a non-empty string"),
        (b'[tool.graphcontract]\nusers = "a@b"\n', "users must be a list of strings"),
        (b'[tool.graphcontract]\nusers = ["a/b"]\n', "users 'a/b' is not a user id"),
        (b'[tool.graphcontract]\nclauses = "paths.me"\n', "clauses must be a list of strings"),
        (b"[tool.graphcontract]\nrate_limit = -3\n", "rate_limit must be a number of requests"),
        (b'[tool.graphcontract]\nrate_limit = "fast"\n', "rate_limit must be a number of"),
        (b"[tool.graphcontract]\ntoken_env = 5\n", "token_env must be a non-empty string"),
        (b'[tool.graphcontract]\nposition_id = "../x"\n', "is not a position id"),
        (b'[tool]\ngraphcontract = "x"\n', "[[]tool.graphcontract[]] must be a table"),
        (b'[tool.graphcontract]\nbase_url = "caf\xe9"\n', ": 'utf-8' codec can't decode"),
        (b"[tool.graphcontract]\nmetadata = 5\n", "metadata must be a non-empty string"),
        (b'[tool.graphcontract]\nmetadata = "no.xml"\n', "metadata no.xml: no such file"),
        (b'[tool.graphcontract]\nmetadata = "tox.ini"\n', "metadata tox.ini is not a CSDL"),
    ],
    ids=[
        "timeout-string",
        "timeout-list",
        "timeout-nan",
        "policy-string",
        "report-dir-number",
        "users-string",
        "users-with-slash",
        "clauses-string",
        "rate-limit-negative",
        "rate-limit-string",
        "token-env-number",
        "position-id-traversal",
        "graphcontract-not-a-table",
        "not-utf-8",
        "metadata-number",
        "metadata-missing-file",
        "metadata-not-csdl",
    ],
)
def test_a_wrong_pyproject_value_is_one_usage_error(pytester, pyproject, message):
    """Checked where pyproject.toml is read: one usage error, no INTERNALERROR, no tests run.
    (``-c`` as ``graphcontract run`` does: pytest itself then leaves pyproject.toml alone.)"""
    pytester.makeini("[pytest]\n")
    (pytester.path / "pyproject.toml").write_bytes(pyproject)
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest_inprocess(*BASE_ARGS, "-c", "tox.ini")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: *pyproject.toml*{message}*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--gc-clause", "no.such.clause"), "unknown clause id 'no.such.clause'"),
        (("--gc-base-url", "ftp://x"), "is not an http(s) URL"),
        (("--gc-policy", "nested=sideways"), "choose one of merge, replace"),
        (("--gc-user", ""), "--gc-user '' is not a user id or userPrincipalName"),
        (("--gc-user", "a/b"), "--gc-user 'a/b' is not a user id or userPrincipalName"),
        (("--gc-timeout", "nan"), "--gc-timeout must be positive and finite"),
        (("--gc-rate-limit", "1e-9"), "--gc-rate-limit must be a number of requests per second"),
        (("--gc-base-url", "http://[::1"), "is not an http(s) URL"),
        (("--gc-metadata", "no.xml"), "--gc-metadata no.xml: no such file"),
    ],
    ids=[
        "unknown-clause",
        "bad-url",
        "bad-policy",
        "empty-user",
        "user-with-slash",
        "nan-timeout",
        "rate-too-low-to-ever-finish",
        "unclosed-ipv6-url",
        "metadata-missing-file",
    ],
)
def test_bad_options_are_usage_errors(pytester, args, message):
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_inprocess(*BASE_ARGS, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_header_names_the_target_and_clause_selection_deselects(pytester, mock, monkeypatch):
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    result = run(
        pytester,
        mock,
        str(SUITE / "test_contract_requests.py"),
        "--gc-clause",
        "auth.required",
        "-v",
    )
    result.stdout.fnmatch_lines([f"*graphcontract: target {mock.base_url}*"])
    # via each of the three path forms: no Authorization header, a Basic one, a bare Bearer,
    # an empty one
    result.assert_outcomes(passed=12, deselected=75)
    data = report(pytester)
    statuses = {c["id"]: c["status"] for c in data["clauses"]}
    assert statuses["auth.required"] == "pass"
    assert statuses["merge.nested"] == "skipped"
    assert data["verdict"] == "pass"


def test_without_a_user_refusals_of_unknown_users_pass_nothing(pytester, mock, monkeypatch):
    """Without --gc-user nothing shows the target has /users routes (json-server, Prism and
    Connexion's mock have none, and answer 404 to all of them): paths.users is skipped for
    want of the option, not passed on 404s."""
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    args = (str(SUITE / "test_contract_requests.py"), "--gc-clause", "paths.users")
    run(pytester, mock, *args, users=False)
    users = next(c for c in report(pytester)["clauses"] if c["id"] == "paths.users")
    assert (users["status"], users["requests"]) == ("skipped", 0)
    assert "--user" in users["reason"]


def test_without_a_user_an_unknown_user_who_writes_still_fails(pytester, monkeypatch):
    """A target that answers /users/{anyone}/… with the caller's position fails paths.users
    with or without --gc-user."""
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    args = (str(SUITE / "test_contract_requests.py"), "--gc-clause", "paths.users")
    with MockProcess(faults=["users-ignores-user"]) as faulty:
        run(pytester, faulty, *args, users=False)
    assert report(pytester)["failed_clauses"] == ["paths.users"]


def test_failing_clause_is_reported_with_counterexample(pytester, faulty_mock, monkeypatch):
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    result = run(
        pytester,
        faulty_mock,
        str(SUITE / "test_contract_updates.py"),
        "--gc-clause",
        "merge.nested",
        "--junitxml",
        str(pytester.path / "junit.xml"),
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "FAIL merge.nested:*",
            "  request:   PATCH /me/profile/positions/*",
            "  answer:    200 *",
            "  reproduce: curl *",
            "  next:      rerun it alone: pytest *--gc-clause merge.nested *",
            "*verdict: fail*",
        ]
    )
    data = report(pytester)
    assert data["failed_clauses"] == ["merge.nested"]
    clause = next(c for c in data["clauses"] if c["id"] == "merge.nested")
    assert "detail" in clause["counterexample"]["request"]["body"]
    assert "[merge.nested]" in (pytester.path / "junit.xml").read_text()


def test_xdist_workers_are_aggregated(pytester, mock, monkeypatch):
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    monkeypatch.setenv("GC_PLUGIN_READONLY", mock.readonly_token)
    single = run(pytester, mock, str(SUITE / "test_contract_requests.py"))
    single.assert_outcomes(passed=87)
    one = report(pytester)
    distributed = run(pytester, mock, str(SUITE / "test_contract_requests.py"), "-n", "2", "-q")
    distributed.assert_outcomes(passed=87)
    two = report(pytester)
    assert two["verdict"] == "pass"
    # pytest-xdist says "bringing up nodes..." as its workers start and again once they
    # collected; the run's console says it once
    assert distributed.stdout.str().count("bringing up nodes...") == 1, distributed.stdout.str()

    def count(rep: dict, clause_id: str) -> int:
        return next(c for c in rep["clauses"] if c["id"] == clause_id)["requests"]

    for clause_id in ("auth.required", "auth.scope", "paths.users", "body.malformed"):
        assert count(two, clause_id) == count(one, clause_id) > 0
    assert two["requests"] > 0


OPENAPI_PROBE = """
import pytest
from graphcontract.stcompat import schema

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    with open("loaded.txt", "a") as out:
        out.write(f"{item.name} {schema.graph_schema.cache_info().currsize}\\n")
"""


@pytest.mark.parametrize(
    ("selection", "loaded"),
    [("test_schemathesis_positive_cases", "1"), ("test_schemathesis_explicit_cases", "1"),
     ("test_malformed_bodies_are_refused", "0")],
    ids=["schemathesis-selected", "explicit-schemathesis-selected", "none-selected"],
)  # fmt: skip
def test_openapi_document_is_loaded_at_set_up_only_when_needed(
    pytester, mock, monkeypatch, selection, loaded
):
    """Marked ``openapi`` tests find the document loaded before their first example runs
    (set-up work, out of the examples' timing, a broken document fails before any write);
    a run that selects none of them never loads it."""
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    pytester.makepyfile(openapi_probe=OPENAPI_PROBE)
    monkeypatch.syspath_prepend(str(pytester.path))
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    result = run(
        pytester,
        mock,
        str(SUITE / "test_contract_schemathesis.py"),
        str(SUITE / "test_contract_requests.py"),
        "-k",
        selection,
        "-p",
        "openapi_probe",
    )
    assert result.ret == pytest.ExitCode.OK
    lines = (pytester.path / "loaded.txt").read_text().split("\n")
    assert {line.rpartition(" ")[2] for line in lines if line} == {loaded}


@pytest.mark.parametrize(
    ("user", "sent", "skipped"),
    [("user_id", "id", "userPrincipalName"), ("user_principal_name", "userPrincipalName", "id")],
    ids=["only-an-id", "only-a-upn"],
)
def test_a_users_path_form_without_a_user_of_that_form_is_skipped_not_passed(
    pytester, mock, monkeypatch, user, sent, skipped
):
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_subprocess(
        *BASE_ARGS,
        "--gc-base-url",
        mock.base_url,
        "--gc-token-env",
        "GC_PLUGIN_TOKEN",
        "--gc-user",
        getattr(mock, user),
        "--gc-report-dir",
        str(pytester.path / "out"),
        "--gc-run-id",
        "r1",
        str(SUITE / "test_contract_requests.py"),
        "-k",
        "users_path_forms and not invalid",
        "-rs",
        "-v",
    )
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            f"*test_users_path_forms?{sent}? PASSED*",
            f"SKIPPED*no --gc-user in the {skipped} form configured*",
        ],
        consecutive=False,
    )


def test_a_failed_self_test_next_to_a_passing_contract_is_named_on_the_verdict_line(
    pytester, mock, monkeypatch
):
    """pytest reports "1 failed": the verdict line says pass for the target's clauses and
    names the failed test that is not a contract test, so the two never contradict."""
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    pytester.makepyfile(test_selfcheck="def test_broken():\n    assert 1 == 2\n")
    result = run(
        pytester,
        mock,
        str(SUITE / "test_contract_requests.py"),
        "test_selfcheck.py",
        "--gc-clause",
        "auth.required",
    )
    result.assert_outcomes(passed=12, failed=1, deselected=75)
    assert report(pytester)["verdict"] == "pass"
    result.stdout.fnmatch_lines(
        [
            "verdict: pass - every selected must clause held; but 1 test(s) outside the contract "
            "suite failed (harness self-tests, not clauses of the target): *::test_broken - "
            "report: *",
            "*1 failed, 12 passed*",
        ]
    )


EDGE_FAULTS = ("nfc-normalize", "trim-strings", "dedupe-collections", "early-years-shifted")


@pytest.mark.parametrize("fault", [None, *EDGE_FAULTS], ids=["conforming", *EDGE_FAULTS])
def test_the_edge_case_catalog_alone_finds_the_values_stores_rewrite(pytester, fault, monkeypatch):
    """The edge-case suite on its own: a conforming mock passes and the report shows every
    kind with its sites; each value-rewriting fault fails exactly its clauses."""
    monkeypatch.setenv("GC_PLUGIN_TOKEN", "plugin-test-token")
    with MockProcess(faults=[fault] if fault else []) as target:
        run(pytester, target, str(SUITE / "test_contract_edge_cases.py"))
    data = report(pytester)
    if fault is None:
        assert data["verdict"] == "pass", data["failed_clauses"]
        kinds = {entry["kind"]: entry for entry in data["edge_cases"]}
        assert "DateTimeOffset" not in kinds  # no writable one in this contract
        assert len(kinds) == 10
        assert "detail.company.address.city" in kinds["String"]["sites"]
        assert "NFD (e + U+0301)" in kinds["String"]["cases"]
        return
    spec = FAULTS[fault]
    failed = set(data["failed_clauses"])
    assert spec.breaks <= failed, f"missed {sorted(spec.breaks - failed)}"
    assert failed <= spec.breaks | spec.may_also_break
