"""Charts of the company's own work (issue #13): remedy types by the company's involvement, and involvement across
the portfolio. DataFrame in (from :mod:`remediation.storage.company_work`), Figure out, in the board theme of
:mod:`remediation.reports.charts`."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from remediation.reports.charts import empty
from remediation.reports.theme import array, count_axis, figure, layout, plain, texts, title
from remediation.storage.company_work import involvement_label, remedy_label

# caused: the company remediates itself (dark); contributed; directly linked: leverage (blue); not determined: grey
INVOLVEMENT_COLOURS = {"caused": "#b2182b", "contributed": "#ef8a62", "directly_linked": "#3182bd",
                       "not_determined": "#c4c9cf"}


def remedy_by_involvement(df: pd.DataFrame, as_of: date, scope: str) -> go.Figure:
    """Plans per remedy type, stacked by the company's involvement: what remedy the plans provide where the company
    remediates directly and where it uses leverage."""
    heading = title("Remedy provided by the plans, by the company's involvement", as_of, scope)
    if df.empty or df["plans"].sum() == 0:
        return empty(heading, "No plan matches these filters.")
    rows = list(zip(df["remedy_type"].tolist(), df["involvement"].tolist(), df["plans"].tolist()))
    remedies = list(dict.fromkeys(r for r, _, _ in rows))
    plans: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for remedy, involvement, n in rows:
        plans[(involvement, remedy)] = plans.get((involvement, remedy), 0) + n
        totals[remedy] = totals.get(remedy, 0) + n
    present = {involvement for _, involvement, _ in rows}
    bars = []
    for involvement, colour in INVOLVEMENT_COLOURS.items():
        if involvement not in present:
            continue
        values = [int(plans.get((involvement, r), 0)) for r in remedies]
        bars.append({"type": "bar", "x": values, "y": [plain(remedy_label(r)) for r in remedies], "orientation": "h",
                     "name": plain(involvement_label(involvement)), "marker": {"color": colour},
                     "text": texts(v or "" for v in values), "textposition": "inside", "insidetextanchor": "middle",
                     "hovertemplate": "%{y}: %{x} plans (" + plain(involvement_label(involvement)) + ")<extra></extra>"})
    return figure(bars, layout(
        heading, max(300, 150 + 40 * len(remedies)), barmode="stack", showlegend=True,
        legend={"orientation": "h", "y": -0.25, "x": 0, "title": {"text": "Company involvement: "}},
        xaxis={"title": {"text": "Plans (a plan providing several remedies counts under each)"},
               **count_axis(max(totals.values()))},
        yaxis={"autorange": "reversed", "automargin": True}))


def involvement(df: pd.DataFrame, as_of: date, scope: str) -> go.Figure:
    """Incidents by the company's involvement: remediate directly (caused), contribute (contributed), use leverage
    (directly linked), or not yet determined."""
    heading = title("Incidents by the company's involvement", as_of, scope)
    if df["incidents"].sum() == 0:
        return empty(heading, "No incident matches these filters.")
    bar = {"type": "bar", "x": array(df["incidents"]), "y": [plain(label) for label in df["label"]],
           "orientation": "h", "marker": {"color": [INVOLVEMENT_COLOURS[k] for k in df["involvement"]]},
           "text": array(df["incidents"], text=True), "textposition": "outside", "cliponaxis": False,
           "hovertemplate": "%{y}: %{x} incidents<extra></extra>"}
    return figure([bar], layout(
        heading, 110 + 40 * len(df),
        xaxis={"title": {"text": "Number of incidents"}, **count_axis(df["incidents"].max())},
        yaxis={"autorange": "reversed", "automargin": True}))
