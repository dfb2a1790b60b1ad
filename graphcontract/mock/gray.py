"""Gray-zone choices of the reference mock: where the documentation lets a server go either way.

``GrayChoices()`` is the reference (conforming) behaviour; ``GrayChoices().flipped()`` is the
"second conforming variant" that takes the other side of every gray zone, so the harness can
prove that none of its must-oracles depends on one reading of an open question;
``DOTNET_CHOICES`` writes what an ASP.NET Core OData service writes (flags as ``"family,
contacts"``, other time offsets, doubles as .NET formats them, etags, tips, gzip). This module
also owns the enum normalisation those choices imply (flags combinations, numeric values,
case variants), which the mock applies to every enum site, nested ones included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from graphcontract.contract import EVOLVABLE_SENTINEL, EnumSpec
from graphcontract.errors import UsageError

GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)
PLAIN_JSON_CONTENT_TYPE = "application/json"

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


DOTNET_FORMS = ("flags_form", "local_time_offsets", "dotnet_doubles", "etag_and_tips", "gzip")
"""Choices of how an answer writes a value (DOTNET_CHOICES takes them all), kept out of
``flipped()`` so each conforming variant writes one consistent set of forms."""

STRICT_LIMITS = (1000, 20)
"""The limits of ``strict_limits`` (below the values.long cases, above every must-accept body)."""


@dataclass(frozen=True)
class GrayChoices:
    """One answer per gray zone; each field's default is the reference choice."""

    unknown_properties: Literal["reject", "ignore"] = "reject"
    """A property the metadata does not declare is refused (400) or ignored (200)."""
    read_only: Literal["ignore", "reject"] = "ignore"
    """A read-only property in a body (id, created*, lastModified*) is ignored (200, not
    applied) or refused (400)."""
    null_collections: bool = False
    """An empty collection is answered as null instead of []."""
    media_type_status: Literal[415, 400] = 415
    """The status of a body sent with a Content-Type that is not JSON."""
    flags_combinations: Literal["accept", "reject"] = "accept"
    """allowedAudiences as comma-joined members ("family,contacts") is accepted or refused."""
    numeric_enums: Literal["reject", "accept"] = "reject"
    """An enum value given as its number (3, "3") is refused or accepted."""
    case_insensitive_enums: bool = False
    """An enum member in another letter case ("FAMILY") is accepted as that member."""
    unknown_future_value: Literal["reject", "accept"] = "reject"
    """Graph's evolvable-enum sentinel unknownFutureValue is refused or accepted."""
    omit_nulls: bool = False
    """Answers leave out properties whose value is null instead of writing null."""
    recalculate_searchable: bool = False
    """isSearchable (not writable by clients) follows isCurrent on every accepted write: the
    page lets omitted properties "be recalculated based on changes to other property values"."""
    recalculate_current: bool = False
    """isCurrent (writable, not sent) follows a detail.endMonthYear the write changed: an end
    month in the past makes it false, none makes it true (the same licence, for a property
    clients may write too)."""
    annotate: bool = False
    """Position answers carry property annotations (``createdDateTime@odata.type``, one inside
    detail) and an instance annotation whose value changes with every answer."""
    offset_timestamps: bool = False
    """PATCH answers write DateTimeOffset values with ``+00:00``, GET answers with ``Z``: two
    forms of one instant."""
    documented_source: bool = False
    """source is typed as the docs and the national-cloud metadata say (personDataSource, its
    type a String), not as the Prod metadata does (personDataSources, a collection)."""
    strict_annotations: bool = False
    """Control information the metadata does not back is refused (400): ``@odata.type``
    without its ``#`` or naming another type, unknown ``odata.*`` names, annotations of other
    vocabularies. The reference ignores every annotation in a request."""
    strict_strings: bool = False
    """A string holding U+0000 or a lone surrogate is refused (400); the reference stores it
    as sent."""
    strict_limits: bool = False
    """Strings over STRICT_LIMITS[0] characters and collections over STRICT_LIMITS[1] items
    are refused (400, a limit nothing documents); the reference stores any length."""
    flags_form: Literal["odata", "dotnet"] = "odata"
    """How a flags value is written: ``"family,contacts"``, or as .NET's ``Enum.ToString()``
    writes it, ``"family, contacts"`` with ``me`` (0) dropped from a combination (its reader
    then takes spaces around the commas)."""
    local_time_offsets: bool = False
    """Answers write DateTimeOffset values in another offset (``+05:30``): the same instant."""
    dotnet_doubles: bool = False
    """Answers write Double values as .NET does: ``1E-05`` (``double.ToString("R")``, also
    ODataLib's XmlConvert form), a whole value without a fraction (System.Text.Json's ``3``)."""
    etag_and_tips: bool = False
    """Position answers carry ``@odata.etag`` (new with every write) and Graph's
    ``@microsoft.graph.tips`` instance annotation."""
    gzip: bool = False
    """Answers are gzip-compressed (Content-Encoding: gzip) when the request accepts gzip."""
    odata_context: bool = True
    """Answers carry @odata.context."""
    content_type: str = GRAPH_CONTENT_TYPE
    """The Content-Type of JSON answers: Graph's, with its OData parameters, or plain
    application/json."""

    def flipped(self) -> GrayChoices:
        """Every choice taken the other way (the second conforming variant), but for the
        forms of values (DOTNET_FORMS), which the dotnet variant takes."""
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            current = getattr(self, f.name)
            if f.name in DOTNET_FORMS:
                continue
            if f.name == "content_type":
                changes[f.name] = (
                    PLAIN_JSON_CONTENT_TYPE if current == GRAPH_CONTENT_TYPE else GRAPH_CONTENT_TYPE
                )
            elif isinstance(current, bool):
                changes[f.name] = not current
            else:
                first, second = _options(f.name)
                changes[f.name] = second if current == first else first
        return dataclasses.replace(self, **changes)

    @classmethod
    def parse(cls, items: Iterable[str], base: GrayChoices | None = None) -> GrayChoices:
        """``["key=value", …]`` applied over ``base`` (default: the reference choices)."""
        choices = base if base is not None else cls()
        known = {f.name: f for f in dataclasses.fields(cls)}
        changes: dict[str, Any] = {}
        for item in items:
            key, sep, raw = item.partition("=")
            key, raw = key.strip().replace("-", "_"), raw.strip()
            if not sep or key not in known:
                raise UsageError(
                    f"--gray expects KEY=VALUE with KEY one of {', '.join(known)}; got {item!r}"
                )
            changes[key] = _parse_value(key, raw, getattr(choices, key))
        return dataclasses.replace(choices, **changes)

    def describe(self) -> str:
        """``key=value`` pairs, one per choice (for logs and reports)."""
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in dataclasses.fields(self))


def _options(name: str) -> tuple[Any, Any]:
    """The two values of a two-way (non-bool) choice, reference first."""
    hints = {
        "unknown_properties": ("reject", "ignore"),
        "read_only": ("ignore", "reject"),
        "media_type_status": (415, 400),
        "flags_combinations": ("accept", "reject"),
        "numeric_enums": ("reject", "accept"),
        "unknown_future_value": ("reject", "accept"),
        "flags_form": ("odata", "dotnet"),
    }
    return hints[name]


def _parse_value(key: str, raw: str, current: Any) -> Any:
    if key == "content_type":
        if raw.split(";")[0].strip().lower() != PLAIN_JSON_CONTENT_TYPE:
            raise UsageError(
                f"--gray content_type must be application/json (parameters allowed); got {raw!r}"
            )
        return raw
    if isinstance(current, bool):
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise UsageError(f"--gray {key} expects true or false; got {raw!r}")
    options = _options(key)
    for option in options:
        if raw == str(option):
            return option
    raise UsageError(
        f"--gray {key} expects one of {', '.join(str(o) for o in options)}; got {raw!r}"
    )


def normalise_enum(value: Any, enum: EnumSpec, gray: GrayChoices) -> str | None:
    """The canonical member name(s) ``value`` stands for under ``gray``, or None if none.

    Canonical: one member name, or for flags enums the member names joined by commas in
    declaration order without duplicates. ``unknownFutureValue`` is returned like any
    member; refusing it is the caller's business (``gray.unknown_future_value``).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _from_number(value, enum, gray)
    if not isinstance(value, str) or value == "":
        return None
    if _is_ascii_number(value):
        return _from_number(int(value), enum, gray)
    parts = value.split(",")
    if gray.flags_form == "dotnet":
        parts = [part.strip() for part in parts]  # .NET's Enum.Parse trims each name
    if len(parts) > 1 and not (enum.is_flags and gray.flags_combinations == "accept"):
        return None
    names = [_member(p, enum, gray) for p in parts]
    if any(n is None for n in names):
        return None
    return _join([n for n in names if n is not None], enum, gray)


def members_of(canonical: str) -> list[str]:
    """The member names a canonical enum value is written with."""
    return [name.strip() for name in canonical.split(",")]


def is_sentinel(canonical: str) -> bool:
    """Whether a canonical enum value names Graph's evolvable-enum sentinel."""
    return EVOLVABLE_SENTINEL in members_of(canonical)


def _member(text: str, enum: EnumSpec, gray: GrayChoices) -> str | None:
    if text in enum.members:
        return text
    if gray.case_insensitive_enums:
        for name in enum.members:
            if name.casefold() == text.casefold():
                return name
    if _is_ascii_number(text):
        return _from_number(int(text), enum, gray)
    return None


def _is_ascii_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _from_number(number: int, enum: EnumSpec, gray: GrayChoices) -> str | None:
    if gray.numeric_enums != "accept" or number < 0:
        return None
    by_value = {v: n for n, v in enum.members.items()}
    if not enum.is_flags or number in by_value:
        return by_value.get(number)
    names = [n for n, v in enum.members.items() if v and number & v == v]
    if sum(enum.members[n] for n in names) != number:
        return None
    if len(names) > 1 and gray.flags_combinations != "accept":
        return None
    return _join(names, enum, gray)


def _join(names: list[str], enum: EnumSpec, gray: GrayChoices) -> str:
    """Members in declaration order, once each; in .NET's form, without a zero member in a
    combination and with ", " between them."""
    wanted = set(names)
    ordered = [n for n in enum.members if n in wanted]
    if gray.flags_form != "dotnet":
        return ",".join(ordered)
    flagged = [n for n in ordered if enum.members[n] != 0]
    return ", ".join(flagged or ordered)


DOTNET_CHOICES = GrayChoices(
    numeric_enums="accept",
    flags_form="dotnet",
    local_time_offsets=True,
    dotnet_doubles=True,
    etag_and_tips=True,
    gzip=True,
)
"""A conforming service written with ASP.NET Core OData: the forms its serializer writes."""


STRICT_CHOICES = GrayChoices(
    unknown_properties="reject",
    read_only="reject",
    flags_combinations="reject",
    numeric_enums="reject",
    unknown_future_value="reject",
    strict_annotations=True,
    strict_strings=True,
    strict_limits=True,
)
"""A conforming service that refuses every open form with 400: undeclared and read-only
properties, flags combinations, numbers and other cases for enums, unknownFutureValue,
control information the metadata does not back, U+0000 and lone surrogates, long values."""
