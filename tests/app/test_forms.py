"""The generic model form (pages/_forms.py), driven through a small bench script with AppTest.

What matters to a user: the right widget for each kind of answer, with the vocabulary's labels;
nothing pre-chosen for a decision; every error drawn directly under the field it is about, with what
they typed kept; nothing returned (so nothing saved) until the model accepts the whole form.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from pages._forms import describe, errors_from_exception, humanise, vocabulary_for
from remediation.domain import models, vocab
from remediation.storage.records import ConflictError

BENCH = str(Path(__file__).resolve().parent / "forms_app.py")

STEP_FORMS = [
    "Credibility", "Actionability", "AuditProgrammeNotice", "Substantiation", "CorrectiveAction",
    "SmelterNotice", "PlanHeader", "CasePlan", "Initiative", "Indicator", "BudgetLine", "Funding",
    "Expenditure", "MonitoringReport", "Measurement", "PlanApproval", "PlanClosure", "Closure", "Lessons",
    "IncidentIn",
    # newer one-date forms, where this checkout has them
    *(name for name in ("AssessmentRequest", "ImplementationStart") if hasattr(models, name)),
]
NESTED = {"indicators", "measurements", "milestones", "actions"}  # recorded by forms of their own
PAST = date(2024, 3, 15)


def bench(form: str, **state) -> AppTest:
    at = AppTest.from_file(BENCH, default_timeout=30)
    at.session_state["form"] = form
    for name, value in state.items():
        at.session_state[name] = value
    at.run()
    assert not at.exception
    return at


def submit(at: AppTest) -> AppTest:
    at.button[0].click().run()
    assert not at.exception
    return at


def saved(at: AppTest) -> dict | None:
    return json.loads(at.code[0].value) if at.code else None


def _widget_key(element) -> str | None:
    return getattr(element, "key", None) if getattr(element, "type", None) != "form" else None


def errors_under(at: AppTest, key: str) -> list[str]:
    """The error messages drawn after the widget ``key`` and before the next widget."""
    elements = list(at.main)
    start = next(i for i, e in enumerate(elements) if _widget_key(e) == key)
    found = []
    for element in elements[start + 1:]:
        if _widget_key(element):
            break
        if type(element).__name__ == "Error":
            found.append(element.value)
    return found


def form_errors(at: AppTest) -> list[str]:
    """The error messages at the top of the form, before its first widget."""
    found = []
    for element in list(at.main):
        if _widget_key(element):
            break
        if type(element).__name__ == "Error":
            found.append(element.value)
    return found


def all_errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def fill_funding(at: AppTest, *, pledged: float = 5000, received: float = 1200) -> AppTest:
    at.selectbox(key="Funding.source").set_value("smelter_refiner")
    at.text_input(key="Funding.funder").input("  Example Smelter Ltd ")
    at.number_input(key="Funding.pledged").set_value(pledged)
    at.number_input(key="Funding.received").set_value(received)
    at.date_input(key="Funding.pledged_on").set_value(PAST)
    return at


# --- Widgets from annotations ----------------------------------------------------------------------

@pytest.mark.parametrize("form", STEP_FORMS)
def test_every_step_form_renders_one_widget_per_field(form):
    at = bench(form)
    model = getattr(models, form)
    drawn = [e.key for e in at.main if _widget_key(e) and not e.key.startswith("FormSubmitter")
             and not e.key.endswith(".__submit")]
    fixed = {"level"} if form == "PlanHeader" else set()
    assert drawn == [f"{form}.{name}" for name in model.model_fields if name not in NESTED | fixed]
    assert not at.error  # nothing complains before the user has done anything


def test_funding_widgets_follow_the_field_types():
    at = bench("Funding")
    source = at.selectbox(key="Funding.source")
    assert source.options == list(vocab.FUNDING_SOURCES.values())
    assert "Smelter/refiner" in source.options
    assert source.value is None and source.proto.placeholder  # a required choice starts empty
    pledged = at.number_input(key="Funding.pledged")
    assert pledged.value is None and pledged.min == 0 and pledged.proto.format == "%.2f"
    assert at.number_input(key="Funding.received").value == 0  # the model's default
    pledged_on = at.date_input(key="Funding.pledged_on")
    assert pledged_on.value is None  # required date: never silently today
    assert pledged_on.proto.max == date.today().isoformat()  # PastDate: no future dates offered
    assert pledged_on.proto.format == "YYYY-MM-DD"
    assert at.text_input(key="Funding.funder").proto.max_chars == 200


def test_case_plan_widgets_follow_the_field_types():
    at = bench("CasePlan")
    assert at.text_input(key="CasePlan.victim_code")  # a code: one line
    assert at.selectbox(key="CasePlan.age_group").options == ["Adult", "Child"]
    kinds = at.multiselect(key="CasePlan.assistance_types")
    assert kinds.options == list(vocab.ASSISTANCE_TYPES.values())
    consent = at.radio(key="CasePlan.guardian_consent")
    assert consent.options == ["Yes", "No", "Not recorded"]  # bool | None
    assert consent.value is None and consent.proto.default == 2  # "Not recorded" until answered
    assert at.date_input(key="CasePlan.referral_date").value is None
    assert at.text_area(key="CasePlan.notes").proto.max_chars == 4000
    assert "Pseudonymous code such as V-014" in at.text_input(key="CasePlan.victim_code").proto.help


def test_a_required_decision_is_not_pre_chosen():
    at = bench("Substantiation")
    decision = at.radio(key="Substantiation.substantiated")
    assert decision.options == ["Yes", "No"]
    assert decision.index is None and decision.value is None
    assert decision.proto.label == "Is the allegation substantiated?"  # labels= override
    link = at.selectbox(key="Substantiation.trading_link")
    assert link.options == ["Not recorded", "Current trading", "Past trading"]  # optional: None offered
    assert link.value is None


def test_lessons_review_answers_text_areas_and_tags():
    at = bench("Lessons")
    assert at.selectbox(key="Lessons.objectives_met").options == list(vocab.REVIEW_ANSWERS.values())
    assert at.text_area(key="Lessons.challenges").proto.max_chars == 4000
    tags = at.multiselect(key="Lessons.tags")
    assert tags.options == ["child-labour", "funding-gap"]  # choices= from the page
    assert tags.proto.accept_new_options


def test_ints_checkboxes_and_floats():
    at = bench("IncidentIn")
    affected = at.number_input(key="IncidentIn.affected_persons")
    assert affected.min == 1 and affected.max == 1_000_000 and affected.proto.data_type == affected.proto.INT
    assert at.number_input(key="IncidentIn.children_affected").value == 0
    assert at.checkbox(key="IncidentIn.repeated").value is False  # a bool with a default
    assert at.text_area(key="IncidentIn.summary")
    assert at.selectbox(key="IncidentIn.trading_link").options == ["Current trading", "Past trading", "None"]
    assert at.selectbox(key="IncidentIn.trading_link").value == "none"
    baseline = bench("Indicator").number_input(key="Indicator.baseline_value")
    assert baseline.value is None and baseline.proto.data_type == baseline.proto.FLOAT


def test_choices_replace_a_fields_options():
    at = bench("Expenditure")
    category = at.selectbox(key="Expenditure.category")
    assert category.options == ["Shelter", "Legal fees"] and category.value is None


def test_fields_labels_and_help_are_the_pages_choice():
    at = bench("Funding", kwargs={"fields": ["funder", "source", "pledged", "pledged_on"],
                                  "labels": {"funder": "Who pledged it"}, "help": {"funder": "As on the letter"}})
    drawn = [e.key for e in at.main if _widget_key(e) and not e.key.startswith("FormSubmitter")
             and not e.key.endswith(".__submit")]
    assert drawn == ["Funding.funder", "Funding.source", "Funding.pledged", "Funding.pledged_on"]
    funder = at.text_input(key="Funding.funder")
    assert funder.label == "Who pledged it *" and funder.proto.help == "As on the letter"
    funder.input("Ministry")
    at.selectbox(key="Funding.source").set_value("government")
    at.number_input(key="Funding.pledged").set_value(10)
    at.date_input(key="Funding.pledged_on").set_value(PAST)
    assert saved(submit(at))["received"] == "0"  # not drawn: the model's default


def test_privacy_reminder_is_visible_under_the_free_text_about_victims():
    at = bench("CasePlan")
    captions = [c.value for c in at.caption]
    assert sum(models.NO_NAMES_REMINDER in c for c in captions) == 2  # victim code and notes
    elements = list(at.main)
    for key in ("CasePlan.victim_code", "CasePlan.notes"):
        i = next(i for i, e in enumerate(elements) if _widget_key(e) == key)
        following = [e for e in elements[i + 1:i + 3] if type(e).__name__ == "Caption"]
        assert following and models.NO_NAMES_REMINDER in following[0].value
    assert at.text_area(key="CasePlan.notes").proto.help == ""  # said visibly, not twice


# --- Submitting --------------------------------------------------------------------------------

def test_a_valid_submit_returns_the_model():
    at = submit(fill_funding(bench("Funding")))
    assert not at.error
    assert saved(at) == {"source": "smelter_refiner", "funder": "Example Smelter Ltd", "pledged": "5000.00",
                         "received": "1200.00", "pledged_on": "2024-03-15"}


def test_an_empty_submit_says_what_is_required_under_each_field_and_returns_nothing():
    at = submit(bench("Funding"))
    assert saved(at) is None
    for field in ("source", "funder", "pledged", "pledged_on"):
        assert errors_under(at, f"Funding.{field}") == ["Required."]
    assert errors_under(at, "Funding.received") == []
    assert "Nothing was saved" in at.warning[0].value and "Pledged on" in at.warning[0].value


def test_received_more_than_pledged_is_shown_under_received_and_nothing_is_returned():
    at = submit(fill_funding(bench("Funding"), pledged=1000, received=1500))
    assert saved(at) is None
    assert errors_under(at, "Funding.received") == ["1500.00 received is more than the 1000.00 pledged"]
    assert errors_under(at, "Funding.pledged") == []
    assert at.number_input(key="Funding.received").value == 1500  # what the user typed is kept
    assert at.text_input(key="Funding.funder").value == "  Example Smelter Ltd "


def test_a_negative_amount_cannot_be_entered_and_is_never_returned():
    at = fill_funding(bench("Funding"))
    assert at.number_input(key="Funding.pledged").min == 0  # the browser refuses it outright
    at.number_input(key="Funding.pledged").set_value(-5)
    at = submit(at)
    assert saved(at) is None
    assert errors_under(at, "Funding.pledged")


def test_fixing_the_error_and_submitting_again_clears_it_and_returns_the_model():
    at = submit(fill_funding(bench("Funding"), pledged=1000, received=1500))
    at.number_input(key="Funding.pledged").set_value(2000)
    at = submit(at)
    assert not at.error and not at.warning
    assert saved(at)["pledged"] == "2000.00"


def test_a_child_case_plan_without_guardian_consent_is_refused_under_guardian_consent():
    at = bench("CasePlan")
    at.text_input(key="CasePlan.victim_code").input("v-014")
    at.selectbox(key="CasePlan.age_group").set_value("child")
    at.multiselect(key="CasePlan.assistance_types").set_value(["legal", "shelter_accommodation"])
    at.text_input(key="CasePlan.provider").input("Local shelter")
    at = submit(at)
    assert saved(at) is None
    [message] = errors_under(at, "CasePlan.guardian_consent")
    assert message.startswith("A child victim's plan records the legal guardian's consent")
    assert all_errors(at) == [message]

    at.radio(key="CasePlan.guardian_consent").set_value(True)
    at = submit(at)
    assert saved(at) == {"victim_code": "V-014", "age_group": "child",
                         "assistance_types": ["shelter_accommodation", "legal"], "provider": "Local shelter",
                         "referral_date": None, "guardian_consent": True, "notes": "",
                         "best_interest_determined_on": None, "best_interest_determined_by": "",
                         "child_protection_organisation": "", "informed_consent": None,
                         "wishes_shaped_plan": None}


def test_a_victim_code_in_the_wrong_format_says_what_is_expected():
    at = bench("CasePlan")
    at.text_input(key="CasePlan.victim_code").input("Maria Lopez")
    at = submit(at)
    assert errors_under(at, "CasePlan.victim_code") == ["Use the expected format: pseudonymous code such as V-014."]
    assert errors_under(at, "CasePlan.assistance_types") == ["Choose at least one."]


def test_a_model_level_error_lands_under_the_field_it_names():
    at = bench("Substantiation")
    at.radio(key="Substantiation.substantiated").set_value(True)
    at.date_input(key="Substantiation.decided_on").set_value(PAST)
    at = submit(at)
    assert saved(at) is None
    assert errors_under(at, "Substantiation.trading_link") == [
        "A substantiated allegation needs its link (current or past trading)"]
    assert errors_under(at, "Substantiation.substantiated") == []

    at.selectbox(key="Substantiation.trading_link").set_value("past")
    at = submit(at)
    assert errors_under(at, "Substantiation.stopped_trading_date") == ["Past trading needs the date trading stopped"]
    assert errors_under(at, "Substantiation.trading_link") == []


def test_a_future_date_offered_as_a_default_is_drawn_and_refused_under_its_field():
    tomorrow = date.today() + timedelta(days=1)
    at = bench("Substantiation", kwargs={"defaults": {"decided_on": tomorrow, "substantiated": False}})
    assert at.date_input(key="Substantiation.decided_on").value == tomorrow
    assert at.radio(key="Substantiation.substantiated").value is False
    at = submit(at)
    assert saved(at) is None
    [message] = errors_under(at, "Substantiation.decided_on")
    assert message == f"{tomorrow.isoformat()} is in the future; record only what has happened"


def test_fixed_values_are_validated_and_returned_but_not_drawn():
    at = bench("PlanHeader")
    at.text_input(key="PlanHeader.facilitator").input("Example NGO")
    at.selectbox(key="PlanHeader.facilitator_type").set_value("local_ngo")
    at.selectbox(key="PlanHeader.currency").set_value("USD")
    at.number_input(key="PlanHeader.estimated_cost").set_value(25000)
    at.date_input(key="PlanHeader.designed_on").set_value(PAST)
    at = submit(at)
    # level=1 is fixed, so the Level 1 rule applies: it names a field that is on the form
    assert errors_under(at, "PlanHeader.victim_service_coordinator")[0].startswith(
        "A Level 1 plan names the victim service coordinator")
    at.text_input(key="PlanHeader.victim_service_coordinator").input("VSC Example")
    at = submit(at)
    assert saved(at)["level"] == 1 and saved(at)["victim_service_coordinator"] == "VSC Example"


def test_new_tags_can_be_typed():
    at = bench("Lessons")
    at.date_input(key="Lessons.reviewed_on").set_value(PAST)
    for field in ("objectives_met", "victims_satisfied", "communities_benefited", "budget_sufficient"):
        at.selectbox(key=f"Lessons.{field}").set_value("partly")
    at.multiselect(key="Lessons.tags").set_value(["funding-gap", "Shelter Capacity"])
    at = submit(at)
    assert saved(at)["tags"] == ["funding-gap", "shelter capacity"]


# --- Errors from the service layer ---------------------------------------------------------------

def test_a_refusal_naming_a_field_lands_under_that_field():
    at = bench("Substantiation", refuse="decided_on: the finding cannot come before the allegation was received")
    at.radio(key="Substantiation.substantiated").set_value(False)
    at.date_input(key="Substantiation.decided_on").set_value(PAST)
    at = submit(at)
    assert saved(at) is None
    assert errors_under(at, "Substantiation.decided_on") == [
        "The finding cannot come before the allegation was received"]
    assert form_errors(at) == []
    assert at.date_input(key="Substantiation.decided_on").value == PAST


def test_a_refusal_naming_no_field_is_shown_at_the_top_of_the_form():
    at = bench("Substantiation", refuse="INC-2024-001 is closed (closed_not_credible); nothing more can be recorded.")
    at.radio(key="Substantiation.substantiated").set_value(False)
    at.date_input(key="Substantiation.decided_on").set_value(PAST)
    at = submit(at)
    assert form_errors(at) == ["INC-2024-001 is closed (closed_not_credible); nothing more can be recorded."]
    assert all_errors(at) == form_errors(at)


def test_errors_from_whole_record_validation_and_conflicts_are_placed():
    record = models.IncidentRecord.model_validate_json(
        json.dumps({"incident": {"code": "INC-2024-001", "title": "T", "mineral": "tin", "country": "X",
                                 "smelter_refiner": "S", "audit_programme": "lbma",
                                 "violation_types": ["forced_labour"], "allegation_source": "NGO",
                                 "date_received": "2024-02-01", "incident_date": "2024-01-01",
                                 "affected_persons": 3}}))
    data = record.model_dump(mode="json")
    data["closure"] = {"closure_report_on": "2024-05-01"}
    with pytest.raises(ValidationError) as caught:
        models.IncidentRecord.model_validate(data)
    errors = errors_from_exception(caught.value)
    assert list(errors) == ["closure_report_on"]
    assert errors["closure_report_on"][0].startswith("The audit programme verifies completion")

    assert errors_from_exception(ConflictError("Someone else saved INC-2024-001; reload it.")) == {
        None: ["Someone else saved INC-2024-001; reload it."]}
    assert errors_from_exception(RuntimeError()) == {None: ["The change could not be saved (RuntimeError)."]}


def test_an_error_about_a_field_not_on_the_form_is_shown_at_the_top_with_its_name():
    at = bench("Funding", refuse="plans: at most one plan per level")
    at = submit(fill_funding(at))
    assert form_errors(at) == ["Plans: At most one plan per level"]


# --- Read-only and reset -------------------------------------------------------------------------

def test_disabled_draws_every_widget_and_the_submit_disabled():
    at = bench("CasePlan", disabled=True)
    widgets = [e for e in at.main if _widget_key(e)]
    assert widgets and all(e.proto.disabled for e in widgets)
    assert at.button[0].proto.disabled
    with pytest.raises(AppTestError, match="disabled"):
        at.button[0].click()


def test_reset_form_clears_the_values_after_a_save():
    at = submit(fill_funding(bench("Funding", reset_after_save=True)))
    assert saved(at)["funder"] == "Example Smelter Ltd"
    assert at.text_input(key="Funding.funder").value == ""
    assert at.selectbox(key="Funding.source").value is None


# --- The pieces ---------------------------------------------------------------------------------

def test_literal_values_find_their_vocabulary():
    assert vocabulary_for([1, 2]) == vocab.LEVELS
    assert vocabulary_for(["current", "past"]) == vocab.TRADING_LINKS
    assert vocabulary_for(["current", "past", "none"]) == {**vocab.TRADING_LINKS, "none": "None"}
    assert vocabulary_for(["USD", "EUR"]) == {"USD": "USD", "EUR": "EUR"}


def test_labels_and_field_kinds():
    assert humanise("decided_on") == "Decided on"
    assert describe(models.Funding, "pledged").kind == "money"
    assert describe(models.Funding, "pledged_on").past_only
    assert not describe(models.Indicator, "baseline_date").past_only
    assert describe(models.CasePlan, "referral_date").past_only  # through Optional[Annotated[...]]
    assert describe(models.Lessons, "tags").kind == "tags"
    with pytest.raises(TypeError, match="exclude it"):
        describe(models.Indicator, "measurements")
