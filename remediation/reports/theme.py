"""The board theme as plain plotly specs (issue #15): dicts in, one ``go.Figure`` out, without plotly's validators.

Building a figure through ``update_layout``/``update_xaxes``/``add_annotation``/``add_hline`` walks plotly's
property paths and validators on every call: 10-30 ms a chart, the largest Python cost of a page's cold run. The
builders of :mod:`remediation.reports` instead compose the spec plotly would have made (traces as dicts, one layout
dict, shapes and annotations in lists) and wrap it with :func:`figure`, which skips validation (~0.1 ms).
Skipping validation is safe only while the spec is exactly what validation would produce: plotly's "magic
underscore" names are spelt out as nested dicts, arrays are coerced as plotly's validators coerce them
(:func:`array`, :func:`texts`), and ``tests/unit/test_chart_specs.py`` checks every builder's figure against
``go.Figure(fig.to_dict())``, plotly validating all of it. What a caller changes afterwards (``update_layout`` on
the returned figure) is validated as usual.
"""

from __future__ import annotations

import html
from datetime import date

import numpy as np
import plotly.graph_objects as go

FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e4e8ee"


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


def merge(base: dict, update: dict) -> dict:
    """``update`` merged into ``base`` as plotly's ``update_layout`` merges: nested dicts key by key, anything
    else replaced, ``None`` removing the key. Dicts are copied in, so a shared constant is never changed later."""
    for key, value in update.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict):
            if not isinstance(base.get(key), dict):
                base[key] = {}
            merge(base[key], value)
        else:
            base[key] = value
    return base


def axis(**settings) -> dict:
    """An axis of the theme (grid, no zero line, a muted title), with ``settings`` merged in."""
    return merge({"title": {"font": {"color": MUTED}}, "gridcolor": GRID, "zeroline": False}, settings)


def layout(heading: str, height: int, **settings) -> dict:
    """The board layout: title top left, the theme's font and colours, no legend; ``settings`` merged in
    (``xaxis``/``yaxis`` merge into the theme's axes)."""
    base = {
        "title": {"text": heading, "x": 0, "xanchor": "left", "font": {"size": 20, "color": INK}},
        "font": {"family": FONT, "size": 14, "color": INK},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "height": height,
        "margin": {"l": 10, "r": 30, "t": 80, "b": 50}, "showlegend": False,
        "xaxis": axis(), "yaxis": axis(),
    }
    return merge(base, settings)


def axes(spec_layout: dict, letter: str, **settings) -> dict:
    """``update_xaxes``/``update_yaxes``: ``settings`` merged into every ``letter`` axis of the layout."""
    for key, value in spec_layout.items():
        if key == f"{letter}axis" or (key.startswith(f"{letter}axis") and key[5:].isdigit()):
            merge(value, settings)
    return spec_layout


def hline(y: float, line: dict) -> dict:
    """The shape ``fig.add_hline(y, line=line)`` adds: across the plot's width, at ``y`` on the y axis."""
    return {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y, "line": dict(line)}


def array(values, text: bool = False) -> np.ndarray:
    """A pandas Series or numpy array as plotly's validators store it: a read-only copy; for a text property
    (``text=``) numbers become float64, as plotly's string validator casts them."""
    out = np.array(values)  # a copy
    if text and out.dtype.kind in "uif":
        out = out.astype(float)
    elif not text and out.dtype.kind not in "uifOM":
        out = out.astype(object)
    out.flags.writeable = False
    return out


def texts(values) -> list:
    """A list for a text property, as plotly's string validator stores it: anything not a string (nor None)
    as its ``str``."""
    return [v if v is None or isinstance(v, str) else str(v) for v in values]


def figure(data: list[dict], spec_layout: dict) -> go.Figure:
    """The figure of a spec composed as plotly's validators would have made it, not validated again."""
    return go.Figure({"data": data, "layout": spec_layout}, _validate=False)
