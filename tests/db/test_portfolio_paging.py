"""The portfolio table pages and sorts on the server (issue #15): the pages, put end to end, are every
matching incident once, in the order of the column chosen, on SQLite and PostgreSQL; the export is all of it."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from pages._data import export_csv  # the page's export, called outside a script run as a click calls it
from remediation.domain.settings import DEFAULT_TIME_FRAMES
from remediation.storage import queries
from remediation.storage.queries import PORTFOLIO_SORTS, PortfolioFilter

TODAY = date(2026, 11, 1)
ALL = PortfolioFilter()


def _pages(engine, sort: str, descending: bool, size: int = 7) -> tuple[pd.DataFrame, int]:
    parts, offset, total = [], 0, None
    while True:
        df, total = queries.portfolio(engine, ALL, size, today=TODAY, time_frames=DEFAULT_TIME_FRAMES,
                                      offset=offset, sort=sort, descending=descending)
        if df.empty:
            return pd.concat(parts, ignore_index=True), total
        assert len(df) <= size
        parts.append(df)
        offset += size


def _sorted(values: list, descending: bool) -> bool:
    present = [v for v in values if v is not None and not pd.isna(v)]
    assert values[:len(present)] == present or not present, "empty values come last"
    return present == sorted(present, reverse=descending)


@pytest.mark.parametrize("sort", list(PORTFOLIO_SORTS))
def test_pages_end_to_end_are_every_incident_once_in_the_chosen_order(demo_engine, sort):
    full, total = queries.portfolio(demo_engine, ALL, None, today=TODAY, sort=sort)
    assert len(full) == total == 48
    for descending in (True, False):
        paged, n = _pages(demo_engine, sort, descending)
        assert n == total and list(paged["code"]) == list(
            queries.portfolio(demo_engine, ALL, None, today=TODAY, sort=sort, descending=descending)[0]["code"])
        assert sorted(paged["code"]) == sorted(full["code"])  # each once
        if sort in ("code", "date_received", "mineral", "country", "audit_programme", "level1", "status", "title"):
            assert _sorted(list(paged[sort]), descending), sort
        if sort == "days_in_step":
            assert _sorted([None if pd.isna(d) else int(d) for d in paged["days_in_step"]], descending)
        if sort == "overdue":
            flags = list(paged["overdue"])
            assert flags == sorted(flags, reverse=descending)


def test_the_default_order_is_newest_first_as_before(demo_engine):
    df, _ = queries.portfolio(demo_engine, ALL, 10, today=TODAY)
    keys = list(zip(df["date_received"], df["code"]))
    assert keys == sorted(keys, reverse=True)


def test_the_export_is_every_matching_incident_in_the_order_shown(demo_engine):
    data = export_csv(demo_engine, PortfolioFilter(status="open"), TODAY, DEFAULT_TIME_FRAMES, "code", False)
    exported = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    _, open_n = queries.portfolio(demo_engine, PortfolioFilter(status="open"), 1, today=TODAY)
    assert len(exported) == open_n and list(exported["code"]) == sorted(exported["code"])
    assert "waiting_for" in exported.columns and set(exported["status"]) == {"Open"}
