"""The scripted exchange of every mock fault: a few requests over real HTTP that return an
observable, with what the conforming mock and the faulty mock must give
(``test_mock_faults`` runs them)."""

from __future__ import annotations

import codecs
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from graphcontract.contract import load_contract
from graphcontract.mock.faults import (
    LONG_STRING,
    LONG_VALUE_LIMITS,
    REFUSED_AUDIENCE_MEMBER,
)

from .conftest import MockClient
from .fault_exchanges_http import (
    PROBE,
    charset_json,
    job_title,
    non_objects,
    readonly_token,
    text_plain,
    unknown_id,
    without_a_bearer_token,
    without_auth,
)
from .fault_exchanges_stored import WORK_POSITION, moved_by_id, stored_as_sent

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
UNICODE_TITLE = "Générale 東京 ✓"


@dataclass(frozen=True)
class Exchange:
    """A scripted exchange and what it observes on the conforming and the faulty mock."""

    run: Callable[[MockClient], Any]
    conforming: Any
    faulty: Any


def _patch_via_me_and_users(client: MockClient) -> Any:
    me = client.patch({"detail": {"jobTitle": "via me"}})
    stored = job_title(client)
    users = client.patch({"detail": {"jobTitle": "via users"}}, via="id")
    return me.status_code, me.content == b"", stored, users.status_code


def _users_paths(client: MockClient) -> Any:
    return (
        client.http.get(client.path(via="id")).status_code,
        client.http.get(client.path(via="upn")).status_code,
        client.patch(PROBE, via="upn").status_code,
    )


def _someone_else(client: MockClient) -> Any:
    path = f"/users/{uuid.uuid4()}/profile/positions/{client.position_id}"
    return client.http.patch(path, json=PROBE).status_code, job_title(client) == "Fault probe"


def _other_position(client: MockClient) -> Any:
    second = client.mock.position_ids[1]
    before = client.get(second)["detail"]["jobTitle"]
    client.patch(PROBE)
    return client.get(second)["detail"]["jobTitle"] == before


def _every_audience(client: MockClient) -> Any:
    members = load_contract().enums["allowedAudiences"].sendable_members
    return [m for m in members if client.patch({"allowedAudiences": m}).status_code != 200]


def _bogus_audience(client: MockClient) -> Any:
    bogus = client.patch({"allowedAudiences": "bogus"}).status_code
    number = client.patch({"allowedAudiences": True}).status_code
    return bogus, number, client.get()["allowedAudiences"]


def _bogus_nested_enums(client: MockClient) -> Any:
    return (
        client.patch({"manager": {"relationship": "boss"}}).status_code,
        client.patch({"colleagues": [{"relationship": "boss"}]}).status_code,
        client.patch({"detail": {"company": {"address": {"type": "moon"}}}}).status_code,
        client.patch({"allowedAudiences": "bogus"}).status_code,
    )


def _stringly_typed(client: MockClient) -> Any:
    statuses = (
        client.patch({"isCurrent": "false"}).status_code,
        client.patch({"inference": {"confidenceScore": "0.25"}}).status_code,
        client.patch({"detail": {"layer": "3"}}).status_code,
        client.patch({"detail": {"jobTitle": 42}}).status_code,
        client.patch({"isCurrent": "maybe"}).status_code,
    )
    after = client.get()
    detail = after["detail"]
    return statuses, after["isCurrent"], after["inference"]["confidenceScore"], detail["jobTitle"]


def _read_only_body(client: MockClient) -> Any:
    before = client.get()
    response = client.patch(
        {
            "id": "other",
            "createdDateTime": "2001-01-01T00:00:00Z",
            "createdBy": {"user": {"displayName": "Mallory", "id": "m"}},
            "isCurrent": False,
        }
    )
    after = client.get()
    kept = [n for n in ("id", "createdDateTime", "createdBy") if after[n] == before[n]]
    return response.status_code, kept


def _mixed_body(client: MockClient) -> Any:
    status = client.patch({"detail": {"jobTitle": "Half"}, "allowedAudiences": "bogus"})
    return status.status_code, job_title(client) == "Half"


def _timestamps(client: MockClient) -> Any:
    read = client.get()
    patched = client.patch({"isCurrent": False}).json()
    return [
        bool(ISO.fullmatch(v)) for v in (read["createdDateTime"], patched["lastModifiedDateTime"])
    ]


def _undeclared(client: MockClient) -> Any:
    """The properties the metadata does not declare, in a GET and in a PATCH answer."""
    contract = load_contract()
    read, patched = client.get(), client.patch({"isCurrent": False}).json()
    return [contract.undeclared_in_response(body) for body in (read, patched)]


def _content_types(client: MockClient) -> Any:
    media = [
        client.patch({"isCurrent": False}).headers["content-type"].split(";")[0],
        client.http.get(client.path()).headers["content-type"].split(";")[0],
    ]
    return media, client.patch({"isCurrent": False}).status_code


def _ids(client: MockClient) -> Any:
    listing = [p["id"] for p in client.http.get("/me/profile/positions").json()["value"]]
    return (
        client.patch({"isCurrent": False}).json()["id"] == client.position_id,
        client.get()["id"] == client.position_id,
        listing[0] == client.position_id,
    )


def _unicode(client: MockClient) -> Any:
    answered = client.patch({"detail": {"jobTitle": UNICODE_TITLE}}).json()["detail"]["jobTitle"]
    return answered, job_title(client)


def _long_values(client: MockClient) -> Any:
    chars, items = LONG_VALUE_LIMITS
    body = {"detail": {"jobTitle": "x" * (chars + 1)}, "categories": ["c"] * (items + 1)}
    answer = client.patch(body).json()
    return len(answer["detail"]["jobTitle"]), len(answer["categories"])


def _omitted(client: MockClient) -> Any:
    before = client.get()
    after = client.patch({"isCurrent": False}).json()
    return after["detail"] == before["detail"], after["categories"] == before["categories"]


def _nested_partial(client: MockClient) -> Any:
    detail = client.patch({"detail": {"jobTitle": "X"}}).json()["detail"]
    return detail["role"], (detail["company"] or {}).get("displayName")


def _collections(client: MockClient) -> Any:
    return client.patch({"categories": ["a", "b"]}).json()["categories"]


def _nulls(client: MockClient) -> Any:
    client.patch({"manager": None, "detail": {"company": {"officeLocation": None}}})
    after = client.get()
    return after["manager"] is None, after["detail"]["company"]["officeLocation"]


def _nested_boolean_null(client: MockClient) -> Any:
    client.patch({"inference": {"userHasVerifiedAccuracy": True}, "isCurrent": True})
    client.patch({"inference": {"userHasVerifiedAccuracy": None}, "isCurrent": None})
    after = client.get()
    client.patch({"isCurrent": True})
    return after["inference"]["userHasVerifiedAccuracy"], after["isCurrent"]


def _partial_defaults(client: MockClient) -> Any:
    inference = {"confidenceScore": 0.5, "userHasVerifiedAccuracy": True}
    address = {"type": "business", "city": "A"}
    client.patch({"inference": inference, "detail": {"company": {"address": address}}})
    answer = client.patch(
        {"inference": {"confidenceScore": 0.6}, "detail": {"company": {"address": {"city": "B"}}}}
    ).json()
    return (
        answer["inference"]["userHasVerifiedAccuracy"],
        answer["detail"]["company"]["address"]["type"],
    )


def _foreign_enum_members(client: MockClient) -> Any:
    return (
        client.patch({"allowedAudiences": "manager"}).status_code,
        client.patch({"detail": {"company": {"address": {"type": "me"}}}}).status_code,
        client.patch({"allowedAudiences": "bogus"}).status_code,
    )


def _modifier_from_body(client: MockClient) -> Any:
    spoof = {"application": {"displayName": "spoofed app", "id": "spoof"}}
    answer = client.patch({"lastModifiedBy": spoof, "detail": {"jobTitle": "t"}}).json()
    stored = client.get()["lastModifiedBy"]
    return (
        "spoofed app" in str(answer["lastModifiedBy"]),
        "spoofed app" in str(stored),
        stored["user"],
    )


def _last_modified_moves(client: MockClient) -> Any:
    before = client.get()["lastModifiedDateTime"]
    after = client.patch({"isCurrent": False}).json()["lastModifiedDateTime"]
    return after > before


def _stamps_of_two_writes_apart(client: MockClient) -> Any:
    first = client.patch({"isCurrent": False}).json()["lastModifiedDateTime"]
    time.sleep(1.1)
    second = client.patch({"isCurrent": True}).json()["lastModifiedDateTime"]
    return second > first


def _partial_over_null(client: MockClient) -> Any:
    client.patch({"detail": None})
    detail = client.patch({"detail": {"jobTitle": "Over null"}}).json()["detail"]
    return detail["jobTitle"], detail.get("company") is None


def _back_to_back(client: MockClient) -> Any:
    client.get()
    client.patch({"detail": {"jobTitle": "First"}})
    second = client.patch({"isCurrent": False}).json()
    return second["detail"]["jobTitle"], job_title(client)


def _at_once(client: MockClient) -> Any:
    bodies = ({"detail": {"jobTitle": "At once"}}, {"categories": ["at once"]})
    with ThreadPoolExecutor(2) as pool:
        statuses = [r.status_code for r in pool.map(client.patch, bodies)]
    kept = [job_title(client) == "At once", client.get()["categories"] == ["at once"]]
    return statuses, sorted(kept)  # which of the two a lost update erases is a race


def _defaults_after_a_change(client: MockClient) -> Any:
    """A restatement (nothing changes), then a change and the old value written back."""
    address = {"type": "business", "city": "A"}
    client.patch({"detail": {"company": {"address": address}}})
    kinds = [client.patch({"detail": {"company": {"address": {"city": "A"}}}}).json()]
    for city in ("a", "A"):
        kinds.append(client.patch({"detail": {"company": {"address": {"city": city}}}}).json())
    return [kind["detail"]["company"]["address"]["type"] for kind in kinds]


def _flags_then_another_write(client: MockClient) -> Any:
    answered = client.patch({"allowedAudiences": "family,contacts"}).json()["allowedAudiences"]
    client.patch({"detail": {"jobTitle": "After the flags"}})
    return answered, client.get()["allowedAudiences"]


def _created_stays(client: MockClient) -> Any:
    before = client.get()["createdDateTime"]
    return client.patch({"isCurrent": False}).json()["createdDateTime"] == before


def _persisted(client: MockClient) -> Any:
    answered = client.patch(PROBE).json()["detail"]["jobTitle"]
    return answered, job_title(client)


def _reads_alike(client: MockClient) -> Any:
    """Two reads in a row alike; a PATCH's answer; whether a read then shows it."""
    first, second = client.get(), client.get()
    answered = client.patch(PROBE).json()["detail"]["jobTitle"]
    return first == second, answered, job_title(client) == "Fault probe"


def _error_bodies(client: MockClient) -> Any:
    bad = client.patch({"allowedAudiences": "bogus"})
    anonymous = client.anonymous("GET", client.path())
    return [
        (r.status_code, r.headers["content-type"].split(";")[0], r.text.startswith("{"))
        for r in (bad, anonymous)
    ]


def _byte_order_marks(client: MockClient) -> Any:
    read = client.http.get(client.path())
    refused = client.patch({"allowedAudiences": "bogus"})
    return [(r.status_code, r.content.startswith(codecs.BOM_UTF8)) for r in (read, refused)]


def _long_strings(client: MockClient) -> Any:
    responses = (
        client.patch({"detail": {"jobTitle": "x" * LONG_STRING}}),
        client.patch({"detail": {"jobTitle": "x" * (LONG_STRING + 1)}}),
        client.patch({"allowedAudiences": "y" * (LONG_STRING + 1)}),
    )
    return [
        (r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else None)
        for r in responses
    ]


def _nul_strings(client: MockClient) -> Any:
    """U+0000 in a string, nested and in a collection; then a string without one."""
    return [
        client.patch(body).status_code
        for body in (
            {"detail": {"jobTitle": "a\x00b"}},
            {"categories": ["\x00"]},
            {"detail": {"jobTitle": "a b"}},
        )
    ]


def _annotated(client: MockClient) -> Any:
    """@odata.type that agrees with the metadata, at the top and nested; then none."""
    return [
        client.patch(body).status_code
        for body in (
            {"@odata.type": "#microsoft.graph.workPosition", "isCurrent": True},
            {"detail": {"@odata.type": "#microsoft.graph.positionDetail", "jobTitle": "x"}},
            {"isCurrent": True},
        )
    ]


SEEDED_TITLE = load_contract().seed["positions"][0]["detail"]["jobTitle"]
SEEDED_COMPANY = load_contract().seed["positions"][0]["detail"]["company"]["displayName"]
SEEDED_OFFICE = load_contract().seed["positions"][0]["detail"]["company"]["officeLocation"]
CALLER = load_contract().seed["positions"][0]["lastModifiedBy"]["user"]
TEXT = "text/plain"
JSON = "application/json"

EXCHANGES: dict[str, Exchange] = {
    "patch-returns-204": Exchange(
        _patch_via_me_and_users, (200, False, "via me", 200), (204, True, "via me", 200)
    ),
    "users-upn-404": Exchange(_users_paths, (200, 200, 200), (200, 404, 404)),
    "users-upn-401": Exchange(_users_paths, (200, 200, 200), (200, 401, 401)),
    "users-ignores-user": Exchange(_someone_else, (404, False), (200, True)),
    "touches-other-positions": Exchange(_other_position, True, False),
    "auth-optional": Exchange(without_auth, (401, False), (200, True)),
    "auth-any-scheme": Exchange(without_a_bearer_token, ([401] * 3, False), ([200] * 3, True)),
    "scope-ignored": Exchange(readonly_token, (200, 403, False), (200, 200, True)),
    "any-content-type": Exchange(text_plain, (415, False), (200, True)),
    "media-parameters-refused": Exchange(
        charset_json, (200, 200, "Charset probe"), (200, 415, "Fault probe")
    ),
    "unknown-id-upsert": Exchange(unknown_id, (404, 404, 2), (200, 200, 3)),
    "unknown-id-500": Exchange(unknown_id, (404, 404, 2), (500, 500, 2)),
    "non-object-accepted": Exchange(non_objects, ([400] * 5, 400, True), ([200] * 5, 400, True)),
    "audience-member-refused": Exchange(_every_audience, [], [REFUSED_AUDIENCE_MEMBER]),
    "audience-not-enforced": Exchange(
        _bogus_audience, (400, 400, "organization"), (200, 400, "bogus")
    ),
    "nested-enum-not-enforced": Exchange(
        _bogus_nested_enums, (400, 400, 400, 400), (200, 200, 200, 400)
    ),
    "type-coercion": Exchange(
        _stringly_typed,
        ((400, 400, 400, 400, 400), True, 0.87, SEEDED_TITLE),
        ((200, 200, 200, 200, 400), False, 0.25, "42"),
    ),
    "read-only-applied": Exchange(
        _read_only_body, (200, ["id", "createdDateTime", "createdBy"]), (200, ["id"])
    ),
    "id-writable": Exchange(moved_by_id, (200, True, 200, 404), (200, False, 404, 200)),
    "stores-unknown-and-read-only": Exchange(
        stored_as_sent,
        (400, 200, None, None, False, False),
        (200, 200, "kept?", WORK_POSITION, True, True),
    ),
    "non-atomic": Exchange(_mixed_body, (400, False), (400, True)),
    "bad-datetime-format": Exchange(_timestamps, [True, True], [False, False]),
    "wrong-content-type": Exchange(_content_types, ([JSON, JSON], 200), ([TEXT, JSON], 200)),
    "undeclared-property": Exchange(
        _undeclared, [[], []], [["body.displayName"], ["body.displayName"]]
    ),
    "wrong-response-id": Exchange(_ids, (True, True, True), (False, False, True)),
    "long-values-cut": Exchange(
        _long_values,
        (LONG_VALUE_LIMITS[0] + 1, LONG_VALUE_LIMITS[1] + 1),
        LONG_VALUE_LIMITS,
    ),
    "lossy-unicode": Exchange(
        _unicode, (UNICODE_TITLE, UNICODE_TITLE), ("G?n?rale ?? ?", "G?n?rale ?? ?")
    ),
    "put-semantics": Exchange(_omitted, (True, True), (False, False)),
    "nested-replace": Exchange(_nested_partial, ("consulting", SEEDED_COMPANY), (None, None)),
    "collections-append": Exchange(_collections, ["a", "b"], ["consulting", "a", "b"]),
    "null-resurrects": Exchange(_partial_over_null, ("Over null", True), ("Over null", False)),
    "lost-update": Exchange(_at_once, ([200, 200], [True, True]), ([200, 200], [False, True])),
    "answer-from-read-cache": Exchange(_back_to_back, ("First", "First"), (SEEDED_TITLE, "First")),
    "flags-collapse-next-write": Exchange(
        _flags_then_another_write,
        ("family,contacts", "family,contacts"),
        ("family,contacts", "family"),
    ),
    "null-ignored": Exchange(_nulls, (True, None), (False, SEEDED_OFFICE)),
    "nested-null-stored-as-false": Exchange(_nested_boolean_null, (None, None), (False, None)),
    "partial-resets-defaults": Exchange(_partial_defaults, (True, "business"), (False, "unknown")),
    "defaults-reset-on-change": Exchange(
        _defaults_after_a_change,
        ["business", "business", "business"],
        ["business", "unknown", "unknown"],
    ),
    "enum-cross-members": Exchange(_foreign_enum_members, (400, 400, 400), (200, 200, 400)),
    "read-only-merged": Exchange(_modifier_from_body, (False, False, CALLER), (True, True, CALLER)),
    "stale-last-modified": Exchange(_last_modified_moves, True, False),
    "frozen-last-modified": Exchange(_stamps_of_two_writes_apart, True, False),
    "created-changes": Exchange(_created_stays, True, False),
    "not-persisted": Exchange(
        _persisted, ("Fault probe", "Fault probe"), ("Fault probe", SEEDED_TITLE)
    ),
    "generated-answers": Exchange(
        _reads_alike, (True, "Fault probe", True), (False, "Fault probe", False)
    ),
    "plain-text-errors": Exchange(
        _error_bodies,
        [(400, JSON, True), (401, JSON, True)],
        [(400, TEXT, False), (401, TEXT, False)],
    ),
    "bom-in-json": Exchange(
        _byte_order_marks, [(200, False), (400, False)], [(200, True), (400, True)]
    ),
    "crash-on-nul": Exchange(_nul_strings, [200, 200, 200], [500, 500, 200]),
    "annotations-refused": Exchange(_annotated, [200, 200, 200], [400, 400, 200]),
    "crash-on-long-string": Exchange(
        _long_strings,
        [(200, None), (200, None), (400, "BadRequest")],
        [(200, None), (500, "generalException"), (500, "generalException")],
    ),
}
