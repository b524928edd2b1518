"""The board pack for a reporting period, on SQLite and PostgreSQL: the cover, every chart's caption, every page's
footer and the file name say which period; the disclosure tables (UK Modern Slavery Act, ESRS S2-4, OECD Step 5)
are sections of the PDF and sheets of the workbook, aggregates only, victims' small counts suppressed; a locked
year shows its published figures and, after a correction, the restatement."""

from __future__ import annotations

import io
import os
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from remediation.domain.periods import quarter, year
from remediation.reports import board_pack, disclosures
from remediation.services import access
from remediation.services.base import Actor, Refused
from remediation.services.incidents import correct_date
from remediation.services.reporting import lock_period
from remediation.storage import queries, reporting
from remediation.storage.queries import PortfolioFilter

TODAY = date.today()
LAST_YEAR = year(TODAY.year - 1)
ADMIN = Actor("ada@brand.example", access="admin")


@pytest.fixture(autouse=True)
def _chromium_and_local_mode(monkeypatch):
    if os.environ.get("CHROMIUM_PATH") and not os.environ.get("BROWSER_PATH"):
        monkeypatch.setenv("BROWSER_PATH", os.environ["CHROMIUM_PATH"])
    monkeypatch.setattr(access, "_signed_in_mode", False)


def pack(engine, period, flt: PortfolioFilter | None = None):
    try:
        return disclosures.period_board_pack(engine, flt or PortfolioFilter(), TODAY, queries.settings(engine), period)
    except board_pack.ChromiumNotFound as exc:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but the PDF cannot be drawn: {exc}", pytrace=False)
        pytest.skip(f"PDF EXPORT TESTS SKIPPED: {exc}")


def pages_text(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_the_pack_says_its_period_everywhere_and_carries_the_disclosure_tables(demo_engine):
    period = quarter(TODAY.year - 1, 2)
    pdf, xlsx = pack(demo_engine, period)
    pages = pages_text(pdf)
    line = f"Reporting period {period.label} ({period.dates})"
    assert line in pages[0]  # the cover
    assert all(line in page for page in pages)  # every page's footer, with the scope
    assert all("Scope: all incidents" in page for page in pages)
    text = " ".join(pages)
    captions = re.findall(r"Figure (\d+) · (Reporting period [^·]+?) pack · the chart shows the position as of", text)
    assert len(captions) >= 6  # every chart's caption: numbered, with the period
    assert [int(n) for n, _ in captions] == list(range(1, len(captions) + 1))
    assert {p for _, p in captions} == {line}
    for title in ("UK Modern Slavery Act — effectiveness indicators", ("ESRS S2-4 — remediation actions and "
                  "effectiveness"), "OECD Step 5 — annual report on due diligence", f"Reporting period {period.label}"):
        assert title in text
    assert "s. 54(5)(e)" in text and "§32(b)" in text and "guideline lines 292-304" in text
    assert disclosures.file_name(period, "pdf") == f"board-pack-{TODAY.year - 1}-Q2.pdf"
    wb = load_workbook(io.BytesIO(xlsx))
    for sheet in ("Period figures", "Open stock", "UK MSA indicators", "ESRS S2-4", "OECD Step 5"):
        assert sheet in wb.sheetnames
        assert line in str(wb[sheet]["A1"].value)  # the scope line names the period on every sheet
    msa = {r[0]: r[1] for r in wb["UK MSA indicators"].iter_rows(min_row=3, values_only=True)}
    figures = reporting.figures(demo_engine, period)
    assert msa["Allegations of modern slavery received"] in (figures["received"], str(figures["received"]))
    victims = figures["victims_assisted"]
    assert str(msa["Victims assisted (case-management plans in implementation)"]) == (
        "<5" if 0 < victims < 5 else f"{victims:,}")
    assert "Incident" not in [c.value for c in wb["UK MSA indicators"][2]]  # aggregates: no incident column


def test_a_locked_year_shows_its_published_figures_and_a_restatement(demo_engine):
    lock = lock_period(demo_engine, LAST_YEAR, ADMIN)
    with demo_engine.connect() as conn:
        records = reporting.scoped_records(conn)
    year_ = LAST_YEAR.start.year
    june = [r for r in records if r.plan(1) and r.plan(1).approval.approved_by_audit_programme_on
            and r.plan(1).approval.approved_by_audit_programme_on.strftime("%Y-%m") == f"{year_}-06"]
    for r in june:  # last June's approval of a Level 1 plan, found to have been given on 1 July
        try:
            correct_date(demo_engine, r.incident.code, "plan_approved", date(year_, 7, 1), ADMIN, level=1)
            break
        except Refused:
            continue
    else:
        pytest.skip("the demo portfolio has no June plan approval that can move to July")
    pub = reporting.published(demo_engine, LAST_YEAR)
    assert pub.report.current == lock.figures  # published figures stay
    q2, q3 = quarter(year_, 2), quarter(year_, 3)
    restated = {x.lock.period: x for x in pub.restated}
    assert {q2, q3} <= set(restated)  # the year's quarters were locked with it
    for q, diff in ((q2, "-1"), (q3, "+1")):
        rows = restated[q].changed.set_index("Figure")
        assert rows.loc["Plans approved by the audit programme", "Difference"] == diff
        assert restated[q].incidents == [r.incident.code]
    pdf, xlsx = pack(demo_engine, LAST_YEAR)
    wb = load_workbook(io.BytesIO(xlsx))
    assert {"Quarter by quarter", "Restatement", "Restatement changes"} <= set(wb.sheetnames)
    who = list(wb["Restatement changes"].iter_rows(min_row=3, values_only=True))
    assert any(ADMIN.user in row and r.incident.code in row for row in who)
    text = " ".join(pages_text(pdf))
    assert f"Restatement of {LAST_YEAR.label}: stored (published) against recomputed" in text
    assert f"Locked on {TODAY:%Y-%m-%d} by {ADMIN.user}" in text or "Locked on" in text
