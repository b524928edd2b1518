"""Applying an import: the new incidents written in one transaction with an audit entry each, or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from remediation.domain.models import IncidentIn, IncidentRecord
from remediation.services.access import require
from remediation.services.base import LOCAL_USER, Actor, diff
from remediation.services.transfer.company_work import CompanyWorkPlan, insert_company_work
from remediation.services.transfer.followups import FollowUpPlan, insert_followups
from remediation.services.transfer.format import ImportRefused, RowError
from remediation.services.transfer.validate import ImportPlan
from remediation.storage import schema as t
from remediation.storage.records import insert_records, stored_codes


@dataclass
class ImportResult:
    filename: str
    created: list[str]
    skipped: list[str]
    company_work: int = 0  # rows of the company-work sheets written


IMPORT_ACTION = "imported incident"
WRITE_BATCH = 2000  # incidents per insert_records call: bounded memory for the audit rows


def apply_import(plan: ImportPlan, engine: Engine, actor: Actor = LOCAL_USER,
                 today: date | None = None, followups: FollowUpPlan | None = None,
                 company_work: CompanyWorkPlan | None = None) -> ImportResult:
    """Write the plan's new incidents, all in one transaction, with an audit entry each (action
    "imported incident", the file name among the changes). Refuses (:class:`ImportRefused`, nothing
    written) a plan with any error, and a code recorded by someone else since the dry run; an actor
    without the editor role gets :class:`remediation.services.access.Forbidden`. Anything failing halfway rolls
    the whole import back. ``followups`` (the file's "Follow-ups" sheet, :func:`.followups.plan_followups`) and
    ``company_work`` (its company-work sheets, :func:`.company_work.plan_company_work`, checked again against what is
    recorded by then) are written in the same transaction."""
    if not plan.ok:
        raise ImportRefused(plan.errors)
    if followups is not None and not followups.ok:
        raise ImportRefused(followups.errors)
    if company_work is not None and not company_work.ok:
        raise ImportRefused(company_work.errors)
    written = 0
    new = plan.new
    rows_of = {r.code: r.row for r in plan.rows}
    with engine.begin() as conn:
        require(actor, "edit", "importing incidents", conn)  # like every service: before any write
        taken = stored_codes(conn, [i.code for i in new])
        if taken:
            raise ImportRefused([RowError(rows_of[c], plan.mapping.get("code"), (
                f"{c} was recorded by someone else since the preview; preview the file again."))
                for c in sorted(taken)])
        try:
            for start in range(0, len(new), WRITE_BATCH):
                batch = new[start:start + WRITE_BATCH]
                records = [IncidentRecord(incident=i) for i in batch]
                ids = insert_records(conn, records, today)
                _audit(conn, actor, plan.filename, zip(ids, batch))
            if followups is not None:
                insert_followups(conn, followups, actor, plan.filename)
            if company_work is not None:
                written = insert_company_work(conn, company_work, actor, plan.filename, today)
        except IntegrityError as exc:  # a concurrent import took a code between the check and the insert
            raise ImportRefused(f"An incident of this file was recorded by someone else meanwhile; nothing was "
                                f"imported. Preview the file again. ({type(exc).__name__})") from exc
    return ImportResult(plan.filename, [i.code for i in new], plan.present, written)


def _audit(conn, actor: Actor, filename: str, pairs: Iterable[tuple[int, IncidentIn]]) -> None:
    """One audit entry per incident, like :func:`remediation.services.incidents.write_audit`, inserted in bulk."""
    rows = [{"actor": actor.user, "role": actor.role, "incident_id": incident_id, "incident_code": incident.code,
             "action": IMPORT_ACTION,
             "changes": [{"field": "imported from", "before": None, "after": filename},
                         *diff({}, {"incident": incident.model_dump(mode="json")})]}
            for incident_id, incident in pairs]
    if rows:
        conn.execute(insert(t.audit_log), rows)


# --- reading what is stored -------------------------------------------------------------------------

