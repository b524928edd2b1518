"""The write side: one function per use case, one transaction each, one audit entry each.

Every use case follows the same path (:func:`_change`): read the incident and its version, check
the gate (the step it belongs to must have been reached, the incident must be open, and the
guideline's order within a step must be kept), apply the change to the
:class:`~remediation.domain.models.IncidentRecord`, validate the whole record again, write it back only if
nobody else saved it meanwhile, re-derive the workflow state, and record who changed what.

Every use case first checks the actor's permission role (:func:`remediation.services.access.require`): a viewer's
write is refused here, whatever a page shows.

A refused change raises :class:`Refused` (:class:`~remediation.services.access.Forbidden` when the permission role
does not allow it; pydantic's ``ValidationError`` for bad input; :class:`~remediation.storage.records.ConflictError`
for a concurrent save); in each case nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from remediation.domain.chronology import new_violations, violations
from remediation.domain.citations import cite
from remediation.domain.models import (
    Actionability,
    AssessmentRecord,
    AuditProgrammeNotice,
    BudgetLine,
    CasePlan,
    Closure,
    CorrectiveAction,
    Credibility,
    Expenditure,
    Funding,
    IncidentIn,
    IncidentRecord,
    Indicator,
    Initiative,
    Lessons,
    Measurement,
    MonitoringReport,
    Plan,
    PlanApproval,
    PlanClosure,
    PlanHeader,
    SmelterNotice,
    Substantiation,
)
from remediation.domain.policy import Policy
from remediation.domain.record_rules import (
    child_case_problem,
    coverage_gap,
    step1_closure_document,
    step1_closure_problem,
    unexplained_disagreements,
)
from remediation.domain.rules import TriageInput, assess
from remediation.domain.workflow import WorkflowState, evaluate, plan_closure_gaps, plan_design_gaps
from remediation.services import evidence
from remediation.services.access import Need, require
from remediation.services.base import LOCAL_USER, Actor, ConflictError, Refused, diff, write_audit
from remediation.storage import schema as t
from remediation.storage.evidence import attached_facts
from remediation.storage.queries import policy_in_force
from remediation.storage.records import find_incident, insert_records, load_records, replace_record


def _permit(conn: Connection, actor: Actor, need: Need, what: str) -> None:
    """Refuse (:class:`~remediation.services.access.Forbidden`) unless ``actor`` may do ``what``; before any write."""
    require(actor, need, what, conn)


# --- the common path -----------------------------------------------------------------------------

def _change(engine: Engine, code: str, actor: Actor, action: str,
            mutate: Callable[[IncidentRecord, WorkflowState], None], *, min_step: int,
            allow_closed: bool = False, expected_version: int | None = None,
            today: date | None = None, documents: Sequence[evidence.Attachment] = ()) -> WorkflowState:
    with engine.begin() as conn:
        _permit(conn, actor, "edit", f"recording on {code}")
        found = find_incident(conn, code)
        if found is None:
            raise Refused(f"No incident with code {code!r}.")
        incident_id, version = found
        if expected_version is not None and expected_version != version:
            raise ConflictError(f"{code} was changed by someone else since you opened it; reload to see the "
                                "changes, then record yours again. Nothing was saved.")
        current = load_records(conn, [incident_id])[incident_id]
        state = evaluate(current, today)
        if not state.is_open and not allow_closed:
            raise Refused(f"{code} is closed ({state.closed_reason}); nothing more can be recorded.")
        if state.step < min_step:
            raise Refused(f"{code} is at Step {state.step} ({state.step_name}); this belongs to Step "
                          f"{min_step}. First: {state.waiting_for}.")
        before = current.model_dump(mode="json")
        working = current.model_copy(deep=True)
        mutate(working, state)
        if added := new_violations(current, working, today):  # dates in the guideline's order
            raise Refused(added[0].message)
        updated = IncidentRecord.model_validate(working.model_dump())  # re-check the whole record
        changed: set[str] = set()  # the facets of the records this write changes: caches key on them (issue #15)
        new_state, _ = replace_record(conn, incident_id, version, updated, today, stored=current, changed=changed)
        write_audit(conn, actor, action, diff(before, updated.model_dump(mode="json")),
                    incident_id, updated.incident.code, facets=changed)
        # The documents that come with this fact, in its transaction; then the documents its step requires.
        evidence.attach_all(conn, actor, incident_id, updated, documents)
        evidence.check_required(conn, incident_id, current, updated)
        return new_state


def _plan(record: IncidentRecord, level: int) -> Plan:
    plan = record.plan(level)
    if plan is None:
        raise Refused(f"There is no Level {level} plan yet: open it first.")
    return plan


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise Refused(message)


# --- intake --------------------------------------------------------------------------------------

def create_incident(engine: Engine, incident: IncidentIn, actor: Actor = LOCAL_USER,
                    today: date | None = None) -> WorkflowState:
    """Record a new allegation; it starts at Step 1."""
    with engine.begin() as conn:
        _permit(conn, actor, "edit", "recording a new allegation")
        record = IncidentRecord(incident=incident)
        if out_of_order := violations(record, today):
            raise Refused(out_of_order[0].message)
        if find_incident(conn, incident.code) is not None:
            raise Refused(f"code: {incident.code} already exists; choose another code.")
        try:
            (incident_id,) = insert_records(conn, [record], today)
        except IntegrityError as exc:  # a concurrent intake took the code between check and insert
            raise Refused(f"code: {incident.code} already exists; choose another code.") from exc
        write_audit(conn, actor, "created incident", diff({}, record.model_dump(mode="json")),
                    incident_id, incident.code)
    return evaluate(record, today)


def link_smelter(engine: Engine, code: str, smelter_id: str | None, actor: Actor = LOCAL_USER,
                 **kw) -> WorkflowState:
    """Link the incident's smelter/refiner to the register entry ``smelter_id`` (None: unlink). The free text the
    allegation named stays as it was; the link is what matches the incident to suppliers' declarations
    (:mod:`remediation.storage.supply_chain`). Allowed on closed incidents too: their history counts for the
    "high occurrence" of later incidents at the same smelter (footnote 22)."""
    with engine.connect() as conn:
        _permit(conn, actor, "edit", f"linking {code} to the smelter register")
    if smelter_id is not None:
        smelter_id = smelter_id.strip().upper()
        with engine.connect() as conn:
            known = conn.execute(select(t.smelters.c.smelter_id).where(t.smelters.c.smelter_id == smelter_id)
                                 ).scalar_one_or_none()
        if known is None:
            raise Refused(f"smelter_id: {smelter_id} is not in the smelter register; import a declaration that lists "
                          "it, or add it to the register first.")

    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _require(rec.incident.smelter_id != smelter_id,
                 f"smelter_id: {code} is already linked to {smelter_id}." if smelter_id else
                 f"smelter_id: {code} is not linked to a smelter.")
        rec.incident.smelter_id = smelter_id
    return _change(engine, code, actor, "linked the smelter/refiner to the register" if smelter_id else
                   "unlinked the smelter/refiner from the register", mutate, min_step=1, allow_closed=True, **kw)


def next_incident_code(engine: Engine, year: int | None = None) -> str:
    """The next free ``INC-YYYY-NNN`` code for ``year`` (default: this year)."""
    year = year or date.today().year
    prefix = f"INC-{year}-"
    with engine.connect() as conn:
        codes = conn.execute(select(t.incidents.c.code).where(t.incidents.c.code.like(f"{prefix}%"))).scalars()
        numbers = [int(c.rsplit("-", 1)[1]) for c in codes]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


# --- Step 1 --------------------------------------------------------------------------------------

def _documented(engine: Engine, code: str, which: str, documents: Sequence[evidence.Attachment]) -> bool:
    """Whether a document can stand for a Step 1 closure's written reasons: one of the kind it needs comes with
    this record or is already attached to the incident."""
    kind = step1_closure_document(which)
    if any(a.kind == kind for a in documents):
        return True
    with engine.connect() as conn:
        found = find_incident(conn, code)
        return found is not None and any(k == kind for k, _ in attached_facts(conn, found[0]))


def _require_reason(which: str, notes: str, documented: bool) -> None:
    """A Step 1 closure is fully documented (guideline lines 942-944, 957-959): its notes are a real sentence, or
    the document behind the decision is attached."""
    if (problem := step1_closure_problem(which, notes, documented)) is not None:
        raise Refused(problem)


def _after_notice_only_the_finding(rec: IncidentRecord) -> None:
    """Once the audit programme is notified, the incident is under its investigation: the downstream company can
    no longer re-decide credibility or actionability; only the audit programme's finding closes it at Step 1."""
    n = rec.verification.notice
    if n is not None:
        raise Refused(f"The audit programme was notified on {n.notified_on.isoformat()} and is investigating: only "
                      f"its finding on substantiation can close the incident now ({cite('audit_programme_investigates')}"
                      f"; {cite('step1_unsubstantiated_closed')}). The downstream company's decision can no longer "
                      "change.")


def record_credibility(engine: Engine, code: str, decision: Credibility, actor: Actor = LOCAL_USER,
                       **kw) -> WorkflowState:
    documented = not decision.credible and _documented(engine, code, "credibility", kw.get("documents", ()))

    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _require(state.step == 1, "Credibility is decided at Step 1, which this incident has passed.")
        _after_notice_only_the_finding(rec)
        if not decision.credible:
            _require_reason("credibility", decision.notes, documented)
        rec.verification.credibility = decision
    return _change(engine, code, actor, "recorded credibility", mutate, min_step=1, **kw)


def record_actionability(engine: Engine, code: str, decision: Actionability, actor: Actor = LOCAL_USER,
                         **kw) -> WorkflowState:
    documented = not decision.actionable and _documented(engine, code, "actionability", kw.get("documents", ()))

    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        c = rec.verification.credibility
        _require(c is not None, "Decide credibility first: actionability is reviewed for credible allegations.")
        _require(state.step == 1, "Actionability is decided at Step 1, which this incident has passed.")
        _after_notice_only_the_finding(rec)
        if not decision.actionable:
            _require_reason("actionability", decision.notes, documented)
        rec.verification.actionability = decision
    return _change(engine, code, actor, "recorded actionability", mutate, min_step=1, **kw)


def notify_audit_programme(engine: Engine, code: str, notice: AuditProgrammeNotice,
                           actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        a = rec.verification.actionability
        _require(a is not None and a.actionable,
                 "The audit programme is notified of credible and actionable allegations: decide both first.")
        _require(state.step == 1 and rec.verification.substantiation is None,
                 "The audit programme has already investigated; its notification can no longer change.")
        rec.verification.notice = notice
    return _change(engine, code, actor, "notified the audit programme", mutate, min_step=1, **kw)


def record_substantiation(engine: Engine, code: str, finding: Substantiation, actor: Actor = LOCAL_USER,
                          **kw) -> WorkflowState:
    documented = not finding.substantiated and _documented(engine, code, "substantiation", kw.get("documents", ()))

    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        n = rec.verification.notice
        _require(n is not None, "The audit programme investigates once notified: record the notification first.")
        _require(state.step == 1, "Substantiation is decided at Step 1, which this incident has passed.")
        if not finding.substantiated:
            _require_reason("substantiation", finding.notes, documented)
        rec.verification.substantiation = finding
        if finding.substantiated:
            rec.incident.trading_link = finding.trading_link
            rec.incident.stopped_trading_date = finding.stopped_trading_date
    return _change(engine, code, actor, "recorded substantiation", mutate, min_step=1, **kw)


# --- Step 2 --------------------------------------------------------------------------------------

def record_assessment(engine: Engine, code: str, assessed_on: date, policy: Policy | None = None,
                      actor: Actor = LOCAL_USER, facts: TriageInput | None = None, **kw) -> WorkflowState:
    """Run the level rules on the incident's facts and keep the answer with its reasons and policy version
    (re-assessing later adds a new entry; the latest counts).

    ``facts`` (from the what-if triage page) first replaces the facts the rules read — trading link,
    dates, violation types, occurrence, affected persons — so the audit entry shows what changed."""
    policy = policy or policy_in_force(engine)

    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        s = rec.verification.substantiation
        if facts is not None:
            for name in TRIAGE_FACTS:
                setattr(rec.incident, name, getattr(facts, name))
            s.trading_link, s.stopped_trading_date = facts.trading_link, facts.stopped_trading_date
        a = assess(rec.incident.triage_input(), policy)
        rec.assessments.append(AssessmentRecord(
            assessed_on=assessed_on, scenario=a.scenario, level1=a.level1, level2=a.level2, severe=a.severe,
            recent=a.recent, treated_as_current=a.treated_as_current, policy_version=a.policy_version,
            reasons=a.reasons))
    return _change(engine, code, actor, "recorded level assessment", mutate, min_step=2, **kw)


TRIAGE_FACTS = tuple(TriageInput.model_fields)  # the incident's facts that the level rules read


def record_corrective_action(engine: Engine, code: str, action: CorrectiveAction, actor: Actor = LOCAL_USER,
                             **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        rec.response.corrective_action = action
    return _change(engine, code, actor, "recorded corrective action", mutate, min_step=2, **kw)


def notify_smelter(engine: Engine, code: str, notice: SmelterNotice, actor: Actor = LOCAL_USER,
                   **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        latest = rec.latest_assessment
        _require(latest is not None, "The smelter/refiner is notified once the level of response is determined: "
                                     "record the assessment first.")
        _require(notice.notified_on >= latest.assessed_on,
                 f"notified_on: The notification of the smelter/refiner {notice.notified_on.isoformat()} is before "
                 f"the level of response was assessed on {latest.assessed_on.isoformat()} (Step 2).")
        rec.response.smelter_notice = notice
    return _change(engine, code, actor, "notified the smelter/refiner", mutate, min_step=2, **kw)


# --- Step 3 --------------------------------------------------------------------------------------

def open_plan(engine: Engine, code: str, header: PlanHeader, actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _require(rec.plan(header.level) is None, f"There is already a Level {header.level} plan.")
        rec.plans.append(Plan(**header.model_dump()))
        rec.plans.sort(key=lambda p: p.level)
    return _change(engine, code, actor, f"opened Level {header.level} plan", mutate, min_step=3, **kw)


def _design_change(engine, code, actor, level, action, apply, **kw) -> WorkflowState:
    """A change to a plan's design: allowed until the audit programme approves it."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        plan = _plan(rec, level)
        _require(plan.approval.approved_by_audit_programme_on is None,
                 f"The Level {level} plan is approved; its design can no longer change.")
        apply(plan)
    return _change(engine, code, actor, action, mutate, min_step=3, **kw)


def add_case_plan(engine: Engine, code: str, case: CasePlan, actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    """A case-management plan for one victim; a child's without the guardian's consent records the best-interest
    determination and the specialised child-protection organisation (guideline lines 1219-1225, 772-810)."""
    if (problem := child_case_problem(case)) is not None:
        raise Refused(problem)
    return _design_change(engine, code, actor, 1, "added case-management plan",
                          lambda plan: plan.case_plans.append(case), **kw)


def add_initiative(engine: Engine, code: str, initiative: Initiative, actor: Actor = LOCAL_USER,
                   **kw) -> WorkflowState:
    return _design_change(engine, code, actor, 2, "added initiative",
                          lambda plan: plan.initiatives.append(initiative), **kw)


def add_indicator(engine: Engine, code: str, initiative_index: int, indicator: Indicator,
                  actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    def apply(plan: Plan) -> None:
        _require(0 <= initiative_index < len(plan.initiatives), "No such initiative in the Level 2 plan.")
        plan.initiatives[initiative_index].indicators.append(indicator)
    return _design_change(engine, code, actor, 2, "added indicator", apply, **kw)


def add_budget_line(engine: Engine, code: str, level: int, line: BudgetLine, actor: Actor = LOCAL_USER,
                    **kw) -> WorkflowState:
    return _design_change(engine, code, actor, level, "added budget line",
                          lambda plan: plan.budget_lines.append(line), **kw)


def record_plan_approval(engine: Engine, code: str, level: int, approval: PlanApproval,
                         actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    """Record steps of the approval chain; fields left empty keep what was recorded before."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        plan = _plan(rec, level)
        plan.approval = PlanApproval(**(plan.approval.model_dump() | approval.model_dump(exclude_none=True)))
        if plan.approval.approved_by_audit_programme_on is not None:
            gaps = [m.text for m in plan_design_gaps(plan)]
            _require(not gaps, "The audit programme approves a complete plan; still missing: " + "; ".join(gaps))
    return _change(engine, code, actor, f"recorded Level {level} plan approval", mutate, min_step=3, **kw)


# --- Step 4 --------------------------------------------------------------------------------------

def _approved_plan(rec: IncidentRecord, level: int) -> Plan:
    plan = _plan(rec, level)
    _require(plan.approval.approved_by_audit_programme_on is not None,
             f"The Level {level} plan must be approved by the audit programme first.")
    return plan


def _implementation_change(engine, code, actor, level, action, apply, *, needs_start=True, **kw):
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        plan = _approved_plan(rec, level)
        if needs_start:
            _require(plan.implementation_started_on is not None,
                     f"Implementation of the Level {level} plan has not started yet.")
        apply(plan)
    return _change(engine, code, actor, action, mutate, min_step=4, **kw)


def add_funding(engine: Engine, code: str, level: int, funding: Funding, actor: Actor = LOCAL_USER,
                **kw) -> WorkflowState:
    return _implementation_change(engine, code, actor, level, "added funding",
                                  lambda plan: plan.funding.append(funding), needs_start=False, **kw)


def start_implementation(engine: Engine, code: str, level: int, started_on: date, actor: Actor = LOCAL_USER,
                         **kw) -> WorkflowState:
    def apply(plan: Plan) -> None:
        _require(plan.pledged >= plan.budget,
                 f"Implementation starts once funding is secured ({cite('implementation_after_funding')}): "
                 f"{plan.pledged:,.2f} of {plan.budget:,.2f} {plan.currency} pledged.")
        plan.implementation_started_on = started_on
    return _implementation_change(engine, code, actor, level, f"started Level {level} implementation", apply,
                                  needs_start=False, **kw)


def add_expenditure(engine: Engine, code: str, level: int, expenditure: Expenditure, actor: Actor = LOCAL_USER,
                    **kw) -> WorkflowState:
    return _implementation_change(engine, code, actor, level, "added expenditure",
                                  lambda plan: plan.expenditures.append(expenditure), **kw)


def add_monitoring_report(engine: Engine, code: str, level: int, report: MonitoringReport,
                          actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    return _implementation_change(engine, code, actor, level, "added monitoring report",
                                  lambda plan: plan.monitoring_reports.append(report), **kw)


def add_measurement(engine: Engine, code: str, initiative_index: int, indicator_index: int,
                    measurement: Measurement, actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    def apply(plan: Plan) -> None:
        _require(0 <= initiative_index < len(plan.initiatives), "No such initiative in the Level 2 plan.")
        indicators = plan.initiatives[initiative_index].indicators
        _require(0 <= indicator_index < len(indicators), "No such indicator in that initiative.")
        indicators[indicator_index].measurements.append(measurement)
        indicators[indicator_index].measurements.sort(key=lambda m: m.measured_on)
    return _implementation_change(engine, code, actor, 2, "added indicator measurement", apply, **kw)


# --- Step 5 --------------------------------------------------------------------------------------

def record_plan_closure(engine: Engine, code: str, level: int, evidence: PlanClosure, actor: Actor = LOCAL_USER,
                        **kw) -> WorkflowState:
    """Record closure evidence for a plan; fields left empty keep what was recorded before."""
    def apply(plan: Plan) -> None:
        plan.closure = PlanClosure(**(plan.closure.model_dump() | evidence.model_dump(exclude_none=True,
                                                                                     exclude_defaults=True)))
    return _implementation_change(engine, code, actor, level, f"recorded Level {level} closure evidence",
                                  apply, **kw)


def record_closure(engine: Engine, code: str, closure: Closure, actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    """Record the audit programme's verification and closure report, and the company's closing."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        merged = Closure(**(rec.closure.model_dump() | closure.model_dump(exclude_none=True)))
        if merged.verified_by_audit_programme_on is not None:
            evidence_gaps = [m.text for plan in rec.plans for m in plan_closure_gaps(plan)[0]]
            if rec.closure.verified_by_audit_programme_on is None and (gap := coverage_gap(rec)) is not None:
                evidence_gaps.append(gap)
            _require(not evidence_gaps, "The audit programme verifies once the closure evidence is complete: "
                     + "; ".join(evidence_gaps))
            if rec.closure.verified_by_audit_programme_on is None:
                disagreements = unexplained_disagreements(rec)
                _require(not disagreements,
                         "verified_by_audit_programme_on: the declared closure answers disagree with the recorded "
                         "figures — " + "; ".join(disagreements) + ". Record an explanation with the Level 2 "
                         "plan's closure evidence before the audit programme verifies "
                         f"({cite('level2_closure_evidence')}).")
        error = merged.order_error()
        _require(error is None, f"{error}.")
        rec.closure = merged
    return _change(engine, code, actor, "recorded closure", mutate, min_step=5, **kw)


# --- Step 6 --------------------------------------------------------------------------------------

def record_lessons(engine: Engine, code: str, lessons: Lessons, actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    """Lessons are captured throughout and formally at closure (guideline lines 1433-1436)."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        # The review's action items have services of their own: a review recorded again keeps them.
        keep = rec.lessons.actions if rec.lessons is not None and not lessons.actions else lessons.actions
        rec.lessons = lessons.model_copy(update={"actions": list(keep)})
    return _change(engine, code, actor, "recorded lessons learned", mutate, min_step=3, allow_closed=True, **kw)



# --- corrections ---------------------------------------------------------------------------------

CORRECTABLE_DATES: dict[str, str] = {
    # fact -> what it is; "plan_*" facts take the plan's level
    "date_received": "the date the allegation was received",
    "credibility": "the credibility decision",
    "actionability": "the actionability decision",
    "ap_notice": "the audit programme's notification",
    "substantiation": "the finding on substantiation",
    "corrective_action": "the corrective action",
    "smelter_notice": "the notification of the smelter/refiner",
    "plan_designed": "the plan's design date",
    "plan_approved": "the audit programme's approval of the plan",
    "plan_implementation_started": "the start of the plan's implementation",
    "plan_final_report": "the facilitator's final report",
    "verified": "the audit programme's verification",
    "closure_report": "the closure report",
    "closed": "the closing of the incident",
    "lessons": "the lessons learned review",
}


def _date_slot(rec: IncidentRecord, fact: str, level: int | None):
    """The object and attribute that hold ``fact``'s date in ``rec`` (None where nothing is recorded)."""
    v, r, c = rec.verification, rec.response, rec.closure
    if fact.startswith("plan_"):
        plan = rec.plan(level) if level in (1, 2) else None
        if plan is None:
            raise Refused(f"level: there is no Level {level} plan to correct" if level in (1, 2)
                          else "level: say which plan (Level 1 or 2) the date belongs to")
        return {"plan_designed": (plan, "designed_on"),
                "plan_approved": (plan.approval, "approved_by_audit_programme_on"),
                "plan_implementation_started": (plan, "implementation_started_on"),
                "plan_final_report": (plan.closure, "final_report_on")}[fact]
    return {"date_received": (rec.incident, "date_received"),
            "credibility": (v.credibility, "decided_on"), "actionability": (v.actionability, "decided_on"),
            "ap_notice": (v.notice, "notified_on"), "substantiation": (v.substantiation, "decided_on"),
            "corrective_action": (r.corrective_action, "decided_on"), "smelter_notice": (r.smelter_notice, "notified_on"),
            "verified": (c, "verified_by_audit_programme_on"), "closure_report": (c, "closure_report_on"),
            "closed": (c, "closed_on"), "lessons": (rec.lessons, "reviewed_on")}[fact]


def correct_date(engine: Engine, code: str, fact: str, new_date: date, actor: Actor = LOCAL_USER,
                 level: int | None = None, **kw) -> WorkflowState:
    """Correct the date of a fact already recorded (a typo found later), closed incidents included. The dates
    must stay in the guideline's order; the audit entry keeps the old and the new date. A correction inside a
    locked reporting period does not change its published figures: it shows as a restatement."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _require(fact in CORRECTABLE_DATES, f"fact: {fact!r} is not a date that can be corrected; choose from "
                 + ", ".join(CORRECTABLE_DATES))
        holder, name = _date_slot(rec, fact, level)
        _require(holder is not None and getattr(holder, name) is not None,
                 f"fact: {CORRECTABLE_DATES[fact]} is not recorded on {code}; record it, not correct it")
        _require(new_date <= date.today(), f"new_date: {new_date.isoformat()} is in the future; record only what "
                 "has happened")
        setattr(holder, name, new_date)
    label = CORRECTABLE_DATES.get(fact, fact)
    return _change(engine, code, actor, f"corrected {label}"[:80], mutate, min_step=1, allow_closed=True, **kw)



# --- checks over a whole database --------------------------------------------------------------------

def dates_out_of_order(engine: Engine, today: date | None = None, batch: int = 2000) -> list[tuple[str, list[str]]]:
    """Every stored incident whose dates break the guideline's order (:mod:`remediation.domain.chronology`), with
    its messages, by code. Reads only: a record stored before the rule existed is listed, never changed."""
    out: list[tuple[str, list[str]]] = []
    with engine.connect() as conn:
        ids = list(conn.execute(select(t.incidents.c.id).order_by(t.incidents.c.code)).scalars())
        for i in range(0, len(ids), batch):
            chunk = ids[i:i + batch]
            records = load_records(conn, chunk)
            for incident_id in chunk:
                found = violations(records[incident_id], today)
                if found:
                    out.append((records[incident_id].incident.code, [v.message for v in found]))
    return out
