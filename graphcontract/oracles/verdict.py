"""The verdict an oracle returns: clause id, outcome, short title, sent/expected/got message."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Literal

from graphcontract.client import Exchange
from graphcontract.types import json_text, printable

Outcome = Literal["pass", "fail", "observed"]


@dataclass(frozen=True)
class History:
    """The writes a failure needed before it showed (a sequence of the state machine): what
    one request cannot reproduce."""

    steps: int
    """Steps of the sequence up to the failing one (the snapshot's restore not counted)."""
    cause: tuple[Exchange, ...]
    """The writes that sent what the failure shows: the failing step's, or the last step's
    that wrote when the failing step only read."""
    together: bool
    """The ``cause`` requests were sent at the same moment."""
    replay: str
    """The shell script that replays the whole sequence from the snapshot."""


@dataclass(frozen=True)
class Verdict:
    """One judgement of one clause on one exchange (or step)."""

    clause: str
    outcome: Outcome
    title: str = ""
    message: str = ""
    exchange: Exchange | None = None
    knock_on: bool = False
    """The failure was already visible in the state read before its request (an earlier
    write stored it): counted, but never the clause's headline while a first cause exists."""
    history: History | None = None
    """For a failure a single request does not show: the writes before it and their replay."""

    @classmethod
    def passed(cls, clause: str, exchange: Exchange | None = None) -> Verdict:
        return cls(clause, "pass", exchange=exchange)

    @classmethod
    def failed(
        cls,
        clause: str,
        title: str,
        *,
        sent: Any,
        expected: Any,
        got: Any,
        exchange: Exchange | None = None,
    ) -> Verdict:
        message = f"sent: {show(sent)}\nexpected: {show(expected)}\ngot: {show(got)}"
        return cls(clause, "fail", title, message, exchange)

    @classmethod
    def observed(
        cls, clause: str, title: str, message: str = "", exchange: Exchange | None = None
    ) -> Verdict:
        return cls(clause, "observed", title, message, exchange)

    def as_knock_on(self, note: str) -> Verdict:
        """This failure, marked as the knock-on of an earlier write, with ``note`` saying why."""
        return dataclasses.replace(self, knock_on=True, message=f"{self.message}\nnote: {note}")

    def describe(self) -> str:
        head = f"[{self.clause}] {self.title}" if self.title else f"[{self.clause}]"
        return head + (f"\n{self.message}" if self.message else "")


def request_body(exchange: Exchange) -> Any:
    """The body the request carried, for a message's ``sent:`` (decoded when it is JSON): what
    was sent, whatever part of it an oracle judges."""
    raw = exchange.request.body
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def show(value: Any, limit: int = 300) -> str:
    """Short, readable rendering of a value for messages (plain strings stay as they are)."""
    if isinstance(value, str) and not value.startswith(("{", "[", '"')) and "\n" not in value:
        text = printable(value)
    else:
        try:
            text = json_text(value, sort_keys=True)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
