"""The company's own work (issue #13, items 3-7) through the services, on SQLite and PostgreSQL: corrective action
status and milestones, relationship decisions with the do-no-harm check, the reporting chain and its cadence,
consultations, feedback, remedy types, the victim's voice, the company's involvement and lessons actions — each
stored and read back, audited, version-checked, refused with the field named, and refused for a viewer."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from test_services import AP, CODE, DC, RF, SR, TODAY, VSC, run_until  # the path from intake to lessons

from remediation.domain.models import (
    ActionUpdate,
    CaseVoice,
    Consultation,
    CorrectiveProgress,
    FeedbackRound,
    InvolvementDecision,
    LessonAction,
    Milestone,
    MilestoneDone,
    RelationshipDecision,
    RemedyTypes,
    ReportForwarding,
    field_of_error,
)
from remediation.services import company_work as work
from remediation.services.access import Forbidden
from remediation.services.admin import update_settings
from remediation.services.base import Actor, ConflictError, Refused
from remediation.storage import queries
from remediation.storage import schema as t

kw = {"today": TODAY}
VIEWER = Actor("val@brand.example", "downstream_company", access="viewer")


def _record(engine):
    return queries.incident(engine, CODE, TODAY)


def _audits(engine, action: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.audit_log).where(t.audit_log.c.action == action)
                            ).scalar_one()


def test_corrective_action_moves_through_its_statuses_with_milestones(engine):
    run_until(engine, "corrective_action")
    work.add_milestone(engine, CODE, Milestone(title="Supplier audit at Kanyama", due_on=date(2024, 6, 30)), AP, **kw)
    with pytest.raises(ValidationError, match="status: a completed corrective action has every milestone done; "
                                              "still open: Supplier audit at Kanyama"):
        work.update_corrective_action(engine, CODE, CorrectiveProgress(status="completed",
                                                                       completed_on=date(2024, 7, 1)), AP, **kw)
    with pytest.raises(ValidationError, match="completed_on: a corrective action that is in progress has no"):
        work.update_corrective_action(engine, CODE, CorrectiveProgress(status="in_progress",
                                                                       completed_on=date(2024, 7, 1)), AP, **kw)
    work.update_corrective_action(engine, CODE, CorrectiveProgress(status="in_progress"), SR, **kw)
    work.complete_milestone(engine, CODE, 0, MilestoneDone(done_on=date(2024, 6, 20)), SR, **kw)
    work.update_corrective_action(engine, CODE, CorrectiveProgress(status="completed", completed_on=date(2024, 7, 1)),
                                  SR, **kw)
    work.update_corrective_action(engine, CODE, CorrectiveProgress(
        status="verified", completed_on=date(2024, 7, 1), verified_on=date(2024, 7, 20)), AP, **kw)
    rec, _, _ = _record(engine)
    ca = rec.response.corrective_action
    assert (ca.status, ca.completed_on, ca.verified_on) == ("verified", date(2024, 7, 1), date(2024, 7, 20))
    assert [(m.title, m.done_on) for m in ca.milestones] == [("Supplier audit at Kanyama", date(2024, 6, 20))]
    assert _audits(engine, "updated the corrective action's status") == 3


def test_a_milestone_done_before_the_corrective_action_is_refused_with_both_dates(engine):
    run_until(engine, "corrective_action")
    work.add_milestone(engine, CODE, Milestone(title="Audit", due_on=date(2024, 6, 30)), AP, **kw)
    with pytest.raises(Refused) as caught:
        work.complete_milestone(engine, CODE, 0, MilestoneDone(done_on=date(2024, 3, 1)), AP, **kw)
    assert field_of_error(str(caught.value)) == "done_on"
    assert "2024-03-01" in str(caught.value) and "2024-03-25" in str(caught.value)


def test_ending_a_relationship_needs_a_do_no_harm_check_first():
    with pytest.raises(ValidationError, match="do_no_harm_checked_on"):
        RelationshipDecision(party="mine_operator", decision="terminate", decided_on=date(2024, 4, 1),
                             reasons="Debt bondage continued after warnings")
    with pytest.raises(ValidationError, match="decided_on"):
        RelationshipDecision(party="smelter_refiner", decision="disengage", decided_on=date(2024, 4, 1),
                             reasons="No remediation after two reviews", do_no_harm_checked_on=date(2024, 4, 2),
                             do_no_harm_findings="Workers keep other buyers")
    with pytest.raises(ValidationError, match="decision: the mine operator decision is one of"):
        RelationshipDecision(party="mine_operator", decision="disengage", decided_on=date(2024, 4, 1),
                             reasons="Wrong word for this party")


def test_relationship_decisions_are_kept_in_order_and_the_latest_stands(engine):
    run_until(engine, "corrective_action")
    work.record_relationship_decision(engine, CODE, RelationshipDecision(
        party="mine_operator", decision="suspend", decided_on=date(2024, 3, 28), reasons="Pending the audit"), AP, **kw)
    work.record_relationship_decision(engine, CODE, RelationshipDecision(
        party="mine_operator", decision="terminate", decided_on=date(2024, 5, 1), reasons="Audit confirmed bondage",
        do_no_harm_checked_on=date(2024, 4, 25), do_no_harm_findings="Workers placed with a cooperative first"),
        AP, **kw)
    work.record_relationship_decision(engine, CODE, RelationshipDecision(
        party="smelter_refiner", decision="continue", decided_on=date(2024, 4, 2),
        reasons="The smelter leads remediation"), DC, **kw)
    with pytest.raises(Refused, match="decided_on: 2024-04-01 is before the decision it replaces"):
        work.record_relationship_decision(engine, CODE, RelationshipDecision(
            party="mine_operator", decision="continue", decided_on=date(2024, 4, 1), reasons="Reinstated"), AP, **kw)
    rec, _, _ = _record(engine)
    assert rec.response.decision("mine_operator").decision == "terminate"
    assert rec.response.decision("smelter_refiner").decision == "continue"
    assert rec.response.decision("mine_operator").do_no_harm_findings.startswith("Workers placed")


def test_the_reporting_chain_is_recorded_hop_by_hop_in_order(engine):
    run_until(engine, "monitoring_l1")
    work.record_report_forwarding(engine, CODE, 1, 0, ReportForwarding(sent_to_smelter_on=date(2025, 1, 10)), RF, **kw)
    with pytest.raises(Refused, match="sent_to_company_on: the smelter/refiner's sending to the audit programme must"):
        work.record_report_forwarding(engine, CODE, 1, 0, ReportForwarding(sent_to_company_on=date(2025, 1, 20)),
                                      AP, **kw)
    with pytest.raises(Refused, match="sent_to_audit_programme_on"):
        work.record_report_forwarding(engine, CODE, 1, 0, ReportForwarding(
            sent_to_audit_programme_on=date(2025, 1, 5)), SR, **kw)
    work.record_report_forwarding(engine, CODE, 1, 0, ReportForwarding(sent_to_audit_programme_on=date(2025, 1, 14)),
                                  SR, **kw)
    work.record_report_forwarding(engine, CODE, 1, 0, ReportForwarding(sent_to_company_on=date(2025, 1, 21)), AP, **kw)
    rec, _, _ = _record(engine)
    m = rec.plans[0].monitoring_reports[0]
    assert (m.sent_to_smelter_on, m.sent_to_audit_programme_on, m.sent_to_company_on) == (
        date(2025, 1, 10), date(2025, 1, 14), date(2025, 1, 21))


def test_a_report_missing_past_the_cadence_is_waited_for_and_owed_by_its_sender(engine):
    run_until(engine, "monitoring_l2")  # reports received 2025-01-10, never passed on; today 2026-06-01
    _, state, _ = _record(engine)
    owed = [(g.role, g.text) for g in state.missing if "a monitoring report from" in g.text]
    assert owed and all(role == "remediation_facilitator" for role, _ in owed), owed  # none since 2025-01-10
    assert "due 2025-04-10 (quarterly reporting" in owed[0][1]
    with engine.connect() as conn:  # the stored row agrees with a fresh evaluation
        stored = conn.execute(select(t.incidents.c.waiting_for)).scalar_one()
    assert stored == state.waiting_for


def test_the_cadence_setting_changes_when_a_report_is_due(engine):
    run_until(engine, "monitoring_l1")
    settings = queries.settings(engine)
    update_settings(engine, settings.model_copy(update={"reporting_cadence": "half_yearly"}))
    _, state, _ = _record(engine)
    assert any("due 2025-07-10 (half-yearly reporting" in g.text for g in state.missing)


def test_the_company_is_owed_a_report_the_audit_programme_holds(engine):
    run_until(engine, "monitoring_l1")
    work.record_report_forwarding(engine, CODE, 1, 0, ReportForwarding(
        sent_to_smelter_on=date(2026, 5, 1), sent_to_audit_programme_on=date(2026, 5, 5)), SR, today=TODAY)
    rec, _, _ = _record(engine)
    from remediation.domain.workflow import reports_overdue
    (gap,) = reports_overdue(rec.plans[0], TODAY)
    assert gap.role == "audit_programme" and "to the downstream company" in gap.text


def test_engagement_feedback_remedy_and_voice_are_stored(engine):
    run_until(engine, "start_l2")
    work.add_consultation(engine, CODE, 1, Consultation(stakeholder="victims", consulted_on=date(2024, 4, 10)), RF,
                          **kw)
    work.add_consultation(engine, CODE, 2, Consultation(stakeholder="affected_communities",
                                                        consulted_on=date(2024, 4, 12)), RF, **kw)
    work.add_feedback(engine, CODE, 1, FeedbackRound(collected_on=date(2024, 9, 1), source="victims", respondents=4,
                                                     satisfied=3), RF, **kw)
    work.record_remedy_types(engine, CODE, 1, RemedyTypes(remedy_types=["rehabilitation", "compensation"]), RF, **kw)
    work.record_case_voice(engine, CODE, "v-002", CaseVoice(informed_consent=True, wishes_shaped_plan=True), VSC, **kw)
    rec, _, _ = _record(engine)
    l1, l2 = rec.plans
    assert [c.stakeholder for c in l1.consultations] == ["victims"]
    assert [c.stakeholder for c in l2.consultations] == ["affected_communities"]
    assert [(f.respondents, f.satisfied) for f in l1.feedback] == [(4, 3)]
    assert l1.remedy_types == ["compensation", "rehabilitation"]  # vocabulary order
    assert (l1.case_plans[0].informed_consent, l1.case_plans[0].wishes_shaped_plan) == (True, True)


def test_a_consultation_after_the_facilitators_submission_is_refused(engine):
    run_until(engine, "rf_submit_l1")
    with pytest.raises(Refused) as caught:
        work.add_consultation(engine, CODE, 1, Consultation(stakeholder="government", consulted_on=date(2024, 5, 20)),
                              RF, **kw)
    assert field_of_error(str(caught.value)) == "submitted_by_facilitator_on"


def test_feedback_before_implementation_is_refused_and_counts_are_checked(engine):
    run_until(engine, "open_plan_l1")
    with pytest.raises(Refused):
        work.add_feedback(engine, CODE, 1, FeedbackRound(collected_on=date(2024, 5, 1), source="victims",
                                                         respondents=2, satisfied=1), RF, **kw)
    with pytest.raises(ValidationError, match="satisfied: 5 satisfied is more than the 4 respondents"):
        FeedbackRound(collected_on=date(2024, 5, 1), source="beneficiaries", respondents=4, satisfied=5)


def test_involvement_is_recorded_on_the_incident_row(engine):
    run_until(engine, "create")
    work.record_involvement(engine, CODE, InvolvementDecision(involvement="directly_linked"), DC, **kw)
    with pytest.raises(Refused, match="involvement: already recorded as directly linked"):
        work.record_involvement(engine, CODE, InvolvementDecision(involvement="directly_linked"), DC, **kw)
    with engine.connect() as conn:
        assert conn.execute(select(t.incidents.c.involvement)).scalar_one() == "directly_linked"


def test_lessons_actions_are_raised_closed_and_kept_when_the_review_is_recorded_again(engine):
    run_until(engine, "lessons")
    work.add_lesson_action(engine, CODE, LessonAction(title="Add bondage indicators to supplier audits",
                                                      owner="Sourcing team", due_on=date(2025, 6, 30)), DC, **kw)
    work.add_lesson_action(engine, CODE, LessonAction(title="Budget contingency", owner="Sustainability lead",
                                                      due_on=date(2027, 1, 31)), DC, **kw)
    with pytest.raises(Refused, match="title: an action"):
        work.add_lesson_action(engine, CODE, LessonAction(title="budget contingency", owner="x",
                                                          due_on=date(2027, 1, 31)), DC, **kw)
    work.update_lesson_action(engine, CODE, 0, ActionUpdate(status="done", closed_on=date(2025, 7, 2),
                                                            policy_version=2), DC, **kw)
    from remediation.services import incidents as services
    rec, _, _ = _record(engine)
    services.record_lessons(engine, CODE, rec.lessons.model_copy(update={"actions": [], "challenges": "Access"}),
                            DC, **kw)
    rec, _, _ = _record(engine)
    assert [(a.title, a.status, a.policy_version) for a in rec.lessons.actions] == [
        ("Add bondage indicators to supplier audits", "done", 2), ("Budget contingency", "open", None)]
    assert [a.overdue(TODAY) for a in rec.lessons.actions] == [False, False]
    assert rec.lessons.actions[1].overdue(date(2027, 2, 1))


def test_a_viewer_cannot_record_and_a_stale_version_is_refused(engine):
    run_until(engine, "corrective_action")
    with pytest.raises(Forbidden):
        work.add_milestone(engine, CODE, Milestone(title="Audit", due_on=date(2024, 6, 30)), VIEWER, **kw)
    _, _, version = _record(engine)
    work.add_milestone(engine, CODE, Milestone(title="Audit", due_on=date(2024, 6, 30)), AP, expected_version=version,
                       **kw)
    with pytest.raises(ConflictError):
        work.add_milestone(engine, CODE, Milestone(title="Second", due_on=date(2024, 7, 30)), AP,
                           expected_version=version, **kw)
    rec, _, _ = _record(engine)
    assert [m.title for m in rec.response.corrective_action.milestones] == ["Audit"]


# --- the read side: filters, charts' data, the actions list ----------------------------------------------------

def test_the_sidebar_filters_by_involvement_and_remedy_type(demo_engine):
    from remediation.services.demo import read_fixture
    from remediation.storage import company_work as reads
    from remediation.storage.queries import PortfolioFilter

    fixture = read_fixture()
    with demo_engine.connect() as conn:
        def codes(flt):
            return set(conn.execute(select(t.incidents.c.code).where(flt.where(with_status=False))).scalars())
        assert codes(PortfolioFilter(involvement=("caused", "not_determined"))) == {
            r.incident.code for r in fixture if r.incident.involvement in ("caused", None)}
        assert codes(PortfolioFilter(remedy_type=("compensation",))) == {
            r.incident.code for r in fixture if any("compensation" in p.remedy_types for p in r.plans)} != set()
    counts = reads.involvement_counts(demo_engine).set_index("involvement")["incidents"]
    assert counts["directly_linked"] == sum(r.incident.involvement == "directly_linked" for r in fixture)
    remedy = reads.remedy_by_involvement(demo_engine)
    assert remedy["plans"].sum() == sum(max(1, len(p.remedy_types)) for r in fixture for p in r.plans)
    assert "Involvement caused, not determined" in PortfolioFilter(involvement=("caused", "not_determined")).describe() \
        .replace("involvement", "Involvement")


def test_the_actions_list_puts_overdue_first_and_counts_closed(demo_engine):
    from remediation.services.demo import read_fixture
    from remediation.storage import company_work as reads

    today = date(2027, 1, 1)
    actions = reads.lesson_actions(demo_engine, today=today)
    fixture = [a for r in read_fixture() if r.lessons for a in r.lessons.actions]
    assert len(actions) == len(fixture) > 0
    assert int(actions["overdue"].sum()) == sum(a.overdue(today) for a in fixture)
    flags = actions["overdue"].tolist()
    assert flags == sorted(flags, reverse=True)  # overdue first
    assert int((~actions["open"]).sum()) == sum(a.status in ("done", "dropped") for a in fixture)
