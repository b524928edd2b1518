"""Every page in board mode, in a real browser: no edit controls, and a screenshot for review."""

from __future__ import annotations

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e


def test_every_page_in_board_mode(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    open_l2 = next(r for r in read_fixture() if evaluate(r).is_open and r.plan(2)
                   and r.plan(2).implementation_started_on)
    at_step4 = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4)
    pages = {
        "portfolio": "/?board=true",
        "incident": f"/incident?incident={at_step4.incident.code}&board=true",
        "plans": f"/plans?board=true&status=All&plan={open_l2.incident.code}",
        "lessons": "/lessons?board=true&status=All",
        "triage": "/triage?board=true",
        "policy": "/policy?board=true",
        "supply_chain": "/supply_chain?board=true",
    }
    for name, path in pages.items():
        page.goto(server.url + path)
        wait_for_app(page, timeout=60_000)
        assert_no_app_exception(page)
        expect(page.locator("[data-testid='stSidebar']").get_by_text("Board mode")).to_be_visible()
        if name in ("portfolio", "incident", "plans", "supply_chain"):
            expect(page.locator("[data-testid='stForm']")).to_have_count(0)
        page.screenshot(path=str(artifacts_dir / f"board-{name}.png"), full_page=True)


def test_the_board_pack_downloads_from_the_sidebar(streamlit_app, page, tmp_path):
    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(server.url + "/?board=true")
    wait_for_app(page, timeout=60_000)
    sidebar = page.locator("[data-testid='stSidebar']")
    for label, magic in (("PDF: figures and charts", b"%PDF"), ("XLSX: the tables", b"PK")):
        with page.expect_download(timeout=60_000) as download:
            sidebar.get_by_text(label).click()
        data = open(download.value.path(), "rb").read()
        assert data.startswith(magic), label
        assert len(data) > 5_000


def test_a_first_deep_link_to_any_page_raises_no_dialog(streamlit_app, page, tmp_path):
    """A fresh server whose first request is /imports (not the home page) must open it without
    Streamlit's 'Page not found' dialog."""
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(server.url + "/imports")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(page.get_by_role("heading", name="Import incidents")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
