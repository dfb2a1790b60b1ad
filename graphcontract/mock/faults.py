"""The fault catalogue of the reference mock: each fault breaks exactly one behaviour.

``graphcontract mock --fault NAME`` turns one on. The harness's own tests run the harness
against every fault and expect the clauses in ``breaks`` to fail (and no clause outside
``breaks | may_also_break``), which proves each must-oracle fires. ``history`` marks the
faults a single write cannot show (the state machine alone must find them); ``misses`` says
why the state machine alone does not find a fault, and which dedicated case does. The
behaviour itself is implemented where it lives: HTTP faults in ``app.py``, state faults in
``state.py`` (what a fault does to a value or a stored name in ``fault_hooks.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphcontract.errors import UsageError

REFUSED_AUDIENCE_MEMBER = "federatedOrganizations"
"""The allowedAudiences member the ``audience-member-refused`` fault refuses."""

LONG_STRING = 255
"""``crash-on-long-string`` answers 500 to any string value longer than this (short enough for
the Schemathesis layer's explicit examples to meet it, too)."""

LOST_UPDATE_WINDOW_S = 0.02
"""``lost-update`` reads the position this long before it writes its update over that read."""

KEEPS_NOTHING = frozenset({"not-persisted", "generated-answers"})
"""Faults under which an accepted PATCH is answered but never stored."""

LONG_VALUE_LIMITS = (1000, 20)
"""``long-values-cut`` stores at most this many characters of a string, items of a collection."""


@dataclass(frozen=True)
class Fault:
    """One deliberate deviation from the contract."""

    name: str
    breaks: frozenset[str]
    may_also_break: frozenset[str]
    description: str
    history: str = ""
    """Why a single write cannot show it (the request before it that it needs); the state
    machine alone must find each such fault."""
    machine_misses: str = ""
    """Why the state machine alone does not find it, and which dedicated case does; empty
    when it does."""


def _fault(
    name: str, breaks: str, description: str, *also: str, history: str = "", misses: str = ""
) -> Fault:
    return Fault(name, frozenset(breaks.split()), frozenset(also), description, history, misses)


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        _fault("patch-returns-204", "paths.me",
               "PATCH via /me applies the change but answers 204 with an empty body",
               # the clauses whose accepting answer is a 200; those that judge a 200's body
               # or the state after it are not judged on a 204
               "enum.allowedAudiences.accepts", "enum.nested", "read-only.not-applied"),
        _fault("users-upn-404", "paths.users",
               "/users/{userPrincipalName}/... answers 404 while /users/{id}/... works",
               # the refusals the suite also sends via that form then answer 404
               "types.rejects", "enum.allowedAudiences.rejects", "enum.nested",
               "read-only.not-applied", "media.json-required", "auth.scope", "body.malformed"),
        _fault("users-upn-401", "paths.users",
               "/users/{userPrincipalName}/... answers 401 to the token /me and /users/{id} "
               "accept",
               # the refusals the suite also sends via that form then answer 401
               "types.rejects", "enum.allowedAudiences.rejects", "enum.nested",
               "read-only.not-applied", "media.json-required", "auth.scope", "body.malformed",
               "target.unknown-id"),
        _fault("users-ignores-user", "paths.users",
               "/users/{anyone}/... reads and writes the caller's positions, whoever it names",
               misses=(
                   "no: it names the run's user only; the unknown-user case of "
                   "test_contract_requests names another"
               )),
        _fault("bom-in-json", "response.shape errors.envelope",
               "every JSON answer starts with a UTF-8 byte order mark (RFC 8259 §8.1: must "
               "not), which lenient parsers skip and strict ones refuse"),
        _fault("touches-other-positions", "target.isolation",
               "an accepted update is applied to every position of the user, not only the "
               "one it names"),
        _fault("auth-optional", "auth.required",
               "a request without an Authorization header is treated as full access",
               misses=(
                   "no: every request carries the run's bearer token; the authorization cases of "
                   "test_contract_requests send none or an unusable one"
               )),
        _fault("auth-any-scheme", "auth.required",
               "an Authorization header that carries no bearer token (Basic credentials, a "
               "bare Bearer, an empty value) is treated as full access",
               misses=(
                   "no: every request carries the run's bearer token; the authorization cases of "
                   "test_contract_requests send none or an unusable one"
               )),
        _fault("scope-ignored", "auth.scope",
               "the read-only token may PATCH",
               misses=(
                   "no: it never sends the read-only token; the scope case of "
                   "test_contract_requests does"
               )),
        _fault("any-content-type", "media.json-required",
               "any Content-Type (or none) is parsed as JSON",
               misses=(
                   "no: it sends application/json only; the media-type cases of "
                   "test_contract_requests send others"
               )),
        _fault("media-parameters-refused", "paths.me paths.users",
               "JSON is refused with 415 when its Content-Type carries parameters "
               "(application/json; charset=utf-8, as .NET clients send it)",
               misses=(
                   "no: its Content-Type carries no parameter; the media-type cases of "
                   "test_contract_requests send a charset"
               )),
        _fault("unknown-id-upsert", "target.unknown-id",
               "PATCH to an unknown position id creates it and answers 200",
               "target.isolation",
               misses=(
                   "no: it writes the run's position only; the unknown-id cases of "
                   "test_contract_requests name another"
               )),  # the created position is still there at the end
        _fault("unknown-id-500", "target.unknown-id server.no-5xx",
               "a position id that does not exist is answered 500 (with the error envelope), "
               "not 404, as behind a validating proxy whose backend fails the lookup",
               misses=(
                   "no: it writes the run's position only; the unknown-id cases of "
                   "test_contract_requests name another"
               )),
        _fault("non-object-accepted", "body.malformed",
               "a JSON array/string/number/true/null body answers 200 and changes nothing"),
        _fault("audience-member-refused", "enum.allowedAudiences.accepts",
               f'allowedAudiences "{REFUSED_AUDIENCE_MEMBER}" is refused with 400'),
        _fault("audience-not-enforced", "enum.allowedAudiences.rejects",
               "any string is stored in allowedAudiences",
               "response.shape", "persisted",
               misses=(
                   "no: it draws a few wrong values at random per run; the wrong values at every "
                   "enum site (test_contract_values) are sent on every run"
               )),
        _fault("enum-cross-members", "enum.allowedAudiences.rejects enum.nested",
               "a member of any enum of the model is taken at every enum site (address.type "
               '"me", allowedAudiences "manager"), as a parser that looks names up in one '
               "table for all enums does"),
        _fault("nested-enum-not-enforced", "enum.nested",
               "any string is stored in relationship and address.type (not validated)",
               "response.shape", "persisted"),
        _fault("type-coercion", "types.rejects",
               '"true"/"false" strings are stored as booleans, numeric strings as numbers '
               "for Int32/Double properties, and numbers/booleans sent for String properties "
               "as their JSON text",
               "response.echo",
               misses=(
                   "no: it draws a few wrong values at random per run; the classic wrong values of "
                   "every type at every place (test_contract_values) are sent on every run"
               )),
        _fault("read-only-applied", "read-only.not-applied",
               "createdDateTime and createdBy sent in a body are stored",
               "server-managed.recalculated", "response.shape",
               misses=(
                   "no: it sends no read-only property; the read-only cases of "
                   "test_contract_values do"
               )),
        _fault("read-only-merged", "read-only.not-applied",
               "lastModifiedBy sent in a body is merged into the stored one: its application "
               "and device are kept next to the caller the server records",
               misses=(
                   "no: it sends no read-only property; the read-only cases of "
                   "test_contract_values do"
               )),
        _fault("id-writable", "read-only.not-applied response.id",
               "an id sent in a body is applied: the position moves to that key and its old "
               "id answers 404 (a store keyed by a column the update writes)",
               misses=(
                   "no: it sends no read-only property; the read-only cases of "
                   "test_contract_values do"
               )),
        _fault("stores-unknown-and-read-only", "read-only.not-applied",
               "the top-level names a body carries that a client may not write (undeclared, "
               "undocumented, annotations, read-only values but the id) are stored as sent "
               "and answered ever after, as a store that assigns a body onto the record does",
               "response.shape", "server-managed.recalculated",
               misses=(
                   "no: it sends no read-only or undeclared property; the read-only and "
                   "undeclared-property cases of test_contract_values do"
               )),
        _fault("non-atomic", "atomic.rejected",
               "when a body is invalid, its valid top-level properties are applied before the 400",
               "types.rejects", "enum.allowedAudiences.rejects", "enum.nested",
               "read-only.not-applied",
               misses=(
                   "no: it draws a few mixed bodies at random per run; the full body with one "
                   "wrong value (test_contract_values) is sent on every run"
               )),
        _fault("bad-datetime-format", "response.shape",
               'createdDateTime and lastModifiedDateTime are rendered like "07/06/2020 06:34:12"',
               "server-managed.recalculated",
               misses=(
                   "no: it compares values with the model and does not judge response.shape; the "
                   "schema check of each answer in the other tests does"
               )),
        _fault("wrong-content-type", "response.shape",
               "200 answers of PATCH carry Content-Type text/plain",
               misses=(
                   "no: it compares values with the model and does not judge response.shape; the "
                   "schema check of each answer in the other tests does"
               )),
        _fault("undeclared-property", "response.shape",
               "positions are answered with a displayName the metadata does not declare",
               misses=(
                   "no: it compares the writable values with the model and does not judge "
                   "response.shape; the schema check of each answer in the other tests does"
               )),
        _fault("wrong-response-id", "response.id",
               "PATCH answers and single GETs carry the id upper-cased",
               "server-managed.recalculated", "read-only.not-applied"),
        _fault("long-values-cut", "response.echo merge.collections-replace",
               f"strings longer than {LONG_VALUE_LIMITS[0]} characters and collections longer "
               f"than {LONG_VALUE_LIMITS[1]} items are cut to that length and answered 200 (a "
               "column width and a fixed-size child table in a store that does not fail)",
               misses=(
                   "no: its values stay below the lengths a store cuts; the long-value probes "
                   "(values.long, kept exactly when accepted) send longer ones"
               )),
        _fault("lossy-unicode", "response.echo",
               'non-ASCII characters are stored as "?"',
               "merge.collections-replace"),
        _fault("nfc-normalize", "response.echo",
               "strings are stored in Unicode Normalization Form C (a decomposed e + U+0301 "
               "reads back as the precomposed \u00e9, combining marks in canonical order)",
               "merge.collections-replace",
               misses=(
                   "no: its generated strings are seldom in another normalization form; the "
                   "edge-case catalog's NFD and combining-mark strings are sent at every string "
                   "site on every run"
               )),
        _fault("trim-strings", "response.echo",
               "leading and trailing spaces of every string are removed before it is stored",
               "merge.collections-replace",
               misses=(
                   "no: its generated strings are seldom padded; the edge-case catalog's padded "
                   "and whitespace-only strings are sent at every string site on every run"
               )),
        _fault("dedupe-collections", "merge.collections-replace",
               "a collection is stored with each item once (a set, or a unique index on the "
               "items): repeated items sent read back once",
               misses=(
                   "no: its generated collections seldom repeat an item; the edge-case catalog's "
                   "repeated items are sent at every collection on every run"
               )),
        _fault("early-years-shifted", "response.echo",
               "an Edm.Date of a year below 100 (0001-01-01) is stored 1900 years later, as "
               "JavaScript's new Date(year, month, day) reads such a year (a shifted nested "
               "date the state machine did not send in that write reads as merge.nested)",
               "merge.nested"),
        _fault("put-semantics", "merge.omitted-preserved",
               "top-level properties not sent are reset to null / []",
               "merge.nested"),
        _fault("lost-update", "merge.omitted-preserved merge.nested",
               "a PATCH merges its body into the position as read "
               f"{LOST_UPDATE_WINDOW_S * 1000:.0f} ms earlier and stores that: of two "
               "PATCHes in flight at once, both answered 200, the one stored last erases the "
               "other (a read-modify-write without a transaction or an ETag)",
               history="two PATCHes in flight at once"),
        _fault("answer-from-read-cache", "merge.omitted-preserved",
               "a PATCH answer is the body merged onto the copy of the position the last GET "
               "cached, while storage is updated right: a second PATCH with no GET between "
               "answers the first one's properties with their older values",
               "merge.nested", "persisted", "server-managed.recalculated",
               history="a second PATCH with no GET since the first"),
        _fault("flags-collapse-next-write", "merge.omitted-preserved",
               "an allowedAudiences flags combination is accepted and answered as sent, but "
               "the next write that leaves allowedAudiences out keeps only its first member "
               "(a single-valued column behind a value echoed from the request)",
               history="an accepted flags combination, then a write that leaves it out"),
        _fault("null-resurrects", "merge.null-clears",
               "null hides a complex value instead of deleting it; a partial value written "
               "over that null brings back the sub-properties it does not name",
               history="a null over a written value, then a partial value there"),
        _fault("nested-replace", "merge.nested",
               "a sent complex value replaces the old one wholly: "
               "sub-properties not sent become null"),
        _fault("collections-append", "merge.collections-replace",
               "a sent collection is appended to the old one",
               "response.echo", "enum.nested"),
        _fault("null-ignored", "merge.null-clears",
               "null leaves the old value in place"),
        _fault("nested-null-stored-as-false", "merge.null-clears",
               "null for a nested Boolean (inference.userHasVerifiedAccuracy) is stored as "
               "false, as a NOT NULL DEFAULT column does"),
        _fault("partial-resets-defaults", "merge.nested",
               "a partial complex value resets the Int32, Double, Boolean and enum "
               "sub-properties it omits to 0, false or the enum's first member, as an update "
               "DTO with non-nullable fields does",
               history="an earlier write of values that are not their types' defaults"),
        _fault("defaults-reset-on-change", "merge.nested",
               "as partial-resets-defaults, but only when the partial value changes something "
               "(a DTO behind a dirty check: a restatement writes nothing, a change in letter "
               "case resets the omitted siblings, and writing the old value back keeps them "
               "reset)",
               history="a value written earlier, changed, then written back"),
        _fault("stale-last-modified", "server-managed.recalculated",
               "lastModifiedDateTime never changes"),
        _fault("frozen-last-modified", "server-managed.recalculated",
               "every write stamps lastModifiedDateTime with the second the mock started (a "
               "clock read once), recent enough to pass a clock-skew allowance",
               misses=(
                   "no: not in a ci run, although it lives in the history of writes: a stamp "
                   "to the second kept by a write is a fault only more than a second after it "
                   "was first seen, and the machine's ci run seldom lasts that long (it judges "
                   "the rule; longer runs find it); the explicit suite, longer, does"
               )),
        _fault("created-changes", "server-managed.recalculated",
               "createdDateTime is set to now on every PATCH",
               "read-only.not-applied"),  # a body carrying createdDateTime sees it change too
        _fault("not-persisted", "persisted",
               "the 200 answer shows the change but nothing is stored (the explicit suite "
               "blames no other clause; the state machine, which judges the next write's "
               "answer before any read, may call the lost value a changed omitted property)",
               "merge.omitted-preserved",
               misses=(
                   "only under its knock-on clause merge.omitted-preserved: it judges the next "
                   "write's answer before any read, where the lost value shows as a changed "
                   "omitted property; a write read back (every explicit update) names persisted"
               )),
        _fault("generated-answers", "reads.stable",
               "every GET makes the position up afresh (its strings and booleans random, "
               "valid against the schema) and nothing is stored; a PATCH is validated as "
               "usual and answered with the body merged into the seed, as stateless mocks "
               "in a dynamic-example mode do"),
        _fault("plain-text-errors", "errors.envelope",
               '4xx bodies are text/plain with the reason phrase (e.g. "Bad Request")',
               "auth.required", "target.unknown-id"),
        _fault("crash-on-nul", "server.no-5xx",
               "a string holding U+0000 is answered 500 (what a PostgreSQL text column makes "
               "of it in a service that does not check)",
               misses=(
                   "no: its strings carry no U+0000 (a gray zone); the unusual-string cases "
                   "(strings.unusual) send it"
               )),
        _fault("annotations-refused", "paths.me",
               "a request body with any annotation (@odata.type included, even one that agrees "
               "with the metadata) is refused with 400, as a deserializer that knows only "
               "declared properties does",
               misses=(
                   "no: it sends no @odata.type control information; the annotated bodies of "
                   "test_contract_updates do"
               )),
        _fault("crash-on-long-string", "server.no-5xx",
               f"any string value longer than {LONG_STRING} characters is answered 500 "
               "(with the error envelope)"),  # a 5xx is judged by server.no-5xx alone
    )
}  # fmt: skip


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """The fault names as a set; UsageError naming the valid ones if any is unknown."""
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise UsageError(f"unknown fault {', '.join(unknown)}; choose from {', '.join(FAULTS)}")
    return chosen
