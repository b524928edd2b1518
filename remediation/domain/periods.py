"""Reporting periods: what happened in a quarter, a half year, a year or a custom range, read from the dated facts.

Every figure is reconstructed from the dates the facts carry (the day credibility was decided, the day a plan was
approved, the day money was spent), never from when they were typed in: :func:`as_of` strips from a record every
fact dated after a day, so :func:`remediation.domain.workflow.evaluate` on what is left says where the incident
stood on that day (its step, its levels, its money). Recording Q4's facts later therefore cannot change Q3's
figures; only correcting a date inside Q3 can, and a locked period shows that as a restatement
(:mod:`remediation.storage.reporting`).

Pure Python, like the rest of the domain. A figure is counted per incident (:func:`incident_figures`) and summed
(:func:`period_figures`), so a restatement can name the incidents whose contribution changed.

What is counted where the record has no date of its own:

- money received is recorded on a pledge without a date of its own: it counts with the pledge's date;
- case-management plans carry no date: a victim counts as assisted in a period when the Level 1 plan holding
  their case plan was being implemented during it (started on or before the period's end, the incident not
  closed before its start);
- "plans completed" are remediation plans whose facilitator's final report was received in the period;
  "actions closed" are the actions lessons reviews raised, done or dropped in the period (their closing date).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from remediation.domain.models import (
    Closure,
    IncidentRecord,
    Lessons,
    Plan,
    PlanApproval,
    PlanClosure,
    Response,
    Verification,
)
from remediation.domain.settings import DEFAULT_TIME_FRAMES
from remediation.domain.vocab import CLOSED_ACTION_STATUSES, STATUSES, STEPS
from remediation.domain.workflow import WorkflowState, evaluate

PeriodKind = Literal["quarter", "half", "year", "custom"]
PERIOD_KINDS: dict[PeriodKind, str] = {"quarter": "Quarter", "half": "Half year", "year": "Year",
                                       "custom": "Custom range"}


@dataclass(frozen=True)
class Period:
    """A reporting period: both ends included."""
    start: date
    end: date
    kind: PeriodKind = "custom"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"end: the period's end ({self.end.isoformat()}) is before its start "
                             f"({self.start.isoformat()})")

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        if self.kind == "half":
            return f"H{1 if self.start.month == 1 else 2} {self.start.year}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @property
    def slug(self) -> str:
        """The label for a file name: ``2025-Q3``, ``2025-H1``, ``2025``, ``2025-02-01_2025-05-31``."""
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def dates(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def previous(self) -> Period:
        """The period just before: the previous quarter, half or year; for a custom range, as many days before."""
        if self.kind == "quarter":
            return quarter(*((self.start.year, (self.start.month - 1) // 3) if self.start.month > 3
                             else (self.start.year - 1, 4)))
        if self.kind == "half":
            return half(self.start.year - 1, 2) if self.start.month == 1 else half(self.start.year, 1)
        if self.kind == "year":
            return year(self.start.year - 1)
        days = (self.end - self.start).days
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=days), end, "custom")

    def quarters(self) -> list[Period]:
        """The calendar quarters that lie wholly inside the period (a year's four)."""
        out = []
        for y in range(self.start.year, self.end.year + 1):
            for q in range(1, 5):
                p = quarter(y, q)
                if self.start <= p.start and p.end <= self.end:
                    out.append(p)
        return out


def _month_end(y: int, m: int) -> date:
    return (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)


def quarter(y: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ValueError(f"quarter: {q} is not 1, 2, 3 or 4")
    return Period(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), "quarter")


def half(y: int, h: int) -> Period:
    if h not in (1, 2):
        raise ValueError(f"half: {h} is not 1 or 2")
    return Period(date(y, 1 if h == 1 else 7, 1), _month_end(y, 6 if h == 1 else 12), "half")


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 31), "year")


def last_complete_quarter(today: date) -> Period:
    q = (today.month - 1) // 3 + 1
    return quarter(today.year, q - 1) if q > 1 else quarter(today.year - 1, 4)


def parse_period(text: str) -> Period:
    """A period from its slug (:attr:`Period.slug`): ``2025-Q3``, ``2025-H1``, ``2025`` or ``START_END``."""
    text = text.strip()
    try:
        if "_" in text:
            a, b = text.split("_", 1)
            return Period(date.fromisoformat(a), date.fromisoformat(b), "custom")
        if "-Q" in text:
            y, q = text.split("-Q")
            return quarter(int(y), int(q))
        if "-H" in text:
            y, h = text.split("-H")
            return half(int(y), int(h))
        return year(int(text))
    except ValueError as e:
        raise ValueError(f"period: {text!r} is not a period (2025-Q3, 2025-H1, 2025 or 2025-02-01_2025-05-31): "
                         f"{e}") from None


# --- as of a date --------------------------------------------------------------------------------------------------

def _on(d: date | None, day: date) -> date | None:
    return d if d is not None and d <= day else None


def _plan_as_of(p: Plan, day: date) -> Plan:
    a = p.approval
    c = p.closure
    reported = _on(c.final_report_on, day) is not None
    closure = (c.model_copy(update={"financial_report_on": _on(c.financial_report_on, day),
                                    "referral_confirmed_on": _on(c.referral_confirmed_on, day)})
               if reported else PlanClosure())
    initiatives = [i.model_copy(update={"indicators": [
        ind.model_copy(update={"measurements": [m for m in ind.measurements if m.measured_on <= day]})
        for ind in i.indicators]}) for i in p.initiatives]
    return p.model_copy(update={
        "approval": PlanApproval.model_construct(
            submitted_by_facilitator_on=_on(a.submitted_by_facilitator_on, day),
            submitted_by_smelter_on=_on(a.submitted_by_smelter_on, day),
            approved_by_audit_programme_on=_on(a.approved_by_audit_programme_on, day)),
        "implementation_started_on": _on(p.implementation_started_on, day),
        "initiatives": initiatives,
        "funding": [f for f in p.funding if f.pledged_on <= day],
        "expenditures": [e for e in p.expenditures if e.spent_on <= day],
        "monitoring_reports": [m for m in p.monitoring_reports if m.received_on <= day],
        "closure": closure,
    })


def as_of(record: IncidentRecord, day: date) -> IncidentRecord | None:
    """The record as it stood at the end of ``day``, from the facts' own dates: every fact dated later is
    left out (None before the allegation was received). Undated parts of a fact go with it (a closure report's
    recommendation with the report's date; a plan's Level 2 closure answers with its final report)."""
    if record.incident.date_received > day:
        return None
    v = record.verification
    verification = Verification.model_construct(
        credibility=v.credibility if v.credibility and v.credibility.decided_on <= day else None,
        actionability=v.actionability if v.actionability and v.actionability.decided_on <= day else None,
        notice=v.notice if v.notice and v.notice.notified_on <= day else None,
        substantiation=v.substantiation if v.substantiation and v.substantiation.decided_on <= day else None)
    r = record.response
    response = Response.model_construct(
        corrective_action=r.corrective_action if r.corrective_action and r.corrective_action.decided_on <= day
        else None,
        smelter_notice=r.smelter_notice if r.smelter_notice and r.smelter_notice.notified_on <= day else None,
        relationship_decisions=[d for d in r.relationship_decisions if d.decided_on <= day])
    c = record.closure
    reported = _on(c.closure_report_on, day)
    closure = Closure.model_construct(
        verified_by_audit_programme_on=_on(c.verified_by_audit_programme_on, day), closure_report_on=reported,
        recommend_close=c.recommend_close if reported else None, closed_on=_on(c.closed_on, day))
    return record.model_copy(update={
        "verification": verification,
        "assessments": [a for a in record.assessments if a.assessed_on <= day],
        "response": response,
        "plans": [_plan_as_of(p, day) for p in record.plans if p.designed_on <= day],
        "closure": closure,
        "lessons": _lessons_as_of(record.lessons, day),
    })


def _lessons_as_of(lessons: Lessons | None, day: date) -> Lessons | None:
    """The lessons review as it stood on ``day``: none before it was held; an action closed later still open."""
    if lessons is None or lessons.reviewed_on > day:
        return None
    if not any(a.closed_on and a.closed_on > day for a in lessons.actions):
        return lessons
    return lessons.model_copy(update={"actions": [
        a.model_copy(update={"status": "open", "closed_on": None}) if a.closed_on and a.closed_on > day else a
        for a in lessons.actions]})


def state_on(record: IncidentRecord, day: date) -> WorkflowState | None:
    """Where the incident stood at the end of ``day`` (None: not yet received)."""
    then = as_of(record, day)
    return None if then is None else evaluate(then, day)


def is_overdue(state: WorkflowState, day: date, time_frames: dict[int, int]) -> bool:
    """In its step longer than the step's indicative time frame with something still owed, as the portfolio
    counts it (:func:`remediation.storage.queries.overdue_clause`)."""
    return bool(state.missing) and state.step_entered_on < day - timedelta(days=time_frames[state.step])


# --- the figures ---------------------------------------------------------------------------------------------------

FIGURES: dict[str, str] = {
    # key -> label, in the order a report shows them (money and medians are added per currency and per step)
    "received": "Allegations received",
    "credible": "Step 1: found credible",
    "not_credible": "Step 1: found not credible (closed)",
    "actionable": "Step 1: found actionable",
    "not_actionable": "Step 1: found not actionable (closed)",
    "ap_notified": "Step 1: audit programme notified",
    "substantiated": "Substantiated",
    "unsubstantiated": "Unsubstantiated (closed)",
    "assessments": "Level assessments made",
    "corrective_actions": "Corrective actions / enhanced due diligence agreed",
    "relationships_terminated": "… of which the relationship was terminated",
    "assessments_level1_mandatory": "… with Level 1 mandatory",
    "plans_approved": "Plans approved by the audit programme",
    "implementation_started": "Plans whose implementation started",
    **{s: f"Incidents closed: {STATUSES[s].removeprefix('Closed: ').removeprefix('Closed ')}"
       for s in STATUSES if s != "open"},
    "victims_assisted": "Victims assisted (Level 1 case-management plans in implementation)",
    "children_assisted": "… of whom children",
    "open_start": "Open incidents at the start",
    "open_end": "Open incidents at the end",
    "open_level1_mandatory_start": "Open with Level 1 mandatory at the start",
    "open_level1_mandatory_end": "Open with Level 1 mandatory at the end",
    "overdue_start": "Overdue at the start",
    "overdue_end": "Overdue at the end",
    "lessons_captured": "Lessons learned captured",
    "lessons_objectives_met": "… objectives met (review answer yes)",
    "lessons_victims_satisfied": "… victims satisfied (review answer yes)",
    "plans_completed": "Remediation plans completed (final report received)",
    "actions_closed": "Actions from lessons closed (done or dropped)",
}
VICTIM_FIGURES = ("victims_assisted", "children_assisted")  # suppressed below the small-count threshold
MONEY_KINDS = {"pledged": "pledged", "received": "received", "spent": "spent"}


def money_key(kind: str, currency: str) -> str:
    return f"money_{kind}_{currency}"


def median_key(step: int) -> str:
    return f"median_days_step_{step}"


def label_of(key: str) -> str:
    """What a figure's key reads as, money and medians included."""
    if key in FIGURES:
        return FIGURES[key]
    if key.startswith("money_"):
        _, kind, currency = key.split("_", 2)
        return f"Money {MONEY_KINDS[kind]} ({currency})"
    if key.startswith("median_days_step_"):
        n = int(key.rsplit("_", 1)[1])
        return f"Median days in Step {n} ({STEPS[n]})"
    if key.startswith("steps_left_"):
        return f"Incidents that left Step {key.rsplit('_', 1)[1]}"
    return key


def _dated_days(record: IncidentRecord) -> list[date]:
    """Every day on which something was recorded as happening to the incident."""
    inc, v, r, c = record.incident, record.verification, record.response, record.closure
    days = [inc.date_received,
            *(x.decided_on for x in (v.credibility, v.actionability, v.substantiation) if x),
            *(x.notified_on for x in (v.notice, r.smelter_notice) if x),
            *(a.assessed_on for a in record.assessments),
            r.corrective_action.decided_on if r.corrective_action else None,
            c.verified_by_audit_programme_on, c.closure_report_on, c.closed_on,
            record.lessons.reviewed_on if record.lessons else None]
    for p in record.plans:
        a = p.approval
        days += [p.designed_on, a.submitted_by_facilitator_on, a.submitted_by_smelter_on,
                 a.approved_by_audit_programme_on, p.implementation_started_on, p.closure.final_report_on,
                 p.closure.financial_report_on, p.closure.referral_confirmed_on,
                 *(f.pledged_on for f in p.funding), *(m.received_on for m in p.monitoring_reports),
                 *(m.measured_on for i in p.initiatives for ind in i.indicators for m in ind.measurements)]
    return sorted({d for d in days if d is not None and d >= inc.date_received})


def step_exits(record: IncidentRecord) -> list[tuple[int, date, date]]:
    """Each step the incident left: (step, entered on, left on), replaying its dated facts day by day."""
    out: list[tuple[int, date, date]] = []
    prev: WorkflowState | None = None
    for day in _dated_days(record):
        now = evaluate(as_of(record, day), day)
        if prev is not None and prev.missing:
            left = (now.step != prev.step or (prev.is_open and not now.is_open)
                    or (prev.step == 6 and not now.missing))
            if left:
                out.append((prev.step, prev.step_entered_on, day))
        prev = now
    return out


def incident_figures(record: IncidentRecord, period: Period, time_frames: dict[int, int] | None = None,
                     exits: list[tuple[int, date, date]] | None = None) -> dict[str, int | str]:
    """One incident's contribution to the period's figures: counts, money (as text, exact) and the days it
    spent in each step it left in the period (``days_step_N``, a list as comma-separated text). ``exits``:
    :func:`step_exits` of the record, when the caller computed it once for several periods (the costly part)."""
    time_frames = time_frames or DEFAULT_TIME_FRAMES
    out: Counter = Counter()
    money: dict[str, Decimal] = {}
    inc, v, r = record.incident, record.verification, record.response
    if inc.date_received in period:
        out["received"] += 1
    if v.credibility and v.credibility.decided_on in period:
        out["credible" if v.credibility.credible else "not_credible"] += 1
    if v.actionability and v.actionability.decided_on in period:
        out["actionable" if v.actionability.actionable else "not_actionable"] += 1
    if v.notice and v.notice.notified_on in period:
        out["ap_notified"] += 1
    if v.substantiation and v.substantiation.decided_on in period:
        out["substantiated" if v.substantiation.substantiated else "unsubstantiated"] += 1
    for a in record.assessments:
        if a.assessed_on in period:
            out["assessments"] += 1
            out["assessments_level1_mandatory"] += a.level1 == "mandatory"
    for p in record.plans:
        if p.approval.approved_by_audit_programme_on in period:
            out["plans_approved"] += 1
        if p.implementation_started_on in period:
            out["implementation_started"] += 1
        if p.closure.final_report_on in period:
            out["plans_completed"] += 1
        for f in p.funding:
            if f.pledged_on in period:
                for kind, amount in (("pledged", f.pledged), ("received", f.received)):
                    key = money_key(kind, p.currency)
                    money[key] = money.get(key, Decimal(0)) + amount
        for e in p.expenditures:
            if e.spent_on in period:
                key = money_key("spent", p.currency)
                money[key] = money.get(key, Decimal(0)) + e.amount
    if r.corrective_action and r.corrective_action.decided_on in period:
        out["corrective_actions"] += 1
        out["relationships_terminated"] += r.corrective_action.relationship_terminated
    if record.lessons and record.lessons.reviewed_on in period:
        out["lessons_captured"] += 1
        out["lessons_objectives_met"] += record.lessons.objectives_met == "yes"
        out["lessons_victims_satisfied"] += record.lessons.victims_satisfied == "yes"
    for action in record.lessons.actions if record.lessons else ():
        if action.status in CLOSED_ACTION_STATUSES and action.closed_on in period:
            out["actions_closed"] += 1

    before = period.start - timedelta(days=1)
    start, end = state_on(record, before), state_on(record, period.end)
    for when, state, day in (("start", start, before), ("end", end, period.end)):
        if state is None:
            continue
        if state.is_open:
            out[f"open_{when}"] += 1
            then = as_of(record, day)
            if then.latest_assessment is not None and then.latest_assessment.level1 == "mandatory":
                out[f"open_level1_mandatory_{when}"] += 1
        if is_overdue(state, day, time_frames):
            out[f"overdue_{when}"] += 1
    if end is not None and not end.is_open and end.step_entered_on in period:
        out[end.status] += 1

    plan1 = record.plan(1)
    if (plan1 is not None and plan1.implementation_started_on is not None
            and plan1.implementation_started_on <= period.end and (start is None or start.is_open)):
        out["victims_assisted"] += len(plan1.case_plans)
        out["children_assisted"] += sum(c.age_group == "child" for c in plan1.case_plans)

    days: dict[str, list[int]] = {}
    if record.incident.date_received <= period.end:
        for step, entered, left in (step_exits(record) if exits is None else exits):
            if left in period:
                days.setdefault(f"days_step_{step}", []).append((left - entered).days)
    result: dict[str, int | str] = {k: n for k, n in out.items() if n}
    result.update({k: str(v) for k, v in money.items()})
    result.update({k: ",".join(map(str, v)) for k, v in days.items()})
    return result


def combine(contributions: list[dict[str, int | str]]) -> dict[str, int | str | float | None]:
    """The period's figures from the incidents' contributions: counts summed, money summed exactly (as text),
    the median days of every step, and how many incidents left each step."""
    totals: dict[str, int | str | float | None] = {k: 0 for k in FIGURES}
    money: dict[str, Decimal] = {}
    days: dict[int, list[int]] = {n: [] for n in STEPS}
    for c in contributions:
        for k, value in c.items():
            if k.startswith("money_"):
                money[k] = money.get(k, Decimal(0)) + _decimal(value)
            elif k.startswith("days_step_"):
                days[int(k.rsplit("_", 1)[1])] += [int(x) for x in str(value).split(",") if x]
            else:
                totals[k] = int(totals.get(k, 0) or 0) + int(value)
    for k in sorted(money):
        totals[k] = f"{money[k]:.2f}"
    for n, values in days.items():
        totals[median_key(n)] = float(statistics.median(values)) if values else None
        totals[f"steps_left_{n}"] = len(values)
    return totals


def _decimal(value) -> Decimal:
    return Decimal(str(value))


def period_figures(records: list[IncidentRecord], period: Period,
                   time_frames: dict[int, int] | None = None) -> dict[str, int | str | float | None]:
    return combine([incident_figures(r, period, time_frames) for r in records])


def pipeline_on(records: list[IncidentRecord], day: date) -> dict[str, int]:
    """The open pipeline as it stood on ``day``: open incidents per step (``step_N``), and per Level 1 requirement
    of the assessment in force then (``level1_mandatory``, ``level1_recommended``, ``level1_not_assessed``)."""
    out: Counter = Counter({f"step_{n}": 0 for n in STEPS})
    for r in records:
        then = as_of(r, day)
        if then is None:
            continue
        state = evaluate(then, day)
        if state.is_open:
            out[f"step_{state.step}"] += 1
            a = then.latest_assessment
            out[f"level1_{a.level1 if a else 'not_assessed'}"] += 1
    return dict(out)


def money_on(records: list[IncidentRecord], day: date) -> dict[str, dict[str, Decimal]]:
    """Money as it stood on ``day``, per currency: pledged, received (with its pledge's date) and spent so far."""
    out: dict[str, dict[str, Decimal]] = {}
    for r in records:
        then = as_of(r, day)
        for p in then.plans if then else []:
            m = out.setdefault(p.currency, {"pledged": Decimal(0), "received": Decimal(0), "spent": Decimal(0)})
            m["pledged"] += p.pledged
            m["received"] += sum((f.received for f in p.funding), Decimal(0))
            m["spent"] += p.spent
    return out


__all__ = [
    "FIGURES",
    "PERIOD_KINDS",
    "VICTIM_FIGURES",
    "Period",
    "as_of",
    "combine",
    "half",
    "incident_figures",
    "is_overdue",
    "label_of",
    "last_complete_quarter",
    "median_key",
    "money_key",
    "money_on",
    "parse_period",
    "period_figures",
    "pipeline_on",
    "quarter",
    "state_on",
    "step_exits",
    "year",
]
