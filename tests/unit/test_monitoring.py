"""Indicator status, burn rate and the monitoring window: table-driven."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from remediation.domain.models import Indicator, Measurement, MonitoringReport, Plan, PlanClosure
from remediation.domain.monitoring import burn_rate, expected_value, indicator_status, monitoring_window

B, T = date(2025, 1, 1), date(2026, 1, 1)  # baseline and target dates: 365 days


def quantitative(*measured: tuple[date, float], baseline=0.0, target=100.0) -> Indicator:
    return Indicator(name="Workers trained", kind="quantitative", unit="persons", baseline_value=baseline,
                     baseline_date=B, target_value=target, target_date=T,
                     measurements=[Measurement(measured_on=d, value=v) for d, v in measured])


def qualitative(*measured: tuple[date, str]) -> Indicator:
    return Indicator(name="Protocol adopted", kind="qualitative", baseline_date=B, target_date=T,
                     measurements=[Measurement(measured_on=d, status=s) for d, s in measured])


MID = date(2025, 7, 2)  # 182 days in: expected progress 182/365 ≈ 0.499

STATUS_CASES = [
    pytest.param(quantitative(), MID, "not_measured", id="no measurement"),
    pytest.param(quantitative((MID, 50)), MID, "on_track", id="on the line"),
    pytest.param(quantitative((MID, 45)), MID, "on_track", id="90% of expected progress"),
    pytest.param(quantitative((MID, 44)), MID, "at_risk", id="just under 90%"),
    pytest.param(quantitative((MID, 35)), MID, "at_risk", id="70% of expected progress"),
    pytest.param(quantitative((MID, 34)), MID, "off_track", id="just under 70%"),
    pytest.param(quantitative((MID, 100)), MID, "achieved", id="target reached early"),
    pytest.param(quantitative((date(2025, 12, 1), 95)), date(2026, 2, 1), "off_track", id="past target, not achieved"),
    pytest.param(quantitative((B, 0)), B, "on_track", id="measured on the baseline date"),
    pytest.param(quantitative((MID, 75), baseline=100, target=50), MID, "on_track", id="falling target on the line"),
    pytest.param(quantitative((MID, 95), baseline=100, target=50), MID, "off_track", id="falling target, barely moved"),
    pytest.param(quantitative((MID, 50), (date(2025, 3, 1), 10)), MID, "on_track", id="latest by date, not by order"),
    pytest.param(qualitative((MID, "achieved")), MID, "achieved", id="qualitative achieved"),
    pytest.param(qualitative((MID, "in_progress")), MID, "on_track", id="qualitative in progress"),
    pytest.param(qualitative((MID, "not_started")), MID, "at_risk", id="qualitative not started at mid-point"),
    pytest.param(qualitative((date(2025, 2, 1), "not_started")), date(2025, 2, 1), "on_track",
                 id="qualitative not started early"),
    pytest.param(qualitative((MID, "not_achieved")), MID, "off_track", id="qualitative not achieved"),
    pytest.param(qualitative((MID, "in_progress")), date(2026, 2, 1), "off_track", id="qualitative past target"),
]


@pytest.mark.parametrize(("indicator", "today", "status"), STATUS_CASES)
def test_indicator_status(indicator, today, status):
    assert indicator_status(indicator, today) == status


def test_expected_value_follows_the_straight_line_and_stops_at_the_target():
    ind = quantitative(baseline=20, target=120)
    assert expected_value(ind, B) == 20
    assert expected_value(ind, date(2025, 7, 2)) == pytest.approx(20 + 100 * 182 / 365)
    assert expected_value(ind, date(2027, 1, 1)) == 120


S, E = date(2025, 1, 1), date(2025, 12, 31)  # a 364-day plan
BURN_CASES = [
    pytest.param(0, 100, None, E, date(2025, 6, 1), "not_started", id="not started"),
    pytest.param(50, 100, S, E, date(2025, 7, 2), "on_budget", id="half spent at half time"),
    pytest.param(64, 100, S, E, date(2025, 7, 2), "on_budget", id="14 points ahead"),
    pytest.param(70, 100, S, E, date(2025, 7, 2), "overspending", id="20 points ahead"),
    pytest.param(30, 100, S, E, date(2025, 7, 2), "underspending", id="20 points behind"),
    pytest.param(101, 100, S, E, date(2025, 7, 2), "over_budget", id="over budget"),
    pytest.param(90, 100, S, E, date(2026, 6, 1), "on_budget", id="after the end, 90% spent"),
]


@pytest.mark.parametrize(("spent", "budget", "start", "end", "today", "status"), BURN_CASES)
def test_burn_rate(spent, budget, start, end, today, status):
    assert burn_rate(Decimal(spent), Decimal(budget), start, end, today).status == status


def _plan(start, reports=0, final=None) -> Plan:
    return Plan(level=2, facilitator="F", facilitator_type="local_ngo", currency="USD",
                estimated_cost=Decimal(100), designed_on=date(2024, 12, 1), implementation_started_on=start,
                monitoring_reports=[MonitoringReport(period_start=start, period_end=start, received_on=start)
                                    for _ in range(reports)],
                closure=PlanClosure(final_report_on=final))


@pytest.mark.parametrize(("start", "reports", "final", "today", "months", "due", "flagged"), [
    pytest.param(None, 0, None, date(2025, 6, 1), 0, 0, False, id="not started"),
    pytest.param(date(2025, 1, 15), 1, None, date(2025, 7, 14), 5, 1, False, id="five whole months"),
    pytest.param(date(2025, 1, 15), 2, None, date(2025, 7, 15), 6, 2, False, id="six months: in the window"),
    pytest.param(date(2025, 1, 15), 4, None, date(2026, 1, 15), 12, 4, False, id="twelve months: still in"),
    pytest.param(date(2025, 1, 15), 4, None, date(2026, 2, 15), 13, 4, True, id="past 12 months, no final report"),
    pytest.param(date(2025, 1, 15), 4, date(2026, 1, 20), date(2026, 3, 1), 13, 4, False, id="final report in"),
])
def test_monitoring_window(start, reports, final, today, months, due, flagged):
    window = monitoring_window(_plan(start, reports, final), today)
    assert (window.months, window.reports_received, window.reports_due, window.flagged) == (months, reports, due,
                                                                                             flagged)
