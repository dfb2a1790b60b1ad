"""One tiny end-to-end bench: detection only, on the conforming mock and one fault, through
the command line (real mocks, real `graphcontract run`, real `st run`). Asserts outcomes and
the JSON shape, never times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_quick_detection_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, "-m", "graphcontract.bench", "--quick", "--only", "detection",
         "--target", "auth-optional", "--st-max-examples", "1", "--out", str(out)],
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
    assert rows["auth-optional"]["schemathesis"]["requests"] > 0
    markdown = (out / "results.md").read_text()
    assert "## Detection" in markdown
    assert "| `auth-optional` | auth.required | found |" in markdown
    assert markdown in proc.stdout
