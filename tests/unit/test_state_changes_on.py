"""When a stored workflow state goes stale by the date alone (issue 13, the reporting cadence):
:func:`remediation.domain.workflow.state_changes_on` names the first day the evaluation may differ in what the incident
row keeps (what the incident waits for, who owes it, how many warnings). Checked on a generated portfolio: on every
day before that day the evaluation is the same, at every cadence; outside Step 4 the date never changes it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from remediation.domain.workflow import DATED_STEPS, evaluate, state_changes_on
from remediation.services.demo import generate

T0 = date(2026, 6, 1)
RECORDS = list(generate(600, seed=11, today=T0))


def _kept(state) -> tuple:
    return state.step, state.status, state.step_entered_on, state.waiting_for, state.owed_by, len(state.warnings)


@pytest.mark.parametrize("cadence", ["monthly", "quarterly", "half_yearly"])
def test_nothing_the_row_keeps_changes_before_the_day_named(cadence):
    dated = changed = 0
    for record in RECORDS:
        for day in (T0, T0 + timedelta(days=45)):
            state = evaluate(record, day, cadence)
            until = state_changes_on(record, state, day, cadence)
            if state.step not in DATED_STEPS or not state.is_open:
                assert until is None
                assert _kept(evaluate(record, day + timedelta(days=900), cadence)) == _kept(state)
                continue
            dated += 1
            last = (until - timedelta(days=1)) if until else day + timedelta(days=900)
            probes = {day + timedelta(days=1), last, day + (last - day) / 2}
            for probe in (p for p in probes if p <= last):
                assert _kept(evaluate(record, probe, cadence)) == _kept(state), (record.incident.code, day, probe)
            if until and _kept(evaluate(record, until, cadence)) != _kept(state):
                changed += 1
    assert dated > 50 and changed > 10  # the portfolio exercises it: days named are days something changes


def test_a_report_falling_overdue_is_named_the_day_after_it_was_due():
    from remediation.domain.workflow import reports_overdue
    for record in RECORDS:
        state = evaluate(record, T0)
        until = state_changes_on(record, state, T0)
        if until and any(reports_overdue(p, until) != reports_overdue(p, T0) for p in record.plans):
            assert all(reports_overdue(p, until - timedelta(days=1)) == reports_overdue(p, T0) for p in record.plans)
            return
    pytest.fail("no report of the generated portfolio falls overdue after T0")
