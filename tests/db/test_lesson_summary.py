"""What lessons learned keeps on each incident's row (issue #15, migration 0015_lesson_summary) stays exact: after any
random sequence of writes, every incident's stored summary equals the one computed again from its whole record, and
every figure of the lessons page read from those columns equals the same figure computed from the records in
Python, on SQLite and PostgreSQL. The migration's backfill (SQL over the tables the record is stored in) gives the
same summaries too."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_writes import apply_each
from sqlalchemy import select, update

from remediation.domain.models import Lessons
from remediation.domain.monitoring import band_of
from remediation.domain.vocab import CLOSED_ACTION_STATUSES, MINERALS
from remediation.services import incidents as services
from remediation.services.base import Actor
from remediation.storage import company_work, lessons
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.lessons import ALL_GROUP, ANSWERS, BREAKDOWNS, LEVEL_GROUPS, REVIEW_ITEMS
from remediation.storage.queries import PortfolioFilter
from remediation.storage.records import lesson_summary, load_records

TODAY = date(2026, 11, 1)
ADMIN = Actor("ada@brand.example", "downstream_company", access="admin")
ALL = PortfolioFilter(status="all")
SUMMARY = ["closed_on", "closure_days", "has_level1_plan", "has_level2_plan", "reviewed_on",
           *(f"review_{item}" for item in REVIEW_ITEMS)]


def _records(engine) -> dict:
    """Every record by id, with the status its incident row holds (derived at the write; checked elsewhere)."""
    with engine.connect() as conn:
        rows = conn.execute(select(t.incidents.c.id, t.incidents.c.status)).all()
        records = load_records(conn, [r.id for r in rows])
    return {r.id: (records[r.id], r.status) for r in rows}


def assert_summaries_exact(engine) -> None:
    with engine.connect() as conn:
        stored = {r["id"]: {k: r[k] for k in SUMMARY}
                  for r in conn.execute(select(t.incidents.c.id, *(t.incidents.c[k] for k in SUMMARY))).mappings()}
    records = _records(engine)
    assert stored.keys() == records.keys()
    for iid, (rec, _) in records.items():
        expected = lesson_summary(rec)
        assert {k: stored[iid][k] for k in SUMMARY} == {k: expected[k] for k in SUMMARY}, rec.incident.code
    with engine.connect() as conn:  # each plan's variance band, kept with its summary (the budget outcome)
        bands = {(r.incident_id, r.level): r.variance_band
                 for r in conn.execute(select(t.plans.c.incident_id, t.plans.c.level, t.plans.c.variance_band))}
    assert bands == {(iid, p.level): band_of(p.budget, p.spent) for iid, (rec, _) in records.items() for p in rec.plans}


def _groups(rec, by: str | None) -> list:
    """The groups (labels) one record counts in, from the record alone."""
    i = rec.incident
    if by is None:
        return [ALL_GROUP]
    if by == "level":
        return [LEVEL_GROUPS[p.level] for p in rec.plans]
    if by == "closure_year":
        return [str(rec.closure.closed_on.year)]
    return [lessons.group_label(by, getattr(i, by))]


def _period(rec, period: str) -> str:
    if period == "closure_year":
        return str(rec.closure.closed_on.year)
    day = rec.lessons.reviewed_on
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def assert_figures_exact(engine, flt: PortfolioFilter = ALL, keep=lambda rec: True) -> None:
    """Every figure of the lessons page (its reads for ``flt``) against the same figure computed in Python from every
    record (``keep``: the records ``flt`` lets through)."""
    records = _records(engine)
    closed = [rec for rec, status in records.values() if status == "closed_remediated" and keep(rec)]
    reviewed = [rec for rec in closed if rec.lessons is not None]

    cover = lessons.coverage(engine, flt)
    assert (cover.closed, cover.reviewed) == (len(closed), len(reviewed))

    for by in (None, *BREAKDOWNS):
        got = lessons.review_outcomes(engine, flt, by)
        expected: Counter = Counter()
        totals: Counter = Counter()
        for rec in reviewed:
            for group in _groups(rec, by):
                totals[group] += 1
                for item in REVIEW_ITEMS:
                    expected[(group, item, getattr(rec.lessons, item))] += 1
        assert {(r.group, r.item, r.answer): r.count for r in got.itertuples() if r.count} == dict(expected), by
        assert {r.group: r.total for r in got.itertuples()} == dict(totals), by
        assert len(got) == len(totals) * len(REVIEW_ITEMS) * len(ANSWERS), by

    tags = lessons.tag_counts(engine, flt)
    assert dict(zip(tags["tag"], tags["incidents"])) == dict(Counter(tag for rec in reviewed for tag in rec.lessons.tags))

    for period in lessons.PERIODS:
        trend = lessons.tag_trend(engine, flt, period)
        reviews = Counter(_period(rec, period) for rec in reviewed)
        per_tag = Counter((_period(rec, period), tag) for rec in reviewed for tag in rec.lessons.tags)
        assert {(r.period, r.tag): r.count for r in trend.itertuples() if r.tag is not None} == dict(per_tag), period
        assert {r.period: r.reviews for r in trend.itertuples()} == dict(reviews), period
        # the page's themes chart adds the trend up instead of reading the tags again: the same frame, order too
        assert list(lessons.tag_totals(trend).itertuples(index=False)) == list(tags.itertuples(index=False)), period
        untagged = {p for p in reviews if not any(q == p for q, _ in per_tag)}
        assert {r.period for r in trend.itertuples() if r.tag is None} == untagged, period

    histogram: Counter = Counter()
    for rec in closed:
        finding = rec.verification.substantiation
        if finding is None or finding.decided_on is None or rec.closure.closed_on is None:
            continue
        days = (rec.closure.closed_on - finding.decided_on).days
        histogram[(ALL_GROUP, days)] += 1
        for p in rec.plans:
            histogram[(LEVEL_GROUPS[p.level], days)] += 1
    got = lessons.days_to_closure(engine, flt)
    assert {(r.group, r.days): r.incidents for r in got.itertuples()} == dict(histogram)

    newest = sorted(reviewed, key=lambda rec: (rec.lessons.reviewed_on, rec.incident.code), reverse=True)
    found, total = lessons.search(engine, flt, limit=7)
    assert total == len(reviewed)
    assert list(found["code"]) == [rec.incident.code for rec in newest[:7]]
    assert list(found["closed_on"]) == [rec.closure.closed_on for rec in newest[:7]]
    assert list(found["reviewed_on"]) == [rec.lessons.reviewed_on for rec in newest[:7]]
    if (tagged := [rec for rec in reviewed if rec.lessons.tags]):
        tag = tagged[0].lessons.tags[0]
        _, total = lessons.search(engine, flt, tags=(tag,))
        assert total == sum(tag in rec.lessons.tags for rec in reviewed)

    listed = [(0 if a.status not in CLOSED_ACTION_STATUSES and a.due_on < TODAY else 1, a.due_on, rec.incident.code, k,
               a) for rec, _ in records.values() if keep(rec) and rec.lessons for k, a in enumerate(rec.lessons.actions)]
    wanted = {None: lambda a: True, "open": lambda a: a.status not in CLOSED_ACTION_STATUSES,
              "led": lambda a: a.policy_version is not None or a.due_diligence_change != ""}
    for only, chosen in wanted.items():
        in_order = [(x[2], x[4].title) for x in sorted((x for x in listed if chosen(x[-1])), key=lambda x: x[:4])]
        for limit in (1, 2, 5, None):
            got = company_work.lesson_actions(engine, flt, TODAY, only=only, limit=limit)
            assert list(zip(got["code"], got["title"])) == in_order[:limit], (only, limit)
    plans = [p for rec in closed for p in rec.plans]
    bands = lessons.budget_bands(engine, flt)
    assert {(r.level, r.band): r.plans for r in bands.itertuples()} == dict(Counter((p.level, band_of(p.budget, p.spent))
                                                                                    for p in plans))
    totals = lessons.budget_totals(engine, flt)
    assert {(r.currency, r.level): (r.plans, r.over_budget) for r in totals.itertuples()} == {
        key: (sum(1 for p in plans if (p.currency, p.level) == key),
              sum(band_of(p.budget, p.spent).endswith("over") for p in plans if (p.currency, p.level) == key))
        for key in {(p.currency, p.level) for p in plans}}
    actions = [a for rec, _ in records.values() if keep(rec) and rec.lessons for a in rec.lessons.actions]
    open_ = [a for a in actions if a.status not in CLOSED_ACTION_STATUSES]
    got = company_work.lesson_action_counts(engine, flt, TODAY)
    assert (got.raised, got.open, got.overdue, got.led) == (
        len(actions), len(open_), sum(a.due_on < TODAY for a in open_),
        sum(a.policy_version is not None or a.due_diligence_change != "" for a in actions))


def assert_exact(engine) -> None:
    assert_summaries_exact(engine)
    assert_figures_exact(engine)
    gold = PortfolioFilter(mineral=("gold",))  # a filter: the joins and the filtered counts' own paths
    assert_figures_exact(engine, gold, lambda rec: rec.incident.mineral == "gold")
    every = PortfolioFilter(mineral=tuple(MINERALS), status="open", stage=None)  # the open/closed choice is ignored
    assert_figures_exact(engine, every)


# --- the writes ------------------------------------------------------------------------------------

def _codes(engine, where) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.incidents.c.code).where(where).order_by(t.incidents.c.code)).scalars())


def _closed(engine) -> list[str]:
    return _codes(engine, t.incidents.c.status == "closed_remediated")


def review(engine, n: int) -> None:
    """Lessons recorded (or recorded again) for a closed incident, or for an open one past Step 3."""
    codes = _closed(engine) if n % 3 else _codes(engine, t.incidents.c.step >= 3)
    if codes:
        answers = list(ANSWERS)
        services.record_lessons(engine, codes[n % len(codes)], Lessons(
            reviewed_on=TODAY - timedelta(days=n % 700), objectives_met=answers[n % 4],
            victims_satisfied=answers[(n // 4) % 4], communities_benefited=answers[(n // 16) % 4],
            budget_sufficient=answers[(n // 64) % 4], tags=[f"theme {n % 5}", "funding"][:1 + n % 2]),
            ADMIN, today=TODAY)


def _correct(engine, n: int, fact: str, shift) -> None:
    """A closed incident's recorded date moved by a few days (refused when it would leave the guideline's order)."""
    codes = _closed(engine)
    if codes:
        code = codes[n % len(codes)]
        with engine.connect() as conn:
            rec = load_records(conn, [conn.execute(select(t.incidents.c.id).where(t.incidents.c.code == code))
                                      .scalar_one()]).popitem()[1]
        day = {"closed": rec.closure.closed_on, "lessons": rec.lessons.reviewed_on if rec.lessons else None,
               "substantiation": rec.verification.substantiation.decided_on
               if rec.verification.substantiation else None}[fact]
        if day is not None:
            services.correct_date(engine, code, fact, min(day + timedelta(days=shift(n)), date.today()), ADMIN,
                                  today=TODAY)


def closing_date(engine, n: int) -> None:
    _correct(engine, n, "closed", lambda n: n % 40 - 5)


def substantiation_date(engine, n: int) -> None:
    _correct(engine, n, "substantiation", lambda n: -(n % 30))


def review_date(engine, n: int) -> None:
    _correct(engine, n, "lessons", lambda n: n % 200 - 100)


WRITES = [review, closing_date, substantiation_date, review_date]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(WRITES), st.integers(0, 9999)), min_size=1, max_size=6))
def test_lesson_summaries_and_figures_equal_a_full_recomputation_after_random_writes(demo_engine, writes):
    assert_summaries_exact(demo_engine)
    apply_each(demo_engine, writes, lambda: assert_summaries_exact(demo_engine))
    assert_exact(demo_engine)


def test_the_migration_backfills_the_same_summaries(demo_engine):
    with demo_engine.begin() as conn:  # what a database written before 0015 holds: the records, no summary
        conn.execute(update(t.incidents).values(closed_on=None, closure_days=None, reviewed_on=None))
    with demo_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0014_plan_summary")
    db.migrate(demo_engine)
    assert_exact(demo_engine)


def test_a_review_recorded_moves_the_incidents_summary_in_the_same_transaction(demo_engine):
    codes = [c for c in _closed(demo_engine) if c not in _codes(demo_engine, t.incidents.c.reviewed_on.is_not(None))]
    assert codes, "the demo has closed incidents still owing their lessons"
    before = lessons.coverage(demo_engine, ALL)
    services.record_lessons(demo_engine, codes[0], Lessons(
        reviewed_on=TODAY, objectives_met="yes", victims_satisfied="partly", communities_benefited="no",
        budget_sufficient="unknown"), ADMIN, today=TODAY)
    after = lessons.coverage(demo_engine, ALL)
    assert (after.closed, after.reviewed) == (before.closed, before.reviewed + 1)
    assert_summaries_exact(demo_engine)
