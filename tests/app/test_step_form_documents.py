"""The step forms' file field (issue #12 item 7): the document behind the fact goes with the record, in the same
save; a refused file refuses the whole submit under the file field with nothing saved; the documents the company
setting requires before a step can be attached from the form that records it; the privacy reminder beside the field.
"""

from __future__ import annotations

import re

from conftest import open_form, open_tab, submit

from remediation.domain.settings import Settings
from remediation.services import admin, evidence
from remediation.services.base import Actor
from remediation.storage import engine as db
from remediation.storage import queries
from remediation.storage.records import find_incident, load_records

INCIDENT_PAGE = "pages/incident.py"
AT_STEP_4 = "INC-2025-010"  # demo: Level 1 plan implemented, the facilitator's final report not recorded yet
AT_STEP_5 = "INC-2025-006"  # demo: verified by the audit programme, no closure report yet
REPORT = b"Final report of the remediation facilitator (redacted).\nAll case plans completed.\n"


def shown(elements) -> str:
    return re.sub(r"\\(.)", r"\1", " ".join(e.value for e in elements))


def stored(tmp_path, code: str):
    engine = db.get_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with engine.connect() as conn:
        incident_id, _ = find_incident(conn, code)
        record = load_records(conn, [incident_id])[incident_id]
    return record, evidence.list_documents(engine, code)


def choose_file(at, form: str, name: str, data: bytes) -> None:
    at.file_uploader(key=f"{form}.document").set_value((name, data, "application/octet-stream"))


def test_the_final_report_form_offers_a_file_field_with_the_reminder(run_app):
    at = run_app(query={"incident": AT_STEP_4}, page=INCIDENT_PAGE)
    assert not at.exception
    field = at.file_uploader(key="final1.document")
    assert field.label == "Document behind this record (optional): Level 1 plan: Final report (remediation facilitator)"
    assert evidence.UPLOAD_REMINDER in shown(at.caption)
    # every step form of this incident that records a report offers its own file field, each on its step's tab
    assert "final1.document" in {u.key for u in at.get("file_uploader")}
    assert "monitoring1.document" in {u.key for u in open_form(at, "monitoring1").get("file_uploader")}
    assert "lessons.document" in {u.key for u in open_tab(at, "6. Lessons").get("file_uploader")}


def test_a_refused_file_refuses_the_whole_submit_under_the_file_field(run_app, tmp_path):
    at = run_app(query={"incident": AT_STEP_4}, page=INCIDENT_PAGE)
    before, docs_before = stored(tmp_path, AT_STEP_4)
    at.date_input(key="final1.final_report_on").set_value(before.plan(1).implementation_started_on)
    choose_file(at, "final1", "final-report.pdf", b"MZ\x90\x00\x03\x00" + b"\x00" * 200)  # a renamed executable
    submit(at, "final1")
    assert not at.exception
    errors = shown(at.error)
    assert "final-report.pdf is not accepted as evidence (detected: Windows executable)" in errors
    attention = shown(at.warning)
    assert "Nothing was saved" in attention and "Document behind this record" in attention  # the field named
    after, docs_after = stored(tmp_path, AT_STEP_4)
    assert after.plan(1).closure.final_report_on is None  # the fact was not saved either
    assert len(docs_after) == len(docs_before)


def test_a_file_too_large_for_the_setting_is_refused_with_the_limit(run_app, tmp_path):
    at = run_app(query={"incident": AT_STEP_4}, page=INCIDENT_PAGE)
    engine = db.get_engine(f"sqlite:///{tmp_path / 'app.db'}")
    conf = queries.settings(engine)  # 1 MB, so the test does not move 20 MB around
    admin.update_settings(engine, Settings(**{**conf.model_dump(), "document_size_limit_mb": 1}), Actor("local user"))
    at = run_app(query={"incident": AT_STEP_4}, page=INCIDENT_PAGE)
    record, docs_before = stored(tmp_path, AT_STEP_4)
    at.date_input(key="final1.final_report_on").set_value(record.plan(1).implementation_started_on)
    choose_file(at, "final1", "final-report.txt", b"a" * (1024 * 1024 + 10))
    submit(at, "final1")
    assert "evidence documents may be at most 1.0 MB (company setting: document size limit)" in shown(at.error)
    after, docs_after = stored(tmp_path, AT_STEP_4)
    assert after.plan(1).closure.final_report_on is None and len(docs_after) == len(docs_before)


def test_the_document_is_stored_with_the_fact(run_app, tmp_path):
    at = run_app(query={"incident": AT_STEP_4}, page=INCIDENT_PAGE)
    record, docs_before = stored(tmp_path, AT_STEP_4)
    day = record.plan(1).implementation_started_on
    at.date_input(key="final1.final_report_on").set_value(day)
    choose_file(at, "final1", "final-report.txt", REPORT)
    submit(at, "final1")
    assert not at.exception and not at.error
    after, docs = stored(tmp_path, AT_STEP_4)
    assert after.plan(1).closure.final_report_on == day
    new = [d for d in docs if d["file_name"] == "final-report.txt"]
    assert len(new) == 1 and (new[0]["kind"], new[0]["level"], new[0]["file_type"]) == ("final_report", 1, "text")
    assert len(docs) == len(docs_before) + 1


def test_the_required_closure_report_is_attached_from_the_closing_form(run_app, tmp_path):
    at = run_app(query={"incident": AT_STEP_5}, page=INCIDENT_PAGE)
    record, _ = stored(tmp_path, AT_STEP_5)
    verified = record.closure.verified_by_audit_programme_on
    # The closure report recorded without its document: the company setting (default) requires it before closing.
    at.date_input(key="closure.closure_report_on").set_value(verified)
    at.radio(key="closure.recommend_close").set_value(True)
    submit(at, "closure")
    assert not at.exception
    at.date_input(key="closure.closed_on").set_value(verified)
    submit(at, "closure")
    assert "Closure report (audit programme) must be attached as a document before closing the incident" in \
        shown(at.error)
    assert "Document behind this record" in shown(at.warning)
    assert stored(tmp_path, AT_STEP_5)[0].closure.closed_on is None
    # The same form, with the report: closed, the document stored with it.
    choose_file(at, "closure", "closure-report.txt", b"Closure report of the audit programme (redacted).\n")
    submit(at, "closure")
    assert not at.exception and not at.error
    after, docs = stored(tmp_path, AT_STEP_5)
    assert after.closure.closed_on == verified
    assert [(d["kind"], d["level"]) for d in docs if d["file_name"] == "closure-report.txt"] == [
        ("closure_report", None)]


def test_the_saved_toast_shows_a_typed_file_name_as_text(run_app, tmp_path):
    """#16 rendering policy (toasts): the file's name is the user's text; the success toast showed it as Markdown."""
    at = run_app(query={"incident": AT_STEP_4}, page=INCIDENT_PAGE)
    record, _ = stored(tmp_path, AT_STEP_4)
    at.date_input(key="final1.final_report_on").set_value(record.plan(1).implementation_started_on)
    name = "**[report](evil.example)** :red[urgent] $x$.txt"
    choose_file(at, "final1", name, REPORT)
    next(b for b in at.button if b.proto.form_id == "final1").click()
    at.run(timeout=240)  # a save with a document, then the rerun that shows the toast
    assert not at.exception and not at.error
    toast = next(t.value for t in at.toast if "final-report" in t.value.lower() or "with" in t.value)
    assert "\\*\\*\\[report\\]\\(evil\\.example\\)\\*\\*" in toast and "\\:\u2060red\\[urgent\\]" in toast, toast
    assert "\\$x\\$" in toast, toast
