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
