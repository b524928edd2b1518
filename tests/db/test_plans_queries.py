"""Level 2 plan aggregates in SQL agree with the records, on both backends."""

from datetime import date
from decimal import Decimal

from remediation.domain.monitoring import monitoring_window
from remediation.domain.vocab import FUNDING_SOURCES
from remediation.services.demo import read_fixture
from remediation.storage import queries
from remediation.storage.queries import PortfolioFilter


def test_level2_plans_and_totals_match_the_records(demo_engine):
    plans = {r.incident.code: r.plan(2) for r in read_fixture() if r.plan(2)}
    df, total = queries.level2_plans(demo_engine, PortfolioFilter(status="all"))
    assert total == len(plans) == len(df)
    for row in df.itertuples():
        plan = plans[row.code]
        assert (row.budget, row.pledged, row.spent) == (plan.budget, plan.pledged, plan.spent)
        assert row.received == sum((f.received for f in plan.funding), Decimal(0))
        assert row.gap == plan.budget - plan.pledged
        assert row.reports == len(plan.monitoring_reports)
        assert row.planned_end == (max(i.due_date for i in plan.initiatives) if plan.initiatives else None)
        for source in FUNDING_SOURCES:
            assert getattr(row, f"pledged_{source}") == sum(
                (f.pledged for f in plan.funding if f.source == source), Decimal(0))
    totals = queries.level2_totals(demo_engine, PortfolioFilter(status="all"))
    (usd,) = totals.to_dict("records")
    assert usd["plans"] == len(plans)
    assert usd["budget"] == sum((p.budget for p in plans.values()), Decimal(0))
    assert usd["spent"] == sum((p.spent for p in plans.values()), Decimal(0))
    assert usd["pledged"] == sum((p.pledged for p in plans.values()), Decimal(0))


def test_filters_apply_to_plans(demo_engine):
    gold = {r.incident.code for r in read_fixture() if r.plan(2) and r.incident.mineral == "gold"}
    df, total = queries.level2_plans(demo_engine, PortfolioFilter(status="all", mineral=("gold",)))
    assert set(df["code"]) == gold and total == len(gold)
    assert queries.level2_totals(demo_engine, PortfolioFilter(mineral=("nonexistent",))).empty


def test_the_plans_table_carries_each_plans_burn_rate_and_monitoring_window(demo_engine):
    from datetime import date

    from remediation.domain.monitoring import BURN_LABELS, burn_rate, monitoring_window, planned_end

    today = date.today()
    plans = {r.incident.code: r.plan(2) for r in read_fixture() if r.plan(2)}
    exact, total = queries.level2_plans_table(demo_engine, PortfolioFilter(status="all"), today)
    shown, _ = queries.level2_plans_table(demo_engine, PortfolioFilter(status="all"), today, for_display=True)
    assert total == len(plans) == len(exact) == len(shown)
    labels = set()
    for row, display in zip(exact.itertuples(), shown.itertuples()):
        plan = plans[row.code]
        burn = burn_rate(plan.spent, plan.budget, plan.implementation_started_on, planned_end(plan), today)
        assert (row.burn, row.spent_share, row.time_share) == (BURN_LABELS[burn.status], burn.spent_share,
                                                              burn.time_share)
        window = monitoring_window(plan, today)
        assert bool(row.window) == window.flagged
        if plan.implementation_started_on:
            assert row.months == window.months
        else:
            assert row.months != row.months  # NaN: not started, no months to show
        assert isinstance(row.budget, Decimal) and display.budget == float(row.budget)  # exact for exports
        labels.add(row.burn)
    assert len(labels) >= 2  # the fixture has plans in more than one state


def test_level1_plans_carry_the_same_monitoring_window_flag_as_level2(demo_engine):
    """Issue #12 item 5: the 6-12-month window flags Level 1 plans as it does Level 2 ones, in the plans view."""
    today = date(2026, 11, 1)
    plans = queries.level1_windows(demo_engine, PortfolioFilter(), today)
    records = {r.incident.code: r.plan(1) for r in read_fixture() if r.plan(1) and r.plan(1).implementation_started_on}
    assert set(plans["code"]) == set(records) and records
    for row in plans.itertuples():
        window = monitoring_window(records[row.code], today)
        assert row.months == window.months and row.reports == window.reports_received, row.code
        assert (row.window == queries.PAST_WINDOW) == window.flagged, row.code
    flagged = set(plans[plans["window"] != ""]["code"])
    assert flagged, "the demo shows the Level 1 flag at least once"
    # the same words as a Level 2 plan past its window
    level2 = queries.with_burn(queries.level2_plans(demo_engine)[0], date(2030, 1, 1))
    assert set(level2["window"]) - {""} <= {queries.PAST_WINDOW}
    # the filters apply, and a plan whose final report is in is not flagged however long ago it started
    assert queries.level1_windows(demo_engine, PortfolioFilter(status="closed"), date(2040, 1, 1))["window"].eq("").all()
