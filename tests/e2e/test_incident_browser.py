"""The incident workspace in a real browser: deep links, recording a step, the tracker moving."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e


def test_deep_link_and_an_unknown_code(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4)
    # The fresh server's very first request is the deep link: the entry script must still run (sidebar
    # filters, two-page navigation), not Streamlit's legacy pages/ folder mode with its file list.
    page.goto(f"{server.url}/incident?incident={rec.incident.code}")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(page.locator("h1").first).to_contain_text(rec.incident.code)
    # The filters do not narrow an incident: folded away, saying so.
    expect(page.locator("[data-testid='stSidebar']").get_by_text("Filters: not used on this page")).to_be_visible()
    nav = page.locator("[data-testid='stSidebarNav'] a")  # each link's text is its icon name, then its title
    titles = ["Portfolio", "Incident", "Level 2 plans", "Lessons learned", "Reporting", "Supply chain", "Follow-ups",
              "What-if triage", "Level policy", "Import and export", "Admin"]  # Admin: local mode is a single user with every right
    expect(nav).to_have_count(len(titles))
    for link, title in zip(nav.all(), titles):
        expect(link).to_contain_text(title)
    expect(page.get_by_text("Needed to move on from Step 4")).to_be_visible()
    expect(page.get_by_role("heading", name="Level of response")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "incident.png"), full_page=True)

    page.goto(f"{server.url}/incident?incident=INC-1999-999")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Incident not found")).to_be_visible()
    expect(page.get_by_text("There is no incident with the code")).to_be_visible()


def test_recording_a_finding_moves_the_tracker(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 1 and r.verification.notice)
    page.goto(f"{server.url}/incident?incident={rec.incident.code}")
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_text("Needed to move on from Step 1")).to_be_visible()

    form = page.locator("[data-testid='stForm']").filter(has_text="Record the investigation's finding")
    form.get_by_text("No", exact=True).click()
    # Streamlit's date field is a group of spinbuttons; typing into the year runs on into month and day.
    form.get_by_role("spinbutton", name="year, Decided on").click()
    page.keyboard.type((rec.verification.notice.notified_on + timedelta(days=10)).strftime("%Y%m%d"))
    # An unsubstantiated allegation is closed with its reason written down (issue #12's rule).
    form.get_by_role("textbox", name="Notes").fill("The investigation found no corroborating evidence.")
    form.get_by_role("button", name="Record the investigation's finding").click()
    wait_for_app(page)

    assert_no_app_exception(page)
    expect(page.get_by_text("Unsubstantiated: the audit programme informed the downstream company")).to_be_visible()
    expect(page.get_by_text("Closed here")).to_be_visible()
    expect(page.get_by_text("Needed to move on from Step 1")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "incident-after-finding.png"), full_page=True)


def test_a_closed_incident_reads_top_down_at_1024x768(streamlit_app, browser, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    rec = next(r for r in read_fixture() if evaluate(r).status == "closed_remediated" and r.lessons)
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/incident?incident={rec.incident.code}")
        wait_for_app(page, timeout=60_000)
        assert_no_app_exception(page)
        title = page.locator("h1").first.bounding_box()
        box = page.get_by_role("textbox", name="Incident code").bounding_box()
        assert title["y"] < box["y"]  # the title first, then the code box
        active = page.locator("[data-testid='stTabs'] [role='tab'][aria-selected='true']").first
        expect(active).to_contain_text("6. Lessons")
        tabs = page.locator("[data-testid='stTabs'] [role='tablist']").first
        active.scroll_into_view_if_needed()
        a, t = active.bounding_box(), tabs.bounding_box()
        assert t["x"] - 1 <= a["x"] and a["x"] + a["width"] <= t["x"] + t["width"] + 1
        # All six fit without scrolling the tab list.
        assert page.evaluate("""() => { const l = document.querySelector('[data-testid="stTabs"] [role="tablist"]');
                                        return l.scrollWidth <= l.clientWidth + 1; }""")
        page.screenshot(path=str(artifacts_dir / "incident-closed-1024.png"), full_page=True)

        page.goto(f"{server.url}/incident")
        wait_for_app(page, timeout=60_000)
        page.get_by_role("button", name="Record allegation").click()
        wait_for_app(page)
        expect(page.get_by_text("Nothing was saved. Please check:").first).to_be_visible()
        expect(page.get_by_text("Violation types * (at least one)")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "intake-empty-submit-1024.png"), full_page=True)
    finally:
        context.close()


def test_only_the_open_step_tab_is_drawn_and_the_address_holds_it(streamlit_app, page, tmp_path):
    """Issue #15: the step tabs are lazy. Another tab's form is not hidden but absent until its tab is opened; the open
    tab is in the address (?tab=), so a reload shows it again; an incident link followed from another page opens at
    the current step."""
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4
               and r.incident.trading_link in ("current", "past") and r.plans)
    code = rec.incident.code
    page.goto(f"{server.url}/incident?incident={code}")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    main = page.locator("[data-testid='stMain']")
    step_tabs = main.locator("[data-testid='stTabs']").first
    opened = step_tabs.locator("[role='tab'][aria-selected='true']")
    lessons = main.get_by_role("button", name="Record lessons learned")
    funding = main.locator("summary").get_by_text("Add funding", exact=True)
    expect(opened).to_have_text("4. Implement")
    expect(funding.first).to_be_visible()
    expect(lessons).to_have_count(0)  # not hidden in a closed tab: not drawn at all
    assert "tab" not in dict(parse_qsl(urlsplit(page.url).query))  # the current step: no need to say it

    step_tabs.get_by_role("tab", name="6. Lessons").click()
    expect(page).to_have_url(re.compile(r"[?&]tab=6\.(\+|%20)Lessons(&|$)"))
    expect(lessons).to_be_visible()
    wait_for_app(page)
    expect(funding).to_have_count(0)
    assert dict(parse_qsl(urlsplit(page.url).query))["incident"] == code

    page.reload()  # the address alone: a new session
    wait_for_app(page, timeout=60_000)
    expect(opened).to_have_text("6. Lessons")
    expect(lessons).to_be_visible()
    expect(funding).to_have_count(0)

    # To another page and back through its link to the incident: the current step, not the tab last looked at.
    main.get_by_role("button", name="Open these facts in what-if triage").click()
    expect(page.locator("h1").first).to_contain_text("What-if triage")
    wait_for_app(page)
    main.get_by_role("link", name=f"Open {code}").click()
    expect(page.locator("h1").first).to_contain_text(code)
    wait_for_app(page)
    assert_no_app_exception(page)
    expect(opened).to_have_text("4. Implement")
    expect(funding.first).to_be_visible()
    assert "tab" not in dict(parse_qsl(urlsplit(page.url).query))
