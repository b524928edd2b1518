"""The six-step workflow: where an incident stands, derived from what has been recorded.

Nobody types a step or a status. :func:`evaluate` reads an :class:`~remediation.domain.models.IncidentRecord`
and answers: the current step, the status (open or one of the four terminal outcomes), the date the
step was entered (for ageing), what is still missing to move on and which role owes each item, and
warnings where the guideline advises rather than requires.

The gates, step by step, from the guideline text:

1. credibility (lines 929-934) and actionability (lines 936-938) decided by the downstream company, the
   audit programme notified (lines 940-942), substantiation decided by the audit programme, with the
   trading link (lines 946-955);
2. the level assessment (lines 1064-1076), the corrective / enhanced due-diligence action (lines 988-996),
   and the audit programme's notice to the smelter/refiner (lines 1078-1080);
3. a plan for every mandatory level (at least one plan: "remediation must follow", lines 998-999), each
   with its contents (case plans for Level 1, lines 1174-1176; initiatives with indicators for Level 2,
   lines 1381-1383), its cost estimated (lines 1339-1341), and its approval chain complete (lines 1342-1344);
4. funding secured and implementation started (lines 1353-1354), monitoring reports received
   (lines 1390-1393), Level 2 indicators measured, and the facilitator's final report (lines 1397-1400);
   monitoring shorter than 6 months is a warning (lines 1393-1396);
5. closure evidence per plan (Level 1: lines 1402-1413; Level 2: lines 1415-1422), the audit programme's
   verification, its closure report recommending closure (lines 1424-1428), and the downstream company's
   closing;
6. lessons learned, captured at closure (lines 1433-1436).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from remediation.domain.citations import CITATIONS, cite
from remediation.domain.models import IncidentRecord, Plan
from remediation.domain.monitoring import monitoring_window
from remediation.domain.record_rules import closure_flags, coverage_gap
from remediation.domain.vocab import CADENCE_MONTHS, REPORTING_CADENCES, REPORTING_CHAIN, ROLES, STEPS, Role, Status

MONITORING_ADVISED_MONTHS = (6, 12)  # guideline lines 1393-1396
DEFAULT_REPORTING_CADENCE = "quarterly"  # a company setting (remediation.domain.settings.Settings)
# The steps whose state depends on the day it is evaluated for (and on the cadence): Step 4's overdue reports and
# monitoring warnings. Every other step's state follows from the record alone, so a stored state of an incident
# in another step never goes stale as days pass (remediation.services.waiting refreshes only these).
DATED_STEPS = frozenset({4})


@dataclass(frozen=True)
class Missing:
    text: str
    role: Role
    step: int

    @property
    def role_label(self) -> str:
        return ROLES[self.role]


@dataclass
class WorkflowState:
    step: int
    status: Status
    step_entered_on: date
    missing: list[Missing] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    closed_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def step_name(self) -> str:
        return STEPS[self.step]

    @property
    def waiting_for(self) -> str:
        return self.missing[0].text if self.missing else ""

    @property
    def owed_by(self) -> Role | None:
        return self.missing[0].role if self.missing else None

    @property
    def complete(self) -> bool:
        """Closed and nothing left to record (a closed-after-remediation incident still owes lessons)."""
        return not self.is_open and not self.missing


def _add_months(d: date, months: int) -> date:
    years, month0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + years, month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _latest(*dates: date | None) -> date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def evaluate(record: IncidentRecord, today: date | None = None,
             cadence: str = DEFAULT_REPORTING_CADENCE) -> WorkflowState:
    """Where ``record`` stands in the six steps, and what it needs to move on. ``cadence`` is the company's
    reporting cadence (a setting): a monitoring report missing past it is an item the incident waits for."""
    today = today or date.today()
    inc, v = record.incident, record.verification

    # Step 1 — verify the allegation.
    entered = inc.date_received
    missing: list[Missing] = []
    if v.credibility is not None and not v.credibility.credible:
        return WorkflowState(1, "closed_not_credible", v.credibility.decided_on,
                             closed_reason=f"Not credible: documented and closed ({cite('step1_closed_documented')}).")
    if v.actionability is not None and not v.actionability.actionable:
        return WorkflowState(1, "closed_not_actionable", v.actionability.decided_on,
                             closed_reason="Credible but not actionable: documented and closed "
                                           f"({cite('step1_closed_documented')}).")
    if v.substantiation is not None and not v.substantiation.substantiated:
        return WorkflowState(1, "closed_unsubstantiated", v.substantiation.decided_on,
                             closed_reason="Unsubstantiated: the audit programme informed the downstream "
                                           f"company; documented and closed ({cite('step1_unsubstantiated_closed')}).")
    if v.credibility is None:
        missing.append(Missing("Decide whether the allegation is credible: a trustworthy source and "
                               "reasonable grounds to believe a violation may have taken place",
                               "downstream_company", 1))
    if v.actionability is None:
        missing.append(Missing("Decide whether the allegation is actionable: does it explicitly link to a "
                               "current or past supply-chain partner?", "downstream_company", 1))
    if v.notice is None:
        missing.append(Missing("Notify the audit programme of the credible, actionable allegation",
                               "downstream_company", 1))
    if v.substantiation is None:
        missing.append(Missing("Investigate and decide whether the allegation is substantiated, and "
                               "whether the link is through current or past trading", "audit_programme", 1))
    if missing:
        return WorkflowState(1, "open", entered, missing)

    # Step 2 — determine the type and level of response.
    entered = v.substantiation.decided_on
    r = record.response
    assessment = record.latest_assessment
    if assessment is None:
        missing.append(Missing("Assess the level of response (Level 1 / Level 2) with the level matrix",
                               "audit_programme", 2))
    if r.corrective_action is None:
        missing.append(Missing("Record the enhanced due diligence / corrective action agreed with the "
                               "smelter/refiner", "audit_programme", 2))
    if r.smelter_notice is None:
        missing.append(Missing("Notify the smelter/refiner for follow-up remediation action",
                               "audit_programme", 2))
    if missing:
        return WorkflowState(2, "open", entered, missing)

    # Step 3 — design the remediation action plan.
    entered = _latest(assessment.assessed_on, r.corrective_action.decided_on, r.smelter_notice.notified_on)
    warnings: list[str] = []
    requirement = {1: assessment.level1, 2: assessment.level2}
    for level in (1, 2):
        if record.plan(level) is None:
            if requirement[level] == "mandatory":
                missing.append(Missing(f"Design the Level {level} plan: Level {level} is mandatory",
                                       "remediation_facilitator", 3))
            elif requirement[level] == "recommended":
                warnings.append(f"Level {level} is recommended and has no plan.")
    if not record.plans and not missing:
        missing.append(Missing("Design at least one remediation action plan: harm has occurred and "
                               f"remediation must follow ({cite('remediation_must_follow')})",
                               "remediation_facilitator", 3))
    for plan in record.plans:
        missing.extend(plan_design_gaps(plan))
    if missing:
        return WorkflowState(3, "open", entered, missing, warnings)

    # Step 4 — implement and monitor.
    # A report overdue by the cadence comes first: it is the one item with a date already passed, so it is what
    # the incident waits for (the portfolio, Follow-ups and the digest show the first item).
    # A plan with a hop overdue is not also listed as needing "a monitoring report": that is the same need, said
    # once, with its date and who owes it.
    entered = _latest(*(p.approval.approved_by_audit_programme_on for p in record.plans))
    overdue = [reports_overdue(plan, today, cadence) for plan in record.plans]
    for hops in overdue:
        missing.extend(hops)
    for plan, hops in zip(record.plans, overdue):
        gaps, plan_warnings = plan_implementation_gaps(plan, today, report_overdue=bool(hops))
        missing.extend(gaps)
        warnings.extend(plan_warnings)
    if missing:
        return WorkflowState(4, "open", entered, missing, warnings)

    # Step 5 — close the incident.
    entered = _latest(*(p.closure.final_report_on for p in record.plans))
    for plan in record.plans:
        gaps, plan_warnings = plan_closure_gaps(plan)
        missing.extend(gaps)
        warnings.extend(plan_warnings)
    c = record.closure
    warnings.extend(closure_flags(record))
    if c.verified_by_audit_programme_on is None and (gap := coverage_gap(record)) is not None:
        missing.append(Missing(gap, "victim_service_coordinator", 5))
    if c.verified_by_audit_programme_on is None:
        missing.append(Missing("Verify that the remediation action plan was satisfactorily completed",
                               "audit_programme", 5))
    if c.closure_report_on is None:
        missing.append(Missing("Send the closure report to the downstream company with a recommendation",
                               "audit_programme", 5))
    elif c.recommend_close is not True:
        missing.append(Missing("Recommend closing the incident (the closure report does not yet)",
                               "audit_programme", 5))
    if c.closed_on is None:
        missing.append(Missing("Close the incident on the audit programme's recommendation",
                               "downstream_company", 5))
    if missing:
        return WorkflowState(5, "open", entered, missing, warnings)

    # Step 6 — capture lessons learned (the incident is closed; lessons are still owed).
    if record.lessons is None:
        missing.append(Missing("Capture lessons learned: objectives, victims' satisfaction, community "
                               "benefit, budget, challenges, risks, recommendations", "downstream_company", 6))
    return WorkflowState(6, "closed_remediated", c.closed_on, missing, warnings,
                         closed_reason="Closed after remediation on the audit programme's recommendation "
                                       f"({cite('closure_report_recommendation')}).")


def plan_design_gaps(plan: Plan) -> list[Missing]:
    name = f"Level {plan.level} plan"
    gaps: list[Missing] = []
    if plan.level == 1 and not plan.case_plans:
        gaps.append(Missing(f"{name}: a case-management plan for each identified victim",
                            "victim_service_coordinator", 3))
    if plan.level == 2:
        if not plan.initiatives:
            gaps.append(Missing(f"{name}: at least one initiative with a clear, measurable, time-bound result",
                                "remediation_facilitator", 3))
        elif any(not i.indicators for i in plan.initiatives):
            gaps.append(Missing(f"{name}: a performance indicator for every initiative",
                                "remediation_facilitator", 3))
    if plan.budget <= 0:
        gaps.append(Missing(f"{name}: estimate its costs ({cite('plan_costs_estimated')})",
                            "remediation_facilitator", 3))
    a = plan.approval
    if a.submitted_by_facilitator_on is None:
        gaps.append(Missing(f"{name}: submit the final plan to the smelter/refiner", "remediation_facilitator", 3))
    if a.submitted_by_smelter_on is None:
        gaps.append(Missing(f"{name}: submit the plan to the audit programme", "smelter_refiner", 3))
    if a.approved_by_audit_programme_on is None:
        gaps.append(Missing(f"{name}: review and approve the plan", "audit_programme", 3))
    return gaps


def plan_implementation_gaps(plan: Plan, today: date, report_overdue: bool = False
                             ) -> tuple[list[Missing], list[str]]:
    """What an implemented plan still needs, and its warnings. ``report_overdue``: a hop of its reporting chain is
    already listed as overdue (:func:`reports_overdue`), so the plan's want of a monitoring report is not said again."""
    name = f"Level {plan.level} plan"
    gaps: list[Missing] = []
    warnings: list[str] = []
    if plan.pledged < plan.budget:
        gaps.append(Missing(f"{name}: secure funding ({plan.pledged:,.0f} of {plan.budget:,.0f} "
                            f"{plan.currency} pledged)", "smelter_refiner", 4))
    if plan.implementation_started_on is None:
        gaps.append(Missing(f"{name}: start implementation once funding is secured", "remediation_facilitator", 4))
    if not plan.monitoring_reports and not report_overdue:
        gaps.append(Missing(f"{name}: a monitoring report", "remediation_facilitator", 4))
    if plan.level == 2 and any(not ind.measurements for i in plan.initiatives for ind in i.indicators):
        gaps.append(Missing(f"{name}: a measurement of every performance indicator", "remediation_facilitator", 4))
    if plan.closure.final_report_on is None:
        gaps.append(Missing(f"{name}: the facilitator's final report once the plan is implemented",
                            "remediation_facilitator", 4))
    start = plan.implementation_started_on
    if start is not None:
        monitored_until = _latest(*(m.period_end for m in plan.monitoring_reports)) or today
        if monitored_until < _add_months(start, MONITORING_ADVISED_MONTHS[0]):
            warnings.append(f"{name}: monitored for {(monitored_until - start).days} days; the guideline "
                            "recommends 6-12 months of monitoring before closure "
                            f"({CITATIONS['monitoring_period'].lines}).")
        window = monitoring_window(plan, today)
        if window.flagged:  # Level 1 plans as Level 2 ones: past 12 months with no final report
            warnings.append(f"{name}: {window.label.lower()} ({CITATIONS['monitoring_period'].lines}).")
    return gaps, warnings


def reports_overdue(plan: Plan, today: date, cadence: str = DEFAULT_REPORTING_CADENCE) -> list[Missing]:
    """The reporting chain held up past the company's cadence, while the plan is implemented (started, no final
    report yet): the facilitator reports to the smelter/refiner, which reports to the audit programme, which
    reports to the downstream company (guideline lines 894-895, 883-884, 874-876; regular reports, lines
    1390-1393). Each hop is due a cadence after it last happened (or after the start of implementation); the
    first hop overdue is owed by its sender: a later hop cannot move before it."""
    start = plan.implementation_started_on
    for sender, receiver, due, sent in _hops_due(plan, cadence):
        if due < today:
            last = f"last on {max(sent)}" if sent else "none since implementation started on " + str(start)
            return [Missing(f"Level {plan.level} plan: a monitoring report from the {ROLES[sender].lower()} to the "
                            f"{ROLES[receiver].lower()}, due {due} ({REPORTING_CADENCES[cadence].lower()} reporting; "
                            f"{last}; {cite('regular_monitoring_reports')})", sender, 4)]
    return []


def _hops_due(plan: Plan, cadence: str) -> list[tuple[Role, Role, date, list[date]]]:
    """Each hop of the reporting chain of an implemented plan (started, no final report): sender, receiver, the day
    its next report is due (a cadence after it last happened, or after the start) and the days it happened."""
    start = plan.implementation_started_on
    if start is None or plan.closure.final_report_on is not None:
        return []
    months = CADENCE_MONTHS[cadence]
    reports = plan.monitoring_reports
    out = []
    for hop, sender, receiver in REPORTING_CHAIN:
        if hop == "sent_to_smelter_on":  # a report the facilitator sent: received, if not dated as sent
            sent = [r.sent_to_smelter_on or r.received_on for r in reports]
        else:
            sent = [d for r in reports if (d := getattr(r, hop)) is not None]
        out.append((sender, receiver, _add_months(max(sent, default=start), months), sent))
    return out


def state_changes_on(record: IncidentRecord, state: WorkflowState, today: date,
                     cadence: str = DEFAULT_REPORTING_CADENCE) -> date | None:
    """The first day after ``today`` on which ``evaluate(record, day, cadence)`` may differ from ``state`` (its
    evaluation for ``today``) in what the incident row keeps: a hop of the reporting chain falling overdue, six
    months of monitoring reached (a warning ends), the 12-month window passed (a warning starts). None: not by the
    date alone (an open incident outside :data:`DATED_STEPS`, a closed one). An early answer is harmless (the state
    is evaluated again and found the same); a late one never happens (a test checks it on generated portfolios)."""
    if not state.is_open or state.step not in DATED_STEPS:
        return None
    days: list[date] = []
    for plan in record.plans:
        start = plan.implementation_started_on
        if start is None:
            continue
        days += [due + timedelta(days=1) for *_, due, _ in _hops_due(plan, cadence)]
        days += [_add_months(start, MONITORING_ADVISED_MONTHS[0]), _add_months(start, MONITORING_ADVISED_MONTHS[1] + 1)]
    return min((d for d in days if d > today), default=None)


def plan_closure_gaps(plan: Plan) -> tuple[list[Missing], list[str]]:
    name = f"Level {plan.level} plan"
    c = plan.closure
    gaps: list[Missing] = []
    warnings: list[str] = []
    if c.financial_report_on is None:
        gaps.append(Missing(f"{name}: a financial report of expenditures of every contribution",
                            "remediation_facilitator", 5))
    if plan.level == 1:
        if c.referral_confirmed_on is None:
            gaps.append(Missing(f"{name}: document the referral to the victim service coordinator, as "
                                "confirmed by the facilitator, with its date", "smelter_refiner", 5))
        if not c.assistance_summary:
            gaps.append(Missing(f"{name}: a brief summary of the assistance provided", "smelter_refiner", 5))
    else:
        answers = {
            "outcomes verified": c.outcomes_verified, "completed on time": c.completed_on_time,
            "within budget": c.within_budget, "objectives met": c.objectives_met,
            "monitoring documented": c.monitoring_documented,
        }
        unanswered = [k for k, val in answers.items() if val is None]
        if unanswered:
            gaps.append(Missing(f"{name}: document its main outcomes ({', '.join(unanswered)})",
                                "remediation_facilitator", 5))
        negative = [k for k, val in answers.items() if val is False]
        if negative:
            warnings.append(f"{name}: not {', not '.join(negative)}.")
    return gaps, warnings


def tracker(state: WorkflowState) -> list[tuple[int, str, str]]:
    """Each step with ``done``, ``current``, ``closed_here``, ``skipped`` or ``pending``, for a step tracker."""
    rows = []
    for n, name in STEPS.items():
        if state.status in ("closed_not_credible", "closed_not_actionable", "closed_unsubstantiated"):
            mark = "closed_here" if n == state.step else ("skipped" if n > state.step else "done")
        elif state.status == "closed_remediated":
            mark = "done" if n < 6 or state.complete else "current"
        else:
            mark = "done" if n < state.step else ("current" if n == state.step else "pending")
        rows.append((n, name, mark))
    return rows




def events(record: IncidentRecord) -> list[tuple[date, str, str]]:
    """Every dated fact of ``record`` as (date, role, what happened), oldest first: the incident's
    timeline in the guideline's words, whoever typed it in."""
    inc, v, r, c = record.incident, record.verification, record.response, record.closure
    out: list[tuple[date | None, str, str]] = [
        (inc.incident_date, "", "Incident happened"),
        (inc.became_public_date, "", "Incident became public"),
        (inc.date_received, "downstream_company", f"Allegation received (source: {inc.allegation_source})"),
    ]
    if v.credibility:
        out.append((v.credibility.decided_on, "downstream_company",
                    "Allegation found credible" if v.credibility.credible else "Allegation found not credible: closed"))
    if v.actionability:
        out.append((v.actionability.decided_on, "downstream_company",
                    "Allegation found actionable" if v.actionability.actionable
                    else "Allegation not actionable: closed"))
    if v.notice:
        out.append((v.notice.notified_on, "downstream_company", "Audit programme notified"))
    if v.substantiation:
        s = v.substantiation
        out.append((s.decided_on, "audit_programme",
                    f"Substantiated; linked through {s.trading_link} trading" if s.substantiated
                    else "Unsubstantiated: closed"))
    if inc.stopped_trading_date:
        out.append((inc.stopped_trading_date, "smelter_refiner", "Smelter/refiner stopped trading with the supplier"))
    for a in record.assessments:
        out.append((a.assessed_on, "audit_programme", f"Level of response assessed: Level 1 {a.level1}, "
                    f"Level 2 {a.level2} (policy v{a.policy_version})"))
    if r.corrective_action:
        out.append((r.corrective_action.decided_on, "audit_programme", "Corrective action / enhanced due diligence "
                    "agreed" + (": relationship terminated" if r.corrective_action.relationship_terminated else "")))
    if r.corrective_action:
        ca = r.corrective_action
        out += [(ca.completed_on, "smelter_refiner", "Corrective action completed"),
                (ca.verified_on, "audit_programme", "Corrective action verified")]
        out += [(ms.done_on, "smelter_refiner", f"Corrective-action milestone done: {ms.title}") for ms in ca.milestones]
    for d in r.relationship_decisions:
        who, party = (("audit_programme", "mine operator") if d.party == "mine_operator"
                      else ("downstream_company", "smelter/refiner"))
        out.append((d.decided_on, who, f"Relationship with the {party}: {d.decision}"))
    if r.smelter_notice:
        out.append((r.smelter_notice.notified_on, "audit_programme", "Smelter/refiner notified for follow-up"))
    for p in record.plans:
        name = f"Level {p.level} plan"
        a = p.approval
        out += [(p.designed_on, "remediation_facilitator", f"{name} designed by {p.facilitator}"),
                (a.submitted_by_facilitator_on, "remediation_facilitator", f"{name} submitted to the smelter/refiner"),
                (a.submitted_by_smelter_on, "smelter_refiner", f"{name} submitted to the audit programme"),
                (a.approved_by_audit_programme_on, "audit_programme", f"{name} approved"),
                (p.implementation_started_on, "remediation_facilitator", f"{name}: implementation started"),
                (p.closure.final_report_on, "remediation_facilitator", f"{name}: final report"),
                (p.closure.financial_report_on, "remediation_facilitator", f"{name}: financial report")]
        out += [(f.pledged_on, "smelter_refiner", f"{name}: {f.funder} pledged {f.pledged:,.0f} {p.currency}")
                for f in p.funding]
        out += [(m.received_on, "remediation_facilitator", f"{name}: monitoring report for {m.period_start} to "
                 f"{m.period_end}") for m in p.monitoring_reports]
        for m in p.monitoring_reports:
            for hop, sender, receiver in REPORTING_CHAIN:
                sent_to = f"{name}: monitoring report ending {m.period_end} sent to the {ROLES[receiver].lower()}"
                out.append((getattr(m, hop), sender, sent_to))
        out += [(c.consulted_on, "remediation_facilitator", f"{name}: {c.stakeholder.replace('_', ' ')} consulted")
                for c in p.consultations]
        out += [(f.collected_on, "remediation_facilitator", f"{name}: feedback collected from {f.source}")
                for f in p.feedback]
    out += [(c.verified_by_audit_programme_on, "audit_programme", "Completion verified"),
            (c.closure_report_on, "audit_programme",
             "Closure report sent" + (", recommending closure" if c.recommend_close else "")),
            (c.closed_on, "downstream_company", "Incident closed")]
    if record.lessons:
        out.append((record.lessons.reviewed_on, "downstream_company", "Lessons learned captured"))
    dated = [(d, role, text) for d, role, text in out if d is not None]
    return sorted(dated, key=lambda e: e[0])
