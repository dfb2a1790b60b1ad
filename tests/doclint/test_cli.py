"""``graphcontract doc-lint``: output formats, --output, exit codes 0/1/2, ``python -m``."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graphcontract.contract import load_contract
from graphcontract.doclint import cli, lint_pages, load_page
from graphcontract.errors import UsageError

from .pagefiles import DRAFT, PAGES, PUBLISHED

REPO = Path(__file__).parents[2]
TEXT_LINE = re.compile(r"^(?P<page>[^:]+):(?P<line>\d+): (?P<kind>[a-z]+\.[a-z-]+): \S.*$")


def test_clean_page_exits_0(capsys):
    assert cli.main([str(PAGES / "clean_update.md")]) == 0
    assert capsys.readouterr().out == "0 findings in 1 page\n"


def test_text_output_one_finding_per_line_and_a_count(capsys):
    page = PAGES / "paths_bad.md"
    assert cli.main([str(page)]) == 1
    *lines, count = capsys.readouterr().out.splitlines()
    assert count == "3 findings in 1 page"
    matches = [TEXT_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert [(m["page"], m["line"], m["kind"]) for m in matches if m] == [
        (str(page), "17", "path.collection-url"),
        (str(page), "18", "path.singular-user"),
        (str(page), "19", "path.unknown"),
    ]


def test_json_output(capsys):
    pages = [str(PAGES / "clean_update.md"), str(PAGES / "perms_other.md")]
    assert cli.main([*pages, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["pages"] == pages
    assert document["count"] == len(document["findings"]) == 10
    kinds = {f["kind"] for f in document["findings"]}
    assert {"permissions.disagree", "difference.path", "difference.permissions"} <= kinds
    for finding in document["findings"]:
        assert set(finding) == {"page", "line", "kind", "message", "clause"}
        assert isinstance(finding["line"], int)
        assert finding["page"] == pages[1]


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path, capsys):
    target = tmp_path / "findings.json"
    status = cli.main([str(PUBLISHED), "--format", "json", "--output", str(target)])
    assert status == 1
    assert capsys.readouterr().out == ""
    document = json.loads(target.read_text())
    assert document["count"] == len(document["findings"])
    in_process = lint_pages(load_contract(), [load_page(PUBLISHED)])
    assert [f["kind"] for f in document["findings"]] == [f.kind for f in in_process]
    assert {"example.invalid-date", "example.null-collection", "table.type-mismatch"} <= {
        f["kind"] for f in document["findings"]
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.md"], "no such page"),
        ([str(PAGES / "not_a_page.md")], "not a Graph API reference page"),
        ([str(PAGES / "other_api.md")], "not a Graph API page about workPosition"),
        ([str(PAGES / "clean_update.md"), "--output", "/nonexistent-dir/out.txt"], "cannot write"),
    ],
    ids=["missing", "not-a-page", "other-api", "unwritable-output"],
)
def test_usage_errors_exit_2_with_one_line(arguments, message, capsys):
    assert cli.main(arguments) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("graphcontract doc-lint: error: ")
    assert message in captured.err


def test_bad_option_exits_2(capsys):
    assert cli.main([str(PUBLISHED), "--format", "xml"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_dispatcher_pair_raises_usage_error_for_the_dispatcher():
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args([str(PAGES / "todo.md")])
    assert args.format == "text"
    assert args.output is None
    assert cli.run(args) == 1
    with pytest.raises(UsageError):
        cli.run(parser.parse_args(["missing.md"]))


def run_module(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphcontract.doclint.cli", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_python_m_on_both_seeds():
    done = run_module(str(PUBLISHED), str(DRAFT))
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert f"{PUBLISHED}:170: example.invalid-date:" in out
    assert f"{DRAFT}:32: difference.path:" in out
    assert f"{DRAFT}:21: placeholder.todo:" in out
    assert f"{DRAFT}:48: table.read-only-in-request: id " in out
    assert re.search(r"^\d+ findings in 2 pages$", out, re.MULTILINE)


def test_python_m_refuses_a_missing_page_without_traceback():
    done = run_module("nowhere.md")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "graphcontract doc-lint: error: nowhere.md: no such page\n"
