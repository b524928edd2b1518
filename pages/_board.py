"""Board mode's frame around every page: the way back, the one-line summary and the one scope line.

Board mode is a presentation mode: no sidebar, no input, selection or edit control; each page a slide."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pages._data import headline
from pages._filters import current_filter, exit_board_mode_link, scope_line
from pages._text import md
from remediation.storage.queries import PortfolioFilter


def summary_line(flt: PortfolioFilter, today: date) -> str:
    """"27 open · 6 overdue · 18 need Level 1 · 5% of Level 2 budget spent": the portfolio in one line."""
    h = headline(flt, today)
    parts = [f"{h.open_incidents:,} open", f"{h.overdue:,} overdue", f"{h.level1_mandatory:,} need Level 1"]
    if len(h.level2_money) == 1:
        money = h.level2_money[0]
        if money["budget"]:
            parts.append(f"{money['spent'] / money['budget']:.0%} of Level 2 budget spent")
    elif h.level2_money:  # never summed across currencies
        parts.append(f"{sum(x['plans'] for x in h.level2_money)} Level 2 plans in "
                     f"{len(h.level2_money)} currencies")
    return " · ".join(parts)


def board_header() -> None:
    """Drawn above every page in board mode."""
    flt = current_filter()
    today = date.today()
    left, right = st.columns([6, 1], vertical_alignment="center")
    left.markdown(f"**{md(summary_line(flt, today))}**")
    with right:
        exit_board_mode_link()
    st.caption(md(scope_line(flt)))
