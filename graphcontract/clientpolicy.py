"""The client's rules: how long it waits and for what, how fast it sends, what it hides.

Owns Retry-After parsing (seconds or an HTTP date), the ``ThrottlePolicy`` budget for
throttling (429/503), failing gateways (502/504) and transport failures, the client-side
``RateLimiter``, the one-line messages given when the budget is spent or the token is refused,
and ``Redactor``, which removes secrets from everything the harness records or prints.
"""

from __future__ import annotations

import email.utils
import http
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

REDACTED: Final = "***"
DEFAULT_TOKEN_ENV: Final = "GRAPH_TOKEN"
"""The environment variable the bearer token is read from unless another is named."""
MIN_SECRET_LENGTH: Final = 4
THROTTLE_STATUSES: Final = frozenset({429, 503})
GATEWAY_STATUSES: Final = frozenset({502, 504})
RETRY_STATUSES: Final = THROTTLE_STATUSES | GATEWAY_STATUSES


class Redactor:
    """Replaces every registered secret by ``***`` in text and bytes, and by the name of the
    environment variable it came from (``$GRAPH_TOKEN``) in a record of what was sent.

    Each secret is also registered in the forms it takes when quoted by Python (``repr``),
    JSON or a URL, so an error message that escapes it does not leak it either. Only the
    secret is replaced, wherever it occurs: the rest of a header (its scheme as sent, a
    credential that is not a registered secret) stays as it was sent.
    """

    def __init__(
        self, secrets: Iterable[str | None] = (), *, env_names: Iterable[str | None] = ()
    ) -> None:
        self._forms: dict[str, str | None] = {}
        """Each form of each secret and the variable its secret came from (None: unknown)."""
        self._order: list[str] = []
        for secret, env in itertools.zip_longest(secrets, env_names):
            self.add(secret, env)

    def add(self, secret: str | None, env: str | None = None) -> None:
        """Register ``secret`` (read from the environment variable ``env``, when known; a
        secret registered again without a name keeps the one it has)."""
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        forms = {
            secret,
            json.dumps(secret)[1:-1],
            json.dumps(secret, ensure_ascii=False)[1:-1],
            repr(secret)[1:-1],
            repr(secret.encode("utf-8"))[2:-1],
            urllib.parse.quote(secret, safe=""),
        }
        for form in forms:
            if len(form) >= MIN_SECRET_LENGTH and (env or form not in self._forms):
                self._forms[form] = env
        self._order = sorted(self._forms, key=len, reverse=True)

    @property
    def placeholders(self) -> frozenset[str]:
        """What :meth:`sent_text` writes for the named secrets (``$GRAPH_TOKEN``, …)."""
        return frozenset(f"${env}" for env in self._forms.values() if env)

    def sent_text(self, value: str) -> str:
        """``value`` as a record of what was sent: each secret replaced by ``$ENV`` (the
        variable holding it, so the record replays it), or by ``***`` when none is known."""
        for secret in self._order:
            env = self._forms[secret]
            value = value.replace(secret, f"${env}" if env else REDACTED)
        return value

    def sent_bytes(self, value: bytes) -> bytes:
        for secret in self._order:
            env = self._forms[secret]
            value = value.replace(secret.encode("utf-8"), (f"${env}" if env else REDACTED).encode())
        return value

    def text(self, value: str) -> str:
        for secret in self._order:
            value = value.replace(secret, REDACTED)
        return value

    def bytes(self, value: bytes) -> bytes:
        for secret in self._order:
            value = value.replace(secret.encode("utf-8"), REDACTED.encode())
        return value


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


@dataclass
class ThrottlePolicy:
    """How long and how often throttling (429/503), failing gateways (502/504) and transport
    failures (timeouts, dropped, reset or refused connections) are waited out before the
    target is declared unhealthy."""

    max_attempts: int = 6
    max_total_wait_s: float = 120.0
    max_single_wait_s: float = 60.0
    backoff_start_s: float = 0.5
    transport_retries: int = 2


def one_line(text: str) -> str:
    return " ".join(text.split())


def budget_problem(policy: ThrottlePolicy, sends: int, delay: float, waited: float) -> str | None:
    """Why one more wait is not allowed, or None when it is."""
    if sends >= policy.max_attempts:
        return f"{sends} attempts"
    if delay > policy.max_single_wait_s:
        return (
            f"it asks to wait {delay:.0f} s, more than the {policy.max_single_wait_s:g} s "
            "the harness waits at once"
        )
    if waited + delay > policy.max_total_wait_s:
        return f"waiting {delay:g} s more would exceed the {policy.max_total_wait_s:g} s budget"
    return None


def gave_up(
    where: str, status: int, content_type: str, sends: int, waited: float, problem: str
) -> str:
    """Why the client stopped retrying a throttled or failing-gateway answer (one line)."""
    reason = phrase(status)
    if status in THROTTLE_STATUSES:
        return (
            f"{where}: throttled beyond the retry budget ({status} {reason}; {problem}, waited "
            f"{waited:.1f} s): the target is overloaded or rate-limiting this client; retry "
            "later or lower --rate-limit"
        )
    kind = " as an HTML page" if "html" in content_type.lower() else ""
    return (
        f"{where}: answered {status} {reason}{kind} {sends} time(s) ({problem}, waited "
        f"{waited:.1f} s): a gateway or proxy in front of the target is failing; retry later"
    )


def refused(where: str, status: int, token_label: str) -> str:
    if status == 401:
        return (
            f"{where}: 401 Unauthorized: the target refused {token_label} (invalid or "
            "expired); export a fresh one"
        )
    return (
        f"{where}: 403 Forbidden: {token_label} may not do this (it lacks write permission, "
        "e.g. User.ReadWrite); use a token that may update the profile"
    )


def phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
