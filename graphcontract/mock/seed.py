"""The mock's seed: the user and positions it starts from, checked against the contract
(``graphcontract mock --seed FILE`` and every mock process)."""

from __future__ import annotations

import json
from pathlib import Path

from graphcontract.contract import Contract, load_contract
from graphcontract.errors import UsageError
from graphcontract.types import JSON, JSONObject


def seed_errors(contract: Contract, seed: JSON) -> list[str]:
    """Why ``seed`` cannot start the mock (empty when it can)."""
    if not isinstance(seed, dict):
        return ["the seed must be a JSON object with 'user' and 'positions'"]
    problems = []
    user = seed.get("user")
    if not (
        isinstance(user, dict)
        and isinstance(user.get("id"), str)
        and isinstance(user.get("userPrincipalName"), str)
    ):
        problems.append("'user' must be an object with string 'id' and 'userPrincipalName'")
    positions = seed.get("positions")
    if not isinstance(positions, list) or not positions:
        return [*problems, "'positions' must be a non-empty list of workPosition objects"]
    for index, position in enumerate(positions):
        for error in contract.response_errors(position):
            problems.append(f"positions[{index}]: {error}")
    ids = [p.get("id") for p in positions if isinstance(p, dict)]
    if len(set(ids)) != len(ids):
        problems.append("position ids must be unique")
    return problems


def load_seed(path: str) -> JSONObject:
    """A seed file, checked against the contract; UsageError when unusable."""
    try:
        seed = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read seed file {path}: {exc}") from exc
    problems = seed_errors(load_contract(), seed)
    if problems:
        raise UsageError(f"seed file {path} is unusable: {problems[0]}")
    return dict(seed)
