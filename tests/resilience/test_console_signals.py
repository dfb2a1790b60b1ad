"""What ``graphcontract run`` says matches what it judged: a selection that judges no must
clause is the documented exit 2 ("nothing judged"), never a pass, and ``-v`` never shows a
documentation finding as FAIL."""

from __future__ import annotations

from pathlib import Path

from graphcontract.mock.process import MockProcess
from tests.resilience.conftest import output, report_of, run_args, run_cli


def test_a_run_that_judged_no_must_clause_is_not_a_pass(
    shared_mock: MockProcess, tmp_path: Path
) -> None:
    result = run_cli(*run_args(shared_mock.base_url, tmp_path, "--clause", "docs.examples", "-v"))
    assert result.returncode == 2, output(result)
    assert report_of(tmp_path)["verdict"] == "error"
    lines = result.stdout.splitlines()
    verdict = [line for line in lines if line.startswith("verdict:")]
    assert len(verdict) == 1, output(result)
    assert verdict[0].startswith("verdict: error - nothing judged: no must clause was judged")
    assert "    documentation finding docs.examples: documented example violates the contract" in (
        lines
    )
    assert not [line for line in lines if "FAIL" in line], output(result)
