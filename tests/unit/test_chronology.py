"""Dates in the guideline's order (:mod:`remediation.domain.chronology`): every pair of the chain, the
fallbacks when the nearest fact is missing, consecutive assessments, today, and the demo portfolio."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from remediation.domain.chronology import CHAIN, KINDS, PAIRS, Fact, check_facts, new_violations, violations
from remediation.services.demo import coverage_gaps, generate, read_fixture

TODAY = date(2026, 6, 1)
EARLY, LATE = date(2024, 1, 15), date(2024, 2, 4)


def _fact(kind: str, when: date) -> Fact:
    return Fact(kind, when, (), 1)


@pytest.mark.parametrize(("later", "earlier"), PAIRS, ids=[f"{a}-after-{b}" for a, b in PAIRS])
def test_each_pair_of_the_chain_is_refused_out_of_order_with_both_dates_named(later, earlier):
    found = check_facts([_fact(earlier, LATE), _fact(later, EARLY)], TODAY)
    assert len(found) == 1, [v.message for v in found]
    v = found[0]
    assert (v.fact.kind, v.earlier.kind) == (later, earlier)
    assert "2024-01-15 is before" in v.reason and "on 2024-02-04 (Step " in v.reason, v.reason
    assert v.message.startswith(f"{KINDS[later].field}: ")


@pytest.mark.parametrize(("later", "earlier"), PAIRS, ids=[f"{a}-after-{b}" for a, b in PAIRS])
def test_each_pair_in_order_or_on_the_same_day_is_accepted(later, earlier):
    assert check_facts([_fact(earlier, EARLY), _fact(later, LATE)], TODAY) == []
    assert check_facts([_fact(earlier, LATE), _fact(later, LATE)], TODAY) == []


def test_the_nearest_recorded_fact_is_the_one_compared():
    """A substantiation after the notice but before an earlier, recorded credibility decision is not judged
    against the credibility decision: the notice is nearer (and itself in order or not)."""
    facts = [_fact("credibility", date(2024, 3, 1)), _fact("ap_notice", date(2024, 2, 1)),
             _fact("substantiation", date(2024, 2, 10))]
    found = check_facts(facts, TODAY)
    assert [(v.fact.kind, v.earlier.kind) for v in found] == [("ap_notice", "credibility")]


def test_the_example_of_the_issue_reads_as_a_sentence():
    (v,) = check_facts([_fact("smelter_notice", date(2024, 2, 4)), _fact("plan_designed", date(2024, 1, 15))], TODAY)
    assert v.message == ("designed_on: The Level 1 plan's design date 2024-01-15 is before the smelter/refiner was "
                         "notified on 2024-02-04 (Step 2).")


def test_plans_are_compared_within_their_own_plan():
    facts = [Fact("plan_designed", date(2024, 5, 1), ("plan", 1), 1),
             Fact("funding_pledged", date(2024, 4, 1), ("plan", 2, "funding", 0), 2),
             Fact("plan_designed", date(2024, 3, 1), ("plan", 2), 2)]
    assert check_facts(facts, TODAY) == []


def test_the_verification_follows_every_plans_final_report():
    facts = [Fact("final_report", date(2025, 1, 10), ("plan", 1), 1),
             Fact("final_report", date(2025, 1, 31), ("plan", 2), 2),
             _fact("verification", date(2025, 1, 20))]
    (v,) = check_facts(facts, TODAY)
    assert v.earlier.level == 2 and "Level 2 plan was received on 2025-01-31" in v.reason


def test_an_assessment_never_precedes_the_one_recorded_before_it():
    facts = [_fact("substantiation", date(2024, 3, 1)), Fact("assessment", date(2024, 3, 20), ("assessment", 0)),
             Fact("assessment", date(2024, 3, 10), ("assessment", 1))]
    (v,) = check_facts(facts, TODAY)
    assert v.fact.scope == ("assessment", 1) and "2024-03-10 is before the level of response was assessed on " \
                                                  "2024-03-20" in v.reason


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_only_due_dates_and_targets_may_lie_ahead(kind):
    found = check_facts([_fact(kind, TODAY + timedelta(days=1))], TODAY)
    if kind in ("initiative_due", "indicator_target", "milestone_due", "action_due"):
        assert found == []
    else:
        (v,) = found
        assert v.earlier is None and f"{TODAY + timedelta(days=1)} is after today ({TODAY})" in v.reason
    assert check_facts([_fact(kind, TODAY)], TODAY) == []


def test_every_kind_but_the_first_follows_something():
    assert set(CHAIN) | {"incident_date", "indicator_baseline"} == set(KINDS)


def test_the_demo_fixture_and_generated_portfolios_keep_the_order():
    fixture = read_fixture()
    assert [(r.incident.code, v.message) for r in fixture for v in violations(r, date(2026, 11, 1))] == []
    for seed in (1, 2):
        records = list(generate(300, seed=seed, today=TODAY))
        assert [(r.incident.code, v.message) for r in records for v in violations(r, TODAY)] == []


def test_the_demo_check_names_a_record_out_of_order():
    record = read_fixture()[0].model_copy(deep=True)
    record.incident.date_received = record.incident.incident_date - timedelta(days=1)
    assert any("date_received: The date the allegation was received" in g for g in coverage_gaps([record]))


def test_a_change_is_judged_by_what_it_adds():
    """A record stored before the rule may already break it: a change adding nothing out of order is allowed."""
    record = read_fixture()[-1]
    broken = record.model_copy(deep=True)
    broken.incident.became_public_date = broken.incident.incident_date - timedelta(days=3)
    assert violations(broken) and new_violations(broken, broken) == []
    assert new_violations(record, broken) == violations(broken)
