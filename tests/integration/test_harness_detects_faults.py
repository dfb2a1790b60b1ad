"""The harness judges itself: `graphcontract run` against the reference mock with each fault
fails exactly the clauses that fault breaks (and names them in report.json), and passes with
zero failures on the conforming mock and on the gray-zone variant.

Each case is a real `graphcontract run` process against a real uvicorn mock on loopback (both
forked from a preloaded server, ``selfrun.py``).
"""

from __future__ import annotations

import pytest

from graphcontract.contract import load_contract
from graphcontract.mock.faults import FAULTS
from graphcontract.runner.reads import NEEDS_STABLE_READS
from graphcontract.runner.scenarios import UNUSABLE_AUTHORIZATION
from tests.integration.selfrun import forked_mock, run_harness, secrets_of
from tests.unit.curl_replay import assert_replays

pytestmark = pytest.mark.slow


KNOCK_ON_FIRST = frozenset({"collections-append", "created-changes", "non-atomic"})
"""Faults whose knock-on failure still comes first (open: one request shows both, in catalog
order; report.first_cause has no rule telling them apart yet): collections-append shows
response.echo before merge.collections-replace, created-changes read-only.not-applied before
server-managed.recalculated, non-atomic enum.nested and types.rejects before atomic.rejected."""


@pytest.mark.parametrize("variant", ["conforming", "gray", "dotnet", "strict"])
def test_conforming_variants_pass_with_zero_failures(tmp_path, variant):
    with forked_mock(variant=variant) as mock:
        code, report, output = run_harness(mock, tmp_path)
    assert code == 0, output
    assert report["verdict"] == "pass"
    assert report["failed_clauses"] == []
    statuses = {c["id"]: c["status"] for c in report["clauses"]}
    must = [c for c, clause in load_contract().clauses.items() if clause.level == "must"]
    assert all(statuses[c] == "pass" for c in must), statuses
    assert all(
        statuses[c] == "observed"
        for c in ("enum.allowedAudiences.gray", "enum.nested.gray", "properties.unknown")
    )
    # The variants take the two sides of the annotation and string gray zones: the run
    # passes on both, and the report says which side the target took.
    side = "refused with 400" if variant in ("gray", "strict") else "accepted, stored as sent"
    for clause_id in ("body.annotations", "strings.unusual", "values.long"):
        clause = next(c for c in report["clauses"] if c["id"] == clause_id)
        titles = [o["title"] for o in clause["observation"]["outcomes"]]
        assert titles, clause_id
        assert all(title.endswith(side) for title in titles), titles
    recalculated = next(c for c in report["clauses"] if c["id"] == "merge.recalculated")
    if variant == "gray":  # its isSearchable follows isCurrent on every write
        titles = [o["title"] for o in recalculated["observation"]["outcomes"]]
        assert any(title.startswith("isSearchable recalculated") for title in titles), titles
    else:
        assert recalculated["observation"] is None, recalculated
    for name in ("report.json", "report.html", "junit.xml"):
        assert next(tmp_path.glob(f"*/{name}")).stat().st_size > 0


@pytest.mark.parametrize(
    ("fault", "variant"),
    [(fault, "conforming") for fault in sorted(FAULTS)]
    + [("flags-collapse-next-write", "dotnet"), ("audience-not-enforced", "dotnet")],
    ids=[*sorted(FAULTS), "flags-collapse-next-write-dotnet", "audience-not-enforced-dotnet"],
)
def test_each_fault_fails_exactly_its_clauses(tmp_path, fault, variant):
    """Each fault is caught; on the .NET-form variant too for the faults a bit-set comparison
    of flags values could hide (a lost member, a stored non-member)."""
    spec = FAULTS[fault]
    with forked_mock(faults=[fault], variant=variant) as mock:
        code, report, output = run_harness(mock, tmp_path)
    failed = set(report["failed_clauses"])
    assert code == 1, output
    assert report["verdict"] == "fail"
    assert spec.breaks <= failed, f"missed {sorted(spec.breaks - failed)}"
    assert failed <= spec.breaks | spec.may_also_break, (
        f"false alarms {sorted(failed - spec.breaks - spec.may_also_break)}"
    )
    # First causes first: the console's first failure is a clause the fault breaks, and a
    # failure it marks as a likely consequence follows the clause it names.
    lines = output.splitlines()
    heads = [line.split(":")[0].split()[1] for line in lines if line.startswith("FAIL ")]
    if fault not in KNOCK_ON_FIRST:
        assert heads[0] in spec.breaks, heads
        assert report["failed_clauses"][0] in spec.breaks, report["failed_clauses"]
    for number, line in enumerate(lines):
        if line.startswith("  likely a consequence of "):
            root = line.split()[4]
            earlier = [h.split(":")[0].split()[1] for h in lines[:number] if h.startswith("FAIL ")]
            assert root in earlier[:-1], (root, earlier)
    by_id = {c["id"]: c for c in report["clauses"]}
    for clause_id in spec.breaks:
        clause = by_id[clause_id]
        assert clause["status"] == "fail"
        example = clause["counterexample"]
        assert example["curl"].startswith("curl ")
        # The reproducer sends what the record shows, each token from its variable.
        again = assert_replays(example, secrets_of(mock))
        if fault == "auth-any-scheme":  # found with a header that carries no bearer token
            assert again.headers["authorization"] in UNUSABLE_AUTHORIZATION.values()
        assert example["request"]["method"] in {"GET", "PATCH"}
        assert "sent:" in example["message"]
        assert "got:" in example["message"]
        assert clause["contradicts"], "every failure names the documentation row it contradicts"
        # The console shows the same first cause, its reproducer and a next step.
        shown = console_block(output, clause_id)
        story = example.get("history")
        if story:  # a sequence: one request does not show it, the script replaying it does
            script = next(tmp_path.glob(f"*/{story['file']}")).read_text(encoding="utf-8")
            assert "# 0. restore the snapshot" in script, script
            assert any(
                line.startswith("  reproduce: sh ") and line.split()[2].endswith(story["file"])
                for line in shown
            ), shown
            assert any(line.startswith("  request:   ") for line in shown), shown
        elif example.get("curl_file"):  # a request the console would show escaped
            script = next(tmp_path.glob(f"*/{example['curl_file']}")).read_text("utf-8")
            assert example["curl"] in script, script
            assert any(
                line.startswith("  reproduce: sh ") and example["curl_file"] in line
                for line in shown
            ), shown
        else:
            assert f"  reproduce: {example['curl']}" in shown, shown
        assert any(line.startswith("  next:") and f"--clause {clause_id}" in line for line in shown)


def console_block(output: str, clause_id: str) -> list[str]:
    """The console's lines about one failed clause: its FAIL line and those indented under it."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"FAIL {clause_id}:"))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line)
    return block


def test_undeclared_response_properties_are_recorded_when_the_policy_says_observe(tmp_path):
    """--policy response_extra=observe: a service newer than the metadata passes, and the
    report says which undeclared properties it answered with (generated and Schemathesis
    cases alike)."""
    with forked_mock(faults=["undeclared-property"]) as mock:
        code, report, output = run_harness(mock, tmp_path, "--policy", "response_extra=observe")
    assert code == 0, output
    assert report["failed_clauses"] == []
    shape = next(c for c in report["clauses"] if c["id"] == "response.shape")
    assert shape["status"] == "pass"
    titles = {o["title"] for o in shape["observation"]["outcomes"]}
    assert titles == {"undeclared property in a 200 answer: body.displayName"}


def test_a_pinned_gray_zone_fails_the_run_like_a_must_clause(tmp_path):
    """--policy unknown_properties=reject against the gray mock (which ignores undeclared
    properties): properties.unknown fails, and so do the verdict and the exit status."""
    with forked_mock(variant="gray") as mock:
        code, report, output = run_harness(mock, tmp_path, "--policy", "unknown_properties=reject")
    assert code == 1, output
    assert report["verdict"] == "fail"
    assert report["failed_clauses"] == ["properties.unknown"]


def test_a_mock_making_up_its_reads_is_one_finding_and_state_clauses_do_not_judge(tmp_path):
    """generated-answers: correct refusals on a mock whose every read is made up. The run
    says once that reads are not stable; the clauses comparing states are skipped with that
    reason (never an atomic.rejected failure), and the end-of-run restore is not verified."""
    with forked_mock(faults=["generated-answers"]) as mock:
        code, report, output = run_harness(mock, tmp_path)
    assert code == 1, output
    assert "Traceback" not in output
    assert report["failed_clauses"] == ["reads.stable"]
    by_id = {c["id"]: c for c in report["clauses"]}
    assert by_id["reads.stable"]["failed"] == 1
    title = by_id["reads.stable"]["failure_title"]
    assert "GETs of the position with no write between them" in title
    for clause_id in NEEDS_STABLE_READS:
        assert (by_id[clause_id]["status"], by_id[clause_id]["reason"]) == (
            "skipped",
            "reads are not stable",
        ), clause_id
    assert by_id["types.rejects"]["status"] == "pass", "refusals are still judged by status"
    (final,) = [r for r in report["restores"] if r["when"] == "end of run"]
    assert final["verified"] is False
