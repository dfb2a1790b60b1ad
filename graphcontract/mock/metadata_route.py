"""``GET /$metadata`` on the mock: the CSDL document its contract was read from.

The mock answers the document selected for its process (``--metadata``, else the bundled
Graph beta (Prod) profile subset), as Graph answers ``GET /beta/$metadata``: anonymously,
as ``application/xml``. A run asks for it to learn which schema the service keeps
(``graphcontract.runner.target_schema``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graphcontract.metadata_option import METADATA_PATH, selected_metadata


def metadata_route() -> Route:
    """The route answering the selected document (read once, when the app is built)."""
    document = selected_metadata().read_bytes()

    async def metadata(request: Request) -> Response:
        body = b"" if request.method == "HEAD" else document
        headers = {"Content-Length": str(len(document))}
        return Response(body, 200, headers=headers, media_type="application/xml")

    return Route(METADATA_PATH, metadata, methods=["GET", "HEAD"])
