"""The benchmark's naive page (``benchmarks/naive.py``) computes the portfolio page's figures.

``python benchmarks/run.py`` divides each page's time by the naive page's: if the naive page computed
something else, the ratio would compare two different pages. No timing here: tests stay deterministic.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from benchmarks.naive import differences, floor, naive_portfolio
from remediation.domain.settings import DEFAULT_TIME_FRAMES
from remediation.services.demo import generate, load_records_into

TODAY = date.today()


@pytest.mark.parametrize("days_later", [0, 400])  # later: other ages, buckets and overdue incidents
def test_the_naive_page_equals_the_portfolio_queries_on_the_demo_portfolio(demo_engine, days_later):
    today = TODAY + timedelta(days=days_later)
    naive, page = naive_portfolio(demo_engine, today), floor(demo_engine, today)
    assert differences(naive, page) == []
    assert page.open_incidents > 0 and sum(page.pipeline.values()) == 48


def test_the_naive_page_equals_the_portfolio_queries_on_a_generated_portfolio(engine):
    load_records_into(engine, generate(300, seed=11, today=TODAY), today=TODAY)
    frames = {**DEFAULT_TIME_FRAMES, 4: 200}  # a company's own time frame changes what is overdue
    naive, page = naive_portfolio(engine, TODAY, frames), floor(engine, TODAY, frames)
    assert differences(naive, page) == []
    assert page.overdue > 0 and page.victims_level1 > 0 and page.level2_money
    assert all(page.pipeline[stage] > 0 for stage in ("step1", "step4", "closed_remediated", "closed_not_credible"))


def test_a_wrong_naive_figure_is_reported(demo_engine):
    """The comparison is not vacuous: one incident too many in a stage is caught."""
    naive, page = naive_portfolio(demo_engine, TODAY), floor(demo_engine, TODAY)
    naive.pipeline["step2"] += 1
    naive.table.loc[0, "days_in_step"] += 1
    found = differences(naive, page)
    assert any(f.startswith("pipeline") for f in found) and any("days_in_step" in f for f in found)
