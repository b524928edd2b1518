"""Validation shared by every model: what has happened cannot be dated in the future, codes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from remediation.domain import models as m

TOMORROW = date.today() + timedelta(days=1)
D = date(2024, 1, 10)

# (model, valid keyword arguments, the date field to push into the future)
CASES = [
    (m.Credibility, dict(credible=True, decided_on=D), "decided_on"),
    (m.Actionability, dict(actionable=True, decided_on=D), "decided_on"),
    (m.AuditProgrammeNotice, dict(notified_on=D), "notified_on"),
    (m.Substantiation, dict(substantiated=False, decided_on=D), "decided_on"),
    (m.CorrectiveAction, dict(description="Enhanced due diligence", decided_on=D), "decided_on"),
    (m.SmelterNotice, dict(notified_on=D), "notified_on"),
    (m.PlanApproval, dict(submitted_by_facilitator_on=D), "submitted_by_facilitator_on"),
    (m.Funding, dict(source="government", funder="Ministry", pledged=Decimal(5), pledged_on=D), "pledged_on"),
    (m.Expenditure, dict(spent_on=D, amount=Decimal(5), category="Staff"), "spent_on"),
    (m.Measurement, dict(measured_on=D, value=1.0), "measured_on"),
    (m.PlanClosure, dict(final_report_on=D), "final_report_on"),
    (m.Closure, dict(verified_by_audit_programme_on=D), "verified_by_audit_programme_on"),
    (m.Lessons, dict(reviewed_on=D, objectives_met="yes", victims_satisfied="yes", communities_benefited="yes",
                     budget_sufficient="yes"), "reviewed_on"),
    (m.CasePlan, dict(victim_code="V-001", age_group="adult", assistance_types=["legal"], provider="Clinic",
                      referral_date=D), "referral_date"),
]


@pytest.mark.parametrize(("model", "kwargs", "field"), CASES, ids=[f"{c[0].__name__}.{c[2]}" for c in CASES])
def test_a_recorded_event_cannot_be_dated_in_the_future(model, kwargs, field):
    model(**kwargs)  # the valid version is accepted
    with pytest.raises(ValidationError) as exc:
        model(**{**kwargs, field: TOMORROW})
    error = exc.value.errors()[0]
    assert error["loc"] == (field,)
    assert "in the future" in error["msg"]


def test_targets_and_due_dates_may_lie_ahead():
    m.Indicator(name="Teachers trained", kind="quantitative", unit="teachers", baseline_value=0, target_value=60,
                baseline_date=D, target_date=TOMORROW + timedelta(days=300))


@pytest.mark.parametrize(("given", "stored"), [("inc-2024-007", "INC-2024-007"), (" INC-2024-0071 ", "INC-2024-0071")])
def test_incident_codes_are_stored_in_capitals(given, stored):
    incident = m.IncidentIn(code=given, title="t", mineral="tin", country="Rwanda", smelter_refiner="S",
                            audit_programme="rmi_rmap", violation_types=["forced_labour"], allegation_source="NGO",
                            date_received=D, incident_date=D, affected_persons=1)
    assert incident.code == stored


def test_field_of_error_reads_the_field_a_model_level_error_names():
    assert m.field_of_error("Value error, closed_on: the company closes on …") == "closed_on"
    assert m.field_of_error("something without a field") is None
