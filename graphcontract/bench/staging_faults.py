"""Which mock faults a staging run finds: ``python -m graphcontract.bench.staging_faults``.

Runs ``graphcontract run --profile staging`` (the staging plan, runner/staging_plan.py) once
against the conforming bundled mock and once against a mock with each fault of
graphcontract/mock/faults.py, with the bundled configuration (both user forms, a read-only
token), and prints for each: the requests sent, and whether every clause the fault breaks
failed (found), some (partly) or none (missed). A fault counts as found only without a false
alarm (a failed clause outside what it breaks or may also break). One run at a time, about
5 s each on loopback; ``--fault NAME`` (repeatable) runs only those.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from graphcontract.mock.faults import FAULTS
from graphcontract.mock.process import MockProcess

READONLY_ENV = "GRAPHCONTRACT_STAGING_READONLY_TOKEN"


@dataclass(frozen=True)
class Outcome:
    """One staging run against one mock."""

    fault: str
    requests: int
    failed: frozenset[str]
    exit_code: int

    @property
    def verdict(self) -> str:
        spec = FAULTS.get(self.fault)
        if spec is None:
            return "pass" if self.exit_code == 0 and not self.failed else "FALSE ALARM"
        if self.failed - spec.breaks - spec.may_also_break:
            return "false alarm"
        if spec.breaks <= self.failed:
            return "found"
        return "partly" if spec.breaks & self.failed else "missed"


def run_staging(fault: str | None, workdir: Path) -> Outcome:
    report_dir = workdir / (fault or "conforming")
    with MockProcess(faults=[fault] if fault else []) as mock:
        env = dict(os.environ, GRAPH_TOKEN="graphcontract-bench-token")
        env[READONLY_ENV] = mock.readonly_token
        command = [
            sys.executable, "-m", "graphcontract", "run", "--base-url", mock.base_url,
            "--user", mock.user_id, "--user", mock.user_principal_name,
            "--readonly-token-env", READONLY_ENV, "--report-dir", str(report_dir),
            "--profile", "staging",
        ]  # fmt: skip
        proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    reports = list(report_dir.glob("*/report.json"))
    report = json.loads(reports[0].read_text(encoding="utf-8")) if reports else {}
    return Outcome(
        fault or "(conforming)",
        int(report.get("requests") or 0),
        frozenset(report.get("failed_clauses") or ()),
        proc.returncode,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphcontract.bench.staging_faults")
    parser.add_argument("--fault", action="append", choices=sorted(FAULTS), default=[])
    args = parser.parse_args(argv)
    faults: list[str | None] = [None, *(args.fault or sorted(FAULTS))]
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="gc-staging-faults-") as scratch:
        for fault in faults:
            outcome = run_staging(fault, Path(scratch))
            counts[outcome.verdict] = counts.get(outcome.verdict, 0) + 1
            failed = ", ".join(sorted(outcome.failed)) or "-"
            verdict = outcome.verdict
            print(f"{outcome.fault:32} {outcome.requests:5} requests  {verdict:11} {failed}")
            sys.stdout.flush()
    print("; ".join(f"{verdict}: {n}" for verdict, n in sorted(counts.items())))
    return 0 if "false alarm" not in counts and "FALSE ALARM" not in counts else 1


if __name__ == "__main__":
    sys.exit(main())
