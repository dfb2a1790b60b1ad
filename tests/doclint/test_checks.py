"""The doc-lint rules: each finding kind on a small page, the seed pages, the shipped examples."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphcontract.contract import load_contract
from graphcontract.doclint import Finding, example_findings, lint_pages, load_page
from graphcontract.doclint.checks import EXAMPLE_PAGES, body_findings, is_date, is_datetime
from graphcontract.doclint.facets import lint_facet_pages
from graphcontract.doclint.kinds import FINDING_KINDS
from graphcontract.doclint.page import parse_page
from graphcontract.errors import UsageError

from .pagefiles import DRAFT, PAGES, PUBLISHED, line_of


def lint(*names: str) -> list[Finding]:
    """As ``graphcontract doc-lint`` does: each page against the facet it documents."""
    return lint_facet_pages([load_page(PAGES / name) for name in names])


# Every finding each test page must give, and no others: (kind, where). ``where`` is a text
# on the finding's line, "=TEXT" for the line that is exactly TEXT, or a line number (< 0: from
# the end).
EXPECTED: dict[tuple[str, ...], list[tuple[str, str | int]]] = {
    ("examples_bad.md",): [
        ("example.read-only-in-request", '"id": "read-only-key"'),
        ("example.null-collection", '"categories": null'),
        ("example.placeholder-value", '"allowedAudiences": "String"'),
        ("example.invalid-enum", '"relationship": "boss"'),
        ("example.request-invalid", '"isCurrent": "yes"'),
        ("example.odata-type-without-hash", '"microsoft.graph.positionDetail"'),
        ("example.invalid-date", '"datetime-value"'),
        ("example.invalid-date", '"2020-02-30"'),
        ("example.placeholder-value", '"String (timestamp)"'),
        ("example.invalid-datetime", '"yesterday"'),
        ("example.null-collection", '"colleagues": null'),
        ("example.response-invalid", '"isCurrent": "no"'),
        ("example.invalid-enum", '"castle"'),
    ],
    ("table_bad.md",): [
        ("table.type-mismatch", "| allowedAudiences | String |"),
        ("table.enum-members", "| allowedAudiences | String |"),
        ("table.type-mismatch", "| categories | String |"),
        ("table.read-only-in-request", "| createdBy |"),
        ("table.extra-property", "| isSearchable |"),
        ("table.extra-property", "| nickname |"),
        ("table.missing-property", "| Property | Type | Description |"),
    ],
    ("relatedperson_resource.md",): [
        ("table.type-mismatch", "| relationship "),
        ("table.extra-property", "| nickname "),
        ("table.missing-property", "| Property "),
    ],
    ("paths_bad.md",): [
        ("path.collection-url", "=PATCH /me/profile/positions"),
        ("path.singular-user", "PATCH /user/{userId}"),
        ("path.unknown", "PATCH /me/profile/position/{id}"),
    ],
    ("unknown_facet.md",): [("page.unknown-type", 1)],
    ("todo.md",): [
        ("placeholder.todo", "**TODO: Provide Github Name.**"),
        ("placeholder.todo", "TODO: say more."),
    ],
    ("malformed.md",): [
        ("page.front-matter", "doc_type: apiPageType"),
        ("page.annotation", '"blockType": "response" "truncated"'),
        ("example.invalid-json", "=}"),
        ("page.unclosed-fence", -2),
    ],
    ("clean_update.md", "perms_other.md"): [
        ("permissions.disagree", "|Application|Not supported.|"),
        ("difference.permissions", "|Delegated (personal Microsoft account)|**TODO"),
        ("placeholder.todo", "|Delegated (personal Microsoft account)|**TODO"),
        ("difference.path", "PATCH /me/profile/positions/{positionId}"),
        ("difference.properties", "|Property|Type|Description|"),
        ("table.missing-property", "|Property|Type|Description|"),
        ("difference.properties", "|isCurrent|String|"),
        ("table.type-mismatch", "|isCurrent|String|"),
        ("difference.examples", 1),
        ("difference.examples", "={"),
    ],
}


def expected_line(path: Path, where: str | int) -> int:
    lines = path.read_text().splitlines()
    if isinstance(where, int):
        return where if where > 0 else len(lines) + 1 + where
    if not where.startswith("="):
        return line_of(path, where)
    hits = [n for n, text in enumerate(lines, 1) if text == where[1:]]
    assert len(hits) == 1, f"{where!r} is on lines {hits} of {path.name}"
    return hits[0]


@pytest.mark.parametrize("names", list(EXPECTED), ids=lambda names: "+".join(names))
def test_each_page_gives_exactly_its_findings(names):
    last = PAGES / names[-1]
    want = sorted((kind, expected_line(last, marker)) for kind, marker in EXPECTED[names])
    got = sorted((f.kind, f.line) for f in lint(*names))
    assert got == want
    assert {f.page for f in lint(*names)} == {str(last)}


def test_every_finding_kind_is_given_by_a_test_page():
    """FINDING_KINDS is the product's own list: a new kind without a test page fails here."""
    covered = {kind for expected in EXPECTED.values() for kind, _ in expected}
    assert set(FINDING_KINDS) - covered == set()


def test_a_finding_of_an_undeclared_kind_is_refused():
    with pytest.raises(ValueError, match=r"undeclared finding kind 'example\.made-up'"):
        Finding("page.md", 1, "example.made-up", "message")


def test_clean_page_has_no_findings():
    assert lint("clean_update.md") == []


def test_placeholder_renames_and_trailing_slashes_are_not_path_differences(tmp_path):
    base = (PAGES / "clean_update.md").read_text()
    renamed = base.replace("/me/profile/positions/{id}\n", "/me/profile/positions/{positionId}/\n")
    renamed = renamed.replace("{id | userPrincipalName}", "{userId}")
    assert renamed != base
    (tmp_path / "renamed.md").write_text(renamed)
    contract = load_contract()
    pages = [load_page(PAGES / "clean_update.md"), load_page(tmp_path / "renamed.md")]
    assert lint_pages(contract, pages) == []


def test_findings_name_only_existing_clauses_and_serialise():
    contract = load_contract()
    findings = [f for names in EXPECTED for f in lint(*names)]
    assert all(f.clause is None or f.clause in contract.clauses for f in findings)
    by_kind = {f.kind: f.clause for f in findings}
    assert by_kind["table.read-only-in-request"] == "read-only.not-applied"
    assert by_kind["example.invalid-date"] == "docs.examples"
    assert by_kind["permissions.disagree"] == "auth.scope"
    record = findings[0].to_dict()
    assert list(record) == ["page", "line", "kind", "message", "clause"]
    assert record["line"] == findings[0].line


def test_table_type_mismatch_names_the_metadata_enum():
    (finding,) = [f for f in lint("table_bad.md") if f.line == 21 and f.kind.endswith("mismatch")]
    assert "flags enum allowedAudiences" in finding.message
    assert finding.clause == "enum.allowedAudiences.rejects"
    (nested,) = [f for f in lint("relatedperson_resource.md") if f.kind == "table.type-mismatch"]
    assert "personRelationship" in nested.message
    assert nested.clause == "enum.nested"


def test_pages_about_something_else_are_refused():
    contract = load_contract()
    with pytest.raises(UsageError, match="not a Graph API page about workPosition"):
        lint_pages(contract, [load_page(PAGES / "other_api.md")])
    itemfacet = parse_page(
        '---\ntitle: "itemFacet resource type"\ndoc_type: resourcePageType\n---\n'
    )
    with pytest.raises(UsageError, match="neither workPosition nor one of its types"):
        lint_pages(contract, [itemfacet])


# -- the seed pages (acceptance) --------------------------------------------------------


def test_published_seed_findings():
    findings = lint_pages(load_contract(), [load_page(PUBLISHED)])
    got = {(f.kind, f.line) for f in findings}
    assert ("example.invalid-date", line_of(PUBLISHED, '"startMonthYear": "datetime-value"')) in got
    assert ("example.null-collection", line_of(PUBLISHED, '"categories": null')) in got
    assert ("example.null-collection", line_of(PUBLISHED, '"colleagues": null')) in got
    assert ("table.type-mismatch", line_of(PUBLISHED, "|allowedAudiences|String|")) in got
    # endMonthYear is null there: valid, so not reported
    assert not any("endMonthYear" in f.message for f in findings)


def test_both_seeds_give_the_draft_differences_todos_and_read_only_rows():
    contract = load_contract()
    findings = lint_pages(contract, [load_page(PUBLISHED), load_page(DRAFT)])
    draft = [f for f in findings if f.page == str(DRAFT)]
    kinds = {f.kind for f in draft}
    assert {
        "difference.path",
        "placeholder.todo",
        "path.collection-url",
        "path.singular-user",
        "difference.permissions",
        "difference.properties",
    } <= kinds
    read_only_rows = {f.message.split()[0] for f in draft if f.kind == "table.read-only-in-request"}
    assert read_only_rows == set(contract.read_only)
    assert {"id", "createdDateTime", "createdBy", "lastModifiedDateTime", "lastModifiedBy"} == (
        read_only_rows
    )
    assert ("difference.path", line_of(DRAFT, "PATCH /user/{userId}/profile/positions")) in {
        (f.kind, f.line) for f in draft
    }
    todo_lines = {f.line for f in draft if f.kind == "placeholder.todo"}
    assert todo_lines == {n for n, t in enumerate(DRAFT.read_text().splitlines(), 1) if "TODO" in t}


# -- the example rules and the shipped examples ---------------------------------------------


def test_example_findings_of_the_shipped_examples():
    findings = example_findings(load_contract())
    assert all(f.line == 0 and f.clause == "docs.examples" for f in findings)
    assert all(f.page == EXAMPLE_PAGES["response"] for f in findings)  # the request is valid
    kinds = sorted(f.kind for f in findings)
    assert kinds == ["example.invalid-date", "example.null-collection", "example.null-collection"]
    assert any("startMonthYear" in f.message for f in findings)


def findings_for(body: object, *, request: bool) -> list[Finding]:
    return body_findings(load_contract(), body, request=request, page="p", line_of=lambda _: 7)


@given(st.dates())
def test_real_dates_are_never_flagged(day):
    assert is_date(day.isoformat())
    assert findings_for({"detail": {"endMonthYear": day.isoformat()}}, request=True) == []


@given(st.text(max_size=12).filter(lambda s: not is_date(s)))
def test_any_other_date_string_is_flagged(text):
    (finding,) = findings_for({"detail": {"startMonthYear": text}}, request=True)
    assert (finding.kind, finding.line) == ("example.invalid-date", 7)


offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
)


@given(st.datetimes(timezones=offsets))
def test_datetimes_with_offsets_are_accepted(moment):
    assert is_datetime(moment.isoformat())
    assert is_datetime(moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"))
    assert not is_datetime(moment.replace(tzinfo=None).isoformat())


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2020-07-06T06:34:12.2294868Z", True),
        ("2020-07-06T06:34:12+02:00", True),
        ("2020-07-06T06:34:12", False),
        ("2020-13-06T06:34:12Z", False),
        ("2020-07-06T25:00:00Z", False),
        ("String (timestamp)", False),
    ],
    ids=["7-digit-fraction", "offset", "no-offset", "month-13", "hour-25", "placeholder"],
)
def test_is_datetime(value, valid):
    assert is_datetime(value) is valid


@pytest.mark.parametrize(
    ("body", "request_", "kinds"),
    [
        ({"allowedAudiences": "family,contacts"}, False, []),
        ({"allowedAudiences": "family,contacts"}, True, ["example.request-invalid"]),
        ({"categories": []}, False, []),
        ({"@odata.type": "#microsoft.graph.workPosition"}, True, []),
        ({"detail": {"@odata.type": "positionDetail"}}, True, ["example.odata-type-without-hash"]),
        ({"createdBy": None}, False, []),
        ({"createdBy": None}, True, ["example.read-only-in-request"]),
        ({"isSearchable": True}, True, ["example.request-invalid"]),
        ([], True, ["example.request-invalid"]),
    ],
    ids=[
        "flags-response",
        "flags-request-is-gray",
        "empty-collection",
        "annotation",
        "type-without-hash",
        "server-managed-in-response",
        "server-managed-in-request",
        "undocumented-in-request",
        "not-an-object",
    ],
)
def test_body_rules(body, request_, kinds):
    got = findings_for(
        {"id": "x", **body} if isinstance(body, dict) and not request_ else body, request=request_
    )
    assert sorted(f.kind for f in got) == kinds


def test_list_responses_are_checked_item_by_item_and_unmarked_blocks_count():
    text = (
        "---\ntitle: List positions\ndoc_type: apiPageType\n---\n"
        "List workPosition objects.\n## HTTP request\n```http\nGET /me/profile/positions\n```\n"
        "### Request\n```http\nGET https://graph.microsoft.com/beta/me/profile/positions\n```\n"
        "### Response\n```http\nHTTP/1.1 200 OK\n\n"
        '{"value": [\n  {"id": "1", "categories": []},\n'
        '  {"id": "2", "categories": null}\n]}\n```\n'
    )
    page = parse_page(text, "list.md")
    assert [e.kind for e in page.examples] == ["request", "response"]
    findings = lint_pages(load_contract(), [page])
    assert [(f.kind, f.line) for f in findings] == [("example.null-collection", 20)]


def test_permission_wording_and_order_are_not_differences(tmp_path):
    base = (PAGES / "clean_update.md").read_text()
    one = base.replace("| User.ReadWrite.All                          |", "| Not supported. |")
    two = one.replace("| Not supported. |", "|Not supported|").replace(
        "User.ReadWrite, User.ReadWrite.All", "User.ReadWrite.All, User.ReadWrite"
    )
    assert one != base
    assert two != one
    (tmp_path / "one.md").write_text(one)
    (tmp_path / "two.md").write_text(two)
    pages = [load_page(tmp_path / "one.md"), load_page(tmp_path / "two.md")]
    assert lint_pages(load_contract(), pages) == []
