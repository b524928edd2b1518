"""The company's own work on an incident in the import/export format (issue #13): five more sheets of the XLSX
workbook, each keyed by the incident's code (a CSV holds one table: the incidents only).

- **"Corrective action"**: one row per incident that has one: what it is, decided on, relationship terminated,
  status (planned, in progress, completed, verified), completed on, verified on (guideline lines 988-996).
- **"Milestones"**: one row per dated milestone of a corrective action: the milestone, due on, done on.
- **"Relationship decisions"**: one row per decision, in the order decided: the relationship (mine operator,
  smelter/refiner), the decision (continue / suspend / terminate; continue / suspend / disengage), decided on,
  reasons, and for an ending the do-no-harm check's date and findings (lines 644-647, 994-996).
- **"Lessons review"**: one row per incident reviewed (lines 1443-1452): reviewed on, the four answers, the texts,
  the tags (``;``-separated) — the review the actions follow from.
- **"Lessons actions"**: one row per action a review raised (lines 1454-1459): the action, owner, due on, status,
  closed on, the policy version and the due-diligence change it led to.

The work that belongs to a plan (remedy types, consultations, consent, feedback, the reporting chain) has five
more sheets keyed by the incident's code and the plan's level (:mod:`.plan_work`), checked and written here with the
rest; the company's involvement is a column of the "Incidents" sheet; follow-ups have their own sheet
(:mod:`.followups`).

**Export** writes vocabularies as their labels, dates as dates, yes/no, text protected against formulas
(:func:`~.format.protect_cell`). **Import** reads the visible sheets of those names and validates every row by the
rules the services apply (:mod:`remediation.services.company_work`): the models (vocabularies, the text rule, the
dates each status needs, a do-no-harm check before terminating or disengaging), a decision not dated before the
one it follows, no new milestone on a completed corrective action, one action of a title per review, and the whole record's dates in the guideline's
order (:mod:`remediation.domain.chronology`). Each problem names the sheet, the row and the column, and any
problem refuses the whole import. The incident must be in the file or already recorded. A row already recorded
with the same content is skipped, so re-importing a file never duplicates; a row that would change what is
recorded (another corrective action, a milestone of the same name with other dates) is a conflict and refused:
an import never changes a recorded fact, the incident's page does that. An imported row is history: like a
follow-up it is written whatever step the incident is at. The writes happen in the incidents' transaction, the
whole record replaced through the versioned path every service uses, with one audit entry per incident.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, select

from remediation.domain.chronology import new_violations
from remediation.domain.models import (
    CorrectiveAction,
    IncidentIn,
    IncidentRecord,
    LessonAction,
    Lessons,
    Milestone,
    RelationshipDecision,
)
from remediation.domain.vocab import (
    ACTION_STATUSES,
    CORRECTIVE_STATUSES,
    ENDING_DECISIONS,
    RELATIONSHIP_DECISIONS,
    RELATIONSHIP_PARTIES,
    REVIEW_ANSWERS,
)
from remediation.services.base import Actor, Refused, diff, write_audit
from remediation.services.evidence import check_required
from remediation.services.transfer.format import ImportRefused, RowError, format_of
from remediation.services.transfer.plan_work import NOT_CARRIED, PLAN_SHEETS, check_plan_rows, plan_work_frames
from remediation.services.transfer.sheets import BATCH, Sheet, read_sheets
from remediation.services.transfer.sheets import frame as _frame
from remediation.services.transfer.sheets import incident_ids as _ids
from remediation.services.transfer.sheets import model_errors as _model_errors
from remediation.services.transfer.sheets import value as _value
from remediation.storage import schema as t
from remediation.storage.records import load_records, replace_record

__all__ = [
    "ACTIONS",
    "COMPANY_WORK_SHEETS",
    "CORRECTIVE",
    "DECISIONS",
    "IMPORT_ACTION",
    "LESSONS",
    "MILESTONES",
    "CompanyWorkPlan",
    "Sheet",
    "company_work_frames",
    "export_frames",
    "insert_company_work",
    "plan_company_work",
    "plan_file_company_work",
    "read_company_work_rows",
]

IMPORT_ACTION = "imported company work"


DECISION_LABELS: dict[str, str] = {k: v for d in RELATIONSHIP_DECISIONS.values() for k, v in d.items()}

CORRECTIVE = Sheet("Corrective action", {
    "code": "Code", "description": "Corrective action", "decided_on": "Decided on",
    "relationship_terminated": "Relationship terminated", "status": "Status", "completed_on": "Completed on",
    "verified_on": "Verified on"}, {"status": CORRECTIVE_STATUSES}, CorrectiveAction)
MILESTONES = Sheet("Milestones", {"code": "Code", "title": "Milestone", "due_on": "Due on", "done_on": "Done on"},
                   {}, Milestone)
DECISIONS = Sheet("Relationship decisions", {
    "code": "Code", "party": "Relationship", "decision": "Decision", "decided_on": "Decided on", "reasons": "Reasons",
    "do_no_harm_checked_on": "Do-no-harm check on", "do_no_harm_findings": "Do-no-harm findings"},
    {"party": RELATIONSHIP_PARTIES, "decision": DECISION_LABELS}, RelationshipDecision)
LESSONS = Sheet("Lessons review", {
    "code": "Code", "reviewed_on": "Reviewed on", "objectives_met": "Objectives met",
    "victims_satisfied": "Victims satisfied", "communities_benefited": "Communities benefited",
    "budget_sufficient": "Budget sufficient", "challenges": "Challenges", "risks_and_mitigations": "Risks and mitigations",
    "monitoring_tools": "Monitoring tools", "communication_channels": "Communication channels",
    "recommendations": "Recommendations", "tags": "Tags"},
    {f: REVIEW_ANSWERS for f in ("objectives_met", "victims_satisfied", "communities_benefited", "budget_sufficient")},
    Lessons)
ACTIONS = Sheet("Lessons actions", {
    "code": "Code", "title": "Action", "owner": "Owner", "due_on": "Due on", "status": "Status",
    "closed_on": "Closed on", "policy_version": "Policy version", "due_diligence_change": "Due-diligence change"},
    {"status": ACTION_STATUSES}, LessonAction)
COMPANY_WORK_SHEETS: tuple[Sheet, ...] = (CORRECTIVE, MILESTONES, DECISIONS, LESSONS, ACTIONS, *PLAN_SHEETS)
"""In the order they are written and read: a milestone follows its corrective action, an action its review; the
plan sheets (:mod:`.plan_work`) last."""

# --- export --------------------------------------------------------------------------------------------------

def company_work_frames(conn: Connection, incident_ids: Sequence[int]) -> dict[str, pd.DataFrame]:
    """Sheet name → the company work of ``incident_ids`` in the import format (text protected against formulas),
    in the incidents' order (by code) and, within one, as recorded."""
    i, r = t.incidents.c, t.responses.c
    ca_rows, ms_rows, dec_rows, lessons_rows, action_rows = [], [], [], [], []
    tags: dict[int, list[str]] = {}
    ids = list(incident_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        ca_rows += conn.execute(
            select(i.code, r.corrective_action.label("description"), r.corrective_decided_on.label("decided_on"),
                   r.relationship_terminated, r.corrective_status.label("status"),
                   r.corrective_completed_on.label("completed_on"), r.corrective_verified_on.label("verified_on"))
            .select_from(t.responses.join(t.incidents, r.incident_id == i.id))
            .where(r.incident_id.in_(chunk), r.corrective_action.is_not(None))).mappings().all()
        m = t.corrective_milestones.c
        ms_rows += conn.execute(select(i.code, m.title, m.due_on, m.done_on, m.id)
                                .select_from(t.corrective_milestones.join(t.incidents, m.incident_id == i.id))
                                .where(m.incident_id.in_(chunk))).mappings().all()
        d = t.relationship_decisions.c
        dec_rows += conn.execute(select(i.code, d.party, d.decision, d.decided_on, d.reasons, d.do_no_harm_checked_on,
                                        d.do_no_harm_findings, d.id)
                                 .select_from(t.relationship_decisions.join(t.incidents, d.incident_id == i.id))
                                 .where(d.incident_id.in_(chunk))).mappings().all()
        le, a = t.lessons.c, t.lesson_actions.c
        lessons_rows += conn.execute(
            select(i.code, *(le[f] for f in LESSONS.columns if f not in ("code", "tags")), le.incident_id)
            .select_from(t.lessons.join(t.incidents, le.incident_id == i.id))
            .where(le.incident_id.in_(chunk))).mappings().all()
        for incident_id, tag in conn.execute(select(t.lesson_tags.c.incident_id, t.lesson_tags.c.tag)
                                             .where(t.lesson_tags.c.incident_id.in_(chunk))):
            tags.setdefault(incident_id, []).append(tag)
        action_rows += conn.execute(select(i.code, *(a[f] for f in ACTIONS.columns if f != "code"), a.id)
                                    .select_from(t.lesson_actions.join(t.incidents, a.incident_id == i.id))
                                    .where(a.incident_id.in_(chunk))).mappings().all()
    ca_rows = [dict(x) | {"status": x["status"] or "planned", "relationship_terminated": bool(x["relationship_terminated"])}
               for x in sorted(ca_rows, key=lambda x: x["code"])]
    return {CORRECTIVE.name: _frame(CORRECTIVE, ca_rows),
            MILESTONES.name: _frame(MILESTONES, sorted(ms_rows, key=lambda x: (x["code"], x["id"]))),
            DECISIONS.name: _frame(DECISIONS, sorted(dec_rows, key=lambda x: (x["code"], x["id"]))),
            LESSONS.name: _frame(LESSONS, [dict(x) | {"tags": sorted(tags.get(x["incident_id"], []))}
                                           for x in sorted(lessons_rows, key=lambda x: x["code"])]),
            ACTIONS.name: _frame(ACTIONS, sorted(action_rows, key=lambda x: (x["code"], x["id"])))}


def export_frames(engine: Engine, codes: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The company work of the incidents ``codes``, for an export."""
    with engine.connect() as conn:
        ids = _ids(conn, codes)
        found = [incident_id for incident_id, _ in ids.values()]
        return company_work_frames(conn, found) | plan_work_frames(conn, found)


# --- reading -------------------------------------------------------------------------------------------------

def read_company_work_rows(data: bytes) -> dict[str, list[tuple[int, dict]]]:
    """Sheet name → ``[(row number, {field: cell})…]`` of the visible company-work sheets of an XLSX file
    (:func:`.sheets.read_sheets`)."""
    return read_sheets(data, COMPANY_WORK_SHEETS)


# --- the dry run ---------------------------------------------------------------------------------------------

@dataclass
class CompanyWorkPlan:
    """What the company-work sheets of a file would write: per sheet the rows new and already recorded, the
    problems, and per incident its record before and after (``records``)."""
    rows: dict[str, list[tuple[int, dict]]]
    new: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    #: Plan sheets' rows that pass the checks but whose plan, case plan or report is not recorded yet (the format
    #: does not carry them): not written now, each named (:func:`.plan_work.check_plan_rows`).
    waiting: list[RowError] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    records: dict[str, tuple[IncidentRecord, IncidentRecord]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        waits = Counter(w.sheet for w in self.waiting)
        text = "; ".join(f"{s.name!r}: {self.new.get(s.name, 0):,} new, {self.present.get(s.name, 0):,} already "
                         "recorded" + (f", {waits[s.name]:,} waiting for their plans" if waits[s.name] else "")
                         for s in COMPANY_WORK_SHEETS if s.name in self.rows)
        if self.waiting:
            n = len(self.waiting)
            text += (f". {n:,} row{'s' if n != 1 else ''} of the plan sheets {'are' if n != 1 else 'is'} not "
                     f"written now: {NOT_CARRIED}")
        return text


def plan_company_work(conn: Connection, rows: dict[str, list[tuple[int, dict]]],
                      file_incidents: dict[str, IncidentIn], today: date | None = None) -> CompanyWorkPlan:
    """Validate the company-work rows (sheet name → rows, :func:`read_company_work_rows`). ``file_incidents``:
    the incidents the file adds (code → intake); any other code must be recorded."""
    plan = CompanyWorkPlan(rows=rows, new={s: 0 for s in rows}, present={s: 0 for s in rows})
    parsed: dict[str, list[tuple[int, str, dict]]] = {}
    for spec in COMPANY_WORK_SHEETS:
        parsed[spec.name] = []
        for number, raw in rows.get(spec.name, []):
            code = str(_value(spec, "code", raw.get("code")) or "").strip().upper()
            if not code:
                plan.errors.append(RowError(number, spec.columns["code"], "the incident's code is missing", spec.name))
                continue
            data = {k: v for k, v in ((k, _value(spec, k, v)) for k, v in raw.items() if k != "code") if v is not None}
            parsed[spec.name].append((number, code, data))
    codes = {code for entries in parsed.values() for _, code, _ in entries}
    stored = _ids(conn, [c for c in codes if c not in file_incidents])
    loaded = {}
    ids = [incident_id for incident_id, _ in stored.values()]
    for start in range(0, len(ids), BATCH):
        loaded.update(load_records(conn, ids[start:start + BATCH]))
    before: dict[str, IncidentRecord] = {}
    for code in codes:
        if code in file_incidents:
            before[code] = IncidentRecord(incident=file_incidents[code])
        elif code in stored:
            before[code] = loaded[stored[code][0]]
    working = {code: rec.model_copy(deep=True) for code, rec in before.items()}
    touched: dict[str, list[tuple[Sheet, int, dict]]] = {}  # code → the new rows, to point at

    def record(spec: Sheet, number: int, code: str) -> IncidentRecord | None:
        if code not in working:
            plan.errors.append(RowError(number, spec.columns["code"], f"no incident {code} in the file or recorded",
                                        spec.name))
            return None
        return working[code]

    def validated(spec: Sheet, number: int, data: dict):
        try:
            return spec.model.model_validate(data)
        except ValidationError as exc:
            plan.errors.extend(_model_errors(spec, number, exc))
            return None

    def checked(spec: Sheet):
        """(row, code, data, the incident's working record, the validated row) of each row of ``spec`` whose
        incident is known and whose cells pass (the others have added their errors)."""
        for number, code, data in parsed[spec.name]:
            rec, row = record(spec, number, code), validated(spec, number, data)
            if rec is not None and row is not None:
                yield number, code, data, rec, row

    def new_row(spec: Sheet, number: int, code: str, data: dict) -> None:
        plan.new[spec.name] += 1
        touched.setdefault(code, []).append((spec, number, data))

    # Corrective action: one per incident; its milestones come from the next sheet.
    ca_row: dict[str, int] = {}
    for number, code, data, rec, ca in checked(CORRECTIVE):
        if code in ca_row:
            plan.errors.append(RowError(number, CORRECTIVE.columns["code"], f"a second corrective action of {code} "
                                        f"(the first is on row {abs(ca_row[code])}); an incident has one", CORRECTIVE.name))
            continue
        ca_row[code] = number
        recorded = rec.response.corrective_action
        if recorded is not None:
            if recorded.model_dump(exclude={"milestones"}) == ca.model_dump(exclude={"milestones"}):
                plan.present[CORRECTIVE.name] += 1
            else:
                plan.errors.append(RowError(number, None, f"{code} has another corrective action recorded (decided on "
                                            f"{recorded.decided_on}, {recorded.status.replace('_', ' ')}); an import "
                                            "never changes it: change it on the incident's page", CORRECTIVE.name))
            ca_row[code] = -number  # recorded before: its new milestones are checked as the service checks them
            continue
        rec.response.corrective_action = ca
        new_row(CORRECTIVE, number, code, data)

    # Milestones: each of a corrective action in the file or recorded.
    seen_ms: dict[tuple[str, str], int] = {}
    for number, code, data, rec, ms in checked(MILESTONES):
        ca = rec.response.corrective_action
        if ca is None:
            plan.errors.append(RowError(number, MILESTONES.columns["code"], f"{code} has no corrective action in the "
                                        "file or recorded: a milestone belongs to one", MILESTONES.name))
            continue
        key = (code, ms.title.casefold())
        if key in seen_ms:
            plan.errors.append(RowError(number, MILESTONES.columns["title"], f"the milestone {ms.title!r} of {code} "
                                        f"twice in the file (also row {seen_ms[key]})", MILESTONES.name))
            continue
        seen_ms[key] = number
        same = next((m for m in ca.milestones if m.title.casefold() == key[1]), None)
        if same is not None:
            if same.model_dump() == ms.model_dump():
                plan.present[MILESTONES.name] += 1
            else:
                plan.errors.append(RowError(number, MILESTONES.columns["title"], f"{code} has the milestone "
                                            f"{same.title!r} recorded with other dates (due {same.due_on}, done "
                                            f"{same.done_on or 'not yet'}); an import never changes it",
                                            MILESTONES.name))
            continue
        recorded_before = code not in ca_row or ca_row[code] < 0
        if recorded_before and ca.status in ("completed", "verified"):  # as the service checks it
            plan.errors.append(RowError(number, MILESTONES.columns["title"], f"the corrective action of {code} is "
                                        f"{ca.status}; it takes no new milestones", MILESTONES.name))
            continue
        ca.milestones.append(ms)
        new_row(MILESTONES, number, code, data)

    # The corrective action again, whole: a completed one has every milestone done.
    for code in sorted(c for c, rows_ in touched.items() if any(s in (CORRECTIVE, MILESTONES) for s, _, _ in rows_)):
        ca = working[code].response.corrective_action
        try:
            CorrectiveAction.model_validate(ca.model_dump())
        except ValidationError as exc:
            number = ca_row.get(code)
            if number is not None and number > 0:
                plan.errors.extend(_model_errors(CORRECTIVE, number, exc))
            else:
                first = next(n for s, n, _ in touched[code] if s is MILESTONES)
                plan.errors.extend(RowError(first, None, e.reason, MILESTONES.name)
                                   for e in _model_errors(CORRECTIVE, first, exc))

    # Relationship decisions, in the order decided: none dated before the one it follows.
    seen_dec: dict[tuple, int] = {}
    for number, code, data, rec, decision in checked(DECISIONS):
        key = (code, decision.party, decision.decision, decision.decided_on)
        if key in seen_dec:
            plan.errors.append(RowError(number, None, f"the same decision of {code} twice in the file (also row "
                                        f"{seen_dec[key]})", DECISIONS.name))
            continue
        seen_dec[key] = number
        if any(d.model_dump() == decision.model_dump() for d in rec.response.relationship_decisions):
            plan.present[DECISIONS.name] += 1
            continue
        standing = rec.response.decision(decision.party)
        if standing is not None:
            if decision.decided_on < standing.decided_on:
                plan.errors.append(RowError(number, DECISIONS.columns["decided_on"], (
                    f"{decision.decided_on} is before the decision it follows ({standing.decision} on "
                    f"{standing.decided_on}); list the decisions in the order decided"), DECISIONS.name))
                continue
            if standing.decision in ENDING_DECISIONS and decision.decision == standing.decision:
                plan.errors.append(RowError(number, DECISIONS.columns["decision"], (
                    f"the relationship already ended ({standing.decision} on {standing.decided_on})"), DECISIONS.name))
                continue
        rec.response.relationship_decisions.append(decision)
        new_row(DECISIONS, number, code, data)

    # The lessons review: one per incident; its actions come from the next sheet.
    review_row: dict[str, int] = {}
    for number, code, data, rec, review in checked(LESSONS):
        if code in review_row:
            plan.errors.append(RowError(number, LESSONS.columns["code"], f"a second lessons review of {code} (the "
                                        f"first is on row {review_row[code]}); an incident has one", LESSONS.name))
            continue
        review_row[code] = number
        if rec.lessons is not None:
            if rec.lessons.model_dump(exclude={"actions"}) == review.model_dump(exclude={"actions"}):
                plan.present[LESSONS.name] += 1
            else:
                plan.errors.append(RowError(number, None, f"{code} has another lessons review recorded (reviewed on "
                                            f"{rec.lessons.reviewed_on}); an import never changes it: change it on the "
                                            "incident's page", LESSONS.name))
            continue
        rec.lessons = review
        new_row(LESSONS, number, code, data)

    # Lessons actions: each of a review in the file or recorded; one title once (as the service).
    seen_action: dict[tuple[str, str], int] = {}
    for number, code, data, rec, action in checked(ACTIONS):
        if rec.lessons is None:
            plan.errors.append(RowError(number, ACTIONS.columns["code"], f"{code} has no lessons review in the file "
                                        "or recorded: an action follows from one", ACTIONS.name))
            continue
        key = (code, action.title.casefold())
        if key in seen_action:
            plan.errors.append(RowError(number, ACTIONS.columns["title"], f"the action {action.title!r} of {code} "
                                        f"twice in the file (also row {seen_action[key]})", ACTIONS.name))
            continue
        seen_action[key] = number
        same = next((x for x in rec.lessons.actions if x.title.casefold() == key[1]), None)
        if same is not None:
            if same.model_dump() == action.model_dump():
                plan.present[ACTIONS.name] += 1
            else:
                plan.errors.append(RowError(number, ACTIONS.columns["title"], f"{code} has the action {same.title!r} "
                                            f"recorded otherwise ({same.status.replace('_', ' ')}, due "
                                            f"{same.due_on}); an import never changes it", ACTIONS.name))
            continue
        rec.lessons.actions.append(action)
        new_row(ACTIONS, number, code, data)

    # The plans' own work: remedy types, consultations, consent, feedback, the reporting chain (a recorded plan's).
    check_plan_rows(parsed, record, validated, new_row, plan.errors, plan.present, plan.waiting)

    # The whole record: valid, and its dates in the guideline's order.
    for code, new_rows in touched.items():
        after = working[code]
        try:
            after = IncidentRecord.model_validate(after.model_dump())
        except ValidationError as exc:
            spec, number, _ = new_rows[0]
            plan.errors.extend(RowError(number, None, str(e["msg"]).removeprefix("Value error, "), spec.name)
                               for e in exc.errors())
            continue
        for v in new_violations(before[code], after, today):
            spec, number = _row_of(new_rows, v.field, v.fact.when)
            plan.errors.append(RowError(number, spec.columns.get(v.field), v.reason, spec.name))
        plan.records[code] = (before[code], after)
    plan.errors.sort(key=lambda e: ([s.name for s in COMPANY_WORK_SHEETS].index(e.sheet), e.row or 0))
    return plan


def _row_of(new_rows: list[tuple[Sheet, int, dict]], name: str, when: date) -> tuple[Sheet, int]:
    """The new row that brings the date ``when`` in the field ``name`` (else the incident's first new row)."""
    for spec, number, data in new_rows:
        value = data.get(name)
        if value == when or (isinstance(value, str) and value == when.isoformat()):
            return spec, number
    return new_rows[0][0], new_rows[0][1]


def plan_file_company_work(engine: Engine, data: bytes, filename: str, plan,
                           today: date | None = None) -> CompanyWorkPlan | None:
    """The company work of an XLSX import file (``plan``: its incidents' :class:`ImportPlan`); None without any."""
    if format_of(filename) != "xlsx":
        return None
    rows = read_company_work_rows(data)
    if not any(rows.values()):
        return None
    with engine.connect() as conn:
        return plan_company_work(conn, rows, {i.code: i for i in plan.new}, today)


# --- writing -------------------------------------------------------------------------------------------------

def insert_company_work(conn: Connection, plan: CompanyWorkPlan, actor: Actor, filename: str,
                        today: date | None = None) -> int:
    """Write the company work in the caller's transaction (the import's, after its incidents): checked again
    against what is recorded now, each incident's record replaced through the versioned path with one audit
    entry. Raises :class:`ImportRefused` (the caller's transaction rolls back) on any problem."""
    now = plan_company_work(conn, plan.rows, {}, today)
    if not now.ok:
        raise ImportRefused(now.errors)
    stored = _ids(conn, list(now.records))
    for code, (before, after) in sorted(now.records.items()):
        incident_id, version = stored[code]
        try:
            check_required(conn, incident_id, before, after)
        except Refused as exc:
            raise ImportRefused([RowError(None, None, f"{code}: {exc}")]) from exc
        replace_record(conn, incident_id, version, after, today)
        write_audit(conn, actor, IMPORT_ACTION,
                    [{"field": "imported from", "before": None, "after": filename},
                     *diff(before.model_dump(mode="json"), after.model_dump(mode="json"))], incident_id, code)
    return sum(now.new.values())
