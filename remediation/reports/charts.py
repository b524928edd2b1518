"""Plotly figure builders: DataFrame in, Figure out, one board theme for every page.

Colours mean the same thing everywhere: each step has one colour (a sequential blue, darker as an
incident moves on), each closed outcome one (green for remediated, greys for allegations closed at
Step 1), and Level 1 / Level 2 requirements one each. Titles say what and as of when; axes name
their units; every bar carries its number, so a screenshot reads without hovering.

Figures are composed as plain specs in the theme of :mod:`remediation.reports.theme` (issue #15: plotly's
validating ``update_*``/``add_*`` calls cost 10-30 ms a chart).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from remediation.domain.vocab import STEPS
from remediation.reports.theme import (
    INK,
    MUTED,
    array,
    axes,
    axis,
    count_axis,
    figure,
    hline,
    layout,
    merge,
    plain,
    title,
)
from remediation.storage.queries import AGE_BUCKETS

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


def compact(amount) -> str:
    """1,359,000 → '1.36m', 133,717 → '134k': money that fits a headline figure."""
    value = float(amount)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:,.0f}"


def empty(heading: str, message: str, height: int = 260) -> go.Figure:
    """A chart-shaped empty state: the title stays, and says why there is nothing to draw."""
    return figure([], layout(heading, height, xaxis={"visible": False}, yaxis={"visible": False}, annotations=[
        {"text": message, "showarrow": False, "font": {"size": 16, "color": MUTED}, "x": 0.5, "y": 0.5,
         "xref": "paper", "yref": "paper"}]))


def pipeline(df: pd.DataFrame, as_of: date, scope: str, selected: str | None = None) -> go.Figure:
    """Open incidents per step, then every closed outcome: one horizontal bar each, in the guideline's order."""
    heading = title("Incidents by step and closed outcome", as_of, scope)
    if df["count"].sum() == 0:
        return empty(heading, "No incident matches these filters.")
    rows = df.iloc[::-1]  # first stage on top
    colours = [stage_colour(s) for s in rows["stage"]]
    opacity = [1.0 if selected in (None, s) else 0.35 for s in rows["stage"]]
    bar = {
        "type": "bar", "x": array(rows["count"]), "y": [plain(label) for label in rows["label"]], "orientation": "h",
        "customdata": array(rows["stage"]), "marker": {"color": colours, "opacity": opacity, "line": {"width": 0}},
        "text": array(rows["count"], text=True), "textposition": "outside", "cliponaxis": False,
        "hovertemplate": "%{y}: %{x} incidents<extra></extra>",
        # Plotly styles a clicked selection through these; left undefined, its selection code fails
        # in the browser ("reading 'textfont'") and the click never reaches the app.
        "selected": {"marker": {"opacity": 1.0}, "textfont": {"color": INK}},
        "unselected": {"marker": {"opacity": 0.35}, "textfont": {"color": MUTED}},
    }
    return figure([bar], layout(
        heading, 90 + 34 * len(rows),
        xaxis={"title": {"text": "Number of incidents"}, **count_axis(rows["count"].max())},
        yaxis={"automargin": True},
        shapes=[hline(len(rows) - 5.5, {"color": MUTED, "width": 1, "dash": "dot"})]))  # open | closed


def ageing(df: pd.DataFrame, time_frames: dict[int, int], as_of: date, scope: str) -> go.Figure:
    """How long incidents have waited in their current step: stacked age bands per step, with the
    number over the step's time frame written beside each bar."""
    heading = title("Days in the current step", as_of, scope)
    if df.empty:
        return empty(heading, "No incident is waiting in a step.")
    # counted in Python: a handful of rows, where each pandas filter or groupby costs a fraction of a millisecond
    rows = list(zip(df["step"].tolist(), df["bucket"].tolist(), df["count"].tolist(), df["overdue"].tolist()))
    steps = sorted({step for step, _, _, _ in rows})
    names = {n: f"{n}. {STEPS[n]}" for n in steps}
    per_bucket: dict[tuple[str, int], int] = {}
    totals = {n: [0, 0] for n in steps}  # incidents, overdue
    for step, bucket, count, overdue in rows:
        per_bucket[(bucket, step)] = per_bucket.get((bucket, step), 0) + count
        totals[step][0] += count
        totals[step][1] += overdue
    bars = [{"type": "bar", "name": bucket, "y": [names[n] for n in steps],
             "x": [int(per_bucket.get((bucket, n), 0)) for n in steps], "orientation": "h",
             "marker": {"color": colour}, "hovertemplate": f"{bucket}: %{{x}}<extra>%{{y}}</extra>"}
            for colour, (_, _, bucket) in zip(AGE_COLOURS, AGE_BUCKETS)]
    notes = []
    for n in steps:
        over = int(totals[n][1])
        notes.append({"x": int(totals[n][0]), "y": names[n], "xanchor": "left", "showarrow": False,
                      "text": f"  {over} over {time_frames[n]} days" if over else f"  none over {time_frames[n]} days",
                      "font": {"color": OVERDUE_COLOUR if over else MUTED, "size": 13}})
    plot_height = 40 * len(steps)
    # The legend sits a fixed 70 px under the plot, below the tick labels and the axis title (about 55 px),
    # with 70 px of margin for its two rows: it never overlaps the axis title, whatever the number of steps.
    return figure(bars, layout(
        heading, 80 + plot_height + 140, annotations=notes, barmode="stack", showlegend=True,
        legend={"orientation": "h", "yanchor": "top", "y": -70 / plot_height, "x": 0, "traceorder": "normal",
                "title": {"text": "Waiting for "}},
        xaxis={"title": {"text": "Number of incidents", "standoff": 6},
               **count_axis(max(total for total, _ in totals.values()))},
        yaxis={"autorange": "reversed", "automargin": True}, margin={"r": 170, "b": 140}))


# --- Lessons learned (Step 6) across incidents -----------------------------------------------------
# Answers to the guideline's review items read green for yes, light green for partly (never merged
# with yes), red for no, grey for unknown; Level 1 and Level 2 plans are purple, dark and light.

import textwrap  # noqa: E402

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


def _answer_bars(rows: list, y_of, subplot: int | None = None, legend: bool = True) -> list[dict]:
    """One stacked trace per answer (yes, partly, no, unknown) of a review_outcomes frame's rows (its
    ``itertuples()``); on the ``subplot``-th pair of axes if given."""
    bars = []
    for answer, label in REVIEW_ANSWERS.items():
        part = [r for r in rows if r.answer == answer]
        bar = {
            "type": "bar", "name": label, "legendgroup": answer, "showlegend": legend, "orientation": "h",
            "y": [y_of(r) for r in part], "x": array(np.array([r.share for r in part], dtype=float) * 100),
            "customdata": [[int(r.count), int(r.total)] for r in part],
            "marker": {"color": ANSWER_COLOURS[answer], "line": {"color": "white", "width": 1}},
            "text": [f"{r.share:.0%}" if r.count else "" for r in part],
            "textposition": "inside", "insidetextanchor": "middle",
            "textfont": {"color": ANSWER_TEXT_COLOURS[answer], "size": 13},
            "hovertemplate": f"{label}: %{{customdata[0]}} of %{{customdata[1]}} incidents (%{{x:.0f}}%)"
                             "<extra>%{y}</extra>",
        }
        if subplot:
            bar |= {"xaxis": f"x{subplot if subplot > 1 else ''}", "yaxis": f"y{subplot if subplot > 1 else ''}"}
        bars.append(bar)
    return bars


def review_overall(df: pd.DataFrame, as_of: date, scope: str) -> go.Figure:
    """The four review items across every reviewed incident: one 100% bar each, yes/partly/no/unknown,
    with the number of incidents behind the shares beside each bar."""
    heading = title("Step 6 review: answers across closed incidents", as_of, scope)
    if df.empty:
        return empty(heading, "No lessons captured yet for incidents closed after remediation.")
    items = list(dict.fromkeys(df["item"]))
    labels = {i: REVIEW_ITEM_LABELS.get(i, i) for i in items}
    total = int(df["total"].iloc[0])
    notes = [{"x": 100, "y": labels[item], "xanchor": "left", "showarrow": False, "xref": "x",
              "text": f"  n = {total:,} incidents", "font": {"color": MUTED, "size": 13}} for item in items]
    return figure(_answer_bars(list(df.itertuples()), lambda r: labels[r.item]), layout(
        heading, 195 + 52 * len(items), annotations=notes, barmode="stack", showlegend=True,
        uniformtext={"mode": "hide", "minsize": 11},
        # the legend just above the plot, under the title and its scope line, never beside the title
        legend={**_TOP_RIGHT_LEGEND, "yref": "paper", "y": 1.02, "yanchor": "bottom"},
        margin={"r": 130, "t": 125},
        xaxis={"title": {"text": "Share of reviewed incidents (%)"}, "range": [0, 100], "ticksuffix": "%", "dtick": 25},
        yaxis={"autorange": "reversed", "automargin": True}))


_SUBPLOT_SPACING = 0.045


def _subplot_row(spec_layout: dict, titles: list[str]) -> None:
    """What ``make_subplots(rows=1, cols=len(titles), shared_yaxes=True, horizontal_spacing=0.045,
    subplot_titles=titles)`` puts in a layout: a pair of axes per column, the y axes matching the first, and each
    title over its column (plotly's arithmetic, to the last digit)."""
    cols = len(titles)
    widths = [(1.0 - _SUBPLOT_SPACING * (cols - 1)) / cols] * cols
    for c in range(cols):
        start = sum(widths[:c]) + c * _SUBPLOT_SPACING
        domain = [start, start + widths[c]]
        n = str(c + 1) if c else ""
        merge(spec_layout.setdefault(f"xaxis{n}", axis()), {"anchor": f"y{n}", "domain": domain})
        merge(spec_layout.setdefault(f"yaxis{n}", axis()), {"anchor": f"x{n}", "domain": [0.0, 1.0]})
        if c:
            spec_layout[f"yaxis{n}"] |= {"matches": "y", "showticklabels": False}
        if titles[c]:
            spec_layout.setdefault("annotations", []).append(
                {"y": 1.0, "xref": "paper", "x": sum(domain) / 2.0, "yref": "paper", "text": titles[c],
                 "showarrow": False, "font": {"size": 16}, "xanchor": "center", "yanchor": "bottom"})


def review_breakdown(df: pd.DataFrame, dimension: str, as_of: date, scope: str, few: int = 5) -> go.Figure:
    """The four review items per group (mineral, country, level…): four small multiples sharing the group
    axis, each group labelled with its number of incidents; groups of fewer than ``few`` say so."""
    heading = title(f"Step 6 review answers by {dimension.lower()}", as_of, scope)
    if df.empty:
        return empty(heading, "No lessons captured yet for incidents closed after remediation.")
    rows = list(df.itertuples())
    items = list(dict.fromkeys(r.item for r in rows))
    totals: dict = {}
    for r in rows:
        totals.setdefault(r.group, r.total)
    names = {g: f"{plain(g)} · n = {n:,}" + (" (few)" if n < few else "") for g, n in totals.items()}
    spec = layout(heading, 190 + 34 * len(totals), barmode="stack", showlegend=True,
                  uniformtext={"mode": "hide", "minsize": 10}, legend=_TOP_RIGHT_LEGEND, margin={"t": 110})
    _subplot_row(spec, [REVIEW_ITEM_LABELS.get(i, i) for i in items])
    bars = []
    for k, item in enumerate(items, start=1):
        bars += _answer_bars([r for r in rows if r.item == item], lambda r: names[r.group], subplot=k, legend=k == 1)
    axes(spec, "x", range=[0, 100], tickvals=[0, 50, 100], ticktext=["0%", "50%", "100%"],
         title={"text": "Share of the group (%)", "font": {"size": 13}})
    axes(spec, "y", autorange="reversed", automargin=True)
    for a in spec.get("annotations", []):
        if a["text"] in REVIEW_ITEM_LABELS.values():
            merge(a, {"font": {"size": 14, "color": INK}})
    return figure(bars, spec)


def lesson_themes(df: pd.DataFrame, reviews: int, as_of: date, scope: str, top: int = 12) -> go.Figure:
    """The most frequent themes (tags) of challenges, risks and recommendations: reviews per tag."""
    heading = title("Most frequent themes in lessons learned", as_of, scope)
    if df.empty:
        return empty(heading, "No tagged lessons yet.")
    rows = df.head(top).iloc[::-1]
    bar = {
        "type": "bar", "x": array(rows["incidents"]), "y": [plain(t) for t in rows["tag"]], "orientation": "h",
        "marker": {"color": "#3182bd"}, "text": [f"{n:,} ({n / reviews:.0%})" for n in rows["incidents"]],
        "textposition": "outside", "cliponaxis": False,
        "hovertemplate": "%{y}: %{x:,} of " + f"{reviews:,} reviews<extra></extra>",
    }
    notes = [{"text": f"Top {top} of {len(df)} themes", "showarrow": False, "x": 1, "y": -0.0, "xref": "paper",
              "yref": "paper", "xanchor": "right", "yanchor": "bottom", "font": {"color": MUTED, "size": 12}}] \
        if len(df) > top else []
    spec = layout(heading, max(330, 130 + 30 * len(rows)), margin={"r": 70},
                  title={"font": {"size": _HALF_WIDTH_TITLE}},
                  xaxis={"title": {"text": f"Reviews mentioning it (of {reviews:,})", "standoff": 8}, "automargin": True,
                         **count_axis(rows["incidents"].max())},
                  yaxis={"automargin": True})
    if notes:
        spec["annotations"] = notes
    return figure([bar], spec)


def lesson_theme_trend(df: pd.DataFrame, tags: list[str], period: str, as_of: date, scope: str,
                       few: int = 5) -> go.Figure:
    """Themes over time: one row per tag (most frequent first), one column per period; each cell the number
    of reviews carrying the tag, shaded by its share of the period's reviews (so busy years do not dominate).
    A period of fewer than ``few`` reviews says so under its label."""
    heading = title(f"Themes by {period.lower()}", as_of, scope)
    if df.empty or not tags:
        return empty(heading, "No tagged lessons yet.")
    # counted in Python (pandas' pivot_table alone costs more than the figure): reviews per tag and period, as
    # counts.div(reviews) * 100 would give them
    periods = list(dict.fromkeys(df["period"].tolist()))
    reviews: dict = {}
    counted: dict = {}
    for when, tag, count, total in zip(df["period"].tolist(), df["tag"].tolist(), df["count"].tolist(),
                                       df["reviews"].tolist()):
        reviews.setdefault(when, total)
        if not pd.isna(tag):
            counted[(tag, when)] = counted.get((tag, when), 0) + count
    cells = [[counted.get((tag, p), 0) for p in periods] for tag in tags]
    share = np.array([[c / (reviews[p] if reviews[p] > 0 else 1) * 100 for c, p in zip(row, periods)]
                      for row in cells], dtype=float)
    whole = np.array(cells, dtype=np.int64)
    columns = [f"{plain(p)}<br>n = {reviews[p]:,}" + (" (few)" if reviews[p] < few else "") for p in periods]
    heatmap = {
        "type": "heatmap", "z": array(share), "x": columns, "y": [plain(t) for t in tags], "zmin": 0,
        "zmax": max(1.0, float(share.max())), "colorscale": [[0, "#f7fbff"], [1, "#08519c"]],
        "xgap": 2, "ygap": 2, "text": array(whole), "texttemplate": "%{text:,}", "textfont": {"size": 12},
        "customdata": array(whole),
        "colorbar": {"title": {"text": "% of the<br>period's reviews", "font": {"color": MUTED, "size": 12}},
                     "ticksuffix": "%", "thickness": 12},
        "hovertemplate": "%{y}, %{x}: %{customdata} reviews (%{z:.0f}%)<extra></extra>",
    }
    return figure([heatmap], layout(
        heading, max(330, 190 + 28 * len(tags)), title={"font": {"size": _HALF_WIDTH_TITLE}},
        xaxis={"title": {"text": f"{plain(period)} (n: number of reviews)", "standoff": 8}, "side": "bottom",
               "gridcolor": "white", "type": "category", "automargin": True},
        yaxis={"autorange": "reversed", "automargin": True, "gridcolor": "white"}))


def budget_variance(df: pd.DataFrame, bands: list[str], as_of: date, scope: str) -> go.Figure:
    """Closed plans by actual cost against their budget, in variance bands, one bar per level."""
    heading = title("Closed plans: actual cost against budget", as_of, scope)
    if df.empty:
        return empty(heading, "No plan of an incident closed after remediation.")
    rows = list(zip(df["level"].tolist(), df["band"].tolist(), df["plans"].tolist()))
    shown = bands + [b for b in dict.fromkeys(band for _, band, _ in rows) if b not in bands]
    plans = {(level, band): n for level, band, n in rows}  # one row per level and band
    bars = []
    for level in sorted({level for level, _, _ in rows}):
        name = LEVEL_GROUPS.get(level, f"Level {level} plan")
        part = np.array([plans.get((level, band), 0) for band in shown], dtype=np.int64)
        bars.append({"type": "bar", "name": plain(name), "x": [_wrap(b, 8) for b in shown], "y": array(part),
                     "marker": {"color": LEVEL_COLOURS.get(name, MUTED)},
                     "text": [f"{n:,}" if n else "" for n in part], "textposition": "outside", "cliponaxis": False,
                     "textfont": {"size": 12}, "hovertemplate": f"{plain(name)}: " + "%{y:,} plans<extra>%{x}</extra>"})
    return figure(bars, layout(
        heading, 440, barmode="group", showlegend=True, bargap=0.25, title={"font": {"size": _HALF_WIDTH_TITLE}},
        legend={**_TOP_RIGHT_LEGEND, "y": 0.86}, margin={"t": 110},
        xaxis={"title": {"text": "Actual cost against the plan's budget (%)"}, "type": "category", "tickangle": 0,
               "automargin": True, "tickfont": {"size": 11}},  # labels wrapped short: none overlaps at half width
        yaxis={"title": {"text": "Closed plans (number)"}, "automargin": True, **count_axis(max(n for _, _, n in rows))}))


def days_to_closure(stats: pd.DataFrame, as_of: date, scope: str) -> go.Figure:
    """Days from substantiation to closure per level: a box per group (quartiles, whiskers at the shortest
    and longest) with the median and the number of incidents written beside it."""
    heading = title("Time to closure, by level", as_of, scope)
    if stats.empty:
        return empty(heading, "No incident closed after remediation with a substantiation date.")
    boxes = []
    for r in stats.itertuples():
        colour = LEVEL_COLOURS.get(r.group, MUTED)
        label = f"<b>{plain(r.group)}</b><br>median {r.median:.0f} days · n = {r.n:,}"
        boxes.append({
            "type": "box", "name": label, "y": [label], "q1": [r.q1], "median": [r.median], "q3": [r.q3],
            "lowerfence": [r.min], "upperfence": [r.max], "orientation": "h", "boxpoints": False,
            "fillcolor": colour, "line": {"color": INK, "width": 1.5}, "width": 0.55,
            "hovertemplate": f"{plain(r.group)}: median {r.median:.0f} days, middle half {r.q1:.0f}-{r.q3:.0f}, "
                             f"range {r.min}-{r.max} (n = {r.n:,})<extra></extra>",
        })
    return figure(boxes, layout(
        heading, max(330, 170 + 75 * len(stats)), title={"font": {"size": _HALF_WIDTH_TITLE}},
        margin={"t": 110},  # as the budget chart beside it, so their titles line up
        xaxis={"title": {"text": "Days from substantiation to closure<br><sup>box: the middle half of incidents; "
                                 "whiskers: shortest to longest</sup>", "font": {"size": 13}},
               "range": [0, float(stats["max"].max()) * 1.08], "automargin": True},
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 13}}))
