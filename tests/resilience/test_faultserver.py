"""The fault server itself: each configured fault really happens on the wire, the rest is
forwarded untouched, and premature retries are counted."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from graphcontract.faultserver import FaultPlan
from graphcontract.mock.process import MockProcess
from tests.resilience.conftest import faults

LIST = "/me/profile/positions"
AUTH = {"Authorization": "Bearer fault-server-test"}


def get(base_url: str) -> httpx.Response:
    return httpx.get(base_url + LIST, headers=AUTH, timeout=1.0)


@pytest.mark.parametrize(
    ("plan", "check"),
    [
        (
            {"throttle_every": 1, "retry_after": "7"},
            lambda r: r.status_code == 429 and r.headers["retry-after"] == "7",
        ),
        (
            {"unavailable_every": 1, "retry_after": ""},
            lambda r: r.status_code == 503 and "retry-after" not in r.headers,
        ),
        (
            {"gateway_every": 1},
            lambda r: r.status_code == 502 and r.headers["content-type"] == "text/html",
        ),
        (
            {"oversize_every": 1, "oversize_bytes": 3_000_000},
            lambda r: r.status_code == 200 and len(r.content) > 3_000_000,
        ),
        (
            {"echo_auth": True},
            lambda r: (
                r.status_code == 200 and r.headers["x-echo-authorization"] == AUTH["Authorization"]
            ),
        ),
    ],
    ids=["429", "503-without-retry-after", "html-502", "oversized", "echo"],
)
def test_answers_it_makes_itself(shared_mock: MockProcess, plan, check):
    with faults(shared_mock, **plan) as server:
        assert check(get(server.base_url))


@pytest.mark.parametrize(
    ("plan", "error"),
    [
        ({"drop_every": 1}, httpx.RemoteProtocolError),
        ({"drop_every": 1, "drop_mode": "reset"}, httpx.ReadError),
        ({"truncate_every": 1}, httpx.RemoteProtocolError),
        ({"slow_every": 1, "slow_s": 1.3}, httpx.ReadTimeout),
    ],
    ids=["dropped", "reset", "truncated", "slow"],
)
def test_broken_connections(shared_mock: MockProcess, plan, error):
    with faults(shared_mock, **plan) as server, pytest.raises(error):
        get(server.base_url)


def test_retry_after_as_an_http_date_and_early_retries_are_counted(shared_mock: MockProcess):
    with faults(shared_mock, throttle_every=1, retry_after="date:3") as server:
        answer = get(server.base_url)
        when = email.utils.parsedate_to_datetime(answer.headers["retry-after"]).timestamp()
        assert 1 <= when - time.time() <= 3.1
        get(server.base_url)
    assert server.early_retries == 1


def test_start_after_and_methods_select_the_requests_that_get_faults(shared_mock: MockProcess):
    plan = {"throttle_every": 1, "start_after": 1, "methods": ("PATCH",)}
    with faults(shared_mock, **plan) as server:
        statuses = [get(server.base_url).status_code for _ in range(3)]
        patched = httpx.patch(
            f"{server.base_url}{LIST}/{shared_mock.position_ids[0]}",
            json={"isCurrent": "bad"},
            headers=AUTH,
        )
    assert statuses == [200, 200, 200]
    assert patched.status_code == 429
    assert [hit.fault for hit in server.hits] == [None, None, None, "throttle"]


def test_plan_order_decides_between_faults_hitting_one_request():
    plan = FaultPlan(drop_every=2, throttle_every=2, gateway_every=3)
    assert [plan.fault_for(n) for n in range(1, 7)] == [
        None,
        "drop",
        "gateway",
        "drop",
        None,
        "drop",
    ]


def test_a_lagging_replica_shows_each_write_only_lag_s_after_it(mock: MockProcess):
    """``lag_s``: a GET answers the position as it was that long ago; the proxy's own reads
    around each PATCH are not in ``hits``."""
    path = f"{LIST}/{mock.position_ids[0]}"
    with faults(mock, lag_s=1.0) as server, httpx.Client(base_url=server.base_url) as http:
        old = http.get(path, headers=AUTH).json()["isCurrent"]
        written = time.monotonic()
        assert http.patch(path, json={"isCurrent": not old}, headers=AUTH).status_code == 200
        soon = http.get(path, headers=AUTH).json()["isCurrent"]
        assert time.monotonic() - written < 1.0, "the machine was too slow to see the lag"
        time.sleep(1.0)
        later = http.get(path, headers=AUTH).json()["isCurrent"]
    assert (soon, later) == (old, not old)
    assert server.stale_answers == 1
    assert [hit.method for hit in server.hits] == ["GET", "PATCH", "GET", "GET"]
