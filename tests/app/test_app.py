"""The app as Streamlit runs it (AppTest): the portfolio page on the demo portfolio, an empty
database and an unreachable one."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from remediation import db
from remediation.demo import read_fixture
from remediation.steps import evaluate

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def run_app(monkeypatch, tmp_path):
    def run(database_url: str | None = None, demo: str | None = None) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", database_url or f"sqlite:///{tmp_path / 'app.db'}")
        if demo is not None:
            monkeypatch.setenv("REMEDIATION_DEMO", demo)
        at = AppTest.from_file(APP, default_timeout=60)
        return at.run()

    yield run
    db.dispose_engines()


def _fixture_states():
    return [evaluate(r) for r in read_fixture()]


def test_portfolio_lists_the_open_demo_incidents_with_step_and_what_they_wait_for(run_app):
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "Portfolio"
    states = _fixture_states()
    open_n = sum(s.is_open for s in states)
    assert {m.label: m.value for m in at.metric}["Open incidents"] == str(open_n)
    table = at.dataframe[0].value
    assert len(table) == open_n
    assert set(table["status"]) == {"Open"}
    assert table["waiting_for"].str.len().min() > 10  # every open incident says what it waits for
    assert table["owed_by"].isin(["Downstream company", "Audit programme", "Smelter/refiner",
                                  "Remediation facilitator", "Victim service coordinator"]).all()


def test_all_shows_every_incident_and_closed_outcomes(run_app):
    at = run_app()
    at.segmented_control(key="status").set_value("all").run()
    table = at.dataframe[0].value
    assert len(table) == len(read_fixture())
    assert {"Closed: not credible", "Closed: credible but not actionable", "Closed: unsubstantiated",
            "Closed after remediation", "Open"} <= set(table["status"])


def test_step_filter_narrows_the_list(run_app):
    at = run_app()
    at.selectbox(key="step").set_value(3).run()
    table = at.dataframe[0].value
    expected = sum(1 for s in _fixture_states() if s.is_open and s.step == 3)
    assert expected > 0 and len(table) == expected
    assert set(table["step_name"]) == {"3. Design the remediation action plan"}


def test_empty_database_says_so(run_app):
    at = run_app(demo="0")
    assert not at.exception
    assert "No incidents are recorded yet" in at.info[0].value
    assert not at.dataframe


def test_unreachable_database_gives_a_message_not_a_traceback(run_app):
    at = run_app(database_url="postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    assert not at.exception
    assert "The database cannot be opened" in at.error[0].value
    assert "127.0.0.1:1/nowhere" in at.error[0].value
