"""The six-step workflow gates of ``remediation.domain.workflow.evaluate``, on records built here.

:func:`advance` builds a fully valid :class:`IncidentRecord` with everything recorded up to (and
including) one event of :data:`EVENTS`; each test then changes only what it is about. The incident
is linked to the smelter/refiner through current trading, so Level 1 is mandatory and Level 2
recommended (DOMAIN.md, Step 2), and both plans are designed. All dates are fixed in 2024-2025 and
``evaluate`` is always given ``today=TODAY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from remediation.domain.models import (
    Actionability,
    AssessmentRecord,
    AuditProgrammeNotice,
    BudgetLine,
    CasePlan,
    CorrectiveAction,
    Credibility,
    Funding,
    IncidentIn,
    IncidentRecord,
    Indicator,
    Initiative,
    Lessons,
    Measurement,
    MonitoringReport,
    Plan,
    SmelterNotice,
    Substantiation,
)
from remediation.domain.workflow import WorkflowState, evaluate, tracker

TODAY = date(2025, 4, 1)  # within 12 months of the start: no monitoring-window flag

# --- the dates of the standard path --------------------------------------------------------------

D = {
    "incident": date(2024, 1, 10),
    "received": date(2024, 2, 1),
    "credibility": date(2024, 2, 10),
    "actionability": date(2024, 2, 15),
    "ap_notice": date(2024, 2, 20),
    "substantiation": date(2024, 3, 15),
    "assessment": date(2024, 3, 20),
    "corrective_action": date(2024, 3, 25),
    "sr_notice": date(2024, 4, 1),
    "designed_l1": date(2024, 4, 20),
    "designed_l2": date(2024, 4, 25),
    "rf_submit": date(2024, 5, 10),
    "sr_submit": date(2024, 5, 15),
    "ap_approve_l1": date(2024, 5, 30),
    "ap_approve_l2": date(2024, 6, 5),  # the later approval opens Step 4
    "funding": date(2024, 6, 10),
    "implementation_start": date(2024, 6, 15),
    "monitoring_end": date(2024, 12, 31),  # 6.5 months of monitoring: no warning
    "monitoring_received": date(2025, 1, 10),
    "measured": date(2025, 1, 5),
    "final_report_l1": date(2025, 1, 20),
    "final_report_l2": date(2025, 1, 31),  # the later final report opens Step 5
    "referral_confirmed": date(2025, 2, 5),
    "financial_report": date(2025, 2, 10),
    "ap_verification": date(2025, 2, 20),
    "closure_report": date(2025, 3, 1),
    "dc_closes": date(2025, 3, 10),
    "lessons": date(2025, 3, 20),
}

L1_COST = Decimal("40000")
L2_COST = Decimal("60000")


# --- the events, in order, and what each one satisfies ------------------------------------------

@dataclass(frozen=True)
class Event:
    name: str
    step: int  # the step after this event
    status: str  # the status after this event
    entered_on: date  # step_entered_on after this event
    satisfies: str  # a fragment of the missing item this event records …
    owed_by: str  # … and the role that owes it (DOMAIN.md)
    warnings: tuple[str, ...] = ()  # the warnings after this event


EVENTS: list[Event] = [
    Event("credibility", 1, "open", D["received"],
          "Decide whether the allegation is credible", "downstream_company"),
    Event("actionability", 1, "open", D["received"],
          "Decide whether the allegation is actionable", "downstream_company"),
    Event("ap_notice", 1, "open", D["received"],
          "Notify the audit programme", "downstream_company"),
    Event("substantiation", 2, "open", D["substantiation"],
          "decide whether the allegation is substantiated", "audit_programme"),
    Event("assessment", 2, "open", D["substantiation"],
          "Assess the level of response", "audit_programme"),
    Event("corrective_action", 2, "open", D["substantiation"],
          "corrective action", "audit_programme"),
    Event("sr_notice", 3, "open", D["sr_notice"],
          "Notify the smelter/refiner", "audit_programme",
          warnings=("Level 2 is recommended and has no plan.",)),  # until the plans are opened
    Event("plans", 3, "open", D["sr_notice"],
          "Design the Level 1 plan: Level 1 is mandatory", "remediation_facilitator"),
    Event("rf_submit", 3, "open", D["sr_notice"],
          "Level 1 plan: submit the final plan to the smelter/refiner", "remediation_facilitator"),
    Event("sr_submit", 3, "open", D["sr_notice"],
          "Level 1 plan: submit the plan to the audit programme", "smelter_refiner"),
    Event("ap_approve", 4, "open", D["ap_approve_l2"],
          "Level 1 plan: review and approve the plan", "audit_programme"),
    Event("funding", 4, "open", D["ap_approve_l2"],
          "Level 1 plan: secure funding", "smelter_refiner"),
    Event("implementation_start", 4, "open", D["ap_approve_l2"],
          "Level 1 plan: start implementation", "remediation_facilitator"),
    Event("monitoring_report", 4, "open", D["ap_approve_l2"],
          "Level 1 plan: a monitoring report", "remediation_facilitator"),
    Event("final_report_l1", 4, "open", D["ap_approve_l2"],
          "Level 1 plan: the facilitator's final report", "remediation_facilitator"),
    Event("measurements", 4, "open", D["ap_approve_l2"],
          "Level 2 plan: a measurement of every performance indicator", "remediation_facilitator"),
    Event("final_report_l2", 5, "open", D["final_report_l2"],
          "Level 2 plan: the facilitator's final report", "remediation_facilitator"),
    Event("plan_closure", 5, "open", D["final_report_l2"],
          "Level 1 plan: a financial report", "remediation_facilitator"),
    Event("ap_verification", 5, "open", D["final_report_l2"],
          "Verify that the remediation action plan was satisfactorily completed", "audit_programme"),
    Event("closure_report", 5, "open", D["final_report_l2"],
          "Send the closure report", "audit_programme"),
    Event("dc_closes", 6, "closed_remediated", D["dc_closes"],
          "Close the incident on the audit programme's recommendation", "downstream_company"),
    Event("lessons", 6, "closed_remediated", D["dc_closes"],
          "Capture lessons learned", "downstream_company"),
]
EVENT_NAMES = [e.name for e in EVENTS]


# --- the builder ---------------------------------------------------------------------------------

def incident_in(**changes) -> IncidentIn:
    fields = dict(
        code="INC-2024-001", title="Debt bondage of ore carriers at Kanyama", mineral="tin",
        country="Democratic Republic of the Congo", site="Kanyama", smelter_refiner="Kestrel Tin Smelting",
        audit_programme="rmi_rmap", violation_types=["debt_bondage"], allegation_source="Worker hotline report",
        date_received=D["received"], incident_date=D["incident"], affected_persons=6, children_affected=1,
    )
    fields.update(changes)
    return IncidentIn(**fields)


def assessment(level1: str = "mandatory", level2: str = "recommended", on: date = D["assessment"],
               scenario: str = "current_trading") -> AssessmentRecord:
    return AssessmentRecord(assessed_on=on, scenario=scenario, level1=level1, level2=level2, severe=True,
                            recent=None, treated_as_current=False, policy_version=1,
                            reasons=["Current trading (test)."])


def case_plan(code: str = "V-001", age_group: str = "adult") -> CasePlan:
    return CasePlan(victim_code=code, age_group=age_group, assistance_types=["medical_health_counselling", "legal"],
                    provider="Haven Shelter Collective", referral_date=D["designed_l1"],
                    guardian_consent=True if age_group == "child" else None)


def initiative(with_indicator: bool = True) -> Initiative:
    indicators = [Indicator(name="Children enrolled in school", kind="quantitative", unit="children",
                            baseline_value=0, baseline_date=D["designed_l2"], target_value=40,
                            target_date=date(2025, 6, 30))] if with_indicator else []
    return Initiative(title="Programme for children left behind", kind="contextual_factors",
                      expected_result="40 children of miners enrolled in school by June 2025",
                      due_date=date(2025, 6, 30), indicators=indicators)


def level1_plan() -> Plan:
    return Plan(level=1, facilitator="Safe Passage Network", facilitator_type="local_ngo", currency="USD",
                estimated_cost=L1_COST, designed_on=D["designed_l1"],
                victim_service_coordinator="Provincial Social Welfare Office",
                case_plans=[case_plan("V-001"), case_plan("V-002", "child")])


def level2_plan() -> Plan:
    return Plan(level=2, facilitator="Bridgeway Remediation Partners", facilitator_type="international_ngo",
                currency="USD", estimated_cost=L2_COST, designed_on=D["designed_l2"], initiatives=[initiative()])


def _apply(rec: IncidentRecord, event: str) -> None:
    v, r, c = rec.verification, rec.response, rec.closure
    if event == "credibility":
        v.credibility = Credibility(credible=True, decided_on=D["credibility"])
    elif event == "actionability":
        v.actionability = Actionability(actionable=True, decided_on=D["actionability"])
    elif event == "ap_notice":
        v.notice = AuditProgrammeNotice(notified_on=D["ap_notice"])
    elif event == "substantiation":
        v.substantiation = Substantiation(substantiated=True, decided_on=D["substantiation"], trading_link="current")
        rec.incident.trading_link = "current"
    elif event == "assessment":
        rec.assessments.append(assessment())
    elif event == "corrective_action":
        r.corrective_action = CorrectiveAction(description="Enhanced due diligence on the Kanyama supplier",
                                               decided_on=D["corrective_action"])
    elif event == "sr_notice":
        r.smelter_notice = SmelterNotice(notified_on=D["sr_notice"])
    elif event == "plans":
        rec.plans = [level1_plan(), level2_plan()]
    elif event == "rf_submit":
        for p in rec.plans:
            p.approval.submitted_by_facilitator_on = D["rf_submit"]
    elif event == "sr_submit":
        for p in rec.plans:
            p.approval.submitted_by_smelter_on = D["sr_submit"]
    elif event == "ap_approve":
        for p in rec.plans:
            p.approval.approved_by_audit_programme_on = D[f"ap_approve_l{p.level}"]
    elif event == "funding":
        for p in rec.plans:
            p.funding.append(Funding(source="smelter_refiner", funder="Kestrel Tin Smelting",
                                     pledged=p.estimated_cost, pledged_on=D["funding"]))
    elif event == "implementation_start":
        for p in rec.plans:
            p.implementation_started_on = D["implementation_start"]
    elif event == "monitoring_report":
        for p in rec.plans:
            p.monitoring_reports.append(MonitoringReport(
                period_start=D["implementation_start"], period_end=D["monitoring_end"],
                received_on=D["monitoring_received"]))
    elif event == "final_report_l1":
        rec.plan(1).closure.final_report_on = D["final_report_l1"]
    elif event == "measurements":
        for i in rec.plan(2).initiatives:
            for ind in i.indicators:
                ind.measurements.append(Measurement(measured_on=D["measured"], value=40))  # the target: met
    elif event == "final_report_l2":
        rec.plan(2).closure.final_report_on = D["final_report_l2"]
    elif event == "plan_closure":
        for p in rec.plans:
            p.closure.financial_report_on = D["financial_report"]
        pc1 = rec.plan(1).closure
        pc1.referral_confirmed_on = D["referral_confirmed"]
        pc1.assistance_summary = "Two victims referred; medical care and legal counselling provided."
        pc1.coverage_shortfall_reason = "declined_assistance"  # 2 case plans for 6 affected persons
        pc2 = rec.plan(2).closure
        pc2.outcomes_verified = pc2.completed_on_time = pc2.within_budget = True
        pc2.objectives_met = pc2.monitoring_documented = True
    elif event == "ap_verification":
        c.verified_by_audit_programme_on = D["ap_verification"]
    elif event == "closure_report":
        c.closure_report_on = D["closure_report"]
        c.recommend_close = True
    elif event == "dc_closes":
        c.closed_on = D["dc_closes"]
    elif event == "lessons":
        rec.lessons = Lessons(reviewed_on=D["lessons"], objectives_met="yes", victims_satisfied="partly",
                              communities_benefited="yes", budget_sufficient="yes")
    else:  # pragma: no cover - a typo in a test
        raise KeyError(event)


def advance(until: str | None) -> IncidentRecord:
    """A valid record with every event of :data:`EVENTS` up to and including ``until`` recorded
    (``None``: intake only). The result is validated again as a whole."""
    rec = IncidentRecord(incident=incident_in())
    if until is not None:
        for name in EVENT_NAMES[:EVENT_NAMES.index(until) + 1]:
            _apply(rec, name)
            rec = revalidate(rec)
    return rec


def revalidate(rec: IncidentRecord) -> IncidentRecord:
    return IncidentRecord.model_validate(rec.model_dump())


def ev(rec: IncidentRecord) -> WorkflowState:
    return evaluate(revalidate(rec), today=TODAY)


def missing_texts(state: WorkflowState) -> list[str]:
    return [m.text for m in state.missing]


# --- every transition ----------------------------------------------------------------------------

def test_intake_waits_for_the_credibility_decision():
    state = ev(advance(None))
    assert (state.step, state.status, state.step_entered_on) == (1, "open", D["received"])
    assert EVENTS[0].satisfies in state.waiting_for
    assert state.owed_by == "downstream_company"


@pytest.mark.parametrize("i", range(len(EVENTS)), ids=EVENT_NAMES)
def test_each_event_moves_the_incident_on(i):
    event = EVENTS[i]
    state = ev(advance(event.name))
    assert (state.step, state.status) == (event.step, event.status)
    assert state.step_entered_on == event.entered_on
    assert state.warnings == list(event.warnings)
    if i + 1 < len(EVENTS):
        following = EVENTS[i + 1]
        # a report the chain holds up past the cadence comes first (what the incident waits for); the path's next
        # event is the first item after those, unless one of them is that need (a plan's first monitoring report,
        # overdue): then it is said once, with its due date, and not again after them
        late = [m for m in state.missing if "a monitoring report from the" in m.text]
        assert state.missing[:len(late)] == late, state.missing
        said = [m for m in late if m.text.lower().startswith(following.satisfies.lower())]
        after = said[0] if said else state.missing[len(late)]
        if said:  # the generic item ("Level 1 plan: a monitoring report") does not follow its overdue hop
            assert not [m for m in state.missing[len(late):]
                        if m.text.lower().startswith(following.satisfies.lower())], state.missing
        assert following.satisfies.lower() in after.text.lower(), state.missing
        assert after.role == following.owed_by, after
        assert all(m.step == state.step for m in state.missing)
        assert not state.complete
    else:
        assert state.missing == []
        assert state.complete


def test_the_event_table_is_in_the_order_of_the_steps():
    steps = [e.step for e in EVENTS]
    assert steps == sorted(steps)
    assert set(steps) == {1, 2, 3, 4, 5, 6}


def test_step_1_lists_everything_still_owed_with_its_role():
    state = ev(advance(None))
    assert [m.role for m in state.missing] == [
        "downstream_company", "downstream_company", "downstream_company", "audit_programme"]


@pytest.mark.parametrize("missing_event, text, role", [
    ("assessment", "Assess the level of response", "audit_programme"),
    ("corrective_action", "corrective action", "audit_programme"),
    ("sr_notice", "Notify the smelter/refiner", "audit_programme"),
])
def test_each_step_2_gate_alone_holds_the_incident_at_step_2(missing_event, text, role):
    rec = advance("sr_notice")
    if missing_event == "assessment":
        rec.assessments = []
    elif missing_event == "corrective_action":
        rec.response.corrective_action = None
    else:
        rec.response.smelter_notice = None
    state = ev(rec)
    assert state.step == 2 and state.is_open
    assert len(state.missing) == 1
    assert text in state.waiting_for and state.owed_by == role


# --- Step 3: each design gap of a plan, owed by the right role ----------------------------------

def _without_case_plans(rec):
    rec.plan(1).case_plans = []


def _without_initiatives(rec):
    rec.plan(2).initiatives = []


def _initiative_without_indicator(rec):
    rec.plan(2).initiatives = [initiative(with_indicator=False)]


def _level1_cost_not_estimated(rec):
    rec.plan(1).estimated_cost = Decimal(0)


@pytest.mark.parametrize("change, text, role", [
    (_without_case_plans, "Level 1 plan: a case-management plan for each identified victim",
     "victim_service_coordinator"),
    (_without_initiatives, "Level 2 plan: at least one initiative", "remediation_facilitator"),
    (_initiative_without_indicator, "Level 2 plan: a performance indicator for every initiative",
     "remediation_facilitator"),
    (_level1_cost_not_estimated, "Level 1 plan: estimate its costs", "remediation_facilitator"),
], ids=["case plans", "initiatives", "indicators", "cost"])
def test_an_approved_chain_does_not_hide_a_design_gap(change, text, role):
    rec = advance("ap_approve")
    change(rec)
    state = ev(rec)
    assert (state.step, state.status) == (3, "open")
    assert len(state.missing) == 1
    assert state.waiting_for.startswith(text)
    assert state.owed_by == role


def test_budget_lines_count_as_a_cost_estimate():
    rec = advance("ap_approve")
    rec.plan(1).estimated_cost = Decimal(0)
    rec.plan(1).budget_lines = [BudgetLine(category="Medical care", amount=Decimal("40000"))]
    state = ev(rec)
    assert not any("estimate its costs" in t for t in missing_texts(state))


def test_a_plan_costed_by_budget_lines_still_waits_for_funding():
    """Regression: funding was compared with the estimate only, so a plan costed by its lines ran unfunded."""
    rec = advance("ap_approve")
    rec.plan(1).estimated_cost = Decimal(0)
    rec.plan(1).budget_lines = [BudgetLine(category="Medical care", amount=Decimal("40000"))]
    state = ev(rec)
    assert state.step == 4
    assert "Level 1 plan: secure funding" in state.waiting_for
    assert state.owed_by == "smelter_refiner"


# --- every closed outcome ------------------------------------------------------------------------

def test_not_credible_is_closed_at_step_1():
    rec = advance(None)
    rec.verification.credibility = Credibility(credible=False, decided_on=D["credibility"])
    state = ev(rec)
    assert (state.step, state.status) == (1, "closed_not_credible")
    assert state.step_entered_on == D["credibility"]
    assert not state.is_open and state.missing == [] and state.complete
    assert state.closed_reason


def test_credible_but_not_actionable_is_closed_at_step_1():
    rec = advance("credibility")
    rec.verification.actionability = Actionability(actionable=False, decided_on=D["actionability"])
    state = ev(rec)
    assert (state.step, state.status) == (1, "closed_not_actionable")
    assert state.step_entered_on == D["actionability"]
    assert not state.is_open and state.missing == [] and state.complete


def test_unsubstantiated_is_closed_at_step_1():
    rec = advance("ap_notice")
    rec.verification.substantiation = Substantiation(substantiated=False, decided_on=D["substantiation"])
    state = ev(rec)
    assert (state.step, state.status) == (1, "closed_unsubstantiated")
    assert state.step_entered_on == D["substantiation"]
    assert not state.is_open and state.missing == [] and state.complete


def test_closed_after_remediation_still_owes_lessons_until_they_are_recorded():
    state = ev(advance("dc_closes"))
    assert (state.step, state.status) == (6, "closed_remediated")
    assert not state.is_open
    assert not state.complete
    assert len(state.missing) == 1
    assert "Capture lessons learned" in state.waiting_for
    assert state.owed_by == "downstream_company"

    done = ev(advance("lessons"))
    assert (done.step, done.status) == (6, "closed_remediated")
    assert done.complete and done.missing == []


def test_lessons_recorded_early_do_not_close_an_open_incident():
    rec = advance("closure_report")
    _apply(rec, "lessons")
    state = ev(rec)
    assert (state.step, state.status) == (5, "open")
    assert "Close the incident" in state.waiting_for


# --- step_entered_on -----------------------------------------------------------------------------

def test_step_3_is_entered_on_the_last_of_its_three_step_2_gates():
    rec = advance("sr_notice")
    rec.response.corrective_action.decided_on = date(2024, 4, 10)  # after the smelter notice
    state = ev(rec)
    assert state.step == 3
    assert state.step_entered_on == date(2024, 4, 10)


def test_step_entered_on_follows_each_opening_event_date():
    """Moving an opening event's date moves step_entered_on with it (not a constant of the builder)."""
    rec = advance("dc_closes")
    rec.closure.closed_on = date(2025, 4, 2)
    assert ev(rec).step_entered_on == date(2025, 4, 2)

    rec = advance("substantiation")
    rec.verification.substantiation.decided_on = date(2024, 3, 1)
    assert ev(rec).step_entered_on == date(2024, 3, 1)

    rec = advance("ap_approve")
    rec.plan(1).approval.approved_by_audit_programme_on = date(2024, 6, 20)
    assert ev(rec).step_entered_on == date(2024, 6, 20)

    rec = advance("final_report_l2")
    rec.plan(1).closure.final_report_on = date(2025, 2, 3)
    assert ev(rec).step_entered_on == date(2025, 2, 3)


# --- Level rules drive Step 3 --------------------------------------------------------------------

def _level2_only(rec: IncidentRecord) -> IncidentRecord:
    rec.plans = [p for p in rec.plans if p.level == 2]
    return rec


def test_a_mandatory_level_1_without_a_level_1_plan_holds_step_3():
    rec = _level2_only(advance("ap_approve"))  # the Level 2 plan is complete and approved
    state = ev(rec)
    assert (state.step, state.status) == (3, "open")
    assert missing_texts(state) == ["Design the Level 1 plan: Level 1 is mandatory"]
    assert state.owed_by == "remediation_facilitator"


def test_a_mandatory_level_2_without_a_level_2_plan_holds_step_3():
    rec = advance("ap_approve")
    rec.assessments = [assessment(level1="recommended", level2="mandatory")]
    rec.plans = [p for p in rec.plans if p.level == 1]
    state = ev(rec)
    assert state.step == 3
    assert missing_texts(state) == ["Design the Level 2 plan: Level 2 is mandatory"]


def test_with_both_levels_recommended_one_plan_suffices_and_the_other_level_is_a_warning():
    rec = _level2_only(advance("ap_approve"))
    rec.assessments = [assessment(level1="recommended", level2="recommended", scenario="past_other")]
    state = ev(rec)
    assert (state.step, state.status) == (4, "open")
    assert not any("Level 1" in t for t in missing_texts(state))
    assert any("Level 1 is recommended and has no plan" in w for w in state.warnings), state.warnings
    assert not any("Level 2 is recommended" in w for w in state.warnings)


def test_with_both_levels_recommended_and_no_plan_at_least_one_plan_is_owed():
    rec = advance("sr_notice")
    rec.assessments = [assessment(level1="recommended", level2="recommended", scenario="past_other")]
    state = ev(rec)
    assert state.step == 3
    assert "Design at least one remediation action plan" in state.waiting_for
    assert state.owed_by == "remediation_facilitator"
    assert len(state.warnings) == 2


def test_a_level_not_required_gives_no_warning():
    rec = _level2_only(advance("ap_approve"))
    rec.assessments = [assessment(level1="not_required", level2="recommended", scenario="past_other")]
    state = ev(rec)
    assert state.step == 4
    assert state.warnings == []


def test_the_assessment_recorded_last_counts_whatever_its_date():
    """Issue #12: the order of recording decides which assessment is in force, not the calendar date (a
    same-day re-assessment replaces the first; the chronology keeps recorded assessments in date order)."""
    mandatory = assessment(level1="mandatory", level2="recommended", on=date(2024, 3, 20))
    recommended = assessment(level1="recommended", level2="recommended", on=date(2024, 3, 20),
                             scenario="past_other")
    rec = _level2_only(advance("ap_approve"))
    rec.assessments = [recommended, mandatory]
    state = ev(rec)
    assert state.step == 3 and "Design the Level 1 plan" in state.waiting_for
    # the same day, recorded after: Level 1 only recommended, which releases Step 3
    rec.assessments = [mandatory, recommended]
    assert rec.latest_assessment is recommended
    assert ev(rec).step == 4


# --- advisory gates give warnings, not blocks ----------------------------------------------------

def _short_monitoring(rec: IncidentRecord, period_end: date) -> IncidentRecord:
    for p in rec.plans:
        p.monitoring_reports = [MonitoringReport(period_start=D["implementation_start"], period_end=period_end,
                                                 received_on=period_end)]
        p.closure.final_report_on = period_end
    for i in rec.plan(2).initiatives:
        for ind in i.indicators:
            ind.measurements = [Measurement(measured_on=period_end, value=25)]
    return rec


def test_monitoring_shorter_than_6_months_is_a_warning_not_a_block():
    rec = _short_monitoring(advance("final_report_l2"), date(2024, 10, 15))  # 4 months after the start
    state = ev(rec)
    assert (state.step, state.status) == (5, "open")
    assert all(m.step == 5 for m in state.missing)  # nothing of Step 4 (monitoring) holds it back
    assert len(state.warnings) == 2  # one per plan
    assert all("6-12 months" in w for w in state.warnings), state.warnings
    assert any(w.startswith("Level 1 plan") for w in state.warnings)


def test_six_full_months_of_monitoring_gives_no_warning():
    rec = _short_monitoring(advance("final_report_l2"), date(2024, 12, 15))  # exactly 6 months
    state = ev(rec)
    assert state.step == 5
    assert state.warnings == []


def test_short_monitoring_still_closes_with_the_warning():
    rec = advance("lessons")
    rec = _short_monitoring(rec, date(2024, 10, 15))
    state = ev(rec)
    assert state.complete
    assert any("6-12 months" in w for w in state.warnings)


def test_implementation_started_without_a_report_is_measured_up_to_today():
    rec = advance("implementation_start")
    state = ev(rec)
    assert state.warnings == []  # 2024-06-15 to TODAY is far more than 6 months
    near = evaluate(revalidate(rec), today=date(2024, 9, 1))
    assert any("6-12 months" in w for w in near.warnings)


@pytest.mark.parametrize("answer", ["outcomes_verified", "completed_on_time", "within_budget",
                                    "objectives_met", "monitoring_documented"])
def test_a_negative_level_2_closure_answer_is_a_warning_not_a_missing_item(answer):
    rec = advance("plan_closure")
    setattr(rec.plan(2).closure, answer, False)
    state = ev(rec)
    assert (state.step, state.status) == (5, "open")
    assert "Verify that the remediation action plan" in state.waiting_for  # the plan's evidence is complete
    assert state.owed_by == "audit_programme"
    assert not any("Level 2 plan" in t for t in missing_texts(state))
    assert state.warnings[0] == f"Level 2 plan: not {answer.replace('_', ' ')}."
    if answer in ("completed_on_time", "within_budget", "objectives_met"):  # the figures say yes (issue #12)
        assert len(state.warnings) == 2 and "declared no; the figures:" in state.warnings[1]
        assert "an explanation is needed before the audit programme verifies" in state.warnings[1]
    else:
        assert len(state.warnings) == 1


def test_an_unanswered_level_2_closure_question_is_a_missing_item():
    rec = advance("plan_closure")
    rec.plan(2).closure.within_budget = None
    state = ev(rec)
    assert state.step == 5
    assert missing_texts(state) == ["Level 2 plan: document its main outcomes (within budget)",
                                    *missing_texts(ev(advance("plan_closure")))]
    assert state.owed_by == "remediation_facilitator"


@pytest.mark.parametrize("field, value, text, role", [
    ("financial_report_on", None, "Level 1 plan: a financial report", "remediation_facilitator"),
    ("referral_confirmed_on", None, "Level 1 plan: document the referral to the victim service coordinator",
     "smelter_refiner"),
    ("assistance_summary", "", "Level 1 plan: a brief summary of the assistance provided", "smelter_refiner"),
])
def test_each_level_1_closure_item_is_owed_by_the_right_role(field, value, text, role):
    rec = advance("plan_closure")
    setattr(rec.plan(1).closure, field, value)
    state = ev(rec)
    assert state.step == 5
    assert state.waiting_for.startswith(text)
    assert state.owed_by == role


def test_a_closure_report_without_a_recommendation_to_close_is_not_enough():
    rec = advance("closure_report")
    rec.closure.recommend_close = False
    state = ev(rec)
    assert state.step == 5
    assert "Recommend closing the incident" in state.waiting_for
    assert state.owed_by == "audit_programme"


# --- funding -------------------------------------------------------------------------------------

def test_funding_below_the_estimated_cost_keeps_step_4_waiting_for_the_smelter_refiner():
    rec = advance("final_report_l2")  # everything else of Step 4 is recorded
    rec.plan(1).funding[0].pledged = L1_COST - Decimal("0.01")
    state = ev(rec)
    assert (state.step, state.status) == (4, "open")
    assert state.waiting_for.startswith("Level 1 plan: secure funding")
    assert state.owed_by == "smelter_refiner"
    assert len(state.missing) == 1


def test_pledges_from_several_funders_add_up():
    rec = advance("final_report_l2")
    rec.plan(1).funding = [
        Funding(source="smelter_refiner", funder="Kestrel Tin Smelting", pledged=Decimal("25000"),
                pledged_on=D["funding"]),
        Funding(source="downstream_company", funder="Brand Co", pledged=Decimal("15000"), pledged_on=D["funding"]),
    ]
    assert ev(rec).step == 5
    rec.plan(1).funding[1].pledged = Decimal("14999")
    assert ev(rec).step == 4


# --- the step tracker ----------------------------------------------------------------------------

def test_tracker_for_an_open_incident():
    marks = [mark for _, _, mark in tracker(ev(advance("sr_notice")))]
    assert marks == ["done", "done", "current", "pending", "pending", "pending"]
    assert [n for n, _, _ in tracker(ev(advance(None)))] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("until, decision", [
    (None, "not credible"), ("credibility", "not actionable"), ("ap_notice", "unsubstantiated")])
def test_tracker_for_a_step_1_closure(until, decision):
    rec = advance(until)
    v = rec.verification
    if decision == "not credible":
        v.credibility = Credibility(credible=False, decided_on=D["credibility"])
    elif decision == "not actionable":
        v.actionability = Actionability(actionable=False, decided_on=D["actionability"])
    else:
        v.substantiation = Substantiation(substantiated=False, decided_on=D["substantiation"])
    marks = [mark for _, _, mark in tracker(ev(rec))]
    assert marks == ["closed_here", "skipped", "skipped", "skipped", "skipped", "skipped"]


def test_tracker_for_a_closed_incident_still_owing_lessons():
    marks = [mark for _, _, mark in tracker(ev(advance("dc_closes")))]
    assert marks == ["done", "done", "done", "done", "done", "current"]


def test_tracker_for_a_complete_incident():
    marks = [mark for _, _, mark in tracker(ev(advance("lessons")))]
    assert marks == ["done"] * 6

