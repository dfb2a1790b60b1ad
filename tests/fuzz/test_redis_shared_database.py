"""Two "machines" (separate processes with separate working directories) sharing one real
redis-server as their Hypothesis example database see each other's failing examples: what
one campaign finds, the other replays in its reuse phase before generating anything."""

from __future__ import annotations

import pytest
import redis

from graphcontract.fuzz.database import REDIS_KEY_PREFIX
from graphcontract.mock.process import MockProcess
from tests.fuzz.helpers import campaign, fuzz, replay, reuse_phase_failures

pytestmark = pytest.mark.slow
TYPES_TEST = "test_wrong_types_are_refused"
AUDIENCE_TEST = "test_allowed_audiences_non_members_are_refused"


def _stored(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return sum(1 for _ in client.scan_iter(match=REDIS_KEY_PREFIX + b"*"))
    finally:
        client.close()


def test_campaigns_on_two_machines_share_failing_examples(tmp_path, redis_url):
    machine_a, machine_b = tmp_path / "machine-a", tmp_path / "machine-b"
    machine_a.mkdir()
    machine_b.mkdir()
    with (
        MockProcess(faults=["type-coercion"]) as mock_a,
        MockProcess(faults=["type-coercion", "audience-not-enforced"]) as mock_b,
    ):
        # Machine A finds the type-coercion fault and stores its failing example in Redis.
        a = fuzz("--base-url", mock_a.base_url, "--duration", "40s", "--exitfirst",
                 "--database", redis_url, "-k", TYPES_TEST,
                 "--report-dir", str(machine_a / "reports"), cwd=machine_a)  # fmt: skip
        assert a.returncode == 1, a.stdout + a.stderr
        assert campaign(machine_a / "reports")[1]["failed_clauses"] == ["types.rejects"]
        assert _stored(redis_url) > 0

        # Machine B's campaign replays A's example first, and finds the audience fault.
        b = fuzz("--base-url", mock_b.base_url, "--duration", "40s", "--exitfirst",
                 "--database", redis_url, "-k", f"{TYPES_TEST} or {AUDIENCE_TEST}",
                 "--report-dir", str(machine_b / "reports"), cwd=machine_b)  # fmt: skip
        assert b.returncode == 1, b.stdout + b.stderr
        folder_b, report_b = campaign(machine_b / "reports")
        assert set(report_b["failed_clauses"]) >= {"types.rejects", "enum.allowedAudiences.rejects"}
        log_b = (folder_b / "round-01" / "pytest.log").read_text(encoding="utf-8")
        assert reuse_phase_failures(log_b, TYPES_TEST)[0] >= 1, log_b

        # Back on machine A, a plain run replays B's audience example from Redis.
        later = replay(mock_b, redis_url, AUDIENCE_TEST, cwd=machine_a)
    assert later.returncode == 1, later.stdout
    assert reuse_phase_failures(later.stdout, AUDIENCE_TEST)[0] >= 1, later.stdout
