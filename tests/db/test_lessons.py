"""The lessons page's SQL aggregates agree with a plain Python reading of the demo records, on both backends."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from remediation.domain.models import Lessons
from remediation.domain.vocab import AUDIT_PROGRAMMES, INVOLVEMENTS, MINERALS, REVIEW_QUESTIONS
from remediation.domain.workflow import evaluate
from remediation.services import incidents as services
from remediation.services.demo import read_fixture
from remediation.storage import lessons
from remediation.storage.lessons import ALL_GROUP, ANSWERS, BREAKDOWNS, LEVEL_GROUPS, REVIEW_ITEMS, TEXT_FIELDS
from remediation.storage.queries import PortfolioFilter

TODAY = date.today()


@pytest.fixture(scope="module")
def records():
    return read_fixture()


@pytest.fixture(scope="module")
def closed(records):
    """Incidents closed after remediation, as the workflow derives them record by record."""
    return [r for r in records if evaluate(r, TODAY).status == "closed_remediated"]


@pytest.fixture(scope="module")
def reviewed(closed):
    return [r for r in closed if r.lessons is not None]


def _groups(r, by: str | None) -> list[str]:
    """The groups one record counts in, computed from the record (not from SQL)."""
    i = r.incident
    return {
        None: lambda: [ALL_GROUP],
        "mineral": lambda: [MINERALS[i.mineral]],
        "country": lambda: [i.country],
        "audit_programme": lambda: [AUDIT_PROGRAMMES[i.audit_programme]],
        "level": lambda: [LEVEL_GROUPS[p.level] for p in r.plans],
        "closure_year": lambda: [str(r.closure.closed_on.year)],
        "involvement": lambda: [INVOLVEMENTS.get(i.involvement, "Not determined")],  # issue #13
    }[by]()


def test_the_review_items_are_the_guidelines_questions():
    assert list(REVIEW_ITEMS) == list(REVIEW_QUESTIONS)
    assert set(REVIEW_ITEMS) < set(Lessons.model_fields)


def test_the_fixture_has_what_these_tests_need(closed, reviewed):
    assert len(reviewed) >= 5 and len(closed) > len(reviewed)  # some closed incidents still owe lessons
    assert {p.level for r in reviewed for p in r.plans} == {1, 2}
    assert len({r.closure.closed_on.year for r in reviewed}) >= 2
    assert Counter(getattr(r.lessons, i) for r in reviewed for i in REVIEW_ITEMS)["partly"] > 0


def test_coverage_counts_closed_incidents_and_their_reviews(demo_engine, closed, reviewed):
    cover = lessons.coverage(demo_engine)
    assert (cover.closed, cover.reviewed, cover.pending) == (len(closed), len(reviewed), len(closed) - len(reviewed))


@pytest.mark.parametrize("by", [None, *BREAKDOWNS])
def test_review_answers_overall_and_per_group(demo_engine, reviewed, by):
    df = lessons.review_outcomes(demo_engine, PortfolioFilter(), by)
    expected: Counter = Counter()
    totals: Counter = Counter()
    for r in reviewed:
        for group in _groups(r, by):
            totals[group] += 1
            for item in REVIEW_ITEMS:
                expected[group, item, getattr(r.lessons, item)] += 1
    assert len(df) == len(totals) * len(REVIEW_ITEMS) * len(ANSWERS)  # every answer, zeros included
    got = {(g, i, a): n for g, i, a, n in zip(df["group"], df["item"], df["answer"], df["count"])}
    assert got == {(g, i, a): expected[g, i, a] for g in totals for i in REVIEW_ITEMS for a in ANSWERS}
    assert dict(zip(df["group"], df["total"])) == dict(totals)
    assert np.allclose(df["share"], df["count"] / df["total"])
    # "partly" is its own answer, never folded into "yes"
    assert df.groupby(["group", "item"])["share"].sum().round(9).eq(1).all()


def test_groups_come_in_their_natural_order(demo_engine, reviewed):
    minerals = list(dict.fromkeys(lessons.review_outcomes(demo_engine, PortfolioFilter(), "mineral")["group"]))
    assert minerals == [MINERALS[m] for m in MINERALS if MINERALS[m] in minerals]
    years = list(dict.fromkeys(lessons.review_outcomes(demo_engine, PortfolioFilter(), "closure_year")["group"]))
    assert years == sorted(years) == sorted({str(r.closure.closed_on.year) for r in reviewed})
    levels = list(dict.fromkeys(lessons.review_outcomes(demo_engine, PortfolioFilter(), "level")["group"]))
    assert levels == [LEVEL_GROUPS[1], LEVEL_GROUPS[2]]


def test_filters_apply_but_not_the_open_closed_choice(demo_engine, reviewed):
    flt = PortfolioFilter(status="open", mineral=("tantalum",))
    df = lessons.review_outcomes(demo_engine, flt)
    subset = [r for r in reviewed if r.incident.mineral == "tantalum"]
    assert subset and int(df["total"].iloc[0]) == len(subset)
    assert lessons.coverage(demo_engine, flt).reviewed == len(subset)
    assert lessons.coverage(demo_engine, PortfolioFilter(mineral=("mica",))).closed == 0
    assert lessons.review_outcomes(demo_engine, PortfolioFilter(mineral=("mica",))).empty


def test_lessons_of_an_open_incident_are_not_counted(demo_engine, records, reviewed):
    """Lessons can be captured along the way (guideline line 1433); the page reads closed incidents only."""
    open_ = next(r for r in records if evaluate(r, TODAY).is_open and evaluate(r, TODAY).step >= 3)
    services.record_lessons(demo_engine, open_.incident.code, Lessons(
        reviewed_on=TODAY, objectives_met="no", victims_satisfied="no", communities_benefited="no",
        budget_sufficient="no", challenges="interim", tags=["interim only"]))
    assert lessons.coverage(demo_engine).reviewed == len(reviewed)
    assert "interim only" not in set(lessons.tag_counts(demo_engine)["tag"])
    assert lessons.search(demo_engine, text="interim")[1] == 0


def test_tag_counts_most_frequent_first(demo_engine, reviewed):
    df = lessons.tag_counts(demo_engine)
    expected = Counter(tag for r in reviewed for tag in r.lessons.tags)
    assert dict(zip(df["tag"], df["incidents"])) == dict(expected)
    assert list(df["incidents"]) == sorted(df["incidents"], reverse=True)


def _quarter(d: date) -> str:
    return f"{d.year} Q{(d.month - 1) // 3 + 1}"


@pytest.mark.parametrize("period, of", [
    ("closure_year", lambda r: str(r.closure.closed_on.year)),
    ("review_quarter", lambda r: _quarter(r.lessons.reviewed_on)),
])
def test_tag_trend_per_period(demo_engine, reviewed, period, of):
    df = lessons.tag_trend(demo_engine, PortfolioFilter(), period)
    expected = Counter((of(r), tag) for r in reviewed for tag in r.lessons.tags)
    reviews = Counter(of(r) for r in reviewed)
    tagged = df.dropna(subset=["tag"])
    assert dict(zip(zip(tagged["period"], tagged["tag"]), tagged["count"])) == dict(expected)
    assert dict(zip(df["period"], df["reviews"])) == dict(reviews)
    periods = list(dict.fromkeys(df["period"]))
    assert periods == sorted(reviews)  # time order ("2025 Q4" < "2026 Q2" as text too)


@pytest.mark.parametrize("flt", [PortfolioFilter(), PortfolioFilter(mineral=("gold",)), PortfolioFilter(country=("Nowhere",))])
@pytest.mark.parametrize("period", list(lessons.PERIODS))
def test_the_themes_added_up_from_their_trend_are_the_tag_counts(demo_engine, reviewed, flt, period):
    """The page draws its themes chart from the trend's read (one read of the tags): the same counts, in the same
    order (most frequent first, then A-Z), whatever the period and filters, none matching included."""
    counted = lessons.tag_counts(demo_engine, flt)
    added = lessons.tag_totals(lessons.tag_trend(demo_engine, flt, period))
    assert list(added.columns) == ["tag", "incidents"]
    assert list(added.itertuples(index=False)) == list(counted.itertuples(index=False))
    if flt == PortfolioFilter():
        assert len(added) > 3 and added["incidents"].nunique() > 1  # the fixture has ties to order and counts to add


def _text_of(r) -> str:
    return " ".join([*(getattr(r.lessons, f) for f in TEXT_FIELDS), *r.lessons.tags]).lower()


@pytest.mark.parametrize("text", ["", "funding", "FUNDING split", "retaliation", "law enforcement", "%", "zzz"])
def test_search_matches_every_word_case_insensitively(demo_engine, reviewed, text):
    df, total = lessons.search(demo_engine, text=text)
    expected = [r for r in reviewed if all(w.lower() in _text_of(r) for w in text.split())]
    assert total == len(df) == len(expected)
    assert set(df["code"]) == {r.incident.code for r in expected}
    assert (df["link"] == "/incident?incident=" + df["code"]).all()


def test_search_by_tag_lists_newest_first_within_the_limit(demo_engine, reviewed):
    tags = ("law enforcement cooperation", "recruitment fees")
    df, total = lessons.search(demo_engine, tags=tags)
    expected = sorted((r for r in reviewed if set(r.lessons.tags) & set(tags)),
                      key=lambda r: (r.lessons.reviewed_on, r.incident.code), reverse=True)
    assert total == len(expected) >= 2
    assert list(df["code"]) == [r.incident.code for r in expected]
    assert all(set(row.split(", ")) & set(tags) for row in df["tags"])
    first, total_again = lessons.search(demo_engine, tags=tags, limit=1)
    assert total_again == total and list(first["code"]) == [expected[0].incident.code]


def test_budget_bands_and_totals_per_closed_plan(demo_engine, closed):
    plans = [p for r in closed for p in r.plans]
    bands = lessons.budget_bands(demo_engine)
    expected = Counter((p.level, lessons.band_of(p.budget, p.spent)) for p in plans)
    assert dict(zip(zip(bands["level"], bands["band"]), bands["plans"])) == dict(expected)

    totals = lessons.budget_totals(demo_engine)
    by = defaultdict(list)
    for p in plans:
        by[p.currency, p.level].append(p)
    assert set(zip(totals["currency"], totals["level"])) == set(by)
    for row in totals.itertuples():
        group = by[row.currency, row.level]
        assert row.plans == len(group)
        assert row.planned == pytest.approx(float(sum((p.budget for p in group), Decimal(0))))
        assert row.actual == pytest.approx(float(sum((p.spent for p in group), Decimal(0))))
        over_bands = {b[0] for b in lessons.VARIANCE_BANDS if b[0].endswith("over")}
        assert row.over_budget == sum(lessons.band_of(p.budget, p.spent) in over_bands for p in group)
    # the table beside the chart counts the plans the chart's "over" bands hold
    for level in set(bands["level"]):
        in_chart = int(bands[(bands["level"] == level) & bands["band"].str.endswith("over")]["plans"].sum())
        assert in_chart == int(totals[totals["level"] == level]["over_budget"].sum())


def test_budget_totals_never_add_currencies(demo_engine, records):
    """A plan in another currency gets a row of its own."""
    from remediation.storage import schema as t

    with demo_engine.begin() as conn:
        conn.execute(t.plans.update().where(t.plans.c.id == conn.execute(
            t.plans.select().with_only_columns(t.plans.c.id).order_by(t.plans.c.id).limit(1)).scalar_one())
            .values(currency="EUR"))
    totals = lessons.budget_totals(demo_engine)
    assert "EUR" in set(totals["currency"]) and "USD" in set(totals["currency"])
    assert totals.groupby(["currency", "level"]).size().eq(1).all()


BAND_CASES = [
    (Decimal(100), Decimal(80), "More than 10% under"), (Decimal(100), Decimal("89.99"), "More than 10% under"),
    (Decimal(100), Decimal(90), "1-10% under"), (Decimal(100), Decimal("98.99"), "1-10% under"),
    (Decimal(100), Decimal(99), "On budget (within 1%)"), (Decimal(100), Decimal(101), "On budget (within 1%)"),
    (Decimal(100), Decimal(110), "1-10% over"), (Decimal(100), Decimal("110.01"), "10-25% over"),
    (Decimal(100), Decimal(125), "10-25% over"),
    (Decimal(100), Decimal(126), "More than 25% over"), (Decimal(0), Decimal(5), lessons.NO_BUDGET),
    (Decimal("295000.00"), Decimal("324500.00"), "1-10% over"), (Decimal("32000"), Decimal("32000.01"),
                                                                  "On budget (within 1%)"),
]


@pytest.mark.parametrize("planned, actual, band", BAND_CASES)
def test_variance_band_boundaries(planned, actual, band):
    assert lessons.band_of(planned, actual) == band


def test_the_sql_bands_draw_the_same_boundaries(engine):
    from sqlalchemy import literal, select

    from remediation.storage.schema import Money

    with engine.connect() as conn:
        got = [conn.execute(select(lessons.variance_band(literal(p, Money), literal(a, Money)))).scalar_one()
               for p, a, _ in BAND_CASES]
    assert got == [band for _, _, band in BAND_CASES]


def test_days_from_substantiation_to_closure(demo_engine, closed):
    df = lessons.days_to_closure(demo_engine)
    expected: dict[str, list[int]] = defaultdict(list)
    for r in closed:
        days = (r.closure.closed_on - r.verification.substantiation.decided_on).days
        for group in [ALL_GROUP, *(LEVEL_GROUPS[p.level] for p in r.plans)]:
            expected[group].append(days)
    got = {(g, d): n for g, d, n in zip(df["group"], df["days"], df["incidents"])}
    assert got == dict(Counter((g, d) for g, values in expected.items() for d in values))
    stats = lessons.distribution(df).set_index("group")
    assert list(stats.index) == [ALL_GROUP, LEVEL_GROUPS[1], LEVEL_GROUPS[2]]
    for group, values in expected.items():
        assert stats.loc[group, "n"] == len(values)
        assert stats.loc[group, "median"] == pytest.approx(float(np.median(values)))
        assert (stats.loc[group, "min"], stats.loc[group, "max"]) == (min(values), max(values))
        assert stats.loc[group, "q1"] == pytest.approx(float(np.percentile(values, 25)))


def test_an_empty_database_gives_empty_answers(engine):
    assert lessons.coverage(engine) == lessons.Coverage(0, 0)
    for by in [None, *BREAKDOWNS]:
        assert lessons.review_outcomes(engine, PortfolioFilter(), by).empty
    assert lessons.tag_counts(engine).empty
    for period in lessons.PERIODS:
        assert lessons.tag_trend(engine, PortfolioFilter(), period).empty
    df, total = lessons.search(engine, text="anything", tags=("x",))
    assert df.empty and total == 0
    assert lessons.budget_bands(engine).empty and lessons.budget_totals(engine).empty
    assert lessons.distribution(lessons.days_to_closure(engine)).empty
