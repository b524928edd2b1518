"""Issue #16 in a real browser: no table offers its own CSV download (cells would reach a spreadsheet as typed,
formulas included), and a chart shows typed markup as the characters typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]

CHART_SCRIPT = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from datetime import date
import pandas as pd
import streamlit as st
from remediation.reports import charts

tags = pd.DataFrame({{"tag": ['<b>bold</b> <a href="https://evil.example/">link</a>', "funding"],
                      "incidents": [3, 1]}})
st.plotly_chart(charts.lesson_themes(tags, 4, date(2026, 11, 1), "all incidents"), key="themes", theme=None)
"""


def test_no_table_offers_the_toolbar_csv_download(streamlit_app, page, artifacts_dir):
    from playwright.sync_api import expect

    server = streamlit_app("app.py")
    page.goto(f"{server.url}/?status=All")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    table = page.locator("[data-testid='stDataFrame']").first
    expect(table).to_be_visible()
    table.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").first
    expect(toolbar).to_be_visible()  # the toolbar is there (search, full screen)…
    expect(toolbar.get_by_role("button", name="Search")).to_be_visible()
    assert page.get_by_role("button", name="Download as CSV").count() == 0  # …but not its CSV download
    page.screenshot(path=str(artifacts_dir / "hardening-table-toolbar.png"))


def test_a_chart_shows_typed_markup_literally(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    script = tmp_path / "chart.py"
    script.write_text(CHART_SCRIPT)
    server = streamlit_app(script)
    page.goto(server.url)
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_contain_text('<b>bold</b> <a href="https://evil.example/">link</a>')  # the characters typed
    assert chart.locator("a[href*='evil.example']").count() == 0
    assert chart.locator("text b, tspan[style*='bold']").count() == 0
    page.screenshot(path=str(artifacts_dir / "hardening-chart-label.png"))


MD_SCRIPT = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
import streamlit as st
from pages._text import md

HOSTILE = {{
    "url": "Refund here: https://evil.example/pay or www.evil.example or pay@evil.example",
    "setext": "Corrective action\\n===",
    "latex": "Cost $x^2$ here",
    "colour": ":red[big red] :material/warning:",
    "image": "![pixel](https://evil.example/p.png)",
}}
for key, text in HOSTILE.items():
    with st.container(key=f"md_{{key}}"):
        st.markdown(md(text))
st.caption(md(HOSTILE["url"]))
st.error(md(HOSTILE["image"]))
"""


def test_md_shows_bare_urls_headings_latex_colours_and_images_as_typed(streamlit_app, page, tmp_path):
    from playwright.sync_api import expect

    script = tmp_path / "md.py"
    script.write_text(MD_SCRIPT)
    server = streamlit_app(script)
    page.goto(server.url)
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    main = page.locator("[data-testid='stMain']")
    expect(main.locator(".st-key-md_image")).to_be_visible()

    def shown(key: str) -> str:  # the text as read, less md()'s invisible word joiners
        return main.locator(f".st-key-md_{key}").inner_text().replace("\u2060", "")

    assert "https://evil.example/pay or www.evil.example or pay@evil.example" in shown("url")
    assert "===" in shown("setext")
    assert "$x^2$" in shown("latex")
    assert ":red[big red] :material/warning:" in shown("colour")
    assert "![pixel](https://evil.example/p.png)" in shown("image")
    assert main.locator("a").count() == 0  # no bare URL, address or e-mail became a link
    assert main.locator("img").count() == 0
    assert main.locator("h1, h2").count() == 0  # no setext heading
    assert main.locator(".katex").count() == 0
    assert main.locator("[data-testid='stIconMaterial']").count() == 0  # no icon typed as :material/…:


def test_an_incident_title_with_a_bare_url_is_not_a_link(streamlit_app, page, tmp_path, monkeypatch):
    from datetime import date, timedelta

    from playwright.sync_api import expect

    from remediation.domain.models import IncidentIn
    from remediation.services import bootstrap
    from remediation.services.incidents import create_incident
    from remediation.storage import engine as db

    url = f"sqlite:///{tmp_path / 'urls.db'}"
    monkeypatch.setenv("REMEDIATION_DEMO", "1")
    engine = bootstrap.bootstrap(db.make_engine(url))
    title = "Refund here: https://evil.example/pay"
    create_incident(engine, IncidentIn(
        code="INC-2026-950", title=title, summary=title, mineral="gold", country="Ghana", site="Site",
        smelter_refiner="Smelter", audit_programme="lbma", violation_types=["forced_labour"], allegation_source="NGO",
        date_received=date.today() - timedelta(days=3), incident_date=date.today() - timedelta(days=30),
        affected_persons=2))
    engine.dispose()
    server = streamlit_app("app.py", database_url=url)
    page.goto(f"{server.url}/incident?incident=INC-2026-950")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(page.locator("h1").first).to_be_visible()
    assert title in page.locator("h1").first.inner_text().replace("\u2060", "")  # as typed, less word joiners
    assert page.locator("[data-testid='stMain'] a[href*='evil.example']").count() == 0
