"""The ``graphcontract`` command's own surface: --version, the bare command, every option's
default in --help, and what ``mock --fault`` says about combining faults."""

from __future__ import annotations

import argparse
import importlib.metadata
import re

import pytest

from graphcontract.cli import SUBCOMMANDS, build_parser, main
from graphcontract.helpformat import DefaultsHelpFormatter, shown_default
from graphcontract.mock.cli import add_arguments as add_mock_arguments


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (group,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(group.choices)


def options_with_a_value(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Options that take a value and may be left out (flags and required ones have no
    default to show)."""
    return [
        action
        for action in parser._actions
        if action.option_strings and action.nargs != 0 and not action.required
    ]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    installed = importlib.metadata.version("graphcontract")
    assert capsys.readouterr().out.strip() == f"graphcontract {installed}"


def test_bare_command_prints_the_help_to_stdout_and_exits_0(capsys):
    assert main([]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("usage: graphcontract")
    assert captured.err == ""
    for name in SUBCOMMANDS:
        assert name in captured.out, name
    assert "graphcontract COMMAND --help" in captured.out


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_every_option_of_the_subcommand_shows_its_default_in_help(name):
    parser = subparsers()[name]
    formatter = DefaultsHelpFormatter(prog=parser.prog)
    missing = [
        action.option_strings[-1]
        for action in options_with_a_value(parser)
        if "default" not in formatter._get_help_string(action)
    ]
    assert missing == [], f"graphcontract {name} --help shows no default for {missing}"


@pytest.mark.parametrize(
    ("name", "option", "shown"),
    [
        ("run", "--profile", "(default: ci)"),
        ("run", "--workers", "(default: 1)"),
        ("run", "--timeout", "(default: 10.0)"),
        ("run", "--report-dir", "(default: reports)"),
        ("run", "--position-id", "default: the last position GET /me/profile/positions lists"),
        ("run", "--policy", "default: the first of each: nested=merge"),
        ("fuzz", "--duration", "(default: 10m)"),
        ("fuzz", "--workers", "(default: 1)"),
        ("mock", "--variant", "(default: conforming)"),
        ("restore", "--timeout", "(default: 10.0)"),
    ],
    ids=lambda value: str(value),
)
def test_help_text_names_the_default_value(name, option, shown):
    parser = subparsers()[name]
    (action,) = (a for a in parser._actions if option in a.option_strings)
    help_line = DefaultsHelpFormatter(prog=parser.prog)._expand_help(action)
    assert shown in help_line
    # argparse wraps lines, also inside hyphenated words: compare without whitespace
    assert "".join(help_line.split()) in "".join(parser.format_help().split())


@pytest.mark.parametrize(
    ("default", "shown"),
    [
        (None, "(default: none)"),
        ([], "(default: none)"),
        ("ci", "(default: ci)"),
        (2.5, "(default: 2.5)"),
    ],
    ids=["none", "empty-list", "text", "number"],
)
def test_shown_default_words_each_kind_of_value(default, shown):
    action = argparse.Action(["--x"], "x", default=default, help="something")
    assert shown_default(action) == shown


def test_flags_and_help_that_already_says_its_default_get_nothing_appended():
    flag = argparse._StoreTrueAction(["--quick"], "quick", help="fewer repetitions")
    worded = argparse.Action(["--x"], "x", default=None, help="a thing (default: the best one)")
    assert shown_default(flag) is None
    assert shown_default(worded) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--fault", "auth-optional", "nested-replace"],
        ["--fault", "auth-optional", "--fault", "nested-replace"],
    ],
    ids=["one-option-two-names", "option-repeated"],
)
def test_mock_faults_combine_and_the_help_says_so(argv):
    parser = argparse.ArgumentParser(formatter_class=DefaultsHelpFormatter)
    add_mock_arguments(parser)
    assert parser.parse_args(argv).fault == ["auth-optional", "nested-replace"]
    assert "faults combine" in flat(parser.format_help())


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_every_default_is_written_the_same_way(name):
    """One form in every --help: "default: VALUE" (never "(default VALUE)" nor "VALUE
    (default)")."""
    parser = subparsers()[name]
    formatter = DefaultsHelpFormatter(prog=parser.prog)
    odd = {
        action.option_strings[-1]: text
        for action in options_with_a_value(parser)
        if re.search(r"\bdefault\b(?!:)", text := flat(formatter._get_help_string(action)))
    }
    assert odd == {}, f"graphcontract {name} --help"


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_help_offers_only_what_the_command_accepts(name):
    """--metadata's 'target' (the run's <base-url>/$metadata) is offered by run alone."""
    parser = subparsers()[name]
    for action in options_with_a_value(parser):
        if action.dest == "metadata":
            offered = "'target'" in (action.help or "") or "target" in str(action.metavar)
            assert offered == (name == "run"), name
