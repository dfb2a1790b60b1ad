"""Oracles for a gray-zone body the service accepted (200): accepting an open form (a flags
list, a number, another case, ``{}``, an undeclared property, control information, a string
holding U+0000 or a lone surrogate) is the service's choice, what it then stores is not.
Everything but the echo of the open value is judged as for any update.
"""

from __future__ import annotations

from graphcontract.oracles.compare import at, exactly_equal, leaves
from graphcontract.oracles.update import (
    Update,
    nested_merge,
    omitted_preserved,
    persisted,
    recalculated,
    response_id,
    response_shape,
    server_managed,
)
from graphcontract.oracles.verdict import Verdict, show
from graphcontract.types import JSON, is_unusual_string


def enum_meaning_kept(u: Update) -> list[Verdict]:
    """An enum value in an open form (a flags list, a number, another case) that the service
    accepted keeps its meaning: ``"family,contacts"`` stored as ``"family"`` lost a flag.
    Whether to accept the form is the service's choice; what it then stores is not. A
    value that is no form of a value (``"family, bogus"``, or the JSON number ``8``, which OData
    JSON never writes for an enum) is response.shape's to judge: its first cause is the answer's
    form, not a lost meaning."""
    verdicts: list[Verdict] = []
    for site in u.contract.enum_sites():
        sent = at(u.sent, site.path)
        meant = site.enum.meaning(sent)
        if meant is None:
            continue
        got = at(u.body, site.path)
        if got is not None and not (isinstance(got, str) and site.enum.read(got) is not None):
            continue
        where = ".".join(site.path).replace(".[]", "[0]")
        kept = site.enum.read(got) == meant
        expected = f"a form of {site.enum.name} value {meant}"
        verdicts.append(_echo(u, where, sent, got, kept=kept, expected=expected))
    return verdicts


def _echo(u: Update, where: str, sent: JSON, got: JSON, *, kept: bool, expected: str) -> Verdict:
    """response.echo of one accepted open value: kept, or stored as another value."""
    if kept:
        return Verdict.passed("response.echo", u.exchange)
    return Verdict.failed(
        "response.echo",
        f"{where}: the accepted value {show(sent, 60)} is stored as another value",
        sent={where: sent},
        expected=expected,
        got={where: got},
        exchange=u.exchange,
    )


REPLACEMENT_CHARACTER = "\ufffd"


def _replaced(text: JSON) -> JSON:
    """``text`` with each lone surrogate replaced by U+FFFD, as a lenient decoder stores it."""
    if not isinstance(text, str):
        return text
    return "".join(REPLACEMENT_CHARACTER if "\ud800" <= c <= "\udfff" else c for c in text)


def strings_kept(u: Update) -> list[Verdict]:
    """A string holding U+0000 or a lone surrogate that the service accepted reads back as
    sent; a lone surrogate may read back as U+FFFD (what Unicode prescribes for ill-formed
    text). Dropping the U+0000, cutting the string there, or any other change loses data."""
    verdicts: list[Verdict] = []
    for path, sent in leaves(u.sent):
        items = sent if isinstance(sent, list) else [sent]
        if not any(is_unusual_string(item) for item in items):
            continue
        got = at(u.body, path)
        replaced = [_replaced(i) for i in items] if isinstance(sent, list) else _replaced(sent)
        kept = exactly_equal(got, sent) or exactly_equal(got, replaced)
        expected = "the string as sent (a lone surrogate may become U+FFFD)"
        verdicts.append(_echo(u, ".".join(path), sent, got, kept=kept, expected=expected))
    return verdicts


def judge_gray_update(
    u: Update, *, nested_policy: str = "merge", extra_policy: str = "fail"
) -> list[Verdict]:
    """A 200 to a gray-zone body. Accepting the open form was the service's choice; what it
    then did is judged like any update, except that the open value itself is not compared as
    sent: an enum form may come back canonical, but must keep its meaning."""
    verdicts: list[Verdict] = [*response_shape(u, extra=extra_policy), response_id(u)]
    verdicts += [omitted_preserved(u), recalculated(u), *enum_meaning_kept(u), *strings_kept(u)]
    for optional in (nested_merge(u, policy=nested_policy), server_managed(u), persisted(u)):
        if optional is not None:
            verdicts.append(optional)
    return verdicts
