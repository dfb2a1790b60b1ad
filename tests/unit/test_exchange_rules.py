"""The rules every exchange is judged by on its own: errors.envelope (Graph's error object on
every 4xx/5xx), server.no-5xx (throttling aside), whose failure says what to do when the
request held a string many stores cannot keep, and the encoding of JSON answers (UTF-8, no
byte order mark, the Content-Encoding they name)."""

from __future__ import annotations

import codecs
import dataclasses
import json

import pytest

from graphcontract.oracles.exchange_rules import error_envelope, json_encoding, no_server_error

from .oracle_samples import JSON_TYPE, SEED, exchange

ERROR = {"error": {"code": "BadRequest", "message": "no"}}


@pytest.mark.parametrize(
    ("status", "body", "content_type", "ok"),
    [
        (400, {"error": {"code": "BadRequest", "message": "no"}}, JSON_TYPE, True),
        (
            404,
            {"error": {"code": "itemNotFound", "message": "x", "innerError": {}}},
            "application/json",
            True,
        ),
        (400, b"Bad Request", "text/plain", False),
        (401, {"error": {"code": 401, "message": "x"}}, JSON_TYPE, False),
        (500, {"message": "boom"}, JSON_TYPE, False),
    ],
    ids=["envelope", "envelope-inner", "plain-text", "numeric-code", "no-error-member"],
)
def test_error_envelope(status, body, content_type, ok):
    verdict = error_envelope(exchange(status, body, content_type=content_type))
    assert verdict is not None
    assert (verdict.outcome == "pass") is ok


def test_envelope_not_judged_on_success():
    assert error_envelope(exchange(200, SEED)) is None


@pytest.mark.parametrize(
    ("status", "headers", "ok"),
    [
        (200, (), True),
        (400, (), True),
        (500, (), False),
        (503, (), False),
        (503, (("retry-after", "3"),), True),
        (429, (("retry-after", "1"),), True),
    ],
    ids=["200", "400", "500", "503-bare", "503-retry-after", "429-retry-after"],
)
def test_no_server_error(status, headers, ok):
    verdict = no_server_error(
        exchange(status, {"error": {"code": "x", "message": "y"}}, headers=headers)
    )
    assert (verdict.outcome == "pass") is ok


@pytest.mark.parametrize(
    ("sent", "hint"),
    [
        (b'{"detail": {"jobTitle": "a\\u0000b"}}', "U+0000"),
        (b'{"categories": ["\\ud800"]}', "a lone surrogate"),
        (b'{"detail": {"jobTitle": "\\ud83d\\ude80 a valid pair"}}', None),
        (b'{"detail": {"jobTitle": "plain"}}', None),
        (b"not json", None),
    ],
    ids=["nul", "lone-surrogate", "valid-surrogate-pair", "plain", "not-json"],
)
def test_a_5xx_to_an_unusual_string_says_what_the_service_may_do_instead(sent, hint):
    verdict = no_server_error(exchange(500, {"error": {"code": "x", "message": "y"}}, sent=sent))
    assert verdict.outcome == "fail"
    if hint is None:
        assert verdict.title == "server error 500"
    else:
        assert verdict.title.startswith(f"server error 500 on a string holding {hint}:")
        assert "refuse it (400)" in verdict.title


@pytest.mark.parametrize(
    ("status", "body", "content_type", "clause", "problem"),
    [
        (200, json.dumps(SEED).encode(), JSON_TYPE, None, None),
        (400, json.dumps(ERROR).encode(), JSON_TYPE, None, None),
        (200, codecs.BOM_UTF8 + json.dumps(SEED).encode(), JSON_TYPE, "response.shape",
         "byte order mark"),
        (400, codecs.BOM_UTF8 + json.dumps(ERROR).encode(), JSON_TYPE, "errors.envelope",
         "byte order mark"),
        (200, json.dumps(SEED).encode("utf-16"), JSON_TYPE, "response.shape", "not UTF-8"),
        (200, b'{"detail": {"jobTitle": "caf\xe9"}}', JSON_TYPE, "response.shape", "not UTF-8"),
        (200, codecs.BOM_UTF8 + b"plain words", "text/plain", None, None),
        (204, b"", JSON_TYPE, None, None),
    ],
    ids=["utf8-200", "utf8-400", "bom-200", "bom-400", "utf16", "latin1-byte",
         "not-json-type-not-judged", "empty"],
)  # fmt: skip
def test_json_answers_are_utf8_without_a_byte_order_mark(
    status, body, content_type, clause, problem
):
    verdict = json_encoding(exchange(status, body, content_type=content_type))
    if clause is None:
        assert verdict is None
    else:
        assert verdict is not None
        assert (verdict.clause, verdict.outcome) == (clause, "fail")
        assert problem in verdict.message


def test_an_answer_that_does_not_decode_as_labelled_fails_whatever_its_type():
    sample = exchange(200, SEED)
    undecodable = dataclasses.replace(
        sample,
        response=dataclasses.replace(
            sample.response, decoding_problem="Content-Encoding 'gzip' does not decode: x"
        ),
    )
    verdict = json_encoding(undecodable)
    assert verdict is not None
    assert (verdict.clause, verdict.outcome) == ("response.shape", "fail")
    assert "gzip" in verdict.message
