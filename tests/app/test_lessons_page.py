"""The lessons page as Streamlit runs it: headline shares, the charts, the searchable list, board mode."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage.lessons import REVIEW_ITEMS, TEXT_FIELDS

PAGE = "pages/lessons.py"
TODAY = date.today()
CHARTS = 7  # overall, breakdown, themes, theme trend, budget outcome, time to closure, remedy by involvement


@pytest.fixture(scope="module")
def closed():
    return [r for r in read_fixture() if evaluate(r, TODAY).status == "closed_remediated"]


@pytest.fixture(scope="module")
def reviewed(closed):
    return [r for r in closed if r.lessons is not None]


def _metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.proto.delta) for m in at.metric}


def _review_list(at):
    return next(df.value for df in at.dataframe if "link" in df.value.columns)


def _count_line(at) -> str:
    return next(m.value for m in at.markdown if "newest first" in m.value)


def _chart_titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_headline_shares_say_how_many_incidents_they_rest_on(run_app, closed, reviewed):
    at = run_app(page=PAGE)
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["Lessons captured"] == (f"{len(reviewed) / len(closed):.0%}", f"{len(reviewed)} of {len(closed)} closed")
    for item, label in REVIEW_ITEMS.items():
        answers = Counter(getattr(r.lessons, item) for r in reviewed)
        value, delta = metrics[label]
        assert value == f"{answers['yes'] / len(reviewed):.0%}"
        partly = f" · {answers['partly'] / len(reviewed):.0%} partly" if answers["partly"] else ""
        assert delta == f"n = {len(reviewed)}{partly}"  # the number behind the share; partly apart, never as yes
    titles = _chart_titles(at)
    assert len(titles) == CHARTS
    assert all(f"as of {TODAY.isoformat()}" in t and "Incidents closed after remediation" in t for t in titles)
    assert _count_line(at) == f"**{len(reviewed)} reviews**, newest first"
    links = _review_list(at)["link"]
    assert set(links) == {f"/incident?incident={r.incident.code}" for r in reviewed}


def test_the_breakdown_follows_the_selector(run_app, reviewed):
    at = run_app(page=PAGE)
    assert "by mineral" in _chart_titles(at)[1]
    at.segmented_control(key="lessons_by").set_value("level").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert "by level of response" in spec["layout"]["title"]["text"]
    level2 = sum(1 for r in reviewed if r.plan(2))
    assert any(f"Level 2 plan · n = {level2}" in str(trace["y"]) for trace in spec["data"])
    at.segmented_control(key="lessons_period").set_value("review_quarter").run()
    assert not at.exception and "by quarter of review" in _chart_titles(at)[3]


def test_search_and_theme_filter_narrow_the_list(run_app, reviewed):
    at = run_app(page=PAGE)
    at.text_input(key="lessons_q").set_value("funding").run()
    assert not at.exception
    text_of = {r.incident.code: " ".join([*(getattr(r.lessons, f) for f in TEXT_FIELDS), *r.lessons.tags]).lower()
               for r in reviewed}
    expected = {code for code, text in text_of.items() if "funding" in text}
    assert 0 < len(expected) < len(reviewed)
    assert set(_review_list(at)["code"]) == expected
    assert _count_line(at).startswith(f"**{len(expected)} review")

    tag = Counter(t for r in reviewed for t in r.lessons.tags).most_common(1)[0][0]
    at.text_input(key="lessons_q").set_value("").run()
    at.multiselect(key="lessons_tags").set_value([tag]).run()
    assert set(_review_list(at)["code"]) == {r.incident.code for r in reviewed if tag in r.lessons.tags}

    at.text_input(key="lessons_q").set_value("no such words anywhere").run()
    assert not at.exception and "No lesson matches this search." in [i.value for i in at.info]


def test_sidebar_filters_apply_whatever_the_open_closed_choice(run_app, closed, reviewed):
    at = run_app(page=PAGE, query={"mineral": "Tantalum", "status": "Open"})
    assert not at.exception
    ta = [r for r in reviewed if r.incident.mineral == "tantalum"]
    assert _metrics(at)["Lessons captured"][1] == f"{len(ta)} of {sum(r.incident.mineral == 'tantalum' for r in closed)} closed"
    assert all("filters: Tantalum" in t for t in _chart_titles(at))
    assert set(_review_list(at)["mineral"]) == {"Tantalum"}


def test_board_mode_shows_the_figures_without_instructions(run_app, reviewed):
    at = run_app(page=PAGE)
    at.session_state["board"] = True
    at.run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == CHARTS
    assert _metrics(at)["Lessons captured"][1].startswith(f"{len(reviewed)} of")
    captions = [c.value for c in at.main.caption]
    # the board's scope line, the page's subtitle and the caveat the "(few)" bars need: no how-to captions
    assert len(captions) == 3, captions
    assert captions[0].startswith("Scope")
    assert any("*(few)*" in c for c in captions)
    assert not at.expander and not at.button and not at.get("form")
    assert not at.text_input and not at.multiselect and not at.get("button_group")  # a slide: no search, no control
    assert len(_review_list(at)) == len(reviewed)


@pytest.mark.parametrize("board", [False, True])
def test_an_empty_database_shows_empty_states(run_app, board):
    at = run_app(page=PAGE, demo="0")
    if board:
        at.session_state["board"] = True
        at.run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["Lessons captured"] == ("—", "0 of 0 closed")
    assert {metrics[label][0] for label in REVIEW_ITEMS.values()} == {"—"}
    assert any("No incident closed after remediation" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == CHARTS  # each chart keeps its title and says why it is empty
    assert "No lessons recorded yet." in [i.value for i in at.info]
    assert not [df for df in at.dataframe if "link" in df.value.columns]
