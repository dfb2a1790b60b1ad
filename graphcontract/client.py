"""The HTTP client: sends requests to a target with httpx and records every exchange.

Owns: base URL handling, the bearer token (taken from the environment by the caller, never
from the command line), timeouts, waiting out 429/503 (Retry-After in seconds or as an HTTP
date, exponential backoff without it), failing gateways (502/504) and transport failures
within a bounded budget (``clientpolicy``), a client-side rate limit, the one-line
``TargetUnhealthy`` when a target cannot be judged, and redaction of secrets in every record
it hands out. The rules themselves live in ``graphcontract.clientpolicy`` (re-exported here).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn

import httpx

from graphcontract.clientpolicy import (
    DEFAULT_TOKEN_ENV,
    REDACTED,
    RETRY_STATUSES,
    RateLimiter,
    Redactor,
    ThrottlePolicy,
    budget_problem,
    gave_up,
    one_line,
    refused,
    retry_after_seconds,
)
from graphcontract.errors import TargetUnhealthy
from graphcontract.httpsetup import new_client
from graphcontract.reproducer import curl_line
from graphcontract.types import JSON, json_text

__all__ = [
    "NOT_JSON",
    "REDACTED",
    "Exchange",
    "GraphClient",
    "RateLimiter",
    "RecordedRequest",
    "RecordedResponse",
    "Redactor",
    "ThrottlePolicy",
    "retry_after_seconds",
]

MAX_BODY_BYTES: Final = 8 * 1024 * 1024
ACCEPT_JSON: Final = "application/json"
"""The Accept header of every request, unless ``extra_headers`` gives another ("" for none)."""
_NOT_JSON: Final = object()


@dataclass(frozen=True)
class RecordedRequest:
    """What was sent: the URL and every header as sent, each secret in them replaced by the
    variable it came from (``Authorization: bearer $GRAPH_TOKEN``, a ``Basic`` credential that
    is no secret as it was); the body as sent (the oracles judge it; :meth:`Exchange.to_dict`
    and :meth:`Exchange.curl` replace the secrets in it)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class RecordedResponse:
    """What came back: headers with secrets redacted, the body as received. The body is
    judged, snapshotted and written back by restores, so it is never rewritten: a secret
    that happens to be part of the data (a short mock token inside a stored string) would
    otherwise corrupt verdicts and restores alike."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    elapsed_s: float = 0.0
    decoding_problem: str | None = None
    """Why the body does not decode as its Content-Encoding says (then ``body`` is empty);
    None when it decoded or carried no coding."""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Exchange:
    """One request and its final response (after any throttling retries)."""

    request: RecordedRequest
    response: RecordedResponse
    throttle_waits: int = 0
    redactor: Redactor | None = field(default=None, repr=False, compare=False)
    """Removes secrets from the bodies when the exchange is written out."""
    sent_after: str | None = field(default=None, compare=False)
    """The last PATCH this client had answered before this request, in one line (redacted):
    a failure that depends on an earlier write (a lock a refusal left, a write lost or not
    yet visible) is shown with its likely cause, not only with the request that met it."""
    _json_cache: list[Any] = field(default_factory=list, repr=False, compare=False)

    @property
    def status(self) -> int:
        return self.response.status

    def json(self) -> JSON:
        """The decoded response body, or ``NOT_JSON`` when it is not JSON."""
        if not self._json_cache:
            try:
                self._json_cache.append(json.loads(self.response.body))
            except ValueError:
                self._json_cache.append(_NOT_JSON)
        return self._json_cache[0]

    def json_object(self) -> dict[str, Any] | None:
        value = self.json()
        return value if isinstance(value, dict) else None

    def curl(self) -> str:
        """A shell command that re-sends the request exactly (graphcontract.reproducer), each
        secret as the variable that holds it (``"$GRAPH_TOKEN"``, expanded by the shell)."""
        names = self.redactor.placeholders if self.redactor is not None else frozenset()
        request = self.request
        return curl_line(
            request.method, request.url, request.headers, self._sent(request.body), names
        )

    def _redacted(self, body: bytes) -> bytes:
        return self.redactor.bytes(body) if self.redactor is not None else body

    def _sent(self, body: bytes) -> bytes:
        """A request body as sent, each secret in it replaced by its variable."""
        return self.redactor.sent_bytes(body) if self.redactor is not None else body

    def to_dict(self, *, max_body: int = 4000) -> dict[str, Any]:
        """A JSON-ready record for reports."""
        return {
            "request": {
                "method": self.request.method,
                "url": self.request.url,
                "headers": dict(self.request.headers),
                "body": _shorten(self._sent(self.request.body), max_body),
            },
            "response": {
                "status": self.response.status,
                "headers": dict(self.response.headers),
                "body": _shorten(self._redacted(self.response.body), max_body),
                "elapsed_ms": round(self.response.elapsed_s * 1000, 2),
            },
            "curl": self.curl(),
            **({"sent_after": self.sent_after} if self.sent_after else {}),
        }


NOT_JSON: Final = _NOT_JSON
"""Sentinel returned by ``Exchange.json()`` for a body that does not decode."""


def _shorten(body: bytes, limit: int) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


ExchangeHook = Callable[[Exchange], None]
SENT_AFTER_BODY = 160
"""Characters of the earlier request's body shown in ``Exchange.sent_after``."""


def _in_one_line(
    previous: tuple[RecordedRequest, int, float], sent: float, redactor: Redactor
) -> str:
    request, status, answered = previous
    body = _shorten(redactor.sent_bytes(request.body), SENT_AFTER_BODY)
    gap_ms = max(0.0, (sent - answered) * 1000)
    return (
        f"{request.method} {request.url}{' ' + body if body else ''} answered {status}, "
        f"{gap_ms:.0f} ms before this request was sent"
    )


class _TransportFailure(Exception):
    """One attempt that got no complete answer: what happened, and what to do about it."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__(what, hint)
        self.what = what
        self.hint = hint


class GraphClient:
    """Sends requests to one target and reports every exchange to the registered hooks.

    The first problem that makes the target unjudgeable (retries exhausted, the token refused,
    a body too large) is remembered: later requests fail at once with the same one-line
    message instead of hammering a sick target, until ``reopen()`` (used by the final restore).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None,
        timeout_s: float = 10.0,
        rate_limit_per_s: float | None = None,
        throttle: ThrottlePolicy | None = None,
        redactor: Redactor | None = None,
        transport: httpx.BaseTransport | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        token_label: str = "the token",
        token_env: str = DEFAULT_TOKEN_ENV,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.redactor = redactor or Redactor()
        self.redactor.add(token, token_env)
        self.throttle = throttle or ThrottlePolicy()
        self.hooks: list[ExchangeHook] = []
        self.throttle_events = 0
        self.transport_failures = 0
        self.broken: str | None = None
        self.has_written = False
        """Whether a PATCH with the token was accepted: a later 403 refuses that body, not
        the token (e.g. read-only properties refused with 403 instead of 400)."""
        self.last_accepted_read: str | None = None
        """The URL of the latest GET the token got a 2xx for: a 401 elsewhere is checked
        against it before the token is called unusable."""
        self.timeout_s = timeout_s
        self.max_body_bytes = max_body_bytes
        self.token_label = token_label
        self._limiter = RateLimiter(rate_limit_per_s)
        self._previous: tuple[RecordedRequest, int, float] | None = None
        """The last PATCH answered, its status and when (for ``Exchange.sent_after``)."""
        self._http = new_client(
            self.base_url,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            headers={"User-Agent": "graphcontract"},
        )
        del self._http.headers["Accept"]  # httpx's default */*: each request says its own

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def halt(self, message: str) -> NoReturn:
        """Refuse this and every further request with ``message`` (until ``reopen()``)."""
        self._unhealthy(message)

    def reopen(self) -> None:
        """Forget that the target was found unhealthy (one more try, e.g. the final restore)."""
        self.broken = None

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: JSON = None,
        content: bytes | None = None,
        content_type: str | None = "application/json",
        token: str | bool | None = True,
        extra_headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one request; ``token=True`` uses the client's token, False/None sends none,
        a string sends that token instead. Throttling, failing gateways and transport failures
        are retried within the ThrottlePolicy; beyond it ``TargetUnhealthy`` is raised."""
        if method.upper() in {"DELETE", "POST", "PUT"}:
            raise ValueError(f"graphcontract never sends {method}")
        if self.broken is not None:
            self._unhealthy(self.broken)
        headers = {"Accept": ACCEPT_JSON, **(extra_headers or {})}
        if not headers["Accept"]:
            del headers["Accept"]  # a request without one, as the page's example is
        bearer = self.token if token is True else (token or None)
        if bearer:
            self.redactor.add(bearer)
            headers["Authorization"] = f"Bearer {bearer}"
        body = content
        if body is None and json_body is not None:
            body = json_text(json_body).encode("utf-8")
        if body is not None and content_type is not None:
            headers["Content-Type"] = content_type
        url = self.base_url + path
        where = f"{method.upper()} {url}"
        policy = self.throttle
        sends = waits = failures = 0
        total_wait = 0.0
        backoff = policy.backoff_start_s
        while True:
            self._limiter.wait()
            sends += 1
            failure: _TransportFailure | None = None
            try:
                response, received, elapsed, undecodable = self._send(method, url, headers, body)
            except _TransportFailure as exc:
                failure = exc
            if failure is not None:
                # Raised outside the except block: the same one line whether this request
                # or a later one (refused at once) reports it, without a chained context.
                failures += 1
                self.transport_failures += 1
                if failures > policy.transport_retries or total_wait + backoff > (
                    policy.max_total_wait_s
                ):
                    self._unhealthy(
                        f"{where}: {failure.what}, {failures} attempt(s); {failure.hint}"
                    )
                time.sleep(backoff)
                total_wait += backoff
                backoff *= 2
                continue
            if response.status_code not in RETRY_STATUSES:
                break
            delay = retry_after_seconds(response.headers.get("Retry-After"))
            if delay is None:
                delay, backoff = backoff, backoff * 2
            problem = budget_problem(policy, sends, delay, total_wait)
            if problem is not None:
                exchange = self._record(
                    method, url, headers, body, response, received, elapsed, waits, undecodable
                )
                self._notify(exchange)
                content_type = exchange.response.header("content-type") or ""
                self._unhealthy(
                    gave_up(where, exchange.status, content_type, sends, total_wait, problem)
                )
            self.throttle_events += 1
            waits += 1
            total_wait += delay
            time.sleep(delay)
        exchange = self._record(
            method, url, headers, body, response, received, elapsed, waits, undecodable
        )
        self._notify(exchange)
        if token is True:
            writing = method.upper() == "PATCH"
            accepted = 200 <= exchange.status < 300
            body_refused = writing and exchange.status == 403 and self.has_written
            token_refused = exchange.status in (401, 403) and not body_refused
            if token_refused and not (
                exchange.status == 401 and self._token_accepted_elsewhere(url, headers)
            ):
                self._unhealthy(refused(where, exchange.status, self.token_label))
            self.has_written = self.has_written or (writing and accepted)
            if accepted and method.upper() == "GET":
                self.last_accepted_read = url
        return exchange

    def _token_accepted_elsewhere(self, url: str, headers: dict[str, str]) -> bool:
        """Whether the token is still accepted where it last was (one GET there, recorded):
        then a 401 at ``url`` is that URL's answer to a valid token, for the oracles to
        judge, not an expired or wrong token."""
        good = self.last_accepted_read
        if good is None or good == url:
            return False
        check = {"Accept": ACCEPT_JSON, "Authorization": headers["Authorization"]}
        try:
            response, received, elapsed, undecodable = self._send("GET", good, check, None)
        except _TransportFailure:
            return False
        exchange = self._record(
            "GET", good, check, None, response, received, elapsed, 0, undecodable
        )
        self._notify(exchange)
        return 200 <= exchange.status < 300

    def _notify(self, exchange: Exchange) -> None:
        for hook in list(self.hooks):
            hook(exchange)

    def _unhealthy(self, message: str) -> NoReturn:
        """Remember and raise the one-line, redacted description of why the target is unusable."""
        self.broken = one_line(self.redactor.text(message))
        raise TargetUnhealthy(self.broken)

    def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[httpx.Response, bytes, float, str | None]:
        """One attempt: the response, its body (decoded as its Content-Encoding says), the
        seconds it took, and why the body did not decode (then it is empty: an answer no
        client can read is judged by the oracles, not a reason to stop the run)."""
        started = time.perf_counter()
        where = f"{method.upper()} {self.redactor.header(url)}"
        limit_mib = self.max_body_bytes / (1024 * 1024)
        too_large = (
            f"{where}: response body larger than {limit_mib:g} MiB; is this a Graph endpoint?"
        )
        failure: str | None = None
        undecodable: str | None = None
        try:
            with self._http.stream(method, url, headers=headers, content=body) as response:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.max_body_bytes:
                    failure = too_large
                else:
                    chunks: list[bytes] = []
                    size = 0
                    try:
                        for chunk in response.iter_bytes():
                            size += len(chunk)
                            if size > self.max_body_bytes:
                                failure = too_large
                                break
                            chunks.append(chunk)
                    except httpx.DecodingError as exc:
                        coding = response.headers.get("Content-Encoding", "")
                        undecodable = f"Content-Encoding {coding!r} does not decode: {exc}"
                        chunks = []
        except httpx.TimeoutException as exc:
            raise _TransportFailure(
                f"timed out after {self.timeout_s:g} s ({type(exc).__name__})",
                "the target is too slow or down (raise --timeout if it is just slow)",
            ) from None
        except httpx.RemoteProtocolError as exc:
            raise _TransportFailure(
                f"connection broken mid-answer ({self._describe(exc)})",
                "the target dropped the connection or sent a truncated answer",
            ) from None
        except (httpx.ReadError, httpx.WriteError, httpx.CloseError) as exc:
            raise _TransportFailure(
                f"connection reset ({self._describe(exc)})", "the target dropped the connection"
            ) from None
        except (httpx.ConnectError, httpx.ProxyError) as exc:
            raise _TransportFailure(
                f"cannot connect ({self._describe(exc)})",
                "is the target running and the base URL right?",
            ) from None
        except httpx.HTTPError as exc:
            failure = f"{where}: {self._describe(exc)}"
        if failure is not None:
            self._unhealthy(failure)
        return response, b"".join(chunks), time.perf_counter() - started, undecodable

    def _describe(self, exc: BaseException) -> str:
        return one_line(self.redactor.text(str(exc))) or type(exc).__name__

    def _record(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        response: httpx.Response,
        content: bytes,
        elapsed: float,
        waits: int,
        undecodable: str | None = None,
    ) -> Exchange:
        r = self.redactor
        request = RecordedRequest(
            method=method.upper(),
            url=r.sent_header(url),
            headers=tuple((k, r.sent_header(v)) for k, v in headers.items()),
            body=body or b"",
        )
        recorded = RecordedResponse(
            status=response.status_code,
            headers=tuple((k, r.header(v)) for k, v in response.headers.items()),
            body=content,
            elapsed_s=elapsed,
            decoding_problem=undecodable,
        )
        answered = time.monotonic()
        previous = self._previous
        if request.method == "PATCH":
            self._previous = (request, recorded.status, answered)
        return Exchange(
            request=request,
            response=recorded,
            throttle_waits=waits,
            redactor=r,
            sent_after=_in_one_line(previous, answered - elapsed, r) if previous else None,
        )
