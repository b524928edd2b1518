"""Evidence documents: files attached to an incident and to the fact they support (the investigation report, the
level assessment, each plan, the approvals, the monitoring reports, the final, financial and closure reports…).

- **Stored in the database** (``documents.content``), in the transaction of the fact they come with: a use case of
  :mod:`remediation.services.incidents` given ``documents=[Attachment(...)]`` writes the fact and its files
  together, or neither. :func:`attach_document` attaches a file to a fact already recorded. A database backup is
  then a backup of the evidence, and every app server sees the same files.
- **The type comes from the content**, never the name (:func:`detect_type`, with ``puremagic``, a pure-Python
  library of file signatures, so one ``pip install`` is all a machine needs): PDF, DOCX, XLSX, ODT/ODS, PNG,
  JPEG, plain text, CSV and e-mail (.eml). Anything else is refused with the type detected.
- **A size limit** (the company setting ``document_size_limit_mb``, 20 MB by default) is checked before the file
  is read whole where its size is known, and never more than the limit and one byte is read.
- **SHA-256** is stored and shown; the same file attached again to the same fact of an incident is refused, to
  another fact accepted and flagged, each time naming the earlier attachment.
- **Who sees what**: anyone who may see the incident sees the list (name, type, size, date, who); only editors and
  admins download the content, because reports can identify victims (:func:`cite` ``evidence_respects_privacy``).
  Only admins remove, and removal is a soft delete with a reason. Every upload, download and removal is audited.
- **Required documents**: the company setting ``documents_required`` names kinds of document without which the
  step that follows them cannot be recorded (:mod:`remediation.domain.evidence`); :func:`check_required` is
  called by every incident write.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import puremagic
from sqlalchemy import Connection, Engine, func, update

from remediation.domain.citations import cite
from remediation.domain.evidence import fact_label, missing_documents
from remediation.domain.models import IncidentRecord
from remediation.domain.settings import Settings
from remediation.domain.vocab import DOCUMENT_TYPES, EVIDENCE_KINDS, PLAN_EVIDENCE_KINDS
from remediation.services.access import require
from remediation.services.base import Actor, Refused, write_audit
from remediation.storage import evidence as store
from remediation.storage import schema as t
from remediation.storage.queries import settings_in
from remediation.storage.records import find_incident, load_records

__all__ = [
    "UPLOAD_REMINDER",
    "Attachment",
    "DetectedType",
    "DocumentRefused",
    "DocumentsMissing",
    "attach_document",
    "attach_in",
    "check_required",
    "detect_type",
    "download_document",
    "list_documents",
    "megabytes",
    "read_limited",
    "remove_document",
]

UPLOAD_REMINDER = ("No victims' names: attach the remediation facilitator's redacted versions of reports, and "
                   "nothing that identifies a victim beyond their code.")
"""Shown by every upload form."""

_NAME_MAX = 255


class DocumentRefused(Refused):
    """A file that is not accepted as evidence (type, size, name, duplicate). Nothing was written."""


class DocumentsMissing(Refused):
    """A step recorded without the documents the company setting requires before it. Nothing was written."""


@dataclass(frozen=True)
class Attachment:
    """A file to attach: its name as uploaded, its bytes or a binary stream, and its size where known (a web
    upload knows it: the limit is then checked before a byte is read); the fact it supports."""
    name: str
    content: bytes | BinaryIO
    kind: str
    level: int | None = None
    size: int | None = None


@dataclass(frozen=True)
class DetectedType:
    key: str  # of vocab.DOCUMENT_TYPES

    @property
    def label(self) -> str:
        return DOCUMENT_TYPES[self.key][0]

    @property
    def media_type(self) -> str:
        return DOCUMENT_TYPES[self.key][1]


def megabytes(size: int) -> str:
    """Sizes as the limit is set: decimal megabytes (1 MB = 1,000,000 bytes)."""
    return f"{size / 1_000_000:,.1f} MB" if size >= 100_000 else f"{size / 1000:,.1f} kB"


# --- reading within the limit ---------------------------------------------------------------------

def read_limited(name: str, content: bytes | BinaryIO, limit: int, size: int | None = None) -> bytes:
    """The file's bytes, refused (:class:`DocumentRefused`, the limit named) when larger than ``limit`` bytes.
    A stated ``size`` over the limit is refused before anything is read; a stream is read to at most
    ``limit + 1`` bytes, never whole."""
    def too_big(found: str) -> DocumentRefused:
        return DocumentRefused(f"{name} is {found}; evidence documents may be at most {megabytes(limit)} (company "
                               "setting: document size limit). Attach a smaller file, e.g. the report without its "
                               "annexes, or ask an admin to raise the limit.")
    if isinstance(content, (bytes, bytearray, memoryview)):
        size = len(content)
    if size is not None and size > limit:
        raise too_big(f"{megabytes(size)} ({size:,} bytes)")
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content)
    if hasattr(content, "seek"):
        content.seek(0)
    data = content.read(limit + 1)
    if len(data) > limit:
        raise too_big(f"larger than that (more than {len(data) - 1:,} bytes)")
    return data


# --- the type, from the content -------------------------------------------------------------------

_EXECUTABLES = ((b"MZ", "Windows executable"), (b"\x7fELF", "ELF executable (Linux)"),
                (b"\xca\xfe\xba\xbe", "macOS executable (Mach-O)"), (b"\xcf\xfa\xed\xfe", "macOS executable (Mach-O)"),
                (b"\xce\xfa\xed\xfe", "macOS executable (Mach-O)"))
_MAGIC_ALLOWED = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg"}
_ODF = {"application/vnd.oasis.opendocument.text": "odt", "application/vnd.oasis.opendocument.spreadsheet": "ods"}
_MAIL_HEADERS = {"from", "to", "cc", "subject", "date", "message-id", "mime-version", "received", "return-path",
                 "reply-to", "content-type", "sender", "delivered-to"}
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]?.*$")


def detect_type(data: bytes, name: str = "the file") -> DetectedType:
    """The allowed type of ``data``, from its content alone; refused (:class:`DocumentRefused`) with the type
    detected when it is not one of :data:`~remediation.domain.vocab.DOCUMENT_TYPES`."""
    allowed = ", ".join(label for label, _, _ in DOCUMENT_TYPES.values())

    def refuse(detected: str) -> DocumentRefused:
        return DocumentRefused(f"{name} is not accepted as evidence (detected: {detected}). Accepted: {allowed}. "
                               "The type is read from the file's content, not its name.")
    if not data:
        raise refuse("an empty file")
    for signature, what in _EXECUTABLES:
        if data.startswith(signature):
            raise refuse(what)
    if data.startswith(b"PK\x03\x04"):
        return _office(data, refuse)
    try:
        matches = puremagic.magic_string(data[:1 << 16])
    except puremagic.PureError:
        matches = []
    for match in matches:
        if match.mime_type in _MAGIC_ALLOWED:
            return DetectedType(_MAGIC_ALLOWED[match.mime_type])
    text = _as_text(data)
    if text is not None:
        return _text_type(text, refuse)
    if matches:
        best = matches[0]
        raise refuse(best.name or best.mime_type or best.extension)
    raise refuse("unknown binary data")


def _office(data: bytes, refuse) -> DetectedType:
    """DOCX/XLSX by their parts ([Content_Types].xml and the main part), ODT/ODS by the ``mimetype`` entry. Only
    the archive's directory and the few bytes of ``mimetype`` are read: nothing large is unpacked."""
    mimetype = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 200:
                with archive.open("mimetype") as part:
                    mimetype = part.read(200).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError, RuntimeError,
            NotImplementedError):
        raise refuse("a damaged or encrypted ZIP archive") from None
    if mimetype is not None:
        if mimetype in _ODF:
            return DetectedType(_ODF[mimetype])
        raise refuse(f"OpenDocument file of type {mimetype}")
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return DetectedType("docx")
        if "xl/workbook.xml" in names:
            return DetectedType("xlsx")
        if "ppt/presentation.xml" in names:
            raise refuse("PowerPoint presentation (PPTX)")
        raise refuse("Office Open XML package of another kind")
    raise refuse("ZIP archive")


def _as_text(data: bytes) -> str | None:
    """The text, if ``data`` is UTF-8 (a byte-order mark allowed) without NUL characters."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _text_type(text: str, refuse) -> DetectedType:
    head = text[:2048].lstrip().lower()
    if head.startswith("#!"):
        raise refuse("script (#!)")
    if head.startswith(("<!doctype html", "<html", "<script", "<svg", "<?xml", "<")):
        raise refuse("HTML or XML document")
    if head.startswith("{\\rtf"):
        raise refuse("Rich Text Format (RTF)")
    if head.startswith("%!ps"):
        raise refuse("PostScript")
    if _is_mail(text):
        return DetectedType("eml")
    if _is_csv(text):
        return DetectedType("csv")
    return DetectedType("text")


def _is_mail(text: str) -> bool:
    """An e-mail by its headers: the lines before the first empty line are headers (or their folded
    continuations), and at least two are ones every e-mail carries (From, Date, Subject…), From among them."""
    names: set[str] = set()
    lines = text.splitlines()
    for i, line in enumerate(lines[:200]):
        if not line.strip():
            break
        if line[:1] in (" ", "\t") and i:
            continue
        match = _HEADER_LINE.match(line)
        if match is None:
            return False
        names.add(match.group(1).lower())
    else:
        return False
    return "from" in names and len(names & _MAIL_HEADERS) >= 2


def _is_csv(text: str) -> bool:
    """A table: at least two rows, every row with the same number of fields (two or more)."""
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(lines, dialect)}
    return len(widths) == 1 and widths.pop() >= 2


# --- attaching ------------------------------------------------------------------------------------

def _clean_name(name: str) -> str:
    """The name as stored and offered on download: the last path component, no control characters."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip(".")
    if not base:
        raise DocumentRefused("file_name: the file has no name; give it one (e.g. final-report.pdf).")
    return base[-_NAME_MAX:]


def _check_fact(record: IncidentRecord, kind: str, level: int | None) -> int | None:
    if kind not in EVIDENCE_KINDS:
        raise DocumentRefused(f"kind: {kind!r} is not a kind of evidence; choose one of {', '.join(EVIDENCE_KINDS)}.")
    if kind in PLAN_EVIDENCE_KINDS:
        if level not in (1, 2):
            raise DocumentRefused(f"level: a {EVIDENCE_KINDS[kind].lower()} belongs to a plan: say which (1 or 2).")
        if record.plan(level) is None:
            raise DocumentRefused(f"level: {record.incident.code} has no Level {level} plan to attach "
                                  f"{EVIDENCE_KINDS[kind].lower()} to.")
        return level
    return None


def attach_in(conn: Connection, actor: Actor, incident_id: int, record: IncidentRecord, attachment: Attachment,
              conf: Settings) -> dict:
    """Attach ``attachment`` inside the caller's transaction, with its audit entry; returns the stored row
    (without content) and ``same_file``: earlier attachments of the same file to other facts."""
    code = record.incident.code
    level = _check_fact(record, attachment.kind, attachment.level)
    name = _clean_name(attachment.name)
    data = read_limited(name, attachment.content, conf.document_size_limit, attachment.size)
    detected = detect_type(data, name)
    sha = hashlib.sha256(data).hexdigest()
    earlier = store.find_same_file(conn, incident_id, sha)
    for row in earlier:
        if (row["kind"], row["level"]) == (attachment.kind, level):
            raise DocumentRefused(f"{name} is already attached to {code} as {row['file_name']!r} "
                                  f"({fact_label(row['kind'], row['level'])}, {row['uploaded_at']:%Y-%m-%d} by "
                                  f"{row['uploaded_by']}): the same SHA-256 {sha[:12]}…. Nothing was attached.")
    document_id = store.insert_document(
        conn, incident_id=incident_id, kind=attachment.kind, level=level, file_name=name, file_type=detected.key,
        media_type=detected.media_type, size=len(data), sha256=sha, content=data, uploaded_by=actor.user)
    same = [f"{r['file_name']!r} ({fact_label(r['kind'], r['level'])})" for r in earlier]
    write_audit(conn, actor, "attached document", [
        {"field": f"documents[{document_id}]", "before": None,
         "after": f"{name} · {fact_label(attachment.kind, level)} · {detected.label} · {len(data):,} bytes · "
                  f"SHA-256 {sha}" + (f" · same file as {', '.join(same)}" if same else "")}], incident_id, code)
    row = store.document_row(conn, document_id)
    return row | {"same_file": same}


def _incident(conn: Connection, code: str) -> tuple[int, IncidentRecord]:
    found = find_incident(conn, code)
    if found is None:
        raise Refused(f"No incident with code {code!r}.")
    incident_id, _ = found
    return incident_id, load_records(conn, [incident_id])[incident_id]


def attach_document(engine: Engine, code: str, attachment: Attachment, actor: Actor) -> dict:
    """Attach a file to a fact of incident ``code`` (closed incidents too: their evidence can arrive later).
    Editors and admins; one audit entry. Returns the stored row (see :func:`attach_in`)."""
    with engine.begin() as conn:
        require(actor, "edit", f"attaching evidence to {code}", conn)
        incident_id, record = _incident(conn, code)
        return attach_in(conn, actor, incident_id, record, attachment, settings_in(conn))


def attach_all(conn: Connection, actor: Actor, incident_id: int, record: IncidentRecord,
               attachments: Iterable[Attachment]) -> list[dict]:
    """Attach the files that come with a fact, in that fact's transaction (called by the incident services)."""
    attachments = list(attachments)
    if not attachments:
        return []
    conf = settings_in(conn)
    return [attach_in(conn, actor, incident_id, record, a, conf) for a in attachments]


def check_required(conn: Connection, incident_id: int, before: IncidentRecord, after: IncidentRecord) -> None:
    """Refuse a change that records a step whose required documents (company setting) are not attached."""
    conf = settings_in(conn)
    if not conf.documents_required:
        return
    missing = missing_documents(before, after, conf.documents_required, store.attached_facts(conn, incident_id))
    if missing:
        raise DocumentsMissing(" ".join(m.text for m in missing) + " Attach it in the Evidence section (or with this "
                      "record), then record this again. Nothing was saved.")


# --- reading and removing -------------------------------------------------------------------------

def list_documents(engine: Engine, code: str, include_removed: bool = True) -> list[dict]:
    """An incident's documents without their content: anyone who may see the incident may see this list."""
    with engine.connect() as conn:
        found = find_incident(conn, code)
        return [] if found is None else store.list_documents(conn, found[0], include_removed)


def download_document(engine: Engine, document_id: int, actor: Actor) -> tuple[str, str, bytes]:
    """``(file name, media type, content)`` of a document, for editors and admins only (reports can identify
    victims: :func:`cite` ``evidence_respects_privacy``); a removed document is not served. One audit entry."""
    with engine.begin() as conn:
        require(actor, "edit", f"downloading evidence ({cite('evidence_respects_privacy')}: reports can identify "
                "victims)", conn)
        row = store.document_row(conn, document_id, with_content=True)
        if row is None:
            raise Refused(f"No document with id {document_id}.")
        if row["removed_at"] is not None:
            raise Refused(f"{row['file_name']} was removed on {row['removed_at']:%Y-%m-%d} by {row['removed_by']}: "
                          f"{row['removal_reason']}")
        write_audit(conn, actor, "downloaded document", [
            {"field": f"documents[{document_id}]", "before": None,
             "after": f"{row['file_name']} · SHA-256 {row['sha256']}"}], row["incident_id"], row["code"])
    return row["file_name"], row["media_type"], bytes(row["content"])


def remove_document(engine: Engine, document_id: int, reason: str, actor: Actor) -> dict:
    """Remove a document (admins only): it leaves the list of evidence and cannot be downloaded, but its row,
    its SHA-256 and who removed it, when and why stay. One audit entry."""
    reason = (reason or "").strip()
    with engine.begin() as conn:
        require(actor, "admin", "removing evidence", conn)
        if len(reason) < 5:
            raise Refused("reason: say why the document is removed (at least a few words); it is kept in the "
                          "audit log.")
        row = store.document_row(conn, document_id)
        if row is None:
            raise Refused(f"No document with id {document_id}.")
        if row["removed_at"] is not None:
            raise Refused(f"{row['file_name']} was already removed on {row['removed_at']:%Y-%m-%d} by "
                          f"{row['removed_by']}.")
        conn.execute(update(t.documents).where(t.documents.c.id == document_id)
                     .values(removed_at=func.now(), removed_by=actor.user, removal_reason=reason[:2000]))
        write_audit(conn, actor, "removed document", [
            {"field": f"documents[{document_id}]", "before": f"{row['file_name']} · SHA-256 {row['sha256']}",
             "after": f"removed: {reason[:200]}"}], row["incident_id"], row["code"])
        return store.document_row(conn, document_id)
