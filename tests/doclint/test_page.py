"""Parsing Graph reference pages: front matter, tables, fences, blockType comments, JSON lines."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphcontract.doclint.blocks import locate, normalize_path
from graphcontract.doclint.page import load_page, parse_page, parse_type, possible_values
from graphcontract.errors import UsageError

from .pagefiles import DRAFT, PAGES, PUBLISHED, line_of


def test_published_seed_parts_are_found_with_their_lines():
    page = load_page(PUBLISHED)
    assert page.title == "Update workPosition"
    assert page.doc_type == "apiPageType"
    assert [(r.line, r.method, r.path) for r in page.http_requests] == [
        (34, "PATCH", "/me/profile/positions/{}"),
        (35, "PATCH", "/users/{}/profile/positions/{}"),
    ]
    request, response = page.examples
    assert (request.kind, request.name, request.body) == (
        "request",
        "update_workposition",
        {"isCurrent": True},
    )
    assert request.request is not None
    assert request.request.line == 78
    assert (response.kind, response.status, response.body_line) == ("response", 200, 125)
    assert response.line_of(("detail", "startMonthYear")) == 170
    assert [row.name for row in page.property_rows][:2] == ["allowedAudiences", "categories"]
    assert [p.scheme for p in page.permissions] == [
        "Delegated (work or school account)",
        "Delegated (personal Microsoft account)",
        "Application",
    ]
    assert page.problems == ()


def test_draft_seed_fences_with_a_space_and_multiline_comments():
    page = load_page(DRAFT)
    assert [b.block_type for b in page.blocks] == ["ignored", "request", "response"]
    assert [b.lang for b in page.blocks] == ["http", "http", "http"]
    assert [(r.line, r.target) for r in page.http_requests] == [
        (32, "/user/{userId}/profile/positions")
    ]
    response = page.examples[1]
    # no blank line between the headers and the body
    assert response.body_line == 106
    assert response.line_of(("createdDateTime",)) == 113


def test_tab_headings_do_not_end_a_section_and_other_comments_are_ignored():
    page = parse_page(
        "# T\n## Examples\n# [HTTP](#tab/http)\n<!-- uuid: 1 -->\n"
        '<!-- { "type": "#page.annotation" } -->\n```http\nGET /me\n```\n'
    )
    assert [h.text for h in page.headings] == ["T", "Examples"]
    assert page.blocks[0].section == "Examples"
    assert page.blocks[0].block_type is None
    assert page.problems == ()


def test_block_type_comment_applies_to_the_next_fence_only():
    page = parse_page(
        '<!-- {"blockType": "request"} -->\n\ntext\n```json\n{"a": 1}\n```\n```json\n{}\n```\n'
    )
    assert [b.block_type for b in page.blocks] == ["request", None]
    assert page.examples[0].body == {"a": 1}
    assert page.examples[0].body_line == 5


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("String", ("String", False)),
        ("String collection", ("String", True)),
        ("[relatedPerson](../resources/relatedperson.md) collection", ("relatedPerson", True)),
        ("Collection(microsoft.graph.relatedPerson)", ("relatedPerson", True)),
        ("`Edm.Date`", ("Date", False)),
        ("**allowedAudiences**", ("allowedAudiences", False)),
    ],
    ids=["primitive", "collection", "link-collection", "odata-collection", "edm-prefix", "bold"],
)
def test_parse_type(cell, expected):
    assert parse_type(cell) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Who. Possible values are: `me`, `family`. More text.", ("me", "family")),
        ("Possible values are: `a.b`, `c`.", ("a.b", "c")),
        ("possible values are home, business or other.", ("home", "business", "other")),
        ("No list here.", None),
    ],
    ids=["backticks-then-sentence", "dot-inside-code", "plain-words", "none"],
)
def test_possible_values(description, expected):
    assert possible_values(description) == expected


def test_table_cells_keep_pipes_inside_code():
    page = parse_page(
        "## Properties\n|Property|Type|Description|\n|:-|:-|:-|\n|a|String|`x | y`|\n"
    )
    (row,) = page.property_rows
    assert (row.name, row.type_name, row.description, row.line) == ("a", "String", "`x | y`", 4)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/me/profile/positions/{id}", "/me/profile/positions/{}"),
        (
            "/users/{id | userPrincipalName}/profile/positions/{id}",
            "/users/{}/profile/positions/{}",
        ),
        ("https://graph.microsoft.com/beta/me/profile/positions/{id}", "/me/profile/positions/{}"),
        ("https://graph.microsoft.com/v1.0/me/profile/positions?$top=1", "/me/profile/positions"),
        ("/user/{userId}/profile/positions/", "/user/{}/profile/positions"),
    ],
    ids=["me", "users-alternatives", "absolute-beta", "v1-query", "trailing-slash"],
)
def test_normalize_path(target, expected):
    assert normalize_path(target) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    st.dictionaries(st.text(min_size=1, max_size=6), json_values, min_size=1, max_size=4),
    st.integers(min_value=1, max_value=500),
)
def test_locate_finds_every_key_on_its_own_line(document, first_line):
    text = json.dumps(document, indent=2)
    lines = text.splitlines()
    found = locate(text, first_line)
    for key in document:
        line = found[(key,)]
        assert lines[line - first_line].lstrip().startswith(json.dumps(key) + ":")


def test_locate_gives_array_items_their_lines():
    found = locate('{\n  "a": [\n    1,\n    {"b": 2}\n  ]\n}', 10)
    assert found[("a",)] == 11
    assert found[("a", 0)] == 12
    assert found[("a", 1, "b")] == 13


@pytest.mark.parametrize(
    ("name", "write", "expected"),
    [
        ("missing.md", None, "no such page"),
        ("latin1.md", b"# Caf\xe9 workPosition\n## HTTP request\n", "not a text page"),
        ("notes.md", b"# Notes\n\nworkPosition, nothing more.\n", "not a Graph API reference page"),
    ],
    ids=["missing", "not-utf8", "not-an-api-page"],
)
def test_load_page_refuses_with_one_line(tmp_path, name, write, expected):
    path = tmp_path / name
    if write is not None:
        path.write_bytes(write)
    with pytest.raises(UsageError) as caught:
        load_page(path)
    message = str(caught.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_load_page_refuses_a_directory(tmp_path):
    with pytest.raises(UsageError, match="cannot read"):
        load_page(tmp_path)


def test_malformed_parts_become_problems():
    page = load_page(PAGES / "malformed.md")
    path = PAGES / "malformed.md"
    assert [(p.kind, p.line) for p in page.problems] == [
        ("page.front-matter", 3),
        ("page.annotation", line_of(path, '"blockType": "response" "truncated"')),
        ("page.unclosed-fence", len(path.read_text().splitlines()) - 1),
    ]
    request = page.examples[0]
    assert request.body_error is not None
    assert request.error_line == line_of(path, '"isCurrent": true,') + 1
