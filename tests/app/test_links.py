"""Every link reproduces its view (#18, item 3), as Streamlit runs the app: the sidebar filters and every
what-if triage input (defaults and dates included) are in the URL on every page, and a link opened in a new
session shows the same inputs."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.elements.lib import policies

from remediation.services.demo import read_fixture

TRIAGE = "pages/triage.py"
INCIDENT = "pages/incident.py"
PLANS = "pages/plans.py"
PORTFOLIO = "pages/portfolio.py"
ROOT = Path(__file__).resolve().parents[2]
T = date.today()
INPUTS = ("link", "occurred", "stopped", "public", "types", "repeated", "affected", "children")


def _recorded(pick):
    return next(r.incident for r in read_fixture() if pick(r.incident))


def test_triage_with_its_defaults_writes_every_input_dates_included(run_app):
    at = run_app(page=TRIAGE)
    assert not at.exception
    q = at.query_params
    assert {k: q.get(k) for k in INPUTS} == {
        "link": "Past trading", "occurred": (T - timedelta(days=300)).isoformat(),
        "stopped": (T - timedelta(days=120)).isoformat(), "public": "", "types": "Forced labour",
        "repeated": "false", "affected": "5", "children": "0"}


def test_a_changed_input_is_written_and_the_rest_stay(run_app):
    at = run_app(page=TRIAGE)
    at.toggle(key="repeated").set_value(True)
    at.date_input(key="occurred").set_value(date(2025, 1, 2)).run()
    assert at.query_params["repeated"] == "true" and at.query_params["occurred"] == "2025-01-02"
    assert at.query_params["affected"] == "5" and at.query_params["link"] == "Past trading"


def test_triage_from_an_incident_writes_all_its_recorded_facts(run_app):
    """Not only the changed inputs: "repeated" is in the link whether it is on or off."""
    inc = _recorded(lambda i: i.trading_link == "past" and not i.repeated and i.became_public_date is None)
    at = run_app(page=TRIAGE, query={"from": inc.code})
    assert not at.exception
    q = at.query_params
    assert q["from"] == inc.code
    assert q["repeated"] == "false"
    assert q["occurred"] == inc.incident_date.isoformat()
    assert q["stopped"] == inc.stopped_trading_date.isoformat()
    assert q["public"] == ""
    assert q["affected"] == str(inc.affected_persons) and q["children"] == str(inc.children_affected)
    assert set(at.multiselect(key="types").value) == set(inc.violation_types)


def test_a_copied_triage_link_from_an_incident_shows_the_changed_inputs_not_the_recorded_ones(run_app):
    """A colleague opening the link sees "Repeated" off when it was turned off, though the incident records it on."""
    inc = _recorded(lambda i: i.trading_link == "past" and i.repeated)
    first = run_app(page=TRIAGE, query={"from": inc.code})
    assert first.toggle(key="repeated").value is True
    first.toggle(key="repeated").set_value(False).run()
    link = dict(first.query_params)
    assert link["repeated"] == "false"

    colleague = run_app(page=TRIAGE, query=link)  # a new session: a fresh browser
    assert not colleague.exception
    assert colleague.toggle(key="repeated").value is False
    assert colleague.date_input(key="occurred").value == inc.incident_date
    assert {k: colleague.query_params.get(k) for k in link} == link
    assert any(f"Compared with {inc.code}" in m.value for m in colleague.markdown)


def test_a_triage_link_opened_another_day_keeps_its_dates(run_app):
    link = {"link": "Past trading", "occurred": "2024-03-01", "stopped": "2024-09-01", "public": "2025-01-10",
            "types": "Debt bondage", "repeated": "false", "affected": "3", "children": "0"}
    at = run_app(page=TRIAGE, query=link)
    assert at.date_input(key="occurred").value == date(2024, 3, 1)
    assert at.date_input(key="stopped").value == date(2024, 9, 1)
    assert at.date_input(key="public").value == date(2025, 1, 10)
    assert at.multiselect(key="types").value == ["debt_bondage"]
    assert {k: at.query_params.get(k) for k in link} == link


@pytest.mark.parametrize("page", [INCIDENT, TRIAGE, PLANS, "pages/lessons.py", "pages/policy.py"])
def test_the_sidebar_filters_stay_in_the_url_through_every_page(run_app, page):
    """?mineral=Gold, then the sidebar to another page (which drops the query string) and back: the URL keeps
    mineral=Gold, as the session still filters by it."""
    at = run_app(query={"mineral": "Gold", "received": ["2024-01-01", "2025-12-31"]})
    assert at.query_params["mineral"] == "Gold"
    for target in (page, PORTFOLIO):
        at.query_params.clear()  # a sidebar link carries no query string
        at.switch_page(str(ROOT / target)).run()
        assert not at.exception
        assert at.query_params.get("mineral") == "Gold", target
        assert at.query_params.get("received") == ["2024-01-01", "2025-12-31"], target
        assert at.session_state["mineral"] == ["gold"]  # on a page it does not narrow, kept but not drawn
    assert at.sidebar.multiselect(key="mineral").value == ["gold"]  # back on the portfolio: drawn, as it was
    assert set(at.dataframe[0].value["mineral"]) == {"Gold"}


def test_triage_inputs_leave_the_url_on_other_pages(run_app):
    at = run_app(page=TRIAGE, query={"mineral": "Gold"})
    assert "occurred" in at.query_params
    at.switch_page(str(ROOT / PORTFOLIO)).run()
    assert not set(INPUTS) & set(at.query_params)
    assert at.query_params["mineral"] == "Gold"


def test_a_filter_changed_in_the_sidebar_is_written(run_app):
    at = run_app(page=PLANS)
    at.sidebar.multiselect(key="mineral").set_value(["tin", "gold"])
    at.sidebar.segmented_control(key="status").set_value("all").run()
    assert at.query_params["mineral"] == ["Tin", "Gold"]
    assert at.query_params["status"] == "All"


def test_board_mode_keeps_the_filters_and_has_no_download(run_app):
    """Board pack downloads (and every other download) are for normal mode only; the filters stay in the link."""
    normal = run_app(query={"mineral": "Gold"})
    labels = [b.proto.label for b in normal.get("download_button")]
    assert "PDF: figures and charts" in labels and "XLSX: the tables" in labels
    board = run_app(query={"mineral": "Gold", "board": "true"})
    assert not board.exception
    assert board.get("download_button") == []
    assert board.query_params["mineral"] == "Gold" and board.query_params["board"] == "true"


def test_triage_from_an_incident_logs_no_session_state_warning(run_app, monkeypatch, caplog):
    """Streamlit warned on every ?from= view that the widget "link" had a default value and a value set via the
    Session State API: the inputs now take their values from the session only."""
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)  # it warns once per process
    inc = _recorded(lambda i: i.trading_link == "past")
    with caplog.at_level(logging.WARNING):
        at = run_app(page=TRIAGE, query={"from": inc.code})
        at.toggle(key="repeated").set_value(not at.toggle(key="repeated").value).run()
        at.switch_page(str(ROOT / PORTFOLIO)).run()
        at.query_params.clear()
        at.switch_page(str(ROOT / TRIAGE)).run()
    assert not at.exception
    warnings = [r.getMessage() for r in caplog.records if "Session State API" in r.getMessage()]
    assert warnings == []
