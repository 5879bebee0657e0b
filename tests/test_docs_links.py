"""The README and docs/ stay navigable: every relative link resolves, and the README stays short.

Pure: reads markdown files only. A moved or renamed doc, or a heading whose anchor others cite
(``docs/contracts.md#pubsub-messages``), fails here instead of leaving a dead link.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors a markdown page offers (its headings, numbered as GitHub numbers repeats)."""
    seen: dict[str, int] = {}
    found = set()
    for line in FENCE.sub("", page.read_text()).splitlines():
        match = re.match(r"#{1,6} (.+)", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    """Relative link targets of a page, outside code blocks."""
    return [target for target in LINK.findall(FENCE.sub("", page.read_text()))
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, broken


def test_the_readme_reads_in_ten_minutes_and_starts_with_its_two_commands():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) < 200
    first_block = text.split("```")[1].splitlines()
    assert [line.split("#")[0].strip() for line in first_block[1:3]] == ["make demo", "make test"]
    assert "<!-- suite-time -->" in text


def test_the_slug_is_githubs():
    assert slug("On BigQuery (`--warehouse bigquery://PROJECT`)") == "on-bigquery---warehouse-bigqueryproject"
    assert slug("Pub/Sub messages") == "pubsub-messages"
    assert slug("A local Airflow: `make airflow`") == "a-local-airflow-make-airflow"
