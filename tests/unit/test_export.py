"""Exports: the formula-injection guard, the workbook, the PDF (drawn for real by Chromium through kaleido)."""

from __future__ import annotations

import io
import os
import re
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from remediation.domain.settings import Settings
from remediation.reports import board_pack as export
from remediation.reports.board_pack import Section
from remediation.services import spreadsheets
from remediation.services.spreadsheets import neutralise, neutralise_frame
from remediation.storage import queries

HOSTILE = '=HYPERLINK("http://x","click")'


# --- neutralise -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    # OWASP's triggers, each as the first character
    ("=1+1", "'=1+1"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    (HOSTILE, "'" + HOSTILE),
    # a trigger after leading whitespace: neutralised too (CSV importers may trim before evaluating)
    (" =1+1", "' =1+1"),
    ("  @SUM(A1)", "'  @SUM(A1)"),
    ("\n=1+1", "'\n=1+1"),
    # harmless text
    ("Gold", "Gold"),
    ("a=b", "a=b"),
    ("Côte d'Ivoire", "Côte d'Ivoire"),
    ("", ""),
    ("   ", "   "),
    ("'=1+1", "'=1+1"),  # already neutralised: unchanged
], ids=repr)
def test_neutralise_text(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("value", [None, 0, -5, 3.5, -0.25, Decimal("-12.50"), True, date(2026, 1, 2),
                                   datetime(2026, 1, 2, 3, 4), float("nan")], ids=repr)
def test_neutralise_leaves_non_text_alone(value):
    result = neutralise(value)
    assert result is value  # the same object: a negative number stays a number


@pytest.mark.parametrize("value", ["=1", "-1", "x", " +1", "'@a"])
def test_neutralise_is_idempotent(value):
    assert neutralise(neutralise(value)) == neutralise(value)


def test_neutralise_frame_touches_text_cells_and_column_names_only():
    df = pd.DataFrame({
        "=name": ["=cmd", "plain", None],
        "amount": [-5, 3, 7],
        "when": [date(2026, 1, 1), date(2026, 1, 2), None],
        "mixed": ["@x", 4, date(2026, 1, 3)],
        "kind": pd.Categorical(["+a", "b", "+a"]),
    })
    out = neutralise_frame(df)
    assert list(out.columns) == ["'=name", "amount", "when", "mixed", "kind"]
    assert out["'=name"].tolist()[:2] == ["'=cmd", "plain"] and pd.isna(out["'=name"].iloc[2])
    assert out["amount"].tolist() == [-5, 3, 7] and pd.api.types.is_integer_dtype(out["amount"])
    assert out["when"].tolist()[:2] == [date(2026, 1, 1), date(2026, 1, 2)]
    assert out["mixed"].tolist() == ["'@x", 4, date(2026, 1, 3)]
    assert out["kind"].tolist() == ["'+a", "b", "'+a"]
    assert df.columns[0] == "=name" and df.iloc[0, 0] == "=cmd"  # the input is not modified


# --- spreadsheets -----------------------------------------------------------------------------------

@pytest.mark.parametrize("names, expected", [
    (["Pipeline", "Ageing"], ["Pipeline", "Ageing"]),
    (["Open/closed [2026]: *why?*\\"], ["Openclosed 2026 why"]),
    (["A" * 40], ["A" * 31]),
    (["Sheet", "sheet", "SHEET"], ["Sheet", "sheet (2)", "SHEET (3)"]),
    (["B" * 40, "B" * 35], ["B" * 31, "B" * 27 + " (2)"]),
    (["", "[]"], ["Sheet", "Sheet (2)"]),
    (["'quoted'"], ["quoted"]),
    (["History"], ["History sheet"]),
])
def test_sheet_names_are_valid_and_unique(names, expected):
    assert spreadsheets.sheet_names(names) == expected
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in expected)


@pytest.fixture
def workbook():
    incidents = pd.DataFrame({
        "Code": ["INC-2026-001", "INC-2026-002", "INC-2026-003"],
        "Title": [HOSTILE, "@SUM(A1)", "Debt bondage at a tin site with a deliberately long title " * 3],
        "Balance": [-5, 0, 12],
        "Amount": [Decimal("-1.50"), Decimal("2"), Decimal("1000000.25")],
        "Received": [date(2026, 1, 2), date(2026, 2, 3), date(2026, 3, 4)],
        "Recorded at": pd.to_datetime(["2026-01-02 10:00", "2026-02-03 11:30", "2026-03-04 12:45"]).tz_localize("UTC"),
        "Changes": [[{"field": "title"}], [], {"a": 1}],
    })
    tables = {"Incidents: open/closed [2026]*?": incidents, "Summary": pd.DataFrame({"=Figure": ["-3"], "Value": [-3]}),
              "Empty": pd.DataFrame(columns=["Nothing"])}
    return load_workbook(io.BytesIO(spreadsheets.tables_to_xlsx(tables))), incidents


def test_xlsx_sheets_in_order_with_valid_names(workbook):
    wb, _ = workbook
    assert wb.sheetnames == ["Incidents openclosed 2026", "Summary", "Empty"]


def test_xlsx_never_holds_a_formula(workbook):
    wb, _ = workbook
    ws = wb["Incidents openclosed 2026"]
    assert ws["B2"].value == "'" + HOSTILE and ws["B2"].data_type == "s"
    assert ws["B3"].value == "'@SUM(A1)" and ws["B3"].data_type == "s"
    assert wb["Summary"]["A1"].value == "'=Figure" and wb["Summary"]["A2"].value == "'-3"
    for sheet in wb:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.lstrip().startswith(spreadsheets.FORMULA_TRIGGERS), cell.coordinate


def test_xlsx_keeps_types(workbook):
    wb, _ = workbook
    ws = wb["Incidents openclosed 2026"]
    assert ws["C2"].value == -5 and ws["C2"].data_type == "n"  # a negative number stays a number
    assert ws["D2"].value == pytest.approx(-1.5) and ws["D4"].value == pytest.approx(1000000.25)
    assert ws["E2"].is_date and ws["E2"].value.date() == date(2026, 1, 2) and ws["E2"].number_format == "YYYY-MM-DD"
    assert ws["F3"].is_date and ws["F3"].value == datetime(2026, 2, 3, 11, 30)  # aware → naive UTC
    assert ws["G2"].value == "[{'field': 'title'}]"
    assert wb["Summary"]["B2"].value == -3


def test_xlsx_header_bold_frozen_and_columns_sized(workbook):
    wb, incidents = workbook
    ws = wb["Incidents openclosed 2026"]
    assert [c.value for c in ws[1]] == list(incidents.columns)
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G4"
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["A"] >= len("INC-2026-001") and widths["B"] == spreadsheets.COLUMN_WIDTH_MAX  # capped
    assert widths["E"] >= 10  # a date fits
    assert [c.value for c in wb["Empty"][1]] == ["Nothing"] and wb["Empty"].max_row == 1


def test_csv_has_a_bom_and_neutralised_cells():
    df = pd.DataFrame({"Title": [HOSTILE, "Côte d'Ivoire"], "Balance": [-5, 2], "Received": [date(2026, 1, 2)] * 2})
    data = spreadsheets.tables_to_csv(df)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["Title"].tolist() == ["'" + HOSTILE, "Côte d'Ivoire"]
    assert back["Balance"].tolist() == [-5, 2] and back["Received"].tolist() == ["2026-01-02"] * 2


# --- the headline figures, suppressed ----------------------------------------------------------------

def headline(victims: int, money: list[dict] | None = None) -> queries.Headline:
    return queries.Headline(open_incidents=7, level1_mandatory=3, victims_level1=victims, overdue=1,
                            level2_money=money or [])


def usd(currency="USD", budget="200000", spent="50000") -> dict:
    return {"currency": currency, "plans": 2, "budget": Decimal(budget), "pledged": Decimal("0"),
            "received": Decimal("0"), "spent": Decimal(spent)}


@pytest.mark.parametrize("victims, tile, cell", [(0, "0", 0), (1, "<5", "<5"), (4, "<5", "<5"), (5, "5", 5),
                                                 (1234, "1,234", 1234)])
def test_victims_below_the_threshold_are_suppressed(victims, tile, cell):
    conf = Settings()
    facts = dict(export.headline_facts(headline(victims), conf))
    assert facts["Victims assisted (Level 1)"] == tile
    table = export.headline_table(headline(victims), conf, date(2026, 1, 1), "all incidents", 7, 7)
    assert table.set_index("Figure").loc["Victims assisted (Level 1)", "Value"] == cell


def test_victims_threshold_is_the_settings():
    facts = dict(export.headline_facts(headline(7), Settings(small_count_threshold=10)))
    assert facts["Victims assisted (Level 1)"] == "<10"


@pytest.mark.parametrize("money, expected", [
    ([], {"Level 2 budget spent": "No plans"}),
    ([usd()], {"Level 2 budget spent": "25%\nUSD 50k of 200k"}),
    ([usd("EUR", "1000000", "0"), usd()], {"Level 2 budget spent (EUR)": "0%\nEUR 0 of 1m",
                                           "Level 2 budget spent (USD)": "25%\nUSD 50k of 200k"}),
])
def test_level2_money_is_never_summed_across_currencies(money, expected):
    facts = dict(export.headline_facts(headline(0, money), Settings()))
    assert {k: v for k, v in facts.items() if k.startswith("Level 2")} == expected


# --- the PDF --------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _chromium_from_ci(monkeypatch):
    """CI names its Chromium in CHROMIUM_PATH; kaleido reads BROWSER_PATH."""
    if os.environ.get("CHROMIUM_PATH") and not os.environ.get("BROWSER_PATH"):
        monkeypatch.setenv("BROWSER_PATH", os.environ["CHROMIUM_PATH"])


def render(sections, **kw) -> bytes:
    """figures_to_pdf, or a loud skip (a failure when REQUIRE_BROWSER=1) where no Chromium is installed."""
    try:
        return export.figures_to_pdf(sections, **kw)
    except export.ChromiumNotFound as exc:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but the PDF cannot be drawn: {exc}", pytrace=False)
        pytest.skip(f"PDF EXPORT TESTS SKIPPED: {exc}")


def text_of(pdf: bytes) -> list[str]:
    """Each page's text, whitespace collapsed (a label may wrap inside its tile)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def bar_chart(name: str, height: int) -> go.Figure:
    fig = go.Figure(go.Bar(x=[3, 1, 2], y=["a", "b", "c"], orientation="h"))
    return fig.update_layout(title=f"{name} chart", height=height)


@pytest.fixture(scope="module")
def pack() -> bytes:
    sections = [
        # two small charts share the section's first page with its tiles
        Section("Portfolio", [bar_chart("First", 160), bar_chart("Second", 160)],
                [("Open incidents", "26"), ("Victims assisted (Level 1)", "<5"),
                 ("Level 2 budget spent", "5%\nUSD 84k of 1.70m")],
                note="Counts below 5 are shown as <5."),
        # charts too tall to share a page: one page each, the tallest shrunk to fit
        Section("Level 2 plans", [bar_chart("Tall", 600), bar_chart("Taller", 600), bar_chart("Towering", 2000)]),
        # nothing but a note: still a page; user text shown literally, never as markup
        Section("<b>Lessons</b> & $x$", note='A facilitator wrote: <a href="http://x">click</a> $5 budget$'),
    ]
    return render(sections, as_of=date(2026, 11, 20), scope="filters: gold; Tallis Bullion")


def test_pdf_pages(pack):
    reader = PdfReader(io.BytesIO(pack))
    assert len(reader.pages) == 1 + 1 + 3 + 1  # cover, Portfolio, Level 2 plans ×3, Lessons
    for page in reader.pages:  # A4 landscape
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((841.89, 595.28), abs=0.5)
    assert [item.title for item in reader.outline] == ["Portfolio", "Level 2 plans", "<b>Lessons</b> & $x$"]


def test_pdf_text(pack):
    pages = text_of(pack)
    cover = pages[0]
    assert export.REPORT_TITLE in cover and "as of 2026-11-20" in cover
    assert "Scope: filters: gold; Tallis Bullion" in cover and "Generated " in cover
    # the contents: page numbers from CSS target-counter, a hostile title as text
    assert re.search(r"Portfolio \.+ page 2 Level 2 plans \.+ page 3 <b>Lessons</b> & \$x\$ \.+ page 6", cover)
    assert pages[1].startswith("Portfolio") and "First chart" in pages[1] and "Second chart" in pages[1]
    assert "Open incidents 26" in pages[1] and "Victims assisted (Level 1) <5" in pages[1]
    assert "Level 2 budget spent 5% USD 84k of 1.70m" in pages[1]
    assert "Counts below 5 are shown as <5." in pages[1]
    assert pages[2].startswith("Level 2 plans ")
    for page in pages[3:5]:  # a continued section carries its title in the running header
        assert "Remediation oversight — board pack Level 2 plans Scope:" in page
    assert "Tall chart" in pages[2] and "Taller chart" in pages[3] and "Towering chart" in pages[4]
    assert "<b>Lessons</b> & $x$" in pages[5]
    assert 'A facilitator wrote: <a href="http://x">click</a> $5 budget$' in pages[5]
    for number, page in enumerate(pages, start=1):  # the scope statement and page X of Y in every footer
        assert page.endswith(f"Scope: filters: gold; Tallis Bullion Page {number} of 6"), page


def test_pdf_of_no_sections_is_a_cover():
    pdf = render([], as_of=date(2026, 1, 1))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1 and "as of 2026-01-01" in text_of(pdf)[0]


def test_missing_browser_names_the_fix(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(export.ChromiumNotFound,
                       match=r"BROWSER_PATH='/nonexistent/chromium'.*apt-get install chromium"):
        export.figures_to_pdf([Section("x", [bar_chart("A", 200)])])


def test_a_pack_without_charts_needs_no_browser(monkeypatch):
    """Only the charts need Chromium: text, tiles and tables are laid out by WeasyPrint alone."""
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    pdf = export.figures_to_pdf([Section("Needs attention", facts=[("Overdue incidents", "3")])])
    assert "Overdue incidents 3" in text_of(pdf)[1]


def test_workbook_number_formats_and_scope_line():
    """Money in the row's currency, shares as percentages, counts and dates formatted; the scope statement above
    every sheet (and its header on row 2)."""
    plans = pd.DataFrame({"Incident": ["INC-1", "INC-2"], "Currency": ["USD", "EUR"],
                          "Budget": [Decimal("1000.50"), Decimal("20")], "Received (%)": [0.25, 1.0],
                          "Reports": [3, 0], "Planned end": [date(2026, 1, 31), None]})
    wb = load_workbook(io.BytesIO(spreadsheets.tables_to_xlsx(
        {"Plans": plans, "Other": pd.DataFrame({"Not yet received": [5.5]})}, scope="Scope: filters: =gold")))
    sheet = wb["Plans"]
    for ws in wb:
        assert ws["A1"].value == "Scope: filters: =gold"
        assert ws.freeze_panes == "A3"
    assert [c.value for c in sheet[2]] == list(plans.columns)
    assert sheet["C3"].number_format == '"USD" #,##0.00' and sheet["C4"].number_format == '"EUR" #,##0.00'
    assert sheet["D3"].number_format == "0%" and sheet["D3"].value == 0.25
    assert sheet["E3"].number_format == "#,##0" and sheet["F3"].number_format == "YYYY-MM-DD"
    assert wb["Other"]["A3"].number_format == "#,##0.00"  # money by its header, no currency column
    assert spreadsheets.number_format("Share (%)", True) is None  # a yes/no is not a number
