"""The portfolio's SQL aggregates agree with the workflow computed record by record, on both backends."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from remediation.domain.settings import DEFAULT_TIME_FRAMES, Settings
from remediation.domain.workflow import evaluate
from remediation.services.admin import update_settings
from remediation.services.demo import read_fixture
from remediation.storage import queries
from remediation.storage.queries import PortfolioFilter

TODAY = date.today()


@pytest.fixture
def fixture_states():
    return [(r, evaluate(r, TODAY)) for r in read_fixture()]


def _stage(state) -> str:
    if state.is_open:
        return f"step{state.step}"
    if state.status == "closed_remediated":
        return "closed_lessons_pending" if state.missing else "closed_remediated"
    return state.status


def test_pipeline_counts_every_incident_once_in_its_stage(demo_engine, fixture_states):
    df = queries.pipeline(demo_engine)
    assert list(df["stage"]) == [key for key, _ in queries.PIPELINE_STAGES]
    assert dict(zip(df["stage"], df["count"])) == {key: Counter(_stage(s) for _, s in fixture_states)[key]
                                                    for key, _ in queries.PIPELINE_STAGES}
    assert df["count"].sum() == len(fixture_states)


def test_pipeline_honours_filters_other_than_status(demo_engine, fixture_states):
    gold = queries.pipeline(demo_engine, PortfolioFilter(mineral=("gold",), status="open"))
    assert gold["count"].sum() == sum(r.incident.mineral == "gold" for r, _ in fixture_states)


@pytest.mark.parametrize("stage", [key for key, _ in queries.PIPELINE_STAGES])
def test_selecting_a_stage_lists_exactly_its_incidents(demo_engine, fixture_states, stage):
    df, total = queries.portfolio(demo_engine, PortfolioFilter(stage=stage))
    expected = {r.incident.code for r, s in fixture_states if _stage(s) == stage}
    assert total == len(expected) and set(df["code"]) == expected


def test_headline_figures(demo_engine, fixture_states):
    h = queries.headline(demo_engine, PortfolioFilter(), TODAY, DEFAULT_TIME_FRAMES)
    open_ = [(r, s) for r, s in fixture_states if s.is_open]
    assert h.open_incidents == len(open_)
    assert h.level1_mandatory == sum(1 for r, _ in open_ if r.latest_assessment and
                                     r.latest_assessment.level1 == "mandatory")
    assert h.victims_level1 == sum(len(p.case_plans) for r, _ in open_ for p in r.plans
                                   if p.level == 1 and p.implementation_started_on)
    assert h.overdue == sum(1 for _, s in open_
                            if s.step_entered_on < TODAY - timedelta(days=DEFAULT_TIME_FRAMES[s.step]))
    l2 = [p for r, _ in open_ for p in r.plans if p.level == 2]
    (usd,) = h.level2_money
    assert usd["currency"] == "USD" and usd["plans"] == len(l2)
    assert usd["budget"] == sum((p.budget for p in l2), Decimal(0))
    assert usd["pledged"] == sum((p.pledged for p in l2), Decimal(0))
    assert usd["spent"] == sum((p.spent for p in l2), Decimal(0))


def test_ageing_buckets_and_overdue_follow_the_time_frames(demo_engine, fixture_states):
    frames = {**DEFAULT_TIME_FRAMES, 4: 30}
    df = queries.ageing(demo_engine, PortfolioFilter(), TODAY, frames)
    waiting = [s for _, s in fixture_states if s.missing and s.is_open]  # closed incidents are not ageing
    assert len(waiting) < sum(1 for _, s in fixture_states if s.missing)  # the demo has lessons pending
    assert df["count"].sum() == len(waiting) and 6 not in set(df["step"])
    per_step = df.groupby("step")["count"].sum().to_dict()
    assert per_step == dict(Counter(s.step for s in waiting))
    assert df.groupby("step")["overdue"].sum().to_dict().get(4, 0) == sum(
        1 for s in waiting if s.step == 4 and (TODAY - s.step_entered_on).days > 30)


def test_table_flags_overdue_and_filters_by_level(demo_engine, fixture_states):
    df, _ = queries.portfolio(demo_engine, PortfolioFilter(status="open", level=("level1_mandatory",)))
    expected = {r.incident.code for r, s in fixture_states
                if s.is_open and r.latest_assessment and r.latest_assessment.level1 == "mandatory"}
    assert set(df["code"]) == expected
    df, _ = queries.portfolio(demo_engine, PortfolioFilter(status="open"))
    assert (df["overdue"] == (df["days_in_step"] > df["time_frame"])).all()


def test_closed_incidents_read_by_their_outcome_with_no_days_in_step(demo_engine, fixture_states):
    df, _ = queries.portfolio(demo_engine, PortfolioFilter(status="closed"))
    by_code = df.set_index("code")
    for rec, state in fixture_states:
        if state.status != "closed_remediated" or rec.incident.code not in by_code.index:
            continue
        row = by_code.loc[rec.incident.code]
        assert row["step_name"].startswith("Closed: remediation complete")
        if not state.missing:
            assert row["step_name"] == f"Closed: remediation complete; lessons captured {rec.lessons.reviewed_on}"
            assert pd.isna(row["days_in_step"])
    assert not df["step_name"].str.contains("Capture lessons learned").any()


def test_settings_default_then_stored(engine):
    assert queries.settings(engine) == Settings()
    changed = Settings(time_frames={**DEFAULT_TIME_FRAMES, 2: 45}, small_count_threshold=10)
    update_settings(engine, changed)
    assert queries.settings(engine) == changed
    assert queries.settings(engine).suppress(7) == "<10" and changed.suppress(0) == "0"
