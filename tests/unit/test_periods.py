"""Reporting periods in the domain: labels, the period before, reading a period back from its slug, the last
complete quarter, and a record as it stood on a date (facts dated later left out)."""

from __future__ import annotations

from datetime import date

import pytest

from remediation.domain.periods import (
    Period,
    as_of,
    half,
    incident_figures,
    last_complete_quarter,
    parse_period,
    quarter,
    state_on,
    year,
)
from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture


@pytest.mark.parametrize("period, label, slug, previous", [
    (quarter(2025, 3), "Q3 2025", "2025-Q3", quarter(2025, 2)),
    (quarter(2025, 1), "Q1 2025", "2025-Q1", quarter(2024, 4)),
    (half(2025, 1), "H1 2025", "2025-H1", half(2024, 2)),
    (half(2025, 2), "H2 2025", "2025-H2", half(2025, 1)),
    (year(2025), "2025", "2025", year(2024)),
    (Period(date(2025, 2, 1), date(2025, 2, 28)), "2025-02-01 to 2025-02-28", "2025-02-01_2025-02-28",
     Period(date(2025, 1, 4), date(2025, 1, 31))),
])
def test_labels_slugs_and_the_period_before(period, label, slug, previous):
    assert (period.label, period.slug, period.previous()) == (label, slug, previous)
    assert parse_period(slug) == period
    assert (period.previous().end - period.start).days == -1  # the period before ends the day before


def test_quarters_inside_and_the_last_complete_quarter():
    assert year(2024).quarters() == [quarter(2024, n) for n in range(1, 5)]
    assert half(2024, 2).quarters() == [quarter(2024, 3), quarter(2024, 4)]
    assert quarter(2024, 2).end == date(2024, 6, 30) and quarter(2024, 1).end == date(2024, 3, 31)
    assert last_complete_quarter(date(2026, 12, 1)) == quarter(2026, 3)
    assert last_complete_quarter(date(2026, 2, 10)) == quarter(2025, 4)


@pytest.mark.parametrize("text", ["2025-Q5", "2025-H3", "twenty", "2025-03-01_2025-02-01"])
def test_a_period_that_cannot_be_read_names_the_field(text):
    with pytest.raises(ValueError, match=r"^(period|end|quarter|half): "):
        parse_period(text)


def test_a_record_as_it_stood_leaves_out_what_is_dated_later():
    closed = next(r for r in read_fixture() if evaluate(r).status == "closed_remediated" and r.lessons)
    received = closed.incident.date_received
    assert as_of(closed, date.fromordinal(received.toordinal() - 1)) is None
    first_day = as_of(closed, received)
    assert first_day.plans == [] and first_day.verification.credibility in (None, closed.verification.credibility)
    assert state_on(closed, received).step == 1
    approved = closed.plans[0].approval.approved_by_audit_programme_on
    before = as_of(closed, date.fromordinal(approved.toordinal() - 1))
    assert before.plans[0].approval.approved_by_audit_programme_on is None
    assert before.closure.closed_on is None and before.lessons is None
    assert state_on(closed, closed.closure.closed_on).status == "closed_remediated"
    assert as_of(closed, date(2100, 1, 1)) == closed  # nothing later: the record itself


def test_an_action_from_lessons_closed_later_is_open_as_it_stood_and_counts_when_closed():
    closed = next(r for r in read_fixture() if r.lessons and any(a.closed_on for a in r.lessons.actions))
    action = next(a for a in closed.lessons.actions if a.closed_on)
    before = as_of(closed, date.fromordinal(action.closed_on.toordinal() - 1))
    if before.lessons is not None:
        then = next(a for a in before.lessons.actions if a.title == action.title)
        assert then.status == "open" and then.closed_on is None
    on_the_day = as_of(closed, action.closed_on)
    assert next(a for a in on_the_day.lessons.actions if a.title == action.title).status == action.status
    assert incident_figures(closed, Period(action.closed_on, action.closed_on)).get("actions_closed", 0) >= 1
    assert incident_figures(closed, Period(date(1990, 1, 1), date(1990, 12, 31))).get("actions_closed", 0) == 0
