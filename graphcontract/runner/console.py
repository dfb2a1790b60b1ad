"""The run's console summary, built from the report.json dict that report.html renders (so the
terminal and the report cannot disagree): per failed clause, first causes first and likely
consequences marked (``report.first_cause``), its headline, the first cause's request and
answer in one line each (a sequence's: the writes that caused it), the oracle's expected/got,
the reproducer (a sequence's: its replay script) and one next step; skipped must clauses and
skipped tests with the option that enables them; restore problems (and whether a later
restore fixed them); errors; documentation findings apart; and a verdict line that names
whatever else failed in the same pytest run.

``summary_lines`` returns ``Line``s (text and a style name); the plugin writes them through
pytest's terminal writer, which colours them on a terminal and keeps them plain otherwise.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from graphcontract.report.first_cause import Failure, error_of, ordered
from graphcontract.types import json_text

SHORT = 140
"""Characters of a body shown on the console (the report holds the whole of it)."""
KEY_HEADERS = ("content-type", "if-match", "prefer")
"""Request headers worth naming on the one-line request (besides a missing Authorization)."""

ENABLE = {
    "auth.scope": (
        "readonly-token-env",
        "NAME",
        "a token without write scope in $NAME",
        "readonly_token",
    ),
    "paths.users": (
        "user",
        "ID_OR_UPN",
        "the user owning the position, id and/or userPrincipalName",
        "users",
    ),
}
"""Must clauses a run judges (in full) only when an option is given: (option, value, what it
names, the report target's key that says whether it was given)."""


@dataclass(frozen=True)
class Line:
    """One console line; ``style`` is one of "", "fail", "warn", "ok", "dim", "bold"."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Wording:
    """How the console names options and commands: ``graphcontract run``'s words (``--user``)
    or pytest's (``--gc-user``)."""

    prefix: str = "--gc-"
    rerun: Callable[[str], str] = field(default=lambda clause: f"pytest --gc-clause {clause}")

    def option(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def text(self, text: str) -> str:
        """Text written in pytest's words (skip reasons) in this wording."""
        return text.replace("--gc-", self.prefix) if self.prefix != "--gc-" else text


@dataclass
class RunFacts:
    """What the pytest run knows beyond report.json: skipped tests and failures elsewhere."""

    skipped_tests: dict[str, int] = field(default_factory=dict)
    """Reason → number of contract tests skipped for it."""
    other_failures: list[str] = field(default_factory=list)
    """Node ids of failed tests that are not contract tests (the harness's own tests)."""


def summary_lines(
    report: Mapping[str, Any],
    folder: Path,
    *,
    wording: Wording | None = None,
    facts: RunFacts | None = None,
) -> list[Line]:
    """Every line of the console summary for one report."""
    wording = wording or Wording()
    facts = facts or RunFacts()
    clauses = {str(c.get("id")): c for c in report.get("clauses", []) if isinstance(c, Mapping)}
    base_url = str((report.get("target") or {}).get("base_url") or "")
    html = folder / "report.html"
    users = [str(u) for u in (report.get("target") or {}).get("users") or []]
    lines: list[Line] = []
    for failure in ordered(list(clauses.values()), report.get("failed_clauses") or []):
        if failure.consequence_of is None:
            lines += failure_lines(
                failure.clause, base_url, wording, html, facet_tag(report), users=users
            )
        else:
            lines += consequence_lines(failure, base_url, wording, html, facet_tag(report))
    lines += skipped_lines(list(clauses.values()), wording, facts, report.get("target") or {})
    errors = report.get("errors") or []
    if errors:
        lines.append(Line("errors (the harness could not judge everything):", "fail"))
    lines += [Line(f"  error: {error}", "fail") for error in errors]
    lines += restore_lines(report, folder)
    lines += interrupted_restore_lines(report)
    findings = len(report.get("documentation_findings") or [])
    if findings:
        lines.append(
            Line(
                f"documentation: {findings} finding(s) about the documented examples, reported "
                f"apart (they never fail a run): {html}#documentation",
                "dim",
            )
        )
    lines += metadata_lines(report, html)
    if isinstance(report.get("requests"), int):
        profile = report.get("profile") or "ci"
        lines.append(Line(f"traffic: {report['requests']} requests (profile {profile})", "dim"))
    lines.append(verdict_line(report, html, facts))
    return lines


def facet_tag(report: Mapping[str, Any]) -> str:
    """`` [skillProficiency]`` after a headline of a run on another facet than workPosition
    (nothing for workPosition, whose lines read as they always did)."""
    api = report.get("api")
    return f" [{api}]" if api and api != "workPosition" else ""


def metadata_lines(report: Mapping[str, Any], html: Path) -> list[Line]:
    """One line on the metadata findings (the properties the service lacks named)."""
    found = report.get("metadata_findings") or {}
    findings = found.get("findings") or [] if isinstance(found, dict) else []
    if not findings:
        return []
    lacking = [f"{f['type']}.{f['property']}" for f in findings if f.get("kind") == "lacking"]
    text = f"metadata: {len(findings)} finding(s) about the service's schema, reported apart "
    text += "(they never fail a run)"
    if lacking:
        text += f"; the service lacks {', '.join(lacking)}"
    return [Line(f"{text}: {html}#metadata", "dim")]


def failure_lines(
    clause: Mapping[str, Any],
    base_url: str,
    wording: Wording,
    html: Path,
    tag: str = "",
    *,
    users: Sequence[str] = (),
) -> list[Line]:
    """Headline, request, answer, expected/got (and the check that found it), reproducer, a
    hint when a user the run was given was not found, and next step of one failed clause."""
    clause_id = str(clause.get("id"))
    example = clause.get("counterexample") or {}
    lines = [headline(clause, tag)]
    request, response = example.get("request") or {}, example.get("response") or {}
    story = example.get("history") or {}
    if story.get("cause"):
        lines.append(Line(f"  request:   {cause_line(story, base_url)}"))
        if request and request.get("method") == "GET":
            lines.append(Line(f"  seen in:   {request_line(request, base_url)}"))
    elif request:
        lines.append(Line(f"  request:   {request_line(request, base_url)}"))
    if response:
        lines.append(Line(f"  answer:    {response_line(response)}"))
    for message_line in str(example.get("message") or "").splitlines():
        label, _, rest = message_line.partition(": ")
        if label in {"expected", "got", "check"} and rest:
            lines.append(Line(f"  {label + ':':<10} {shorten(rest)}"))
    lines += user_hint(example, base_url, users, wording)
    if story.get("replay"):
        lines.append(Line(f"  reproduce: {replay_line(story, html)}", "dim"))
    elif example.get("curl_file"):  # the request holds what a terminal shows escaped
        where = shlex.quote(str(html.parent / str(example["curl_file"])))
        lines.append(Line(f"  reproduce: sh {where}  (sends the request byte for byte)", "dim"))
    elif example.get("curl"):
        lines.append(Line(f"  reproduce: {example['curl']}", "dim"))
    elif example:
        lines.append(Line("  reproduce: (no single request shows it: see the report)", "dim"))
    else:
        lines.append(Line("  (no counterexample recorded: see the report)", "dim"))
    failed, distinct = clause.get("failed") or 0, len(clause.get("failure_titles") or {})
    more = f"; {failed} failing checks, {distinct} distinct" if failed and distinct > 1 else ""
    lines.append(
        Line(
            f"  next:      rerun it alone: {wording.rerun(clause_id)}  "
            f"(details: {html}#clause-{clause_id}{more})",
            "bold",
        )
    )
    return lines


def headline(clause: Mapping[str, Any], tag: str = "") -> Line:
    """``FAIL clause: title`` of a failed clause (its failure's title, else its own)."""
    example = clause.get("counterexample") or {}
    title = clause.get("failure_title") or example.get("title") or clause.get("title") or ""
    return Line(f"FAIL {clause.get('id')}{tag}: {title}", "fail")


def cause_line(story: Mapping[str, Any], base_url: str) -> str:
    """The writes that caused a sequence's failure in one line: ``2 PATCHes at once to
    path: body & body`` for writes sent together, else each request line, ``;``-separated."""
    cause = [c for c in story.get("cause") or [] if isinstance(c, Mapping)]
    if story.get("together") and len(cause) > 1:
        method = str(cause[0].get("method") or "")
        paths = {_path(str(c.get("url") or "")) for c in cause}
        if len(paths) == 1 and all(c.get("method") == method for c in cause):
            path = request_line({**cause[0], "body": None}, base_url).split(" ", 1)[1]
            each = max(SHORT // len(cause), 24)
            bodies = " & ".join(shorten(_compact(str(c.get("body") or "")), each) for c in cause)
            return f"{len(cause)} {method}es at once to {path}: {bodies}"
        return " & ".join(request_line(c, base_url, SHORT // len(cause)) for c in cause)
    return "; then ".join(request_line(c, base_url) for c in cause)


def replay_line(story: Mapping[str, Any], html: Path) -> str:
    """Where the script replaying a sequence is (it is several lines): ``sh FILE`` and what
    it does, or the report's anchor when no file was written."""
    steps = story.get("steps") or 0
    what = f"restores the snapshot, then replays the {steps} step(s) of the sequence"
    if story.get("file"):
        return f"sh {shlex.quote(str(html.parent / str(story['file'])))}  ({what}; GRAPH_TOKEN set)"
    return f"the script in {html} ({what})"


def user_hint(
    example: Mapping[str, Any], base_url: str, users: Sequence[str], wording: Wording
) -> list[Line]:
    """A line when the counterexample is a 404 through ``/users/{user}`` for a user the run was
    given: the user may not exist (a mistyped option), or the service fails that path form;
    the wire cannot tell, so the verdict stands and the operator is told what to check."""
    request, response = example.get("request") or {}, example.get("response") or {}
    parts = _relative(str(request.get("url") or ""), base_url).split("/")
    if response.get("status") != 404 or len(parts) < 3 or parts[1] != "users":
        return []
    user = unquote(parts[2])
    if user not in users:
        return []
    given = ", ".join(f"{wording.option('user')} {u}" for u in users)
    return [
        Line(
            f"  hint:      404 for {wording.option('user')} {user}: check that it names an "
            f"existing user (this run used {given}); a service failing that path form for a "
            "real user answers the same",
            "warn",
        )
    ]


def consequence_lines(
    failure: Failure, base_url: str, wording: Wording, html: Path, tag: str = ""
) -> list[Line]:
    """A failure through the path form another failed clause condemns: its headline, what
    it likely follows from, its request and next step (the rest is in the report)."""
    clause = failure.clause
    clause_id = str(clause.get("id"))
    example = clause.get("counterexample") or {}
    base_path = _path(base_url)
    form = failure.path_form[len(base_path) :] if base_path else failure.path_form
    lines = [
        headline(clause, tag),
        Line(
            f"  likely a consequence of {failure.consequence_of} above: also failed on the same "
            f"path form ({form or '/'}, answered {failure.status})",
            "warn",
        ),
    ]
    if example.get("request"):
        lines.append(Line(f"  request:   {request_line(example['request'], base_url)}"))
    lines.append(
        Line(
            f"  next:      fix {failure.consequence_of} first, then rerun: "
            f"{wording.rerun(clause_id)}  (details: {html}#clause-{clause_id})",
            "bold",
        )
    )
    return lines


def request_line(request: Mapping[str, Any], base_url: str, limit: int = SHORT) -> str:
    """``METHOD path [key headers] body`` in one line, body shortened to ``limit``."""
    path = _relative(str(request.get("url") or ""), base_url)
    headers = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
    named = [f"{h.title()}: {headers[h]}" for h in KEY_HEADERS if h in headers]
    if "authorization" not in headers:
        named.append("no Authorization")
    elif not headers["authorization"].lower().startswith("bearer "):
        named.append(f"Authorization: {headers['authorization'].split(' ')[0]} …")
    parts = [str(request.get("method") or ""), path or "/"]
    if named:
        parts.append("[" + "; ".join(named) + "]")
    body = request.get("body")
    if body:
        parts.append(shorten(_compact(str(body)), limit))
    return " ".join(parts)


def response_line(response: Mapping[str, Any]) -> str:
    """``status body`` in one line, body shortened (an error envelope shows code and message)."""
    body = str(response.get("body") or "")
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    error = error_of(body)
    if error:
        shown = f"error {error}"
    elif isinstance(value, dict):
        shown = _compact(json_text({k: v for k, v in value.items() if k != "@odata.context"}))
    else:
        shown = _compact(body) if body else "(empty body)"
    return f"{response.get('status', '?')} {shorten(shown)}"


def skipped_lines(
    clauses: Sequence[Mapping[str, Any]],
    wording: Wording,
    facts: RunFacts,
    target: Mapping[str, Any],
) -> list[Line]:
    """Skipped must clauses with the option that enables each (and those judged only in part
    for want of it); skipped tests by reason."""
    lines: list[Line] = []
    unselected = 0
    for clause in clauses:
        clause_id = str(clause.get("id"))
        status = clause.get("status")
        if clause_id in ENABLE and status in {"pass", "fail"} and target:
            option, value, what, given = ENABLE[clause_id]
            if not target.get(given):
                lines.append(
                    Line(
                        f"  partly judged {clause_id}: judge it in full with "
                        f"{wording.option(option)} {value} ({what})",
                        "warn",
                    )
                )
        if status != "skipped" or clause.get("level") != "must":
            continue
        if "--clause" in str(clause.get("reason") or ""):
            unselected += 1
        elif clause_id in ENABLE:
            option, value, what, _given = ENABLE[clause_id]
            lines.append(
                Line(
                    f"  skipped {clause_id}: enable it with {wording.option(option)} {value} "
                    f"({what})",
                    "warn",
                )
            )
        else:
            lines.append(Line(f"  skipped {clause_id}: {clause.get('reason') or ''}", "warn"))
    if unselected:
        lines.append(
            Line(f"  {unselected} must clause(s) not selected ({wording.option('clause')})")
        )
    for reason, count in sorted(facts.skipped_tests.items(), key=lambda kv: -kv[1]):
        lines.append(Line(f"  {count} test(s) skipped: {wording.text(reason)}", "dim"))
    if lines:
        lines.insert(0, Line("not judged in full (skipped: neither passed nor failed):", "warn"))
    return lines


def restore_lines(report: Mapping[str, Any], folder: Path) -> list[Line]:
    """Restore problems still open (and what to do), and those a later restore fixed."""
    final = [r for r in report.get("restores", []) if r.get("when") == "end of run"]
    left = [x for r in final for x in r.get("not_restored", [])]
    problems = [
        p for p in report.get("restore_problems", []) if not left or "not restored" not in p
    ]
    lines = [Line(f"  restore: {problem}", "warn") for problem in problems]
    lines += [Line(f"  not restored: {leftover}", "fail") for leftover in left]
    if left:
        lines.append(
            Line(
                "  no PATCH can take these back (graphcontract restore neither): remove them "
                "with the service's own means",
                "fail",
            )
        )
    for withheld in sorted({r["withheld"] for r in final if r.get("withheld")}):
        lines.append(Line(f"  {withheld}"))
    for fixed in report.get("restore_problems_fixed", []):
        lines.append(Line(f"  restore (fixed): {fixed}"))
    if any(not r.get("verified") and r.get("differences") for r in final):
        lines.append(
            Line(
                "  next: the position may not be back to its original state: check it, then run "
                f"graphcontract restore --journal {shlex.quote(str(folder))}",
                "fail",
            )
        )
    if lines:
        lines.insert(0, Line("restores:", "warn" if report.get("restore_problems") else ""))
    return lines


def interrupted_restore_lines(report: Mapping[str, Any]) -> list[Line]:
    """After an interrupt, what the end-of-run restore did (a restore that did not verify is
    told by restore_lines, with the command that repairs it)."""
    if report.get("verdict") != "interrupted":
        return []
    final = [r for r in report.get("restores", []) if r.get("when") == "end of run"]
    if not final:
        return [Line("restore: nothing was written before the interrupt, nothing to restore")]
    if all(r.get("verified") for r in final):
        return [Line("restore: the position is back as it was, verified on the whole position")]
    return []


def verdict_line(report: Mapping[str, Any], html: Path, facts: RunFacts) -> Line:
    """The verdict on the target; when other tests of the same pytest run failed, it says so
    (the harness's own tests are not clauses of the target: they never change its verdict,
    and the line never reads as if nothing failed)."""
    verdict = str(report.get("verdict") or "error")
    failed = list(report.get("failed_clauses") or [])
    head = f"verdict{facet_tag(report)}"
    if verdict == "interrupted":
        text = f"{head}: interrupted - {interrupted_text(report)}"
        if failed:
            text += f"; {len(failed)} must clause(s) failed before: {', '.join(failed)}"
    elif verdict == "fail":
        text = f"{head}: fail - {len(failed)} must clause(s) failed: {', '.join(failed)}"
    elif verdict == "pass":
        text = f"{head}: pass - {judged_text(report)}"
    else:
        text = f"{head}: error - {error_text(report)}"
    if facts.other_failures:
        shown = ", ".join(facts.other_failures[:3])
        extra = len(facts.other_failures) - 3
        text += (
            f"; but {len(facts.other_failures)} test(s) outside the contract suite failed "
            f"(harness self-tests, not clauses of the target): {shown}"
            + (f" and {extra} more" if extra > 0 else "")
        )
    style = {"pass": "ok", "fail": "fail"}.get(verdict, "warn")
    if facts.other_failures:
        style = "fail"
    return Line(f"{text} - report: {html}", style)


def interrupted_text(report: Mapping[str, Any]) -> str:
    """What an interrupted run ran: never a pass, whatever held before it stopped."""
    facts = report.get("interrupted") or {}
    run, selected = facts.get("tests_run"), facts.get("tests_selected")
    ran = f"after {run} of {selected} tests" if run is not None and selected else "early"
    return f"the run was stopped {ran}; a partial run is not a pass"


def error_text(report: Mapping[str, Any]) -> str:
    """Why the harness could not judge: the errors, the final restore, or nothing judged."""
    if report.get("errors"):
        return "the harness could not judge everything (see the errors above)"
    final = [r for r in report.get("restores", []) if r.get("when") == "end of run"]
    if any(not r.get("verified") for r in final):
        return "the end-of-run restore was not verified (see the restores above)"
    return "nothing judged: no must clause was judged (the selection sent no request it applies to)"


def judged_text(report: Mapping[str, Any]) -> str:
    """What a pass says it covers: the must clauses judged, and those skipped by name."""
    musts = [
        c for c in report.get("clauses", []) if isinstance(c, Mapping) and c.get("level") == "must"
    ]
    unselected = [c for c in musts if "--clause" in str(c.get("reason") or "")]
    skipped = [
        str(c.get("id")) for c in musts if c.get("status") == "skipped" and c not in unselected
    ]
    if not skipped:
        return "every selected must clause held" if unselected else "every must clause held"
    return f"every judged must clause held ({len(skipped)} skipped: {', '.join(skipped)})"


def shorten(text: str, limit: int = SHORT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _compact(body: str) -> str:
    """A JSON body on one line without the spaces json.dumps puts in; other text as is."""
    try:
        return json_text(json.loads(body), separators=(",", ":"))
    except (ValueError, TypeError):
        return " ".join(body.split())


def _relative(url: str, base_url: str) -> str:
    """``url``'s path (and query) after the base URL."""
    return url[len(base_url) :] if base_url and url.startswith(base_url) else _path(url)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
