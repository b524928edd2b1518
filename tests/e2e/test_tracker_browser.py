"""The incident page's step tracker (#18): the six states line up under the six step names."""

from __future__ import annotations

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e

STATES = ("Done", "Current step", "Not reached", "Closed here", "Not reached: closed")


@pytest.mark.parametrize("width", [1024, 1440])
def test_tracker_states_share_one_line(streamlit_app, browser, artifacts_dir, tmp_path, width):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    at_step4 = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url + f"/incident?incident={at_step4.incident.code}")
        wait_for_app(page, timeout=60_000)
        assert_no_app_exception(page)
        captions = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']")
        expect(captions.filter(has_text="Current step")).to_have_count(1, timeout=30_000)
        boxes = [c.bounding_box() for c in captions.all() if c.inner_text().strip() in STATES]
        assert len(boxes) == 6, boxes
        assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 1, boxes
        widths = [b["width"] for b in boxes]
        assert max(widths) - min(widths) < 2, widths  # equal columns
        page.screenshot(path=str(artifacts_dir / f"incident-tracker-{width}.png"))
    finally:
        context.close()
