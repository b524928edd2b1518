"""The reporting period the Reporting page shows and the board pack is for: picked on the Reporting page (bound to
the URL, so a link reproduces it), the last complete quarter by default."""

from __future__ import annotations

from datetime import date

import streamlit as st

from remediation.domain.periods import PERIOD_KINDS, Period, half, last_complete_quarter, quarter, year

KEYS = ("period_kind", "period_year", "period_quarter", "period_half", "period_range")


def _value(key: str):
    """A picker's value: the widget's state on the Reporting page, else the URL (board mode, other pages)."""
    if key in st.session_state and st.session_state[key] not in (None, ()):
        return st.session_state[key]
    if key == "period_range":
        values = st.query_params.get_all(key)
        try:
            return tuple(date.fromisoformat(v) for v in values)
        except ValueError:
            return ()
    return st.query_params.get(key)


def current_period(today: date | None = None) -> Period:
    """The period picked, or the last complete quarter; a picked period that cannot be read falls back to it."""
    today = today or date.today()
    default = last_complete_quarter(today)
    kind = _value("period_kind") or "quarter"
    kind = {label: k for k, label in PERIOD_KINDS.items()}.get(kind, kind)  # the URL holds the label ("Year")
    try:
        y = int(_value("period_year") or default.start.year)
        if kind == "quarter":
            q = int(str(_value("period_quarter") or (default.start.month - 1) // 3 + 1).lstrip("Q"))
            return quarter(y, q if 1 <= q <= 4 else 1)
        if kind == "half":
            h = int(str(_value("period_half") or 1).lstrip("H"))
            return half(y, h if h in (1, 2) else 1)
        if kind == "year":
            return year(y)
        if kind == "custom":
            chosen = _value("period_range") or ()
            if len(chosen) == 2:
                return Period(chosen[0], chosen[1], "custom")
    except (TypeError, ValueError):
        pass
    return default


def period_picker(today: date) -> Period:
    """The picker: kind (quarter, half year, year, custom range), then the year and the quarter or half, or the
    dates. Each control is bound to the URL."""
    default = last_complete_quarter(today)
    years = list(range(today.year, today.year - 11, -1))
    cols = st.columns([3, 1, 1, 2])
    kind = cols[0].segmented_control("Period", options=list(PERIOD_KINDS), format_func=PERIOD_KINDS.get,
                                     default="quarter", required=True, key="period_kind", bind="query-params")
    if kind in ("quarter", "half", "year"):
        cols[1].selectbox("Year", options=years, index=years.index(default.start.year), key="period_year",
                          bind="query-params")
    if kind == "quarter":
        cols[2].selectbox("Quarter", options=[1, 2, 3, 4], format_func=lambda q: f"Q{q}",
                          index=(default.start.month - 1) // 3, key="period_quarter", bind="query-params")
    elif kind == "half":
        cols[2].selectbox("Half", options=[1, 2], format_func=lambda h: f"H{h}", index=0, key="period_half",
                          bind="query-params")
    elif kind == "custom":
        cols[3].date_input("From and to", value=(default.start, default.end), key="period_range",
                           bind="query-params", format="YYYY-MM-DD", max_value=today)
    return current_period(today)
