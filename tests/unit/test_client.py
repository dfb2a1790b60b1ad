"""The client's own logic: Retry-After parsing, throttling budget, redaction, refusal of
destructive methods, one-line target errors. (Real loopback traffic is in tests/integration.)"""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote

import httpx
import pytest

from graphcontract.client import (
    GraphClient,
    RateLimiter,
    Redactor,
    ThrottlePolicy,
    retry_after_seconds,
)
from graphcontract.errors import TargetUnhealthy

SECRET = "s3cr3t-token-value"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("0", 0.0), (None, None), ("soon", None), ("", None)],
    ids=["seconds", "zero", "absent", "garbage", "empty"],
)
def test_retry_after_seconds(header, expected):
    assert retry_after_seconds(header) == expected


def test_retry_after_http_date():
    now = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(header, now=now) == pytest.approx(30.0)
    assert (
        retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now)
        == 0.0
    )


def client_for(handler, **kwargs) -> GraphClient:
    return GraphClient(
        "http://127.0.0.1:9",
        token=SECRET,
        transport=httpx.MockTransport(handler),
        throttle=ThrottlePolicy(backoff_start_s=0.001, **kwargs),
    )


def test_throttled_requests_are_retried_after_waiting():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"error": {}})
        return httpx.Response(200, json={"ok": True})

    with client_for(handler) as client:
        exchange = client.request("GET", "/me/profile/positions", content_type=None)
    assert exchange.status == 200
    assert exchange.throttle_waits == 2
    assert len(calls) == 3


def test_throttling_without_retry_after_backs_off_then_gives_up_within_budget():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(503, json={"error": {"code": "x", "message": "y"}})

    with client_for(handler, max_attempts=4) as client, pytest.raises(TargetUnhealthy) as info:
        client.request("GET", "/x", content_type=None)
    assert "throttled beyond the retry budget" in str(info.value)
    assert len(calls) == 4


def test_token_is_sent_but_never_recorded():
    seen = {}

    def handler(request):
        seen["auth"] = request.headers["authorization"]
        return httpx.Response(400, json={"error": {"code": "x", "message": f"bad token {SECRET}"}})

    with client_for(handler) as client:
        exchange = client.request("PATCH", "/x", json_body={"isCurrent": True})
    assert seen["auth"] == f"Bearer {SECRET}"
    record = json.dumps(exchange.to_dict())
    assert SECRET not in record
    assert SECRET not in exchange.curl()
    assert "$GRAPH_TOKEN" in exchange.curl()


def test_each_exchange_names_the_last_write_answered_before_it_redacted_and_short():
    def handler(request):
        return httpx.Response(400 if request.method == "PATCH" else 200, json={})

    with client_for(handler) as client:
        before = client.request("GET", "/p", content_type=None)
        body = {"note": SECRET, "detail": {"jobTitle": "x" * 300}}
        first = client.request("PATCH", "/p", json_body=body)
        client.request("GET", "/p", content_type=None)
        second = client.request("PATCH", "/p", json_body={})
    line = second.sent_after
    assert before.sent_after is None
    assert first.sent_after is None
    assert line is not None
    assert line.startswith('PATCH http://127.0.0.1:9/p {"note":')
    assert line.endswith("ms before this request was sent")
    assert "…" in line
    assert "answered 400," in line
    assert SECRET not in line
    assert second.to_dict()["sent_after"] == line
    assert "sent_after" not in first.to_dict()


@pytest.mark.parametrize("method", ["DELETE", "POST", "PUT"])
def test_destructive_methods_are_never_sent(method):
    with client_for(lambda r: httpx.Response(200)) as client, pytest.raises(ValueError):
        client.request(method, "/x")


def test_connection_problems_become_one_line_target_errors():
    def handler(request):
        raise httpx.ConnectError("connection refused")

    with client_for(handler) as client, pytest.raises(TargetUnhealthy) as info:
        client.request("GET", "/x", content_type=None)
    assert "cannot connect" in str(info.value)
    assert "\n" not in str(info.value)


def test_hooks_see_every_exchange():
    seen = []
    with client_for(lambda r: httpx.Response(200, json={})) as client:
        client.hooks.append(seen.append)
        client.request("GET", "/a", content_type=None)
        client.request("PATCH", "/b", json_body={"isCurrent": False})
    assert [e.request.method for e in seen] == ["GET", "PATCH"]
    assert seen[1].request.body == b'{"isCurrent": false}'


@pytest.mark.parametrize(
    "render",
    [repr, json.dumps, lambda s: repr(s.encode()), lambda s: quote(s, safe="")],
    ids=["repr", "json", "bytes-repr", "url-encoded"],
)
def test_redactor_hides_quoted_forms_of_a_secret(render):
    secret = 'tok/with"quote\\and-ünïcode'
    redactor = Redactor([secret])
    assert secret not in redactor.text(f"error: {render(secret)}")
    assert "***" in redactor.text(f"error: {render(secret)}")


def test_refusal_of_the_own_token_is_a_health_problem_but_other_tokens_get_answers():
    def handler(request):
        return httpx.Response(403, json={"error": {"code": "accessDenied", "message": "no"}})

    with client_for(handler) as client:
        assert client.request("PATCH", "/x", json_body={}, token="read-only-token").status == 403
        assert client.request("PATCH", "/x", json_body={}, token=None).status == 403
        with pytest.raises(TargetUnhealthy, match="403 Forbidden: the token may not do this"):
            client.request("PATCH", "/x", json_body={})


@pytest.mark.parametrize(
    ("first_write", "then", "halts"),
    [
        (200, ("PATCH", 403), False),
        (400, ("PATCH", 403), True),
        (200, ("GET", 403), True),
        (200, ("PATCH", 401), True),
    ],
    ids=[
        "403-to-a-body-after-an-accepted-write-is-an-answer",
        "403-before-any-accepted-write-is-the-token",
        "403-to-a-read-is-the-token",
        "401-before-any-accepted-read-is-the-token",
    ],
)
def test_a_403_after_the_token_has_written_refuses_the_body_not_the_token(first_write, then, halts):
    """A service may refuse one body with 403 (say, read-only properties) once the token has
    shown it may write; that answer goes to the oracles instead of stopping the run."""
    method, status = then

    def handler(request):
        if request.method == "PATCH" and not handler.sent:
            handler.sent = True
            return httpx.Response(first_write, json={})
        return httpx.Response(status, json={"error": {"code": "notAllowed", "message": "no"}})

    handler.sent = False
    with client_for(handler) as client:
        assert client.request("PATCH", "/x", json_body={}).status == first_write
        if halts:
            with pytest.raises(TargetUnhealthy, match=f"{status} "):
                client.request(method, "/x", json_body={})
        else:
            assert client.request(method, "/x", json_body={}).status == status


@pytest.mark.parametrize(
    ("read_status_later", "halts"),
    [(200, False), (401, True)],
    ids=["token-still-accepted-elsewhere-401-is-an-answer", "token-refused-everywhere-halts"],
)
def test_a_401_on_one_url_is_checked_against_the_last_accepted_read(read_status_later, halts):
    """A 401 to a token that was just accepted may be one route's answer (a contract failure
    for the oracles) or an expired token (stop the run): one GET where the token last worked
    tells them apart, and is recorded like every exchange."""
    seen: list[str] = []

    def handler(request):
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/me/x":
            status = 200 if len(seen) == 1 else read_status_later
            return httpx.Response(status, json={})
        return httpx.Response(401, json={"error": {"code": "InvalidAuthenticationToken",
                                                   "message": "no"}})  # fmt: skip

    with client_for(handler) as client:
        recorded = []
        client.hooks.append(recorded.append)
        assert client.request("GET", "/me/x", content_type=None).status == 200
        if halts:
            with pytest.raises(TargetUnhealthy, match="401"):
                client.request("PATCH", "/users/upn/x", json_body={})
        else:
            assert client.request("PATCH", "/users/upn/x", json_body={}).status == 401
            assert client.broken is None
    assert seen == ["GET /me/x", "PATCH /users/upn/x", "GET /me/x"]
    assert [e.status for e in recorded] == [200, 401, read_status_later]


def test_a_401_where_the_token_last_worked_is_the_token():
    statuses = iter([200, 401])

    def handler(request):
        return httpx.Response(next(statuses), json={})

    with client_for(handler) as client:
        client.request("GET", "/me/x", content_type=None)
        with pytest.raises(TargetUnhealthy, match="401"):
            client.request("GET", "/me/x", content_type=None)


@pytest.mark.parametrize(
    ("coding", "wire", "body", "problem"),
    [
        ("gzip", gzip.compress(b'{"a": 1}'), b'{"a": 1}', None),
        ("gzip", b'{"a": 1}', b"", "Content-Encoding 'gzip' does not decode"),
        ("identity", b'{"a": 1}', b'{"a": 1}', None),
        (None, b'{"a": 1}', b'{"a": 1}', None),
    ],
    ids=["gzip", "gzip-label-on-a-plain-body", "identity", "none"],
)
def test_answers_are_decoded_as_labelled_or_recorded_with_the_reason(coding, wire, body, problem):
    """An answer whose Content-Encoding does not decode is recorded with the reason and
    judged (the oracles fail it), not a reason to stop the run."""
    headers = {
        "Content-Type": "application/json",
        **({"Content-Encoding": coding} if coding else {}),
    }

    def handler(request):  # a stream, as a server sends it: decoded when read
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(wire))

    with client_for(handler) as client:
        exchange = client.request("GET", "/x", content_type=None)
        assert client.broken is None
    assert exchange.response.body == body
    if problem is None:
        assert exchange.response.decoding_problem is None
    else:
        assert exchange.response.decoding_problem.startswith(problem)


def test_a_body_that_decodes_too_large_is_a_target_problem():
    def handler(request):
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(b"0" * 4096)
        )

    with (
        GraphClient(
            "http://127.0.0.1:9",
            token=SECRET,
            transport=httpx.MockTransport(handler),
            max_body_bytes=1024,
        ) as client,
        pytest.raises(TargetUnhealthy, match="larger than"),
    ):
        client.request("GET", "/x", content_type=None)


def test_one_dropped_connection_is_retried_and_a_second_failure_later_is_counted_apart():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) in (1, 4):  # the first try of the first request and of the third
            raise httpx.ReadError("connection reset by peer")
        return httpx.Response(200, json={})

    # One retry per request: a run-wide allowance would be spent by the first failure.
    with client_for(handler, transport_retries=1) as client:
        assert client.request("GET", "/x", content_type=None).status == 200
        assert client.transport_failures == 1
        assert client.request("GET", "/x", content_type=None).status == 200
        assert client.request("GET", "/x", content_type=None).status == 200
        assert client.transport_failures == 2
        assert client.broken is None
    assert len(calls) == 5


def test_a_body_declared_too_large_is_not_read():
    def handler(request):
        return httpx.Response(200, headers={"Content-Length": str(10**12)}, content=b"{}")

    with client_for(handler) as client, pytest.raises(TargetUnhealthy, match="larger than"):
        client.request("GET", "/x", content_type=None)


def test_halt_refuses_every_later_request_until_reopened():
    with client_for(lambda r: httpx.Response(200, json={})) as client:
        with pytest.raises(TargetUnhealthy, match="stop writing"):
            client.halt("restore not verified; stop writing")
        with pytest.raises(TargetUnhealthy, match="stop writing"):
            client.request("GET", "/x", content_type=None)
        client.reopen()
        assert client.request("GET", "/x", content_type=None).status == 200


def test_rate_limiter_spaces_request_starts():
    limiter = RateLimiter(20.0)
    started = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - started >= 4 / 20 - 0.01


@pytest.mark.parametrize(
    ("extra", "sent"),
    [(None, "application/json"), ({"Accept": "*/*"}, "*/*"), ({"Accept": ""}, None)],
    ids=["json-by-default", "another-value", "none-at-all"],
)
def test_accept_header_is_json_unless_a_request_says_otherwise(extra, sent):
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Accept"))
        return httpx.Response(200, json={})

    with GraphClient("http://t", token="tok-12345", transport=httpx.MockTransport(handler)) as gc:
        gc.request("GET", "/x", content_type=None, extra_headers=extra)
    assert seen == [sent]


@pytest.mark.parametrize("token", ["x", "ab", "abc"], ids=["one-char", "two-chars", "three-chars"])
def test_a_short_token_is_never_recorded_in_a_header_whatever_its_length(token):
    """Below the length from which a secret is looked for in free text, the Authorization
    header still records the variable, never the token."""
    seen: list[str | None] = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"x": "xabc ab abc"})

    redactor = Redactor([token], env_names=["GRAPH_TOKEN"])
    with GraphClient(
        "http://127.0.0.1:9",
        token=token,
        transport=httpx.MockTransport(handler),
        redactor=redactor,
        token_env="GRAPH_TOKEN",
    ) as client:
        exchange = client.request("PATCH", "/x", json_body={"note": "x ab abc"})
    assert seen == [f"Bearer {token}"]
    assert exchange.request.header("authorization") == "Bearer $GRAPH_TOKEN"
    record = exchange.to_dict()
    assert record["request"]["headers"]["Authorization"] == "Bearer $GRAPH_TOKEN"
    assert f"Bearer {token}" not in json.dumps(record)
    assert json.loads(record["request"]["body"]) == {"note": "x ab abc"}, "body left as sent"


def test_secrets_in_bodies_are_replaced_as_whole_tokens_only():
    redactor = Redactor(["graphcontract-readonly"], env_names=["RO"])
    body = b'{"displayName": "graphcontract-readonly-probe", "token": "graphcontract-readonly"}'
    assert redactor.sent_bytes(body) == (
        b'{"displayName": "graphcontract-readonly-probe", "token": "$RO"}'
    )
    assert redactor.text("use graphcontract-readonly.") == "use ***."
    assert redactor.sent_header("Bearer graphcontract-readonly") == "Bearer $RO"
