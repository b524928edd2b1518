"""Issue #12's rules that are not dates (:mod:`remediation.domain.record_rules`): a reason is a sentence, a
child's plan without consent records the best interest, Level 1 coverage, money flags at closure, and the
Level 2 closure answers against the figures; plus the monitoring window flagging Level 1 plans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from remediation.domain.models import (
    CasePlan,
    Expenditure,
    Funding,
    IncidentIn,
    IncidentRecord,
    Indicator,
    Initiative,
    Measurement,
    Plan,
)
from remediation.domain.record_rules import (
    child_case_problem,
    closure_figures,
    coverage,
    coverage_gap,
    figures_flag,
    money_flags,
    reason_problem,
    step1_closure_problem,
    unexplained_disagreements,
)
from remediation.domain.workflow import plan_implementation_gaps


@pytest.mark.parametrize("text", ["", "  ", "n/a", "N/A.", "...", "--- !!! ???", "Not credible", "no no no",
                                  "1234 5678 9012 3456 7890", "a b c d e f g h i j k l m n o p q r s t"])
def test_what_is_not_a_reason(text):
    assert reason_problem(text) is not None


@pytest.mark.parametrize("text", ["Anonymous claim with no verifiable detail.",
                                  "Le site n'est lié à aucun fournisseur actuel.",
                                  "No link to any current or past partner"])
def test_a_sentence_is_a_reason(text):
    assert reason_problem(text) is None


def test_a_step_1_closure_problem_names_the_field_and_the_guideline():
    message = step1_closure_problem("credibility", "x")
    assert message.startswith("notes: A denied (not credible) allegation is fully documented before it is closed "
                              "(guideline lines 942-944)")
    assert "(guideline lines 957-959)" in step1_closure_problem("substantiation", "")
    assert step1_closure_problem("actionability", "No link to any supply-chain partner of ours.") is None


def _child(**changes) -> CasePlan:
    fields = {"victim_code": "V-001", "age_group": "child", "assistance_types": ["legal"], "provider": "Haven",
              "guardian_consent": False}
    fields.update(changes)
    return CasePlan(**fields)


def test_a_childs_plan_without_consent_needs_the_best_interest_and_the_organisation():
    assert child_case_problem(_child()).startswith("best_interest_determined_on: the legal guardian's consent is "
                                                   "refused, so the child's best interest decides")
    assert child_case_problem(_child(best_interest_determined_on=date(2024, 5, 1))).startswith(
        "best_interest_determined_by:")
    assert child_case_problem(_child(best_interest_determined_on=date(2024, 5, 1),
                                     best_interest_determined_by="Child Safe Futures")).startswith(
        "child_protection_organisation:")
    assert child_case_problem(_child(best_interest_determined_on=date(2024, 5, 1),
                                     best_interest_determined_by="Child Safe Futures",
                                     child_protection_organisation="Child Safe Futures")) is None
    assert child_case_problem(_child(guardian_consent=True)) is None
    adult = CasePlan(victim_code="V-002", age_group="adult", assistance_types=["legal"], provider="Haven")
    assert child_case_problem(adult) is None
    unknown = _child().model_copy(update={"guardian_consent": None})  # as an old record may hold it
    assert "consent is unknown" in child_case_problem(unknown)


def _record(affected: int, children: int, cases: list[CasePlan], reason: str | None = None) -> IncidentRecord:
    incident = IncidentIn(code="INC-2024-001", title="Forced labour", mineral="tin", country="Rwanda",
                          smelter_refiner="Kestrel", audit_programme="rmi_rmap", violation_types=["forced_labour"],
                          allegation_source="Hotline", date_received=date(2024, 2, 1), incident_date=date(2024, 1, 1),
                          affected_persons=affected, children_affected=children)
    plan = Plan(level=1, facilitator="Safe Passage", facilitator_type="local_ngo", currency="USD",
                estimated_cost=Decimal(1000), designed_on=date(2024, 4, 1), victim_service_coordinator="VSC",
                case_plans=cases)
    plan.closure.coverage_shortfall_reason = reason
    return IncidentRecord(incident=incident, plans=[plan])


ADULT = CasePlan(victim_code="V-001", age_group="adult", assistance_types=["legal"], provider="Haven")


def test_one_adult_plan_for_twenty_persons_and_five_children_is_a_shortfall_to_explain():
    rec = _record(20, 5, [ADULT])
    c = coverage(rec)
    assert (c.short, c.children_short, c.explained) == (19, 5, False)
    gap = coverage_gap(rec)
    assert gap.startswith("Level 1 plan: 1 case-management plan for 20 affected persons (0 of 5 children); record why")
    assert "declined assistance, could not be located, assisted through another programme" in gap
    assert coverage_gap(_record(20, 5, [ADULT], "could_not_be_located")) is None
    assert coverage_gap(_record(1, 0, [ADULT])) is None


def test_children_are_counted_against_the_children_affected():
    child = _child(guardian_consent=True)
    rec = _record(2, 2, [ADULT.model_copy(update={"victim_code": "V-009"}), child])
    c = coverage(rec)
    assert (c.short, c.children_short) == (0, 1)


def _level2(budget: int, spent: int, received: int, measured: float | None = 40.0,
            final: date | None = date(2025, 6, 1)) -> Plan:
    indicator = Indicator(name="Children in school", kind="quantitative", unit="children", baseline_value=0,
                          baseline_date=date(2024, 5, 1), target_value=40, target_date=date(2025, 6, 30),
                          measurements=[Measurement(measured_on=date(2025, 5, 1), value=measured)]
                          if measured is not None else [])
    plan = Plan(level=2, facilitator="Bridgeway", facilitator_type="international_ngo", currency="USD",
                estimated_cost=Decimal(budget), designed_on=date(2024, 5, 1),
                initiatives=[Initiative(title="School", kind="contextual_factors", expected_result="40 enrolled",
                                        due_date=date(2025, 6, 30), indicators=[indicator])],
                funding=[Funding(source="smelter_refiner", funder="Kestrel", pledged=Decimal(max(budget, received)),
                                 received=Decimal(received), pledged_on=date(2024, 6, 1))],
                expenditures=[Expenditure(spent_on=date(2024, 9, 1), amount=Decimal(spent), category="School")])
    plan.closure.final_report_on = final
    plan.closure.within_budget = plan.closure.completed_on_time = plan.closure.objectives_met = True
    return plan


def test_declared_within_budget_with_ten_times_the_budget_spent_is_a_disagreement():
    plan = _level2(5000, 50000, 50000)
    figures = {f.answer: f for f in closure_figures(plan)}
    assert figures["within_budget"].computed is False and figures["within_budget"].disagrees
    assert figures["within_budget"].describe() == ("Within budget: declared yes; the figures: spent 50,000 of a 5,000 "
                                                   "USD budget, 10× the budget")
    assert not figures["completed_on_time"].disagrees and not figures["objectives_met"].disagrees
    rec = _record(1, 0, [ADULT])
    rec.plans.append(plan)
    assert unexplained_disagreements(rec) == [("Level 2 plan — Within budget: declared yes; the figures: spent 50,000 "
                                               "of a 5,000 USD budget, 10× the budget")]
    plan.closure.figures_explanation = "The budget was raised in writing by the audit programme in March."
    assert unexplained_disagreements(rec) == []
    assert figures_flag(rec).endswith("10× the budget (explained)")


def test_late_final_report_and_missed_target_disagree_with_a_declared_yes():
    plan = _level2(5000, 4000, 4000, measured=25.0, final=date(2025, 9, 1))
    figures = {f.answer: f for f in closure_figures(plan)}
    assert figures["completed_on_time"].computed is False
    assert "final report 2025-09-01, plan's end 2025-06-30, 63 days late" in figures["completed_on_time"].detail
    assert figures["objectives_met"].computed is False
    assert figures["objectives_met"].detail == "0 of 1 indicators reached their target"
    assert figures["within_budget"].computed is True


def test_a_qualitative_indicator_counts_by_its_latest_status():
    plan = _level2(5000, 4000, 4000, measured=None)
    ind = Indicator(name="Grievance channel", kind="qualitative", baseline_date=date(2024, 5, 1),
                    target_date=date(2025, 6, 30), measurements=[
                        Measurement(measured_on=date(2025, 1, 1), status="achieved"),
                        Measurement(measured_on=date(2025, 5, 1), status="not_achieved")])
    plan.initiatives[0].indicators = [ind]
    assert {f.answer: f for f in closure_figures(plan)}["objectives_met"].computed is False


def test_money_flags_at_closure():
    assert money_flags(_level2(5000, 4000, 4000)) == []
    over = money_flags(_level2(5000, 5500, 5500))
    assert over == ["Level 2 plan: spent 5,500 USD, above its budget of 5,000 (10.0% over budget)."]
    short = money_flags(_level2(5000, 4000, 2000))
    assert short == ["Level 2 plan: funds received 2,000 USD are below the 4,000 spent."]


def test_the_monitoring_window_flags_a_level_1_plan_as_a_level_2_one():
    rec = _record(1, 0, [ADULT])
    plan = rec.plans[0]
    plan.implementation_started_on = date(2024, 6, 1)
    _, warnings = plan_implementation_gaps(plan, date(2025, 8, 1))
    assert "Level 1 plan: month 14: past the 12-month window with no final report (lines 1393-1396)." in warnings
    _, warnings = plan_implementation_gaps(plan, date(2025, 3, 1))
    assert not any("12-month window" in w for w in warnings)


def test_the_demo_obeys_every_rule_and_shows_each_flag():
    from remediation.services.demo import coverage_gaps, generate, read_fixture, rule_problems

    fixture = read_fixture()
    assert coverage_gaps(fixture, date(2026, 11, 1)) == []
    assert [p for r in fixture for p in rule_problems(r)] == []
    generated = list(generate(300, seed=3, today=date(2026, 6, 1)))
    assert [p for r in generated for p in rule_problems(r)] == []
