"""Board mode's frame around every page: the way back, the one-line summary and the one scope line.

Board mode is a presentation mode: no sidebar, no input, selection or edit control; each page a slide."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pages._data import headline
from pages._filters import current_filter, exit_board_mode_link, scope_line
from pages._text import md, md_unbroken
from remediation.domain.vocab import TRADING_LINKS, VIOLATION_TYPES
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


def counted(flt: PortfolioFilter, what: str) -> str:
    """What a figure counts, in words that cannot read as a second scope beside the scope line: "open and closed
    incidents; filters: Gold" for a figure that ignores the open/closed choice, instead of "all incidents"."""
    described = flt.describe(with_status=False)
    return what + ("" if described == "all incidents" else f"; {described}")


def board_header(page) -> None:
    """Drawn above every page in board mode (``page``: the ``st.Page`` shown, for the way back)."""
    flt = current_filter()
    today = date.today()
    left, right = st.columns([6, 1], vertical_alignment="center")
    left.markdown(f"**{md(summary_line(flt, today))}**")
    with right:
        exit_board_mode_link(page)
    st.caption(md(scope_line(flt)))


def facts_sentence(values: dict) -> str:
    """Triage's facts as one sentence, for board mode (no inputs): "Past trading (stopped 2026-02-03) ·
    incident on 2025-10-06 · not public · forced labour · an isolated event · 5 affected persons, of whom 0
    children"."""
    link = values.get("trading_link")
    parts = [TRADING_LINKS.get(link, str(link))
             + (f" (stopped {values['stopped_trading_date']})" if link == "past" and values.get("stopped_trading_date")
                else ""),
             f"incident on {values.get('incident_date')}",
             f"public since {values['became_public_date']}" if values.get("became_public_date") else "not public",
             ", ".join(VIOLATION_TYPES.get(v, v) for v in values.get("violation_types") or ()) or "no violation type",
             "repeated over a period" if values.get("repeated") else "an isolated event"]
    affected, children = values.get("affected_persons"), values.get("children_affected") or 0
    parts.append(f"{affected} affected {'person' if affected == 1 else 'persons'}, of whom {children} "
                 f"{'child' if children == 1 else 'children'}")
    return "**The facts:** " + md_unbroken(" · ".join(parts)) + "."  # "labour-rights" stays whole on a slide
