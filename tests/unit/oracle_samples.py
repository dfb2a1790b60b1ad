"""What the oracle tests share: the contract, the seed position, and recorded exchanges."""

from __future__ import annotations

import json
from typing import Any

from graphcontract.client import Exchange, RecordedRequest, RecordedResponse
from graphcontract.contract import load_contract

CONTRACT = load_contract()
SEED = CONTRACT.seed["positions"][0]
JSON_TYPE = "application/json;odata.metadata=minimal;charset=utf-8"


def exchange(
    status: int,
    body: Any,
    *,
    content_type: str = JSON_TYPE,
    sent: bytes = b"{}",
    headers: tuple[tuple[str, str], ...] = (),
) -> Exchange:
    """A recorded PATCH answered ``status`` with ``body`` (bytes as they are, else JSON)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        RecordedRequest("PATCH", "http://127.0.0.1/me/profile/positions/x", (), sent),
        RecordedResponse(status, (("content-type", content_type), *headers), raw, 0.001),
    )
