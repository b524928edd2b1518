"""Every link reproduces its view (#18, item 3), in a real browser: on each page, set filters or inputs, copy the
address, open it in a fresh browser context (a colleague's browser) and compare what is shown; the sidebar keeps
the filters in the address through every page; board mode's way back stays in the same tab.

Synchronisation is by state, never by sleeping: a change is awaited by what it must produce (the address, a page
title), then the app's ``data-test-script-state='notRunning'``."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from remediation.services.demo import read_fixture

from .helpers import NOT_RUNNING_SELECTOR, RUNNING_INDICATOR_SELECTOR, assert_no_app_exception

pytestmark = pytest.mark.e2e

TITLES = {"": "Portfolio", "incident": "Incidents", "triage": "What-if triage", "plans": "Level 2 plans",
          "lessons": "Lessons learned", "supply_chain": "Supply chain", "policy": "Level policy",
          "imports": "Import and export"}

# What is shown: every input's value and checked state (main area and sidebar), the chosen tags of multiselects,
# which option of each segmented control is on, the metrics and the headings (the key figures and the verdict).
SNAPSHOT_JS = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  const side = document.querySelector("[data-testid='stSidebar']");
  const roots = [main, side].filter(Boolean);
  const all = (sel) => roots.flatMap(r => [...r.querySelectorAll(sel)]);
  return {
    inputs: all("input, textarea").map(e => [e.getAttribute("aria-label") || "", e.type,
                                              e.type === "checkbox" ? String(e.checked) : e.value]),
    tags: all("[data-tag]").map(e => e.innerText),
    segments: all("[data-testid='stButtonGroup'] button").map(e => [e.innerText, e.getAttribute("kind")]),
    metrics: main ? [...main.querySelectorAll("[data-testid='stMetricValue']")].map(e => e.innerText) : [],
    headings: main ? [...main.querySelectorAll("h1, h2, h3, h4, h5")].map(e => e.innerText) : [],
  };
}"""


def settled(page, timeout: int = 60_000) -> None:
    """The run that drew what we waited for has finished (call once its output is there)."""
    from playwright.sync_api import expect

    page.locator(NOT_RUNNING_SELECTOR).wait_for(state="attached", timeout=timeout)
    expect(page.locator(RUNNING_INDICATOR_SELECTOR)).to_have_count(0, timeout=timeout)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)


def open_page(page, url: str, title: str) -> None:
    """Go to ``url``; wait for its title (drawn by the script run) then for that run to finish."""
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    heading = page.locator("[data-testid='stMain'] h1")
    expect(heading.filter(has_text=title)).to_be_visible(timeout=60_000)
    settled(page)


def query(url: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def param(name: str, value: str) -> re.Pattern:
    return re.compile(rf"[?&]{re.escape(name)}={re.escape(value)}(&|$)")


def _toggle_repeated(page):
    from playwright.sync_api import expect

    before = "true" in page.url.split("repeated=")[1][:4]
    page.locator(".st-key-repeated label").click()
    expect(page).to_have_url(param("repeated", "false" if before else "true"))
    settled(page)
    box = page.locator(".st-key-affected input")
    box.fill("12")
    box.press("Enter")
    expect(page).to_have_url(param("affected", "12"))


def _click(selector: str, name: str, value: str, gone: str | None = None):
    """Click the option ``value``; wait for the address to hold it and, for a widget Streamlit binds to the URL
    itself (its address changes before the rerun), for the old view's heading ``gone`` to leave."""
    def act(page):
        from playwright.sync_api import expect

        page.locator(selector).filter(has_text=re.compile(rf"^{re.escape(value)}$")).click()
        expect(page).to_have_url(param(name, value.replace(" ", "+")))
        if gone:
            expect(page.locator("[data-testid='stMain']").get_by_role("heading", name=gone)).to_have_count(0)
    return act


def _second_breakdown(page):
    """The breakdown is bound to the URL by Streamlit (the address changes before the rerun): wait for the chart's
    new title instead."""
    from playwright.sync_api import expect

    option = page.locator(".st-key-lessons_by button").nth(1)
    label = option.inner_text().strip().lower()
    option.click()
    expect(page).to_have_url(re.compile(r"[?&]lessons_by="))
    expect(page.locator(".js-plotly-plot").filter(has_text=f"answers by {label}")).to_have_count(1)


def _scenarios():
    fixture = read_fixture()
    repeated = next(r.incident.code for r in fixture if r.incident.trading_link == "past" and r.incident.repeated)
    plan = next(r.incident.code for r in fixture if r.plan(2))
    return [
        ("", "/?mineral=Gold", _click(".st-key-status button", "status", "All")),
        ("incident", f"/incident?incident={repeated}&mineral=Tin", None),
        ("triage", f"/triage?from={repeated}", _toggle_repeated),
        ("plans", f"/plans?status=All&plan={plan}", _click(".st-key-status button", "status", "Closed")),
        ("lessons", "/lessons?status=All&mineral=Tin", _second_breakdown),
        ("supply_chain", "/supply_chain?mineral=Tin", _click(".st-key-view button", "view", "Flows",
                                                              gone="Suppliers ranked by the highest level of response "
                                                                   "required")),
        ("policy", "/policy?mineral=Gold&status=Closed", None),
        ("imports", "/imports?mineral=Gold", _click(".st-key-status button", "status", "All")),
    ]


def test_each_page_link_opened_in_a_fresh_browser_shows_the_same_view(streamlit_app, browser, tmp_path):
    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'links.db'}")
    sender = browser.new_context(viewport={"width": 1400, "height": 900})
    page = sender.new_page()
    try:
        for name, path, act in _scenarios():
            title = TITLES[name] if name != "incident" else path.split("incident=")[1].split("&")[0]
            open_page(page, server.url + path, title)
            if act is not None:
                act(page)
                settled(page)
            assert_no_app_exception(page)
            copied, shown = page.url, page.evaluate(SNAPSHOT_JS)
            assert shown["inputs"] and shown["headings"], name
            if "mineral=" in path:
                assert shown["tags"], name  # the filter's chip is among what is compared

            colleague = browser.new_context(viewport={"width": 1400, "height": 900})  # nothing shared: a new session
            try:
                other = colleague.new_page()
                open_page(other, copied, title)
                assert_no_app_exception(other)
                assert query(other.url) == query(copied), name  # the link is stable: nothing added, nothing lost
                assert other.evaluate(SNAPSHOT_JS) == shown, name
            finally:
                colleague.close()
    finally:
        sender.close()
    # Triage from ?from= set its inputs from the incident without Streamlit's warning about a widget "created with
    # a default value but also had its value set via the Session State API".
    assert "Session State API" not in server.read_log()


def test_triage_link_holds_every_input_even_unchanged_ones(streamlit_app, page, tmp_path):
    """Started from an incident, the link holds all eight inputs (not only those changed), dates included."""
    code = next(r.incident.code for r in read_fixture() if r.incident.trading_link == "past")
    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'triage.db'}")
    open_page(page, f"{server.url}/triage?from={code}", "What-if triage")
    keys = {k for k, _ in query(page.url)}
    assert {"from", "link", "occurred", "stopped", "public", "types", "repeated", "affected", "children"} <= keys


def test_sidebar_round_trip_keeps_the_filter_in_the_address(streamlit_app, page, tmp_path):
    """?mineral=Gold, then Incident and What-if triage and back to the Portfolio through the sidebar: the address keeps
    mineral=Gold all the way, and the portfolio is still filtered by it."""
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'nav.db'}")
    open_page(page, server.url + "/?mineral=Gold", "Portfolio")
    nav = page.locator("[data-testid='stSidebarNav']")
    for label, path, title in (("Incident", "/incident", "Incidents"), ("What-if triage", "/triage", "What-if triage"),
                               ("Level 2 plans", "/plans", "Level 2 plans"), ("Portfolio", "/", "Portfolio")):
        nav.get_by_role("link", name=label).click()
        expect(page).to_have_url(re.compile(rf"{re.escape(server.url + path)}\?.*mineral=Gold"))
        heading = page.locator("[data-testid='stMain'] h1")
        expect(heading.filter(has_text=title)).to_be_visible()  # the new page's run, not the last page's title
        settled(page)
        assert ("mineral", "Gold") in query(page.url), label
        if path != "/triage":
            assert not {"link", "occurred", "types"} & {k for k, _ in query(page.url)}, label
    expect(page.locator(".st-key-mineral [data-tag]")).to_have_text(["Gold"])
    assert_no_app_exception(page)


def test_exit_board_mode_stays_in_the_same_tab(streamlit_app, browser, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'board.db'}")
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        open_page(page, server.url + "/plans?board=true&mineral=Gold&status=All", "Level 2 plans")
        assert page.locator("[data-testid='stSidebar']").count() == 0
        assert page.get_by_test_id("stDownloadButton").count() == 0  # the board pack's downloads: normal mode only
        page.get_by_role("link", name="Exit board mode").click()
        expect(page).not_to_have_url(re.compile(r"[?&]board="))
        expect(page.locator("[data-testid='stSidebar']")).to_be_visible()
        settled(page)
        assert len(context.pages) == 1  # no new tab
        assert urlsplit(page.url).path == "/plans"
        assert {("mineral", "Gold"), ("status", "All")} <= set(query(page.url))
        expect(page.locator("[data-testid='stSidebar']").get_by_test_id("stDownloadButton")).to_have_count(2)
        assert_no_app_exception(page)
    finally:
        context.close()
