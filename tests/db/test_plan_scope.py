"""Each plan's copy of its incident's status and involvement, and its count of case plans (issue #15, migration
0016_plan_scope), are kept by the database's triggers: after any random sequence of writes, through the services or
by raw SQL as another program would, every plan's columns equal what its incident and its case plans say, on SQLite
and PostgreSQL; the portfolio's figures read from them equal the same figures read through the joins; and the
migration's backfill gives the same columns."""

from __future__ import annotations

import itertools
import json
from datetime import date

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_writes import apply_each
from sqlalchemy import delete, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from remediation.domain.models import CasePlan, InvolvementDecision
from remediation.services import company_work as company_services
from remediation.services import incidents as services
from remediation.services.base import Actor
from remediation.storage import company_work, lessons, queries
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.queries import PortfolioFilter

TODAY = date(2026, 11, 1)
ADMIN = Actor("ada@brand.example", "downstream_company", access="admin")
WHOLE, GOLD = PortfolioFilter(), PortfolioFilter(mineral=("gold",))
STATUSES = ["open", "closed_remediated", "closed_unsubstantiated"]
INVOLVEMENTS = [None, "caused", "contributed", "directly_linked"]
FRESH = itertools.count(1)  # victim codes no plan holds yet


def assert_scope_exact(engine) -> None:
    """Every plan's copied columns against its incident and its case plans, read through the joins."""
    p, c, cp = t.plans.c, t.incidents.c, t.case_plans.c
    counted = select(func.count()).where(cp.plan_id == p.id).scalar_subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(p.id, p.incident_status, c.status, p.incident_involvement, c.involvement,
                                   p.case_plan_count, counted, p.remedy_key, p.remedy_types)
                            .join(t.incidents, p.incident_id == c.id)).all()
    assert rows, "the demo portfolio has plans"
    wrong = [r for r in rows if (r[1], r[3], r[5]) != (r[2], r[4], r[6])
             or (json.loads(r[7]) if r[7] is not None else None) != r[8]]
    assert not wrong, f"{len(wrong)} of {len(rows)} plans disagree with their incident: {wrong[:5]}"


def assert_figures_exact(engine) -> None:
    """The whole portfolio's figures read from the plans alone equal the same figures read through the joins (a
    filter that matches every incident takes the join path)."""
    with engine.connect() as conn:
        minerals = tuple(conn.execute(select(t.incidents.c.mineral).distinct()).scalars())
    every = PortfolioFilter(mineral=minerals)
    assert not every.whole and WHOLE.whole
    frames = queries.settings(engine).time_frames
    fast, joined = queries.headline(engine, WHOLE, TODAY, frames), queries.headline(engine, every, TODAY, frames)
    assert (fast.victims_level1, fast.level2_money) == (joined.victims_level1, joined.level2_money)
    for closed in (False, True):
        assert company_work.remedy_by_involvement(engine, WHOLE, closed).equals(
            company_work.remedy_by_involvement(engine, every, closed))
    for query in (lessons.budget_bands, lessons.budget_totals):  # lessons learned's closed plans, both ways
        assert query(engine, WHOLE).equals(query(engine, every)), query.__name__
    for status in ("open", "closed", "all"):  # the plans page's figures, by the plans' copy and through the join
        alone, joined = PortfolioFilter(status=status), PortfolioFilter(status=status, mineral=minerals)
        assert queries.plans_where(alone)[1] is False and queries.plans_where(joined)[1] is True
        for level in (1, 2):
            a, b = (queries.level2_plans(engine, f, None, level=level, today=TODAY) for f in (alone, joined))
            assert a[1] == b[1] and a[0].equals(b[0]), f"level {level} plans, {status}"
        assert queries.level2_totals(engine, alone).equals(queries.level2_totals(engine, joined))
        assert queries.level1_window_counts(engine, alone, TODAY) == queries.level1_window_counts(engine, joined, TODAY)
        assert queries.level1_windows(engine, alone, TODAY).equals(queries.level1_windows(engine, joined, TODAY))


def _ids(engine, table) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(table.c.id).order_by(table.c.id)).scalars())


def _raw_set(engine, table, n: int, **values) -> None:
    """Another program sets ``values`` on the ``n``-th row of ``table`` (modulo) by SQL."""
    ids = _ids(engine, table)
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == ids[n % len(ids)]).values(**values))


def raw_status(engine, n: int) -> None:
    _raw_set(engine, t.incidents, n, status=STATUSES[n % 3])


def raw_involvement(engine, n: int) -> None:
    _raw_set(engine, t.incidents, n, involvement=INVOLVEMENTS[n % 4])


def raw_case_plan(engine, n: int) -> None:
    """A case plan inserted, deleted or moved to another plan by SQL (a move onto a plan that already has that victim
    code breaks its unique key: the statement, and its triggers' work, roll back, which is a case too)."""
    plans, cases = _ids(engine, t.plans), _ids(engine, t.case_plans)
    try:
        _raw_case_plan(engine, n, plans, cases)
    except IntegrityError:
        pass


def _raw_case_plan(engine, n: int, plans: list[int], cases: list[int]) -> None:
    with engine.begin() as conn:
        if n % 3 == 0 or not cases:
            conn.execute(insert(t.case_plans).values(plan_id=plans[n % len(plans)], victim_code=f"Z-{next(FRESH)}",
                                                     age_group="adult", provider="Clinic", assistance_types=["legal"]))
        elif n % 3 == 1:
            conn.execute(delete(t.case_plans).where(t.case_plans.c.id == cases[n % len(cases)]))
        elif n % 2:
            conn.execute(update(t.case_plans).where(t.case_plans.c.id == cases[n % len(cases)])
                         .values(plan_id=plans[n % len(plans)]))
        else:  # one statement for several rows (a trigger per statement must count each)
            conn.execute(update(t.case_plans).where(t.case_plans.c.id.in_(cases[n % len(cases):][:3]))
                         .values(plan_id=plans[n % len(plans)]))
            conn.execute(delete(t.case_plans).where(t.case_plans.c.id.in_(cases[:n % 4])))


def raw_remedy(engine, n: int) -> None:
    """Another program sets a plan's remedy types by SQL (a list, an empty list or none)."""
    choices = [None, [], ["restitution"], ["compensation", "rehabilitation"]]
    _raw_set(engine, t.plans, n, remedy_types=choices[n % 4])


def raw_plan_delete(engine, n: int) -> None:
    plans = _ids(engine, t.plans)
    with engine.begin() as conn:
        conn.execute(delete(t.case_plans).where(t.case_plans.c.plan_id == plans[n % len(plans)]))
        conn.execute(delete(t.plans).where(t.plans.c.id == plans[n % len(plans)]))


def service_case_plan(engine, n: int) -> None:
    """An editor adds a case plan through the service: the whole record is written again."""
    with engine.connect() as conn:
        codes = list(conn.execute(select(t.incidents.c.code).join(t.plans).where(t.plans.c.level == 1)
                                  .order_by(t.incidents.c.code)).scalars())
    services.add_case_plan(engine, codes[n % len(codes)],
                           CasePlan(victim_code=f"W-{n % 1000:03d}", age_group="adult", provider="Clinic",
                                    assistance_types=["legal"]), ADMIN, today=TODAY)


def service_involvement(engine, n: int) -> None:
    """An editor records the company's involvement through the service."""
    with engine.connect() as conn:
        codes = list(conn.execute(select(t.incidents.c.code).join(t.plans).order_by(t.incidents.c.code)).scalars())
    company_services.record_involvement(engine, codes[n % len(codes)],
                                        InvolvementDecision(involvement=INVOLVEMENTS[1 + n % 3]), ADMIN, today=TODAY)


WRITES = [raw_status, raw_involvement, raw_case_plan, raw_remedy, raw_plan_delete, service_case_plan, service_involvement]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(WRITES), st.integers(0, 9999)), min_size=1, max_size=6))
def test_every_plan_follows_its_incident_and_case_plans_after_random_writes(demo_engine, writes):
    apply_each(demo_engine, writes, lambda: assert_scope_exact(demo_engine))
    assert_figures_exact(demo_engine)


def test_the_triggers_exist_at_the_newest_revision(engine):
    """A later migration that rebuilds one of these tables on SQLite would drop its triggers silently: this fails."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            found = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
        assert {"plans_scope_insert", "plans_remedy_key", "plans_scope_move", "plans_scope_follow", "case_plans_count_insert",
                "case_plans_count_delete", "case_plans_count_move"} <= found
    else:
        with engine.connect() as conn:
            found = set(conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text IN "
                "('plans', 'incidents', 'case_plans')").scalars())
        assert {"plans_scope_set", "plans_scope_follow", "case_plans_added", "case_plans_removed",
                "case_plans_moved"} <= found
    assert {"incident_status", "incident_involvement", "case_plan_count", "remedy_key"} <= {
        col["name"] for col in inspect(engine).get_columns("plans")}


def test_the_migration_backfills_the_same_columns(demo_engine):
    with demo_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0015_lesson_summary")
    db.migrate(demo_engine)
    assert_scope_exact(demo_engine)
    assert_figures_exact(demo_engine)


def test_downgrading_the_summaries_keeps_every_row(demo_engine):
    """Migrations 0014-0016 drop their columns in place: a batch rebuild of ``incidents`` or ``plans`` on SQLite
    deleted every plan, case plan, budget line and lesson below them (foreign keys cascade)."""
    tables = [t.incidents, t.plans, t.case_plans, t.budget_lines, t.lessons, t.followups]

    def counts() -> list[int]:
        with demo_engine.connect() as conn:
            return [conn.execute(select(func.count()).select_from(table)).scalar_one() for table in tables]

    before = counts()
    assert all(before), f"the demo portfolio fills every table: {before}"
    with demo_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0013_portfolio_summary")
    assert counts() == before
    db.migrate(demo_engine)
    assert counts() == before
    assert_scope_exact(demo_engine)
