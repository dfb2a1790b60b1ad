"""Fixtures that start reference-mock processes (real uvicorn on loopback) and talk to them.

One conforming and one gray-variant process serve the whole session; tests that change the
first seeded position get it restored afterwards (``conforming`` / ``gray`` fixtures).
Faulty processes are started per test by ``test_mock_faults.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from graphcontract.contract import PropertySpec, load_contract
from graphcontract.mock.process import MockProcess
from tests.integration.forked import ForkedMock

TOKEN = "integration-test-token"


class MockClient:
    """httpx against one running mock, addressing its first (modifiable) seeded position."""

    def __init__(self, mock: MockProcess) -> None:
        self.mock = mock
        self.http = httpx.Client(
            base_url=mock.base_url, timeout=5.0, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        self.position_id = mock.position_ids[0]

    def path(self, position_id: str | None = None, via: str = "me") -> str:
        """The item path via ``me``, ``id`` (/users/{id}) or ``upn`` (/users/{upn})."""
        prefix = {
            "me": "/me",
            "id": f"/users/{self.mock.user_id}",
            "upn": f"/users/{self.mock.user_principal_name}",
        }[via]
        return f"{prefix}/profile/positions/{position_id or self.position_id}"

    def patch(
        self,
        body: Any = None,
        *,
        position_id: str | None = None,
        via: str = "me",
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """PATCH ``body`` as JSON (or raw ``content`` with the given headers)."""
        path = self.path(position_id, via)
        if content is not None:
            return self.http.patch(path, content=content, headers=headers)
        return self.http.patch(path, json=body, headers=headers)

    def anonymous(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request without any Authorization header."""
        return httpx.request(method, f"{self.mock.base_url}{path}", timeout=5.0, **kwargs)

    def get(self, position_id: str | None = None, via: str = "me") -> dict[str, Any]:
        response = self.http.get(self.path(position_id, via))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def restore(self, snapshot: dict[str, Any]) -> None:
        """PATCH every updatable property back to its value in ``snapshot``."""
        contract = load_contract()
        body = {
            name: complete(snapshot.get(name), contract.entity.properties[name])
            for name in contract.updatable
        }
        response = self.patch(body)
        assert response.status_code == 200, response.text

    def close(self) -> None:
        self.http.close()


def complete(value: Any, prop: PropertySpec) -> Any:
    """``value`` with every declared sub-property present (null / [] where missing)."""
    contract = load_contract()
    if prop.collection:
        return [complete(v, _item(prop)) for v in value] if isinstance(value, list) else []
    if isinstance(value, dict) and contract.is_structured(prop.type_name):
        spec = contract.structured(prop.type_name)
        return {n: complete(value.get(n), p) for n, p in spec.properties.items()}
    return value


def _item(prop: PropertySpec) -> PropertySpec:
    return PropertySpec(prop.name, prop.type_name, False, True, prop.access)


@pytest.fixture(scope="session")
def conforming_mock() -> Iterator[MockProcess]:
    with ForkedMock() as mock:
        yield mock


@pytest.fixture(scope="session")
def gray_mock() -> Iterator[MockProcess]:
    with ForkedMock(variant="gray") as mock:
        yield mock


def _restoring_client(mock: MockProcess) -> Iterator[MockClient]:
    client = MockClient(mock)
    snapshot = client.get()
    try:
        yield client
    finally:
        client.restore(snapshot)
        client.close()


@pytest.fixture
def conforming(conforming_mock: MockProcess) -> Iterator[MockClient]:
    """A client of the shared conforming mock; the first position is restored afterwards."""
    yield from _restoring_client(conforming_mock)


@pytest.fixture
def gray(gray_mock: MockProcess) -> Iterator[MockClient]:
    """A client of the shared gray-variant mock; the first position is restored afterwards."""
    yield from _restoring_client(gray_mock)


@pytest.fixture(params=["conforming", "gray"])
def either(request: pytest.FixtureRequest) -> MockClient:
    """Each of the two conforming variants in turn (restored afterwards)."""
    client: MockClient = request.getfixturevalue(request.param)
    return client
