"""What-if triage in a real browser: an input changes, the highlighted cell moves, the link reproduces it."""

from __future__ import annotations

import pytest

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e


def test_changing_a_fact_moves_the_highlighted_cell_and_the_link_reproduces_it(
        streamlit_app, browser, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(f"{server.url}/triage")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    # Defaults: past trading, recent, forced labour, 5 persons, isolated → past trading, all other scenarios.
    expect(page.locator(".st-key-matrix_past_other")).to_contain_text("this case")
    expect(page.locator(".st-key-answer_level1")).to_contain_text("Recommended")

    page.get_by_text("Repeated (not an isolated event)").click()
    wait_for_app(page)
    expect(page.locator(".st-key-matrix_past_recent_severe")).to_contain_text("this case")
    expect(page.locator(".st-key-matrix_past_other")).not_to_contain_text("this case")
    expect(page.locator(".st-key-answer_level1")).to_contain_text("Mandatory")
    expect(page.get_by_text("Severe by occurrence", exact=False).first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "triage.png"), full_page=True)

    shared = page.url
    assert "repeated=" in shared
    other = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    other.goto(shared)
    wait_for_app(other, timeout=60_000)
    expect(other.locator(".st-key-matrix_past_recent_severe")).to_contain_text("this case")
    expect(other.locator(".st-key-answer_level1")).to_contain_text("Mandatory")
    other.context.close()
