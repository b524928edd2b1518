"""Charts of the supply chain's exposure, in the board theme of :mod:`remediation.reports.charts`.

Colours keep their meaning: a link or bar that carries an open incident requiring Level 1 (mandatory) is the
theme's "mandatory" red; Level 1 recommended its orange; other open incidents a muted blue. Supplier, smelter and
product names come from suppliers' files: they are escaped before plotly sees them (plotly reads tags in
labels).
"""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from remediation.domain.supply_chain import ALL_PRODUCTS
from remediation.reports.charts import REQUIREMENT_COLOURS, empty
from remediation.reports.theme import INK, MUTED, array, figure, layout, title
from remediation.storage.supply_chain import Flows

LABEL_CHARS = 34  # a node or bar label longer than this is cut with an ellipsis (the hover shows it whole)
OTHER_OPEN_COLOUR = "#6b8fb8"
RANK_COLOURS = {5: "rgba(178, 24, 43, 0.45)", 4: "rgba(239, 138, 98, 0.45)"}
OTHER_LINK = "rgba(107, 143, 184, 0.35)"
STAGE_COLOURS = {"smelter": "#08306b", "supplier": "#3182bd", "product": "#9ecae1"}


def label(text: object, limit: int = LABEL_CHARS) -> str:
    """A name from a supplier's file, safe and short enough for a chart."""
    raw = str(text)
    return html.escape(raw if len(raw) <= limit else raw[:limit - 1].rstrip() + "…")


def suppliers_by_level1(df: pd.DataFrame, as_of: date, scope: str, top: int = 15) -> go.Figure:
    """The suppliers carrying the most open Level 1 (mandatory) incidents through their current declarations:
    one bar each, the Level 1 share in red and the other open incidents beside it."""
    heading = title("Suppliers carrying the most open Level 1 incidents", as_of, scope)
    if df.empty or df["open"].sum() == 0:
        return empty(heading, "No open incident is at a smelter a supplier's current declaration lists.")
    rows = df.sort_values(["level1_mandatory", "open", "supplier"], ascending=[False, False, True]).head(top)
    rows = rows.iloc[::-1]  # the most on top
    names = [label(s) for s in rows["supplier"]]
    full = [html.escape(str(s)) for s in rows["supplier"]]
    other = rows["open"] - rows["level1_mandatory"]
    bars = [
        {"type": "bar", "y": names, "x": array(rows["level1_mandatory"]), "orientation": "h",
         "name": "Level 1 mandatory", "marker": {"color": REQUIREMENT_COLOURS["mandatory"]}, "customdata": full,
         "text": array(rows["level1_mandatory"], text=True), "textposition": "inside", "insidetextanchor": "middle",
         "textfont": {"color": "white"},
         "hovertemplate": "%{customdata}: %{x} open incidents requiring Level 1<extra></extra>"},
        {"type": "bar", "y": names, "x": array(other), "orientation": "h", "name": "Other open incidents",
         "marker": {"color": OTHER_OPEN_COLOUR}, "customdata": full, "text": array(other, text=True),
         "textposition": "inside", "insidetextanchor": "middle", "textfont": {"color": "white"},
         "hovertemplate": "%{customdata}: %{x} other open incidents<extra></extra>"},
    ]
    totals = [{"x": int(total), "y": y, "text": f"  {int(total)}", "showarrow": False, "xanchor": "left",
               "font": {"color": INK, "size": 13}} for y, total in zip(names, rows["open"])]
    return figure(bars, layout(
        heading, 190 + 30 * len(rows), barmode="stack", showlegend=True, uniformtext={"minsize": 11, "mode": "hide"},
        legend={"orientation": "h", "yref": "container", "y": 0.01, "yanchor": "bottom", "x": 0, "xanchor": "left",
                "traceorder": "normal", "font": {"size": 13}},
        margin={"b": 95}, annotations=totals,
        xaxis={"title": {"text": "Open incidents at smelters in the supplier's current declarations"},
               "rangemode": "tozero"},
        yaxis={"automargin": True}))


NODE_PAD = 22  # px between two nodes of a column: more than a 13 px label's line (~17 px)
NODE_ROOM = 40  # px of figure height per node of the fullest column: its gap and room for the node itself
MARGIN_Y = 180  # the top and bottom margins (title, column heads; the note below)


def flows(f: Flows, as_of: date, scope: str) -> go.Figure:
    """Open incidents from smelter to supplier to product, as a Sankey diagram; the largest shown by name, the
    rest grouped, so it reads at 50 suppliers and 200 smelters."""
    heading = title("Where open incidents reach: smelter → supplier → product", as_of, scope)
    if f.nodes.empty:
        return empty(heading, "No open incident is at a smelter a supplier's current declaration lists.", height=360)
    stage_counts = f.nodes["stage"].value_counts()
    # Labels sit at their node's middle: with a gap between nodes at least a label's line, two labels never touch
    # however thin their nodes; the height leaves room for the gaps and for the nodes themselves.
    height = max(480, MARGIN_Y + NODE_ROOM * int(stage_counts.max()))
    x = {"smelter": 0.001, "supplier": 0.5, "product": 0.999}
    nodes = f.nodes
    sankey = {
        "type": "sankey", "arrangement": "snap",
        "node": {"label": [label(n, 40) for n in nodes["label"]],
                 "customdata": [html.escape(str(n)) for n in nodes["label"]],
                 "color": [MUTED if str(n).split(" ")[0].isdigit() and " other " in str(n) else STAGE_COLOURS[s]
                           for n, s in zip(nodes["label"], nodes["stage"])],
                 "x": [x[s] for s in nodes["stage"]],
                 "pad": NODE_PAD, "thickness": 16, "line": {"width": 0},
                 "hovertemplate": "%{customdata}: %{value} open incidents reach it<extra></extra>"},
        "link": {"source": array(f.links["source"]), "target": array(f.links["target"]),
                 "value": array(f.links["value"]),
                 "color": [RANK_COLOURS.get(int(r), OTHER_LINK) for r in f.links["rank"]],
                 "hovertemplate": "%{source.customdata} → %{target.customdata}: %{value} open incidents<extra></extra>"},
        "textfont": {"size": 13, "color": INK, "family": "Source Sans Pro, Helvetica, Arial, sans-serif"},
    }
    notes = [{"x": x[stage], "y": 1.01, "xref": "paper", "yref": "paper", "yanchor": "bottom", "showarrow": False,
              "xanchor": {"smelter": "left", "supplier": "center", "product": "right"}[stage],
              "text": f"<b>{text}</b>", "font": {"size": 13, "color": MUTED}}
             for stage, text in (("smelter", f"Smelters ({f.smelters})"), ("supplier", f"Suppliers ({f.suppliers})"),
                                 ("product", f"Products ({f.products})"))]
    notes.append({"x": 0, "y": -0.02, "xref": "paper", "yref": "paper", "yanchor": "top", "xanchor": "left",
                  "showarrow": False, "font": {"size": 12, "color": MUTED},
                  "text": "Red: links carrying an open incident that requires Level 1. An incident reaches every "
                          "supplier whose current declaration lists its smelter,<br>and every product that declaration "
                          f"covers; company-wide declarations meet in '{ALL_PRODUCTS}'."})
    return figure([sankey], layout(heading, height, margin={"l": 10, "r": 10, "t": 115, "b": 65},  # MARGIN_Y
                                   annotations=notes))
