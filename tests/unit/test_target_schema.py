"""What a target lacks of the contract's metadata: compared with its $metadata, or learned
from its answers (only properties another cloud's schema lacks, each refused while the same
body without it is accepted); the contract without them; the mock's /$metadata."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from graphcontract.contract import METADATA_ENV, contracts_dir
from graphcontract.contract_source import BUNDLED_METADATA, NATIONAL_CLOUD_METADATA
from graphcontract.csdl import read_csdl
from graphcontract.runner.schema_check import (
    SERVED_METADATA,
    SchemaProbeChangedTarget,
    console_lines,
    facets_held_otherwise,
    whole_again,
)
from graphcontract.target_schema import (
    Finding,
    Request,
    differences,
    learn_from_answers,
    run_csdl,
)
from graphcontract.types import JSON, JSONObject
from tests.unit.national_cloud import USNAT_LACKS

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PROD_PATH = contracts_dir() / BUNDLED_METADATA
USNAT_PATH = contracts_dir() / NATIONAL_CLOUD_METADATA
PROD = read_csdl(PROD_PATH)
USNAT = read_csdl(USNAT_PATH)
FACET = "workPosition"
HEADERS = {"Authorization": "Bearer unit"}


def _names(findings: list[Finding], kind: str) -> list[str]:
    return [f.name for f in findings if f.kind == kind]


def test_prod_contract_against_national_cloud_metadata_lists_what_it_lacks():
    found = differences(PROD, USNAT, FACET)
    assert _names(found, "lacking") == USNAT_LACKS
    assert _names(found, "retyped") == ["workPosition.source"]
    assert _names(found, "extra") == []


def test_national_cloud_contract_against_prod_metadata_lists_its_extra_properties():
    found = differences(USNAT, PROD, FACET)
    assert _names(found, "lacking") == []
    assert _names(found, "extra") == USNAT_LACKS


def test_same_metadata_has_no_findings():
    assert differences(PROD, PROD, FACET) == []


def test_narrowed_contract_lacks_exactly_what_the_target_lacks(tmp_path):
    lacking = [f for f in differences(PROD, USNAT, FACET) if f.lacking]
    out = run_csdl(PROD_PATH, PROD, lacking, tmp_path / "narrowed.xml")
    narrowed = read_csdl(out)
    assert _names(differences(narrowed, USNAT, FACET), "lacking") == []
    assert _names(differences(PROD, narrowed, FACET), "lacking") == USNAT_LACKS


def test_run_contract_adds_what_the_targets_own_metadata_declares(tmp_path):
    """A national-cloud contract against a Prod service: the run's document gains the
    properties (and the types they need) the service's $metadata declares."""
    found = differences(USNAT, PROD, FACET)
    out = run_csdl(USNAT_PATH, USNAT, found, tmp_path / "widened.xml", PROD_PATH.read_bytes())
    widened = read_csdl(out)
    assert [f for f in differences(widened, PROD, FACET) if f.kind != "retyped"] == []
    assert "profileSourceAnnotation" in widened.types


def test_run_contract_types_a_retyped_property_as_the_targets_own_metadata_does(tmp_path):
    """Prod's contract against a national-cloud service: itemEmail's ``source`` is read and
    written as the service's $metadata types it (the run would otherwise send a collection
    where the service declares one value, and fail a correct service)."""
    found = differences(PROD, USNAT, "itemEmail")
    assert "retyped" in {f.kind for f in found}
    out = run_csdl(PROD_PATH, PROD, found, tmp_path / "run.xml", USNAT_PATH.read_bytes())
    assert [f for f in differences(read_csdl(out), USNAT, "itemEmail") if f.kind != "extra"] == []
    without_document = run_csdl(PROD_PATH, PROD, found, tmp_path / "kept.xml")
    kept = differences(read_csdl(without_document), USNAT, "itemEmail")
    assert "retyped" in {f.kind for f in kept}  # no document of its own: nothing to read it by


@pytest.fixture
def usnat_mock(monkeypatch) -> TestClient:
    """The reference mock, in process, built on the national cloud's metadata."""
    from graphcontract.mock.app import build_app

    monkeypatch.setenv(METADATA_ENV, str(USNAT_PATH))
    return TestClient(build_app())


def _position(client: TestClient) -> tuple[str, JSONObject]:
    listed = client.get("/me/profile/positions", headers=HEADERS).json()["value"]
    path = f"/me/profile/positions/{listed[-1]['id']}"
    return path, client.get(path, headers=HEADERS).json()


def _patcher(
    client: TestClient, refuse: Callable[[JSONObject], bool] = lambda body: False
) -> tuple[Request, list[JSONObject]]:
    sent: list[JSONObject] = []

    def patch(method: str, where: str, body: JSONObject | None) -> tuple[int, JSON]:
        assert body is not None
        sent.append(body)
        if refuse(body):
            return 400, {"error": {"code": "BadRequest"}}
        answer = client.request(method, where, json=body, headers=HEADERS)
        return answer.status_code, answer.json()

    return patch, sent


def test_mock_serves_the_metadata_it_was_started_with(usnat_mock):
    answer = usnat_mock.get("/$metadata")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/xml")
    assert answer.content == USNAT_PATH.read_bytes()


def test_learned_from_a_national_cloud_services_answers(usnat_mock):
    """Refused where its owner is present; manager.userId (manager null, no colleagues) taken
    from the cloud's schema, as every checkable property of it is lacking; the probes leave
    every writable property as it was."""
    path, before = _position(usnat_mock)
    patch, sent = _patcher(usnat_mock)
    found = learn_from_answers(PROD, FACET, [("usnat", USNAT)], before, patch, path)
    assert [f.name for f in found] == USNAT_LACKS
    assert "keeps that schema" in found[USNAT_LACKS.index("relatedPerson.userId")].evidence
    assert "answered 400" in found[USNAT_LACKS.index("positionDetail.layer")].evidence
    after = usnat_mock.get(path, headers=HEADERS).json()
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed <= {"lastModifiedDateTime", "@odata.etag"}
    assert len(sent) <= len(USNAT_LACKS) + 2


def test_a_prod_service_lacks_nothing(monkeypatch):
    from graphcontract.mock.app import build_app

    monkeypatch.delenv(METADATA_ENV, raising=False)
    client = TestClient(build_app())
    path, state = _position(client)
    patch, _ = _patcher(client)
    assert learn_from_answers(PROD, FACET, [("usnat", USNAT)], state, patch, path) == []


def test_a_service_refusing_a_property_both_clouds_declare_is_not_excused(usnat_mock):
    """A fault that refuses detail.jobTitle (declared by every cloud) leaves it judged; the
    refused candidates of the cloud it keeps are still learned."""
    path, state = _position(usnat_mock)
    patch, _ = _patcher(usnat_mock, refuse=lambda body: "jobTitle" in str(body))
    found = learn_from_answers(PROD, FACET, [("usnat", USNAT)], state, patch, path)
    assert "positionDetail.jobTitle" not in [f.name for f in found]
    # every detail body carries jobTitle: the control is refused too, so nothing in detail
    # is excused (a refusal of what both schemas have is the service's fault, judged later)
    assert not [f for f in found if f.type_name in ("positionDetail", "companyDetail")]


def test_a_service_that_has_a_candidate_keeps_the_unseen_ones_judged(usnat_mock):
    """A service that accepts detail.layer does not keep the national cloud's schema: the
    properties nothing showed (manager.userId) are not excused."""
    path, state = _position(usnat_mock)

    patch, _ = _patcher(usnat_mock)

    def patch_accepting_layer(method: str, where: str, body: JSONObject | None) -> tuple[int, JSON]:
        if body is not None and "'layer'" in str(body):
            return 200, {}
        return patch(method, where, body)

    found = learn_from_answers(PROD, FACET, [("usnat", USNAT)], state, patch_accepting_layer, path)
    names = [f.name for f in found]
    assert "positionDetail.layer" not in names
    assert "relatedPerson.userId" not in names
    assert "positionDetail.level" in names


def test_console_names_the_lacking_properties():
    found = differences(PROD, USNAT, FACET)
    lines = console_lines(found, "compared with the target's $metadata")
    assert lines[0].startswith("metadata: 10 finding(s), compared with the target's $metadata")
    assert "positionDetail.layer" in lines[1]
    assert "(left out of this run)" in lines[1]
    assert console_lines([], "x") == []


def test_probes_that_left_the_position_whole_pass_the_check():
    """A write's own stamps moving is what every PATCH does: the position is whole again."""
    from graphcontract.mock.app import build_app

    client = TestClient(build_app())
    path, before = _position(client)
    stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    whole_again(FACET, path, before, {**before, "lastModifiedDateTime": stamp})


def test_probes_that_changed_the_position_stop_the_run_with_its_restore_line():
    from graphcontract.mock.app import build_app

    client = TestClient(build_app())
    path, before = _position(client)
    changed = {**before, "detail": {**(before.get("detail") or {}), "jobTitle": "probe"}}
    with pytest.raises(SchemaProbeChangedTarget) as caught:
        whole_again(FACET, path, before, changed)
    message = str(caught.value)
    assert "detail.jobTitle" in message
    assert "graphcontract restore --journal" in message
    with pytest.raises(SchemaProbeChangedTarget, match="no longer answered"):
        whole_again(FACET, path, before, None)


def test_a_facet_the_targets_profile_holds_as_another_type_is_named(tmp_path):
    """--api all with Prod's contract against a national-cloud service: its anniversaries
    hold personAnniversary, not personAnnualEvent, so that facet is left out by name (not
    judged by the wrong type); a target serving no document leaves every facet in."""
    facets = ["personAnnualEvent", "skillProficiency", "workPosition"]
    assert facets_held_otherwise(tmp_path, facets) == []
    (tmp_path / SERVED_METADATA).write_bytes(USNAT_PATH.read_bytes())
    assert facets_held_otherwise(tmp_path, facets) == [
        ("personAnnualEvent", "personAnniversary", "anniversaries")
    ]
    (tmp_path / SERVED_METADATA).write_bytes(PROD_PATH.read_bytes())
    assert facets_held_otherwise(tmp_path, facets) == []
