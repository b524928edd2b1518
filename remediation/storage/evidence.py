"""Evidence documents as stored (the ``documents`` table): the list an incident page shows, which facts have a
document, and one document's content. The write side, with its checks and audit entries, is
:mod:`remediation.services.evidence`."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from remediation.storage import schema as t

__all__ = ["LIST_COLUMNS", "attached_facts", "document_row", "find_same_file", "insert_document", "list_documents"]

_d = t.documents.c
LIST_COLUMNS = (_d.id, _d.kind, _d.level, _d.file_name, _d.file_type, _d.media_type, _d.size, _d.sha256,
                _d.uploaded_at, _d.uploaded_by, _d.removed_at, _d.removed_by, _d.removal_reason)
"""Everything but the content: listing an incident's documents never reads the files."""


def list_documents(conn: Connection, incident_id: int, include_removed: bool = True) -> list[dict]:
    """An incident's documents, oldest first, without their content."""
    query = select(*LIST_COLUMNS).where(_d.incident_id == incident_id)
    if not include_removed:
        query = query.where(_d.removed_at.is_(None))
    return [dict(r) for r in conn.execute(query.order_by(_d.id)).mappings()]


def attached_facts(conn: Connection, incident_id: int) -> set[tuple[str, int | None]]:
    """The ``(kind, level)`` pairs that have at least one document not removed."""
    rows = conn.execute(select(_d.kind, _d.level).distinct()
                        .where(_d.incident_id == incident_id, _d.removed_at.is_(None))).all()
    return {(k, lv) for k, lv in rows}


def find_same_file(conn: Connection, incident_id: int, sha256: str) -> list[dict]:
    """Documents of the incident (not removed) with the same SHA-256: the same file attached before."""
    query = select(*LIST_COLUMNS).where(_d.incident_id == incident_id, _d.sha256 == sha256,
                                        _d.removed_at.is_(None)).order_by(_d.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def insert_document(conn: Connection, **values) -> int:
    return conn.execute(insert(t.documents).values(**values).returning(_d.id)).scalar_one()


def document_row(conn: Connection, document_id: int, with_content: bool = False) -> dict | None:
    """One document with its incident's code; its content only when asked."""
    cols = [*LIST_COLUMNS, _d.incident_id, t.incidents.c.code] + ([_d.content] if with_content else [])
    row = conn.execute(select(*cols).join(t.incidents, t.incidents.c.id == _d.incident_id)
                       .where(_d.id == document_id)).mappings().first()
    return dict(row) if row else None
