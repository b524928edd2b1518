"""Issue #17's "Done means", in a real browser, as a sustainability lead at year end: pick last year, see it quarter
by quarter, lock it; correct a date from last June and see a restatement, not a changed number; download the board
pack with the disclosure tables."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from remediation.services.demo import read_fixture

from .helpers import assert_no_app_exception, pick_option, wait_for_app

pytestmark = pytest.mark.e2e
LAST = date.today().year - 1


def test_year_end_lock_restatement_and_pack(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    june = [r for r in read_fixture() if r.plan(1) and r.plan(1).approval.approved_by_audit_programme_on
            and r.plan(1).approval.approved_by_audit_programme_on.strftime("%Y-%m") == f"{LAST}-06"]
    if not june:
        pytest.skip("the demo portfolio has no Level 1 plan approved last June")
    code = june[0].incident.code
    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    page.goto(server.url + "/reporting")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    main = page.locator("[data-testid='stMain']")

    # Pick last year.
    main.locator("[data-testid='stButtonGroup']").get_by_text("Year", exact=True).click()
    wait_for_app(page)
    pick_option(page, main.get_by_role("combobox", name="Year"), str(LAST))
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_role("heading", name=f"{LAST} quarter by quarter")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{LAST} · {LAST}-01-01 to {LAST}-12-31")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "reporting-year.png"), full_page=True)

    # Lock it.
    lock = main.locator("[data-testid='stForm']").filter(has_text=f"Lock {LAST}")
    lock.get_by_text(f"{LAST} has been reported").click()
    lock.get_by_role("button", name=f"Lock {LAST}").click()
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(main.get_by_text("the figures below are as published")).to_be_visible()

    # Correct a date from last June: the Level 1 plan was in fact approved on 1 July.
    form = main.locator("[data-testid='stForm']").filter(has_text="Correct the date")
    form.get_by_role("textbox", name="Incident code").fill(code)
    # The list is virtual: typing brings the option up.
    pick_option(page, form.get_by_role("combobox", name="Date of"), "the audit programme's approval of the plan",
                typed="approval of the plan")
    pick_option(page, form.get_by_role("combobox", name="Plan level"), "1")
    form.get_by_role("spinbutton", name="year, Correct date").click()
    page.keyboard.type(f"{LAST}0701")
    form.get_by_role("button", name="Correct the date").click()
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(main.get_by_text("Restated: a correction of a dated fact changed published figures of")).to_be_visible()
    expect(page.get_by_role("heading", name="Restatement", exact=True)).to_be_visible()
    expect(main.get_by_text("the figures below are as published")).to_be_visible()
    page.get_by_role("heading", name="Restatement", exact=True).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "reporting-restated.png"), full_page=True)

    # Download the pack with the disclosure tables.
    with page.expect_download(timeout=180_000) as download:
        main.get_by_role("button", name=f"PDF: board pack {LAST}").click()
    assert download.value.suggested_filename == f"board-pack-{LAST}.pdf"
    data = open(download.value.path(), "rb").read()  # noqa: SIM115 - a test reads a downloaded file once
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    for words in (f"Reporting period {LAST} ({LAST}-01-01 to {LAST}-12-31)", "UK Modern Slavery Act",
                  "ESRS S2-4", "OECD Step 5", f"Restatement of {LAST}", f"{LAST} quarter by quarter"):
        assert words in text, words
