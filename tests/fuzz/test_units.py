"""Fast, in-process checks of the pieces: duration parsing and usage errors of ``graphcontract
fuzz``, the example-database profile, the contract classification of Schemathesis bodies, the
document Schemathesis generates from, the registered checks, and the coverage counters."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis.checks
from hypothesis import Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from graphcontract.cli import main as graphcontract_main
from graphcontract.contract import EVOLVABLE_SENTINEL, load_contract
from graphcontract.errors import UsageError
from graphcontract.fuzz.cli import parse_duration
from graphcontract.fuzz.database import describe, run_arguments, use_database
from graphcontract.fuzz.stats import Coverage
from graphcontract.mock.process import free_port
from graphcontract.stcompat.classify import classify_body
from graphcontract.stcompat.narrow import accepts_clause, enum_sites_in
from graphcontract.stcompat.schema import FOCUS_PREFIX, generation_document, load_document

CONTRACT = load_contract()


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("90s", 90), ("1h30m", 5400), ("45", 45), ("1.5m", 90)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "10x", "m", "-5s", "5 m", "4s", "5s"])
def test_bad_durations_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_duration(text)


def test_a_budget_shorter_than_one_round_is_refused_before_anything_is_created(tmp_path, capsys):
    reports = tmp_path / "reports"
    code = graphcontract_main(["fuzz", "--duration", "4s", "--report-dir", str(reports)])
    err = capsys.readouterr().err
    assert code == 2
    assert "--duration '4s' is shorter than" in err
    assert err.count("\n") == 1
    assert not reports.exists()


TOKEN = "fuzz-units-token"
UNREACHABLE = f"http://127.0.0.1:{free_port()}"
"""No campaign may start: a bad value that slipped through would fail on the probe instead."""


@pytest.mark.parametrize(
    ("args", "token", "message"),
    [
        ([], "bad tok", "does not hold a bearer token"),
        ([], f"{TOKEN}é", "does not hold a bearer token"),
        ([], f"Bearer {TOKEN}", "without 'Bearer '"),
        (["--rate-limit", "-1"], TOKEN, "--rate-limit must be"),
        (["--rate-limit", "1e-9"], TOKEN, "--rate-limit must be"),
        (["--timeout", "nan"], TOKEN, "--timeout must be positive and finite"),
        (["--user", ""], TOKEN, "--user '' is not a user id"),
        (["--user", "a/b"], TOKEN, "--user 'a/b' is not a user id"),
        (["--position-id", "../other"], TOKEN, "is not a position id"),
        (["--token-env", ""], TOKEN, "--token-env needs the name of an environment variable"),
        (["--readonly-token-env", "GC_UNITS_RO"], TOKEN, "does not hold a bearer token"),
        (["--base-url", "http://[::1"], TOKEN, "is not an http(s) URL"),
        (["--database", "unix:///tmp/x"], TOKEN, "give a directory or a redis://HOST:PORT/DB"),
    ],
    ids=[
        "token-with-space",
        "non-ascii-token",
        "token-with-scheme",
        "negative-rate",
        "rate-too-low-to-ever-finish",
        "nan-timeout",
        "empty-user",
        "user-with-slash",
        "position-path-traversal",
        "empty-token-env-name",
        "bad-readonly-token",
        "unclosed-ipv6-base-url",
        "unix-url-database",
    ],
)
def test_fuzz_validates_the_target_options_as_run_does(
    tmp_path, capsys, monkeypatch, args, token, message
):
    monkeypatch.setenv("GRAPH_TOKEN", token)
    monkeypatch.setenv("GC_UNITS_RO", "read only")
    monkeypatch.chdir(tmp_path)
    reports = tmp_path / "reports"
    argv = ["fuzz", "--base-url", UNREACHABLE, "--timeout", "1", "--duration", "60s"]
    code = graphcontract_main([*argv, "--report-dir", str(reports), *args])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert list(tmp_path.iterdir()) == [], "a bad configuration created folders"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duration", "soon"], "--duration 'soon'"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--database", f"redis://127.0.0.1:{free_port()}/0"], "cannot reach Redis"),
        (["--clause", "no.such.clause"], "unknown clause id"),
    ],
    ids=["duration", "workers", "redis-down", "clause"],
)
def test_usage_errors_are_one_line_exit_2(tmp_path, capsys, args, message):
    code = graphcontract_main(["fuzz", *args, "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_database_profile_replays_first(tmp_path):
    settings.register_profile("gc-units", max_examples=3, derandomize=True, database=None)
    use_database("gc-units", str(tmp_path / "db"))
    profile = settings.get_profile("gc-units")
    assert isinstance(profile.database, DirectoryBasedExampleDatabase)
    assert Phase.reuse in profile.phases
    assert profile.derandomize is False
    assert profile.max_examples == 3


def test_run_database_option_becomes_the_plugin_option(tmp_path):
    assert run_arguments(None) == []
    assert run_arguments(str(tmp_path / "db")) == ["--gc-database", str(tmp_path / "db")]
    assert (tmp_path / "db").is_dir()
    with pytest.raises(UsageError, match="cannot reach Redis"):
        run_arguments(f"redis://127.0.0.1:{free_port()}/0")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("unix:///tmp/x", "unix://… is not a database this harness can use"),
        ("http://example.invalid/db", "http://… is not a database this harness can use"),
        ("redis://[::1/0", "is not a valid Redis URL"),
        ("redis://:s3cret@db.example:99999/0", "is not a valid Redis URL"),
    ],
    ids=["unix-url", "http-url", "unclosed-ipv6-redis", "redis-bad-port"],
)
def test_database_urls_other_than_redis_are_refused(tmp_path, monkeypatch, spec, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=re.escape(message)) as raised:
        run_arguments(spec)
    assert "directory or a redis://HOST:PORT/DB URL" in str(raised.value)
    assert "s3cret" not in str(raised.value)
    assert list(tmp_path.iterdir()) == [], "a folder was made of a URL"


def test_redis_password_is_masked():
    assert describe("redis://:s3cret@db.example:6379/0") == "redis://:***@db.example:6379/0"


CLASSIFIED = [
    ({"isCurrent": True}, "accept", ()),
    ({"detail": {"company": {"address": {"city": "Oslo"}}}}, "accept", ()),
    ({"allowedAudiences": "nobody"}, "reject", ("enum.allowedAudiences.rejects",)),
    ({"allowedAudiences": ""}, "reject", ("enum.allowedAudiences.rejects",)),
    ({"allowedAudiences": True}, "reject", ("enum.allowedAudiences.rejects",)),
    ({"colleagues": [{"relationship": "boss"}]}, "reject", ("enum.nested",)),
    ({"detail": {"company": {"address": {"type": "x"}}}}, "reject", ("enum.nested",)),
    ({"detail": {"layer": 1.5}}, "reject", ("types.rejects",)),
    ({"detail": {"layer": 2**31}}, "reject", ("types.rejects",)),
    ({"detail": {"startMonthYear": "2020-02-30"}}, "reject", ("types.rejects",)),
    ({"inference": {"confidenceScore": "x"}}, "reject", ("types.rejects",)),
    ({"categories": [None, 1]}, "reject", ("types.rejects",)),
    ({"unknownThing": 1, "isCurrent": "yes"}, "reject", ("types.rejects",)),
    ([1], "reject", ("body.malformed",)),
    ({"allowedAudiences": "ORGANIZATION"}, "gray", ()),
    ({"allowedAudiences": "family,contacts"}, "gray", ()),
    ({"allowedAudiences": 8}, "gray", ()),
    ({"allowedAudiences": EVOLVABLE_SENTINEL}, "gray", ()),
    ({"colleagues": [{"relationship": "Manager"}]}, "gray", ()),
    ({"categories": None}, "gray", ()),
    ({"categories": [None]}, "gray", ()),
    ({"inference": {"confidenceScore": "NaN"}}, "gray", ()),
    ({"detail": {"layer": 4.0}}, "gray", ()),
    ({"@odata.type": "#microsoft.graph.workPosition"}, "gray", ()),
    ({"id": "other"}, "gray", ()),
    ({"isSearchable": True}, "gray", ()),
    ({"detail": {"unknownThing": 1}}, "gray", ()),
    ({}, "gray", ()),
]


@pytest.mark.parametrize(
    ("body", "kind", "clauses"), CLASSIFIED, ids=[json.dumps(b)[:50] for b, _, _ in CLASSIFIED]
)
def test_bodies_are_classified_by_the_contract(body, kind, clauses):
    result = classify_body(CONTRACT, json.dumps(body).encode(), "application/json")
    assert result.kind == kind, result.describe()
    assert result.reject_clauses == clauses


@pytest.mark.parametrize(
    ("raw", "media_type", "kind", "clauses"),
    [
        (b'{"isCurrent": tru', "application/json", "reject", ("body.malformed",)),
        (b"\xff\xfe", "application/json", "reject", ("body.malformed",)),
        (b'{"a": NaN}', "application/json", "reject", ("body.malformed",)),
        (b"", "application/json", "gray", ()),
        (b'{"isCurrent": true}', "text/plain", "reject", ("media.json-required",)),
    ],
    ids=["truncated", "not-utf8", "nan-token", "empty", "text-plain"],
)
def test_raw_bodies_are_classified(raw, media_type, kind, clauses):
    result = classify_body(CONTRACT, raw, media_type)
    assert result.kind == kind
    assert result.reject_clauses == clauses


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        yield from _walk(child)


def test_generation_document_leaves_gray_zones_out_of_requests():
    document = load_document(CONTRACT)
    generated = generation_document(document, CONTRACT)
    schemas = generated["components"]["schemas"]
    requests = [s for name, s in schemas.items() if name.startswith("Request_")]
    nodes = [n for schema in requests for n in _walk(schema) if isinstance(n, dict)]
    assert not any("patternProperties" in n for n in nodes)
    assert not any(EVOLVABLE_SENTINEL in n.get("enum", []) for n in nodes)
    assert not any("NaN" in n.get("enum", []) for n in nodes)
    assert "security" not in generated
    # responses are judged as documented; the file itself is untouched
    assert "patternProperties" in schemas["workPosition"]
    assert "security" in document
    focus = [p for p in generated["paths"] if p.startswith(FOCUS_PREFIX)]
    assert len(focus) == len(CONTRACT.enum_sites())


def test_graphcontract_oracles_are_registered_schemathesis_checks():
    for name in ("graph_omitted_fields_preserved", "graph_atomic_rejection"):
        check = getattr(schemathesis.checks, name)
        # outside a graphcontract case (e.g. under `st run`) there is nothing to judge
        assert check(None, type("R", (), {"status_code": 200})(), None) is None


def test_coverage_counts_properties_depths_and_enum_members():
    coverage = Coverage(CONTRACT)
    coverage.add_body(json.dumps({"detail": {"company": {"address": {"type": "home"}}}}).encode())
    coverage.add_body(json.dumps({"colleagues": [{"relationship": "Boss"}], "x": 1}).encode())
    coverage.add_body(b"[1]")
    coverage.add_body(b"{oops")
    summary = coverage.summary()
    assert summary["properties"]["detail.company.address.type"] == 1
    assert summary["nesting_depths"] == {"2": 1, "4": 1}
    assert summary["enum_members"]["detail.company.address.type"] == {"home": 1}
    assert summary["enum_members"]["colleagues[].relationship"] == {"(not a member)": 1}
    assert summary["undeclared_properties_sent"] == 1
    assert summary["bodies"] == {"object": 2, "JSON array": 1, "malformed JSON": 1}
    assert "isCurrent" in summary["properties_not_exercised"]


def test_refusals_are_narrowed_to_the_enum_sites_a_body_carries():
    body = {"allowedAudiences": "family", "colleagues": [{"relationship": "friend"}], "x": 1}
    sites = enum_sites_in(CONTRACT, body)
    assert [s.path for s in sites] == [("allowedAudiences",), ("colleagues", "[]", "relationship")]
    assert [accepts_clause(s) for s in sites] == ["enum.allowedAudiences.accepts", "enum.nested"]
    assert enum_sites_in(CONTRACT, {"isCurrent": True}) == []
