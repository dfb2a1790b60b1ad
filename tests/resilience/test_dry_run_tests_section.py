"""``--dry-run``'s Tests section speaks in the tests' own words: each test's docstring says what
it sends, its case ids name what varies, each clause is listed once, and no Python repr or
hand-written request form stands in for what is sent."""

from __future__ import annotations

import re

import pytest

from tests.resilience.conftest import output, run_cli


@pytest.fixture(scope="module")
def entries() -> dict[str, list[str]]:
    """The Tests section, as each entry's heading -> its indented lines."""
    result = run_cli("run", "--dry-run")
    assert result.returncode == 0, output(result)
    section = result.stdout.split("\nTests (", 1)[1].splitlines()[1:]
    found: dict[str, list[str]] = {}
    heading = ""
    for line in section:
        if line.startswith("      "):
            found[heading].append(line.strip())
        elif line.strip():
            heading = line.strip()
            found[heading] = []
    return found


def entry(entries: dict[str, list[str]], title: str) -> list[str]:
    (heading,) = (h for h in entries if h.startswith(f"{title} ("))
    return entries[heading]


def test_every_test_says_what_it_sends_in_its_own_words(entries):
    assert len(entries) > 20
    for heading, lines in entries.items():
        assert not heading.startswith("test_"), heading
        assert not lines[0].startswith("clauses:"), f"{heading}: no description"


def test_each_clause_is_listed_once(entries):
    for heading, lines in entries.items():
        (clauses,) = (line for line in lines if line.startswith("clauses:"))
        names = clauses.removeprefix("clauses:").split(", ")
        assert len(names) == len(set(names)), f"{heading}: {clauses}"


def test_no_python_repr_stands_for_a_value(entries):
    for heading, lines in entries.items():
        for line in lines:
            assert not re.search(r"\w=(tuple|bytes|list|dict)\b|=\'", line), f"{heading}: {line}"


def test_what_varies_is_named_by_the_case_ids(entries):
    unusable = entry(entries, "unusable authorization is refused")
    assert "cases: basic-scheme, bearer-without-token, empty-value × me, id, userPrincipalName" in (
        unusable
    )
    assert not any("without an Authorization header" in line for line in unusable)
    assert "cases: two properties, two parts of one complex value" in entry(
        entries, "each kind of writes sent at once keeps both"
    )
    positive = entry(entries, "schemathesis positive cases")
    assert not any("malformed" in line for line in positive if not line.startswith("clauses:"))
