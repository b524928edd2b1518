"""Two app servers on one PostgreSQL database: a write through one shows through the other on its next
rerun. The app is stateless apart from the database; every cached read is keyed by the data version."""

from __future__ import annotations

from datetime import timedelta

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e


def test_a_write_through_one_server_shows_on_the_other(streamlit_app, browser, database_url_factory):
    from playwright.sync_api import expect

    url, _ = database_url_factory("postgresql")
    env = {"REMEDIATION_DEMO": "1"}  # load the demo portfolio into the shared database, once
    server_a = streamlit_app("app.py", database_url=url, env=env)
    server_b = streamlit_app("app.py", database_url=url, env=env)
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 1 and r.verification.notice)
    path = f"/incident?incident={rec.incident.code}"

    on_b = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    on_b.goto(server_b.url + path)
    wait_for_app(on_b, timeout=60_000)
    expect(on_b.get_by_text("Needed to move on from Step 1")).to_be_visible()

    on_a = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    on_a.goto(server_a.url + path)
    wait_for_app(on_a, timeout=60_000)
    form = on_a.locator("[data-testid='stForm']").filter(has_text="Record the investigation's finding")
    form.get_by_text("No", exact=True).click()
    form.get_by_role("spinbutton", name="year, Decided on").click()
    on_a.keyboard.type((rec.verification.notice.notified_on + timedelta(days=10)).strftime("%Y%m%d"))
    # An unsubstantiated allegation is closed with its reason written down (issue #12's rule).
    form.get_by_role("textbox", name="Notes").fill("The investigation found no corroborating evidence.")
    form.get_by_role("button", name="Record the investigation's finding").click()
    wait_for_app(on_a)
    expect(on_a.get_by_text("Closed here")).to_be_visible()

    on_b.wait_for_timeout(1_100)  # the data version is read at most once a second per server
    sidebar = on_b.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Filters: not used on this page").click()  # folded away on an incident
    sidebar.get_by_text("All", exact=True).click()  # any rerun
    wait_for_app(on_b)
    assert_no_app_exception(on_b)
    expect(on_b.get_by_text("Closed here")).to_be_visible()
    expect(on_b.get_by_text("Needed to move on from Step 1")).to_have_count(0)
    on_a.context.close()
    on_b.context.close()
