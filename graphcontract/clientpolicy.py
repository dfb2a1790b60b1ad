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
import re
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

    Headers and URLs, where a secret legitimately travels: any part of a header value equal
    to a secret is replaced whatever its length (``Bearer x`` -> ``Bearer $GRAPH_TOKEN``), and
    a secret of ``MIN_SECRET_LENGTH`` characters or more wherever it occurs. Bodies and free
    text (messages, report files): a secret of ``MIN_SECRET_LENGTH`` or more only as a whole
    token, not inside a longer run of letters, digits, ``_`` and ``-``, so a body is never
    corrupted (the token ``graphcontract-readonly`` leaves the probe text
    ``graphcontract-readonly-probe`` as sent). Each secret is also registered in the forms it
    takes when quoted by Python (``repr``), JSON or a URL, so an error message that escapes it
    does not leak it either. Only the secret is replaced: the rest of a header (its scheme as
    sent, a credential that is not a registered secret) stays as it was sent.
    """

    def __init__(
        self, secrets: Iterable[str | None] = (), *, env_names: Iterable[str | None] = ()
    ) -> None:
        self._forms: dict[str, str | None] = {}
        """Each form of each secret and the variable its secret came from (None: unknown)."""
        self._exact: dict[str, str | None] = {}
        """Each secret, of any length, and its variable: what a header value may carry."""
        self._text_pattern: re.Pattern[str] | None = None
        self._bytes_pattern: re.Pattern[bytes] | None = None
        self._anywhere: re.Pattern[str] | None = None
        for secret, env in itertools.zip_longest(secrets, env_names):
            self.add(secret, env)

    def add(self, secret: str | None, env: str | None = None) -> None:
        """Register ``secret`` (read from the environment variable ``env``, when known; a
        secret registered again without a name keeps the one it has)."""
        if not secret or not secret.strip():
            return
        if env or secret not in self._exact:
            self._exact[secret] = env
        if len(secret) < MIN_SECRET_LENGTH:
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
        alternatives = "|".join(map(re.escape, sorted(self._forms, key=len, reverse=True)))
        whole = rf"(?<![\w-])(?:{alternatives})(?![\w-])"
        self._text_pattern = re.compile(whole)
        self._anywhere = re.compile(alternatives)
        self._bytes_pattern = re.compile(whole.encode("utf-8"), re.ASCII)

    @property
    def placeholders(self) -> frozenset[str]:
        """What :meth:`sent_text` writes for the named secrets (``$GRAPH_TOKEN``, …)."""
        return frozenset(f"${env}" for env in self._exact.values() if env)

    def _placeholder(self, env: str | None) -> str:
        return f"${env}" if env else REDACTED

    def sent_text(self, value: str) -> str:
        """``value`` as a record of what was sent: each secret replaced by ``$ENV`` (the
        variable holding it, so the record replays it), or by ``***`` when none is known."""
        if self._text_pattern is None:
            return value
        return self._text_pattern.sub(lambda m: self._placeholder(self._forms[m[0]]), value)

    def sent_bytes(self, value: bytes) -> bytes:
        if self._bytes_pattern is None:
            return value
        return self._bytes_pattern.sub(
            lambda m: self._placeholder(self._forms[m[0].decode("utf-8")]).encode(), value
        )

    def sent_header(self, value: str) -> str:
        """A header value (or URL) as sent: each part equal to a secret (any length), and
        each secret inside a part, replaced by its ``$ENV`` (``***`` when none is known)."""
        value = self._header_parts(value, sent=True)
        if self._anywhere is None:
            return value
        return self._anywhere.sub(lambda m: self._placeholder(self._forms[m[0]]), value)

    def header(self, value: str) -> str:
        """A header value (or URL) with each secret in it, of any length, replaced by ``***``."""
        value = self._header_parts(value, sent=False)
        return value if self._anywhere is None else self._anywhere.sub(REDACTED, value)

    def _header_parts(self, value: str, *, sent: bool) -> str:
        parts = _HEADER_SEPARATORS.split(value)
        return "".join(
            (self._placeholder(self._exact[part]) if sent else REDACTED)
            if part in self._exact
            else part
            for part in parts
        )

    def text(self, value: str) -> str:
        if self._text_pattern is None:
            return value
        return self._text_pattern.sub(REDACTED, value)

    def bytes(self, value: bytes) -> bytes:
        if self._bytes_pattern is None:
            return value
        return self._bytes_pattern.sub(REDACTED.encode(), value)


_HEADER_SEPARATORS: Final = re.compile(r"([\s,]+)")


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
