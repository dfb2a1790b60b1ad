"""Reproducers: the curl line that re-sends a recorded request exactly.

Owns how a request becomes one shell command: every header as sent (curl's own framing
headers left to curl; the ones curl adds unasked and the request did not carry removed; an
empty value in curl's ``Name;`` spelling), each secret as the variable that holds it and only
that left for the shell to expand, and a body that cannot be an argument piped in by printf.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from typing import Final

CURL_SETS_ITSELF: Final = frozenset(
    {"content-length", "host", "accept-encoding", "connection", "user-agent"}
)
"""Headers a curl line leaves to curl: framing, and what no judgement depends on."""
CURL_DEFAULTS: Final = ("accept", "content-type")
"""Headers curl sends unasked (``Accept: */*``; a form Content-Type with ``--data-binary``):
removed (``-H 'Accept:'``) when the request did not carry them."""


def shell_word(text: str, variables: Collection[str]) -> str:
    """``text`` as one shell word, each of ``variables`` (``$NAME``) in it left to expand."""
    found = [v for v in sorted(variables, key=len, reverse=True) if v in text]
    if not found:
        return shlex.quote(text)
    pattern = re.compile("|".join(re.escape(v) for v in found))
    pieces, names = pattern.split(text), [m[1:] for m in pattern.findall(text)]
    if not any(c in piece for piece in pieces for c in '"\\$`!'):
        # Readable: one double-quoted word ("Authorization: Bearer $GRAPH_TOKEN").
        word = pieces[0]
        for name, piece in zip(names, pieces[1:], strict=True):
            word += (
                f"${{{name}}}" if piece[:1].isalnum() or piece[:1] == "_" else f"${name}"
            ) + piece
        return f'"{word}"'
    word = shlex.quote(pieces[0]) if pieces[0] else ""
    for name, piece in zip(names, pieces[1:], strict=True):
        word += f'"${{{name}}}"' + (shlex.quote(piece) if piece else "")
    return word


def _argument_text(body: bytes) -> str | None:
    """The body as a command-line argument, or None when it cannot be one (not UTF-8, or a
    NUL byte)."""
    if b"\x00" in body:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def curl_line(
    method: str,
    url: str,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    variables: Collection[str],
) -> str:
    """The curl command sending ``method`` to ``url`` with ``headers`` and ``body`` as
    recorded (each of ``variables``, ``$NAME``, in them expanded by the shell)."""
    parts = ["curl", "-sS", "-X", method, shell_word(url, variables)]
    sent = {name.lower() for name, _ in headers}
    for name, value in headers:
        if name.lower() in CURL_SETS_ITSELF:
            continue
        # "Name;" is curl's spelling of a header with an empty value ("Name:" drops it).
        header = f"{name}: {value}" if value else f"{name};"
        parts += ["-H", shell_word(header, variables)]
    for name in CURL_DEFAULTS:
        if name not in sent and (body or name != "content-type"):
            parts += ["-H", shlex.quote(f"{name.title()}:")]
    if not body:
        return " ".join(parts)
    text = _argument_text(body)
    if text is not None:
        return " ".join([*parts, "--data-binary", shell_word(text, variables)])
    escaped = "".join(f"\\{byte:03o}" for byte in body)
    return f"printf {shlex.quote(escaped)} | " + " ".join([*parts, "--data-binary", "@-"])
