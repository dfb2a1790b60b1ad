"""What a run leaves on a position that a PATCH cannot take back, and the probes it stops sending.

A restore writes the documented writable properties back; what else a target kept from the
run's bodies (an undeclared name stored as a property, a read-only value applied, an id that
moved the position) no PATCH can remove. ``leftovers`` compares the WHOLE position with the
snapshot taken before the first write: only the stamps every write must move (the
server-managed properties but id, createdDateTime and createdBy) may differ, and only as the
documented rule lets them (lastModifiedDateTime not before the snapshot's, not in the
future; lastModifiedBy not carrying a value the run sent). A declared property no client may
write (isSearchable, source) is the service's to recalculate: a leftover only when it holds
a value the run sent for it. Annotations the server answers with may change (an etag); one
the run sent that the position now holds is a leftover.

``ProbeLedger`` learns, after each write, which kind of probe the target stores (undeclared
names, read-only values) and refuses to send another probe of that kind to it
(``ProbeWithheld``), so a run leaves as little behind as possible.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

from graphcontract.contract import Contract, StructuredType
from graphcontract.oracles.compare import differences, get, parse_datetime, same
from graphcontract.oracles.update import CLOCK_SKEW, UNCHANGED_BY_WRITES
from graphcontract.oracles.verdict import show
from graphcontract.types import JSON, JSONObject, is_annotation, json_text, strings_in

UNKNOWN = "undeclared properties"
READ_ONLY = "read-only values"
KEY = "key values"
"""A body's key apart from the other read-only values: a store that applies it moves the
position (response.id, followed and moved back), which no other probe shows, so the key probe
is withheld only once a key was seen applied."""
KINDS = (UNKNOWN, READ_ONLY)


class ProbeWithheld(Exception):
    """A probe of a kind the target was seen to store is not sent (never a harness error)."""


def sent_object(body: JSON = None, content: bytes | None = None) -> JSONObject | None:
    """The JSON object a request body carries (``body``, or ``content`` when it parses as
    one), None for anything else."""
    if content is not None:
        try:
            body = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            return None
    return body if isinstance(body, dict) else None


def undeclared_names(
    contract: Contract, value: JSON, spec: StructuredType | None = None
) -> set[tuple[str, ...]]:
    """The paths of names in ``value`` no client may write: annotations, undeclared names (at
    any depth of a non-open type) and, at the top, undocumented properties."""
    top = spec is None
    spec = contract.entity if spec is None else spec
    found: set[tuple[str, ...]] = set()
    if not isinstance(value, dict):
        return found
    for name, item in value.items():
        prop = spec.properties.get(name)
        client_writable = not top or name in contract.updatable or name in contract.read_only
        if is_annotation(name) or (prop is None and not spec.open_type) or not client_writable:
            found.add((name,))
        elif prop is not None and contract.is_structured(prop.type_name):
            inner = contract.structured(prop.type_name)
            for part in item if isinstance(item, list) else [item]:
                found |= {(name, *sub) for sub in undeclared_names(contract, part, inner)}
    return found


def probe_kinds(contract: Contract, body: JSONObject) -> set[str]:
    """The kinds of probe a body carries (UNKNOWN, READ_ONLY, KEY)."""
    keys = set(contract.key_names)
    kinds = {KEY} if keys & body.keys() else set()
    if any(name in contract.read_only and name not in keys for name in body):
        kinds.add(READ_ONLY)
    return kinds | ({UNKNOWN} if undeclared_names(contract, body) else set())


def _at(state: JSON, path: tuple[str, ...]) -> JSON:
    """The value at ``path`` (items of a collection: the first that has the name)."""
    for part in path:
        if isinstance(state, list):
            state = next((i[part] for i in state if isinstance(i, dict) and part in i), None)
        else:
            state = state.get(part) if isinstance(state, dict) else None
    return state


class ProbeLedger:
    """What one run sent that a target may keep, and the kinds of probe it was seen to store."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.stored: dict[str, str] = {}
        """Each kind the target stored, with the first such probe (``name = value``)."""
        self.withheld: Counter[str] = Counter()
        self.annotations_sent: set[str] = set()
        self.read_only_texts: set[str] = set()
        self.undocumented_sent: dict[str, list[JSON]] = {}
        """The values the run sent for declared properties a client may not write."""

    def before_send(self, body: JSONObject | None) -> None:
        """Note what a body carries; ProbeWithheld when it is a probe of a stored kind."""
        if body is None:
            return
        blocked = sorted(probe_kinds(self.contract, body) & self.stored.keys())
        if blocked:
            for kind in blocked:
                self.withheld[kind] += 1
            raise ProbeWithheld(f"not sent: the target stores {', '.join(blocked)}")
        self.annotations_sent |= {name for name in body if is_annotation(name)}
        for name in self.contract.read_only:
            if name in body:
                self.read_only_texts |= set(strings_in(body[name]))
        for name in self.contract.undocumented:
            if name in body:
                self.undocumented_sent.setdefault(name, []).append(body[name])

    def learn(self, sent: JSONObject | None, before: JSONObject, after: JSONObject) -> list[str]:
        """The kinds of probe this write shows the target stores (new ones only), each as
        ``kind: name = value``; they are withheld from now on."""
        if sent is None:
            return []
        found: dict[str, str] = {}
        for name in sent:
            if name not in self.contract.read_only:
                continue
            value, kept = get(after, name), get(before, name)
            applied = same(value, sent[name], name) or _carries(value, sent[name], kept)
            if not same(value, kept, name) and applied:
                kind = KEY if name in self.contract.key_names else READ_ONLY
                found.setdefault(kind, f"{name} = {show(sent[name], 80)}")
        new = undeclared_names(self.contract, after) - undeclared_names(self.contract, before)
        for path in sorted(new & undeclared_names(self.contract, sent)):
            found.setdefault(UNKNOWN, f"{'.'.join(path)} = {show(_at(after, path), 80)}")
        fresh = {kind: what for kind, what in found.items() if kind not in self.stored}
        self.stored.update(fresh)
        return [f"{kind}: {what}" for kind, what in fresh.items()]

    def describe_withheld(self) -> str:
        """One line on the probes not sent, empty when none were withheld."""
        if not self.withheld:
            return ""
        parts = [f"{n} probe(s) of {kind}" for kind, n in sorted(self.withheld.items())]
        return f"{', '.join(parts)} not sent: the target stores them"


def _carries(value: JSON, sent: JSON, kept: JSON) -> bool:
    """A string the body sent (and the position did not hold) shows up in ``value``."""
    return bool((set(strings_in(sent)) - set(strings_in(kept))) & set(strings_in(value)))


def leftovers(
    contract: Contract,
    snapshot: JSONObject,
    final: JSONObject,
    ledger: ProbeLedger | None = None,
    *,
    now: datetime | None = None,
) -> list[str]:
    """Each way ``final`` differs from ``snapshot`` that no write explains, as
    ``path: before …, now …`` (empty: the whole position is back)."""
    now = now or datetime.now(UTC)
    sent_annotations = ledger.annotations_sent if ledger is not None else set()
    names = [k for k in {**snapshot, **final} if not is_annotation(k)]
    names += [k for k in final if k in sent_annotations and k not in snapshot]
    moved_by_writes = set(contract.server_managed) - set(UNCHANGED_BY_WRITES)
    out: list[str] = []
    for name in names:
        old, new = snapshot.get(name), final.get(name)
        if is_annotation(name):
            out.append(f"{name}: not there before the run, now {_quoted(new)} (sent by the run)")
            continue
        if name in moved_by_writes and _moved_as_documented(name, old, new, ledger, now):
            continue
        if name in contract.undocumented and not _sent_there(name, old, new, ledger):
            continue  # the service's own value (merge.recalculated), not one the run put there
        if name not in snapshot:
            if differences(None, new):  # an absent property equals null
                out.append(f"{name}: not there before the run, now {_quoted(new)}")
            continue
        for path in differences(old, new, name):
            where = tuple(path.split("."))  # differences() names declared properties only
            was, now_value = show(_at(snapshot, where), 80), show(_at(final, where), 80)
            out.append(f"{path}: {was} before the run, now {now_value}")
    return out


def _quoted(value: JSON) -> str:
    """A value for a leftover line: JSON text (a string in quotes, so "" shows), shortened."""
    text = json_text(value) if isinstance(value, str) else show(value, 80)
    return text if len(text) <= 80 else text[:80] + "…"


def _sent_there(name: str, old: JSON, new: JSON, ledger: ProbeLedger | None) -> bool:
    """Whether a declared property no client may write now holds a value the run sent for it
    (a service recalculates such properties: only what the run put there is a leftover). A
    Boolean or a number proves nothing (a recalculation may give the value the run sent)."""
    sent = ledger.undocumented_sent.get(name, []) if ledger is not None else []
    distinctive = isinstance(new, str | dict | list)
    return any((distinctive and same(new, v, name)) or _carries(new, v, old) for v in sent)


def _moved_as_documented(
    name: str, old: JSON, new: JSON, ledger: ProbeLedger | None, now: datetime
) -> bool:
    """A write's own stamp: a date-time not before the snapshot's and not in the future; an
    identity that holds no text the run sent as a read-only value."""
    if name.endswith("DateTime"):
        stamp, was = parse_datetime(new), parse_datetime(old)
        if stamp is None:
            return old is None and new is None
        return stamp <= now + CLOCK_SKEW and (was is None or stamp >= was)
    sent = ledger.read_only_texts if ledger is not None else set()
    return not (sent - set(strings_in(old))) & set(strings_in(new))
