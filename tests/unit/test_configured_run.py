"""``graphcontract run`` and ``fuzz`` take ``[tool.graphcontract]`` of pyproject.toml as the
pytest plugin does: each key a default, each flag given on the command line over it (seen in
the dry run, which says what the run would use and sends nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphcontract.cli import main

PYPROJECT = """\
[tool.graphcontract]
base_url = "http://127.0.0.1:1"
users = ["someone@example.com"]
report_dir = "build/contract"
timeout = 3
clauses = ["merge.nested"]

[tool.graphcontract.policy]
nested = "replace"
"""


def dry_run(capsys: pytest.CaptureFixture[str], *flags: str) -> dict[str, str]:
    """The dry run's settings lines, by their name."""
    assert main(["run", "--dry-run", *flags]) == 0
    lines = capsys.readouterr().out.splitlines()
    pairs = [line.strip().split(None, 1) for line in lines if line.startswith("  ")]
    settings: dict[str, str] = {}
    for pair in pairs:  # the header's lines come first; later ones describe tests
        if len(pair) == 2:
            settings.setdefault(pair[0], pair[1])
    return settings


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A project folder holding the pyproject.toml above; the run starts in a subfolder."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    monkeypatch.setenv("GRAPH_TOKEN", "graphcontract-test-token")
    return tmp_path


def test_every_key_is_what_the_run_uses(capsys, configured: Path):
    settings = dry_run(capsys)
    assert settings["target"] == "http://127.0.0.1:1"
    assert settings["users"] == "someone@example.com"
    assert settings["timeouts"].startswith("3 s per request")
    assert settings["reports"].startswith(f"{configured / 'build' / 'contract'}/<run-id>/")
    assert settings["clauses"] == "merge.nested"
    assert settings["policy"].startswith("nested=replace,")


def test_a_flag_given_wins_over_its_key(capsys, configured: Path):
    flags = ["--base-url", "http://127.0.0.1:2", "--user", "42", "--timeout", "4"]
    flags += ["--report-dir", "out", "--clause", "paths.me", "--policy", "nested=merge"]
    settings = dry_run(capsys, *flags)
    assert settings["target"] == "http://127.0.0.1:2"
    assert settings["users"] == "42"
    assert settings["timeouts"].startswith("4 s per request")
    assert settings["reports"].startswith("out/<run-id>/")
    assert settings["clauses"] == "paths.me"
    assert settings["policy"].startswith("nested=merge,")


def test_a_wrong_value_is_one_line_naming_the_file(capsys, configured: Path):
    (configured / "pyproject.toml").write_text(
        '[tool.graphcontract]\nbase_url = "ftp://127.0.0.1:1"\n', encoding="utf-8"
    )
    assert main(["run", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "pyproject.toml: [tool.graphcontract] base_url 'ftp://127.0.0.1:1'" in err
