"""Property tests of the Step 2 level rules over generated valid input (hypothesis).

Inputs are always valid TriageInput: dates between 2000-01-01 and today, a stop date between the
incident and today for past trading, an optional public date between the incident and today,
1..5 distinct violation types, 1..500 affected persons and 0..affected children. The dates are
biased towards the rule edges (one calendar year after the incident, the policy margin before
publication) so the boundaries are exercised, not only the wide middle.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from remediation.domain.policy import DEFAULT_POLICY
from remediation.domain.rules import TriageInput, add_years, assess
from remediation.domain.vocab import VIOLATION_TYPES

MIN_DATE = date(2000, 1, 1)
TODAY = date.today()
RANK = {"not_required": 0, "recommended": 1, "mandatory": 2}
SEVERE_TYPES = DEFAULT_POLICY.severe_types

SETTINGS = settings(max_examples=300, deadline=None)


def _clamp(d: date, low: date, high: date) -> date:
    return min(max(d, low), high)


def _near(anchor: date, low: date, high: date):
    """Dates within two days of ``anchor``, kept inside [low, high]."""
    return st.integers(-2, 2).map(lambda k: _clamp(anchor + timedelta(days=k), low, high))


@st.composite
def triage_inputs(draw, link: str | None = None) -> TriageInput:
    link = link or draw(st.sampled_from(["current", "past"]))
    incident = draw(st.dates(MIN_DATE, TODAY))
    stop = None
    if link == "past":
        one_year = _clamp(add_years(incident, 1), incident, TODAY)
        stop = draw(st.one_of(st.dates(incident, TODAY), _near(one_year, incident, TODAY)))
    public_choices = [st.none(), st.dates(incident, TODAY)]
    if stop is not None:
        margin_edge = _clamp(stop + timedelta(days=DEFAULT_POLICY.public_margin_days), incident, TODAY)
        public_choices += [_near(margin_edge, incident, TODAY), _near(stop, incident, TODAY)]
    public = draw(st.one_of(*public_choices))
    types = draw(st.lists(st.sampled_from(list(VIOLATION_TYPES)), min_size=1, max_size=5, unique=True))
    affected = draw(st.one_of(st.integers(1, 500), st.integers(8, 11)))
    children = draw(st.integers(0, affected))
    return TriageInput(
        trading_link=link, incident_date=incident, stopped_trading_date=stop, became_public_date=public,
        violation_types=types, repeated=draw(st.booleans()), affected_persons=affected,
        children_affected=children,
    )


def _contains_leap_day(after: date, until: date) -> bool:
    """Whether a 29 February lies in (after, until]."""
    return any(
        after < date(y, 2, 29) <= until
        for y in range(after.year, until.year + 1)
        if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    )


def with_changes(inp: TriageInput, **changes) -> TriageInput:
    """A new, validated input (model_copy(update=...) would skip validation)."""
    return TriageInput(**(inp.model_dump() | changes))


def assert_not_lower(before, after):
    assert RANK[after.level1] >= RANK[before.level1], (before, after)
    assert RANK[after.level2] >= RANK[before.level2], (before, after)


@SETTINGS
@given(triage_inputs())
def test_assess_is_total_and_deterministic(inp):
    first = assess(inp, policy=DEFAULT_POLICY)
    second = assess(inp, policy=DEFAULT_POLICY)
    assert first == second
    # The same facts rebuilt from their serialised form give the same answer.
    rebuilt = TriageInput.model_validate(inp.model_dump(mode="json"))
    assert assess(rebuilt, policy=DEFAULT_POLICY) == first
    assert first.reasons and first.policy_version == DEFAULT_POLICY.version


@SETTINGS
@given(triage_inputs(), st.sampled_from(SEVERE_TYPES))
def test_adding_a_severe_type_never_lowers_a_requirement(inp, severe_type):
    before = assess(inp, policy=DEFAULT_POLICY)
    after = assess(with_changes(inp, violation_types=[*inp.violation_types, severe_type]), policy=DEFAULT_POLICY)
    assert after.severe
    assert_not_lower(before, after)


@SETTINGS
@given(triage_inputs())
def test_repeated_never_lowers_a_requirement(inp):
    before = assess(inp, policy=DEFAULT_POLICY)
    after = assess(with_changes(inp, repeated=True), policy=DEFAULT_POLICY)
    assert after.severe
    assert_not_lower(before, after)


@SETTINGS
@given(triage_inputs(), st.integers(1, 1000))
def test_more_affected_persons_never_lowers_a_requirement(inp, extra):
    before = assess(inp, policy=DEFAULT_POLICY)
    after = assess(with_changes(inp, affected_persons=inp.affected_persons + extra), policy=DEFAULT_POLICY)
    assert after.severe >= before.severe
    assert_not_lower(before, after)


@SETTINGS
@given(triage_inputs(link="past"))
def test_current_trading_never_lowers_a_requirement_under_the_default_policy(inp):
    before = assess(inp, policy=DEFAULT_POLICY)
    after = assess(with_changes(inp, trading_link="current", stopped_trading_date=None), policy=DEFAULT_POLICY)
    assert after.scenario == "current_trading"
    assert_not_lower(before, after)


@SETTINGS
@given(triage_inputs())
def test_scenario_is_consistent_with_the_findings(inp):
    a = assess(inp, policy=DEFAULT_POLICY)
    is_current = inp.trading_link == "current" or a.treated_as_current
    assert (a.scenario == "current_trading") == is_current
    assert (a.scenario == "past_recent_severe") == (
        inp.trading_link == "past" and not a.treated_as_current and a.severe and bool(a.recent)
    )
    assert (a.scenario == "past_other") == (not is_current and not (a.severe and a.recent))
    cell = DEFAULT_POLICY.cell(a.scenario)
    assert (a.level1, a.level2, a.cell_inferred) == (cell.level1, cell.level2, cell.inferred)


@SETTINGS
@given(triage_inputs())
def test_findings_match_independent_oracles(inp):
    """Each finding against a reading of the footnotes that does not go through the rules' code."""
    a = assess(inp, policy=DEFAULT_POLICY)
    # footnote 22
    assert a.severe == (
        any(t in SEVERE_TYPES for t in inp.violation_types)
        or inp.repeated
        or inp.affected_persons >= DEFAULT_POLICY.severe_affected_persons
    )
    # footnote 23, recency in calendar years, read as day counts: a year is 365 days, or 366 when
    # a 29 February falls inside it. So under 365 days is always recent, 366 or more never is, and
    # exactly 365 days is recent only when the span (incident, stop] contains a 29 February.
    if inp.trading_link == "current":
        assert a.recent is None
        assert a.lapse_days is None
    else:
        lapse = (inp.stopped_trading_date - inp.incident_date).days
        assert a.lapse_days == lapse
        if lapse == 365:
            assert a.recent is _contains_leap_day(inp.incident_date, inp.stopped_trading_date)
        else:
            assert a.recent is (lapse < 365)
    # footnote 23, override
    assert a.treated_as_current == (
        inp.trading_link == "past"
        and inp.became_public_date is not None
        and (inp.became_public_date - inp.stopped_trading_date).days < DEFAULT_POLICY.public_margin_days
    )
