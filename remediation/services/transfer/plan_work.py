"""The company's work on a plan in the import/export format (issue #13): five more sheets of the XLSX workbook,
each row keyed by the incident's code and the plan's level (1 or 2; ``Level 1`` is read too).

- **"Plan remedy types"**: one row per plan that records them: the remedy types it provides (``;``-separated labels:
  Restitution, Compensation, Rehabilitation and recovery, Satisfaction, Guarantees of non-repetition; lines 446-476).
- **"Plan consultations"**: one row per stakeholder consulted in the plan's design: stakeholder, consulted on,
  notes (lines 1107-1111, 1290-1294).
- **"Case plan consent"**: one row per case plan of a Level 1 plan that records the victim's voice, keyed by the
  victim's pseudonymous code (never a name): informed consent, wishes shaped the plan, yes/no (lines 676,
  1164-1168).
- **"Plan feedback"**: one row per aggregate feedback round: collected on, from (victims, beneficiaries),
  respondents, satisfied, summary: counts only, never who said what (lines 1373-1375).
- **"Reporting chain"**: one row per monitoring report that records any hop, keyed by the report's period (start,
  end; two reports of one period are matched in the order recorded): when the facilitator sent it to the
  smelter/refiner, the smelter/refiner to the audit programme, the audit programme to the company (lines 894-895,
  883-884, 874-876).

**The plans are not in the format** (nor their case plans or monitoring reports): a row applies to a plan, case
plan or report already recorded in the database, and a row of anything else is refused, saying so. An incident
new in the file has no plan yet, so its plan rows are refused too: import the incidents, open the plans at Step 3,
then import the plan sheets. Every row is validated by the models and rules the services apply
(:mod:`remediation.services.company_work`): the vocabularies, the text rule, counts (at least one respondent,
satisfied within respondents), feedback only once implementation started, the reporting chain's hops in order, and
every date in the guideline's order (:mod:`remediation.domain.chronology`, by :mod:`.company_work` for the whole
record). A row already recorded is skipped; a row contradicting what is recorded (other remedy types, other counts
for the same round, another answer on consent, another date of a hop) is refused: an import never changes a
recorded fact. The writes go with the rest of the company's work (:func:`.company_work.insert_company_work`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Literal

import pandas as pd
from pydantic import field_validator, model_validator
from sqlalchemy import Connection

from remediation.domain.models import (
    VICTIM_CODE_PATTERN,
    Consultation,
    FeedbackRound,
    IncidentRecord,
    Model,
    Plan,
    RemedyTypes,
    ReportForwarding,
)
from remediation.domain.vocab import FEEDBACK_FROM, REMEDY_TYPES, STAKEHOLDERS
from remediation.services.transfer.format import RowError
from remediation.services.transfer.sheets import BATCH, Sheet, frame
from remediation.storage.records import load_records

__all__ = ["CASE_VOICE", "CHAIN", "CONSULTATIONS", "FEEDBACK", "PLAN_SHEETS", "REMEDY", "check_plan_rows",
           "plan_work_frames"]

PlanLevel = Literal[1, 2]
HOPS = ("sent_to_smelter_on", "sent_to_audit_programme_on", "sent_to_company_on")
NOT_CARRIED = ("the format does not carry the plans themselves, nor their case plans or monitoring reports: a row "
               "whose plan, case plan or report is not recorded yet is not written; record those on the incident's "
               "page (Step 3, Step 4), then import the same file again to bring it")


class RemedyRow(RemedyTypes):
    level: PlanLevel


class ConsultationRow(Consultation):
    level: PlanLevel


class FeedbackRow(FeedbackRound):
    level: PlanLevel


class CaseVoiceRow(Model):
    """The victim's voice in one case plan (:class:`~remediation.domain.models.CaseVoice`), either answer may be
    unrecorded; keyed by the victim's pseudonymous code, which is never echoed unless it is one."""
    level: PlanLevel
    victim_code: str
    informed_consent: bool | None = None
    wishes_shaped_plan: bool | None = None

    @field_validator("victim_code", mode="before")
    @classmethod
    def _pseudonymous(cls, v):
        text = str(v).strip().upper()
        if not re.match(VICTIM_CODE_PATTERN, text):
            raise ValueError("victim_code: not a pseudonymous victim code such as V-014; the file never holds a "
                             "victim's name")
        return text

    @model_validator(mode="after")
    def _something(self) -> CaseVoiceRow:
        if self.informed_consent is None and self.wishes_shaped_plan is None:
            raise ValueError("informed_consent: the row gives neither informed consent nor the victim's wishes")
        return self


class ChainRow(ReportForwarding):
    level: PlanLevel
    period_start: date
    period_end: date

    @model_validator(mode="after")
    def _something(self) -> ChainRow:
        if all(getattr(self, f) is None for f in HOPS):
            raise ValueError("sent_to_smelter_on: the row gives no date the report was passed on")
        return self


_KEY = {"code": "Code", "level": "Plan level"}
REMEDY = Sheet("Plan remedy types", _KEY | {"remedy_types": "Remedy types"}, {"remedy_types": REMEDY_TYPES},
               RemedyRow)
CONSULTATIONS = Sheet("Plan consultations", _KEY | {"stakeholder": "Stakeholder", "consulted_on": "Consulted on",
                                                    "notes": "Notes"}, {"stakeholder": STAKEHOLDERS}, ConsultationRow)
CASE_VOICE = Sheet("Case plan consent", _KEY | {
    "victim_code": "Victim code", "informed_consent": "Informed consent",
    "wishes_shaped_plan": "Wishes shaped the plan"}, {}, CaseVoiceRow)
FEEDBACK = Sheet("Plan feedback", _KEY | {
    "collected_on": "Collected on", "source": "From", "respondents": "Respondents", "satisfied": "Satisfied",
    "summary": "Summary"}, {"source": FEEDBACK_FROM}, FeedbackRow)
CHAIN = Sheet("Reporting chain", _KEY | {
    "period_start": "Period start", "period_end": "Period end",
    "sent_to_smelter_on": "Facilitator → smelter/refiner on",
    "sent_to_audit_programme_on": "Smelter/refiner → audit programme on",
    "sent_to_company_on": "Audit programme → company on"}, {}, ChainRow)
PLAN_SHEETS: tuple[Sheet, ...] = (REMEDY, CONSULTATIONS, CASE_VOICE, FEEDBACK, CHAIN)


# --- export --------------------------------------------------------------------------------------------------

def _rows(code: str, rec: IncidentRecord) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s.name: [] for s in PLAN_SHEETS}
    for p in sorted(rec.plans, key=lambda p: p.level):
        key = {"code": code, "level": p.level}
        if p.remedy_types:
            out[REMEDY.name].append(key | {"remedy_types": p.remedy_types})
        out[CONSULTATIONS.name] += [key | c.model_dump() for c in p.consultations]
        out[CASE_VOICE.name] += [key | c.model_dump(include={"victim_code", "informed_consent", "wishes_shaped_plan"})
                                 for c in p.case_plans
                                 if c.informed_consent is not None or c.wishes_shaped_plan is not None]
        out[FEEDBACK.name] += [key | f.model_dump() for f in p.feedback]
        out[CHAIN.name] += [key | m.model_dump(include={"period_start", "period_end", *HOPS})
                            for m in p.monitoring_reports if any(getattr(m, f) is not None for f in HOPS)]
    return out


def plan_work_frames(conn: Connection, incident_ids: Sequence[int]) -> dict[str, pd.DataFrame]:
    """Sheet name → the plan-level work of ``incident_ids`` in the import format, by code, plan level and as
    recorded."""
    rows: dict[str, list[dict]] = {s.name: [] for s in PLAN_SHEETS}
    ids = list(incident_ids)
    found: list[tuple[str, dict[str, list[dict]]]] = []
    for start in range(0, len(ids), BATCH):
        for rec in load_records(conn, ids[start:start + BATCH]).values():
            if rec.plans:
                found.append((rec.incident.code, _rows(rec.incident.code, rec)))
    for _, per_sheet in sorted(found, key=lambda x: x[0]):
        for name, extra in per_sheet.items():
            rows[name] += extra
    return {s.name: frame(s, rows[s.name]) for s in PLAN_SHEETS}


# --- the dry run ---------------------------------------------------------------------------------------------

def check_plan_rows(parsed: dict[str, list[tuple[int, str, dict]]],
                    record: Callable[[Sheet, int, str], IncidentRecord | None],
                    validated: Callable[[Sheet, int, dict], object | None],
                    new_row: Callable[[Sheet, int, str, dict], None],
                    errors: list[RowError], present: dict[str, int], waiting: list[RowError]) -> None:
    """Check the plan sheets' rows (``parsed``: sheet name → (row, code, data)) against the working records
    (``record``), applying each new one to them.

    The format does not carry the plans themselves, nor their case plans or monitoring reports. A row is checked
    whatever it refers to (its incident must exist, its values must pass the rules), but a row whose plan, case
    plan or report is not recorded yet cannot apply: it goes to ``waiting`` (named by sheet, row and why), not to
    ``errors``. So an export is always a valid import, also into a new database whose incidents have no plans
    (imported twice, too); the preview lists what waits, and the same file imported again once those are
    recorded brings them."""

    def err(spec: Sheet, number: int, name: str | None, reason: str) -> None:
        errors.append(RowError(number, spec.columns.get(name) if name else None, reason, spec.name))

    def wait(spec: Sheet, number: int, name: str, reason: str) -> None:
        waiting.append(RowError(number, spec.columns.get(name), reason, spec.name))

    def rows(spec: Sheet):
        """(row, code, data, the validated row, its plan) of each row whose plan is recorded."""
        for number, code, data in parsed.get(spec.name, []):
            rec = record(spec, number, code)
            row = validated(spec, number, data)
            if rec is None or row is None:
                continue
            if spec is CASE_VOICE and row.level != 1:
                err(spec, number, "level", "case plans belong to the Level 1 plan")
                continue
            plan: Plan | None = rec.plan(row.level)
            if plan is None:
                wait(spec, number, "level", f"{code} has no Level {row.level} plan recorded yet")
                continue
            yield number, code, data, row, plan

    def seen_before(spec: Sheet, seen: dict, key: tuple, number: int, name: str, what: str) -> bool:
        if key in seen:
            err(spec, number, name, f"{what} twice in the file (also row {seen[key]})")
            return True
        seen[key] = number
        return False

    seen: dict = {}
    for number, code, data, row, plan in rows(REMEDY):
        if seen_before(REMEDY, seen, (code, row.level), number, "code",
                       f"the remedy types of the Level {row.level} plan of {code}"):
            continue
        if plan.remedy_types == row.remedy_types:
            present[REMEDY.name] += 1
        elif plan.remedy_types:
            err(REMEDY, number, "remedy_types", f"the Level {row.level} plan of {code} has other remedy types recorded "
                f"({', '.join(REMEDY_TYPES[r] for r in plan.remedy_types)}); an import never changes them: change "
                "them on the incident's page")
        else:
            plan.remedy_types = list(row.remedy_types)
            new_row(REMEDY, number, code, data)

    seen = {}
    for number, code, data, row, plan in rows(CONSULTATIONS):
        consultation = Consultation.model_validate(row.model_dump(exclude={"level"}))
        if seen_before(CONSULTATIONS, seen, (code, row.level, row.stakeholder, row.consulted_on), number,
                       "stakeholder", f"the consultation of {STAKEHOLDERS[row.stakeholder].lower()} on "
                       f"{row.consulted_on} for the Level {row.level} plan of {code}"):
            continue
        same = next((c for c in plan.consultations
                     if (c.stakeholder, c.consulted_on) == (row.stakeholder, row.consulted_on)), None)
        if same == consultation:
            present[CONSULTATIONS.name] += 1
        elif same is not None:
            err(CONSULTATIONS, number, "notes", f"the Level {row.level} plan of {code} has this consultation recorded "
                "with other notes; an import never changes it: change it on the incident's page")
        else:
            plan.consultations.append(consultation)
            new_row(CONSULTATIONS, number, code, data)

    seen = {}
    for number, code, data, row, plan in rows(CASE_VOICE):
        if seen_before(CASE_VOICE, seen, (code, row.victim_code), number, "victim_code",
                       f"the case plan {row.victim_code} of {code}"):
            continue
        case = next((c for c in plan.case_plans if c.victim_code == row.victim_code), None)
        if case is None:
            wait(CASE_VOICE, number, "victim_code", f"no case plan {row.victim_code} recorded yet in the Level 1 plan "
                 f"of {code}")
            continue
        given = {f: getattr(row, f) for f in ("informed_consent", "wishes_shaped_plan") if getattr(row, f) is not None}
        clash = [f for f, v in given.items() if getattr(case, f) is not None and getattr(case, f) != v]
        for f in clash:
            err(CASE_VOICE, number, f, f"the case plan {row.victim_code} of {code} has "
                f"{'yes' if getattr(case, f) else 'no'} recorded; an import never changes it")
        if clash:
            continue
        if all(getattr(case, f) == v for f, v in given.items()):
            present[CASE_VOICE.name] += 1
            continue
        for f, v in given.items():
            setattr(case, f, v)
        new_row(CASE_VOICE, number, code, data)

    seen = {}
    for number, code, data, row, plan in rows(FEEDBACK):
        feedback = FeedbackRound.model_validate(row.model_dump(exclude={"level"}))
        if seen_before(FEEDBACK, seen, (code, row.level, row.collected_on, row.source), number, "collected_on",
                       f"the feedback round of {row.collected_on} from {row.source} on the Level {row.level} plan "
                       f"of {code}"):
            continue
        same = next((f for f in plan.feedback if (f.collected_on, f.source) == (row.collected_on, row.source)), None)
        if same == feedback:
            present[FEEDBACK.name] += 1
        elif same is not None:
            err(FEEDBACK, number, "respondents", f"the Level {row.level} plan of {code} has this round recorded with "
                f"other figures ({same.respondents} respondents, {same.satisfied} satisfied); an import never "
                "changes it")
        elif plan.implementation_started_on is None:  # as the service checks it
            err(FEEDBACK, number, "collected_on", f"feedback on the Level {row.level} plan of {code} is collected once "
                "its implementation has started, and it is not recorded as started")
        else:
            plan.feedback.append(feedback)
            plan.feedback.sort(key=lambda f: f.collected_on)
            new_row(FEEDBACK, number, code, data)

    matched: dict[tuple, list[int]] = {}  # (code, level, start, end) → the rows matched so far, in order
    for number, code, data, row, plan in rows(CHAIN):
        key = (code, row.level, row.period_start, row.period_end)
        reports = [m for m in plan.monitoring_reports if (m.period_start, m.period_end) == key[2:]]
        earlier = matched.setdefault(key, [])
        if len(earlier) >= len(reports):
            if earlier:
                err(CHAIN, number, "period_start", f"the monitoring report of {row.period_start} to {row.period_end} "
                    f"of the Level {row.level} plan of {code} twice in the file (also row {earlier[-1]})")
            else:
                wait(CHAIN, number, "period_start", f"no monitoring report of {row.period_start} to "
                     f"{row.period_end} recorded yet in the Level {row.level} plan of {code}")
            continue
        report = reports[len(earlier)]
        earlier.append(number)
        given = {f: getattr(row, f) for f in HOPS if getattr(row, f) is not None}
        clash = [f for f, v in given.items() if getattr(report, f) is not None and getattr(report, f) != v]
        for f in clash:
            err(CHAIN, number, f, f"the report has {getattr(report, f)} recorded; an import never changes it")
        if clash:
            continue
        if all(getattr(report, f) == v for f, v in given.items()):
            present[CHAIN.name] += 1
            continue
        merged = ReportForwarding(**(report.model_dump(include=set(HOPS)) | given))
        if (error := merged.order_error()) is not None:
            name, _, reason = error.partition(": ")
            err(CHAIN, number, name if name in HOPS else None, reason or error)
            continue
        for f, v in given.items():
            setattr(report, f, v)
        new_row(CHAIN, number, code, data)
