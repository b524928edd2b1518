"""The reporting period the Reporting page shows and the board pack is for: picked on the Reporting page (bound to
the URL, so a link reproduces it), the last complete quarter by default."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pages import _url
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


def _part(prefix: str, count: int) -> _url.Codec:
    """A quarter (``Q3``) or half (``H1``) in the link, read with or without its letter."""
    def read(raw: list[str]) -> int:
        value = int((raw[-1] if raw else "").strip().upper().removeprefix(prefix))
        if not 1 <= value <= count:
            raise ValueError(f"not {prefix}1 to {prefix}{count}")
        return value

    return _url.Codec(read, lambda value: [] if value is None else [f"{prefix}{int(value)}"])


def _range_until(today: date) -> _url.Codec:
    """The custom range: two dates in order, neither after today (the date input's limit)."""
    base = _url.date_range()

    def read(raw: list[str]) -> tuple[date, ...]:
        dates = base.read(raw)
        if len(dates) != 2 or dates[1] > today:
            raise ValueError("not two dates up to today")
        return dates

    return _url.Codec(read, base.write)


def period_picker(today: date) -> Period:
    """The picker: kind (quarter, half year, year, custom range), then the year and the quarter or half, or the
    dates. Every shown control is written to the URL, defaults included (pages._url): a copied link shows the same
    period whichever day it is opened, not "the last complete quarter" of that day."""
    default = last_complete_quarter(today)
    years = list(range(today.year, today.year - 11, -1))
    codecs = {"period_kind": _url.one_of(PERIOD_KINDS, PERIOD_KINDS),
              "period_year": _url.whole_number(years[-1], years[0]),
              "period_quarter": _part("Q", 4), "period_half": _part("H", 2), "period_range": _range_until(today)}
    defaults = {"period_kind": "quarter", "period_year": default.start.year,
                "period_quarter": (default.start.month - 1) // 3 + 1, "period_half": 1,
                "period_range": (default.start, default.end)}
    for key, codec in codecs.items():
        _url.seed(key, codec, defaults[key])
    cols = st.columns([3, 1, 1, 2])  # no default=/index=/value= below: seeded above
    kind = cols[0].segmented_control("Period", options=list(PERIOD_KINDS), format_func=PERIOD_KINDS.get,
                                     required=True, key="period_kind")
    shown = ["period_kind"]
    if kind in ("quarter", "half", "year"):
        cols[1].selectbox("Year", options=years, key="period_year")
        shown.append("period_year")
    if kind == "quarter":
        cols[2].selectbox("Quarter", options=[1, 2, 3, 4], format_func=lambda q: f"Q{q}", key="period_quarter")
        shown.append("period_quarter")
    elif kind == "half":
        cols[2].selectbox("Half", options=[1, 2], format_func=lambda h: f"H{h}", key="period_half")
        shown.append("period_half")
    elif kind == "custom":
        cols[3].date_input("From and to", key="period_range", format="YYYY-MM-DD", max_value=today)
        shown.append("period_range")
    _url.drop(k for k in codecs if k not in shown)
    _url.publish({k: codecs[k] for k in shown})
    return current_period(today)
