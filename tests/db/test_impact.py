"""The portfolio-wide what-if: bulk_assess is assess on every row, and policy_impact reports exactly its effect."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import event

from remediation.domain.policy import DEFAULT_POLICY, MatrixCell, Policy
from remediation.domain.rules import TriageInput, assess
from remediation.domain.workflow import evaluate
from remediation.services.demo import generate, load_records_into
from remediation.services.impact import bulk_assess, facts_frame, policy_impact
from remediation.storage.queries import PortfolioFilter
from remediation.storage.queries import policy_in_force as in_force

TODAY = date(2026, 6, 30)
SEED = 23


def _policy(version: int, **changes) -> Policy:
    return Policy.model_validate({**DEFAULT_POLICY.model_dump(), "version": version, "name": f"draft {version}",
                                  **changes})


THRESHOLD_3 = _policy(2, severe_affected_persons=3)
MARGIN_0_NOT_REPEATED = _policy(3, public_margin_days=0, repeated_is_severe=False)
MARGIN_365_NOT_REQUIRED = _policy(4, public_margin_days=365, severe_types=("debt_bondage",), matrix={
    "current_trading": MatrixCell(level1="mandatory", level2="mandatory"),
    "past_recent_severe": MatrixCell(level1="mandatory", level2="not_required", inferred=True),
    "past_other": MatrixCell(level1="not_required", level2="recommended", inferred=True),
})
POLICIES = [DEFAULT_POLICY, THRESHOLD_3, MARGIN_0_NOT_REPEATED, MARGIN_365_NOT_REQUIRED]
FIELDS = ["severe", "recent", "treated_as_current", "scenario", "level1", "level2", "cell_inferred",
          "lapse_days", "public_lead_days"]


@pytest.fixture
def records():
    return list(generate(600, seed=SEED, today=TODAY))


@pytest.fixture
def portfolio(engine, records):
    load_records_into(engine, records, today=TODAY)
    return engine


def _open_substantiated(records):
    return [r for r in records
            if r.incident.trading_link in ("current", "past") and evaluate(r, TODAY).status == "open"]


def _triage(row) -> TriageInput:
    def d(value):
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date()

    return TriageInput(trading_link=row["trading_link"], incident_date=d(row["incident_date"]),
                       stopped_trading_date=d(row["stopped_trading_date"]),
                       became_public_date=d(row["became_public_date"]),
                       violation_types=list(row["violation_types"]), repeated=bool(row["repeated"]),
                       affected_persons=int(row["affected_persons"]))


def _plain(value):
    return None if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else value


def _assert_same_as_assess(facts: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    bulk = bulk_assess(facts, policy)
    assert list(bulk.index) == list(facts.index)
    for i, row in facts.iterrows():
        expected = assess(_triage(row), policy)
        got = bulk.loc[i]
        for field in FIELDS:
            assert _plain(got[field]) == getattr(expected, field), (row.get("code", i), policy.version, field)
    return bulk


# --- bulk_assess is assess, row by row -------------------------------------------------------------

def test_bulk_assess_equals_assess_on_a_generated_portfolio(portfolio, records):
    facts = facts_frame(portfolio)
    expected_rows = _open_substantiated(records)
    assert len(facts) == len(expected_rows) > 100
    for policy in POLICIES:
        bulk = _assert_same_as_assess(facts, policy)
        if policy is DEFAULT_POLICY:  # the portfolio exercises every branch of the rules
            assert set(bulk["scenario"]) == {"current_trading", "past_recent_severe", "past_other"}
            assert bulk["treated_as_current"].any() and not bulk["treated_as_current"].all()
            assert bulk["recent"].isna().any() and bulk["recent"].eq(True).any()  # not recent: see the edge rows
    assert (bulk_assess(facts, MARGIN_365_NOT_REQUIRED)["level1"] == "not_required").any()


def _edge_rows() -> pd.DataFrame:
    def row(code, link="past", incident=date(2020, 3, 1), stop=None, public=None, types=("forced_labour",),
            repeated=False, affected=2):
        return {"code": code, "title": code, "trading_link": link, "incident_date": incident,
                "stopped_trading_date": stop, "became_public_date": public, "repeated": repeated,
                "affected_persons": affected, "violation_types": frozenset(types)}

    severe = ("debt_bondage",)
    stop = date(2022, 1, 1)
    return pd.DataFrame([
        row("exactly-one-year", stop=date(2021, 3, 1), types=severe),
        row("one-day-less", stop=date(2021, 2, 28), types=severe),
        row("leap-exactly-one-year", incident=date(2020, 2, 29), stop=date(2021, 2, 28), types=severe),
        row("leap-one-day-less", incident=date(2020, 2, 29), stop=date(2021, 2, 27), types=severe),
        row("leap-to-1-march", incident=date(2020, 2, 29), stop=date(2021, 3, 1), types=severe),
        row("to-leap-day", incident=date(2019, 2, 28), stop=date(2020, 2, 28), types=severe),
        row("366-days-is-one-year", incident=date(2019, 3, 1), stop=date(2020, 3, 1), types=severe),
        row("365-days-across-29-feb", incident=date(2019, 3, 1), stop=date(2020, 2, 29), types=severe),
        row("same-day-stop", incident=date(2021, 6, 1), stop=date(2021, 6, 1), types=severe),
        row("cut-90-days-before-public", incident=date(2021, 6, 1), stop=stop, public=stop + timedelta(days=90)),
        row("cut-89-days-before-public", incident=date(2021, 6, 1), stop=stop, public=stop + timedelta(days=89)),
        row("cut-365-days-before-public", incident=date(2021, 6, 1), stop=stop, public=stop + timedelta(days=365)),
        row("cut-364-days-before-public", incident=date(2021, 6, 1), stop=stop, public=stop + timedelta(days=364)),
        row("cut-on-the-day-public", incident=date(2021, 6, 1), stop=stop, public=stop),
        row("cut-after-public", incident=date(2021, 6, 1), stop=stop, public=stop - timedelta(days=1)),
        row("not-public", incident=date(2021, 6, 1), stop=stop, repeated=True),
        row("current-and-public", link="current", public=date(2020, 4, 1)),
        row("current-not-public", link="current", types=("human_trafficking_sexual", "forced_marriage")),
        row("at-threshold", stop=date(2020, 6, 1), affected=10),
        row("below-threshold", stop=date(2020, 6, 1), affected=9),
        row("at-threshold-3", stop=date(2020, 6, 1), affected=3),
        row("repeated-only", stop=date(2020, 6, 1), repeated=True),
    ], index=[10 * i for i in range(22)])  # not a range index: the answer keeps the frame's index


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"v{p.version}")
def test_bulk_assess_equals_assess_on_the_edges_of_each_rule(policy):
    _assert_same_as_assess(_edge_rows(), policy)


def test_the_edges_fall_where_the_guideline_says():
    bulk = bulk_assess(_edge_rows(), DEFAULT_POLICY).set_axis(_edge_rows()["code"])
    recent = bulk["recent"]
    assert not recent["exactly-one-year"] and recent["one-day-less"]  # footnote 23: less than one year
    assert not recent["leap-exactly-one-year"] and recent["leap-one-day-less"]  # 29 Feb + 1 year = 28 Feb
    assert recent["365-days-across-29-feb"] and not recent["366-days-is-one-year"]  # calendar years, not 365 days
    assert pd.isna(recent["current-not-public"])
    treated = bulk["treated_as_current"]
    assert not treated["cut-90-days-before-public"] and treated["cut-89-days-before-public"]
    assert treated["cut-after-public"] and not treated["not-public"] and not treated["current-and-public"]
    assert bulk.loc["cut-after-public", "public_lead_days"] == -1
    assert bulk.loc["at-threshold", "severe"] and not bulk.loc["below-threshold", "severe"]


def test_bulk_assess_refuses_what_the_rules_refuse():
    rows = _edge_rows()
    rows.loc[0, "stopped_trading_date"] = None
    with pytest.raises(ValueError, match=r"past trading without a stop date \(.*\): exactly-one-year"):
        bulk_assess(rows, DEFAULT_POLICY)
    rows = _edge_rows()
    rows.loc[10, "violation_types"] = frozenset()
    with pytest.raises(ValueError, match="no violation type: one-day-less"):
        bulk_assess(rows, DEFAULT_POLICY)


# --- the facts --------------------------------------------------------------------------------------

def test_facts_are_the_recorded_facts_of_open_substantiated_incidents(portfolio, records):
    facts = facts_frame(portfolio).set_index("code")
    expected = {r.incident.code: r for r in _open_substantiated(records)}
    assert set(facts.index) == set(expected)
    for code, r in expected.items():
        inc, latest = r.incident, r.latest_assessment
        row = facts.loc[code]
        assert (row["trading_link"], row["incident_date"], _plain(row["stopped_trading_date"]),
                _plain(row["became_public_date"]), row["repeated"], row["affected_persons"]) == (
            inc.trading_link, inc.incident_date, inc.stopped_trading_date, inc.became_public_date, inc.repeated,
            inc.affected_persons), code
        assert row["violation_types"] == frozenset(inc.violation_types), code
        assert (_plain(row["scenario"]), _plain(row["level1"]), _plain(row["level2"])) == (
            (latest.scenario, latest.level1, latest.level2) if latest else (None, None, None)), code
    assert facts["level1"].isna().any() and facts["level1"].notna().any()


def test_facts_honour_the_filter_but_not_its_status(portfolio, records):
    gold = {r.incident.code for r in _open_substantiated(records) if r.incident.mineral == "gold"}
    assert set(facts_frame(portfolio, PortfolioFilter(mineral=("gold",)))["code"]) == gold
    assert set(facts_frame(portfolio, PortfolioFilter(status="closed", mineral=("gold",)))["code"]) == gold


def test_facts_take_a_bounded_number_of_statements(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def facts_statements() -> tuple[int, int]:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            rows = len(facts_frame(engine))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return rows, len(statements)

    # Two portfolios with disjoint receipt years (codes are INC-<year>-<n>): 2023-2024, then 2025-2026.
    load_records_into(engine, generate(60, seed=SEED, today=date(2024, 6, 30), span_days=300), today=TODAY)
    small, small_statements = facts_statements()
    load_records_into(engine, generate(800, seed=SEED, today=TODAY, span_days=300), today=TODAY)
    large, large_statements = facts_statements()
    assert 0 < small < large
    assert small_statements <= 3 and large_statements <= 3, (small_statements, large_statements)


def test_an_empty_portfolio_has_no_impact(engine):
    facts = facts_frame(engine)
    assert facts.empty and "violation_types" in facts.columns
    assert bulk_assess(facts, DEFAULT_POLICY).empty
    impact = policy_impact(engine, THRESHOLD_3)
    assert (impact.assessed, impact.level1_changes, impact.level2_changes) == (0, 0, 0)
    assert impact.changed.empty and impact.summary.empty


# --- the impact of a draft policy --------------------------------------------------------------------

def test_the_policy_in_force_as_draft_changes_nothing(portfolio, records):
    current = in_force(portfolio)
    impact = policy_impact(portfolio, current)
    assert impact.assessed == len(_open_substantiated(records))
    assert (impact.level1_changes, impact.level2_changes) == (0, 0)
    assert impact.changed.empty and impact.summary.empty
    assert list(impact.changed.columns) == ["code", "title", "scenario_now", "level1_now", "level2_now",
                                            "scenario_draft", "level1_draft", "level2_draft"]


def test_past_other_level1_mandatory_changes_exactly_the_past_other_incidents(portfolio, records):
    matrix = dict(DEFAULT_POLICY.matrix)
    matrix["past_other"] = MatrixCell(level1="mandatory", level2="recommended", inferred=True)
    draft = _policy(2, matrix=matrix)
    expected = {r.incident.code for r in _open_substantiated(records) if r.incident.trading_link == "past"
                and assess(r.incident.triage_input(), DEFAULT_POLICY).scenario == "past_other"}
    assert expected

    impact = policy_impact(portfolio, draft)
    assert set(impact.changed["code"]) == expected and len(impact.changed) == len(expected)
    assert (impact.level1_changes, impact.level2_changes) == (len(expected), 0)
    assert (impact.changed["scenario_now"] == "past_other").all()
    assert (impact.changed["scenario_draft"] == "past_other").all()
    assert (impact.changed["level1_now"] == "recommended").all()
    assert (impact.changed["level1_draft"] == "mandatory").all()
    assert impact.summary.to_dict("records") == [
        {"level": 1, "from": "recommended", "to": "mandatory", "count": len(expected)}]
    assert (impact.current_version, impact.draft_version) == (1, 2)


def test_a_lower_threshold_changes_only_incidents_that_crossed_it(portfolio, records):
    impact = policy_impact(portfolio, THRESHOLD_3, current=DEFAULT_POLICY)
    by_code = {r.incident.code: r.incident for r in _open_substantiated(records)}
    expected = {code for code, inc in by_code.items()
                if assess(inc.triage_input(), DEFAULT_POLICY).level1 != assess(inc.triage_input(), THRESHOLD_3).level1
                or assess(inc.triage_input(), DEFAULT_POLICY).level2 != assess(inc.triage_input(), THRESHOLD_3).level2}
    assert expected and set(impact.changed["code"]) == expected
    assert all(3 <= by_code[code].affected_persons < 10 for code in impact.changed["code"])
    assert (impact.changed["scenario_now"] == "past_other").all()
    assert (impact.changed["scenario_draft"] == "past_recent_severe").all()
    assert impact.level1_changes == len(expected) and impact.level2_changes == 0


def test_the_impact_honours_the_filter(portfolio, records):
    flt = PortfolioFilter(mineral=("gold",))
    impact = policy_impact(portfolio, THRESHOLD_3, flt=flt)
    whole = policy_impact(portfolio, THRESHOLD_3)
    gold = {r.incident.code for r in _open_substantiated(records) if r.incident.mineral == "gold"}
    assert impact.assessed == len(gold)
    assert set(impact.changed["code"]) == set(whole.changed["code"]) & gold
