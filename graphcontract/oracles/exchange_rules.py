"""Oracles that judge every exchange on its own: errors.envelope, server.no-5xx, and how a
JSON answer is encoded (under response.shape for 2xx, errors.envelope for errors)."""

from __future__ import annotations

import codecs
import json

from graphcontract.client import Exchange
from graphcontract.oracles.verdict import Verdict
from graphcontract.types import is_unusual_string, strings_in

ENVELOPE = "errors.envelope"
NO_5XX = "server.no-5xx"


def is_json_media_type(content_type: str | None) -> bool:
    """application/json or any +json type, parameters allowed."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def error_envelope(exchange: Exchange) -> Verdict | None:
    """A 4xx/5xx body is JSON {"error": {"code": str, "message": str, …}}; None for 1xx–3xx."""
    if exchange.status < 400:
        return None
    body = exchange.json_object()
    error = body.get("error") if body else None
    problems = []
    if not is_json_media_type(exchange.response.header("content-type")):
        problems.append(f"Content-Type {exchange.response.header('content-type')!r} is not JSON")
    if not isinstance(error, dict):
        problems.append('body has no "error" object')
    else:
        for member in ("code", "message"):
            if not isinstance(error.get(member), str):
                problems.append(f"error.{member} is not a string")
    if not problems:
        return Verdict.passed(ENVELOPE, exchange)
    return Verdict.failed(
        ENVELOPE,
        f"{exchange.status} answer without Graph's error envelope",
        sent=f"{exchange.request.method} {exchange.request.url}",
        expected='{"error": {"code": "<string>", "message": "<string>"}} as JSON',
        got="; ".join(problems)
        + " - body: "
        + exchange.response.body[:200].decode("utf-8", "replace"),
        exchange=exchange,
    )


def no_server_error(exchange: Exchange) -> Verdict:
    """No 5xx, but for 429/503 carrying Retry-After (throttling)."""
    status = exchange.status
    throttled = status in {429, 503} and exchange.response.header("retry-after") is not None
    if status < 500 or throttled:
        return Verdict.passed(NO_5XX, exchange)
    return Verdict.failed(
        NO_5XX,
        f"server error {status}" + _unusual_hint(exchange),
        sent=f"{exchange.request.method} {exchange.request.url} "
        + exchange.request.body[:300].decode("utf-8", "replace"),
        expected="a 2xx or 4xx answer",
        got=f"{status} " + exchange.response.body[:200].decode("utf-8", "replace"),
        exchange=exchange,
    )


def _unusual_hint(exchange: Exchange) -> str:
    """What to do when the request that met a 5xx held a string many stores cannot keep
    (strings.unusual): the service may store and answer it, or refuse it, never crash."""
    try:
        body = json.loads(exchange.request.body) if exchange.request.body else None
    except ValueError:
        return ""
    held = {_kind(text) for text in strings_in(body) if is_unusual_string(text)}
    if not held:
        return ""
    what = " and ".join(sorted(held))
    return f" on a string holding {what}: store and answer it (as an escape), or refuse it (400)"


def _kind(text: str) -> str:
    return "U+0000" if "\x00" in text else "a lone surrogate"


def json_encoding(exchange: Exchange) -> Verdict | None:
    """A JSON answer is UTF-8 without a byte order mark (RFC 8259 §8.1: it "MUST be encoded
    using UTF-8" and implementations "MUST NOT add a byte order mark"), and any answer decodes
    as its Content-Encoding says (RFC 9110 §8.4). Judged under response.shape for 2xx answers
    and errors.envelope for 4xx/5xx ones; None when there is nothing to say (most answers), so
    the per-request cost is a prefix check and one decode."""
    status = exchange.status
    clause = "response.shape" if 200 <= status < 300 else ENVELOPE if status >= 400 else None
    if clause is None:
        return None
    response = exchange.response
    problem = response.decoding_problem
    if problem is None and response.body and is_json_media_type(response.header("content-type")):
        problem = _utf8_problem(response.body)
    if problem is None:
        return None
    return Verdict.failed(
        clause,
        f"{status} answer whose body cannot be read as sent",
        sent=f"{exchange.request.method} {exchange.request.url}",
        expected="JSON in UTF-8 without a byte order mark, in the Content-Encoding it names",
        got=problem,
        exchange=exchange,
    )


def _utf8_problem(body: bytes) -> str | None:
    if body.startswith(codecs.BOM_UTF8):
        return "the JSON body starts with a UTF-8 byte order mark (RFC 8259 §8.1: must not)"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the JSON body is not UTF-8 ({exc.reason} at byte {exc.start}; RFC 8259 §8.1)"
    return None
