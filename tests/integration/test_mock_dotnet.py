"""The reference mock's dotnet variant writes what an ASP.NET Core OData service writes, so the
run against it (test_harness_detects_faults) proves the harness takes those forms: flags as
``"family, contacts"`` with ``me`` dropped from a combination, numbers answered by name,
timestamps in another offset, doubles in .NET's form, @odata.etag and Graph's tips, gzip."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from graphcontract.contract import load_contract
from graphcontract.mock.process import MockProcess
from graphcontract.oracles.compare import parse_datetime, same

from .conftest import MockClient

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dotnet() -> Iterator[MockClient]:
    with MockProcess(variant="dotnet") as mock:
        client = MockClient(mock)
        snapshot = client.get()
        try:
            yield client
        finally:
            client.restore(snapshot)
            client.close()


@pytest.mark.parametrize(
    ("sent", "written"),
    [
        ("family,contacts", "family, contacts"),
        ("contacts, family", "family, contacts"),
        ("me,family", "family"),
        ("3", "family, contacts"),
        (3, "family, contacts"),
        ("me", "me"),
    ],
    ids=["combination", "spaced-reversed", "me-absorbed", "numeric-string", "number", "me-alone"],
)
def test_flags_are_written_as_dotnet_writes_them(dotnet, sent, written):
    answer = dotnet.patch({"allowedAudiences": sent})
    assert answer.status_code == 200, answer.text
    assert answer.json()["allowedAudiences"] == written
    assert dotnet.get()["allowedAudiences"] == written
    assert load_contract().response_errors(answer.json()) == []


def test_answers_carry_dotnet_forms_and_stay_valid(dotnet):
    raw = dotnet.http.patch(
        dotnet.path(),
        json={"inference": {"confidenceScore": 0.00001, "userHasVerifiedAccuracy": True}},
        headers={"Accept-Encoding": "gzip"},
    )
    assert raw.status_code == 200
    assert raw.headers["content-encoding"] == "gzip"
    text = raw.text  # httpx has undone the gzip; the JSON text as the service wrote it
    assert '"confidenceScore":1E-05' in text
    body = json.loads(text)
    assert body["@odata.etag"].startswith('W/"')
    assert body["@microsoft.graph.tips"]
    stamp = body["lastModifiedDateTime"]
    assert stamp.endswith("+05:30")
    assert parse_datetime(stamp) is not None
    assert same(stamp, dotnet.get()["lastModifiedDateTime"], "lastModifiedDateTime")
    assert load_contract().response_errors(body) == []
    whole = dotnet.http.patch(dotnet.path(), json={"inference": {"confidenceScore": 3.0}})
    assert '"confidenceScore":3,' in whole.text


def test_etag_changes_with_every_write(dotnet):
    first = dotnet.patch({"isCurrent": True}).json()["@odata.etag"]
    second = dotnet.patch({"isCurrent": False}).json()["@odata.etag"]
    assert first != second
