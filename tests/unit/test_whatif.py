"""The counterfactual search: every suggestion is a real flip, computed by the rules."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remediation.domain.policy import DEFAULT_POLICY
from remediation.domain.rules import TriageInput, assess
from remediation.domain.vocab import VIOLATION_TYPES
from remediation.domain.whatif import counterfactuals

TODAY = date(2026, 11, 1)


def flips(inp: TriageInput, suggestion) -> bool:
    base = assess(inp, DEFAULT_POLICY)
    changed = assess(TriageInput(**{**inp.model_dump(), **suggestion.change}), DEFAULT_POLICY)
    return (changed.level1, changed.level2) != (base.level1, base.level2) and changed == suggestion.assessment


def test_ties_cut_too_close_to_publicity_suggest_cutting_them_earlier():
    # Cut 49 days before it became public: under the 90-day margin, so it counts as current trading.
    inp = TriageInput(trading_link="past", incident_date=date(2023, 1, 10), stopped_trading_date=date(2024, 3, 1),
                      became_public_date=date(2024, 4, 19), violation_types=["forced_labour"], affected_persons=3)
    assert assess(inp, DEFAULT_POLICY).scenario == "current_trading"
    suggestions = counterfactuals(inp, DEFAULT_POLICY, today=TODAY)
    first = suggestions[0]
    assert first.kind == "stop_date" and first.distance == 41
    assert first.text == ("Had ties been cut 41 days earlier, on 2024-01-20 (well before it became public), this "
                          "would be past trading, all other scenarios: Level 1 recommended, Level 2 recommended.")
    assert all(flips(inp, s) for s in suggestions)


def test_two_more_affected_persons_make_it_severe():
    inp = TriageInput(trading_link="past", incident_date=date(2025, 1, 10), stopped_trading_date=date(2025, 6, 1),
                      violation_types=["forced_labour"], affected_persons=8)
    assert assess(inp, DEFAULT_POLICY).scenario == "past_other"
    texts = [s.text for s in counterfactuals(inp, DEFAULT_POLICY, today=TODAY)]
    assert ("With 2 more affected persons, 10 in all (severe), this would be past trading, recent and severe "
            "incident: Level 1 mandatory, Level 2 recommended.") in texts


def test_suggestions_are_nearest_first_and_bounded():
    inp = TriageInput(trading_link="past", incident_date=date(2025, 1, 10), stopped_trading_date=date(2025, 6, 1),
                      violation_types=["forced_labour"], affected_persons=8)
    suggestions = counterfactuals(inp, DEFAULT_POLICY, today=TODAY, limit=3)
    assert len(suggestions) <= 3
    assert [s.distance for s in suggestions] == sorted(s.distance for s in suggestions)


def test_current_trading_suggests_the_past_link_that_would_change_it():
    inp = TriageInput(trading_link="current", incident_date=date(2024, 2, 1), violation_types=["forced_labour"],
                      affected_persons=2)
    suggestions = counterfactuals(inp, DEFAULT_POLICY, today=TODAY)
    assert any(s.kind == "trading_link" and s.change["trading_link"] == "past" for s in suggestions)
    assert all(flips(inp, s) for s in suggestions)


dates = st.dates(min_value=date(2018, 1, 1), max_value=TODAY)


@st.composite
def triage_inputs(draw):
    incident = draw(dates)
    link = draw(st.sampled_from(["current", "past"]))
    stop = draw(st.dates(min_value=incident, max_value=TODAY)) if link == "past" else None
    public = draw(st.none() | st.dates(min_value=incident, max_value=TODAY))
    affected = draw(st.integers(1, 40))
    return TriageInput(
        trading_link=link, incident_date=incident, stopped_trading_date=stop, became_public_date=public,
        violation_types=draw(st.lists(st.sampled_from(list(VIOLATION_TYPES)), min_size=1, max_size=3, unique=True)),
        repeated=draw(st.booleans()), affected_persons=affected, children_affected=draw(st.integers(0, affected)))


@settings(max_examples=300, deadline=None)
@given(triage_inputs())
def test_every_suggestion_really_flips_a_level(inp):
    if any(d and d > date.today() for d in (inp.incident_date, inp.stopped_trading_date, inp.became_public_date)):
        pytest.skip("dates after the machine's today")
    for suggestion in counterfactuals(inp, DEFAULT_POLICY, today=TODAY):
        assert flips(inp, suggestion), suggestion
        assert set(suggestion.change) <= set(TriageInput.model_fields)
