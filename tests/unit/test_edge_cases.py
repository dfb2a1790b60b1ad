"""The edge-case catalog: cases derived per kind, every writable site found, every case sent
at every site of its kind in few valid bodies, and the report's kinds × sites section."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from graphcontract.contract import load_contract
from graphcontract.report.build import edge_case_coverage
from graphcontract.report.html import render_html
from graphcontract.types import json_text
from strategies.edge_cases import (
    COMPLEX,
    COMPLEXES,
    DATETIME,
    FLAGS,
    KINDS,
    MAX_BODY_BYTES,
    PRIMITIVE_CASES,
    PRIMITIVES,
    STRING,
    cases_at,
    coverage_keys,
    edge_packs,
    edge_sites,
    sites_of_kind,
)
from strategies.values import request_places, values_at

CONTRACT = load_contract()
SITES = edge_sites(CONTRACT)
PACKS = edge_packs(CONTRACT)


def test_every_kind_but_datetimeoffset_has_a_writable_site():
    kinds = {site.kind for site in SITES}
    assert kinds == set(KINDS) - {DATETIME}  # no writable DateTimeOffset in this contract
    assert all(site.kind in KINDS for site in SITES)


def test_every_writable_place_and_every_collection_item_is_a_site():
    names = {site.name for site in SITES}
    assert {".".join(p for p in place.path if p != "[]") for place in request_places(CONTRACT)} <= {
        name.replace("[]", "") for name in names
    }
    assert {"categories[]", "colleagues[]", "colleagues[].relationship"} <= names
    assert {site.name for site in sites_of_kind(CONTRACT, COMPLEX)} >= {
        "detail",
        "detail.company.address",
        "colleagues[]",
    }
    assert [site.name for site in sites_of_kind(CONTRACT, PRIMITIVES)] == ["categories"]
    assert [site.name for site in sites_of_kind(CONTRACT, COMPLEXES)] == ["colleagues"]


def test_the_normalization_forms_of_the_string_cases_really_differ():
    by_name = {case.name: case.value for case in PRIMITIVE_CASES[STRING]}
    nfc, nfd = by_name["NFC (precomposed)"], by_name["NFD (e + U+0301)"]
    assert nfc != nfd
    assert unicodedata.normalize("NFC", nfd) == nfc
    marks = str(by_name["combining marks out of canonical order"])
    assert unicodedata.normalize("NFC", marks) != marks
    assert unicodedata.normalize("NFD", marks) != marks
    compat = str(by_name["compatibility forms (NFKC differs)"])
    assert unicodedata.normalize("NFC", compat) == compat != unicodedata.normalize("NFKC", compat)
    assert any(ord(c) > 0xFFFF for c in str(by_name["astral characters"]))


def test_enum_sites_get_every_sendable_member_and_flags_their_combinations_as_gray():
    for site in SITES:
        if site.kind not in ("enum", FLAGS):
            continue
        members = CONTRACT.enums[site.type_name].sendable_members
        values = [case.value for case in cases_at(CONTRACT, site) if case.gray is None]
        assert values == list(members)
    flags = next(site for site in SITES if site.kind == FLAGS)
    gray = [case for case in cases_at(CONTRACT, flags) if case.gray]
    assert gray
    assert all("," in str(case.value) for case in gray)


def test_collections_carry_repeats_and_an_order_that_matters():
    for kind in (PRIMITIVES, COMPLEXES):
        site = sites_of_kind(CONTRACT, kind)[0]
        cases = {case.name: case.value for case in cases_at(CONTRACT, site)}
        repeated = cases["repeated items"]
        assert isinstance(repeated, list)
        assert repeated[0] == repeated[1] != repeated[2]
        ordered = cases["order that matters"]
        assert isinstance(ordered, list)
        assert ordered != sorted(ordered, key=str)
        assert cases["empty"] == []
    alike = next(
        case.value
        for case in cases_at(CONTRACT, sites_of_kind(CONTRACT, COMPLEXES)[0])
        if case.name == "items alike but for one property"
    )
    assert isinstance(alike, list)
    first, second = alike
    assert isinstance(first, dict)
    assert isinstance(second, dict)
    assert first.items() < second.items(), "the same values, one property fewer"
    assert len(second) - len(first) == 1


def test_every_case_is_sent_once_at_every_site_of_its_kind():
    sent = Counter(key for pack in PACKS for key in coverage_keys(pack))
    expected = {
        f"{site.kind}|{site.name}|{case.name}"
        for site in SITES
        for case in cases_at(CONTRACT, site)
    }
    assert set(sent) == expected
    assert set(sent.values()) == {1}


@pytest.mark.parametrize("pack", PACKS, ids=[pack.name for pack in PACKS])
def test_each_pack_carries_each_of_its_cases_at_its_site(pack):
    for one in pack.sent:
        assert one.case.value in values_at(pack.body, one.site.path), one
    assert len(json_text(pack.body).encode()) <= MAX_BODY_BYTES  # a curl line a shell runs
    if pack.gray is None:
        assert CONTRACT.request_errors(pack.body) == []
        assert len({one.site.path for one in pack.sent}) == len(pack.sent)
    else:
        assert {one.case.name for one in pack.sent} == {pack.sent[0].case.name}


def test_packing_keeps_the_requests_few():
    must = [pack for pack in PACKS if pack.gray is None]
    pairs = sum(len(pack.sent) for pack in PACKS)
    assert pairs > 500
    assert len(PACKS) <= 40, len(PACKS)  # each pack is one PATCH (plus its reads)
    assert max(len(pack.sent) for pack in must) > 20


def test_the_report_shows_kinds_by_sites_covered():
    keys = {key for pack in PACKS[:2] for key in coverage_keys(pack)}
    coverage = edge_case_coverage(keys)
    assert sum(entry["sent"] for entry in coverage) == len(keys)
    string = next(entry for entry in coverage if entry["kind"] == STRING)
    assert "detail.jobTitle" in string["sites"]
    assert string["cases"]
    page = render_html({"verdict": "pass", "edge_cases": coverage})
    section = page[page.index('id="edge-cases"') :]
    assert "detail.jobTitle" in section
    assert "<td>String</td>" in section
    assert 'id="edge-cases"' not in render_html({"verdict": "pass"})
