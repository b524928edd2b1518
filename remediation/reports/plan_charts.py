"""Figures for Level 2 plans, in the board theme of :mod:`remediation.reports.charts`: funding by source,
spending against budget over time, and each indicator against its straight line to target."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from remediation.domain.models import Indicator, Plan
from remediation.domain.monitoring import STATUS_LABELS, expected_value, indicator_status
from remediation.domain.vocab import FUNDING_SOURCES
from remediation.reports.charts import empty
from remediation.reports.theme import GRID, INK, MUTED, figure, hline, layout, merge, plain, title

PLEDGED, RECEIVED, SPENT, BUDGET = "#9ecae1", "#3182bd", "#e6550d", INK
OVERSPENT = "#b2182b"
STATUS_COLOURS = {"achieved": "#238b45", "on_track": "#74c476", "at_risk": "#fd8d3c", "off_track": "#b2182b",
                  "not_measured": "#a3a9b1"}


def _half_width(heading: str, height: int, **settings) -> dict:
    """The board layout, sized for a half-width column: smaller title, axes that make room for labels;
    ``settings`` merged in."""
    spec = layout(heading, height, title={"font": {"size": 16}}, margin={"l": 10, "r": 30, "t": 70, "b": 40},
                  xaxis={"automargin": True}, yaxis={"automargin": True})
    return merge(spec, settings)


def funding_by_source(totals: dict, as_of: date, scope: str) -> go.Figure:
    """Pledged and received per funding source, in one currency."""
    currency = totals["currency"]
    heading = title(f"Level 2 funding by source ({currency})", as_of, scope)
    sources = [s for s in FUNDING_SOURCES if totals.get(f"pledged_{s}", 0)]
    if not sources:
        return empty(heading, "No funding pledged yet.")
    labels = [plain(FUNDING_SOURCES[s]) for s in sources]
    bars = [{"type": "bar", "name": name, "y": labels, "x": [float(totals[f"{key}_{s}"]) for s in sources],
             "orientation": "h", "marker": {"color": colour},
             "text": [f"{float(totals[f'{key}_{s}']):,.0f}" for s in sources], "textposition": "outside",
             "cliponaxis": False}
            for name, key, colour in (("Pledged", "pledged", PLEDGED), ("Received", "received", RECEIVED))]
    return figure(bars, layout(
        heading, 150 + 60 * len(sources), barmode="group", showlegend=True,
        legend={"orientation": "h", "y": -0.25, "x": 0}, margin={"r": 90},
        xaxis={"title": {"text": f"Amount ({plain(currency)})"}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "automargin": True}))


def spending_over_time(plan: Plan, as_of: date, start: date | None = None, end: date | None = None) -> go.Figure:
    """Cumulative expenditure against the budget over the plan's whole life, from the start of implementation
    (``start``) to its planned end (``end``), with the planned spend: the budget spread evenly over that time."""
    heading = title(f"Spending against budget ({plan.currency})", as_of, f"Level 2 plan by {plan.facilitator}")
    if not plan.expenditures and not (start and end):
        return empty(heading, "No expenditure recorded yet.")
    lines = []
    if start and end and end > start:
        lines.append({"type": "scatter", "x": [start, end], "y": [0, float(plan.budget)], "mode": "lines",
                      "name": "Planned spend", "line": {"color": MUTED, "dash": "dot", "width": 2}})
    if plan.expenditures:
        spent = pd.DataFrame([{"date": e.spent_on, "amount": float(e.amount)} for e in plan.expenditures]) \
            .groupby("date", as_index=False)["amount"].sum().sort_values("date")
        spent["cumulative"] = spent["amount"].cumsum()
        xs, ys = list(spent["date"]), spent["cumulative"].tolist()
        if start and start < xs[0]:
            xs, ys = [start, *xs], [0.0, *ys]
        if xs[-1] < as_of and (end is None or as_of <= end):
            xs, ys = [*xs, as_of], [*ys, ys[-1]]  # spent to date runs up to today
        lines.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines+markers", "name": "Spent to date",
                      "line": {"color": SPENT, "width": 3, "shape": "hv"}})
    budget = float(plan.budget)
    spec = _half_width(
        heading, 380, showlegend=True, legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
        margin={"b": 70}, xaxis={"title": {"text": "Date"}},
        yaxis={"title": {"text": f"Spent to date ({plain(plan.currency)})"}, "rangemode": "tozero"},
        shapes=[hline(budget, {"color": BUDGET, "dash": "dash"})],
        # add_hline's annotation_position="top left"
        annotations=[{"showarrow": False, "text": f"Budget {budget:,.0f}", "x": 0, "xanchor": "left",
                      "xref": "x domain", "y": budget, "yanchor": "bottom", "yref": "y"}])
    if start and end:
        spec["xaxis"]["range"] = [start, max(end, as_of)]
    return figure(lines, spec)


def budget_lines(plan: Plan, as_of: date) -> go.Figure:
    """Each budget line against what has been spent on it."""
    heading = title(f"Budget lines and spending ({plan.currency})", as_of, f"Level 2 plan by {plan.facilitator}")
    if not plan.budget_lines:
        return empty(heading, "No budget lines recorded.")
    spent: dict[str, Decimal] = {}
    for e in plan.expenditures:
        spent[e.category] = spent.get(e.category, Decimal(0)) + e.amount
    cats = [b.category for b in plan.budget_lines]
    over = [float(spent.get(b.category, 0)) > float(b.amount) for b in plan.budget_lines]
    # an overspent line is flagged in its label and in red: categories are typed, so plotly reads no tags in them
    shown = [plain(c) + (" ⚠ over budget" if o else "") for c, o in zip(cats, over)]
    bars = [{"type": "bar", "name": "Budget", "y": shown, "x": [float(b.amount) for b in plan.budget_lines],
             "orientation": "h", "marker": {"color": PLEDGED}},
            {"type": "bar", "name": "Spent", "y": shown, "x": [float(spent.get(c, 0)) for c in cats],
             "orientation": "h", "marker": {"color": [OVERSPENT if o else SPENT for o in over]}}]
    return figure(bars, _half_width(
        heading, 170 + 55 * len(cats), barmode="group", showlegend=True,
        legend={"orientation": "h", "y": -0.3, "x": 0},
        xaxis={"title": {"text": f"Amount ({plain(plan.currency)})"}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed"}))


def indicator_progress(ind: Indicator, as_of: date) -> go.Figure:
    """A quantitative indicator's measurements against the straight line from baseline to target."""
    status = indicator_status(ind, as_of)
    heading = title(f"{ind.name}: {STATUS_LABELS[status].lower()}", as_of,
                    f"{ind.unit}: baseline {ind.baseline_value:g} on {ind.baseline_date}, target "
                    f"{ind.target_value:g} by {ind.target_date}")
    lines = [{"type": "scatter", "x": [ind.baseline_date, ind.target_date], "y": [ind.baseline_value, ind.target_value],
              "mode": "lines", "name": "Straight line to target", "line": {"color": MUTED, "dash": "dash"}}]
    if ind.measurements:
        lines.append({"type": "scatter", "x": [m.measured_on for m in ind.measurements],
                      "y": [m.value for m in ind.measurements], "mode": "lines+markers+text", "name": "Measured",
                      "line": {"color": STATUS_COLOURS[status], "width": 3},
                      "text": [f"{m.value:g}" for m in ind.measurements], "textposition": "top center"})
    lines.append({"type": "scatter", "x": [as_of], "y": [expected_value(ind, as_of)], "mode": "markers",
                  "name": "Expected today", "marker": {"color": INK, "symbol": "diamond", "size": 10}})
    return figure(lines, _half_width(
        heading, 360, showlegend=True, legend={"orientation": "h", "yanchor": "top", "y": -0.32, "x": 0},
        margin={"b": 80}, xaxis={"title": {"text": "Date"}, "gridcolor": GRID},
        yaxis={"title": {"text": plain(ind.unit)}, "rangemode": "tozero"}))
