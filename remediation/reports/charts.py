"""Plotly figure builders: DataFrame in, Figure out, one board theme for every page.

Colours mean the same thing everywhere: each step has one colour (a sequential blue, darker as an
incident moves on), each closed outcome one (green for remediated, greys for allegations closed at
Step 1), and Level 1 / Level 2 requirements one each. Titles say what and as of when; axes name
their units; every bar carries its number, so a screenshot reads without hovering.
"""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from remediation.domain.vocab import STEPS
from remediation.storage.queries import AGE_BUCKETS

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
AGE_COLOURS = ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"]  # the first visible on white


def stage_colour(stage: str) -> str:
    return STEP_COLOURS[int(stage[4:])] if stage.startswith("step") else OUTCOME_COLOURS[stage]


def plain(text: object) -> str:
    """Text people typed (a country, a lesson's theme, a budget category, a unit…), made safe for a plotly label.

    Plotly renders a subset of HTML in every label (tick labels, hover, legend, titles, annotations, Sankey
    nodes): ``<a href>`` makes a link, ``<span style>`` sizes and colours, ``<b>``, ``<br>``… so ``<`` and ``&``
    are escaped; plotly shows the entities as the characters typed. Every builder in ``remediation.reports``
    passes user text through here (or :func:`title`) before plotly sees it."""
    return html.escape(str(text), quote=False)


def title(what: str, as_of: date, scope: str) -> str:
    """'Open incidents by step, as of 2026-11-21 (filters: gold)'. Plotly reads tags in titles
    (``<a href>``, ``<b>``); ``what`` and ``scope`` can carry names people typed, so they are escaped."""
    return f"{html.escape(what)}, as of {as_of.isoformat()}<br><sup>{html.escape(scope)}</sup>"


def count_axis(highest) -> dict:
    """Axis settings for a count (incidents, reviews, plans): whole numbers only, never steps of 0.5."""
    highest = max(1, int(highest or 0))
    step = max(1, -(-highest // 8))
    return {"tickmode": "linear", "tick0": 0, "dtick": step, "tickformat": ",d", "rangemode": "tozero"}


def compact(amount) -> str:
    """1,359,000 → '1.36m', 133,717 → '134k': money that fits a headline figure."""
    value = float(amount)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:,.0f}"


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
        x=rows["count"], y=[plain(label) for label in rows["label"]], orientation="h", customdata=rows["stage"],
        marker={"color": colours, "opacity": opacity, "line": {"width": 0}},
        text=rows["count"], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x} incidents<extra></extra>",
        # Plotly styles a clicked selection through these; left undefined, its selection code fails
        # in the browser ("reading 'textfont'") and the click never reaches the app.
        selected={"marker": {"opacity": 1.0}, "textfont": {"color": INK}},
        unselected={"marker": {"opacity": 0.35}, "textfont": {"color": MUTED}},
    ))
    _layout(fig, heading, height=90 + 34 * len(rows))
    fig.update_xaxes(title_text="Number of incidents", **count_axis(rows["count"].max()))
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
    plot_height = 40 * len(steps)
    _layout(fig, heading, height=80 + plot_height + 140)
    # The legend sits a fixed 70 px under the plot, below the tick labels and the axis title (about 55 px),
    # with 70 px of margin for its two rows: it never overlaps the axis title, whatever the number of steps.
    fig.update_layout(barmode="stack", showlegend=True,
                      legend={"orientation": "h", "yanchor": "top", "y": -70 / plot_height, "x": 0,
                              "traceorder": "normal", "title": {"text": "Waiting for "}})
    fig.update_xaxes(title_text="Number of incidents", title_standoff=6,
                     **count_axis(df.groupby("step")["count"].sum().max()))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(margin={"r": 170, "b": 140})
    return fig


# --- Lessons learned (Step 6) across incidents -----------------------------------------------------
# Answers to the guideline's review items read green for yes, light green for partly (never merged
# with yes), red for no, grey for unknown; Level 1 and Level 2 plans are purple, dark and light.

import textwrap  # noqa: E402

from plotly.subplots import make_subplots  # noqa: E402

from remediation.domain.vocab import REVIEW_ANSWERS  # noqa: E402
from remediation.storage.lessons import ALL_GROUP, LEVEL_GROUPS  # noqa: E402
from remediation.storage.lessons import REVIEW_ITEMS as REVIEW_ITEM_LABELS

_TOP_RIGHT_LEGEND = {"orientation": "h", "yref": "container", "y": 0.99, "yanchor": "top", "x": 1, "xanchor": "right",
                     "traceorder": "normal", "font": {"size": 13}}
_HALF_WIDTH_TITLE = 17  # title size of a chart drawn in half the page's width


def _wrap(text: str, width: int = 12) -> str:
    return "<br>".join(plain(line) for line in textwrap.wrap(text, width)) or plain(text)


ANSWER_COLOURS = {"yes": "#238b45", "partly": "#a1d99b", "no": "#b2182b", "unknown": "#c4c9cf"}
ANSWER_TEXT_COLOURS = {"yes": "white", "partly": INK, "no": "white", "unknown": INK}
LEVEL_COLOURS = {ALL_GROUP: MUTED, LEVEL_GROUPS[1]: "#54278f", LEVEL_GROUPS[2]: "#9e9ac8"}


def _answer_bars(fig: go.Figure, df: pd.DataFrame, y_of, row: int | None = None, col: int | None = None,
                 legend: bool = True) -> None:
    """One stacked trace per answer (yes, partly, no, unknown) of a review_outcomes frame."""
    for answer, label in REVIEW_ANSWERS.items():
        part = df[df["answer"] == answer]
        trace = go.Bar(
            name=label, legendgroup=answer, showlegend=legend, orientation="h",
            y=[y_of(r) for r in part.itertuples()], x=part["share"] * 100,
            customdata=list(zip(part["count"], part["total"])),
            marker={"color": ANSWER_COLOURS[answer], "line": {"color": "white", "width": 1}},
            text=[f"{s:.0%}" if c else "" for s, c in zip(part["share"], part["count"])],
            textposition="inside", insidetextanchor="middle",
            textfont={"color": ANSWER_TEXT_COLOURS[answer], "size": 13},
            hovertemplate=f"{label}: %{{customdata[0]}} of %{{customdata[1]}} incidents (%{{x:.0f}}%)"
                          "<extra>%{y}</extra>",
        )
        fig.add_trace(trace, row=row, col=col) if row else fig.add_trace(trace)


def review_overall(df: pd.DataFrame, as_of: date, scope: str) -> go.Figure:
    """The four review items across every reviewed incident: one 100% bar each, yes/partly/no/unknown,
    with the number of incidents behind the shares beside each bar."""
    heading = title("Step 6 review: answers across closed incidents", as_of, scope)
    if df.empty:
        return empty(heading, "No lessons captured yet for incidents closed after remediation.")
    items = list(dict.fromkeys(df["item"]))
    labels = {i: REVIEW_ITEM_LABELS.get(i, i) for i in items}
    fig = go.Figure()
    _answer_bars(fig, df, lambda r: labels[r.item])
    total = int(df["total"].iloc[0])
    for item in items:
        fig.add_annotation(x=100, y=labels[item], xanchor="left", showarrow=False, xref="x",
                           text=f"  n = {total:,} incidents", font={"color": MUTED, "size": 13})
    _layout(fig, heading, height=195 + 52 * len(items))
    fig.update_layout(barmode="stack", showlegend=True, uniformtext={"mode": "hide", "minsize": 11},
                      # the legend just above the plot, under the title and its scope line, never beside the title
                      legend={**_TOP_RIGHT_LEGEND, "yref": "paper", "y": 1.02, "yanchor": "bottom"},
                      margin={"r": 130, "t": 125})
    fig.update_xaxes(title_text="Share of reviewed incidents (%)", range=[0, 100], ticksuffix="%", dtick=25)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def review_breakdown(df: pd.DataFrame, dimension: str, as_of: date, scope: str, few: int = 5) -> go.Figure:
    """The four review items per group (mineral, country, level…): four small multiples sharing the group
    axis, each group labelled with its number of incidents; groups of fewer than ``few`` say so."""
    heading = title(f"Step 6 review answers by {dimension.lower()}", as_of, scope)
    if df.empty:
        return empty(heading, "No lessons captured yet for incidents closed after remediation.")
    items = list(dict.fromkeys(df["item"]))
    totals = df.drop_duplicates("group").set_index("group")["total"]
    names = {g: f"{plain(g)} · n = {n:,}" + (" (few)" if n < few else "") for g, n in totals.items()}
    fig = make_subplots(rows=1, cols=len(items), shared_yaxes=True, horizontal_spacing=0.045,
                        subplot_titles=[REVIEW_ITEM_LABELS.get(i, i) for i in items])
    for k, item in enumerate(items, start=1):
        _answer_bars(fig, df[df["item"] == item], lambda r: names[r.group], row=1, col=k, legend=k == 1)
        fig.update_xaxes(range=[0, 100], tickvals=[0, 50, 100], ticktext=["0%", "50%", "100%"],
                         title_text="Share of the group (%)", title_font_size=13, row=1, col=k)
    _layout(fig, heading, height=190 + 34 * len(totals))
    fig.update_layout(barmode="stack", showlegend=True, uniformtext={"mode": "hide", "minsize": 10},
                      legend=_TOP_RIGHT_LEGEND, margin={"t": 110})
    fig.update_yaxes(autorange="reversed", automargin=True)
    for a in fig.layout.annotations:
        if a.text in REVIEW_ITEM_LABELS.values():
            a.update(font={"size": 14, "color": INK})
    return fig


def lesson_themes(df: pd.DataFrame, reviews: int, as_of: date, scope: str, top: int = 12) -> go.Figure:
    """The most frequent themes (tags) of challenges, risks and recommendations: reviews per tag."""
    heading = title("Most frequent themes in lessons learned", as_of, scope)
    if df.empty:
        return empty(heading, "No tagged lessons yet.")
    rows = df.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(
        x=rows["incidents"], y=[plain(t) for t in rows["tag"]], orientation="h", marker={"color": "#3182bd"},
        text=[f"{n:,} ({n / reviews:.0%})" for n in rows["incidents"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:,} of " + f"{reviews:,} reviews<extra></extra>",
    ))
    _layout(fig, heading, height=max(330, 130 + 30 * len(rows)))
    fig.update_xaxes(title_text=f"Reviews mentioning it (of {reviews:,})", automargin=True, title_standoff=8,
                     **count_axis(rows["incidents"].max()))
    fig.update_yaxes(automargin=True)
    fig.update_layout(margin={"r": 70}, title_font_size=_HALF_WIDTH_TITLE)
    if len(df) > top:
        fig.add_annotation(text=f"Top {top} of {len(df)} themes", showarrow=False, x=1, y=-0.0, xref="paper",
                           yref="paper", xanchor="right", yanchor="bottom", font={"color": MUTED, "size": 12})
    return fig


def lesson_theme_trend(df: pd.DataFrame, tags: list[str], period: str, as_of: date, scope: str,
                       few: int = 5) -> go.Figure:
    """Themes over time: one row per tag (most frequent first), one column per period; each cell the number
    of reviews carrying the tag, shaded by its share of the period's reviews (so busy years do not dominate).
    A period of fewer than ``few`` reviews says so under its label."""
    heading = title(f"Themes by {period.lower()}", as_of, scope)
    if df.empty or not tags:
        return empty(heading, "No tagged lessons yet.")
    periods = list(dict.fromkeys(df["period"]))
    reviews = df.drop_duplicates("period").set_index("period")["reviews"]
    counts = df.dropna(subset=["tag"]).pivot_table(index="tag", columns="period", values="count", aggfunc="sum") \
        .reindex(index=tags, columns=periods).fillna(0)
    share = counts.div(reviews.reindex(periods).where(lambda s: s > 0, 1), axis=1) * 100
    columns = [f"{plain(p)}<br>n = {reviews[p]:,}" + (" (few)" if reviews[p] < few else "") for p in periods]
    fig = go.Figure(go.Heatmap(
        z=share.to_numpy(), x=columns, y=[plain(t) for t in tags], zmin=0, zmax=max(1.0, float(share.to_numpy().max())),
        colorscale=[[0, "#f7fbff"], [1, "#08519c"]], xgap=2, ygap=2,
        text=counts.astype(int).to_numpy(), texttemplate="%{text:,}", textfont={"size": 12},
        customdata=counts.astype(int).to_numpy(),
        colorbar={"title": {"text": "% of the<br>period's reviews", "font": {"color": MUTED, "size": 12}},
                  "ticksuffix": "%", "thickness": 12},
        hovertemplate="%{y}, %{x}: %{customdata} reviews (%{z:.0f}%)<extra></extra>",
    ))
    _layout(fig, heading, height=max(330, 190 + 28 * len(tags)))
    fig.update_layout(title_font_size=_HALF_WIDTH_TITLE)
    fig.update_xaxes(title_text=f"{plain(period)} (n: number of reviews)", side="bottom", gridcolor="white",
                     type="category", automargin=True, title_standoff=8)
    fig.update_yaxes(autorange="reversed", automargin=True, gridcolor="white")
    return fig


def budget_variance(df: pd.DataFrame, bands: list[str], as_of: date, scope: str) -> go.Figure:
    """Closed plans by actual cost against their budget, in variance bands, one bar per level."""
    heading = title("Closed plans: actual cost against budget", as_of, scope)
    if df.empty:
        return empty(heading, "No plan of an incident closed after remediation.")
    shown = bands + [b for b in dict.fromkeys(df["band"]) if b not in bands]
    fig = go.Figure()
    for level in sorted(df["level"].unique()):
        name = LEVEL_GROUPS.get(level, f"Level {level} plan")
        part = df[df["level"] == level].set_index("band")["plans"].reindex(shown).fillna(0).astype(int)
        fig.add_bar(name=plain(name), x=[_wrap(b, 8) for b in shown], y=part.to_numpy(),
                    marker={"color": LEVEL_COLOURS.get(name, MUTED)},
                    text=[f"{n:,}" if n else "" for n in part], textposition="outside", cliponaxis=False,
                    textfont={"size": 12}, hovertemplate=f"{plain(name)}: " + "%{y:,} plans<extra>%{x}</extra>")
    _layout(fig, heading, height=440)
    fig.update_layout(barmode="group", showlegend=True, bargap=0.25, title_font_size=_HALF_WIDTH_TITLE,
                      legend={**_TOP_RIGHT_LEGEND, "y": 0.86})
    fig.update_xaxes(title_text="Actual cost against the plan's budget (%)", type="category", tickangle=0,
                     automargin=True, tickfont={"size": 11})  # labels wrapped short: none overlaps at half width
    fig.update_yaxes(title_text="Closed plans (number)", automargin=True, **count_axis(df["plans"].max()))
    fig.update_layout(margin={"t": 110})
    return fig


def days_to_closure(stats: pd.DataFrame, as_of: date, scope: str) -> go.Figure:
    """Days from substantiation to closure per level: a box per group (quartiles, whiskers at the shortest
    and longest) with the median and the number of incidents written beside it."""
    heading = title("Time to closure, by level", as_of, scope)
    if stats.empty:
        return empty(heading, "No incident closed after remediation with a substantiation date.")
    fig = go.Figure()
    for r in stats.itertuples():
        colour = LEVEL_COLOURS.get(r.group, MUTED)
        label = f"<b>{plain(r.group)}</b><br>median {r.median:.0f} days · n = {r.n:,}"
        fig.add_trace(go.Box(
            name=label, y=[label], q1=[r.q1], median=[r.median], q3=[r.q3], lowerfence=[r.min],
            upperfence=[r.max], orientation="h", boxpoints=False, fillcolor=colour,
            line={"color": INK, "width": 1.5}, width=0.55,
            hovertemplate=f"{plain(r.group)}: median {r.median:.0f} days, middle half {r.q1:.0f}-{r.q3:.0f}, "
                          f"range {r.min}-{r.max} (n = {r.n:,})<extra></extra>",
        ))
    _layout(fig, heading, height=max(330, 170 + 75 * len(stats)))
    fig.update_layout(title_font_size=_HALF_WIDTH_TITLE)
    fig.update_xaxes(title_text="Days from substantiation to closure<br><sup>box: the middle half of incidents; "
                                "whiskers: shortest to longest</sup>",
                     range=[0, float(stats["max"].max()) * 1.08], automargin=True, title_font_size=13)
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 13})
    fig.update_layout(margin={"t": 110})  # as the budget chart beside it, so their titles line up
    return fig
