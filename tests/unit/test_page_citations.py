"""Citations on the pages (board slides at 1280x720 and 1920x1080): a range such as "lines 1084-1088" is never
broken at its hyphen. Pages cite through pages._text (one place that holds the range together), never through the
domain's plain text, which goes to files, exports and messages as it is."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pages._text import cite, cited_lines, unbroken
from remediation.domain import citations

PAGES = Path(__file__).resolve().parents[2] / "pages"
JOINED = "\u2060-\u2060"


@pytest.mark.parametrize("key", sorted(citations.CITATIONS))
def test_a_citation_on_a_page_reads_the_same_and_never_breaks_at_its_hyphen(key):
    shown, plain = cite(key), citations.cite(key)
    assert shown.replace("\u2060", "") == plain
    found = citations.CITATIONS[key]
    if found.first != found.last:
        assert f"{found.first}{JOINED}{found.last}" in shown
        assert cited_lines(key) == f"lines {found.first}{JOINED}{found.last}"
    assert "-" not in shown.replace(JOINED, "")


def test_unbroken_joins_hyphens_inside_words_only():
    assert unbroken("Other labour-rights violation, 2025-10-06") == (
        f"Other labour{JOINED}rights violation, 2025{JOINED}10{JOINED}06")
    assert unbroken("a - b, -x, x-, --") == "a - b, -x, x-, --"
    assert unbroken("Sanjo\\-30") == "Sanjo\u2060\\-\u206030"  # escaped by md(): the escape stays with its hyphen


def test_no_page_cites_through_the_domain_directly():
    """A page importing remediation.domain.citations would show a range that breaks on a slide."""
    offenders = []
    for path in sorted(PAGES.glob("*.py")):
        if path.name == "_text.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            if isinstance(node, ast.ImportFrom) and node.module == "remediation.domain":
                names = [f"remediation.domain.{a.name}" for a in node.names]
            offenders += [f"{path.name}: {n}" for n in names if n == "remediation.domain.citations"]
    assert offenders == []
