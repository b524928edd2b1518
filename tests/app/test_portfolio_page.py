"""The portfolio page as Streamlit runs it: headline figures, pipeline, ageing, filters, table."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import numpy as np
from conftest import open_form

from remediation.domain.settings import DEFAULT_TIME_FRAMES
from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

TODAY = date.today()


def _states():
    return [(r, evaluate(r, TODAY)) for r in read_fixture()]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_headline_figures_pipeline_and_table_on_the_demo_portfolio(run_app):
    at = run_app()
    assert not at.exception
    states = _states()
    open_ = [(r, s) for r, s in states if s.is_open]
    metrics = _metrics(at)
    assert metrics["Open incidents"] == str(len(open_))
    assert metrics["Need Level 1"] == str(sum(1 for r, _ in open_ if r.latest_assessment
                                                   and r.latest_assessment.level1 == "mandatory"))
    assert metrics["Overdue"] == str(sum(
        1 for _, s in open_ if s.step_entered_on < TODAY - timedelta(days=DEFAULT_TIME_FRAMES[s.step])))
    assert metrics["L2 budget spent"].endswith("%")
    # the pipeline, the ageing chart, and (issue #13) incidents by involvement and remedy types by involvement
    charts = at.get("plotly_chart")
    assert [c.key for c in charts] == ["pipeline_chart", "ageing_chart", "involvement_chart", "remedy_chart"]
    involvement = json.loads(charts[2].proto.spec)
    xs = involvement["data"][0]["x"]  # plotly packs numbers as base64 typed arrays
    xs = np.frombuffer(base64.b64decode(xs["bdata"]), dtype=xs["dtype"]).tolist() if isinstance(xs, dict) else xs
    counted = dict(zip(involvement["data"][0]["y"], xs))
    assert counted["Directly linked"] == sum(1 for r in read_fixture() if r.incident.involvement == "directly_linked")
    table = at.dataframe[0].value
    assert len(table) == len(open_) and set(table["status"]) == {"Open"}
    assert table["waiting_for"].str.len().min() > 10 and (table["owed_by"] != "").all()
    assert at.subheader[0].value == f"{len(open_)} incidents · open"


def test_victims_below_the_threshold_are_suppressed(run_app):
    at = run_app(query={"smelter": "Greyfield Alloys"})
    value = _metrics(at)["Victims (L1)"]
    assert value == "0" or value == "<5" or int(value.replace(",", "")) >= 5


def test_status_stage_and_level_filters_narrow_the_table(run_app):
    at = run_app()
    at.sidebar.segmented_control(key="status").set_value("all").run()
    assert len(at.dataframe[0].value) == len(read_fixture())
    at.selectbox(key="stage").set_value("step3").run()
    table = at.dataframe[0].value
    assert len(table) == sum(1 for _, s in _states() if s.is_open and s.step == 3) > 0
    assert set(table["step_name"]) == {"3. Design the remediation action plan"}
    at.selectbox(key="stage").set_value(None).run()
    at.sidebar.multiselect(key="level").set_value(["level1_mandatory"]).run()
    assert set(at.dataframe[0].value["level1"]) == {"Mandatory"}


def test_closed_incidents_read_by_their_outcome(run_app):
    at = run_app()
    at.sidebar.segmented_control(key="status").set_value("closed").run()
    table = at.dataframe[0].value
    remediated = table[table["step_name"].str.startswith("Closed: remediation complete")]
    assert len(remediated) and not table["step_name"].str.contains("Capture lessons learned").any()
    captured = remediated[remediated["step_name"].str.contains("lessons captured 20")]
    assert len(captured) and captured["days_in_step"].isna().all()
    assert any("Open incidents only" in c.value for c in at.caption)


def test_a_link_with_filters_reproduces_the_view(run_app):
    """Filters live in the URL under their labels: ?mineral=Gold&status=All."""
    at = run_app(query={"mineral": "Gold", "status": "All"})
    table = at.dataframe[0].value
    assert set(table["mineral"]) == {"Gold"}
    assert len(table) == sum(1 for r, _ in _states() if r.incident.mineral == "gold")
    assert "filters\\: Gold" in at.caption[0].value  # typed names are escaped: markdown shows them as typed


def test_filters_fold_away_where_they_do_not_apply_and_keep_their_values(run_app):
    from pathlib import Path

    from pages._lazy import expander_key

    app_dir = Path(__file__).resolve().parents[2]
    at = run_app()
    at.sidebar.multiselect(key="mineral").set_value(["gold"]).run()
    assert not [e for e in at.sidebar.expander if e.label.startswith("Filters")]  # shown as they are
    at.switch_page(str(app_dir / "pages/triage.py")).run()
    assert not at.exception
    (folded,) = [e for e in at.sidebar.expander if e.label == "Filters: not used on this page"]
    assert not folded.multiselect  # folded and not drawn (issue #15: a page load's browser work)…
    assert at.session_state["mineral"] == ["gold"]  # …yet kept
    at.run()  # another run of the page: still kept
    assert at.session_state["mineral"] == ["gold"]
    at.session_state[expander_key("sidebar_filters")] = True  # opened: drawn, with the value chosen before
    at.run()
    (folded,) = [e for e in at.sidebar.expander if e.label == "Filters: not used on this page"]
    assert folded.multiselect(key="mineral").value == ["gold"]
    at.session_state[expander_key("sidebar_filters")] = False  # folded again, then back to the portfolio
    at.run()
    at.switch_page(str(app_dir / "pages/portfolio.py")).run()  # the filter still applies there
    assert not at.exception and set(at.dataframe[0].value["mineral"]) == {"Gold"}
    assert at.sidebar.multiselect(key="mineral").value == ["gold"]


def test_selecting_a_closed_outcome_lists_its_incidents(run_app):
    at = run_app()
    at.selectbox(key="stage").set_value("closed_not_credible").run()
    table = at.dataframe[0].value
    assert set(table["status"]) == {"Closed: not credible"}
    assert len(table) == sum(1 for _, s in _states() if s.status == "closed_not_credible")


def test_a_shorter_time_frame_flags_more_incidents_overdue(run_app):
    at = run_app()
    before = int(_metrics(at)["Overdue"])
    assert "frame4" not in [n.key for n in at.number_input]  # drawn only once their expander is opened
    open_form(at, "time_frames")
    at.number_input(key="frame4").set_value(30)
    next(b for b in at.button if b.proto.form_id == "time_frames").click()
    at.run()
    assert not at.exception
    expected = sum(1 for _, s in _states() if s.is_open and s.step_entered_on < TODAY - timedelta(
        days={**DEFAULT_TIME_FRAMES, 4: 30}[s.step]))
    assert int(_metrics(at)["Overdue"]) == expected > before


def test_empty_database_says_so(run_app):
    at = run_app(demo="0")
    assert not at.exception
    assert "No incidents match these filters" in at.info[0].value
    assert not at.dataframe


def test_unreachable_database_gives_a_message_not_a_traceback(run_app):
    at = run_app(database_url="postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    assert not at.exception
    assert "The database cannot be reached" in at.error[0].value


def test_the_table_shows_levels_and_owed_by_early_and_about_thirty_rows(run_app):
    """#18: Level 1, Level 2 and "Owed by" sat off-screen at 1440 px, and the table showed 10 of 26 rows."""
    at = run_app(query={"status": "All"})
    assert not at.exception
    grid = at.dataframe[0]
    assert list(grid.proto.column_order)[:7] == ["code", "step_name", "flag", "days_in_step", "level1", "level2",
                                                  "owed_by"]
