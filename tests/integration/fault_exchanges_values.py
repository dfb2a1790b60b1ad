"""Scripted exchanges of the faults that rewrite a valid value as they store it (a string in
another Unicode normalization form or trimmed, a collection deduplicated, an early year
shifted), for ``fault_exchanges.EXCHANGES``."""

from __future__ import annotations

from typing import Any

from .conftest import MockClient
from .fault_exchanges import Exchange

DECOMPOSED = "Cafe\u0301"
PADDED = "  padded  "


def _job_title_read_back(client: MockClient, title: str) -> Any:
    answer = client.patch({"detail": {"jobTitle": title}}).json()["detail"]["jobTitle"]
    return answer, client.get()["detail"]["jobTitle"]


def _decomposed(client: MockClient) -> Any:
    return _job_title_read_back(client, DECOMPOSED)


def _padded(client: MockClient) -> Any:
    return _job_title_read_back(client, PADDED)


def _repeated(client: MockClient) -> Any:
    return client.patch({"categories": ["a", "a", "b"]}).json()["categories"]


def _first_day(client: MockClient) -> Any:
    answer = client.patch({"detail": {"startMonthYear": "0001-01-01"}}).json()
    return answer["detail"]["startMonthYear"], client.get()["detail"]["startMonthYear"]


VALUE_EXCHANGES = {
    "nfc-normalize": Exchange(_decomposed, (DECOMPOSED, DECOMPOSED), ("Café", "Café")),
    "trim-strings": Exchange(_padded, (PADDED, PADDED), ("padded", "padded")),
    "dedupe-collections": Exchange(_repeated, ["a", "a", "b"], ["a", "b"]),
    "early-years-shifted": Exchange(
        _first_day, ("0001-01-01", "0001-01-01"), ("1901-01-01", "1901-01-01")
    ),
}
