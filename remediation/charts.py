"""Plotly figure builders: DataFrame in, Figure out, one board theme for every page.

Colours mean the same thing everywhere: each step has one colour (a sequential blue, darker as an
incident moves on), each closed outcome one (green for remediated, greys for allegations closed at
Step 1), and Level 1 / Level 2 requirements one each. Titles say what and as of when; axes name
their units; every bar carries its number, so a screenshot reads without hovering.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from .queries import AGE_BUCKETS
from .vocab import STEPS

FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e4e8ee"

STEP_COLOURS = {1: "#c6dbef", 2: "#9ecae1", 3: "#6baed6", 4: "#3182bd", 5: "#08519c", 6: "#08306b"}
OUTCOME_COLOURS = {
    "closed_lessons_pending": "#74c476",
    "closed_remediated": "#238b45",
    "closed_unsubstantiated": "#a3a9b1",
    "closed_not_actionable": "#c4c9cf",
    "closed_not_credible": "#dadde1",
}
REQUIREMENT_COLOURS = {"mandatory": "#b2182b", "recommended": "#ef8a62", "not_required": "#d9d9d9"}
OVERDUE_COLOUR = "#b2182b"
AGE_COLOURS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


def stage_colour(stage: str) -> str:
    return STEP_COLOURS[int(stage[4:])] if stage.startswith("step") else OUTCOME_COLOURS[stage]


def title(what: str, as_of: date, scope: str) -> str:
    """'Open incidents by step, as of 2026-11-21 (filters: gold)'."""
    return f"{what}, as of {as_of.isoformat()}<br><sup>{scope}</sup>"


def _layout(fig: go.Figure, heading: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": heading, "x": 0, "xanchor": "left", "font": {"size": 20, "color": INK}},
        font={"family": FONT, "size": 14, "color": INK},
        paper_bgcolor="white", plot_bgcolor="white", height=height,
        margin={"l": 10, "r": 30, "t": 80, "b": 50}, showlegend=False,
    )
    fig.update_xaxes(gridcolor=GRID, zeroline=False, title_font={"color": MUTED})
    fig.update_yaxes(gridcolor=GRID, zeroline=False, title_font={"color": MUTED})
    return fig


def empty(heading: str, message: str, height: int = 260) -> go.Figure:
    """A chart-shaped empty state: the title stays, and says why there is nothing to draw."""
    fig = _layout(go.Figure(), heading, height)
    fig.add_annotation(text=message, showarrow=False, font={"size": 16, "color": MUTED}, x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def pipeline(df: pd.DataFrame, as_of: date, scope: str, selected: str | None = None) -> go.Figure:
    """Open incidents per step, then every closed outcome: one horizontal bar each, in the guideline's order."""
    heading = title("Incidents by step and closed outcome", as_of, scope)
    if df["count"].sum() == 0:
        return empty(heading, "No incident matches these filters.")
    rows = df.iloc[::-1]  # first stage on top
    colours = [stage_colour(s) for s in rows["stage"]]
    opacity = [1.0 if selected in (None, s) else 0.35 for s in rows["stage"]]
    fig = go.Figure(go.Bar(
        x=rows["count"], y=rows["label"], orientation="h", customdata=rows["stage"],
        marker={"color": colours, "opacity": opacity, "line": {"width": 0}},
        text=rows["count"], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x} incidents<extra></extra>",
        # Plotly styles a clicked selection through these; left undefined, its selection code fails
        # in the browser ("reading 'textfont'") and the click never reaches the app.
        selected={"marker": {"opacity": 1.0}, "textfont": {"color": INK}},
        unselected={"marker": {"opacity": 0.35}, "textfont": {"color": MUTED}},
    ))
    _layout(fig, heading, height=90 + 34 * len(rows))
    fig.update_xaxes(title_text="Number of incidents", rangemode="tozero")
    fig.update_yaxes(title_text=None, automargin=True)
    fig.add_hline(y=len(rows) - 5.5, line={"color": MUTED, "width": 1, "dash": "dot"})  # open | closed
    return fig


def ageing(df: pd.DataFrame, time_frames: dict[int, int], as_of: date, scope: str) -> go.Figure:
    """How long incidents have waited in their current step: stacked age bands per step, with the
    number over the step's time frame written beside each bar."""
    heading = title("Days in the current step", as_of, scope)
    if df.empty:
        return empty(heading, "No incident is waiting in a step.")
    steps = sorted(df["step"].unique())
    names = {n: f"{n}. {STEPS[n]}" for n in steps}
    fig = go.Figure()
    for colour, (_, _, bucket) in zip(AGE_COLOURS, AGE_BUCKETS):
        part = df[df["bucket"] == bucket].set_index("step")["count"]
        fig.add_bar(name=bucket, y=[names[n] for n in steps], x=[int(part.get(n, 0)) for n in steps],
                    orientation="h", marker={"color": colour}, hovertemplate=f"{bucket}: %{{x}}<extra>%{{y}}</extra>")
    totals = df.groupby("step")[["count", "overdue"]].sum()
    for n in steps:
        over = int(totals.loc[n, "overdue"])
        fig.add_annotation(x=int(totals.loc[n, "count"]), y=names[n], xanchor="left", showarrow=False,
                           text=f"  {over} over {time_frames[n]} days" if over else f"  none over {time_frames[n]} days",
                           font={"color": OVERDUE_COLOUR if over else MUTED, "size": 13})
    _layout(fig, heading, height=170 + 40 * len(steps))
    fig.update_layout(barmode="stack", showlegend=True,
                      legend={"orientation": "h", "yanchor": "top", "y": -0.32, "x": 0, "traceorder": "normal",
                              "title": {"text": "Waiting for "}})
    fig.update_xaxes(title_text="Number of incidents", rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(margin={"r": 170, "b": 90})
    return fig
