"""Level 2 monitoring: indicator status, burn rate and the monitoring window, computed, never typed.

Level 2 plans "define clear expected results that can be monitored and measured over time using
quantitative or qualitative performance indicators" (guideline lines 1381-1383), and monitoring runs
"for 6-12 months post the start of the remediation action plan's implementation" (lines 1393-1396).

- An indicator is judged against the straight line from its baseline to its target: by the date of
  its latest measurement it should have covered that share of the way. ``on_track`` at
  :data:`ON_TRACK` of the expected progress or more, ``at_risk`` from :data:`AT_RISK`, else
  ``off_track``; ``achieved`` once the target is reached; past the target date and not achieved is
  ``off_track``.
- The burn rate compares the share of the budget spent with the share of the plan's time elapsed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from remediation.domain.models import Indicator, Plan

ON_TRACK = 0.9  # share of the expected progress
AT_RISK = 0.7
BURN_TOLERANCE = 0.15  # spent share may run this far from the time share before it is flagged
REPORT_EVERY_MONTHS = 3  # the monitoring reports a plan is expected to send: quarterly
MONITORING_MONTHS = (6, 12)  # guideline lines 1393-1396

IndicatorStatus = Literal["achieved", "on_track", "at_risk", "off_track", "not_measured"]
STATUS_LABELS: dict[str, str] = {
    "achieved": "Achieved", "on_track": "On track", "at_risk": "At risk", "off_track": "Off track",
    "not_measured": "Not measured yet",
}


def _share(start: date, end: date, on: date) -> float:
    """How far ``on`` lies from ``start`` to ``end``, clamped to 0..1."""
    span = (end - start).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (on - start).days / span))


def expected_value(ind: Indicator, on: date) -> float:
    """Where a quantitative indicator should be on ``on``, on the straight line from baseline to target."""
    return ind.baseline_value + (ind.target_value - ind.baseline_value) * _share(ind.baseline_date, ind.target_date, on)


def indicator_status(ind: Indicator, today: date) -> IndicatorStatus:
    if not ind.measurements:
        return "not_measured"
    last = max(ind.measurements, key=lambda m: m.measured_on)
    expected_share = _share(ind.baseline_date, ind.target_date, last.measured_on)
    if ind.kind == "qualitative":
        if last.status == "achieved":
            return "achieved"
        if last.status == "not_achieved" or today > ind.target_date:
            return "off_track"
        if last.status == "not_started":
            return "at_risk" if expected_share > 0.25 else "on_track"
        return "on_track"
    span = ind.target_value - ind.baseline_value
    progress = 1.0 if span == 0 else (last.value - ind.baseline_value) / span  # works for falling targets too
    if progress >= 1:
        return "achieved"
    if today > ind.target_date:
        return "off_track"
    if expected_share == 0:
        return "on_track"
    ratio = progress / expected_share
    return "on_track" if ratio >= ON_TRACK else ("at_risk" if ratio >= AT_RISK else "off_track")


BurnStatus = Literal["not_started", "on_budget", "overspending", "underspending", "over_budget"]
BURN_LABELS: dict[str, str] = {
    "not_started": "Not started", "on_budget": "In line with time", "overspending": "Spending ahead of time",
    "underspending": "Spending behind time", "over_budget": "Over budget",
}


@dataclass(frozen=True)
class Burn:
    spent_share: float
    time_share: float
    status: BurnStatus


def add_months(d: date, months: int) -> date:
    years, month0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + years, month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def planned_end(plan: Plan) -> date | None:
    """When the plan should be done: its last initiative's due date, else 12 months after the start."""
    due = [i.due_date for i in plan.initiatives]
    if due:
        return max(due)
    return add_months(plan.implementation_started_on, MONITORING_MONTHS[1]) if plan.implementation_started_on else None


def burn_rate(spent: Decimal, budget: Decimal, start: date | None, end: date | None, today: date) -> Burn:
    if start is None or end is None:
        return Burn(0.0, 0.0, "not_started")
    spent_share = float(spent / budget) if budget else 0.0
    time_share = _share(start, end, today)
    if budget and spent > budget:
        status: BurnStatus = "over_budget"
    elif spent_share > time_share + BURN_TOLERANCE:
        status = "overspending"
    elif spent_share < time_share - BURN_TOLERANCE:
        status = "underspending"
    else:
        status = "on_budget"
    return Burn(spent_share, time_share, status)


@dataclass(frozen=True)
class Window:
    months: int  # whole months since implementation started
    reports_received: int
    reports_due: int
    flagged: bool  # past the 12-month window with no final report
    label: str


def monitoring_window(plan: Plan, today: date) -> Window:
    start = plan.implementation_started_on
    if start is None:
        return Window(0, 0, 0, False, "Implementation not started")
    months = (today.year - start.year) * 12 + today.month - start.month - (today.day < start.day)
    received = len(plan.monitoring_reports)
    due = months // REPORT_EVERY_MONTHS
    final = plan.closure.final_report_on
    flagged = months > MONITORING_MONTHS[1] and final is None
    if final is not None:
        label = f"Final report on {final}"
    elif months < MONITORING_MONTHS[0]:
        label = f"Month {months} of monitoring (6-12 recommended)"
    elif months <= MONITORING_MONTHS[1]:
        label = f"Month {months}: within the 6-12 month window"
    else:
        label = f"Month {months}: past the 12-month window with no final report"
    return Window(months, received, due, flagged, label)


# Actual cost against the plan budget, in bands of v = (actual - planned) / planned, in percent, symmetric
# around the budget: each band is (label, bound, strict) and holds the plans not in an earlier band with
# v < bound (strict) or v <= bound; the last band holds the rest. Exactly 10% under is "1-10% under",
# exactly 10% over "1-10% over"; "on budget" is within one percent either way.
VARIANCE_BANDS: list[tuple[str, int | None, bool]] = [
    ("More than 10% under", -10, True),
    ("1-10% under", -1, True),
    ("On budget (within 1%)", 1, False),
    ("1-10% over", 10, False),
    ("10-25% over", 25, False),
    ("More than 25% over", None, False),
]
NO_BUDGET = "No budget recorded"
OVER_BUDGET_BANDS = tuple(label for label, _, _ in VARIANCE_BANDS[3:])  # more than the "on budget" band's 1% over


def band_of(planned, actual) -> str:
    """The band of :data:`VARIANCE_BANDS` of a plan with budget ``planned`` and spending ``actual``: kept on the plan's
    row with its summary (``records.plan_summary``); ``storage.lessons.variance_band`` is the same in SQL (the tests
    compare the two)."""
    if planned <= 0:
        return NO_BUDGET
    for label_, bound, strict in VARIANCE_BANDS[:-1]:
        left, right = actual * 100, planned * (100 + bound)
        if left < right if strict else left <= right:
            return label_
    return VARIANCE_BANDS[-1][0]
