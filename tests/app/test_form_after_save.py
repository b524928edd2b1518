"""A step form after a save (pages/_forms.py service_form): saved, it is empty again, so a second click records
nothing twice; refused, it keeps everything typed, to be corrected."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import open_form, submit

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

INCIDENT_PAGE = "pages/incident.py"
TODAY = date.today()


def _case_plans_shown(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("Coverage: "))


def test_a_saved_form_is_emptied_and_a_refused_one_keeps_what_was_typed(run_app):
    rec = next(r for r in read_fixture() if (s := evaluate(r, TODAY)).is_open and s.step == 3
               and r.plan(1) is not None and r.plan(1).approval.approved_by_audit_programme_on is None)
    before = len(rec.plan(1).case_plans)
    at = run_app(query={"incident": rec.incident.code}, page=INCIDENT_PAGE)
    assert f"Coverage: {before} case-management plans" in _case_plans_shown(at)

    # Refused by the service (a child's plan without the guardian's consent needs the best interest): kept.
    open_form(at, "case_plan")  # "Add a case-management plan", opened; it stays open through the saves below
    at.text_input(key="case_plan.victim_code").input("V-090")
    at.selectbox(key="case_plan.age_group").set_value("child")
    at.multiselect(key="case_plan.assistance_types").set_value(["legal"])
    at.text_input(key="case_plan.provider").input("Legal Aid Circle")
    at.radio(key="case_plan.guardian_consent").set_value(False)
    submit(at, "case_plan")
    assert not at.exception
    assert any("best interest decides" in e.value for e in at.error)
    assert at.text_input(key="case_plan.victim_code").value == "V-090"
    assert at.text_input(key="case_plan.provider").value == "Legal Aid Circle"
    assert at.selectbox(key="case_plan.age_group").value == "child"
    assert at.multiselect(key="case_plan.assistance_types").value == ["legal"]
    assert at.radio(key="case_plan.guardian_consent").value is False
    assert f"Coverage: {before} case-management plans" in _case_plans_shown(at)

    # Corrected and saved: the form is empty again, with no error left.
    at.date_input(key="case_plan.best_interest_determined_on").set_value(TODAY - timedelta(days=1))
    at.text_input(key="case_plan.best_interest_determined_by").input("Provincial Child Protection Unit")
    at.text_input(key="case_plan.child_protection_organisation").input("Child Safe Futures")
    submit(at, "case_plan")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert f"Coverage: {before + 1} case-management plans" in _case_plans_shown(at)
    assert at.text_input(key="case_plan.victim_code").value == ""
    assert at.text_input(key="case_plan.provider").value == ""
    assert at.selectbox(key="case_plan.age_group").value is None
    assert at.multiselect(key="case_plan.assistance_types").value == []
    assert at.radio(key="case_plan.guardian_consent").value is None
    assert at.date_input(key="case_plan.best_interest_determined_on").value is None

    # A second click records nothing: the empty form says what is required.
    submit(at, "case_plan")
    assert not at.exception
    assert any("Required" in e.value for e in at.error)
    assert f"Coverage: {before + 1} case-management plans" in _case_plans_shown(at)
