"""The demo fixture and the generator: fictional, valid, and spread over every step."""

import json
import re
from collections import Counter
from datetime import date

from remediation.domain.models import IncidentRecord
from remediation.domain.vocab import CLOSED_STATUSES
from remediation.domain.workflow import evaluate
from remediation.services.demo import DEMO_FIXTURE, coverage_gaps, generate, read_fixture


def test_fixture_has_at_least_40_valid_incidents_over_every_step_and_outcome():
    records = read_fixture()  # validates every incident through the models
    assert len(records) >= 40
    assert coverage_gaps(records) == []
    states = [evaluate(r) for r in records]
    assert {s.step for s in states if s.is_open} == {1, 2, 3, 4, 5}
    assert set(CLOSED_STATUSES) <= {s.status for s in states}


def test_fixture_has_the_content_the_pages_need():
    records = read_fixture()
    assert {"tin", "tantalum", "tungsten", "gold"} <= {r.incident.mineral for r in records}
    assert len({r.incident.country for r in records}) >= 4
    plans = [p for r in records for p in r.plans]
    assert {1, 2} <= {p.level for p in plans}
    assert any(p.case_plans for p in plans) and any(p.initiatives for p in plans)
    assert any(p.budget_lines and p.expenditures and p.funding for p in plans)
    indicators = [i for p in plans for init in p.initiatives for i in init.indicators]
    assert any(len(i.measurements) >= 2 for i in indicators)
    assert sum(r.lessons is not None for r in records) >= 5
    # the company's own work (issue #13), in realistic proportions
    involvements = [r.incident.involvement for r in records]
    assert involvements.count("directly_linked") > len(records) / 3 and "contributed" in involvements
    assert {"in_progress", "completed"} <= {r.response.corrective_action.status for r in records
                                            if r.response.corrective_action}
    assert any(d.decision == "terminate" and d.do_no_harm_checked_on for r in records
               for d in r.response.relationship_decisions)
    assert any(p.consultations for p in plans) and any(p.feedback for p in plans) and any(p.remedy_types for p in plans)
    assert any(m.sent_to_company_on for p in plans for m in p.monitoring_reports)
    actions = [a for r in records if r.lessons for a in r.lessons.actions]
    assert {"open", "done"} <= {a.status for a in actions}


def test_fixture_holds_no_victim_names_only_pseudonymous_codes():
    raw = json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))
    case_keys = {key for incident in raw["incidents"] for plan in incident.get("plans", [])
                 for case in plan.get("case_plans", []) for key in case}
    # What a victim's record may hold: a pseudonymous code, age group, assistance, provider, dates, consent.
    assert case_keys <= {"victim_code", "age_group", "assistance_types", "provider", "referral_date",
                         "guardian_consent", "notes", "best_interest_determined_on", "best_interest_determined_by",
                         "child_protection_organisation",  # organisations and a date: nothing about the child
                         "informed_consent", "wishes_shaped_plan"}  # two yes/no answers (issue #13)
    assert "victim_code" in case_keys
    codes = [c.victim_code for r in read_fixture() for p in r.plans for c in p.case_plans]
    assert codes and all(re.fullmatch(r"V-\d{3}", c) for c in codes)


def test_generation_is_deterministic_and_valid():
    today = date(2026, 3, 1)
    first = [r.model_dump() for r in generate(150, seed=21, today=today)]
    assert first == [r.model_dump() for r in generate(150, seed=21, today=today)]
    assert first != [r.model_dump() for r in generate(150, seed=22, today=today)]
    for dumped in first:  # every generated record passes full validation
        IncidentRecord.model_validate(dumped)
    assert all(d["incident"]["date_received"] <= today for d in first)


def test_generated_portfolio_spreads_over_steps_in_plausible_proportions():
    states = [evaluate(r, date(2026, 3, 1)) for r in generate(2000, seed=4, today=date(2026, 3, 1))]
    steps = Counter(s.step for s in states if s.is_open)
    outcomes = Counter(s.status for s in states)
    assert all(steps[n] > 0 for n in range(1, 6))
    assert 0.15 < outcomes["closed_remediated"] / len(states) < 0.6
    assert 0.05 < sum(outcomes[o] for o in CLOSED_STATUSES if o != "closed_remediated") / len(states) < 0.4
