"""The README and docs/ hold together: every relative link leads to a file, every clause of
the catalog is placed in the groups of docs/checks.md, nothing a user needs points outside
the repository, and the README stays about two screens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphcontract.contract import load_contract

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_relative_links_lead_to_files(page):
    broken = [
        target
        for target, _ in LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert broken == [], f"{page_id(page)} links to missing files: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_pages_do_not_send_users_outside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert "DESIGN.md" not in text


def test_every_clause_is_placed_in_a_group_of_the_checks_page():
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    table = text[text.index("| group |") : text.index("\n\n", text.index("| group |"))]
    missing = [cid for cid in load_contract().clauses if f"`{cid}`" not in table]
    assert missing == []


def test_readme_is_about_two_screens_and_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 120
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    assert blocks[:2] == [
        "pip install -e . && graphcontract run\n",
        "pip install -e '.[test]' && npm ci --prefix tests/thirdparty && pytest -n 3\n",
    ]
    flat = " ".join(text.split())
    assert flat.index("must clause") == flat.index("*must clause* is") + 1, "defined first"
