"""The helpers the third-party runs rely on: reading a curl line as a shell would, and the
OpenAPI 3.0 port of the contract that Connexion serves."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

from tests.thirdparty.openapi30 import CONTRACT, to_openapi30
from tests.thirdparty.replay import curl_request, curl_shim

CASES = {
    "token-from-env-stdin-body-no-content-type": (
        "printf 'a\\0b' | curl -sS -X PATCH 'http://h:1/p?q=1' -H 'Content-Type:' "
        '-H "Authorization: Bearer $GRAPH_TOKEN" --data-binary @-',
        ("PATCH", "/p?q=1", (("authorization", "Bearer TOK"),), b"a\x00b"),
    ),
    "bare-bearer-and-bytes-not-utf8": (
        "curl -X PATCH http://h:1/x -H 'Authorization: Bearer' "
        "-H 'Content-Type: application/json' --data-binary $'\\xfa{}'",
        (
            "PATCH",
            "/x",
            (("authorization", "Bearer"), ("content-type", "application/json")),
            b"\xfa{}",
        ),
    ),
    "body-without-content-type-gets-curls-form-type": (
        "curl -X PATCH http://h:1/x -H 'Accept: application/json' --data-binary '{}'",
        (
            "PATCH",
            "/x",
            (
                ("accept", "application/json"),
                ("content-type", "application/x-www-form-urlencoded"),
            ),
            b"{}",
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_curl_line_is_read_as_a_shell_would(case, tmp_path):
    line, (method, target, headers, body) = CASES[case]
    request = curl_request(line, curl_shim(tmp_path / "bin"), "TOK", tmp_path)
    assert (request.method, request.target, request.headers, request.body) == (
        method,
        target,
        headers,
        body,
    )


def test_openapi30_port_is_valid_openapi_30_and_keeps_every_operation():
    source = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    port = to_openapi30(source)
    assert port["openapi"] == "3.0.3"
    validate(port)
    assert port["paths"].keys() == source["paths"].keys()
    assert "patternProperties" not in yaml.safe_dump(port)


def test_openapi30_port_keeps_null_allowed_where_31_allows_it():
    node = {"anyOf": [{"$ref": "#/x"}, {"type": "null"}], "type": ["string", "null"]}
    assert to_openapi30(node) == {
        "anyOf": [{"$ref": "#/x"}, {"type": "string", "nullable": True, "enum": [None]}],
        "type": "string",
        "nullable": True,
    }
