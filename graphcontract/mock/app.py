"""The reference mock's HTTP face: routes, auth, media types, Graph's headers and error envelope.

``build_app`` returns a Starlette app with one ``PositionStore`` (``state.py``, which owns the
PATCH semantics) per facet it serves (``facets.py``). Check order for PATCH: auth (401/403) →
user → method (405) → unknown item (404) → Content-Type (415, or 400 by gray choice) → JSON
(400) → body validation (400) → apply (200 with the whole object).
"""

from __future__ import annotations

import asyncio
import codecs
import gzip
import hashlib
import http
import json
import math
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graphcontract.errors import UsageError
from graphcontract.mock.facets import served_facets
from graphcontract.mock.faults import LOST_UPDATE_WINDOW_S
from graphcontract.mock.gray import GrayChoices
from graphcontract.mock.metadata_route import metadata_route
from graphcontract.mock.state import PositionStore, graph_now
from graphcontract.mock.walk import generated
from graphcontract.types import JSON, JSONObject

DEFAULT_READONLY_TOKEN = "graphcontract-readonly"
GRAPH_SERVICE_ROOT = "https://graph.microsoft.com/beta/"
REFERENCE_CHOICES = GrayChoices()
ROUTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_COLLECTION_METHODS = ("GET", "HEAD")
_ITEM_METHODS = ("GET", "HEAD", "PATCH")


def build_app(
    *,
    seed: JSONObject | None = None,
    faults: Iterable[str] = (),
    gray: GrayChoices = REFERENCE_CHOICES,
    readonly_token: str = DEFAULT_READONLY_TOKEN,
) -> Starlette:
    """The mock as an ASGI app serving every facet of the selected metadata
    (``mock/facets.py``), workPosition seeded from ``seed`` (default: the contract's mock seed)."""
    facets = served_facets(seed)
    if not facets:
        raise UsageError("the metadata gives profile no facet the mock has a seed for")
    routes = []
    mocks = []
    for facet in facets:
        store = PositionStore(facet.contract, facet.seed, gray=gray, faults=faults)
        mock = _Mock(store, readonly_token, facet.segment)
        mocks.append(mock)
        base = f"/profile/{facet.segment}"
        routes += [
            Route(f"/me{base}", mock.collection, methods=ROUTED_METHODS),
            Route(f"/me{base}/{{position_id}}", mock.item, methods=ROUTED_METHODS),
            Route(f"/users/{{user}}{base}", mock.collection, methods=ROUTED_METHODS),
            Route(f"/users/{{user}}{base}/{{position_id}}", mock.item, methods=ROUTED_METHODS),
        ]
    routes.append(metadata_route())
    first = mocks[0]
    return Starlette(
        routes=routes,
        exception_handlers={404: first.no_route, 405: first.no_method, Exception: first.crashed},
    )


class _Mock:
    """Endpoints and response helpers over one store."""

    def __init__(self, store: PositionStore, readonly_token: str, segment: str) -> None:
        self.store = store
        self.faults = store.faults
        self.gray = store.gray
        self.readonly_token = readonly_token
        self.context = f"{GRAPH_SERVICE_ROOT}$metadata#users('{store.user_id}')/profile/{segment}"

    # -- endpoints ----------------------------------------------------------------------
    async def collection(self, request: Request) -> Response:
        refused = self._gate(request, _COLLECTION_METHODS)
        if refused is not None:
            return refused
        body: JSONObject = {"value": [self._made_up(p) for p in self.store.listing()]}
        if self.gray.odata_context:
            body = {"@odata.context": self.context, **body}
        return self._json(request, 200, body, self.gray.content_type)

    async def item(self, request: Request) -> Response:
        refused = self._gate(request, _ITEM_METHODS)
        if refused is not None:
            return refused
        position_id = request.path_params["position_id"]
        if request.method != "PATCH":
            found = self.store.get(position_id)
            if found is None:
                return self._not_found(request, position_id)
            return self._entity(request, self._made_up(found), patch=False)
        if not self.store.has(position_id) and "unknown-id-upsert" not in self.faults:
            return self._not_found(request, position_id)
        content_type = request.headers.get("content-type")
        not_json = not _is_json_media_type(content_type) or (
            "media-parameters-refused" in self.faults and ";" in (content_type or "")
        )
        if "any-content-type" not in self.faults and not_json:
            return self._error(
                request,
                self.gray.media_type_status,
                "UnsupportedMediaType" if self.gray.media_type_status == 415 else "BadRequest",
                f"Content-Type {content_type or '(none)'} is not supported; send application/json.",
            )
        try:
            body = _parse_json(await request.body())
        except ValueError as exc:
            return self._error(request, 400, "BadRequest", f"Invalid JSON in the body: {exc}")
        if "lost-update" in self.faults:
            read = self.store.copy_of(position_id)
            await asyncio.sleep(LOST_UPDATE_WINDOW_S)  # other requests are served meanwhile
            outcome = self.store.patch(position_id, body, read=read)
        else:
            outcome = self.store.patch(position_id, body)
        if outcome.status != 200 or outcome.body is None:
            return self._error(request, outcome.status, outcome.code, outcome.message)
        if "patch-returns-204" in self.faults and "user" not in request.path_params:
            return self._send(request, 204, b"", None)
        return self._entity(request, outcome.body, patch=True)

    async def no_route(self, request: Request, exc: Exception) -> Response:
        return self._error(request, 404, "itemNotFound", f"No resource at {request.url.path}.")

    async def no_method(self, request: Request, exc: Exception) -> Response:
        allowed = _ITEM_METHODS if "position_id" in request.path_params else _COLLECTION_METHODS
        return self._method_not_allowed(request, allowed)

    async def crashed(self, request: Request, exc: Exception) -> Response:
        return self._error(request, 500, "generalException", "An internal error occurred.")

    # -- checks -------------------------------------------------------------------------
    def _gate(self, request: Request, allowed: tuple[str, ...]) -> Response | None:
        """Auth, then the user segment, then the method: the first refusal, or None."""
        header = request.headers.get("authorization")
        if header is None:
            if "auth-optional" not in self.faults:
                return self._unauthenticated(request, "Access token is empty.")
        else:
            scheme, _, token = header.strip().partition(" ")
            unusable = scheme.lower() != "bearer" or not token.strip()
            if unusable and "auth-any-scheme" not in self.faults:
                return self._unauthenticated(request, "Access token validation failure.")
            if (
                request.method == "PATCH"
                and token.strip() == self.readonly_token
                and "scope-ignored" not in self.faults
            ):
                message = "Insufficient privileges to complete the operation."
                return self._error(request, 403, "accessDenied", message)
        user = request.path_params.get("user")
        if user is not None and self._refuses_token_for(user):
            return self._unauthenticated(request, "Access token validation failure.")
        if user is not None and not self._known_user(user):
            return self._error(request, 404, "itemNotFound", f"User {user} not found.")
        if request.method not in allowed:
            return self._method_not_allowed(request, allowed)
        return None

    def _refuses_token_for(self, user: str) -> bool:
        """``users-upn-401``: the caller's userPrincipalName form answers 401 to a token the
        other forms accept (a per-route auth configuration that rejects it)."""
        return (
            "users-upn-401" in self.faults
            and user.casefold() == self.store.user_principal_name.casefold()
        )

    def _known_user(self, user: str) -> bool:
        if "users-ignores-user" in self.faults:
            return True
        wanted = user.casefold()
        if wanted == self.store.user_id.casefold():
            return True
        upn = wanted == self.store.user_principal_name.casefold()
        return upn and "users-upn-404" not in self.faults

    # -- responses ----------------------------------------------------------------------
    def _made_up(self, position: JSONObject) -> JSONObject:
        """A read as the generated-answers fault answers it: made up afresh every time."""
        if "generated-answers" not in self.faults:
            return position
        return generated(self.store.contract, position)

    def _entity(self, request: Request, position: JSONObject, *, patch: bool) -> Response:
        body = dict(position)
        if "wrong-response-id" in self.faults and isinstance(body.get("id"), str):
            body["id"] = body["id"].upper()
        if self.gray.annotate:
            body = annotated(body)
        for name, value in body.items():
            if name.endswith("DateTime") and isinstance(value, str):
                body[name] = self._timestamp(value, patch=patch)
        if self.gray.etag_and_tips:
            body = {"@odata.etag": _etag(position), **body, "@microsoft.graph.tips": TIPS}
        if self.gray.odata_context:
            body = {"@odata.context": f"{self.context}/$entity", **body}
        content_type = self.gray.content_type
        if patch and "wrong-content-type" in self.faults:
            content_type = "text/plain; charset=utf-8"
        return self._json(request, 200, body, content_type)

    def _timestamp(self, value: str, *, patch: bool) -> str:
        """A stored ``…Z`` stamp as this variant writes it: ``+00:00`` in PATCH answers
        (offset_timestamps), another offset naming the same instant (local_time_offsets)."""
        if not value.endswith("Z"):
            return value
        if patch and self.gray.offset_timestamps:
            return value.removesuffix("Z") + "+00:00"
        if self.gray.local_time_offsets:
            return _in_offset(value, LOCAL_OFFSET)
        return value

    def _json(self, request: Request, status: int, body: JSON, content_type: str) -> Response:
        content = _encode(body, dotnet_doubles=self.gray.dotnet_doubles)
        return self._send(request, status, content, content_type)

    def _send(
        self,
        request: Request,
        status: int,
        content: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> Response:
        all_headers = {
            "request-id": request_id or str(uuid.uuid4()),
            "client-request-id": _client_request_id(request),
            "Date": formatdate(usegmt=True),
            **(headers or {}),
        }
        if content_type is not None:
            all_headers["Content-Type"] = content_type
            if "bom-in-json" in self.faults and content and _is_json_media_type(content_type):
                content = codecs.BOM_UTF8 + content
        accepted = request.headers.get("accept-encoding", "").lower()
        if self.gray.gzip and content and "gzip" in accepted:
            content = gzip.compress(content)
            all_headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return Response(content, status_code=status, headers=all_headers)

    def _error(
        self,
        request: Request,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if 400 <= status < 500 and "plain-text-errors" in self.faults:
            phrase = http.HTTPStatus(status).phrase.encode("ascii")
            return self._send(request, status, phrase, "text/plain; charset=utf-8", headers)
        request_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": _client_request_id(request),
                },
            }
        }
        payload = _encode(envelope)
        return self._send(
            request, status, payload, self.gray.content_type, headers, request_id=request_id
        )

    def _unauthenticated(self, request: Request, message: str) -> Response:
        return self._error(request, 401, "InvalidAuthenticationToken", message)

    def _not_found(self, request: Request, position_id: str) -> Response:
        if "unknown-id-500" in self.faults:
            return self._error(request, 500, "generalException", "An internal error occurred.")
        entity = self.store.contract.entity.name
        return self._error(request, 404, "itemNotFound", f"{entity} {position_id} not found.")

    def _method_not_allowed(self, request: Request, allowed: tuple[str, ...]) -> Response:
        return self._error(
            request,
            405,
            "notAllowed",
            f"{request.method} is not supported on {request.url.path}.",
            headers={"Allow": ", ".join(allowed)},
        )


def _client_request_id(request: Request) -> str:
    """The caller's client-request-id, echoed; a fresh one when it sent none."""
    sent = getattr(request.state, "client_request_id", None)
    if sent is None:
        sent = request.headers.get("client-request-id") or str(uuid.uuid4())
        request.state.client_request_id = sent
    return str(sent)


def _is_json_media_type(value: str | None) -> bool:
    return bool(value) and str(value).split(";")[0].strip().lower() == "application/json"


def _encode(body: JSON, *, dotnet_doubles: bool = False) -> bytes:
    """Compact UTF-8 JSON; lone surrogates a client sent come back as \\u escapes. With
    ``dotnet_doubles`` a Double is written as .NET writes it (``1E-05``, ``3`` for 3.0)."""
    if dotnet_doubles:
        body = _doubles_marked(body)
    try:
        text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raw = json.dumps(body, allow_nan=False, separators=(",", ":")).encode("ascii")
    return _DOUBLE_MARK.sub(rb"\1", raw) if dotnet_doubles else raw


_DOUBLE_MARK = re.compile(rb'"\\u0000double:([0-9E+\-.]+)"')
"""Where _doubles_marked left a Double's .NET text inside a JSON string, to be unquoted."""


def _doubles_marked(value: JSON) -> JSON:
    """``value`` with every float replaced by a marked string holding its .NET text."""
    if isinstance(value, dict):
        return {k: _doubles_marked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_doubles_marked(v) for v in value]
    if isinstance(value, float) and math.isfinite(value):
        whole = value.is_integer() and abs(value) < 1e15
        return "\x00double:" + (str(int(value)) if whole else repr(value).replace("e", "E"))
    return value


LOCAL_OFFSET = timedelta(hours=5, minutes=30)
TIPS = (
    "Use $select to choose only the properties your app needs, as this can lead to "
    "performance improvements. For example: GET me/profile/positions('<key>')?$select=detail"
)
"""Graph's ``@microsoft.graph.tips`` annotation, in the shape Graph writes it."""


def _in_offset(stamp: str, offset: timedelta) -> str:
    """A ``…Z`` stamp written at ``offset``, fraction digits kept: the same instant."""
    head, dot, rest = stamp.removesuffix("Z").partition(".")
    moment = datetime.fromisoformat(head).replace(tzinfo=UTC).astimezone(timezone(offset))
    hours, minutes = divmod(int(offset.total_seconds()) // 60, 60)
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}{dot}{rest}+{hours:02d}:{minutes:02d}"


def _etag(position: JSONObject) -> str:
    """A weak etag that changes with every write (from lastModifiedDateTime)."""
    stamp = str(position.get("lastModifiedDateTime", ""))
    return f'W/"{hashlib.sha256(stamp.encode()).hexdigest()[:16]}"'


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"{text} is out of range for a double")
    return number


def _parse_json(raw: bytes) -> JSON:
    """The body as JSON; ValueError when it is not (empty, not UTF-8, NaN, 1e999, trailing data)."""
    return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite)


def annotated(position: JSONObject) -> JSONObject:
    """``position`` with property annotations and an instance annotation that changes with
    every answer (the gray variant's ``annotate``)."""
    body: JSONObject = {"@graphcontract.answeredAt": graph_now(), **position}
    body["createdDateTime@odata.type"] = "#DateTimeOffset"
    if isinstance(body.get("detail"), dict) and "startMonthYear" in body["detail"]:
        body["detail"] = {**body["detail"], "startMonthYear@odata.type": "#Date"}
    return body
