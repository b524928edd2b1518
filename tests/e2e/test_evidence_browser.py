"""Evidence documents in a real browser: a renamed executable refused with the type detected, a document uploaded
to a closed demo incident, and downloaded back as an attachment with its name and bytes, both audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import queries

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e

NOTES = b"Monitoring visit notes (redacted): the facilitator met the victim service coordinator.\n"


def test_upload_and_download_a_document(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    url = f"sqlite:///{tmp_path / 'evidence.db'}"
    server = streamlit_app("app.py", database_url=url)
    code = next(r for r in read_fixture() if evaluate(r).status == "closed_remediated").incident.code
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{server.url}/incident?incident={code}")
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
