"""Text a user typed is shown as text, in a real browser: no HTML, no link, no script runs."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from remediation.domain.models import IncidentIn
from remediation.services import bootstrap
from remediation.services.incidents import create_incident
from remediation.storage import engine as db

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e

HOSTILE = {
    "INC-2026-901": "<img src=x onerror=alert(1)>",
    "INC-2026-902": "**bold** [link](javascript:alert(1))",
}
HOSTILE_SMELTER = '<a href="javascript:alert(2)">Evil Smelter</a> :red[x]'


def _hostile_database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    monkeypatch.setenv("REMEDIATION_DEMO", "1")
    engine = bootstrap.bootstrap(db.make_engine(url))
    for code, title in HOSTILE.items():
        create_incident(engine, IncidentIn(
            code=code, title=title, summary=title, mineral="gold", country="Ghana", site=title,
            smelter_refiner=HOSTILE_SMELTER, audit_programme="lbma", violation_types=["forced_labour"],
            allegation_source=title, date_received=date.today() - timedelta(days=3),
            incident_date=date.today() - timedelta(days=30), affected_persons=2))
    engine.dispose()
    return url


def test_hostile_titles_render_inert(streamlit_app, page, artifacts_dir, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=_hostile_database(tmp_path, monkeypatch))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    for code, title in HOSTILE.items():
        page.goto(f"{server.url}/incident?incident={code}")
        wait_for_app(page, timeout=60_000)
        assert_no_app_exception(page)
        expect(page.locator("h1").first).to_be_visible()
        # the literal text, as typed (md() adds invisible word joiners that break autolinks and icons)
        assert title in page.locator("h1").first.inner_text().replace("\u2060", "")
        main = page.locator("[data-testid='stMain']")
        assert main.locator("img[src='x']").count() == 0
        assert main.locator("a[href^='javascript']").count() == 0
        assert main.locator("strong", has_text="bold").count() == 0
    page.screenshot(path=str(artifacts_dir / "unsafe-incident.png"), full_page=True)

    # A typed smelter name travels into captions and chart titles through the sidebar filter.
    page.goto(f"{server.url}/?" + urlencode({"status": "All", "smelter": HOSTILE_SMELTER}))  # the filter's link
    wait_for_app(page)
    assert_no_app_exception(page)
    expect(page.get_by_text("2 incidents · all")).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_contain_text("Evil Smelter")
    assert page.locator("a[href^='javascript']").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    page.screenshot(path=str(artifacts_dir / "unsafe-portfolio.png"), full_page=True)
