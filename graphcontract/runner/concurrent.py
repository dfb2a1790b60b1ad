"""Writes sent at the same moment: the harness's one place where requests go in parallel.

Two PATCHes are released together by one barrier, each from its own thread. The state
machine's step of two PATCHes at once (``runner.statemachine``) sends them and holds the
state after both to the model: whichever order the service applies them in, both are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from graphcontract.client import Exchange
from graphcontract.runner.target import Target
from graphcontract.types import JSONObject

RELEASE_TIMEOUT_S = 30.0
"""How long a sending thread waits for the other before giving up (a thread that never
starts, not a slow target: the target's own timeout applies to each request)."""


def send_together(target: Target, bodies: Sequence[JSONObject]) -> list[Exchange]:
    """PATCH every body from its own thread, all released by one barrier; in body order."""
    barrier = threading.Barrier(len(bodies))

    def send(body: JSONObject) -> Exchange:
        barrier.wait(RELEASE_TIMEOUT_S)
        return target.patch(body)

    with ThreadPoolExecutor(max_workers=len(bodies), thread_name_prefix="together") as pool:
        return list(pool.map(send, bodies))
