"""The what-if triage page as Streamlit runs it: each scenario, each validation error, starting from
a recorded incident and recording the new assessment on it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import queries

TRIAGE = "pages/triage.py"
T = date.today()


def set_facts(at, **facts):
    kinds = {"link": "segmented_control", "occurred": "date_input", "stopped": "date_input", "public": "date_input",
             "types": "multiselect", "repeated": "toggle", "affected": "number_input", "children": "number_input"}
    for key, value in facts.items():
        getattr(at, kinds[key])(key=key).set_value(value)
    return at.run()


def answer(at) -> tuple[str, str, str]:
    """(Level 1, Level 2, active scenario label) as the page shows them."""
    tiles = [m.value for m in at.markdown if m.value.startswith("Level 1: ") or m.value.startswith("Level 2: ")]
    active = next(m.value for m in at.markdown if "◀ this case" in m.value)
    return tiles[0], tiles[1], active


SCENARIOS = [
    pytest.param(dict(link="current", types=["forced_labour"], affected=2), "Mandatory", "Recommended",
                 "Current trading", id="current trading"),
    pytest.param(dict(link="past", occurred=T - timedelta(days=300), stopped=T - timedelta(days=200),
                      types=["debt_bondage"], affected=3), "Mandatory", "Recommended",
                 "Past trading: recent and severe incident", id="past, recent and severe"),
    pytest.param(dict(link="past", occurred=T - timedelta(days=900), stopped=T - timedelta(days=100),
                      types=["debt_bondage"], affected=3), "Recommended", "Recommended",
                 "Past trading: all other scenarios", id="past, not recent"),
    pytest.param(dict(link="past", occurred=T - timedelta(days=300), stopped=T - timedelta(days=200),
                      types=["forced_labour"], affected=3), "Recommended", "Recommended",
                 "Past trading: all other scenarios", id="past, recent, not severe"),
    pytest.param(dict(link="past", occurred=T - timedelta(days=900), stopped=T - timedelta(days=100),
                      public=T - timedelta(days=50), types=["forced_labour"], affected=3), "Mandatory", "Recommended",
                 "Current trading", id="ties cut too close to publicity: current"),
]


@pytest.mark.parametrize(("facts", "level1", "level2", "scenario"), SCENARIOS)
def test_each_scenario_answers_with_levels_matrix_row_and_reasons(run_app, facts, level1, level2, scenario):
    at = set_facts(run_app(page=TRIAGE), **facts)
    assert not at.exception
    shown1, shown2, active = answer(at)
    assert level1 in shown1 and level2 in shown2
    assert f"**{scenario}** ◀ this case" in active
    reasons = [m.value for m in at.markdown if m.value.startswith("- ") and "footnote" in m.value
               or m.value.startswith("- Scenario")]
    assert reasons and any(m.value.startswith("- Scenario") for m in at.markdown)


ERRORS = [
    pytest.param(dict(link="past", occurred=T - timedelta(days=100), stopped=T - timedelta(days=200)),
                 "is before the incident date", id="stop date before the incident"),
    pytest.param(dict(occurred=T - timedelta(days=100), public=T - timedelta(days=300)),
                 "cannot have become public", id="public before the incident"),
    pytest.param(dict(affected=3, children=5), "cannot be more than the 3 affected persons", id="children above affected"),
    pytest.param(dict(types=[]), "at least 1 item", id="no violation type"),
]


@pytest.mark.parametrize(("facts", "message"), ERRORS)
def test_invalid_facts_are_named_and_the_answer_stays_for_the_last_valid_facts(run_app, facts, message):
    at = run_app(page=TRIAGE)
    before = answer(at)
    at = set_facts(at, **facts)
    assert not at.exception
    assert sum(message in e.value for e in at.error) == 2, [e.value for e in at.error]  # summary + under the field
    summary = next(e.value for e in at.error if "Correct the facts marked in red" in e.value)
    assert message in summary
    assert any("last valid facts" in c.value for c in at.caption)
    assert answer(at) == before


def test_invalid_facts_on_first_opening_give_no_answer(run_app):
    at = run_app(page=TRIAGE, query={"affected": "3", "children": "5"})
    assert not at.exception
    assert any("Correct the facts marked in red" in e.value for e in at.error)
    assert not any("◀ this case" in m.value for m in at.markdown)


def test_the_verdict_band_reads_as_a_sentence_with_neutral_symbols(run_app):
    at = set_facts(run_app(page=TRIAGE), link="current", types=["forced_labour"], affected=2)
    assert any(m.value == "### Level 1 MANDATORY · Level 2 recommended" for m in at.markdown)
    assert any("because the smelter/refiner is linked to the incident through current trading" in m.value
               for m in at.markdown)
    shown = " ".join(m.value for m in at.markdown)
    assert "thumb_up" not in shown and "(inferred)" not in shown and "lost the printed symbols" not in shown
    assert "Not severe" not in shown and "Not among the guideline's severe types (footnote 22)" in shown
    why = [m.value for m in at.markdown if m.value.startswith("- Current trading")]
    assert why and "lines" not in why[0]  # the line numbers are behind "Sources"
    sources = next(e for e in at.expander if e.label == "Sources")
    assert "lines 1064-1076" in sources.markdown[0].value.replace("\u2060", "")  # joiners hold the range on a slide


def test_what_would_change_it_lists_flips(run_app):
    at = set_facts(run_app(page=TRIAGE), link="past", occurred=T - timedelta(days=300),
                   stopped=T - timedelta(days=200), types=["forced_labour"], affected=8)
    suggestions = [m.value for m in at.markdown if m.value.startswith("- With") or m.value.startswith("- Had")]
    assert any("With 2 more affected persons, 10 in all (severe)" in s for s in suggestions)


def test_a_link_reproduces_the_scenario(run_app):
    at = run_app(page=TRIAGE, query={"link": "Past trading", "occurred": (T - timedelta(days=300)).isoformat(),
                                     "stopped": (T - timedelta(days=200)).isoformat(), "types": "Debt bondage",
                                     "affected": "3"})
    shown1, _, active = answer(at)
    assert "Mandatory" in shown1 and "recent and severe incident" in active


def _substantiated_open():
    return next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step >= 3
                and r.incident.trading_link == "current")


def test_start_from_an_incident_compare_and_record(run_app, tmp_path):
    rec = _substantiated_open()
    at = run_app(page=TRIAGE, query={"from": rec.incident.code})
    assert at.segmented_control(key="link").value == "current"
    assert any(f"Compared with {rec.incident.code}" in m.value for m in at.markdown)
    assert not any("differs from" in w.value for w in at.warning)
    set_facts(at, link="past")  # the stop date can be typed once the link is past
    set_facts(at, stopped=rec.incident.incident_date + timedelta(days=500), public=None)
    assert any(f"differs from {rec.incident.code}'s recorded assessment" in w.value for w in at.warning)
    at.button(key="record_whatif").click().run()
    assert not at.exception
    engine = db.get_engine()
    stored, _, _ = queries.incident(engine, rec.incident.code)
    assert stored.incident.trading_link == "past"
    assert stored.latest_assessment.scenario == "past_other" and len(stored.assessments) == len(rec.assessments) + 1
    trail = queries.audit_trail(engine, rec.incident.code)
    assert trail.iloc[-1]["action"] == "recorded level assessment"
    assert any(c["field"] == "incident.trading_link" for c in trail.iloc[-1]["changes"])


def test_an_incident_can_open_its_facts_in_triage(run_app):
    rec = _substantiated_open()
    at = run_app(page="pages/incident.py", query={"incident": rec.incident.code})
    at.button(key="to_triage").click().run()
    assert not at.exception
    assert at.title[0].value == "What-if triage"
    assert any(f"Compared with {rec.incident.code}" in m.value for m in at.markdown)
