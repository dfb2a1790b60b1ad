"""What a reproducer's curl line would send: the line runs in a real shell (so its quoting and
its ``$VARIABLES`` are the shell's), with ``curl`` replaced by a recorder of its arguments,
which are then read as curl reads them (its own Accept and form Content-Type, ``-H 'Name:'``
removing a header, ``-H 'Name;'`` sending it empty)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

RECORD = (
    "import json, sys; "
    "print(json.dumps({'argv': sys.argv[1:], 'stdin': sys.stdin.buffer.read().hex()}))"
)
CURL_ADDS = {"accept": "*/*"}
"""What curl sends unasked (besides Host, User-Agent and framing, which no test compares)."""
FORM = "application/x-www-form-urlencoded"
"""The Content-Type curl gives a --data-binary body unasked."""


@dataclass(frozen=True)
class Replayed:
    method: str
    url: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes


def replay(curl_line: str, env: dict[str, str]) -> Replayed:
    """The request ``curl_line`` sends in a shell whose environment holds ``env``."""
    script = f'curl() {{ "$GC_PYTHON" -c "$GC_RECORD" "$@"; }}\n{curl_line}\n'
    done = subprocess.run(
        ["sh", "-c", script],
        env={**env, "PATH": os.environ["PATH"], "GC_PYTHON": sys.executable, "GC_RECORD": RECORD},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=True,
        timeout=30,
    )
    recorded = json.loads(done.stdout)
    return read_arguments(recorded["argv"], bytes.fromhex(recorded["stdin"]))


def read_arguments(argv: list[str], stdin: bytes) -> Replayed:
    method, url, body = "GET", "", b""
    has_body = False
    asked: dict[str, str | None] = {}
    args = iter(argv)
    for arg in args:
        if arg == "-sS":
            continue
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            header = next(args)
            name, colon, value = header.partition(":")
            if colon:
                asked[name.strip().lower()] = value.strip() or None
            else:
                assert header.endswith(";"), header
                asked[header[:-1].strip().lower()] = ""
        elif arg == "--data-binary":
            value = next(args)
            body = stdin if value == "@-" else value.encode("utf-8")
            has_body = True
        else:
            assert not arg.startswith("-"), f"unexpected curl option {arg}"
            url = arg
    headers: dict[str, str | None] = {**CURL_ADDS, **({"content-type": FORM} if has_body else {})}
    headers.update(asked)
    return Replayed(method, url, {k: v for k, v in headers.items() if v is not None}, body)


CURL_SETS_ITSELF = {"content-length", "host", "accept-encoding", "connection", "user-agent"}
"""Headers a curl line leaves to curl (graphcontract.reproducer.CURL_SETS_ITSELF)."""


def expand(text: str, env: dict[str, str]) -> str:
    for name in sorted(env, key=len, reverse=True):
        text = text.replace(f"${name}", env[name])
    return text


def assert_replays(example: dict[str, Any], env: dict[str, str]) -> Replayed:
    """A report's counterexample: its curl line sends the request its record shows (each
    ``$VARIABLE`` in the record as ``env`` holds it)."""
    request = example["request"]
    assert "***" not in str(request), "a secret recorded without its variable is not replayed"
    again = replay(example["curl"], env)
    headers = {
        name.lower(): expand(value, env)
        for name, value in request["headers"].items()
        if name.lower() not in CURL_SETS_ITSELF
    }
    assert (again.method, again.url) == (request["method"], expand(request["url"], env))
    assert again.headers == headers, example["curl"]
    body = request["body"]
    if not body.endswith("more characters)"):  # shortened in the record
        assert again.body.decode("utf-8", "replace") == expand(body, env)
    return again
