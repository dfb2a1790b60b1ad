"""Reproducers replay exactly what was sent: every Authorization form the suite sends is
recorded and replayed as sent, with each secret as the variable that holds it, and no secret
in anything written out (records, curl lines, failure messages, report files)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from graphcontract.client import GraphClient, Redactor
from graphcontract.contract import load_contract
from graphcontract.oracles.rejection import expect_status
from graphcontract.oracles.update import Update, server_managed
from graphcontract.oracles.verdict import Verdict, show
from graphcontract.report.build import write_report
from graphcontract.reproducer import shell_word
from graphcontract.runner.recorder import ClauseTally
from graphcontract.runner.scenarios import SCHEME_SPELLINGS, UNUSABLE_AUTHORIZATION
from graphcontract.runner.target import Target
from tests.unit.curl_replay import CURL_SETS_ITSELF, replay
from tests.unit.oracle_samples import exchange
from tests.unit.test_report_html import clause, run

SECRET = "gc-secret-0f1e2d3c"
READONLY = "gc-readonly-4b5a6978"
TOKEN_ENV, READONLY_ENV = "GC_REPRO_TOKEN", "GC_REPRO_READONLY"
ENV = {TOKEN_ENV: SECRET, READONLY_ENV: READONLY}
BASE = "http://127.0.0.1:9"
PROBE = {"isCurrent": False, "detail": {"jobTitle": "graphcontract probe"}}


def authorization_forms() -> dict[str, tuple[dict[str, Any], str | None]]:
    """Each Authorization the suite sends (Target.patch's arguments, and the header the
    target receives), and two where the secret sits inside a header that is not the client's."""
    forms: dict[str, tuple[dict[str, Any], str | None]] = {
        "the-token": ({}, f"Bearer {SECRET}"),
        "none": ({"token": None}, None),
        "read-only-token": ({"token": READONLY}, f"Bearer {READONLY}"),
        "token-as-basic-credential": ({"authorization": f"Basic {SECRET}"}, f"Basic {SECRET}"),
        "token-glued-to-text": ({"authorization": f"Bearer {SECRET}x"}, f"Bearer {SECRET}x"),
    }
    for name, header in UNUSABLE_AUTHORIZATION.items():
        forms[name] = ({"authorization": header}, header)
    for scheme in SCHEME_SPELLINGS:
        forms[f"scheme-{scheme}"] = ({"authorization": f"{scheme} {SECRET}"}, f"{scheme} {SECRET}")
    return forms


FORMS = authorization_forms()


def as_recorded(header: str) -> str:
    return header.replace(SECRET, f"${TOKEN_ENV}").replace(READONLY, f"${READONLY_ENV}")


def sent_through_a_target(
    arguments: dict[str, Any], body: Any = PROBE, **extra: Any
) -> tuple[Any, httpx.Request]:
    """PATCH via Target.patch (as the scenarios send) to a target that refuses it (400 for
    the client's own token, else 401) echoing the Authorization it got; the exchange and the
    request as it went out."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        echoed = request.headers.get("authorization")
        status = 400 if echoed == f"Bearer {SECRET}" else 401
        return httpx.Response(status, json={"error": {"code": "x", "message": f"got {echoed}"}})

    client = GraphClient(
        BASE,
        token=SECRET,
        transport=httpx.MockTransport(handler),
        redactor=Redactor([SECRET, READONLY], env_names=[TOKEN_ENV, READONLY_ENV]),
        token_env=TOKEN_ENV,
    )
    with client:
        target = Target(load_contract(), client, "p1")
        exchange = target.patch(body, **arguments, **extra)
    return exchange, seen[-1]


def written_out(exchange: Any) -> str:
    """Everything the run writes from one exchange: its record, curl line and repr (failure
    messages quote answers as received: the files they go to are redacted as a whole)."""
    return "\n".join([json.dumps(exchange.to_dict()), exchange.curl(), repr(exchange)])


@pytest.mark.parametrize(("arguments", "header"), FORMS.values(), ids=FORMS.keys())
def test_each_authorization_is_recorded_and_replayed_as_sent(arguments, header):
    exchange, wire = sent_through_a_target(arguments)
    assert wire.headers.get("authorization") == header, "not sent as the scenario says"
    recorded = exchange.request.header("authorization")
    assert recorded == (None if header is None else as_recorded(header))
    assert exchange.to_dict()["request"]["headers"].get("Authorization") == recorded
    message = expect_status("auth.required", exchange, {403}, what="probe").describe()
    assert ("(no Authorization)" if header is None else f"(Authorization: {recorded})") in message
    again = replay(exchange.curl(), ENV)
    assert again.headers.get("authorization") == header
    assert (again.method, again.url, again.body) == (wire.method, str(wire.url), wire.content)
    sent = {k: v for k, v in wire.headers.items() if k not in CURL_SETS_ITSELF}
    assert again.headers == sent
    request = json.dumps(exchange.to_dict()["request"]) + exchange.curl()
    assert SECRET not in request
    assert READONLY not in request
    # What came back is free text: a secret is found there as a whole token, so the target's
    # echo of the glued "<secret>x" (another token, which no run sends) stays as received.
    assert not whole_token(SECRET, written_out(exchange))
    assert not whole_token(READONLY, written_out(exchange))


def whole_token(secret: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", text) is not None


@pytest.mark.parametrize(
    "accept", ["", "*/*", "application/json"], ids=["no-accept", "any", "json"]
)
@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/json"], ids=["no-type", "text", "json"]
)
def test_headers_curl_adds_unasked_are_replayed_as_they_were_sent(accept, content_type):
    exchange, wire = sent_through_a_target(
        {}, content=b'{"isCurrent": false}', content_type=content_type, accept=accept
    )
    again = replay(exchange.curl(), ENV)
    assert again.headers.get("accept") == wire.headers.get("accept")
    assert again.headers.get("content-type") == wire.headers.get("content-type")


@pytest.mark.parametrize(
    "content",
    [
        f'{{"detail": {{"jobTitle": "{SECRET}"}}}}'.encode(),
        b'{"note": "it\'s $HOME `x` \\\\ \\" !"}',
        b'{"isCurrent": \xff\x00 false}',
    ],
    ids=["secret-in-body", "shell-characters", "not-utf8-with-nul"],
)
def test_bodies_are_replayed_byte_for_byte(content):
    exchange, wire = sent_through_a_target({}, content=content)
    assert replay(exchange.curl(), ENV).body == wire.content == content
    assert SECRET not in written_out(exchange)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Bearer $T", '"Bearer $T"'),
        ("$Tx", '"${T}x"'),
        ('say "hi" $T', '\'say "hi" \'"${T}"'),
        ("plain", "plain"),
    ],
    ids=["readable", "glued-to-a-name", "double-quote-in-text", "no-variable"],
)
def test_shell_words_leave_only_the_variables_to_expand(text, word):
    assert shell_word(text, {"$T"}) == word


def test_report_files_show_the_header_as_sent_and_no_secret(tmp_path):
    exchange, _ = sent_through_a_target({"authorization": f"bearer {SECRET}"})
    tally = ClauseTally()
    tally.add(Verdict.failed("auth.required", "accepted", sent="x", expected=401, got=200,
                             exchange=exchange))  # fmt: skip
    failing = clause("auth.required", "fail", failed=1, counterexample=tally.counterexample)
    write_report(run("fail", [failing]), tmp_path, redact=Redactor([SECRET, READONLY]).text)
    for name in ("report.json", "report.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert SECRET not in text, name
        assert f"bearer ${TOKEN_ENV}" in text, name


def test_a_failure_message_shows_the_body_sent_not_the_part_an_oracle_judged():
    """A body of read-only properties only is judged as an update of nothing writable
    (check_read_only); its server-managed failure still says what the request carried."""
    seed = load_contract().seed["positions"][0]
    sent = {"lastModifiedDateTime": "2098-01-01T00:00:00Z"}
    answer = {**seed, **sent}
    raw = json.dumps(sent).encode()
    recorded = exchange(200, answer, sent=raw)
    started = datetime.now(UTC)
    update = Update(load_contract(), {}, seed, recorded, answer, answer, seed["id"], started)
    failure = server_managed(update)
    assert failure is not None
    assert failure.outcome == "fail"
    assert failure.message.startswith(f"sent: {show(sent)}\n")
