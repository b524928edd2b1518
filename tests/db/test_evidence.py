"""Evidence documents (issue 12 item 7) on SQLite and PostgreSQL: stored in the database with the fact they come
with, the type read from the content (a renamed executable refused, each allowed type accepted), the size limit as
a setting (a 30 MB PDF refused without being read whole), SHA-256 and the same file attached twice, who may list,
download and remove, the audit entries, the required-documents rule, and the demo's documents."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select
from test_services import AP, CODE, DC, NAMES, PATH  # the path from intake to lessons, through the services

from remediation.domain.evidence import still_needed
from remediation.domain.models import Closure
from remediation.domain.settings import Settings
from remediation.domain.vocab import DOCUMENT_TYPES
from remediation.domain.workflow import evaluate
from remediation.services import access, admin, evidence
from remediation.services import incidents as services
from remediation.services.access import Forbidden
from remediation.services.base import Actor, ConflictError, Refused
from remediation.services.demo import _pdf, demo_documents, read_fixture
from remediation.services.evidence import Attachment, DocumentRefused
from remediation.storage import queries
from remediation.storage import schema as t
from remediation.storage.records import insert_records

VIEWER = Actor("vera@board.example", access="viewer")
EDITOR = Actor("eddie@brand.example", "downstream_company", access="editor")
ADMIN = Actor("ada@brand.example", access="admin")


@pytest.fixture(autouse=True)
def local_mode(monkeypatch):
    monkeypatch.setattr(access, "_signed_in_mode", False)


# --- sample files, made here --------------------------------------------------------------------

def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["spent_on", "amount"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SAMPLES: dict[str, tuple[str, bytes]] = {
    "pdf": ("final-report.pdf", _pdf(["Final report", "Redacted version"])),
    "docx": ("report.docx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})),
    "xlsx": ("budget.xlsx", _xlsx()),
    "odt": ("report.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})),
    "ods": ("budget.ods", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                "content.xml": b"<x/>"})),
    "png": ("photo.png", _png()),
    "jpeg": ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
             + b"\xff\xd9"),
    "text": ("notes.txt", "Meeting notes: the facilitator confirmed the referrals. Ça va.\n".encode()),
    "csv": ("spending.csv", b"spent_on,category,amount\n2025-01-02,Medical care,1200.00\n2025-02-03,Shelter,800\n"),
    "eml": ("approval.eml", (b"From: ap@audit.example\nTo: dc@brand.example\nSubject: Plan approved\n"
                             b"Date: Mon, 2 Jun 2025 10:00:00 +0000\n\nApproved.\n")),
}

REFUSED: dict[str, tuple[bytes, str]] = {
    "renamed Windows executable": (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
                                   + b"PE\x00\x00", "detected: Windows executable"),
    "renamed ELF binary": (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200, "detected: ELF executable"),
    "HTML page": (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "detected: HTML"),
    "shell script": (b"#!/bin/sh\nrm -rf /\n", "detected: script"),
    "plain ZIP": (_zip({"a.txt": b"x"}), "detected: ZIP archive"),
    "PowerPoint": (_zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}),
                   "detected: PowerPoint"),
    "OpenDocument presentation": (_zip({"mimetype": b"application/vnd.oasis.opendocument.presentation"}),
                                  "detected: OpenDocument file of type application/vnd.oasis.opendocument.presentation"),
    "damaged ZIP": (b"PK\x03\x04" + b"\x00" * 40, "detected: a damaged or encrypted ZIP archive"),
    "GIF image": (b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 30, "detected: "),
    "binary with NULs": (b"\x00\x01\x02\x03" * 50, "detected: "),
}


def test_every_allowed_type_has_a_sample():
    assert set(SAMPLES) == set(DOCUMENT_TYPES)


@pytest.mark.parametrize("key", list(SAMPLES))
def test_each_allowed_type_is_detected_from_its_content_whatever_its_name(key):
    name, data = SAMPLES[key]
    assert evidence.detect_type(data, name).key == key
    assert evidence.detect_type(data, "renamed.bin").key == key  # the name plays no part


@pytest.mark.parametrize("what", list(REFUSED))
def test_other_types_are_refused_with_the_type_detected(what):
    data, expected = REFUSED[what]
    with pytest.raises(DocumentRefused, match=expected):
        evidence.detect_type(data, "final-report.pdf")


# --- an incident to attach to -----------------------------------------------------------------------

def run(engine, until: str) -> None:
    """Replay the services' path (test_services.PATH) up to ``until``, with the company's settings as they are."""
    for call in PATH[:NAMES.index(until) + 1]:
        call.run(engine, call.actor)


def documents(engine) -> list[dict]:
    return evidence.list_documents(engine, CODE)


def audit(engine, action: str) -> list:
    trail = queries.audit_trail(engine, CODE)
    return list(trail[trail["action"] == action]["changes"])


def count_rows(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_each_allowed_type_is_stored_in_the_database_with_its_sha256(engine):
    run(engine, "open_plan_l1")
    for key, (name, data) in SAMPLES.items():
        row = evidence.attach_document(engine, CODE, Attachment(name, data, "other"), EDITOR)
        assert (row["file_type"], row["media_type"]) == (key, DOCUMENT_TYPES[key][1])
        assert row["sha256"] == hashlib.sha256(data).hexdigest() and row["size"] == len(data)
        assert row["uploaded_by"] == EDITOR.user
        assert evidence.download_document(engine, row["id"], EDITOR) == (name, DOCUMENT_TYPES[key][1], data)
    listed = documents(engine)
    assert [d["file_name"] for d in listed] == [name for name, _ in SAMPLES.values()]
    assert "content" not in listed[0]  # the list never carries the files


def test_a_renamed_executable_is_refused_and_nothing_is_written(engine):
    run(engine, "substantiation")
    before = count_rows(engine, t.audit_log)
    exe = REFUSED["renamed Windows executable"][0]
    with pytest.raises(DocumentRefused, match="final-report.pdf is not accepted as evidence .detected: Windows "
                                              "executable.") as refused:
        evidence.attach_document(engine, CODE, Attachment("final-report.pdf", exe, "investigation_report"), EDITOR)
    assert "Accepted: PDF document" in str(refused.value)
    assert documents(engine) == [] and count_rows(engine, t.audit_log) == before


class CountingStream(io.RawIOBase):
    """A large upload that counts what is read from it, and never holds it."""

    def __init__(self, size: int, head: bytes):
        self.size, self.head, self.position, self.read_bytes = size, head, 0, 0

    def readable(self) -> bool:
        return True

    def seek(self, offset, whence=0):
        self.position = offset
        return offset

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.position if n is None or n < 0 else min(n, self.size - self.position)
        chunk = (self.head + b"\x00" * n)[self.position:self.position + n] if self.position < len(self.head) \
            else b"0" * n
        self.position += n
        self.read_bytes += n
        return chunk


def test_a_30_mb_pdf_is_refused_with_the_limit_named_without_being_read_whole(engine):
    run(engine, "open_plan_l1")
    size = 30_000_000
    stated = CountingStream(size, b"%PDF-1.4\n")
    with pytest.raises(DocumentRefused, match=r"big.pdf is 30.0 MB \(30,000,000 bytes\); evidence documents may be at "
                                              r"most 20.0 MB \(company setting: document size limit\)"):
        evidence.attach_document(engine, CODE, Attachment("big.pdf", stated, "plan", level=1, size=size), EDITOR)
    assert stated.read_bytes == 0  # its size was stated: not a byte read

    unstated = CountingStream(size, b"%PDF-1.4\n")
    with pytest.raises(DocumentRefused, match=r"at most 20.0 MB"):
        evidence.attach_document(engine, CODE, Attachment("big.pdf", unstated, "plan", level=1), EDITOR)
    assert unstated.read_bytes == 20_000_001  # the limit and one byte, never the 30 MB
    assert documents(engine) == []


def test_the_size_limit_is_a_company_setting(engine):
    run(engine, "open_plan_l1")
    admin.update_settings(engine, Settings(document_size_limit_mb=1), ADMIN)
    big = _pdf(["x"]) + b"%" * 1_500_000
    with pytest.raises(DocumentRefused, match=r"1.5 MB .*at most 1.0 MB"):
        evidence.attach_document(engine, CODE, Attachment("plan.pdf", big, "plan", level=1), EDITOR)
    admin.update_settings(engine, Settings(document_size_limit_mb=2), ADMIN)
    assert evidence.attach_document(engine, CODE, Attachment("plan.pdf", big, "plan", level=1), EDITOR)["size"] \
        == len(big)
    with pytest.raises(ValueError, match="document_size_limit_mb"):
        Settings(document_size_limit_mb=0)


def test_the_same_file_twice_is_recognised_naming_the_earlier_attachment(engine):
    run(engine, "open_plan_l1")
    name, data = SAMPLES["pdf"]
    first = evidence.attach_document(engine, CODE, Attachment(name, data, "plan", level=1), EDITOR)
    assert first["same_file"] == []
    with pytest.raises(DocumentRefused, match=r"copy.pdf is already attached to INC-2024-007 as 'final-report.pdf' "
                                              r"\(Level 1 plan: Remediation action plan, \d{4}-\d\d-\d\d by "
                                              r"eddie@brand.example\): the same SHA-256 " + first["sha256"][:12]):
        evidence.attach_document(engine, CODE, Attachment("copy.pdf", data, "plan", level=1), EDITOR)
    # The same file for another fact is accepted, and flagged with the earlier attachment.
    other = evidence.attach_document(engine, CODE, Attachment("copy.pdf", data, "other"), EDITOR)
    assert other["same_file"] == ["'final-report.pdf' (Level 1 plan: Remediation action plan)"]
    assert "same file as 'final-report.pdf'" in audit(engine, "attached document")[-1][0]["after"]
    # Once the first is removed, attaching it again is allowed.
    evidence.remove_document(engine, first["id"], "Wrong version: not redacted", ADMIN)
    evidence.attach_document(engine, CODE, Attachment("final-report.pdf", data, "plan", level=1), EDITOR)


def test_a_plan_document_names_an_existing_plan(engine):
    run(engine, "open_plan_l1")
    with pytest.raises(DocumentRefused, match="level: .* belongs to a plan"):
        evidence.attach_document(engine, CODE, Attachment("p.pdf", SAMPLES["pdf"][1], "final_report"), EDITOR)
    with pytest.raises(DocumentRefused, match="no Level 2 plan"):
        evidence.attach_document(engine, CODE, Attachment("p.pdf", SAMPLES["pdf"][1], "final_report", 2), EDITOR)
    with pytest.raises(DocumentRefused, match="kind: 'memo' is not a kind of evidence"):
        evidence.attach_document(engine, CODE, Attachment("p.pdf", SAMPLES["pdf"][1], "memo"), EDITOR)


def test_viewers_see_the_list_but_not_the_content_and_only_admins_remove(engine):
    run(engine, "open_plan_l1")
    name, data = SAMPLES["pdf"]
    with pytest.raises(Forbidden, match="viewer: attaching evidence to INC-2024-007 needs the editor role"):
        evidence.attach_document(engine, CODE, Attachment(name, data, "plan", level=1), VIEWER)
    row = evidence.attach_document(engine, CODE, Attachment(name, data, "plan", level=1), EDITOR)
    assert [d["file_name"] for d in documents(engine)] == [name]  # what a viewer's page lists
    with pytest.raises(Forbidden, match=r"viewer: downloading evidence \(guideline line 1392: reports can identify "
                                        r"victims\) needs the editor role"):
        evidence.download_document(engine, row["id"], VIEWER)
    with pytest.raises(Forbidden, match="editor: removing evidence needs the admin role"):
        evidence.remove_document(engine, row["id"], "Not redacted", EDITOR)
    with pytest.raises(Refused, match="reason: say why"):
        evidence.remove_document(engine, row["id"], " ", ADMIN)
    removed = evidence.remove_document(engine, row["id"], "Not the redacted version", ADMIN)
    assert (removed["removed_by"], removed["removal_reason"]) == (ADMIN.user, "Not the redacted version")
    with pytest.raises(Refused, match="was removed on .* by ada@brand.example: Not the redacted version"):
        evidence.download_document(engine, row["id"], ADMIN)
    with pytest.raises(Refused, match="already removed"):
        evidence.remove_document(engine, row["id"], "Again, twice", ADMIN)
    # A soft delete: the row, its SHA-256 and who removed it stay; the content is no longer served.
    assert count_rows(engine, t.documents) == 1
    assert evidence.list_documents(engine, CODE, include_removed=False) == []


def test_every_upload_download_and_removal_is_in_the_audit_log(engine):
    run(engine, "open_plan_l1")
    name, data = SAMPLES["pdf"]
    row = evidence.attach_document(engine, CODE, Attachment(name, data, "plan", level=1), EDITOR)
    evidence.download_document(engine, row["id"], EDITOR)
    evidence.download_document(engine, row["id"], ADMIN)
    evidence.remove_document(engine, row["id"], "Superseded by the redacted version", ADMIN)
    trail = queries.audit_trail(engine, CODE)
    entries = trail[trail["action"].isin(["attached document", "downloaded document", "removed document"])]
    assert list(entries["action"]) == ["attached document", "downloaded document", "downloaded document",
                                       "removed document"]
    assert list(entries["actor"]) == [EDITOR.user, EDITOR.user, ADMIN.user, ADMIN.user]
    attached = entries.iloc[0]["changes"][0]["after"]
    assert name in attached and "Level 1 plan: Remediation action plan" in attached and row["sha256"] in attached
    assert "Superseded by the redacted version" in entries.iloc[3]["changes"][0]["after"]


# --- the required documents -------------------------------------------------------------------------

def test_the_next_step_needs_the_required_documents(engine):
    run(engine, "closure_evidence_l2")  # both plans' final and financial reports recorded, as dates only
    verify = PATH[NAMES.index("ap_verification")]
    with pytest.raises(Refused) as refused:
        verify.run(engine, verify.actor)
    message = str(refused.value)
    for fact in ("Level 1 plan: Final report (remediation facilitator)", "Level 1 plan: Financial report",
                 "Level 2 plan: Final report (remediation facilitator)", "Level 2 plan: Financial report"):
        assert f"{fact} must be attached as a document before the audit programme's verification of completion" \
            in message
    assert "Nothing was saved" in message
    assert queries.incident(engine, CODE)[0].closure.verified_by_audit_programme_on is None

    for level in (1, 2):
        for kind in ("final_report", "financial_report"):
            evidence.attach_document(engine, CODE, Attachment(f"{kind}-{level}.pdf", _pdf([kind, str(level)]),
                                                              kind, level), EDITOR)
    verify.run(engine, verify.actor)
    report = PATH[NAMES.index("closure_report")]
    report.run(engine, report.actor)  # the closure report's date needs no document: closing does
    close = Closure(recommend_close=True, closed_on=date(2025, 3, 10))
    with pytest.raises(Refused, match=r"Closure report \(audit programme\) must be attached as a document before "
                                      r"closing the incident can be recorded"):
        services.record_closure(engine, CODE, close, DC, today=date(2026, 6, 1))
    # The document that comes with the fact is attached in the fact's transaction, and satisfies the rule.
    state = services.record_closure(engine, CODE, close, DC, today=date(2026, 6, 1), documents=[
        Attachment("closure-report.pdf", _pdf(["Closure report"]), "closure_report")])
    assert state.status == "closed_remediated"
    assert [d["kind"] for d in documents(engine)][-1] == "closure_report"


def test_the_required_documents_are_a_company_setting(engine):
    admin.update_settings(engine, Settings(documents_required=["investigation_report"]), ADMIN)
    run(engine, "substantiation")
    assessment = PATH[NAMES.index("assessment")]
    with pytest.raises(Refused, match=r"Investigation report \(audit programme\) must be attached as a document "
                                      r"before the level assessment"):
        assessment.run(engine, assessment.actor)
    evidence.attach_document(engine, CODE, Attachment("investigation.pdf", SAMPLES["pdf"][1], "investigation_report"),
                             EDITOR)
    assessment.run(engine, assessment.actor)
    # With the setting emptied nothing is required: the whole path runs on dates alone.
    admin.update_settings(engine, Settings(documents_required=[]), ADMIN)
    for call in PATH[NAMES.index("assessment") + 1:]:
        call.run(engine, call.actor)
    with pytest.raises(ValueError, match="'lessons_review' precede.s. no step"):
        Settings(documents_required=["lessons_review"])


def test_a_refused_fact_leaves_no_document_and_a_refused_document_no_fact(engine):
    run(engine, "closure_evidence_l2")
    for level in (1, 2):
        for kind in ("final_report", "financial_report"):
            evidence.attach_document(engine, CODE, Attachment(f"{kind}-{level}.pdf", _pdf([kind, str(level)]),
                                                              kind, level), EDITOR)
    before_docs, before_audit = count_rows(engine, t.documents), count_rows(engine, t.audit_log)
    _, _, version = queries.incident(engine, CODE)
    closure_report = Attachment("closure-report.pdf", _pdf(["Closure report"]), "closure_report")
    # The fact is refused (someone else saved since): its document is not written either.
    with pytest.raises(ConflictError):
        services.record_closure(engine, CODE, Closure(verified_by_audit_programme_on=date(2025, 2, 20)), AP,
                                expected_version=version - 1, documents=[closure_report])
    # The fact is refused (out of order: the closure report before verification): no document.
    with pytest.raises(Refused):
        services.record_closure(engine, CODE, Closure(closure_report_on=date(2025, 3, 1), recommend_close=True), AP,
                                documents=[closure_report])
    assert (count_rows(engine, t.documents), count_rows(engine, t.audit_log)) == (before_docs, before_audit)
    # The document is refused (an executable): the fact is not written either.
    exe = Attachment("verification.pdf", REFUSED["renamed Windows executable"][0], "other")
    with pytest.raises(DocumentRefused, match="Windows executable"):
        services.record_closure(engine, CODE, Closure(verified_by_audit_programme_on=date(2025, 2, 20)), AP,
                                documents=[exe])
    assert queries.incident(engine, CODE)[2] == version
    assert (count_rows(engine, t.documents), count_rows(engine, t.audit_log)) == (before_docs, before_audit)


# --- facts that reached the database without their documents ------------------------------------------

def test_facts_recorded_before_the_setting_named_their_document_are_flagged_until_attached(engine):
    admin.update_settings(engine, Settings(documents_required=[]), ADMIN)
    run(engine, "assessment")  # the level assessment recorded with no investigation report: nothing required then
    assert queries.documents_missing(engine) == {}
    admin.update_settings(engine, Settings(documents_required=["investigation_report", "final_report"]), ADMIN)
    flag = "Documents missing: Investigation report (audit programme)"
    assert queries.documents_missing(engine) == {CODE: flag}  # the final report's step is not recorded yet
    assert queries.documents_missing(engine, [CODE]) == {CODE: flag}
    assert queries.documents_missing(engine, ["INC-1999-999"]) == {}
    document = evidence.attach_document(engine, CODE, Attachment("investigation.pdf", SAMPLES["pdf"][1],
                                                                 "investigation_report"), EDITOR)
    assert queries.documents_missing(engine) == {}
    evidence.remove_document(engine, document["id"], "Not the redacted version", ADMIN)
    assert queries.documents_missing(engine) == {CODE: flag}  # a removed document no longer counts


def test_records_loaded_without_documents_are_flagged_with_each_missing_fact(engine):
    """Records that reach the database whole (a loaded fixture, an import) carry no documents: the default
    setting's final, financial and closure reports are named, per plan, until attached."""
    record = next(r for r in read_fixture() if evaluate(r).status == "closed_remediated")
    with engine.begin() as conn:
        insert_records(conn, [record])
    code = record.incident.code
    expected = [f"Level {p.level} plan: {name}" for name in ("Final report (remediation facilitator)",
                                                              "Financial report") for p in record.plans]
    flag = queries.documents_missing(engine)[code]
    assert flag.startswith("Documents missing: ")
    assert flag.removeprefix("Documents missing: ").split("; ") == [*expected, "Closure report (audit programme)"]
    evidence.attach_document(engine, code, Attachment("closure.pdf", _pdf(["Closure report"]), "closure_report"),
                             EDITOR)
    assert "Closure report" not in queries.documents_missing(engine)[code]


# --- the demo ---------------------------------------------------------------------------------------

def test_every_closed_incident_in_the_demo_shows_the_documents_behind_its_reports(demo_engine):
    closed = [r for r in read_fixture() if queries.incident(demo_engine, r.incident.code)[1].status
              == "closed_remediated"]
    assert closed
    for record in closed:
        kinds = {(d["kind"], d["level"]) for d in evidence.list_documents(demo_engine, record.incident.code)}
        needed = {("closure_report", None)} | {(k, p.level) for p in record.plans
                                                for k in ("plan", "final_report", "financial_report")}
        assert needed <= kinds, record.incident.code
    with demo_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.documents)).scalar_one() == sum(
            len(demo_documents(r)) for r in read_fixture())


def test_the_demos_documents_are_accepted_types_and_name_no_one():
    for record in read_fixture():
        for _, _, name, content in demo_documents(record):
            evidence.detect_type(content, name)
            assert b"Redacted" in content or b"redacted" in content.lower() or name.endswith(".eml")
            assert not any(c.victim_code.encode() in content for p in record.plans for c in p.case_plans)


def test_the_page_reminds_of_the_documents_still_needed_before_the_next_step():
    at_step_4 = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4)
    needed = still_needed(at_step_4, Settings().documents_required, set())
    labels = [m.text for m in needed]
    assert len(needed) == 2 * len(at_step_4.plans) + 1  # each plan's final and financial report, the closure report
    assert labels[0].startswith(f"Level {at_step_4.plans[0].level} plan: Final report (remediation facilitator) must "
                                "be attached as a document before the audit programme's verification")
    attached = {(m.kind, m.level) for m in needed}
    assert still_needed(at_step_4, Settings().documents_required, attached) == []
    closed = next(r for r in read_fixture() if evaluate(r).status == "closed_remediated")
    assert still_needed(closed, Settings().documents_required, set()) == []  # every following step recorded


# --- a document can stand for a Step 1 closure's written reasons (issue #12 item 3) ----------------------------

STEP1_CLOSING = {  # which decision, the step it follows, the call with empty notes, the document that documents it
    "credibility": ("create", "allegation_review", lambda e, **kw: services.record_credibility(
        e, CODE, services.Credibility(credible=False, decided_on=date(2024, 2, 10)), EDITOR, **kw)),
    "actionability": ("credibility", "allegation_review", lambda e, **kw: services.record_actionability(
        e, CODE, services.Actionability(actionable=False, decided_on=date(2024, 2, 15)), EDITOR, **kw)),
    "substantiation": ("ap_notice", "investigation_report", lambda e, **kw: services.record_substantiation(
        e, CODE, services.Substantiation(substantiated=False, decided_on=date(2024, 3, 15)), AP, **kw)),
}


@pytest.mark.parametrize("which", list(STEP1_CLOSING))
@pytest.mark.parametrize("how", ["with the record", "attached before"])
def test_a_step_1_closure_is_documented_by_its_document_instead_of_notes(engine, which, how):
    until, kind, close = STEP1_CLOSING[which]
    run(engine, until)
    with pytest.raises(Refused, match=r"^notes: .* or attach the .* as a document\.$"):
        close(engine)  # no notes and no document: refused
    name, data = SAMPLES["pdf"]
    other = Attachment("unrelated.pdf", _pdf(["An unrelated note"]), "other")
    if how == "with the record":
        with pytest.raises(Refused, match="^notes: "):
            close(engine, documents=[other])  # a document of another kind does not document the decision
        state = close(engine, documents=[Attachment(name, data, kind)])
    else:
        evidence.attach_document(engine, CODE, other, EDITOR)
        with pytest.raises(Refused, match="^notes: "):
            close(engine)
        evidence.attach_document(engine, CODE, Attachment(name, data, kind), EDITOR)
        state = close(engine)
    assert state.status.startswith("closed_")
    assert kind in {d["kind"] for d in documents(engine)}
