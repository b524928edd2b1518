"""The incident workspace as Streamlit runs it: deep links, the tracker, what is missing, each
form's happy path and a validation error, and one incident taken from intake to closure through
the forms alone."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import APP, open_form, open_tab, submit

from remediation.domain.workflow import evaluate
from remediation.services import evidence
from remediation.services.base import Actor
from remediation.services.demo import _pdf, read_fixture
from remediation.storage import engine as db
from remediation.storage import queries

INCIDENT_PAGE = "pages/incident.py"
TODAY = date.today()
KINDS = ("date_input", "radio", "selectbox", "multiselect", "number_input", "text_input", "text_area",
         "checkbox", "toggle")


def fill(at, form: str, **values):
    """Set the widgets of form ``form`` (keys ``form.field``), whatever their kind (its expander opened first)."""
    open_form(at, form)
    for field, value in values.items():
        key = f"{form}.{field}"
        for kind in KINDS:
            found = [w for w in getattr(at, kind) if w.key == key]
            if found:
                found[0].set_value(value)
                break
        else:
            raise AssertionError(f"no widget {key}")
    return at


def record(at, form: str, **values):
    fill(at, form, **values)
    submit(at, form)
    assert not at.exception, at.exception
    return at


def errors(at) -> str:
    """Every error message on the page, lower-cased, in one string."""
    return " | ".join(e.value for e in at.error).lower()


def missing_first(at) -> str:
    return at.dataframe[0].value.iloc[0]["What is missing"]


def open_demo(run_app, predicate):
    record_ = next(r for r in read_fixture() if predicate(evaluate(r, TODAY), r))
    return run_app(query={"incident": record_.incident.code}, page=INCIDENT_PAGE), record_


def test_deep_link_opens_the_incident_with_tracker_and_missing_items(run_app):
    at, rec = open_demo(run_app, lambda s, r: s.is_open and s.step == 4)
    state = evaluate(rec, TODAY)
    assert not at.exception
    assert at.title[0].value.startswith(rec.incident.code)
    marks = [m.value for m in at.markdown if "**1." in m.value or "**4." in m.value]
    assert any("check_circle" in m and "**1." in m for m in marks)
    assert any("radio_button_checked" in m and "**4." in m for m in marks)
    assert at.subheader[0].value == "Needed to move on from Step 4"
    assert missing_first(at) == state.missing[0].text
    assert at.dataframe[0].value.iloc[0]["Owed by"] == state.missing[0].role_label


def test_the_audit_trail_runs_only_when_its_timeline_tab_is_open(run_app):
    """The incident's audit trail (every write to it, read again after each) is drawn once its tab is opened."""
    at, rec = open_demo(run_app, lambda s, r: s.is_open and s.step == 4)
    trail = queries.audit_trail(db.get_engine(), rec.incident.code)
    assert len(trail) and not any("actor" in d.value.columns for d in at.dataframe)
    assert at.dataframe[-1].value.columns.tolist() == ["Date", "Role", "Event"]
    at.session_state["timeline"] = "Who recorded what"
    at.run()
    assert not at.exception
    shown = next(d.value for d in at.dataframe if "actor" in d.value.columns)
    assert shown["action"].tolist() == trail["action"].tolist()
    assert shown["actor"].tolist() == trail["actor"].tolist()


def test_a_closed_incident_says_where_and_why(run_app):
    at, _ = open_demo(run_app, lambda s, r: s.status == "closed_unsubstantiated")
    assert "Unsubstantiated" in at.warning[0].value
    assert any("cancel" in m.value and "**1." in m.value for m in at.markdown)


def test_an_unknown_code_says_so_plainly(run_app):
    at = run_app(query={"incident": "INC-1999-999"}, page=INCIDENT_PAGE)
    assert not at.exception
    assert at.title[0].value == "Incident not found"
    assert "There is no incident with the code" in at.error[0].value


def _awaiting_investigation(s, r) -> bool:
    return s.is_open and s.step == 1 and r.verification.notice is not None


def test_recording_the_finding_moves_the_incident_to_step_2(run_app):
    at, rec = open_demo(run_app, _awaiting_investigation)
    assert missing_first(at).startswith("Investigate and decide whether the allegation is substantiated")
    record(at, "substantiation", substantiated=True, trading_link="current",
           decided_on=rec.verification.notice.notified_on + timedelta(days=1))
    assert at.subheader[0].value == "Needed to move on from Step 2"
    assert missing_first(at).startswith("Assess the level of response")
    assert at.dataframe[0].value.iloc[0]["Owed by"] == "Audit programme"
    assert any("radio_button_checked" in m.value and "**2." in m.value for m in at.markdown)


def test_a_refused_date_is_shown_next_to_its_field_and_nothing_is_saved(run_app):
    at, rec = open_demo(run_app, _awaiting_investigation)
    notified = rec.verification.notice.notified_on
    record(at, "substantiation", substantiated=True, trading_link="current", decided_on=notified - timedelta(days=5))
    assert (f"{notified - timedelta(days=5)} is before the audit programme was notified on {notified} (step 1)"
            in errors(at))  # errors() is lower-cased
    assert missing_first(at).startswith("Investigate and decide")  # nothing was saved


def test_a_substantiated_finding_without_its_link_is_refused_at_the_field(run_app):
    at, rec = open_demo(run_app, _awaiting_investigation)
    record(at, "substantiation", substantiated=True, decided_on=rec.verification.notice.notified_on)
    assert "needs its link" in errors(at)
    assert missing_first(at).startswith("Investigate and decide")


def test_intake_validates_and_then_creates_an_incident_at_step_1(run_app):
    at = run_app(page=INCIDENT_PAGE)
    assert at.title[0].value == "Incidents"
    record(at, "intake", title="Forced labour at a gold site", mineral="gold", country="Ghana",
           smelter_refiner="Tallis Bullion", audit_programme="lbma", violation_types=["forced_labour"],
           allegation_source="Worker hotline report", date_received=TODAY - timedelta(days=3),
           incident_date=TODAY - timedelta(days=20), affected_persons=4, children_affected=6)
    assert "cannot be more than the 4 affected persons" in errors(at)
    record(at, "intake", children_affected=1)
    assert at.title[0].value.startswith("INC-") and "Forced labour at a gold site" in at.title[0].value
    assert missing_first(at).startswith("Decide whether the allegation is credible")


def test_the_title_comes_first_then_the_code_box(run_app):
    at, _ = open_demo(run_app, lambda s, r: s.is_open and s.step == 4)
    main = list(at.main)
    assert main.index(at.title[0]) < main.index(at.text_input(key="incident"))


def test_counts_are_in_the_singular_where_there_is_one(run_app):
    at, _ = open_demo(run_app, lambda s, r: r.incident.children_affected == 1 or r.incident.affected_persons == 1)
    shown = " ".join(m.value for m in at.markdown)
    assert "1 children" not in shown and "1 affected persons" not in shown
    assert "of whom 1 child " in shown or " 1 affected person," in shown


def test_an_empty_intake_submit_lists_what_is_missing_at_the_top_and_under_each_field(run_app):
    at = run_app(page=INCIDENT_PAGE)
    assert at.multiselect(key="intake.violation_types").label == "Violation types * (at least one)"
    assert at.text_input(key="intake.title").label.endswith(" *")
    submit(at, "intake")
    assert not at.exception
    summary = at.warning[0].value
    assert summary.startswith("Nothing was saved") and "Violation types" in summary and "Title" in summary
    assert len(at.error) >= 2  # and each field's own message under it


def attach(tmp_path, code: str, *facts) -> None:
    """Attach a small PDF to each ``(kind, level)`` of incident ``code`` in run_app's database."""
    engine = db.get_engine(f"sqlite:///{tmp_path / 'app.db'}")
    for kind, level in facts:
        evidence.attach_document(engine, code, evidence.Attachment(f"{kind}.pdf", _pdf([code, kind]), kind, level),
                                 Actor("local user"))


def test_an_incident_goes_from_intake_to_closure_through_the_forms_alone(run_app, tmp_path):
    at = run_app(page=INCIDENT_PAGE, demo="0")
    d = TODAY - timedelta(days=400)

    def day(n: int) -> date:
        return d + timedelta(days=n)

    record(at, "intake", title="Debt bondage of ore carriers", mineral="tin", country="Rwanda",
           smelter_refiner="Kestrel Tin Smelting", audit_programme="rmi_rmap", violation_types=["debt_bondage"],
           allegation_source="Trade union", date_received=day(0), incident_date=day(-60), affected_persons=3)
    code = at.title[0].value.split(":")[0]
    record(at, "credibility", credible=True, decided_on=day(5))
    record(at, "actionability", actionable=True, decided_on=day(6))
    record(at, "notice", notified_on=day(7))
    record(at, "substantiation", substantiated=True, decided_on=day(40), trading_link="current")
    assert at.subheader[0].value == "Needed to move on from Step 2"
    record(at, "assessment", assessed_on=day(45))
    assert "**Current trading**" in [m.value for m in at.markdown]  # the scenario, as text that wraps on a slide
    assert [m.value for m in at.metric][:2] == ["Mandatory", "Recommended"]
    record(at, "corrective", description="Supplier terminated; enhanced due diligence", decided_on=day(46))
    record(at, "smelter_notice", notified_on=day(47))
    assert at.subheader[0].value == "Needed to move on from Step 3"
    record(at, "plan_header", level=1, facilitator="Safe Passage Network", facilitator_type="local_ngo",
           currency="USD", estimated_cost=20000.0, designed_on=day(60),
           victim_service_coordinator="Haven Shelter Collective")
    record(at, "case_plan", victim_code="V-001", age_group="adult", assistance_types=["shelter_accommodation", "legal"],
           provider="Legal Aid Circle", referral_date=day(61))
    record(at, "approval1", submitted_by_facilitator_on=day(62))
    record(at, "approval1", submitted_by_smelter_on=day(63))
    record(at, "approval1", approved_by_audit_programme_on=day(70))
    assert at.subheader[0].value == "Needed to move on from Step 4"
    record(at, "start1", started_on=day(80))  # refused: no funding yet
    assert "once funding is secured" in errors(at)
    record(at, "funding1", source="smelter_refiner", funder="Kestrel Tin Smelting", pledged=20000.0,
           received=20000.0, pledged_on=day(75))
    record(at, "start1", started_on=day(80))
    record(at, "monitoring1", period_start=day(80), period_end=day(280), received_on=day(285))
    record(at, "final1", final_report_on=day(300))
    assert at.subheader[0].value == "Needed to move on from Step 5"
    record(at, "evidence1", financial_report_on=day(305), referral_confirmed_on=day(305),
           assistance_summary="Shelter and legal aid delivered; follow-up by the coordinator.")
    # one case plan for 3 affected persons: the audit programme cannot verify until the shortfall is explained
    record(at, "closure", verified_by_audit_programme_on=day(310))
    assert "1 case-management plan for 3 affected persons" in errors(at)
    assert "Coverage: 1 case-management plan for 3 affected persons" in " ".join(m.value for m in at.markdown)
    record(at, "evidence1", coverage_shortfall_reason="declined_assistance",
           coverage_shortfall_note="Two workers declined assistance after counselling.")
    # The company's default setting needs the final and financial reports as documents before verification, and
    # the closure report before closing. AppTest cannot drive a file upload (tests/e2e/test_evidence_browser.py
    # does): the documents are attached through the service the upload form calls.
    record(at, "closure", verified_by_audit_programme_on=day(310))
    assert "level 1 plan: final report (remediation facilitator) must be attached as a document" in errors(at)
    attach(tmp_path, code, ("final_report", 1), ("financial_report", 1))
    record(at, "closure", verified_by_audit_programme_on=day(310))
    record(at, "closure", closure_report_on=day(312), recommend_close=True)
    record(at, "closure", closed_on=day(315))
    assert "closure report (audit programme) must be attached as a document" in errors(at)
    attach(tmp_path, code, ("closure_report", None))
    record(at, "closure", closed_on=day(315))
    assert "Closed after remediation" in at.success[0].value
    record(at, "lessons", reviewed_on=day(330), objectives_met="yes", victims_satisfied="yes",
           communities_benefited="partly", budget_sufficient="yes", tags=["funding delays"])
    assert not any(s.value.startswith("Needed to move on") for s in at.subheader)
    assert all("check_circle" in m.value for m in at.markdown if m.value.startswith(":green"))
    events = at.dataframe[-1].value["Event"].tolist()  # the timeline's first tab (the audit trail's is not open)
    assert events[-1] == "Lessons learned captured" and "Incident closed" in events
    assert code.startswith("INC-")


def test_a_childs_case_plan_without_consent_is_refused_until_the_best_interest_is_recorded(run_app):
    """Issue #12: the case-plan form shows the best-interest fields; without them the refusal names the field."""
    at, rec = open_demo(run_app, lambda s, r: s.is_open and s.step == 3 and r.plan(1) is not None
                        and r.plan(1).approval.approved_by_audit_programme_on is None)
    before = len(rec.plan(1).case_plans)
    record(at, "case_plan", victim_code="V-090", age_group="child", assistance_types=["legal"],
           provider="Legal Aid Circle", guardian_consent=False)
    assert "the legal guardian's consent is refused, so the child's best interest decides" in errors(at)
    assert f"Coverage: {before} case-management plans" in " ".join(m.value for m in at.markdown)  # nothing saved
    record(at, "case_plan", best_interest_determined_on=TODAY - timedelta(days=1),
           best_interest_determined_by="Provincial Child Protection Unit",
           child_protection_organisation="Child Safe Futures")
    assert not errors(at), errors(at)
    assert f"Coverage: {before + 1} case-management plans" in " ".join(m.value for m in at.markdown)


def test_board_mode_lists_what_is_missing_as_wrapping_text_not_a_clipping_table(run_app):
    """In board mode a long item (a report owed up the reporting chain) wraps on the slide; no grid clips it."""
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.missing)
    at = run_app(page=INCIDENT_PAGE, query={"incident": rec.incident.code, "board": "true"})
    assert not at.exception
    assert not [d for d in at.dataframe if "What is missing" in d.value.columns]
    shown = " ".join(m.value for m in at.markdown)
    first = evaluate(rec).missing[0]
    assert first.role_label in shown and first.text.split(":")[0] in shown.replace("\\", "")


def forms(at) -> set[str]:
    return {b.proto.form_id for b in at.button if b.proto.form_id}


def expanders(at) -> set[str]:
    return {e.label for e in at.expander}


def test_only_the_open_step_tab_runs_and_a_link_names_the_tab(run_app):
    """Issue #15: the step tabs are lazy. The incident opens at its current step, whose forms are drawn; another
    step's forms are not, until its tab is opened (a click, or ``?tab=`` in the link)."""
    at, rec = open_demo(run_app, lambda s, r: s.is_open and s.step == 4 and r.plan(1) is not None
                        and r.plan(1).implementation_started_on is not None)
    assert at.session_state["tab"] == "4. Implement"
    assert {"Add funding", "Add a monitoring report"} <= expanders(at)  # Step 4's "Add …" expanders, collapsed:
    assert not {"funding1", "monitoring1"} & forms(at)  # their forms run only once opened (pages._lazy)
    open_form(at, "funding1")  # as a click on "Add funding" does
    assert "funding1" in forms(at) and "monitoring1" not in forms(at)
    at.run()  # another rerun keeps it open
    assert "funding1" in forms(at)
    assert "lessons" not in forms(at)  # Step 6's form: its tab is not open, so its code did not run
    assert [m.value for m in at.markdown if m.value.startswith("**Step ")] == ["**Step 4: Implement and monitor the plan**"]
    open_tab(at, "6. Lessons")
    assert "lessons" in forms(at) and not {"funding1", "monitoring1"} & forms(at)
    assert "Add funding" not in expanders(at)
    at.run()  # a rerun (another widget, a save elsewhere on the page) keeps the tab chosen
    assert at.session_state["tab"] == "6. Lessons" and "lessons" in forms(at)

    linked = run_app(page=INCIDENT_PAGE, query={"incident": rec.incident.code, "tab": "6. Lessons"})
    assert linked.session_state["tab"] == "6. Lessons" and "lessons" in forms(linked)
    assert "Add funding" not in expanders(linked)
    for unusable in ("9. Nope", "6.%20Lessons", ""):  # a tab the page does not have: the current step
        other = run_app(page=INCIDENT_PAGE, query={"incident": rec.incident.code, "tab": unusable})
        assert not other.exception
        assert other.session_state["tab"] == "4. Implement" and "Add funding" in expanders(other), unusable


def test_a_step_recorded_opens_the_next_steps_tab_and_another_page_forgets_the_tab(run_app):
    """The tab follows the incident's step once a step is recorded; back from another page through an incident
    link, the incident opens at its current step, not at the tab last looked at."""
    at, rec = open_demo(run_app, _awaiting_investigation)
    open_tab(at, "6. Lessons")
    open_tab(at, "1. Verify")
    assert "assessment" not in forms(at)
    record(at, "substantiation", substantiated=True, trading_link="current",
           decided_on=rec.verification.notice.notified_on + timedelta(days=1))
    assert at.session_state["tab"] == "2. Level" and "assessment" in forms(at)  # Step 2's form, drawn at once

    open_tab(at, "1. Verify")
    at.switch_page(str(APP.parent / "pages/triage.py"))
    at.query_params.clear()
    at.query_params["from"] = rec.incident.code
    at.run()
    assert not at.exception and at.title[0].value == "What-if triage"
    at.switch_page(str(APP.parent / INCIDENT_PAGE))
    at.query_params.clear()
    at.query_params["incident"] = rec.incident.code  # the triage page's "Open …" link
    at.run()
    assert not at.exception
    assert at.session_state["tab"] == "2. Level" and "assessment" in forms(at)
