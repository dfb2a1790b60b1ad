"""Where the test pages are, and how tests find a line in them.

``workposition-update.md`` is the published "Update workPosition" page of the Graph docs
(``api-reference/beta/api/workposition-update.md`` in microsoftgraph/microsoft-graph-docs-contrib)
and ``profile-update-positions.md`` the generated "Update positions" draft of it (a fork's
``doc-stubs/api/profile-update-positions.md``), kept verbatim in the repository so the tests
need nothing outside it. The other pages are made up, each for one finding."""

from __future__ import annotations

from pathlib import Path

PAGES = Path(__file__).parent / "pages"
PUBLISHED = PAGES / "workposition-update.md"
DRAFT = PAGES / "profile-update-positions.md"


def line_of(path: Path, marker: str) -> int:
    hits = [n for n, text in enumerate(path.read_text().splitlines(), 1) if marker in text]
    assert len(hits) == 1, f"{marker!r} is on lines {hits} of {path.name}"
    return hits[0]
