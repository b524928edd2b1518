"""The app in a real browser: `streamlit run app.py` on a fresh SQLite database, headless Chromium."""

from __future__ import annotations

import re
from datetime import date

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage.queries import PIPELINE_STAGES

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e


def _open_records():
    return sorted((r for r in read_fixture() if evaluate(r).is_open),
                  key=lambda r: (r.incident.date_received, r.incident.code), reverse=True)


def test_portfolio_shows_the_pipeline_and_a_row_opens_its_incident(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(server.url)
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)

    open_records = _open_records()
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    expect(page.get_by_text(f"{len(open_records)} incidents · open", exact=True)).to_be_visible()
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(4)  # pipeline, ageing, involvement, remedy
    expect(page.locator(".js-plotly-plot").first).to_contain_text("Incidents by step and closed outcome")
    grid = page.locator("[data-testid='stDataFrame']")
    expect(grid).to_contain_text(open_records[0].incident.code, timeout=15_000)
    page.screenshot(path=str(artifacts_dir / "portfolio.png"), full_page=True)

    # The first row of the table (newest first) opens its incident.
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 36 + 17)
    # the sidebar filters follow it in the link (status=Open…)
    page.wait_for_url(re.compile(rf"/incident\?incident={open_records[0].incident.code}(&|$)"), timeout=15_000)
    wait_for_app(page)
    expect(page.locator("h1").first).to_contain_text(open_records[0].incident.code)
    assert_no_app_exception(page)


def test_clicking_a_pipeline_bar_narrows_the_table(streamlit_app, page, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(server.url)
    wait_for_app(page, timeout=60_000)
    step4 = sum(1 for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4)
    stages = [key for key, _ in PIPELINE_STAGES]
    # Plotly numbers the bars in trace order: the stages reversed (the first stage is drawn on top).
    bar = page.locator(".js-plotly-plot").first.locator("g.point").nth(len(stages) - 1 - stages.index("step4"))
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()  # plotly's drag layer lies over the bars: click where the bar is
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_for_app(page)
    expect(page.get_by_text(f"{step4} incidents · 4. Implement and monitor the plan", exact=True)).to_be_visible()
    assert "stage=" in page.url  # the chosen stage is in the link too


def test_sidebar_filters_are_kept_in_the_link(streamlit_app, page, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(server.url + "/?mineral=Gold&status=All")
    wait_for_app(page, timeout=60_000)
    gold = sum(1 for r in read_fixture() if r.incident.mineral == "gold")
    expect(page.get_by_text(f"{gold} incidents · all", exact=True)).to_be_visible()
    expect(page.get_by_text("filters: Gold", exact=False).first).to_be_visible()
    assert date.today().isoformat() in page.get_by_text("as of").first.inner_text()
