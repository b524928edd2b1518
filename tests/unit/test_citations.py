"""The registry of guideline citations (remediation/domain/citations.py), checked against the guideline's text.

Every entry names a line range of ``iom-remediation-guidelines-2018.txt`` and a few phrases that must appear in
those lines: a range that drifts (or was typed wrong) fails here. The text is not part of this repository: it
is found at ``$GUIDELINE_PATH``, else beside the checkout (``../shared/reference/``), else at
``/work/shared/reference/``. Without it these tests skip with a loud reason; CI sets ``REQUIRE_GUIDELINE=1``,
which turns that skip into a failure."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from remediation.domain.citations import CITATIONS, Citation, cite

ROOT = Path(__file__).resolve().parents[2]
NAME = "iom-remediation-guidelines-2018.txt"
MAX_SPAN = 40  # lines: a citation points at a rule, not at a chapter
LONG_LISTS = {"actors"}  # the five-role table of stakeholders


def guideline_path() -> Path | None:
    candidates = [os.environ.get("GUIDELINE_PATH", ""), ROOT.parent / "shared" / "reference" / NAME,
                  Path("/work/shared/reference") / NAME]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


@pytest.fixture(scope="module")
def guideline() -> list[str]:
    path = guideline_path()
    if path is None:
        reason = (f"GUIDELINE TEXT NOT FOUND: {NAME} is needed to check the citation registry. Set GUIDELINE_PATH "
                  "or place the shared reference folder beside the checkout.")
        if os.environ.get("REQUIRE_GUIDELINE") == "1":
            pytest.fail("REQUIRE_GUIDELINE=1 but " + reason)
        pytest.skip(reason)
    return path.read_text(encoding="utf-8").splitlines()


def normalised(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


@pytest.mark.parametrize("citation", CITATIONS.values(), ids=list(CITATIONS))
def test_each_citation_points_at_lines_that_say_what_it_claims(guideline, citation: Citation):
    assert 1 <= citation.first <= citation.last <= len(guideline)
    cited = guideline[citation.first - 1:citation.last]
    assert cited[0].strip() and cited[-1].strip(), "a range starts and ends on text, not on a blank line"
    text = normalised(" ".join(cited))
    assert 1 <= len(citation.words) <= 3
    for phrase in citation.words:
        assert normalised(phrase) in text, f"{citation.key}: {phrase!r} is not in {citation.lines}"
    assert citation.last - citation.first < MAX_SPAN or citation.key in LONG_LISTS
    assert citation.says.strip().endswith(".")


@pytest.mark.parametrize("citation", [c for c in CITATIONS.values() if c.footnote], ids=lambda c: c.key)
def test_a_footnote_citation_lies_inside_its_footnote(guideline, citation: Citation):
    start = next(i for i, line in enumerate(guideline, 1) if re.match(rf"^{citation.footnote} [A-Z]", line))
    end = start
    while end < len(guideline) and guideline[end].strip():
        end += 1
    assert start <= citation.first and citation.last <= end


def test_the_check_fails_on_a_wrong_range(guideline):
    """The registry's old mistake — closing a denied allegation cited at 937-940 — does not pass."""
    right = CITATIONS["step1_closed_documented"]
    wrong = Citation(right.key, 937, 940, right.says, right.words)
    text = normalised(" ".join(guideline[wrong.first - 1:wrong.last]))
    assert not all(normalised(p) in text for p in wrong.words)


def test_cite_renders_the_range_and_the_footnote():
    assert cite("step1_closed_documented") == "guideline lines 942-944"
    assert cite("footnote22_severity") == "footnote 22, guideline lines 1082-1088"
    assert CITATIONS["informed_consent"].lines == "line 676"
    with pytest.raises(KeyError):
        cite("no_such_rule")


def test_keys_are_snake_case_and_unique():
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in CITATIONS)
    assert all(c.key == key for key, c in CITATIONS.items())
