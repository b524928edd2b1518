"""The incident page's Evidence section as Streamlit runs it: the list of a closed demo incident's documents (name,
fact, type, size, SHA-256, who), the download offered to editors and admins as an attachment and never to viewers,
the upload form with its privacy reminder and fact selector, removal for admins only, and user text kept as text.
(Upload and download themselves run in a browser: tests/e2e/test_evidence_browser.py.)"""

from __future__ import annotations

import re

from conftest import open_form, submit
from test_roles import ADMIN, EDITOR, VIEWER, app  # noqa: F401 - the signed-in app fixture

from remediation.domain.workflow import evaluate
from remediation.services import evidence
from remediation.services.base import Actor
from remediation.services.demo import demo_documents, read_fixture
from remediation.services.evidence import Attachment
from remediation.storage import engine as db
from remediation.storage import queries

INCIDENT_PAGE = "pages/incident.py"


def closed_demo():
    return next(r for r in read_fixture() if evaluate(r).status == "closed_remediated")


def shown(elements) -> str:
    """What the messages read on screen: AppTest gives the Markdown source, with md()'s escapes."""
    return re.sub(r"\\(.)", r"\1", " ".join(e.value for e in elements))


def downloads(at) -> list:
    return [d for d in at.get("download_button") if (d.key or "").startswith("evidence.download")]


def evidence_table(at):
    return next(d.value for d in at.dataframe if "SHA-256" in d.value.columns)


def test_a_closed_incident_lists_the_documents_behind_its_reports(run_app):
    record = closed_demo()
    at = run_app(query={"incident": record.incident.code}, page=INCIDENT_PAGE)
    assert not at.exception
    assert "Evidence" in [s.value for s in at.subheader]
    table = evidence_table(at)
    assert list(table["Document"]) == [name for _, _, name, _ in demo_documents(record)]
    assert "Closure report (audit programme)" in set(table["Supports"])
    assert {f"Level {p.level} plan: Final report (remediation facilitator)" for p in record.plans} <= \
        set(table["Supports"])
    assert set(table["Type"]) <= {"PDF document", "CSV table", "Plain text", "E-mail message (.eml)"}
    assert table["SHA-256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert "guideline line 1392" in " ".join(c.value for c in at.caption)
    # Local mode's user is an admin: a download (an attachment, deferred: the file is read and the download audited
    # only when clicked), the upload form with its reminder and fact selector, and removal.
    offered = downloads(at)
    assert len(offered) == 1 and offered[0].label.startswith("Download ")
    assert any(evidence.UPLOAD_REMINDER in i.value for i in at.info)
    assert "Remove a document (admins)" in [e.label for e in at.expander]
    assert "Remove document" in [b.label for b in open_form(at, f"evidence.remove.{record.incident.code}").button]
    options = at.selectbox(key="evidence.fact").options
    assert "Closure report (audit programme)" in options and "Other" in options
    for plan in record.plans:
        assert f"Level {plan.level} plan: Final report (remediation facilitator)" in options


def test_viewers_see_the_list_without_download_upload_or_removal(app):  # noqa: F811
    code = closed_demo().incident.code
    viewer = app(VIEWER, page=INCIDENT_PAGE, query={"incident": code})
    assert not viewer.exception
    assert len(evidence_table(viewer)) == len(demo_documents(closed_demo()))
    assert downloads(viewer) == [] and viewer.get("file_uploader") == []
    assert "Remove a document (admins)" not in [e.label for e in viewer.expander]
    editor = app(EDITOR, page=INCIDENT_PAGE, query={"incident": code})
    assert len(downloads(editor)) == 1 and [u.key for u in editor.get("file_uploader")] == [
        "lessons.document", "evidence.file"]  # the lessons form's own file field, and the Evidence section's
    admin = app(ADMIN, page=INCIDENT_PAGE, query={"incident": code})
    assert "Remove a document (admins)" in [e.label for e in admin.expander]
    assert "Remove a document (admins)" not in [e.label for e in editor.expander]  # removal is for admins


def test_an_admin_removes_a_document_with_a_reason_and_the_list_says_so(run_app, tmp_path):
    record = closed_demo()
    at = run_app(query={"incident": record.incident.code}, page=INCIDENT_PAGE)
    first = evidence_table(at)["Document"].iloc[0]
    open_form(at, f"evidence.remove.{record.incident.code}")  # "Remove a document (admins)", opened
    at.text_input(key="evidence.remove_reason").set_value("Not the redacted version")
    submit(at, f"evidence.remove.{record.incident.code}")
    assert not at.exception
    table = evidence_table(at)
    removed = table[table["Document"] == first]["Removed"].iloc[0]
    assert "local user: Not the redacted version" in removed
    board = run_app(query={"incident": record.incident.code, "board": "true"}, page=INCIDENT_PAGE)
    assert list(evidence_grid(board).proto.column_order) == ["Document", "Supports", "Type", "Uploaded", "Removed"]


def evidence_grid(at):
    return next(d for d in at.dataframe if "SHA-256" in d.value.columns)


def test_board_mode_lists_the_documents_in_a_slide_s_columns(run_app):
    """On a slide the list fits the screen's width (no sideways scroll at 1280 px): what each document is, what it
    supports, its type and when it came; the hash, size and uploader stay on the page out of board mode."""
    code = closed_demo().incident.code
    at = run_app(query={"incident": code, "board": "true"}, page=INCIDENT_PAGE)
    assert not at.exception
    assert list(evidence_grid(at).proto.column_order) == ["Document", "Supports", "Type", "Uploaded"]
    assert not downloads(at)  # a slide: no controls
    at = run_app(query={"incident": code}, page=INCIDENT_PAGE)
    assert list(evidence_grid(at).proto.column_order) == []  # every column, the hash included


def test_file_names_are_shown_as_text(run_app, tmp_path):
    record = closed_demo()
    run_app(query={"incident": record.incident.code}, page=INCIDENT_PAGE)  # migrates and loads the demo
    engine = db.get_engine(f"sqlite:///{tmp_path / 'app.db'}")
    name = "**bold** [link](javascript:alert(1)) <img src=x onerror=alert(1)>.txt"
    evidence.attach_document(engine, record.incident.code, Attachment(name, b"Plain notes\n", "other"),
                             Actor("local user"))
    at = run_app(query={"incident": record.incident.code}, page=INCIDENT_PAGE)
    assert name in list(evidence_table(at)["Document"])  # a dataframe cell: text, never markup
    at.selectbox(key=f"evidence.pick.{record.incident.code}").set_value(
        next(o for o in at.selectbox(key=f"evidence.pick.{record.incident.code}").options if "bold" in o)).run()
    label = downloads(at)[0].label
    assert "\\*\\*bold\\*\\*" in label and "\\[link\\]" in label


def test_an_admin_sets_the_size_limit_and_the_required_documents(run_app, tmp_path):
    at = run_app(page="pages/admin.py")
    assert not at.exception
    at.number_input(key="evidence_settings.limit").set_value(5)
    at.multiselect(key="evidence_settings.required").set_value(["closure_report"])
    submit(at, "evidence_settings")
    assert not at.exception
    stored = queries.settings(db.get_engine(f"sqlite:///{tmp_path / 'app.db'}"))
    assert (stored.document_size_limit_mb, stored.documents_required) == (5, ["closure_report"])
    assert at.number_input(key="evidence_settings.limit").value == 5


def test_uploads_through_the_form_refused_attached_and_recognised_twice(run_app):
    record = closed_demo()
    code = record.incident.code
    at = run_app(query={"incident": code}, page=INCIDENT_PAGE)
    form = f"evidence.upload.{code}"

    def attach(name: str, data: bytes, fact: str):
        at.selectbox(key="evidence.fact").set_value(fact)
        at.file_uploader(key="evidence.file").set_value((name, data, "application/octet-stream"))
        submit(at, form)
        assert not at.exception

    attach("final-report.pdf", b"MZ\x90\x00\x03\x00" + b"\x00" * 100, "Other")
    assert "final-report.pdf is not accepted as evidence (detected: Windows executable)" in shown(at.error)
    notes = b"Visit notes, redacted.\n"
    attach("notes.txt", notes, "Closure report (audit programme)")
    assert "Attached notes.txt to Closure report (audit programme): SHA-256" in shown(at.success)
    assert "notes.txt" in list(evidence_table(at)["Document"])
    attach("notes-again.txt", notes, "Closure report (audit programme)")
    assert f"notes-again.txt is already attached to {code} as 'notes.txt'" in shown(at.error)
    attach("notes-again.txt", notes, "Other")
    assert "The same file is already attached as 'notes.txt' (Closure report (audit programme))" in shown(at.warning)


def test_an_open_incident_says_which_documents_are_still_to_attach(run_app):
    record = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4)
    at = run_app(query={"incident": record.incident.code}, page=INCIDENT_PAGE)
    reminder = next(c.value for c in at.caption if c.value.startswith("Still to attach"))
    assert f"Level {record.plans[0].level} plan: Final report (remediation facilitator) (before the audit " \
           "programme's verification of completion)" in reminder
    assert "Closure report (audit programme) (before closing the incident)" in reminder
