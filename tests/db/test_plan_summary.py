"""Each plan's summary columns (issue #15, migration 0013_plan_summary) stay exact: after any random sequence of
writes, every plan's stored summary equals the one computed again from its whole record, and the plans and lessons
pages' figures read from the summaries equal the same figures computed from the records in Python, on SQLite and
PostgreSQL. The migration's backfill (SQL over the child tables) gives the same summaries too."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_writes import apply_each
from sqlalchemy import select, update

from remediation.domain.models import (
    ActionUpdate,
    BudgetLine,
    Expenditure,
    Funding,
    Initiative,
    LessonAction,
    MonitoringReport,
)
from remediation.domain.monitoring import burn_rate, monitoring_window
from remediation.domain.vocab import CLOSED_ACTION_STATUSES, FUNDING_SOURCES, INITIATIVE_KINDS
from remediation.services import company_work as company_work_services
from remediation.services import incidents as services
from remediation.services.base import Actor
from remediation.storage import company_work, lessons, queries
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.queries import PortfolioFilter
from remediation.storage.records import load_records, plan_summary

TODAY = date(2026, 11, 1)
ADMIN = Actor("ada@brand.example", "downstream_company", access="admin")
ALL = PortfolioFilter(status="all")
SUMMARY = ["budget", "pledged", "received", *(f"{k}_{s}" for k in ("pledged", "received") for s in FUNDING_SOURCES),
           "spent", "planned_end", "reports", "variance_band"]


def _records(engine) -> dict:
    with engine.connect() as conn:
        ids = list(conn.execute(select(t.incidents.c.id)).scalars())
        return load_records(conn, ids)


def _stored(engine) -> dict[tuple[int, int], dict]:
    with engine.connect() as conn:
        return {(r["incident_id"], r["level"]): {k: r[k] for k in SUMMARY}
                for r in conn.execute(select(t.plans)).mappings()}


def assert_summaries_exact(engine) -> None:
    stored, records = _stored(engine), _records(engine)
    expected = {(iid, p.level): plan_summary(p) for iid, rec in records.items() for p in rec.plans}
    assert stored.keys() == expected.keys()
    for key, values in expected.items():
        assert {k: stored[key][k] for k in SUMMARY} == {k: values[k] for k in SUMMARY}, key


def assert_figures_exact(engine) -> None:
    """The pages' figures from the summaries, against the same figures computed in Python from every record."""
    records = _records(engine)
    level2 = [(rec, p) for rec in records.values() for p in rec.plans if p.level == 2]
    totals = queries.level2_totals(engine, ALL)
    for currency in {p.currency for _, p in level2}:
        mine = [p for _, p in level2 if p.currency == currency]
        row = totals[totals["currency"] == currency].iloc[0]
        assert row["plans"] == len(mine)
        assert row["budget"] == sum((p.budget for p in mine), Decimal(0))
        assert row["spent"] == sum((p.spent for p in mine), Decimal(0))
        assert row["pledged"] == sum((p.pledged for p in mine), Decimal(0))
        for s in FUNDING_SOURCES:
            assert row[f"received_{s}"] == sum((f.received for p in mine for f in p.funding if f.source == s),
                                               Decimal(0))
    assert len(totals) == len({p.currency for _, p in level2})
    table, total = queries.level2_plans_table(engine, ALL, TODAY, limit=10_000)
    assert total == len(level2) == len(table)
    by_code = {rec.incident.code: p for rec, p in level2}
    for row in table.itertuples():
        p = by_code[row.code]
        end = max((i.due_date for i in p.initiatives), default=None)
        burn = burn_rate(p.spent, p.budget, p.implementation_started_on, end, TODAY)
        assert (row.budget, row.pledged, row.spent, row.gap, row.reports) == (
            p.budget, p.pledged, p.spent, p.budget - p.pledged, len(p.monitoring_reports))
        assert (row.planned_end, row.spent_share, row.time_share) == (end, burn.spent_share, burn.time_share)
    with engine.connect() as conn:
        remediated = set(conn.execute(select(t.incidents.c.code).where(t.incidents.c.status == "closed_remediated"))
                         .scalars())
    closed = [p for rec in records.values() if rec.incident.code in remediated for p in rec.plans]
    money = lessons.budget_totals(engine, ALL)
    assert int(money["plans"].sum()) == len(closed)
    for (currency, level), part in money.groupby(["currency", "level"]):
        mine = [p for p in closed if p.currency == currency and p.level == level]
        assert part["planned"].iloc[0] == float(sum((p.budget for p in mine), Decimal(0)))
        assert part["actual"].iloc[0] == float(sum((p.spent for p in mine), Decimal(0)))
    bands = lessons.budget_bands(engine, ALL)
    expected = pd.Series([lessons.band_of(p.budget, p.spent) for p in closed]).value_counts()
    assert dict(bands.groupby("band")["plans"].sum()) == dict(expected)
    remedies = company_work.remedy_by_involvement(engine, ALL, True)
    assert int(remedies["plans"].sum()) == sum(max(len(p.remedy_types), 1) for p in closed)
    assert_paged_figures_exact(engine, records, level2)


def assert_paged_figures_exact(engine, records: dict, level2: list) -> None:
    """The plans page's paged tables and the figures it and lessons learned count in SQL (issue #15): every page of every sort together is every plan once, sorted as Python sorts the records; the
    Level 1 window counts and the lessons actions' counts equal the records'."""
    by_code = {rec.incident.code: p for rec, p in level2}
    for sort in queries.PLAN_SORTS:
        codes = []
        for offset in range(0, len(level2), 7):
            page, total = queries.level2_plans_table(engine, ALL, TODAY, limit=7, offset=offset, sort=sort)
            assert total == len(level2)
            codes += list(page["code"])
        assert sorted(codes) == sorted(by_code), sort
        if sort in ("budget", "spent", "reports"):
            values = [getattr(by_code[c], sort) if sort != "reports" else len(by_code[c].monitoring_reports)
                      for c in codes]
            assert values == sorted(values, reverse=True), sort
    started = [p for rec in records.values() for p in rec.plans if p.level == 1 and p.implementation_started_on]
    counts = queries.level1_window_counts(engine, ALL, TODAY)
    assert (counts.started, counts.past) == (len(started), sum(monitoring_window(p, TODAY).flagged for p in started))
    actions = [a for rec in records.values() if rec.lessons for a in rec.lessons.actions]
    open_ = [a for a in actions if a.status not in CLOSED_ACTION_STATUSES]
    got = company_work.lesson_action_counts(engine, ALL, TODAY)
    assert (got.raised, got.open, got.overdue, got.led) == (
        len(actions), len(open_), sum(a.due_on < TODAY for a in open_),
        sum(a.policy_version is not None or a.due_diligence_change != "" for a in actions))


# --- the writes ------------------------------------------------------------------------------------

def _plan_codes(engine, step: int | None = None) -> list[tuple[str, int]]:
    c, p = t.incidents.c, t.plans.c
    where = [c.status == "open"] + ([c.step >= step] if step else [])
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(c.code, p.level).select_from(t.plans.join(t.incidents))
                                               .where(*where).order_by(c.code, p.level)).all()]


def _pick(engine, n: int, step: int | None = None):
    codes = _plan_codes(engine, step)
    return codes[n % len(codes)] if codes else (None, None)


def funding(engine, n: int) -> None:
    code, level = _pick(engine, n, 4)
    if code:
        source = list(FUNDING_SOURCES)[n % len(FUNDING_SOURCES)]
        services.add_funding(engine, code, level, Funding(source=source, funder="Fund", pledged=Decimal(n % 977) + 1,
                                                          received=Decimal(n % 5), pledged_on=TODAY), ADMIN, today=TODAY)


def expenditure(engine, n: int) -> None:
    code, level = _pick(engine, n, 4)
    if code:
        services.add_expenditure(engine, code, level, Expenditure(spent_on=TODAY, amount=Decimal(n % 1013) / 100 + 1,
                                                                  category="Training"), ADMIN, today=TODAY)


def budget_line(engine, n: int) -> None:
    code, level = _pick(engine, n)
    if code:
        services.add_budget_line(engine, code, level, BudgetLine(category="Training", amount=Decimal(n % 50_000) + 1),
                                 ADMIN, today=TODAY)


def report(engine, n: int) -> None:
    code, level = _pick(engine, n, 4)
    if code:
        services.add_monitoring_report(engine, code, level, MonitoringReport(
            period_start=TODAY - timedelta(days=90), period_end=TODAY, received_on=TODAY), ADMIN, today=TODAY)


def initiative(engine, n: int) -> None:
    code, _ = _pick(engine, n)
    if code:
        services.add_initiative(engine, code, Initiative(
            title="Schooling", kind=list(INITIATIVE_KINDS)[n % len(INITIATIVE_KINDS)],
            expected_result="Children in school", due_date=TODAY + timedelta(days=n % 900)), ADMIN, today=TODAY)


def _reviewed_codes(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.incidents.c.code).select_from(t.lessons.join(t.incidents))
                                 .order_by(t.incidents.c.code)).scalars())


def lesson_action(engine, n: int) -> None:
    codes = _reviewed_codes(engine)
    if codes:
        company_work_services.add_lesson_action(engine, codes[n % len(codes)], LessonAction(
            title=f"Action {n}", owner="Sourcing team", due_on=TODAY + timedelta(days=n % 400 - 200)), ADMIN,
            today=TODAY)


def lesson_action_closed(engine, n: int) -> None:
    codes = _reviewed_codes(engine)
    for code in codes[n % max(len(codes), 1):] + codes[:n % max(len(codes), 1)]:
        rec, _, _ = queries.incident(engine, code, TODAY)
        if rec.lessons.actions:
            company_work_services.update_lesson_action(
                engine, code, n % len(rec.lessons.actions),
                ActionUpdate(status="done", closed_on=TODAY, due_diligence_change="Audit clause added" if n % 2 else ""),
                ADMIN, today=TODAY)
            return


WRITES = [funding, expenditure, budget_line, report, initiative, lesson_action, lesson_action_closed]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(WRITES), st.integers(0, 9999)), min_size=1, max_size=6))
def test_plan_summaries_and_figures_equal_a_full_recomputation_after_random_writes(demo_engine, writes):
    assert_summaries_exact(demo_engine)
    apply_each(demo_engine, writes, lambda: assert_summaries_exact(demo_engine))
    assert_figures_exact(demo_engine)


def test_the_migration_backfills_the_same_summaries(demo_engine):
    with demo_engine.begin() as conn:  # what a database written before 0013 holds: the children, no summary
        conn.execute(update(t.plans).values(budget=0, spent=0, reports=0, planned_end=None))
    with demo_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0011_company_work")
    db.migrate(demo_engine)
    assert_summaries_exact(demo_engine)
    assert_figures_exact(demo_engine)


def test_a_write_moves_its_plans_summary_in_the_same_transaction(demo_engine):
    code, level = _pick(demo_engine, 3, 4)
    with demo_engine.connect() as conn:
        plan = t.plans.c
        query = select(plan.pledged, plan.pledged_government, plan.received_government).select_from(
            t.plans.join(t.incidents)).where(t.incidents.c.code == code, plan.level == level)
        before = conn.execute(query).one()
    services.add_funding(demo_engine, code, level, Funding(source="government", funder="Ministry", pledged=Decimal("1000.25"),
                                                           received=Decimal("10.50"), pledged_on=TODAY), ADMIN, today=TODAY)
    with demo_engine.connect() as conn:
        after = conn.execute(query).one()
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (
        Decimal("1000.25"), Decimal("1000.25"), Decimal("10.50"))
    assert_summaries_exact(demo_engine)
