"""Every page in board mode, in a real browser: no edit controls, and a screenshot for review."""

from __future__ import annotations

import re
from datetime import date

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

from .helpers import assert_no_app_exception, broken_words, clipped_text, grid_overflow, wait_for_app

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["720p", "1080p"])
def test_every_page_in_board_mode(streamlit_app, browser, artifacts_dir, tmp_path, size):
    """Board mode is a presentation mode: on every page (admin included) no sidebar, no input element, no
    row checkbox, no instruction to click or select; a summary line, the scope line and a way back; no word broken
    across two lines, no text cut off (outside tables and charts) and no table column cut off at a table's edge."""
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    open_l2 = next(r for r in read_fixture() if evaluate(r).is_open and r.plan(2)
                   and r.plan(2).implementation_started_on)
    at_step4 = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4)
    # a heading whose hyphenated site is where it wraps at 1280 ("… underground at Sanjo-31"): it must not split
    hyphenated = next(r for r in read_fixture() if r.incident.title.endswith("at Sanjo-31"))
    pages = {
        "portfolio": "/?board=true",
        "incident": f"/incident?incident={at_step4.incident.code}&board=true",
        "incident-title": f"/incident?incident={hyphenated.incident.code}&board=true",
        "plans": f"/plans?board=true&status=All&plan={open_l2.incident.code}",
        "lessons": "/lessons?board=true&status=All",
        "reporting": "/reporting?board=true&period_kind=Year&period_year=" + str(date.today().year - 1),
        "triage": f"/triage?board=true&from={at_step4.incident.code}",
        "policy": "/policy?board=true",
        "supply_chain": "/supply_chain?board=true",
        "followups": "/followups?board=true",
        "admin": "/admin?board=true",
        "imports": "/imports?board=true",
    }
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    broken: list[str] = []  # every page is looked at before the test fails: one run names every broken word
    clipped: list[str] = []
    try:
        for name, path in pages.items():
            page.goto(server.url + path)
            wait_for_app(page, timeout=60_000)
            assert_no_app_exception(page)
            expect(page.get_by_role("link", name="Exit board mode")).to_be_visible()
            expect(page.get_by_text(re.compile(r"^Scope: .*; as of \d{4}-\d\d-\d\d\.$"))).to_have_count(1)
            main = page.locator("[data-testid='stMain']")
            expect(main.get_by_text(" open · ").first).to_be_visible()
            assert page.locator("[data-testid='stSidebar']").count() == 0, name
            # The incident page draws only its open step tab (issue #15): each tab in turn, the current step's last.
            labels: list[str | None] = [None]
            if name.startswith("incident"):
                tabs = main.locator("[data-testid='stTabs']").first.get_by_role("tab")
                current = [t.inner_text() for t in tabs.all() if t.get_attribute("aria-selected") == "true"]
                labels = [*[t.inner_text() for t in tabs.all() if t.inner_text() not in current], *current]
            for label in labels:
                if label is not None:
                    tab = main.locator("[data-testid='stTabs']").first.get_by_role("tab", name=label, exact=True)
                    tab.click()
                    expect(tab).to_have_attribute("aria-selected", "true")
                    wait_for_app(page)
                for selector in ("input", "textarea", "select", "button[kind^='primary']",
                                 "button[kind^='secondary']", "[data-testid='stForm']"):
                    assert main.locator(selector).count() == 0, (name, label, selector)
                adds = main.locator("[data-testid='stExpander'] summary").filter(has_text="Add ")
                assert adds.count() == 0, (name, label, adds.all_inner_texts())  # facts may fold; edit forms may not
            for words in ("Click a bar", "Select a row"):
                assert main.get_by_text(words).count() == 0, (name, words)
            # a dataframe in board mode draws no selection column (its row checkboxes), nor a column cut off at its
            # right edge (a slide does not scroll sideways)
            for grid in main.locator("[data-testid='stDataFrame']").all():
                assert grid.locator("[role='columnheader'] input, [aria-label*='Select']").count() == 0, name
                if (beyond := grid_overflow(grid)) > 0:
                    clipped.append(f"{name} at {size[0]}x{size[1]}: a table {beyond} px past its right edge "
                                   f"({grid.locator('[role=columnheader]').all_inner_texts()[:8]})")
            page.screenshot(path=str(artifacts_dir / f"board-{name}-{size[0]}.png"), full_page=True)
            # no word split across two lines: a site "Sanjo-30" or a citation "1084-1088)." broken at its hyphen
            broken += [f"{name} at {size[0]}x{size[1]}: {b['word']!r} in '…{b['context']}…'" for b in broken_words(page)]
            # nor text cut off sideways: a metric's value wider than its column ("Past trading: recent a…")
            clipped += [f"{name} at {size[0]}x{size[1]}: {c}" for c in clipped_text(page)]
    finally:
        context.close()
    assert not broken, "words broken across two lines:\n" + "\n".join(broken)
    assert not clipped, "text cut off:\n" + "\n".join(clipped)


def test_the_board_pack_downloads_from_the_sidebar(streamlit_app, page, tmp_path):
    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(server.url + "/")  # the board pack is downloaded from the dashboard: board mode has no sidebar
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
