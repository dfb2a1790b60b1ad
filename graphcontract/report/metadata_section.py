"""report.html's "Metadata findings" section: how the target's schema differs from the
contract's (``metadata_findings`` in report.json; ``graphcontract.target_schema`` finds them).
They are reported apart from failures and never fail a run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphcontract.report.markup import as_list, as_map
from graphcontract.report.markup import escaped as _e

KINDS = {
    "lacking": "lacking (left out of the run)",
    "retyped": "typed otherwise",
    "extra": "declared only by the service",
}


def metadata_findings(report: Mapping[str, Any]) -> str:
    """The section; empty when the target's schema agrees with the contract's."""
    data = as_map(report.get("metadata_findings"))
    findings = [as_map(f) for f in as_list(data.get("findings"))]
    if not findings:
        return ""
    rows = "".join(
        f"<tr><td><code>{_e(f.get('type'))}.{_e(f.get('property'))}</code></td>"
        f"<td>{_e(KINDS.get(str(f.get('kind')), f.get('kind')))}</td>"
        f"<td>{_e(f.get('evidence'))}</td></tr>"
        for f in findings
    )
    return (
        '<h2 id="metadata">Metadata findings</h2>'
        f"<p class=\"muted\">How the service's schema differs from the contract's metadata "
        f"({_e(data.get('how'))}). A property the service lacks is left out of the run: it "
        "is documented here and never fails the run; everything else is judged.</p>"
        "<table><thead><tr><th>Property</th><th>Finding</th><th>Evidence</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
