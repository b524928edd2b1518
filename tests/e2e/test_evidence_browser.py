"""Evidence documents in a real browser: a renamed executable refused with the type detected, a document uploaded
to a closed demo incident, and downloaded back as an attachment with its name and bytes, both audited; and, signed in
as an editor, a step recorded through its form with the document behind it, then downloaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import queries

from .helpers import assert_no_app_exception, pick_option, wait_for_app
from .test_sign_in_browser import EDITOR, idp, server, sign_in  # noqa: F401 - the signed-in app's fixtures

pytestmark = pytest.mark.e2e

NOTES = b"Monitoring visit notes (redacted): the facilitator met the victim service coordinator.\n"


def test_upload_and_download_a_document(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    url = f"sqlite:///{tmp_path / 'evidence.db'}"
    app_server = streamlit_app("app.py", database_url=url)
    code = next(r for r in read_fixture() if evaluate(r).status == "closed_remediated").incident.code
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{app_server.url}/incident?incident={code}")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(page.get_by_role("heading", name="Evidence")).to_be_visible()
    form = page.locator("[data-testid='stForm']").filter(has_text="Attach a document")
    expect(form.get_by_text("No victims' names", exact=False)).to_be_visible()
    uploader = form.locator("[data-testid='stFileUploader'] input[type='file']")

    # A Windows executable renamed to .pdf: refused, naming what it is.
    uploader.set_input_files({"name": "final-report.pdf", "mimeType": "application/pdf",
                              "buffer": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 300})
    form.get_by_role("button", name="Attach").click()
    wait_for_app(page)
    expect(page.get_by_text("detected: Windows executable", exact=False)).to_be_visible(timeout=20_000)

    # A text document: attached, with its SHA-256 said.
    uploader.set_input_files({"name": "visit-notes.txt", "mimeType": "text/plain", "buffer": NOTES})
    form.get_by_role("button", name="Attach").click()
    wait_for_app(page)
    assert_no_app_exception(page)
    expect(page.get_by_text("Attached visit-notes.txt", exact=False)).to_be_visible(timeout=20_000)
    page.screenshot(path=str(artifacts_dir / "evidence.png"), full_page=True)

    # Download it back: choose it, click, and the browser saves the file (an attachment, never shown in the page).
    expect(page.get_by_role("combobox", name="Document to download")).to_have_value(
        re.compile("visit-notes.txt"))  # the document just attached is the one offered
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download visit-notes.txt").click()
    assert download.value.suggested_filename == "visit-notes.txt"
    assert Path(download.value.path()).read_bytes() == NOTES

    engine = db.make_engine(url)
    try:
        trail = queries.audit_trail(engine, code)
        actions = list(trail["action"])
        assert actions.count("attached document") == 1 and actions.count("downloaded document") == 1
    finally:
        engine.dispose()


REPORT = b"Final report of the remediation facilitator (redacted): every case plan completed.\n"


def test_an_editor_records_a_step_with_its_document_and_downloads_it(server, page, artifacts_dir):  # noqa: F811
    """Signed in as an editor: the facilitator's final report recorded through its step form with the file, stored in
    the same save, then downloaded back from the Evidence section (the bytes as uploaded), both audited."""
    from playwright.sync_api import expect

    record = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4
                  and r.plans[0].implementation_started_on and r.plans[0].closure.final_report_on is None)
    code, plan = record.incident.code, record.plans[0]
    sign_in(page, server, EDITOR)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{server.url}/incident?incident={code}")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    form = page.locator("[data-testid='stForm']").filter(has_text="Record the final report").first
    expect(form.get_by_text("Document behind this record (optional)", exact=False)).to_be_visible()
    expect(form.get_by_text("No victims' names", exact=False)).to_be_visible()  # the reminder beside the field
    form.get_by_role("spinbutton", name=re.compile(r"^year")).click()
    page.keyboard.type(plan.implementation_started_on.strftime("%Y%m%d"))
    form.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": "final-report.txt", "mimeType": "text/plain", "buffer": REPORT})
    form.get_by_role("button", name="Record the final report").click()
    wait_for_app(page)
    assert_no_app_exception(page)
    expect(page.locator("[data-testid='stForm']").filter(has_text="Record the final report")).to_have_count(
        0 if len(record.plans) == 1 else 1, timeout=20_000)  # recorded: this plan's form is gone

    # The list is virtualised: typing brings the option into view.
    pick_option(page, page.get_by_role("combobox", name="Document to download"), re.compile("final-report.txt"),
                typed="final-report")
    wait_for_app(page)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download final-report.txt").click()
    assert download.value.suggested_filename == "final-report.txt"
    assert Path(download.value.path()).read_bytes() == REPORT
    page.screenshot(path=str(artifacts_dir / "evidence-step-form.png"), full_page=True)

    engine = db.make_engine(server.database_url)
    try:
        trail = queries.audit_trail(engine, code)
        mine = trail[trail["actor"] == EDITOR]
        assert {"recorded Level 1 closure evidence", "attached document", "downloaded document"} <= set(mine["action"])
    finally:
        engine.dispose()
