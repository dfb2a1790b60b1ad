"""Bad configuration: one line naming the problem and what to do, exit 2, no traceback,
nothing sent. Most cases call the command in-process (fast); two go through a real process."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphcontract.cli import main
from graphcontract.mock.process import MockProcess, free_port
from tests.resilience.conftest import SECRET, output, run_cli

LIVE = "https://graph.example.invalid/beta"


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("graphcontract: error: ")
    assert "Traceback" not in captured.out + captured.err
    assert SECRET not in captured.out + captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--base-url", "htp://127.0.0.1:8000"], "is not an http(s) URL"),
        (["--base-url", "not a url"], "is not an http(s) URL"),
        (["--base-url", "http://127.0.0.1:99999"], "invalid port"),
        (["--base-url", "http://127.0.0.1:8000/?x=1"], "must not carry a query"),
        (["--clause", "merge.nestd"], "unknown clause id 'merge.nestd'"),
        (["--base-url", LIVE], "name the one position the run may modify with --position-id"),
        (["--base-url", LIVE, "--position-id", "../other"], "is not a position id"),
        (["--rate-limit", "-1"], "--rate-limit must be"),
        (["--timeout", "0"], "--timeout must be positive"),
        (["--policy", "response_extra=ignore"], "choose one of fail, observe"),
    ],
    ids=[
        "scheme",
        "not-a-url",
        "port",
        "query",
        "unknown-clause",
        "live-without-position",
        "position-path-traversal",
        "negative-rate",
        "zero-timeout",
        "unknown-policy-value",
    ],
)
def test_bad_arguments(capsys, monkeypatch, tmp_path: Path, argv, expected):
    monkeypatch.setenv("GRAPH_TOKEN", SECRET)
    line = one_line_error(capsys, ["run", "--report-dir", str(tmp_path), *argv])
    assert expected in line


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--base-url", "http://[::1"], "--base-url 'http://[::1' is not an http(s) URL"),
        (["--base-url", "http://[zz]:80"], "--base-url 'http://[zz]:80' is not an http(s) URL"),
        (["--timeout", "nan"], "--timeout must be positive and finite"),
        (["--timeout", "inf"], "--timeout must be positive and finite"),
        (["--rate-limit", "1e-9"], "--rate-limit must be a number of requests per second >= 0.01"),
        (["--rate-limit", "nan"], "--rate-limit must be"),
        (["--user", ""], "--user '' is not a user id or userPrincipalName"),
        (["--user", "a/b"], "--user 'a/b' is not a user id or userPrincipalName"),
        (
            ["--base-url", "http://127.0.0.1:8000", "--token-env", ""],
            "--token-env needs the name of an environment variable",
        ),
        (["--database", "unix:///tmp/x"], "give a directory or a redis://HOST:PORT/DB URL"),
        (["--database", "http://example.invalid/db"], "give a directory or a redis://HOST:PORT/DB"),
        (["--database", "redis://[::1/0"], "is not a valid Redis URL"),
        (["--database", "/dev/null/x"], "--database"),
    ],
    ids=[
        "unclosed-ipv6-host",
        "invalid-ipv6-host",
        "nan-timeout",
        "infinite-timeout",
        "rate-too-low-to-ever-finish",
        "nan-rate",
        "empty-user",
        "user-with-slash",
        "empty-token-env-name",
        "unix-url-database",
        "http-url-database",
        "unclosed-ipv6-redis-database",
        "database-below-a-file",
    ],
)
def test_bad_values_are_refused_even_in_a_dry_run(
    capsys, monkeypatch, tmp_path: Path, argv, expected
):
    """Checked by the validation a dry run shares with a real run: nothing is created (no
    folder named 'unix:' or 'http:'), nothing started, no traceback later."""
    monkeypatch.setenv("GRAPH_TOKEN", SECRET)
    monkeypatch.chdir(tmp_path)
    reports = tmp_path / "reports"
    line = one_line_error(capsys, ["run", "--dry-run", "--report-dir", str(reports), *argv])
    assert expected in line
    assert list(tmp_path.iterdir()) == []


def test_the_database_is_checked_before_the_target_is_probed(capsys, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("GRAPH_TOKEN", SECRET)
    unreachable = f"http://127.0.0.1:{free_port()}"
    argv = ["run", "--base-url", unreachable, "--database", "/dev/null/x", "--timeout", "1"]
    line = one_line_error(capsys, [*argv, "--report-dir", str(tmp_path)])
    assert "--database '/dev/null/x' cannot be used" in line


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "GRAPH_TOKEN is empty or unset: export the target's bearer token"),
        ("   ", "GRAPH_TOKEN is empty or unset"),
        (f"Bearer {SECRET}", "without 'Bearer '"),
        (f"{SECRET}\nX-Injected: 1", "does not hold a bearer token"),
        (f"{SECRET}é", "does not hold a bearer token"),
    ],
    ids=["unset", "blank", "with-scheme", "header-injection", "non-ascii"],
)
def test_missing_or_malformed_token(capsys, monkeypatch, tmp_path: Path, value, expected):
    if value is None:
        monkeypatch.delenv("GRAPH_TOKEN", raising=False)
    else:
        monkeypatch.setenv("GRAPH_TOKEN", value)
    argv = ["run", "--base-url", LIVE, "--position-id", "p1", "--report-dir", str(tmp_path)]
    assert expected in one_line_error(capsys, argv)


def test_unwritable_report_directory(capsys, monkeypatch, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GRAPH_TOKEN", SECRET)
    line = one_line_error(capsys, ["run", "--report-dir", str(blocker / "reports")])
    assert "is not writable" in line
    assert "--report-dir" in line


def test_unknown_position_id(capsys, monkeypatch, shared_mock: MockProcess, tmp_path: Path):
    monkeypatch.setenv("GRAPH_TOKEN", SECRET)
    argv = [
        "run",
        "--base-url",
        shared_mock.base_url,
        "--position-id",
        "no-such-position",
        "--report-dir",
        str(tmp_path),
    ]
    line = one_line_error(capsys, argv)
    assert "position 'no-such-position' not found" in line
    assert "--position-id" in line
    assert list(tmp_path.iterdir()) == [], "a run folder was started for a bad configuration"


def test_unreachable_host(capsys, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("GRAPH_TOKEN", SECRET)
    argv = [
        "run",
        "--base-url",
        f"http://127.0.0.1:{free_port()}",
        "--report-dir",
        str(tmp_path),
        "--timeout",
        "1",
    ]
    line = one_line_error(capsys, argv)
    assert "cannot connect" in line
    assert "is the target running" in line


def test_unknown_clause_in_a_real_process(tmp_path: Path):
    result = run_cli("run", "--clause", "no.such.clause", "--report-dir", str(tmp_path))
    assert result.returncode == 2, output(result)
    assert result.stderr.count("\n") == 1
    assert "unknown clause id" in result.stderr
    assert result.stdout == ""


def test_restore_with_a_missing_journal(capsys, tmp_path: Path):
    line = one_line_error(capsys, ["restore", "--journal", str(tmp_path / "nope.json")])
    assert "no restore journal" in line
    assert "restore-journal-" in line


def test_restore_with_a_run_folder_that_has_no_journal(capsys, tmp_path: Path):
    line = one_line_error(capsys, ["restore", "--journal", str(tmp_path)])
    assert "holds no restore-journal-*.json" in line


def test_restore_with_a_file_that_is_not_a_journal(capsys, tmp_path: Path):
    bogus = tmp_path / "restore-journal-main.json"
    bogus.write_text('{"hello": 1}')
    line = one_line_error(capsys, ["restore", "--journal", str(bogus)])
    assert "is not a graphcontract restore journal" in line


def test_unwritable_bench_output_folder(capsys, tmp_path: Path):
    """Checked before any measuring starts, not after minutes of runs."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = one_line_error(capsys, ["bench", "--quick", "--out", str(blocker)])
    assert "output folder" in line
    assert "--out" in line
