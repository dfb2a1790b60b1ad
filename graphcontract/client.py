"""The HTTP client: sends requests to a target with httpx and records every exchange.

Owns: base URL handling, the bearer token (taken from the environment by the caller, never
from the command line), timeouts, waiting out 429/503 (Retry-After in seconds or as an HTTP
date, exponential backoff without it) within a bounded budget, a client-side rate limit,
and redaction of secrets in every record it hands out.
"""

from __future__ import annotations

import email.utils
import json
import shlex
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from graphcontract.errors import TargetUnhealthy
from graphcontract.types import JSON

REDACTED: Final = "***"
MAX_BODY_BYTES: Final = 8 * 1024 * 1024
THROTTLE_STATUSES: Final = frozenset({429, 503})
_NOT_JSON: Final = object()


class Redactor:
    """Replaces every registered secret by ``***`` in text and bytes."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return value

    def bytes(self, value: bytes) -> bytes:
        for secret in self._secrets:
            value = value.replace(secret.encode(), REDACTED.encode())
        return value


@dataclass(frozen=True)
class RecordedRequest:
    """What was sent, with secrets already redacted."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class RecordedResponse:
    """What came back, with secrets already redacted."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed_s: float

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Exchange:
    """One request and its final response (after any throttling retries)."""

    request: RecordedRequest
    response: RecordedResponse
    throttle_waits: int = 0
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
        """A shell command that re-sends the request (token replaced by $GRAPH_TOKEN)."""
        parts = ["curl", "-sS", "-X", self.request.method, shlex.quote(self.request.url)]
        for name, value in self.request.headers:
            if name.lower() in {
                "content-length",
                "host",
                "accept-encoding",
                "connection",
                "user-agent",
            }:
                continue
            if name.lower() == "authorization" and REDACTED in value:
                parts += ["-H", '"Authorization: Bearer $GRAPH_TOKEN"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request.body:
            parts += ["--data-binary", shlex.quote(self.request.body.decode("utf-8", "replace"))]
        return " ".join(parts)

    def to_dict(self, *, max_body: int = 4000) -> dict[str, Any]:
        """A JSON-ready record for reports."""
        return {
            "request": {
                "method": self.request.method,
                "url": self.request.url,
                "headers": dict(self.request.headers),
                "body": _shorten(self.request.body, max_body),
            },
            "response": {
                "status": self.response.status,
                "headers": dict(self.response.headers),
                "body": _shorten(self.response.body, max_body),
                "elapsed_ms": round(self.response.elapsed_s * 1000, 2),
            },
            "curl": self.curl(),
        }


NOT_JSON: Final = _NOT_JSON
"""Sentinel returned by ``Exchange.json()`` for a body that does not decode."""


def _shorten(body: bytes, limit: int) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


class RateLimiter:
    """At most ``per_second`` request starts per second (thread-safe, no bursts)."""

    def __init__(self, per_second: float | None) -> None:
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            time.sleep(delay)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse Retry-After: delta seconds or an HTTP date; None when absent or unparsable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


ExchangeHook = Callable[[Exchange], None]


@dataclass
class ThrottlePolicy:
    """How long and how often 429/503 answers are waited out."""

    max_attempts: int = 6
    max_total_wait_s: float = 120.0
    max_single_wait_s: float = 60.0
    backoff_start_s: float = 0.5


class GraphClient:
    """Sends requests to one target and reports every exchange to the registered hooks."""

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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.redactor = redactor or Redactor()
        self.redactor.add(token)
        self.throttle = throttle or ThrottlePolicy()
        self.hooks: list[ExchangeHook] = []
        self.throttle_events = 0
        self._limiter = RateLimiter(rate_limit_per_s)
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            headers={"User-Agent": "graphcontract", "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        a string sends that token instead."""
        if method.upper() in {"DELETE", "POST", "PUT"}:
            raise ValueError(f"graphcontract never sends {method}")
        headers = dict(extra_headers or {})
        bearer = self.token if token is True else (token or None)
        if bearer:
            self.redactor.add(bearer)
            headers["Authorization"] = f"Bearer {bearer}"
        body = content
        if body is None and json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        if body is not None and content_type is not None:
            headers["Content-Type"] = content_type
        url = self.base_url + path
        waits = 0
        total_wait = 0.0
        backoff = self.throttle.backoff_start_s
        while True:
            self._limiter.wait()
            response, content, elapsed = self._send(method, url, headers, body)
            if (
                response.status_code not in THROTTLE_STATUSES
                or waits + 1 >= self.throttle.max_attempts
            ):
                break
            delay = retry_after_seconds(response.headers.get("Retry-After"))
            if delay is None:
                delay, backoff = backoff, backoff * 2
            delay = min(delay, self.throttle.max_single_wait_s)
            if total_wait + delay > self.throttle.max_total_wait_s:
                break
            self.throttle_events += 1
            waits += 1
            total_wait += delay
            time.sleep(delay)
        exchange = self._record(method, url, headers, body, response, content, elapsed, waits)
        for hook in list(self.hooks):
            hook(exchange)
        return exchange

    def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[httpx.Response, bytes, float]:
        started = time.perf_counter()
        try:
            with self._http.stream(method, url, headers=headers, content=body) as response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise TargetUnhealthy(
                            f"{method} {self.redactor.text(url)}: response body larger than "
                            f"{MAX_BODY_BYTES // (1024 * 1024)} MiB; is this a Graph endpoint?"
                        )
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise TargetUnhealthy(
                f"{method} {self.redactor.text(url)} timed out ({type(exc).__name__}); "
                "the target is too slow or down (raise --timeout if it is just slow)"
            ) from None
        except httpx.RemoteProtocolError as exc:
            raise TargetUnhealthy(
                f"{method} {self.redactor.text(url)}: connection broken mid-answer "
                f"({self.redactor.text(str(exc)) or type(exc).__name__})"
            ) from None
        except httpx.TransportError as exc:
            raise TargetUnhealthy(
                f"{method} {self.redactor.text(url)}: cannot connect "
                f"({self.redactor.text(str(exc)) or type(exc).__name__}); is the target running?"
            ) from None
        return response, b"".join(chunks), time.perf_counter() - started

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
    ) -> Exchange:
        r = self.redactor
        request = RecordedRequest(
            method=method.upper(),
            url=r.text(url),
            headers=tuple(
                (k, "Bearer " + REDACTED if k.lower() == "authorization" else r.text(v))
                for k, v in headers.items()
            ),
            body=r.bytes(body or b""),
        )
        recorded = RecordedResponse(
            status=response.status_code,
            headers=tuple((k, r.text(v)) for k, v in response.headers.items()),
            body=r.bytes(content),
            elapsed_s=elapsed,
        )
        return Exchange(request=request, response=recorded, throttle_waits=waits)
