"""Where the test pages and the seed pages are, and how tests find a line in them."""

from __future__ import annotations

from pathlib import Path

PAGES = Path(__file__).parent / "pages"
SEEDS = Path(__file__).parents[2].parent / "shared" / "seeds"
PUBLISHED = SEEDS / "000_eaf9abefe9d2a950.txt"
DRAFT = SEEDS / "002_a1ec550c358c8c2b.txt"


def line_of(path: Path, marker: str) -> int:
    hits = [n for n, text in enumerate(path.read_text().splitlines(), 1) if marker in text]
    assert len(hits) == 1, f"{marker!r} is on lines {hits} of {path.name}"
    return hits[0]
