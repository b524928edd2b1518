"""The company's own work on the incident page and the triage page as Streamlit runs them (issue #13, items 3-7):
the forms record through the services and show a refusal under its field; triage says what the company's
involvement means beside the levels."""

from __future__ import annotations

import json
from datetime import date, timedelta

from conftest import open_tab, submit
from test_incident_page import errors, open_demo, record

from remediation.domain.models import InvolvementDecision
from remediation.domain.vocab import CORRECTIVE_STATUSES
from remediation.services import company_work as work
from remediation.services.base import Actor
from remediation.storage import engine as db

TRIAGE = "pages/triage.py"
TODAY = date.today()


def shown(at) -> str:
    """The page's text as read: word joiners (which hold a citation range together on a slide) left out."""
    return (" ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)).replace("\u2060", "")


def frames(at) -> str:
    return " ".join(json.dumps(d.value.astype(str).to_dict("records")) for d in at.dataframe)


def test_triage_says_what_each_involvement_means_beside_the_levels(run_app):
    at = run_app(page=TRIAGE)
    assert not at.exception
    assert "Company involvement not chosen" in shown(at)
    at.segmented_control(key="role_in_harm").set_value("caused").run()
    assert "Company involvement: Caused → remediate directly." in shown(at)
    assert "guideline lines 348-353" in shown(at)
    at.segmented_control(key="role_in_harm").set_value("directly_linked").run()
    assert "Company involvement: Directly linked → use leverage." in shown(at)
    assert "remediate directly" not in shown(at)


def test_triage_loads_the_involvement_recorded_on_an_incident(run_app, tmp_path):
    at, rec = open_demo(run_app, lambda s, r: s.is_open and s.step >= 2 and r.incident.trading_link != "none")
    engine = db.get_engine(f"sqlite:///{tmp_path / 'app.db'}")
    if rec.incident.involvement != "contributed":
        work.record_involvement(engine, rec.incident.code, InvolvementDecision(involvement="contributed"),
                                Actor("local user"))
    at = run_app(page=TRIAGE, query={"from": rec.incident.code})
    assert "Company involvement: Contributed → contribute to remediation and use leverage." in shown(at)


def test_the_involvement_is_recorded_on_the_incident_page(run_app):
    at, _ = open_demo(run_app, lambda s, r: s.is_open and s.step == 1 and r.incident.involvement is None)
    record(at, "involvement_decision", involvement="directly_linked")
    assert not errors(at)
    assert "Company involvement: Directly linked" in shown(at)


def _with_corrective(s, r) -> bool:
    return s.is_open and s.step >= 3 and r.response.corrective_action is not None \
        and r.response.corrective_action.status in ("planned", "in_progress")


def test_terminating_the_mine_operator_needs_the_do_no_harm_check_named_under_its_field(run_app):
    at, _ = open_demo(run_app, _with_corrective)
    open_tab(at, "2. Level")  # the corrective action's tab (the incident is past Step 2)
    record(at, "decision_mine", decision="terminate", decided_on=TODAY - timedelta(days=1),
           reasons="Bondage continued after two warnings")
    assert "check first that ending the relationship does no harm" in errors(at)
    assert "Bondage continued" not in shown(at)  # nothing saved (the reasons are written under the table)
    record(at, "decision_mine", do_no_harm_checked_on=TODAY - timedelta(days=3),
           do_no_harm_findings="Carriers placed with a cooperative before the contract ends")
    assert not errors(at), errors(at)
    assert "Terminate" in frames(at) and "Bondage continued after two warnings" in shown(at)


def test_the_corrective_action_status_and_a_milestone_are_recorded(run_app):
    at, rec = open_demo(run_app, _with_corrective)
    open_tab(at, "2. Level")
    record(at, "milestone", title="Third-party audit of the supplier", due_on=TODAY + timedelta(days=30))
    assert not errors(at), errors(at)
    assert "Third-party audit of the supplier" in frames(at)
    record(at, "corrective_progress", status="completed", completed_on=TODAY - timedelta(days=1))
    assert "every milestone done; still open: " in errors(at) and "third-party audit of the supplier" in errors(at)
    other = "planned" if rec.response.corrective_action.status == "in_progress" else "in_progress"
    record(at, "corrective_progress", status=other, completed_on=None)
    assert not errors(at), errors(at)
    assert f"Corrective action: {CORRECTIVE_STATUSES[other]}" in shown(at)


def test_feedback_counts_are_checked_and_shown_as_a_share(run_app):
    at, rec = open_demo(run_app, lambda s, r: s.is_open and s.step == 4 and r.plans
                        and r.plans[0].implementation_started_on is not None)
    lvl = rec.plans[0].level
    record(at, f"feedback{lvl}", collected_on=TODAY - timedelta(days=1), source="beneficiaries", respondents=4,
           satisfied=5)
    assert "5 satisfied is more than the 4 respondents" in errors(at)
    record(at, f"feedback{lvl}", satisfied=3)
    assert not errors(at), errors(at)
    assert '"Satisfied": "75%"' not in frames(at)  # recorded on the Implement tab, shown with the plan's engagement
    assert '"Satisfied": "75%"' in frames(open_tab(at, "3. Plan"))


def test_a_lessons_review_raises_an_action_that_lessons_learned_counts(run_app):
    at, rec = open_demo(run_app, lambda s, r: s.status == "closed_remediated" and r.lessons is not None)
    before = len(rec.lessons.actions)
    record(at, "lesson_action", title="Add debt-bondage questions to supplier audits", owner="Sourcing team",
           due_on=TODAY + timedelta(days=60))
    assert not errors(at), errors(at)
    assert any(c.value.startswith(f"{before + 1 - sum(a.status in ('done', 'dropped') for a in rec.lessons.actions)}"
                                  " open") for c in at.caption)
    assert "Add debt-bondage questions to supplier audits" in frames(at)
    submit(at, "lesson_action")  # saved, the form was emptied: a second click records nothing
    assert "required" in errors(at) and "already recorded" not in errors(at)
    record(at, "lesson_action", title="Add debt-bondage questions to supplier audits", owner="Sourcing team",
           due_on=TODAY + timedelta(days=60))  # the same title typed again: refused under the title
    assert "an action" in errors(at) and "already recorded" in errors(at)


def test_an_admin_sets_the_reporting_cadence_and_the_waiting_items_follow(run_app, tmp_path):
    from remediation.storage import queries

    at = run_app(page="pages/admin.py")
    assert not at.exception
    assert at.segmented_control(key="cadence_settings.cadence").value == "quarterly"  # the default
    at.segmented_control(key="cadence_settings.cadence").set_value("half_yearly")
    submit(at, "cadence_settings")
    assert not at.exception
    engine = db.get_engine(f"sqlite:///{tmp_path / 'app.db'}")
    assert queries.settings(engine).reporting_cadence == "half_yearly"
    assert at.segmented_control(key="cadence_settings.cadence").value == "half_yearly"
