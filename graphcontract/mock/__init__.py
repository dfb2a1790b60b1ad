"""The reference mock of every profile facet's Update API (workPosition, skillProficiency, …):
a stateful Starlette app on uvicorn.

``build_app`` (app.py) gives the ASGI app; ``served_facets`` (facets.py) what it serves;
``PositionStore`` (state.py) one facet's PATCH semantics; ``GrayChoices`` (gray.py) the
gray-zone answers; ``FAULTS`` (faults.py) the one-behaviour breakages and ``fault_sites``
(fault_sites.py) where each acts in a facet; ``MockProcess`` (process.py) a running mock on
a loopback port; cli.py the ``graphcontract mock`` subcommand.
"""

from __future__ import annotations

from graphcontract.mock.app import DEFAULT_READONLY_TOKEN, build_app
from graphcontract.mock.faults import FAULTS, Fault
from graphcontract.mock.gray import GrayChoices
from graphcontract.mock.process import MockProcess, free_port
from graphcontract.mock.state import Outcome, PositionStore

__all__ = [
    "DEFAULT_READONLY_TOKEN",
    "FAULTS",
    "Fault",
    "GrayChoices",
    "MockProcess",
    "Outcome",
    "PositionStore",
    "build_app",
    "free_port",
]
