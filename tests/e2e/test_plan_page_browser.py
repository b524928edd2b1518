"""A link to a Level 2 plan opens on the plan, and drawing it writes no Arrow traceback to the server log;
the portfolio and lessons charts at a projector's 1024 px (screenshots for review)."""

from __future__ import annotations

from pathlib import Path

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e


def test_a_plan_link_opens_on_the_plan_without_a_traceback(streamlit_app, browser, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    rec = next(r for r in read_fixture() if evaluate(r).is_open and r.plan(2) and r.plan(2).implementation_started_on
               and any(i.indicators for i in r.plan(2).initiatives))
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/plans?status=All&plan={rec.incident.code}")
        wait_for_app(page, timeout=60_000)
        assert_no_app_exception(page)
        heading = page.get_by_role("heading", name=rec.incident.code)
        expect(heading).to_be_visible()
        assert heading.bounding_box()["y"] < 768, "the plan is on the first screen"
        expect(page.get_by_text("Planned spend").first).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "plan-1024.png"), full_page=True)
        for path, name in (("/", "portfolio"), ("/lessons?status=All", "lessons")):
            page.goto(server.url + path)
            wait_for_app(page, timeout=60_000)
            assert_no_app_exception(page)
            for i, chart in enumerate(page.locator("[data-testid='stPlotlyChart']").all()):
                chart.scroll_into_view_if_needed()
                chart.screenshot(path=str(artifacts_dir / f"{name}-1024-chart{i}.png"))
    finally:
        context.close()
    log = Path(server.log_path).read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and "ArrowTypeError" not in log and "ArrowInvalid" not in log, log[-3000:]
