"""The real mock process serves every facet: reads and writes on several facets over
loopback, under /me and both /users forms, and the nested-replace fault on skillProficiency."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from graphcontract.mock.process import MockProcess

from .conftest import TOKEN

WRITES = {
    "skills": {"proficiency": "expert", "displayName": "Schema design"},
    "addresses": {"detail": {"city": "Lisbon"}, "displayName": "Work"},
    "anniversaries": {"type": "wedding", "date": "2011-05-06"},
    "languages": {"reading": "conversational", "tag": "pt-PT"},
    "positions": {"isCurrent": False},
}


def client(mock: MockProcess) -> httpx.Client:
    return httpx.Client(
        base_url=mock.base_url, timeout=5.0, headers={"Authorization": f"Bearer {TOKEN}"}
    )


@pytest.fixture
def http(conforming_mock: MockProcess) -> Iterator[httpx.Client]:
    with client(conforming_mock) as session:
        yield session


def prefixes(mock: MockProcess) -> list[str]:
    return ["/me", f"/users/{mock.user_id}", f"/users/{mock.user_principal_name}"]


@pytest.mark.parametrize("segment", sorted(WRITES))
def test_a_facet_is_read_and_written_under_every_path_form(conforming_mock, http, segment):
    listing = http.get(f"/me/profile/{segment}")
    assert listing.status_code == 200, listing.text
    assert listing.json()["@odata.context"].endswith(f"/profile/{segment}")
    first, second = (item["id"] for item in listing.json()["value"][:2])
    original = http.get(f"/me/profile/{segment}/{first}").json()
    untouched = http.get(f"/me/profile/{segment}/{second}").json()
    try:
        for prefix in prefixes(conforming_mock):
            same = http.get(f"/me/profile/{segment}").json()["value"]
            assert http.get(f"{prefix}/profile/{segment}").json()["value"] == same
            answer = http.patch(f"{prefix}/profile/{segment}/{first}", json=WRITES[segment])
            assert answer.status_code == 200, answer.text
            read = http.get(f"{prefix}/profile/{segment}/{first}").json()
            for name, sent in WRITES[segment].items():
                if isinstance(sent, dict):  # merged: what was not sent is kept
                    assert read[name] == {**original[name], **sent}
                else:
                    assert read[name] == sent
        assert http.get(f"/me/profile/{segment}/{second}").json() == untouched
        assert http.get(f"/me/profile/{segment}/not-an-item").status_code == 404
        refused = http.patch(f"/me/profile/{segment}/{first}", json={"allowedAudiences": "x"})
        assert refused.status_code == 400
    finally:
        back = {name: original[name] for name in WRITES[segment]}
        assert http.patch(f"/me/profile/{segment}/{first}", json=back).status_code == 200


INFERENCE = {"confidenceScore": 0.75, "userHasVerifiedAccuracy": True}


def test_nested_replace_breaks_the_nested_merge_on_skill_proficiency(conforming_mock, http):
    with MockProcess(faults=["nested-replace"]) as faulty, client(faulty) as broken:
        for session, kept in ((http, True), (broken, False)):
            path = (
                "/me/profile/skills/" + session.get("/me/profile/skills").json()["value"][0]["id"]
            )
            original = session.get(path).json()["inference"]
            try:
                assert session.patch(path, json={"inference": INFERENCE}).status_code == 200
                partial = session.patch(path, json={"inference": {"confidenceScore": 0.5}})
                assert partial.status_code == 200, partial.text
                verified = session.get(path).json()["inference"]["userHasVerifiedAccuracy"]
                assert verified is (True if kept else None)
            finally:
                session.patch(path, json={"inference": original})
        # workPosition keeps its seeded manager's other sub-properties only without the fault
        for session, kept in ((http, True), (broken, False)):
            path = f"/me/profile/positions/{faulty.position_ids[0]}"
            before = session.get(path).json()["manager"]
            assert session.patch(path, json={"manager": {"displayName": "X"}}).status_code == 200
            after = session.get(path).json()["manager"]
            assert (after["userPrincipalName"] == before["userPrincipalName"]) is kept
            session.patch(path, json={"manager": before})
