"""The pages that show a run judging every clause against the reference mock name the values
the mock really has: its seed's user (id and userPrincipalName) and its read-only token."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphcontract.contract import load_contract
from graphcontract.mock.app import DEFAULT_READONLY_TOKEN

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("page", ["docs/mock.md", "docs/ci-gate.md"])
def test_the_run_against_the_mock_names_its_real_user_and_read_only_token(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    user = load_contract().seed["user"]
    for value in (user["id"], user["userPrincipalName"]):
        assert f"--user {value}" in text, value
    assert f"GRAPH_READONLY_TOKEN={DEFAULT_READONLY_TOKEN}" in text
    assert "--readonly-token-env GRAPH_READONLY_TOKEN" in text
