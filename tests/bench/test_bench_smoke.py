"""One tiny end-to-end bench: detection only, on the conforming mock and one fault, through
the command line (real mocks, real `graphcontract run`, real `st run`), one job slot, so both
targets are served by one server rebuilt between them. Asserts outcomes and the JSON shape,
never times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from graphcontract.bench.server import BenchMock

pytestmark = pytest.mark.slow


def test_quick_detection_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, "-m", "graphcontract.bench", "--quick", "--only", "detection",
         "--target", "auth-optional", "--st-max-examples", "1", "--jobs", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads((out / "results.json").read_text())
    assert result["partial"].startswith("detection limited")
    assert set(result["versions"]) >= {"graphcontract", "schemathesis", "hypothesis", "python"}
    assert result["machine"]["cpus"] >= 1
    rows = {row["target"]: row for row in result["detection"]["rows"]}
    assert list(rows) == ["conforming", "auth-optional"]
    assert rows["conforming"]["graphcontract"]["false_alarms"] == []
    fault = rows["auth-optional"]["graphcontract"]
    assert fault["found"] is True
    assert fault["false_alarms"] == []
    assert 0 < fault["requests_to_first_failure"] <= fault["requests"]
    # --quick ends a faulty run once its fault is found; the conforming run goes to its end.
    assert fault["stopped_when_found"] is True
    assert rows["conforming"]["graphcontract"]["stopped_when_found"] is False
    assert fault["requests"] < rows["conforming"]["graphcontract"]["requests"]
    assert rows["auth-optional"]["schemathesis"]["requests"] > 0
    markdown = (out / "results.md").read_text()
    assert "## Detection" in markdown
    assert "| `auth-optional` | auth.required | found |" in markdown
    assert f"| {fault['requests']} (stopped) |" in markdown
    assert "runs stop once their fault is found" in markdown
    assert markdown in proc.stdout


def test_bench_server_fresh_puts_the_seed_state_back_in_the_same_process() -> None:
    with BenchMock() as mock:
        path = f"/me/profile/positions/{mock.position_ids[0]}"
        headers = {"Authorization": "Bearer smoke"}
        seed = httpx.get(mock.base_url + path, headers=headers).json()
        changed = httpx.patch(
            mock.base_url + path, headers=headers, json={"detail": {"jobTitle": "changed"}}
        )
        assert changed.status_code == 200
        assert httpx.get(mock.base_url + path, headers=headers).json() != seed
        port = mock.port
        mock.fresh()
        assert mock.port == port
        assert httpx.get(mock.base_url + path, headers=headers).json() == seed
        assert mock.stats().count == 1  # stamps cleared by fresh(), then the GET above


def test_bench_server_fresh_serves_another_target_in_the_same_process() -> None:
    with BenchMock(faults=["auth-optional"]) as mock:
        path = f"/me/profile/positions/{mock.position_ids[0]}"
        headers = {"Authorization": "Bearer smoke"}
        body = {"detail": {"jobTitle": "changed"}}
        assert httpx.patch(mock.base_url + path, json=body).status_code == 200  # no token
        mock.fresh(faults=["patch-returns-204"])
        assert httpx.patch(mock.base_url + path, json=body).status_code == 401
        assert httpx.patch(mock.base_url + path, headers=headers, json=body).status_code == 204
        with pytest.raises(ValueError, match="unknown fault no-such-fault"):
            mock.fresh(faults=["no-such-fault"])
        assert mock.faults == ("patch-returns-204",)
        mock.fresh(faults=[], variant="gray")  # no faults at all, not the ones it started with
        assert (mock.faults, mock.variant) == ((), "gray")
        assert httpx.patch(mock.base_url + path, json=body).status_code == 401
        assert httpx.patch(mock.base_url + path, headers=headers, json=body).status_code == 200
        # The gray variant refuses read-only properties (the conforming mock ignores them).
        read_only = {"createdDateTime": "2001-01-01T00:00:00Z"}
        assert httpx.patch(mock.base_url + path, headers=headers, json=read_only).status_code == 400
