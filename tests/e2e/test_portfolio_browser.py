"""The app in a real browser: `streamlit run app.py` on a fresh SQLite database, headless Chromium."""

from __future__ import annotations

import pytest

from remediation.demo import read_fixture
from remediation.steps import evaluate

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e


def test_first_start_seeds_the_demo_portfolio_and_lists_it(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(server.url)
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)

    open_records = [r for r in read_fixture() if evaluate(r).is_open]
    newest = max(open_records, key=lambda r: (r.incident.date_received, r.incident.code))
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    expect(page.get_by_text(f"{len(open_records)} incidents", exact=True)).to_be_visible()
    grid = page.locator("[data-testid='stDataFrame']")
    # The grid draws on a canvas; its accessibility layer carries the visible rows' text.
    expect(grid).to_contain_text(newest.incident.code, timeout=15_000)
    expect(grid).to_contain_text(evaluate(newest).waiting_for[:40])
    page.screenshot(path=str(artifacts_dir / "portfolio.png"), full_page=True)

    page.get_by_role("radiogroup", name="Show").get_by_role("radio", name="All").click()
    wait_for_app(page)
    expect(page.get_by_text(f"{len(read_fixture())} incidents", exact=True)).to_be_visible()
    assert_no_app_exception(page)
