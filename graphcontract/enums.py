"""Graph enum values judged by meaning: the one place that knows which forms of an enum value
a client may send, which forms a service may answer with, and when two forms are one value.

A flags enum's value is a bit set. ``"family,contacts"``, ``"contacts, family"`` (the form
.NET's ``Enum.ToString()`` writes and ASP.NET Core OData's serializer emits), ``"3"`` and
``"me,family,contacts"`` (``me`` is 0, absorbed in a combination) are all the value 3. The
response schema (``response_pattern``), the oracles (through ``oracles.compare``) and the
reference mock read enum values here, so they agree by construction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

EVOLVABLE_SENTINEL = "unknownFutureValue"
"""Graph's evolvable-enum sentinel: clients must not send it (enum.*.gray)."""
ITEM_SEPARATOR_PATTERN = " *, *"
"""Between the items of a flags value: OData's ``,``; .NET writes ``, `` (and its reader
trims), so spaces around the comma are one form of the separator."""
ITEM_SEPARATOR = re.compile(ITEM_SEPARATOR_PATTERN)


@dataclass(frozen=True)
class EnumSpec:
    """A Graph enum type and its members."""

    name: str
    is_flags: bool
    members: Mapping[str, int]

    @property
    def sendable_members(self) -> tuple[str, ...]:
        """Members a client may send: all but the evolvable sentinel."""
        return tuple(m for m in self.members if m != EVOLVABLE_SENTINEL)

    @property
    def valid_numbers(self) -> frozenset[int]:
        """Every number a value of this enum may be: a member's value, or for a flags enum
        any union of members' values (0 included: ``me``)."""
        values = frozenset(self.members.values())
        if not self.is_flags:
            return values
        unions = {0}
        for value in values:
            unions |= {u | value for u in unions}
        return frozenset(unions)

    def meaning(self, value: object) -> int | None:
        """The number a sent or stored form denotes: a member name in any case, a number or
        numeric string, and for a flags enum a comma list of those (OR-ed). None when the
        form denotes no one value: an unknown name, a comma list for a non-flags enum, the
        evolvable sentinel (what a service does with it is its own business)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if not isinstance(value, str):
            return None
        parts = [part.strip() for part in value.split(",")]
        if len(parts) > 1 and not self.is_flags:
            return None
        folded = {m.casefold(): n for m, n in self.members.items() if m != EVOLVABLE_SENTINEL}
        total = 0
        for part in parts:
            if part.casefold() in folded:
                total |= folded[part.casefold()]
            elif part.isascii() and part.lstrip("-").isdigit():
                total |= int(part)
            else:
                return None
        return total

    def read(self, value: object) -> int | None:
        """The value an answer's form denotes, or None when the form is no value of this enum.

        OData JSON 4.01 section 7.1 writes an enum value as a string satisfying the ABNF rule
        enumValue: member names (exact case, identifiers are case-sensitive) or integer
        values, comma-joined for a flags enum. .NET writes a space after each comma; any
        order, a repeated member and ``me`` (0) inside a combination name the same bit set.
        The number must be one this enum can hold (``valid_numbers``)."""
        if not isinstance(value, str) or not value:
            return None
        parts = ITEM_SEPARATOR.split(value)
        if len(parts) > 1 and not self.is_flags:
            return None
        total = 0
        for part in parts:
            if part in self.members:
                total |= self.members[part]
            elif part.isascii() and part.isdigit():
                total |= int(part)
            else:
                return None
        return total if total in self.valid_numbers else None

    def same(self, a: object, b: object) -> bool:
        """Whether two answer forms denote one value of this enum (both must be values)."""
        meant = self.read(a)
        return meant is not None and meant == self.read(b)

    def response_pattern(self) -> str:
        """A regular expression matching exactly the strings ``read`` takes (JSON Schema
        ``pattern``), so the response schema and the oracles agree."""
        names = sorted(self.members, key=len, reverse=True)
        item = "|".join([*(re.escape(n) for n in names), _numbers_regex(self.valid_numbers)])
        if not self.is_flags:
            return f"^({item})$"
        return f"^({item})({ITEM_SEPARATOR_PATTERN}({item}))*$"

    def matches_member_ignoring_case(self, value: str) -> bool:
        return value.casefold() in {m.casefold() for m in self.members}

    def must_refuse(self, value: str) -> bool:
        """A string every conforming server must refuse for this enum: ``""``, a string no
        case rule maps to a member that is not a number or padded with spaces, or a comma
        list (OData's flags form, which .NET's Enum.Parse takes for any enum) with such a
        string among its items; other comma lists are gray."""
        if value == "":
            return True
        if "," in value:
            return any(part.strip() and self.must_refuse(part.strip()) for part in value.split(","))
        if value != value.strip():
            return False
        try:
            float(value)
            return False
        except ValueError:
            pass
        forms = {value, value.upper(), value.lower(), unicodedata.normalize("NFKC", value)}
        return not any(self.matches_member_ignoring_case(form) for form in forms)


def _numbers_regex(numbers: frozenset[int]) -> str:
    """Decimal integers (no sign, leading zeros allowed, as .NET's parser takes) whose value
    is in ``numbers``: a digit range when the numbers run from 0 without a gap, else a list."""
    top = max(numbers)
    if numbers != frozenset(range(top + 1)):
        return "0*(" + "|".join(str(n) for n in sorted(numbers, reverse=True)) + ")"
    return "0*(" + "|".join(_up_to(str(top))) + ")"


def _up_to(top: str) -> list[str]:
    """Alternatives matching the decimal numbers 0..``top`` written without leading zeros."""
    out = ["[0-9]"] if len(top) > 1 else [f"[0-{top}]"]
    out += [f"[1-9][0-9]{{{length - 1}}}" for length in range(2, len(top))]
    if len(top) > 1:
        for index, digit in enumerate(top):
            low = 1 if index == 0 else 0
            if int(digit) > low:
                rest = len(top) - index - 1
                tail = f"[0-9]{{{rest}}}" if rest else ""
                out.append(f"{top[:index]}[{low}-{int(digit) - 1}]{tail}")
        out.append(top)
    return out
