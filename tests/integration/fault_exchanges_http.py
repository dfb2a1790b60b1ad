"""Scripted exchanges of the faults of the HTTP face (authentication, media types, unknown
ids, bodies that are not objects), for ``fault_exchanges.EXCHANGES``."""

from __future__ import annotations

import uuid
from typing import Any

from .conftest import MockClient

PROBE = {"detail": {"jobTitle": "Fault probe"}}


def job_title(client: MockClient) -> str:
    return str(client.get()["detail"]["jobTitle"])


def without_auth(client: MockClient) -> Any:
    response = client.anonymous("PATCH", client.path(), json=PROBE)
    return response.status_code, job_title(client) == "Fault probe"


def without_a_bearer_token(client: MockClient) -> Any:
    sent = ("Basic Z3JhcGhjb250cmFjdDpwcm9iZQ==", "Bearer", "")
    statuses = [client.patch(PROBE, headers={"Authorization": a}).status_code for a in sent]
    return statuses, job_title(client) == "Fault probe"


def readonly_token(client: MockClient) -> Any:
    auth = {"Authorization": f"Bearer {client.mock.readonly_token}"}
    read = client.http.get(client.path(), headers=auth).status_code
    write = client.patch(PROBE, headers=auth).status_code
    return read, write, job_title(client) == "Fault probe"


def text_plain(client: MockClient) -> Any:
    content = b'{"detail": {"jobTitle": "Fault probe"}}'
    plain = client.patch(content=content, headers={"Content-Type": "text/plain"}).status_code
    return plain, job_title(client) == "Fault probe"


def charset_json(client: MockClient) -> Any:
    content = b'{"detail": {"jobTitle": "Fault probe"}}'
    plain = client.patch(content=content, headers={"Content-Type": "application/json"})
    probe = b'{"detail": {"jobTitle": "Charset probe"}}'
    charset = client.patch(
        content=probe, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    return plain.status_code, charset.status_code, job_title(client)


def unknown_id(client: MockClient) -> Any:
    unknown = str(uuid.uuid4())
    patched = client.patch({"isCurrent": True}, position_id=unknown).status_code
    read = client.http.get(client.path(unknown)).status_code
    return patched, read, len(client.http.get("/me/profile/positions").json()["value"])


def non_objects(client: MockClient) -> Any:
    before = client.get()
    headers = {"Content-Type": "application/json"}
    statuses = [
        client.patch(content=c, headers=headers).status_code
        for c in (b"[]", b'"x"', b"1", b"true", b"null")
    ]
    malformed = client.patch(content=b"{", headers=headers).status_code
    return statuses, malformed, client.get() == before
