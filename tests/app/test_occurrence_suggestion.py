"""The "high occurrence" suggestion as Streamlit runs it (guideline footnote 22; issue #12 item 8, #14 item 3): the
incident's Step 2 assessment and What-if triage started from it show earlier incidents at the same smelter/refiner or
site within the level policy's window, with links to them, and never set "repeated" themselves. The policy page shows
and drafts the window."""

from __future__ import annotations

from datetime import date, timedelta

from remediation.domain.models import IncidentIn
from remediation.domain.workflow import evaluate
from remediation.services import incidents as services
from remediation.services.base import Actor
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import queries
from remediation.storage import supply_chain as sc

INCIDENT, TRIAGE, POLICY = "pages/incident.py", "pages/triage.py", "pages/policy.py"
EDITOR = Actor("eddie@brand.example", access="editor")


def at_step_2():
    """An open demo incident at Step 2 (assessment due or made), with a trading link, recorded as isolated."""
    return next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step in (2, 3)
                and r.incident.trading_link in ("current", "past") and not r.incident.repeated)


def add_earlier(rec, codes_and_days: list[tuple[str, int]]) -> None:
    """Incidents at the same smelter/refiner (same ID, name and country), ``days`` before ``rec``'s incident date."""
    inc = rec.incident
    for code, days in codes_and_days:
        when = inc.incident_date - timedelta(days=days)
        services.create_incident(db.get_engine(), IncidentIn(
            code=code, title="Earlier report at the same smelter", mineral=inc.mineral, country=inc.country,
            smelter_refiner=inc.smelter_refiner, smelter_id=inc.smelter_id, site="", audit_programme="rmi_rmap",
            violation_types=["forced_labour"], allegation_source="Worker hotline report",
            date_received=min(when + timedelta(days=5), date.today()), incident_date=when, affected_persons=2),
            EDITOR)


def suggestion(at) -> str:
    found = [i.value for i in at.info if "Suggested from the portfolio" in i.value]
    assert len(found) == 1, [i.value for i in at.info]
    return found[0]


def test_the_assessment_shows_earlier_incidents_as_a_suggestion_with_links(run_app):
    run_app()  # the demo portfolio, loaded
    rec = at_step_2()
    add_earlier(rec, [("INC-1999-901", 30), ("INC-1999-902", 400), ("INC-1999-903", 365 * 4)])  # the last: too old
    engine = db.get_engine()
    since = queries.policy_in_force(engine).occurrence_since(rec.incident.incident_date)
    expected = sc.earlier_incidents(engine, rec.incident.code, since)
    assert expected.at_smelter >= 2 and "INC-1999-903" not in set(expected.incidents["code"])

    at = run_app(page=INCIDENT, query={"incident": rec.incident.code, "tab": "2. Level"})  # the incident may be at 3
    assert not at.exception
    text = suggestion(at)
    assert f"{expected.at_smelter} earlier incidents at this smelter/refiner since {since}" in text
    assert "consider 'Repeated over a period'" in text and "footnote 22" in text
    assert "the facts say *isolated* until someone records otherwise (open these facts in what-if triage" in text
    assert "[INC-1999-901](incident?incident=INC-1999-901)" in text
    assert "INC-1999-903" not in text
    stored, _, _ = queries.incident(engine, rec.incident.code)
    assert stored.incident.repeated is False  # a suggestion: nothing was set


def test_triage_from_an_incident_shows_the_suggestion_and_leaves_repeated_to_the_user(run_app):
    run_app()
    rec = at_step_2()
    add_earlier(rec, [("INC-1999-911", 10)])
    at = run_app(page=TRIAGE, query={"from": rec.incident.code})
    assert not at.exception
    assert "earlier incident" in suggestion(at) and "[INC-1999-911](incident?incident=INC-1999-911)" in suggestion(at)
    assert at.toggle(key="repeated").value is False  # as recorded: the suggestion does not switch it on
    at.toggle(key="repeated").set_value(True).run()
    assert "consistent with 'Repeated over a period'" in suggestion(at)


def test_triage_without_an_incident_shows_no_suggestion(run_app):
    at = run_app(page=TRIAGE)
    assert not at.exception
    assert not [i for i in at.info if "Suggested from the portfolio" in i.value]


def test_the_policy_page_shows_and_drafts_the_window(run_app):
    at = run_app(page=POLICY)
    assert {m.label: m.value for m in at.metric}["Earlier incidents suggest 'Repeated' within"] == "3 years"
    at.number_input(key="draft_window").set_value(1)
    next(b for b in at.button if b.proto.form_id == "draft").click()
    at.run()
    at.button(key="adopt").click().run()
    assert not at.exception
    assert queries.latest_policy(db.get_engine()).occurrence_window_years == 1
    assert {m.label: m.value for m in at.metric}["Earlier incidents suggest 'Repeated' within"] == "1 year"
