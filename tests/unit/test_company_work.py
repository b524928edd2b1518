"""The company's own work in the domain (issue #13, items 3-7): the models' rules, the reporting chain's overdue
items by party and cadence, the timeline, and the involvement meanings — table-driven where the rules are tables."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from remediation.domain.involvement import MEANINGS, meaning
from remediation.domain.models import (
    CorrectiveAction,
    LessonAction,
    Milestone,
    MonitoringReport,
    Plan,
    RelationshipDecision,
    RemedyTypes,
    ReportForwarding,
)
from remediation.domain.vocab import INVOLVEMENTS, REMEDY_TYPES
from remediation.domain.workflow import evaluate, reports_overdue
from remediation.services.demo import read_fixture

D = date(2025, 1, 1)


def _ca(**changes) -> dict:
    return {"description": "Enhanced due diligence", "decided_on": D} | changes


@pytest.mark.parametrize(("changes", "field"), [
    ({"status": "completed"}, "completed_on"),
    ({"status": "verified", "completed_on": D}, "verified_on"),
    ({"status": "planned", "completed_on": D}, "completed_on"),
    ({"status": "completed", "completed_on": D, "verified_on": D}, "verified_on"),
    ({"status": "verified", "completed_on": date(2025, 2, 1), "verified_on": D}, "verified_on"),
    ({"status": "completed", "completed_on": D, "milestones": [Milestone(title="Audit", due_on=D)]}, "status"),
])
def test_corrective_action_statuses_need_their_dates(changes, field):
    with pytest.raises(ValidationError) as caught:
        CorrectiveAction(**_ca(**changes))
    assert f"{field}: " in str(caught.value)


def test_corrective_action_accepts_each_status_with_its_dates():
    assert CorrectiveAction(**_ca()).status == "planned"
    assert CorrectiveAction(**_ca(status="in_progress")).status == "in_progress"
    done = Milestone(title="Audit", due_on=D, done_on=D)
    assert CorrectiveAction(**_ca(status="verified", completed_on=D, verified_on=D, milestones=[done])).milestones


@pytest.mark.parametrize(("party", "decision", "ok"), [
    ("mine_operator", "continue", True), ("mine_operator", "suspend", True), ("mine_operator", "terminate", True),
    ("mine_operator", "disengage", False), ("smelter_refiner", "disengage", True),
    ("smelter_refiner", "terminate", False), ("smelter_refiner", "suspend", True),
])
def test_each_party_has_its_own_decisions(party, decision, ok):
    check = {"do_no_harm_checked_on": D, "do_no_harm_findings": "No worker loses income"}
    data = {"party": party, "decision": decision, "decided_on": D, "reasons": "Review of the audit"} | check
    if ok:
        RelationshipDecision(**data)
    else:
        with pytest.raises(ValidationError, match="decision: "):
            RelationshipDecision(**data)


@pytest.mark.parametrize("decision", [("mine_operator", "terminate"), ("smelter_refiner", "disengage")])
def test_ending_a_relationship_without_a_do_no_harm_check_is_refused(decision):
    party, kind = decision
    with pytest.raises(ValidationError, match="do_no_harm_checked_on: check first"):
        RelationshipDecision(party=party, decision=kind, decided_on=D, reasons="Persistent abuse")
    with pytest.raises(ValidationError, match="do_no_harm_findings"):
        RelationshipDecision(party=party, decision=kind, decided_on=D, reasons="Persistent abuse",
                             do_no_harm_checked_on=D)


def test_suspending_needs_no_do_no_harm_check():
    assert RelationshipDecision(party="smelter_refiner", decision="suspend", decided_on=D, reasons="Pending audit")


@pytest.mark.parametrize(("hops", "field"), [
    ({"sent_to_audit_programme_on": D}, "sent_to_audit_programme_on"),
    ({"sent_to_smelter_on": D, "sent_to_company_on": D}, "sent_to_company_on"),
    ({"sent_to_smelter_on": date(2025, 2, 1), "sent_to_audit_programme_on": D}, "sent_to_audit_programme_on"),
])
def test_the_reporting_chain_goes_in_order(hops, field):
    assert ReportForwarding(**hops).order_error().startswith(f"{field}: ")
    with pytest.raises(ValidationError, match=f"{field}: "):
        MonitoringReport(period_start=date(2024, 10, 1), period_end=date(2024, 12, 31), received_on=D, **hops)


def _plan(reports: list[MonitoringReport], started: date = date(2024, 7, 1)) -> Plan:
    return Plan(level=2, facilitator="Bridgeway", facilitator_type="local_ngo", currency="USD", estimated_cost=1,
                designed_on=date(2024, 5, 1), implementation_started_on=started, monitoring_reports=reports)


def _report(received: date, **hops) -> MonitoringReport:
    return MonitoringReport(period_start=date(2024, 7, 1), period_end=received, received_on=received, **hops)


@pytest.mark.parametrize(("reports", "today", "owed"), [
    ([], date(2024, 9, 30), None),                                         # within the first quarter
    ([], date(2024, 10, 2), "remediation_facilitator"),                    # no report a quarter after the start
    ([_report(date(2024, 9, 30))], date(2024, 12, 1), "smelter_refiner"),  # received, never passed on
    ([_report(date(2024, 9, 30), sent_to_smelter_on=date(2024, 9, 30),
              sent_to_audit_programme_on=date(2024, 10, 3))], date(2024, 10, 5), "audit_programme"),
    ([_report(date(2024, 9, 30), sent_to_smelter_on=date(2024, 9, 30), sent_to_audit_programme_on=date(2024, 10, 3),
              sent_to_company_on=date(2024, 10, 8))], date(2024, 12, 1), None),
    ([_report(date(2024, 9, 30), sent_to_smelter_on=date(2024, 9, 30), sent_to_audit_programme_on=date(2024, 10, 3),
              sent_to_company_on=date(2024, 10, 8))], date(2025, 1, 5), "remediation_facilitator"),
])
def test_the_first_overdue_hop_of_the_chain_is_owed_by_its_sender(reports, today, owed):
    gaps = reports_overdue(_plan(reports), today)
    assert [g.role for g in gaps] == ([owed] if owed else [])
    assert all(g.step == 4 and "guideline lines 1390-1391" in g.text for g in gaps)


def test_the_cadence_moves_the_due_date_and_a_final_report_ends_the_chain():
    plan = _plan([])
    assert reports_overdue(plan, date(2024, 10, 2), "half_yearly") == []
    (gap,) = reports_overdue(plan, date(2024, 8, 2), "monthly")
    assert "due 2024-08-01 (monthly reporting" in gap.text
    plan.closure.final_report_on = date(2024, 8, 1)
    assert reports_overdue(plan, date(2025, 8, 2), "monthly") == []


def test_a_plan_owing_an_overdue_report_lists_that_need_once():
    """An implemented plan with no monitoring report: within the cadence it needs "a monitoring report"; past it,
    the overdue hop (due date, who owes it) takes that item's place — the same need is never listed twice."""
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4
               and any(p.implementation_started_on and not p.monitoring_reports for p in r.plans))
    plan = next(p for p in rec.plans if p.implementation_started_on and not p.monitoring_reports)
    start, name = plan.implementation_started_on, f"Level {plan.level} plan: a monitoring report"
    early = [g.text for g in evaluate(rec, start).missing if g.text.startswith(name)]
    assert early == [name]
    late = [g.text for g in evaluate(rec, date(start.year + 1, start.month, 1)).missing if g.text.startswith(name)]
    assert len(late) == 1 and late[0].startswith(f"{name} from the remediation facilitator to the smelter/refiner, due")


def test_remedy_types_come_in_vocabulary_order_and_at_least_one():
    assert RemedyTypes(remedy_types=["non_repetition", "restitution", "restitution"]).remedy_types == [
        "restitution", "non_repetition"]
    with pytest.raises(ValidationError):
        RemedyTypes(remedy_types=[])
    assert list(REMEDY_TYPES) == ["restitution", "compensation", "rehabilitation", "satisfaction", "non_repetition"]


@pytest.mark.parametrize(("status", "closed_on", "field"), [("done", None, "closed_on"), ("open", D, "closed_on"),
                                                            ("dropped", None, "closed_on")])
def test_a_lessons_action_is_closed_with_a_date(status, closed_on, field):
    with pytest.raises(ValidationError, match=f"{field}: "):
        LessonAction(title="Revise audit checklist", owner="Sourcing", due_on=D, status=status, closed_on=closed_on)


def test_only_an_open_action_past_its_due_date_is_overdue():
    open_ = LessonAction(title="Revise", owner="Sourcing", due_on=D)
    done = LessonAction(title="Revise", owner="Sourcing", due_on=D, status="done", closed_on=D)
    assert open_.overdue(date(2025, 1, 2)) and not open_.overdue(D) and not done.overdue(date(2026, 1, 1))


@pytest.mark.parametrize("involvement", list(INVOLVEMENTS))
def test_every_involvement_says_what_it_means_with_a_citation(involvement):
    m = meaning(involvement)
    assert m.action and "guideline lines" in m.citation and m.summary
    assert set(MEANINGS) == set(INVOLVEMENTS)


def test_caused_means_remediate_directly_and_linked_means_leverage():
    assert meaning("caused").action == "remediate directly"
    assert meaning("contributed").action == "contribute to remediation and use leverage"
    assert meaning("directly_linked").action == "use leverage"
    assert meaning(None) is None


# --- the import and export format: the company's involvement is a column ---------------------------------------

def test_the_involvement_column_reads_labels_and_identifiers_and_exports_its_label():
    from remediation.services.transfer.cells import CellError, read_cell
    from remediation.services.transfer.format import COLUMNS, export_value
    from remediation.services.transfer.mapping import suggest_mapping

    assert COLUMNS["involvement"] == "Company involvement"
    assert read_cell("involvement", "Directly linked") == "directly_linked"
    assert read_cell("involvement", "caused") == "caused"
    assert read_cell("involvement", "") is None
    with pytest.raises(CellError, match="not a known involvement. Use one of: Caused, Contributed, Directly linked"):
        read_cell("involvement", "Complicit")
    assert export_value("involvement", "contributed") == "Contributed" and export_value("involvement", None) is None
    assert suggest_mapping(["Code", "Company involvement"])["involvement"] == "Company involvement"
