"""``--dry-run`` names the position the run will modify in the run's own words: without
--position-id, the last one GET /me/profile/positions lists, the one the run chooses."""

from __future__ import annotations

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.mock.app import DEFAULT_READONLY_TOKEN
from graphcontract.mock.process import MockProcess
from graphcontract.runner.config import DISCOVERED_POSITION, RunConfig
from graphcontract.runner.target import discover_position
from tests.resilience.conftest import output, run_cli


def test_dry_run_without_position_id_names_the_last_listed_position():
    result = run_cli("run", "--dry-run", "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 0, output(result)
    (line,) = (s for s in result.stdout.splitlines() if s.strip().startswith("position"))
    assert DISCOVERED_POSITION in line
    assert "first" not in line


def test_dry_run_on_the_bundled_mock_names_its_position_users_and_read_only_token():
    """The bundled mock's seed is known before it starts: the dry run names the values."""
    seed = load_contract().seed
    result = run_cli("run", "--dry-run")
    assert result.returncode == 0, output(result)
    lines = {s.split()[0]: s for s in result.stdout.splitlines()[:12] if s.strip()}
    assert seed["positions"][-1]["id"] in lines["position"]
    assert seed["user"]["id"] in lines["users"]
    assert seed["user"]["userPrincipalName"] in lines["users"]
    assert DEFAULT_READONLY_TOKEN in lines["read-only"]


def test_the_run_chooses_the_position_the_dry_run_names(shared_mock: MockProcess):
    assert len(shared_mock.position_ids) > 1, "the seed must list several positions"
    with GraphClient(shared_mock.base_url, token="any") as client:
        loopback = RunConfig(base_url=shared_mock.base_url).is_loopback
        chosen = discover_position(client, load_contract(), loopback=loopback)
    assert "last" in DISCOVERED_POSITION
    assert chosen == shared_mock.position_ids[-1]


def test_dry_run_lists_the_listing_gets_the_run_sends():
    chosen = run_cli("run", "--dry-run").stdout
    named = run_cli("run", "--dry-run", "--position-id", "pos-1").stdout
    listing = "GET   /me/profile/positions  first: the listing the position is chosen from"
    assert listing in chosen
    assert listing not in named
    for text in (chosen, named):
        assert "GET   /me/profile/positions  before the first write and at the end" in text
