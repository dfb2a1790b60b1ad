"""The reference mock (conforming and gray variants) keeps the contract, over real HTTP."""

from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from graphcontract.contract import load_contract
from graphcontract.errors import TargetUnhealthy, UsageError
from graphcontract.mock import cli
from graphcontract.mock.gray import GRAPH_CONTENT_TYPE
from graphcontract.mock.process import MockProcess
from graphcontract.oracles.compare import parse_datetime, same, unchanged

GRAPH_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z")


def assert_envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
    return error


def test_valid_partial_patch_returns_whole_object_and_keeps_omitted(either):
    before = either.get()
    response = either.patch({"detail": {"jobTitle": "Principal Tester"}})
    assert response.status_code == 200
    after = response.json()
    assert load_contract().response_errors(after) == []
    assert after["id"] == either.position_id
    assert after["detail"]["jobTitle"] == "Principal Tester"
    for name in ("role", "company", "startMonthYear"):
        assert after["detail"].get(name) == before["detail"].get(name), name
    kept = set(before) - {"detail", "lastModifiedDateTime", "lastModifiedBy"}
    assert same({k: after.get(k) for k in kept}, {k: before.get(k) for k in kept})
    assert GRAPH_TIMESTAMP.fullmatch(either.get()["lastModifiedDateTime"])
    assert parse_datetime(after["lastModifiedDateTime"]) > parse_datetime(
        before["lastModifiedDateTime"]
    )
    assert same(either.get(), after)


def test_nested_merge_starts_from_nulls_and_null_clears(conforming):
    response = conforming.patch({"inference": None, "manager": {"relationship": "colleague"}})
    assert response.status_code == 200
    assert response.json()["inference"] is None
    manager = response.json()["manager"]
    assert manager["relationship"] == "colleague"
    assert manager["displayName"] == "Jeanne Dupont"
    refill = conforming.patch({"inference": {"confidenceScore": 0.5}}).json()["inference"]
    assert refill == {"confidenceScore": 0.5, "userHasVerifiedAccuracy": None}


def test_lone_surrogate_is_echoed_as_an_escape(conforming):
    response = conforming.patch(
        content=b'{"detail": {"jobTitle": "a\\ud800b"}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["detail"]["jobTitle"] == "a\ud800b"
    assert conforming.get()["detail"]["jobTitle"] == "a\ud800b"


def test_collections_replace(conforming):
    response = conforming.patch({"categories": ["a", "b"], "colleagues": [{"displayName": "Z"}]})
    assert response.status_code == 200
    assert response.json()["categories"] == ["a", "b"]
    assert [c["displayName"] for c in response.json()["colleagues"]] == ["Z"]


def test_bogus_audience_is_refused_and_changes_nothing(either):
    before = either.get()
    error = assert_envelope(either.patch({"allowedAudiences": "bogus"}), 400)
    assert "allowedAudiences" in error["message"]
    assert unchanged(either.get(), before)


def test_flags_combination_accepted_in_declaration_order(conforming):
    response = conforming.patch({"allowedAudiences": "contacts,family,contacts"})
    assert response.status_code == 200
    assert response.json()["allowedAudiences"] == "family,contacts"


def test_gray_variant_normalises_numeric_and_case_variants(gray):
    assert gray.patch({"allowedAudiences": 8}).json()["allowedAudiences"] == "organization"
    assert gray.patch({"allowedAudiences": "EVERYONE"}).json()["allowedAudiences"] == "everyone"
    response = gray.patch({"manager": {"relationship": "FRIEND"}})
    assert response.json()["manager"]["relationship"] == "friend"


def test_missing_authorization_is_401_and_changes_nothing(either):
    before = either.get()
    response = either.anonymous("PATCH", either.path(), json={"isCurrent": False})
    error = assert_envelope(response, 401)
    assert error["code"] == "InvalidAuthenticationToken"
    assert_envelope(either.anonymous("GET", either.path()), 401)
    assert_envelope(either.anonymous("GET", "/me/profile/positions"), 401)
    assert unchanged(either.get(), before)


@pytest.mark.parametrize("header", ["", "Bearer", "Basic abc"], ids=["empty", "no-token", "basic"])
def test_unusable_authorization_is_401(conforming, header):
    before = conforming.get()
    response = conforming.patch({"isCurrent": False}, headers={"Authorization": header})
    assert_envelope(response, 401)
    assert unchanged(conforming.get(), before)


def test_readonly_token_may_read_but_not_patch(conforming):
    before = conforming.get()
    auth = {"Authorization": f"Bearer {conforming.mock.readonly_token}"}
    assert conforming.http.get(conforming.path(), headers=auth).status_code == 200
    error = assert_envelope(conforming.patch({"isCurrent": False}, headers=auth), 403)
    assert error["code"] == "accessDenied"
    assert unchanged(conforming.get(), before)


@pytest.mark.parametrize(
    ("variant", "status"), [("conforming", 415), ("gray", 400)], ids=["conforming", "gray"]
)
@pytest.mark.parametrize(
    "content_type", ["text/plain", None], ids=["text-plain", "no-content-type"]
)
def test_non_json_content_type_is_refused(request, variant, status, content_type):
    client = request.getfixturevalue(variant)
    before = client.get()
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.patch(content=b'{"isCurrent": false}', headers=headers)
    assert_envelope(response, status)
    assert unchanged(client.get(), before)


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/json;odata.metadata=minimal"],
    ids=["charset", "odata-metadata"],
)
def test_json_content_type_parameters_are_accepted(conforming, content_type):
    headers = {"Content-Type": content_type}
    response = conforming.patch(content=b'{"isCurrent": false}', headers=headers)
    assert response.status_code == 200
    assert response.json()["isCurrent"] is False


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"",
        b"[]",
        b'"x"',
        b"1",
        b"true",
        b"null",
        b'{"isCurrent": NaN}',
        b'{"inference": {"confidenceScore": 1e400}}',
        b"\xef\xbb\xbf{}",
        b"{} {}",
    ],
    ids=[
        "truncated",
        "empty",
        "array",
        "string",
        "number",
        "true",
        "null",
        "nan",
        "double-overflow",
        "bom",
        "trailing-data",
    ],
)
def test_malformed_or_non_object_body_is_400(conforming, content):
    before = conforming.get()
    response = conforming.patch(content=content, headers={"Content-Type": "application/json"})
    assert assert_envelope(response, 400)["code"] == "BadRequest"
    assert unchanged(conforming.get(), before)


def test_unknown_id_is_404_and_creates_nothing(either):
    listing = either.http.get("/me/profile/positions").json()["value"]
    unknown = str(uuid.uuid4())
    assert (
        assert_envelope(either.patch({"isCurrent": True}, position_id=unknown), 404)["code"]
        == "itemNotFound"
    )
    assert_envelope(either.http.get(either.path(unknown)), 404)
    assert either.http.get("/me/profile/positions").json()["value"] == listing


def test_mixed_valid_and_invalid_body_is_refused_whole(either):
    before = either.get()
    body = {"detail": {"jobTitle": "Half applied"}, "isCurrent": "yes", "categories": ["x"]}
    assert_envelope(either.patch(body), 400)
    assert unchanged(either.get(), before)


@pytest.mark.parametrize(
    "body",
    [
        {"detail": {"layer": 1.5}},
        {"detail": {"startMonthYear": "2020-02-30"}},
        {"detail": {"company": {"address": {"type": "moon"}}}},
        {"colleagues": [{"relationship": "boss"}]},
        {"categories": [1]},
        {"inference": {"confidenceScore": "0.5"}},
        {"allowedAudiences": "unknownFutureValue"},
        {"undeclared": 1},
        {"detail": {"undeclared": 1}},
    ],
    ids=["int32-float", "bad-date", "address-type", "relationship", "category-number",
         "double-string", "sentinel", "undeclared-top", "undeclared-nested"],
)  # fmt: skip
def test_conforming_refuses_invalid_bodies(conforming, body):
    before = conforming.get()
    assert_envelope(conforming.patch(body), 400)
    assert unchanged(conforming.get(), before)


def test_gray_variant_annotates_answers_and_writes_patch_timestamps_with_an_offset(gray):
    read, written = gray.get(), gray.patch({"categories": ["annotated"]}).json()
    for state in (read, written):
        assert state["createdDateTime@odata.type"] == "#DateTimeOffset"
        assert state["detail"]["startMonthYear@odata.type"] == "#Date"
        assert state["source"] == {"type": "User"}  # personDataSource, as the docs type it
        assert load_contract().response_errors(state) == []
    assert read["@graphcontract.answeredAt"] != written["@graphcontract.answeredAt"]
    assert written["createdDateTime"] == read["createdDateTime"].replace("Z", "+00:00")
    assert GRAPH_TIMESTAMP.fullmatch(gray.get()["lastModifiedDateTime"])


def test_gray_variant_recalculates_is_current_from_a_changed_end_month(gray):
    assert gray.get()["isCurrent"] is True
    ended = gray.patch({"detail": {"endMonthYear": "2001-01-01"}}).json()
    assert ended["isCurrent"] is False
    assert gray.patch({"isCurrent": True}).json()["isCurrent"] is True
    unchanged_end = gray.patch({"detail": {"endMonthYear": "2001-01-01"}}).json()
    assert unchanged_end["isCurrent"] is True  # no change to the end month: nothing recalculated
    assert gray.patch({"detail": {"endMonthYear": None}}).json()["isCurrent"] is True


def test_gray_variant_ignores_undeclared_properties(gray):
    response = gray.patch({"undeclared": 1, "detail": {"undeclared": 2, "jobTitle": "G"}})
    assert response.status_code == 200
    assert "undeclared" not in response.json()
    assert "undeclared" not in response.json()["detail"]
    assert response.json()["detail"]["jobTitle"] == "G"


@pytest.mark.parametrize("via", ["id", "upn"])
def test_users_paths_address_the_same_position(conforming, via):
    response = conforming.patch({"detail": {"jobTitle": f"via {via}"}}, via=via)
    assert response.status_code == 200
    for other in ("me", "id", "upn"):
        assert conforming.get(via=other)["detail"]["jobTitle"] == f"via {via}"
    shouting = conforming.path(via="upn").replace(
        conforming.mock.user_principal_name, conforming.mock.user_principal_name.upper()
    )
    assert conforming.http.get(shouting).json()["detail"]["jobTitle"] == f"via {via}"


def test_unknown_user_is_404(conforming):
    path = conforming.path().replace("/me/", "/users/nobody@example.com/")
    assert_envelope(conforming.http.get(path), 404)
    assert_envelope(conforming.http.patch(path, json={"isCurrent": True}), 404)


def test_second_position_is_never_changed(conforming):
    second = conforming.mock.position_ids[1]
    before = conforming.get(second)
    seeded = load_contract().seed["positions"][1]
    assert before["lastModifiedDateTime"] == seeded["lastModifiedDateTime"]
    written = conforming.patch({"detail": {"jobTitle": "first only"}, "categories": ["x"]})
    assert written.status_code == 200, written.text
    assert conforming.patch({"allowedAudiences": "bogus"}).status_code == 400
    assert conforming.get(second) == before


def test_response_headers_and_odata_context(conforming):
    response = conforming.http.get(conforming.path(), headers={"client-request-id": "abc-123"})
    assert response.headers["content-type"] == GRAPH_CONTENT_TYPE
    assert response.headers["client-request-id"] == "abc-123"
    uuid.UUID(response.headers["request-id"])
    assert response.headers["date"].endswith("GMT")
    context = response.json()["@odata.context"]
    assert context.startswith("https://graph.microsoft.com/beta/$metadata#users('")
    assert conforming.mock.user_id in context
    assert context.endswith("/profile/positions/$entity")
    listing = conforming.http.get("/me/profile/positions").json()
    assert listing["@odata.context"].endswith("/profile/positions")
    assert [p["id"] for p in listing["value"]] == list(conforming.mock.position_ids)
    patched = conforming.patch({"isCurrent": True})
    assert patched.headers["content-type"] == GRAPH_CONTENT_TYPE
    assert patched.json()["@odata.context"] == context


def test_gray_variant_plain_content_type_no_context_no_nulls(gray):
    response = gray.patch({"detail": {"summary": None}, "categories": []})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert "@odata.context" not in body
    assert "categories" not in body
    assert "summary" not in body["detail"]
    assert load_contract().response_errors(body) == []


@pytest.mark.parametrize("via", ["me", "upn"])
def test_delete_is_405_with_allow(conforming, via):
    error = assert_envelope(conforming.http.delete(conforming.path(via=via)), 405)
    assert error["code"] == "notAllowed"
    response = conforming.http.delete(conforming.path(via=via))
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "PATCH"}
    listing = conforming.http.post("/me/profile/positions", json={})
    assert_envelope(listing, 405)
    assert "PATCH" not in listing.headers["allow"]
    assert len(conforming.http.get("/me/profile/positions").json()["value"]) == 2


@pytest.mark.parametrize(
    "path",
    [
        # profile has no navigation property for personResponsibility (its page's paths)
        "/me/profile/responsibilities",
        "/me/responsibilities",
        "/me/profile/skills/1/extra",
    ],
    ids=["no-profile-segment", "page-path", "below-an-item"],
)
def test_unknown_path_is_404_envelope(conforming, path):
    assert_envelope(conforming.http.get(path), 404)


READ_ONLY_BODY = {
    "id": "not-the-id",
    "createdDateTime": "2001-01-01T00:00:00Z",
    "createdBy": {"user": {"displayName": "Mallory", "id": "m"}},
    "lastModifiedDateTime": "2001-01-01T00:00:00Z",
    "isCurrent": False,
}


def test_conforming_ignores_read_only_properties(conforming):
    before = conforming.get()
    response = conforming.patch(READ_ONLY_BODY)
    assert response.status_code == 200
    after = response.json()
    assert after["isCurrent"] is False
    for name in ("id", "createdDateTime", "createdBy"):
        assert after[name] == before[name]
    assert after["lastModifiedDateTime"] > before["lastModifiedDateTime"]


def test_gray_variant_refuses_read_only_properties(gray):
    before = gray.get()
    assert_envelope(gray.patch(READ_ONLY_BODY), 400)
    assert unchanged(gray.get(), before)


AGREEING_ANNOTATIONS = {
    "@odata.type": "#microsoft.graph.workPosition",
    "detail": {
        "@odata.type": "#microsoft.graph.positionDetail",
        "endMonthYear@odata.type": "#Date",
        "endMonthYear": "2031-01-01",
    },
}
UNBACKED_ANNOTATIONS = [
    {"@odata.type": "microsoft.graph.workPosition", "isCurrent": False},
    {"detail": {"@odata.type": "#microsoft.graph.companyDetail", "jobTitle": "x"}},
    {"detail": {"jobTitle@odata.type": "#Int32", "jobTitle": "x"}},
    {"@odata.unheardOf": 1, "isCurrent": False},
    {"@contoso.note": "x", "isCurrent": False},
]


def test_annotations_that_agree_with_the_metadata_are_accepted_by_both(either):
    response = either.patch(AGREEING_ANNOTATIONS)
    assert response.status_code == 200, response.text
    assert response.json()["detail"]["endMonthYear"] == "2031-01-01"
    assert "@odata.type" not in either.get()


@pytest.mark.parametrize("body", UNBACKED_ANNOTATIONS, ids=lambda b: str(b)[:50])
def test_unbacked_annotations_are_ignored_by_the_reference_refused_by_the_variant(
    conforming, gray, body
):
    assert conforming.patch(body).status_code == 200
    before = gray.get()
    assert_envelope(gray.patch(body), 400)
    assert unchanged(gray.get(), before)


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800", "\udc00"], ids=["nul", "high", "low"])
def test_unusual_strings_are_stored_by_the_reference_refused_by_the_variant(conforming, gray, text):
    def escaped(body: dict[str, Any]) -> dict[str, Any]:
        """httpx's json= cannot encode a lone surrogate: send it as a JSON escape."""
        json_type = {"Content-Type": "application/json"}
        return {"content": json.dumps(body).encode(), "headers": json_type}

    assert conforming.patch(**escaped({"categories": [text]})).status_code == 200
    assert conforming.get()["categories"] == [text]
    before = gray.get()
    assert_envelope(gray.patch(**escaped({"detail": {"jobTitle": text}})), 400)
    assert unchanged(gray.get(), before)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--fault", "no-such-fault"], "patch-returns-204"),
        (["--gray", "no_such_key=1"], "unknown_properties"),
        (["--gray", "media_type_status=418"], "415"),
        (["--variant", "odd"], "conforming"),
        (["--seed", "/nonexistent/seed.json"], "/nonexistent/seed.json"),
    ],
    ids=["fault", "gray-key", "gray-value", "variant", "seed"],
)
def test_cli_usage_errors_name_the_valid_choices(argv, named):
    with pytest.raises(UsageError, match=re.escape(named)):
        cli.run(_args(*argv))


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another socket is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--port", "{busy}"], "cannot listen on 127.0.0.1:{busy} (Address already in use)"),
        (["--port", "{busy}", "--log-level", "critical"], "cannot listen on 127.0.0.1:{busy}"),
        (["--host", "999.1.1.1", "--port", "{busy}"], "--host '999.1.1.1' is not an address"),
    ],
    ids=["port-in-use", "port-in-use-quiet-log", "unknown-host"],
)
def test_cli_that_cannot_listen_says_so_in_one_line_with_exit_2(busy_port, argv, named):
    command = [sys.executable, "-m", "graphcontract", "mock"]
    command += [arg.format(busy=busy_port) for arg in argv]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("graphcontract: error: ")
    assert named.format(busy=busy_port) in result.stderr


def test_mock_process_that_dies_is_unhealthy():
    with pytest.raises(TargetUnhealthy, match="no_such_key"), MockProcess(gray=["no_such_key=1"]):
        pass  # pragma: no cover - start() must raise
