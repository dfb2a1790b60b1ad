"""The bearer check Connexion's mock calls (``x-bearerInfoFunc`` in the spec the tests hand it).

Connexion refuses every request of a ``bearer`` scheme that names no such function; a mock
that stands in for Graph takes any non-empty token, as a user of Connexion would set it up.
"""

from __future__ import annotations


def token_info(token: str) -> dict[str, object] | None:
    """Any non-empty bearer token is valid; None makes Connexion answer 401."""
    return {"sub": "graphcontract-test", "scope": []} if token else None
