"""A figure cached for every session (pages._data's figure caches) makes its dict once: st.plotly_chart reads it on
every rerun, and that dict is the one the figure itself would give (issue #15)."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io

from pages import _data


def _bar() -> go.Figure:
    fig = go.Figure(go.Bar(x=["Caused", "Contributed", "Directly linked"], y=[3, 1, 7], name="Incidents"))
    fig.update_layout(title="Company involvement", yaxis_title="Incidents")
    return fig


def test_a_shared_figure_gives_the_figures_own_dict_made_once():
    expected = _bar().to_dict()
    shared = _data._shared(_bar())
    assert isinstance(shared, _data._SharedFigure)
    first = shared.to_dict()
    assert first == expected
    assert shared.to_dict() is first  # made once: a warm rerun copies no trace
    assert plotly.io.to_json(shared, validate=False) == plotly.io.to_json(_bar(), validate=False)


def test_only_a_plain_figure_is_shared():
    assert _data._shared(None) is None
    already = _data._shared(_bar())
    assert _data._shared(already) is already and type(already) is _data._SharedFigure
