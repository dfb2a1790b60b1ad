"""``GET /$metadata`` on the mock: the CSDL document its contract was read from.

The mock answers the document selected for its process (``--metadata``, else the bundled
Graph beta (Prod) profile subset), as Graph answers ``GET /beta/$metadata``: anonymously,
as ``application/xml``. A run asks for it to learn which schema the service keeps
(``graphcontract.runner.target_schema``).
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graphcontract.contract import METADATA_ENV, contracts_dir
from graphcontract.contract_source import BUNDLED_METADATA

METADATA_PATH = "/$metadata"


def selected_metadata() -> Path:
    """The CSDL file this process's contract is read from."""
    selected = os.environ.get(METADATA_ENV)
    return Path(selected) if selected else contracts_dir() / BUNDLED_METADATA


def metadata_route() -> Route:
    """The route answering the selected document (read once, when the app is built)."""
    document = selected_metadata().read_bytes()

    async def metadata(request: Request) -> Response:
        body = b"" if request.method == "HEAD" else document
        headers = {"Content-Length": str(len(document))}
        return Response(body, 200, headers=headers, media_type="application/xml")

    return Route(METADATA_PATH, metadata, methods=["GET", "HEAD"])
