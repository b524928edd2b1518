"""The plans tables paged and sorted in SQL (issue #15) give the rows a full read sorted in pandas gives, and the
Level 1 window counts equal the flags of every row, on both backends."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from remediation.storage import queries
from remediation.storage.queries import PLAN_SORTS, PortfolioFilter

ALL = PortfolioFilter(status="all")
TODAY = date(2026, 11, 1)


def _python_key(sort: str):
    def key(row):
        if sort == "spent_share":
            return row.spent_share
        if sort == "window":
            return 1 if row.window else 0
        if sort == "date_received":
            return row.date_received
        return getattr(row, sort)
    return key


@pytest.mark.parametrize("descending", [True, False])
def test_each_sort_pages_through_every_plan_in_the_order_python_gives(demo_engine, descending):
    every, total = queries.level2_plans_table(demo_engine, ALL, TODAY, limit=None)
    received = dict(queries.portfolio(demo_engine, ALL, None)[0][["code", "date_received"]].itertuples(index=False))
    every = every.assign(date_received=every["code"].map(received))
    assert total == len(every) > 4
    for sort in PLAN_SORTS:
        pages = [queries.level2_plans_table(demo_engine, ALL, TODAY, limit=4, offset=o, sort=sort,
                                            descending=descending) for o in range(0, total, 4)]
        codes = [c for page, n in pages for c in page["code"]]
        assert all(n == total for _, n in pages) and sorted(codes) == sorted(every["code"]), sort
        values = [_python_key(sort)(r) for r in every.set_index("code").loc[codes].reset_index().itertuples()]
        present = [v for v in values if v is not None and not pd.isna(v)]
        assert present == sorted(present, reverse=descending), (sort, values)
        assert values[:len(present)] == present, f"{sort}: empty values last"


def test_level1_window_counts_equal_the_flags_of_every_row(demo_engine):
    for today in (TODAY, date(2030, 1, 1), date(2025, 1, 1)):
        rows = queries.level1_windows(demo_engine, PortfolioFilter(), today, limit=None)
        counts = queries.level1_window_counts(demo_engine, PortfolioFilter(), today, codes=2)
        flagged = list(rows[rows["window"] != ""]["code"])
        assert counts.started == len(rows) and counts.past == len(flagged)
        assert list(rows["code"][:len(flagged)]) == flagged  # past the window first
        assert set(counts.past_codes) <= set(flagged) and len(counts.past_codes) == min(2, len(flagged))
