"""Follow-ups in the import/export format: a second sheet, "Follow-ups", of the XLSX workbook, one row per chase,
keyed by the incident's code (a CSV holds one table: the incidents only).

- **Export** writes every follow-up of the exported incidents: code, what is owed, party, chased on, channel,
  escalation, what was asked, answer due, answered on, answer (vocabularies as their labels, as the incidents
  sheet does).
- **Import** reads the visible "Follow-ups" sheet when there is one: every row validated as
  :class:`~remediation.domain.followups.FollowUpIn` (identifiers or labels accepted), its incident either in the file
  or already recorded, the chase not before the allegation was received; each problem with its row and column, and
  any problem refuses the whole import. A follow-up already recorded (same incident, item, party, date and
  escalation) is skipped, so re-importing a file never duplicates. The follow-ups are written in the incidents'
  transaction, with an audit entry each. A follow-up imported is history: it need not be about what the incident
  waits for today.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, insert, select

from remediation.domain.followups import CHANNELS, CHASED_PARTIES, ESCALATION_LEVELS, FollowUpIn
from remediation.domain.models import field_of_error
from remediation.services.base import Actor
from remediation.services.transfer.format import RowError, format_of, protect_cell, unprotect_cell
from remediation.services.transfer.sheets import Sheet, read_sheets
from remediation.storage import followups as store
from remediation.storage import schema as t
from remediation.storage.records import find_incident

__all__ = ["FOLLOWUP_COLUMNS", "FOLLOWUP_SHEET", "FollowUpPlan", "export_rows", "followups_frame", "insert_followups",
           "plan_file_followups", "plan_followups", "read_followup_rows"]

FOLLOWUP_SHEET = "Follow-ups"
FOLLOWUP_COLUMNS: dict[str, str] = {
    "code": "Code", "item": "What is owed", "party": "Party", "asked_on": "Chased on", "channel": "Channel",
    "escalation": "Escalation", "asked": "What was asked", "due_on": "Answer due", "answered_on": "Answered on",
    "answer": "Answer",
}
_LABELS = {"party": CHASED_PARTIES, "channel": CHANNELS, "escalation": ESCALATION_LEVELS}
IMPORT_ACTION = "imported follow-up"
_SHEET = Sheet(FOLLOWUP_SHEET, FOLLOWUP_COLUMNS, _LABELS, FollowUpIn)


def followups_frame(conn: Connection, incident_ids: list[int]) -> pd.DataFrame:
    """The follow-ups of ``incident_ids`` in the import format (text cells protected against formulas)."""
    rows = []
    for r in store.list_followups(conn, incident_ids):
        rows.append([protect_cell(_LABELS[f].get(r[f], r[f])) if f in _LABELS else
                     (r[f] if isinstance(r[f], date) or r[f] is None else protect_cell(r[f] or None))
                     for f in FOLLOWUP_COLUMNS])
    return pd.DataFrame(rows, columns=list(FOLLOWUP_COLUMNS.values()), dtype=object)


def read_followup_rows(data: bytes) -> list[tuple[int, dict]]:
    """``(row number, {field: value})`` of the visible "Follow-ups" sheet of an XLSX file; [] when it has none
    (:func:`.sheets.read_sheets`: the header is the row naming "Code", at most :data:`~.format.MAX_ROWS` rows)."""
    return read_sheets(data, [_SHEET]).get(FOLLOWUP_SHEET, [])


def _value(name: str, value):
    if isinstance(value, str):
        value = unprotect_cell(value).strip()
        if value == "":
            return None
        if name in _LABELS:
            back = {label.casefold(): key for key, label in _LABELS[name].items()}
            return back.get(value.casefold(), value)
    if isinstance(value, datetime):
        return value.date()
    return value


@dataclass
class FollowUpPlan:
    new: list[tuple[int, str, FollowUpIn]] = field(default_factory=list)  # (row, code, follow-up)
    present: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _key(code: str, f: dict | FollowUpIn):
    get = f.get if isinstance(f, dict) else lambda n: getattr(f, n)
    return code, get("item"), get("party"), get("asked_on"), get("escalation")


def plan_followups(conn: Connection, rows: list[tuple[int, dict]], file_incidents: dict[str, date]) -> FollowUpPlan:
    """Validate the follow-up rows. ``file_incidents``: code → date received of the incidents in the file."""
    plan = FollowUpPlan()
    stored: dict[str, tuple[int, date]] = {}
    seen = set()
    for number, raw in rows:
        code = str(_value("code", raw.get("code")) or "").strip().upper()
        data = {k: _value(k, v) for k, v in raw.items() if k != "code"}
        data = {k: v for k, v in data.items() if v is not None}
        data.setdefault("asked", "")
        data.setdefault("answer", "")
        if not code:
            plan.errors.append(RowError(number, FOLLOWUP_COLUMNS["code"], "the incident's code is missing"))
            continue
        if code in file_incidents:
            received = file_incidents[code]
        else:
            if code not in stored:
                found = find_incident(conn, code)
                if found is not None:
                    inc = conn.execute(select(t.incidents.c.date_received).where(t.incidents.c.id == found[0]))
                    stored[code] = (found[0], inc.scalar_one())
            if code not in stored:
                plan.errors.append(RowError(number, FOLLOWUP_COLUMNS["code"], f"no incident {code} in the file or "
                                            "recorded"))
                continue
            received = stored[code][1]
        try:
            followup = FollowUpIn.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                message = str(error["msg"])
                name = (str(error["loc"][0]) if error["loc"] else None) or field_of_error(message)
                if name in _LABELS:
                    message = f"{error.get('input')!r} is not one of: {', '.join(_LABELS[name].values())}"
                message = message.removeprefix("Value error, ")
                name = field_of_error(message) or name
                plan.errors.append(RowError(number, FOLLOWUP_COLUMNS.get(name), message.removeprefix(f"{name}: ")))
            continue
        if followup.asked_on < received:
            plan.errors.append(RowError(number, FOLLOWUP_COLUMNS["asked_on"], f"the chase ({followup.asked_on}) is "
                                        f"before {code} was received ({received})"))
            continue
        key = _key(code, followup)
        if key in seen:
            plan.errors.append(RowError(number, None, f"the same follow-up of {code} twice in the file"))
            continue
        seen.add(key)
        plan.new.append((number, code, followup))
    if plan.new:
        ids = {code: stored[code][0] for code in stored}
        existing = {_key(r["code"], r) for r in store.list_followups(conn, list(ids.values()))} if ids else set()
        kept = [(n, c, f) for n, c, f in plan.new if _key(c, f) not in existing]
        plan.present = len(plan.new) - len(kept)
        plan.new = kept
    plan.errors = [replace(e, sheet=FOLLOWUP_SHEET) for e in plan.errors]
    return plan


def insert_followups(conn: Connection, plan: FollowUpPlan, actor: Actor, filename: str) -> int:
    """Write the plan's new follow-ups in the caller's transaction (the import's), an audit entry each."""
    audit = []
    for _, code, followup in plan.new:
        incident_id, _ = find_incident(conn, code)
        followup_id = store.insert_followup(conn, incident_id, actor.user, **followup.model_dump())
        audit.append({"actor": actor.user, "role": actor.role, "incident_id": incident_id, "incident_code": code,
                      "action": IMPORT_ACTION, "changes": [
                          {"field": f"followups[{followup_id}]", "before": None,
                           "after": f"{followup.asked_on} · {CHASED_PARTIES[followup.party]} · "
                                    f"{ESCALATION_LEVELS[followup.escalation]} · {followup.item}"},
                          {"field": "imported from", "before": None, "after": filename}]})
    if audit:
        conn.execute(insert(t.audit_log), audit)
    return len(audit)


def plan_file_followups(engine: Engine, data: bytes, filename: str, plan) -> FollowUpPlan | None:
    """The follow-ups of an XLSX import file (``plan``: its incidents' :class:`ImportPlan`); None without any."""
    if format_of(filename) != "xlsx":
        return None
    rows = read_followup_rows(data)
    if not rows:
        return None
    with engine.connect() as conn:
        return plan_followups(conn, rows, {i.code: i.date_received for i in plan.new})


def export_rows(engine: Engine, codes: list[str]) -> pd.DataFrame:
    """The follow-ups of the incidents ``codes``, for an export."""
    with engine.connect() as conn:
        ids = [i for i, _ in filter(None, (find_incident(conn, c) for c in codes))]
        return followups_frame(conn, ids)
