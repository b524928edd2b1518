"""The date SQL compares implementation starts with to flag plans past the 12-month monitoring window (issue #15:
the plans page counts and orders them in SQL) flags exactly the plans the page's month count flags."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from remediation.storage.queries import PAST_WINDOW, _window_columns, past_window_cutoff


@given(today=st.dates(min_value=date(2000, 3, 1), max_value=date(2100, 1, 1)), back=st.integers(300, 500))
def test_the_cutoff_flags_exactly_what_the_month_count_flags(today, back):
    start = today - timedelta(days=back)
    plans = pd.DataFrame({"started_on": [start], "final_report_on": [None]})
    flagged = _window_columns(plans, today)["window"][0] == PAST_WINDOW
    assert flagged == (start <= past_window_cutoff(today)), (today, start, past_window_cutoff(today))


def test_month_ends_clamp_the_cutoff():
    assert past_window_cutoff(date(2025, 3, 31)) == date(2024, 2, 29)  # 13 months back: February of a leap year
    assert past_window_cutoff(date(2025, 1, 15)) == date(2023, 12, 15)
