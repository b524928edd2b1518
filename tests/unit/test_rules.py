"""Table-driven tests of the Step 2 level rules (remediation/rules.py).

Sources: DOMAIN.md "Step 2"; guideline lines 1040-1095 (the matrix, footnote 22 on severity,
footnote 23 on recency and the "cut ties well before it became public" override).

Every call to ``assess`` passes the policy explicitly, so no test depends on a database.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from remediation.domain.policy import DEFAULT_POLICY, Policy
from remediation.domain.rules import Assessment, TriageInput, add_years, assess
from remediation.domain.vocab import SCENARIOS, VIOLATION_TYPES

SEVERE_TYPES = ("human_trafficking_sexual", "human_trafficking_forced_labour", "debt_bondage")
NON_SEVERE_TYPES = tuple(t for t in VIOLATION_TYPES if t not in SEVERE_TYPES)

INCIDENT = date(2020, 3, 1)
STOP = date(2020, 6, 1)  # 92 days after INCIDENT: recent


def make(**overrides) -> TriageInput:
    """A valid input: past trading, recent, not public, one non-severe type, isolated, 3 persons."""
    fields = dict(
        trading_link="past",
        incident_date=INCIDENT,
        stopped_trading_date=STOP,
        became_public_date=None,
        violation_types=["forced_labour"],
        repeated=False,
        affected_persons=3,
        children_affected=0,
    )
    fields.update(overrides)
    if fields["trading_link"] == "current" and "stopped_trading_date" not in overrides:
        fields["stopped_trading_date"] = None
    return TriageInput(**fields)


def policy_with(**changes) -> Policy:
    """DEFAULT_POLICY with ``changes``, validated (model_copy would skip validation)."""
    body = DEFAULT_POLICY.model_dump()
    body.update(changes)
    return Policy.model_validate(body)


def run(inp: TriageInput, policy: Policy = DEFAULT_POLICY) -> Assessment:
    return assess(inp, policy=policy)


def test_default_policy_numbers_assumed_by_this_file():
    # The edge cases below are written against these numbers; if the default changes, so must they.
    assert DEFAULT_POLICY.severe_affected_persons == 10
    assert DEFAULT_POLICY.public_margin_days == 90
    assert set(DEFAULT_POLICY.severe_types) == set(SEVERE_TYPES)
    assert DEFAULT_POLICY.repeated_is_severe is True


# --- Severity (footnote 22) -------------------------------------------------------------------

SEVERITY_CASES = [
    *[pytest.param(dict(violation_types=[t]), DEFAULT_POLICY, True, id=f"type-{t}-alone-severe")
      for t in SEVERE_TYPES],
    *[pytest.param(dict(violation_types=[t]), DEFAULT_POLICY, False,
                   id=f"type-{t}-alone-isolated-few-not-severe")
      for t in NON_SEVERE_TYPES],
    pytest.param(dict(violation_types=["forced_labour", "debt_bondage"]), DEFAULT_POLICY, True,
                 id="one-severe-type-among-others-severe"),
    pytest.param(dict(violation_types=list(NON_SEVERE_TYPES)), DEFAULT_POLICY, False,
                 id="all-non-severe-types-together-not-severe"),
    pytest.param(dict(repeated=True), DEFAULT_POLICY, True, id="repeated-severe"),
    pytest.param(dict(affected_persons=10), DEFAULT_POLICY, True, id="affected-at-threshold-10-severe"),
    pytest.param(dict(affected_persons=9), DEFAULT_POLICY, False, id="affected-one-below-threshold-9-not-severe"),
    pytest.param(dict(affected_persons=1), DEFAULT_POLICY, False, id="one-affected-person-not-severe"),
    pytest.param(dict(affected_persons=5), policy_with(severe_affected_persons=5), True,
                 id="custom-threshold-5-at-threshold-severe"),
    pytest.param(dict(affected_persons=4), policy_with(severe_affected_persons=5), False,
                 id="custom-threshold-5-one-below-not-severe"),
    pytest.param(dict(affected_persons=10), policy_with(severe_affected_persons=50), False,
                 id="custom-threshold-50-default-threshold-no-longer-severe"),
    pytest.param(dict(repeated=True), policy_with(repeated_is_severe=False), False,
                 id="custom-repeated-not-severe-repeated-alone-not-severe"),
    pytest.param(dict(repeated=True, violation_types=["debt_bondage"]), policy_with(repeated_is_severe=False),
                 True, id="custom-repeated-not-severe-severe-type-still-severe"),
    pytest.param(dict(repeated=True, affected_persons=10), policy_with(repeated_is_severe=False), True,
                 id="custom-repeated-not-severe-many-persons-still-severe"),
    pytest.param(dict(violation_types=["debt_bondage"]), policy_with(severe_types=("forced_labour",)), False,
                 id="custom-severe-types-debt-bondage-no-longer-severe"),
    pytest.param(dict(violation_types=["forced_labour"]), policy_with(severe_types=("forced_labour",)), True,
                 id="custom-severe-types-forced-labour-severe"),
]


@pytest.mark.parametrize("overrides, policy, severe", SEVERITY_CASES)
def test_severity(overrides, policy, severe):
    a = run(make(**overrides), policy)
    assert a.severe is severe
    severity_reasons = [r for r in a.reasons if r.startswith(("Severe by", "Not among the guideline's severe types"))]
    assert severity_reasons, a.reasons
    if severe:
        assert all(r.startswith("Severe by") for r in severity_reasons)
    else:
        assert severity_reasons == [next(r for r in a.reasons if r.startswith("Not among the guideline's severe types"))]


def test_severity_reason_names_the_severe_type_and_the_threshold():
    a = run(make(violation_types=["debt_bondage", "forced_labour"], repeated=True, affected_persons=12))
    text = " ".join(a.reasons)
    assert "Severe by type: debt bondage" in text
    assert "forced labour" not in text.split("Severe by type:")[1].split("(")[0]
    assert "Severe by occurrence" in text
    assert "12 affected persons" in text and "threshold of 10" in text


def test_not_severe_reason_uses_the_policy_threshold():
    a = run(make(affected_persons=7), policy_with(severe_affected_persons=8))
    assert not a.severe
    assert any("threshold of 8" in r and "7 affected persons" in r for r in a.reasons)


# --- Recency (footnote 23, calendar years) ----------------------------------------------------

RECENCY_CASES = [
    pytest.param(date(2020, 3, 1), date(2021, 3, 1), False, id="exactly-one-calendar-year-not-recent"),
    pytest.param(date(2020, 3, 1), date(2021, 2, 28), True, id="one-day-less-than-a-year-recent"),
    pytest.param(date(2020, 3, 1), date(2021, 3, 2), False, id="one-day-more-than-a-year-not-recent"),
    pytest.param(date(2020, 2, 29), date(2021, 2, 28), False, id="leap-day-to-feb-28-is-one-year-not-recent"),
    pytest.param(date(2020, 2, 29), date(2021, 2, 27), True, id="leap-day-to-feb-27-recent"),
    pytest.param(date(2020, 2, 28), date(2021, 2, 27), True, id="feb-28-leap-year-day-before-anniversary-recent"),
    pytest.param(date(2020, 2, 28), date(2021, 2, 28), False, id="feb-28-to-feb-28-one-year-not-recent"),
    # 2019-03-01 → 2020-02-29 is 365 days but still less than one calendar year (leap year).
    pytest.param(date(2019, 3, 1), date(2020, 2, 29), True, id="365-days-across-leap-day-still-recent"),
    pytest.param(date(2020, 3, 1), date(2020, 3, 1), True, id="stop-same-day-as-incident-recent"),
    pytest.param(date(2020, 3, 1), date(2025, 3, 1), False, id="five-years-not-recent"),
]


@pytest.mark.parametrize("incident, stop, recent", RECENCY_CASES)
def test_recency(incident, stop, recent):
    a = run(make(incident_date=incident, stopped_trading_date=stop))
    assert a.recent is recent
    assert a.lapse_days == (stop - incident).days
    expected_prefix = "Recent:" if recent else "Not recent:"
    assert any(r.startswith(expected_prefix) for r in a.reasons), a.reasons
    assert any(f"{a.lapse_days} days" in r for r in a.reasons if r.startswith(expected_prefix))


def test_current_trading_has_no_recency_finding():
    a = run(make(trading_link="current"))
    assert a.recent is None
    assert a.lapse_days is None
    assert not any(r.startswith(("Recent:", "Not recent:")) for r in a.reasons)


# --- The override (footnote 23): ties cut well before the incident became public -------------

OVERRIDE_CASES = [
    pytest.param(DEFAULT_POLICY, STOP + timedelta(days=90), False, "Past trading stands",
                 id="cut-exactly-margin-90-days-before-public-past-stands"),
    pytest.param(DEFAULT_POLICY, STOP + timedelta(days=89), True, "only 89 days before",
                 id="cut-89-days-before-public-treated-as-current"),
    pytest.param(DEFAULT_POLICY, STOP + timedelta(days=400), False, "Past trading stands",
                 id="cut-long-before-public-past-stands"),
    pytest.param(DEFAULT_POLICY, STOP, True, "only 0 days before",
                 id="cut-same-day-it-became-public-treated-as-current"),
    pytest.param(DEFAULT_POLICY, STOP - timedelta(days=31), True, "31 days after it became public",
                 id="cut-after-it-became-public-treated-as-current"),
    pytest.param(DEFAULT_POLICY, None, False, "Not yet public",
                 id="not-public-override-does-not-apply"),
    pytest.param(policy_with(public_margin_days=0), STOP, False, "Past trading stands",
                 id="custom-margin-0-cut-same-day-past-stands"),
    pytest.param(policy_with(public_margin_days=0), STOP - timedelta(days=1), True, "1 days after",
                 id="custom-margin-0-cut-one-day-after-public-treated-as-current"),
    pytest.param(policy_with(public_margin_days=365), STOP + timedelta(days=364), True, "only 364 days before",
                 id="custom-margin-365-cut-364-days-before-treated-as-current"),
]


@pytest.mark.parametrize("policy, public, treated, reason_fragment", OVERRIDE_CASES)
def test_override(policy, public, treated, reason_fragment):
    # Severe and recent, so the scenario also shows the override: current_trading vs past_recent_severe.
    a = run(make(became_public_date=public, violation_types=["debt_bondage"]), policy)
    assert a.treated_as_current is treated
    assert a.scenario == ("current_trading" if treated else "past_recent_severe")
    assert a.public_lead_days == (None if public is None else (public - STOP).days)
    override_reasons = [r for r in a.reasons
                        if r.startswith(("Treated as current", "Past trading stands", "Not yet public"))]
    assert len(override_reasons) == 1, a.reasons
    assert reason_fragment in override_reasons[0]
    if treated:
        assert override_reasons[0].startswith("Treated as current trading")
        assert f"policy margin {policy.public_margin_days} days" in override_reasons[0]


def test_override_reason_says_after_when_ties_were_cut_after_it_became_public():
    a = run(make(became_public_date=date(2020, 5, 1)))  # public 31 days before the stop
    assert a.treated_as_current
    reason = next(r for r in a.reasons if r.startswith("Treated as current"))
    assert "after" in reason and "before it became public" not in reason


def test_not_yet_public_reason_says_the_rule_does_not_apply():
    a = run(make(became_public_date=None))
    assert not a.treated_as_current
    reason = next(r for r in a.reasons if r.startswith("Not yet public"))
    assert "does not apply" in reason


def test_override_never_applies_to_current_trading():
    a = run(make(trading_link="current", became_public_date=INCIDENT))
    assert a.treated_as_current is False
    assert a.public_lead_days is None
    assert a.scenario == "current_trading"


# --- The matrix (guideline lines 1053-1076; DOMAIN.md) ----------------------------------------

NOT_RECENT_STOP = date(2021, 3, 1)  # exactly one year after INCIDENT

NO_LEVEL2_POLICY = policy_with(matrix={
    **DEFAULT_POLICY.model_dump()["matrix"],
    "past_other": {"level1": "recommended", "level2": "not_required", "inferred": False, "source": "test"},
})

MATRIX_CASES = [
    pytest.param(dict(trading_link="current"), DEFAULT_POLICY,
                 "current_trading", "mandatory", "recommended", False, id="current-trading"),
    pytest.param(dict(trading_link="current", violation_types=["debt_bondage"], repeated=True), DEFAULT_POLICY,
                 "current_trading", "mandatory", "recommended", False, id="current-trading-severe-same-cell"),
    pytest.param(dict(violation_types=["debt_bondage"]), DEFAULT_POLICY,
                 "past_recent_severe", "mandatory", "recommended", True, id="past-recent-severe"),
    pytest.param(dict(affected_persons=10), DEFAULT_POLICY,
                 "past_recent_severe", "mandatory", "recommended", True, id="past-recent-severe-by-number"),
    pytest.param(dict(repeated=True), DEFAULT_POLICY,
                 "past_recent_severe", "mandatory", "recommended", True, id="past-recent-severe-by-occurrence"),
    pytest.param(dict(), DEFAULT_POLICY,
                 "past_other", "recommended", "recommended", True, id="past-recent-not-severe"),
    pytest.param(dict(violation_types=["debt_bondage"], stopped_trading_date=NOT_RECENT_STOP), DEFAULT_POLICY,
                 "past_other", "recommended", "recommended", True, id="past-not-recent-severe"),
    pytest.param(dict(stopped_trading_date=NOT_RECENT_STOP), DEFAULT_POLICY,
                 "past_other", "recommended", "recommended", True, id="past-not-recent-not-severe"),
    pytest.param(dict(became_public_date=STOP + timedelta(days=10)), DEFAULT_POLICY,
                 "current_trading", "mandatory", "recommended", False, id="past-treated-as-current"),
    pytest.param(dict(stopped_trading_date=NOT_RECENT_STOP, became_public_date=NOT_RECENT_STOP), DEFAULT_POLICY,
                 "current_trading", "mandatory", "recommended", False, id="past-not-recent-treated-as-current"),
    pytest.param(dict(), NO_LEVEL2_POLICY,
                 "past_other", "recommended", "not_required", False, id="custom-policy-not-required-cell"),
    pytest.param(dict(violation_types=["debt_bondage"]), NO_LEVEL2_POLICY,
                 "past_recent_severe", "mandatory", "recommended", True, id="custom-policy-other-cells-unchanged"),
]


@pytest.mark.parametrize("overrides, policy, scenario, level1, level2, inferred", MATRIX_CASES)
def test_matrix(overrides, policy, scenario, level1, level2, inferred):
    a = run(make(**overrides), policy)
    assert (a.scenario, a.level1, a.level2, a.cell_inferred) == (scenario, level1, level2, inferred)
    assert a.scenario_label == SCENARIOS[scenario]
    scenario_reason = a.reasons[-1]
    assert scenario_reason.startswith(f"Scenario {SCENARIOS[scenario].lower()}")
    assert f"Level 1 {level1.replace('_', ' ')}" in scenario_reason
    assert f"Level 2 {level2.replace('_', ' ')}" in scenario_reason
    assert ("inferred cell" if inferred else "stated cell") in scenario_reason


def test_custom_policy_version_and_name_are_recorded():
    custom = policy_with(version=7, name="Acme policy 2026")
    a = run(make(), custom)
    assert (a.policy_version, a.policy_name) == (7, "Acme policy 2026")
    assert "policy v7" in a.reasons[-1]


# --- The public contract example (module docstring / the issue) -------------------------------

def test_public_contract_example():
    a = assess(
        TriageInput(trading_link="past", incident_date=date(2024, 3, 1),
                    stopped_trading_date=date(2024, 9, 1), became_public_date=date(2025, 1, 10),
                    violation_types=["debt_bondage"], repeated=False, affected_persons=3),
        policy=DEFAULT_POLICY,
    )
    assert a.scenario == "past_recent_severe"
    assert a.level1 == "mandatory"
    assert a.level2 == "recommended"
    assert a.severe is True
    assert a.recent is True
    assert a.treated_as_current is False
    assert a.policy_version == 1
    assert a.lapse_days == 184
    assert a.public_lead_days == 131
    assert a.reasons


# --- Reasons ----------------------------------------------------------------------------------

REASON_INPUTS = [
    pytest.param(dict(trading_link="current"), id="current"),
    pytest.param(dict(trading_link="current", violation_types=["debt_bondage"]), id="current-severe"),
    pytest.param(dict(), id="past-recent-not-severe-not-public"),
    pytest.param(dict(violation_types=["debt_bondage"], repeated=True, affected_persons=20),
                 id="past-severe-three-ways"),
    pytest.param(dict(stopped_trading_date=NOT_RECENT_STOP), id="past-not-recent"),
    pytest.param(dict(became_public_date=STOP + timedelta(days=90)), id="past-public-after-margin"),
    pytest.param(dict(became_public_date=STOP + timedelta(days=5)), id="past-treated-as-current-before"),
    pytest.param(dict(became_public_date=INCIDENT), id="past-treated-as-current-after"),
]

CITATIONS = ("footnote 22", "footnote 23", "guideline lines")


@pytest.mark.parametrize("overrides", REASON_INPUTS)
def test_every_reason_cites_its_source(overrides):
    a = run(make(**overrides))
    assert a.reasons
    for reason in a.reasons:
        assert reason.strip() and any(c in reason for c in CITATIONS), reason


@pytest.mark.parametrize("overrides", REASON_INPUTS)
def test_every_finding_has_a_reason(overrides):
    """Each finding of the assessment is explained by a reason that agrees with it."""
    a = run(make(**overrides))

    def reasons_starting(*prefixes):
        return [r for r in a.reasons if r.startswith(prefixes)]

    # severe
    if a.severe:
        assert reasons_starting("Severe by") and not reasons_starting("Not among the guideline's severe types")
        assert all("footnote 22" in r for r in reasons_starting("Severe by"))
    else:
        assert len(reasons_starting("Not among the guideline's severe types")) == 1 and not reasons_starting("Severe by")
        assert "footnote 22" in reasons_starting("Not among the guideline's severe types")[0]
    # recent
    if a.recent is None:
        assert not reasons_starting("Recent:", "Not recent:")
    else:
        found = reasons_starting("Recent:" if a.recent else "Not recent:")
        assert len(found) == 1 and "footnote 23" in found[0]
        assert not reasons_starting("Not recent:" if a.recent else "Recent:")
    # treated_as_current (and the trading link it qualifies)
    if a.treated_as_current:
        assert len(reasons_starting("Treated as current trading")) == 1
        assert not reasons_starting("Past trading stands", "Not yet public", "Current trading:")
    else:
        link_reasons = reasons_starting("Past trading stands", "Not yet public", "Current trading:")
        assert len(link_reasons) == 1
        assert not reasons_starting("Treated as current trading")
    # scenario
    scenario_reasons = reasons_starting("Scenario ")
    assert len(scenario_reasons) == 1
    assert SCENARIOS[a.scenario].lower() in scenario_reasons[0]


@pytest.mark.parametrize("overrides, severe", [
    pytest.param(dict(violation_types=["debt_bondage"]), True, id="severe"),
    pytest.param(dict(violation_types=["forced_labour"]), False, id="not-severe"),
])
def test_severity_reason_present_for_severe_and_not_severe(overrides, severe):
    a = run(make(**overrides))
    assert a.severe is severe
    assert any("footnote 22" in r for r in a.reasons)


# --- Validation: errors name the field --------------------------------------------------------

TOMORROW = date.today() + timedelta(days=1)

VALIDATION_CASES = [
    pytest.param(dict(trading_link="past", stopped_trading_date=None),
                 ("stopped_trading_date",), "past trading", id="past-without-stop-date"),
    pytest.param(dict(trading_link="current", stopped_trading_date=STOP),
                 ("stopped_trading_date",), "current trading", id="current-with-stop-date"),
    pytest.param(dict(stopped_trading_date=INCIDENT - timedelta(days=1)),
                 ("stopped_trading_date",), "before the incident", id="stop-before-incident"),
    pytest.param(dict(became_public_date=INCIDENT - timedelta(days=1)),
                 ("became_public_date",), "before it happened", id="public-before-incident"),
    pytest.param(dict(trading_link="current", incident_date=TOMORROW),
                 ("incident_date",), "future", id="incident-in-future"),
    pytest.param(dict(stopped_trading_date=TOMORROW),
                 ("stopped_trading_date",), "future", id="stop-in-future"),
    pytest.param(dict(became_public_date=TOMORROW),
                 ("became_public_date",), "future", id="public-in-future"),
    pytest.param(dict(affected_persons=3, children_affected=4),
                 ("children_affected",), "cannot be more than", id="more-children-than-affected"),
    pytest.param(dict(children_affected=-1),
                 ("children_affected",), "greater than or equal to 0", id="negative-children"),
    pytest.param(dict(violation_types=[]),
                 ("violation_types",), "at least 1", id="no-violation-types"),
    pytest.param(dict(violation_types=["forced_labour", "slavery_unknown"]),
                 ("violation_types", 1), "debt_bondage", id="unknown-violation-type"),
    pytest.param(dict(affected_persons=0),
                 ("affected_persons",), "greater than or equal to 1", id="zero-affected-persons"),
    pytest.param(dict(trading_link="none"),
                 ("trading_link",), "'current' or 'past'", id="trading-link-none"),
    pytest.param(dict(victim_name="A. Person"),
                 ("victim_name",), "not permitted", id="unknown-field-forbidden"),
]


@pytest.mark.parametrize("overrides, loc, message_fragment", VALIDATION_CASES)
def test_validation_error_names_the_field(overrides, loc, message_fragment):
    with pytest.raises(ValidationError) as exc:
        make(**overrides)
    errors = exc.value.errors()
    assert errors[0]["loc"] == loc
    # One bad fact gives one error, on that field: no knock-on errors on other fields.
    assert [e["loc"][0] for e in errors] == [loc[0]]
    assert message_fragment in errors[0]["msg"]


@pytest.mark.parametrize("overrides, words", [
    pytest.param(dict(trading_link="past", stopped_trading_date=None), ("past trading", "stopped trading"),
                 id="past-without-stop-date"),
    pytest.param(dict(stopped_trading_date=date(2020, 2, 1)), ("2020-02-01", "before", "2020-03-01"),
                 id="stop-before-incident"),
    pytest.param(dict(became_public_date=date(2020, 2, 1)), ("2020-02-01", "before", "2020-03-01"),
                 id="public-before-incident"),
    pytest.param(dict(stopped_trading_date=TOMORROW), ("stop date", TOMORROW.isoformat(), "future"),
                 id="stop-in-future"),
    pytest.param(dict(affected_persons=2, children_affected=5), ("5 children", "2 affected persons"),
                 id="children-vs-affected"),
])
def test_validation_message_is_human_readable(overrides, words):
    with pytest.raises(ValidationError) as exc:
        make(**overrides)
    msg = exc.value.errors()[0]["msg"]
    for word in words:
        assert word in msg, msg


def test_valid_edges_are_accepted():
    # The boundaries of each check are themselves valid input.
    today = date.today()
    make(stopped_trading_date=INCIDENT, became_public_date=INCIDENT)
    make(incident_date=today, stopped_trading_date=today, became_public_date=today)
    make(affected_persons=4, children_affected=4)
    make(affected_persons=1_000_000)


def test_violation_types_are_deduplicated_in_vocabulary_order():
    inp = make(violation_types=["forced_labour", "debt_bondage", "forced_labour"])
    assert inp.violation_types == ["debt_bondage", "forced_labour"]


# --- add_years --------------------------------------------------------------------------------

@pytest.mark.parametrize("d, years, expected", [
    pytest.param(date(2020, 3, 1), 1, date(2021, 3, 1), id="plain-year"),
    pytest.param(date(2020, 3, 1), 0, date(2020, 3, 1), id="zero-years"),
    pytest.param(date(2020, 2, 29), 1, date(2021, 2, 28), id="leap-day-to-non-leap-year-falls-back"),
    pytest.param(date(2020, 2, 29), 4, date(2024, 2, 29), id="leap-day-to-leap-year-kept"),
    pytest.param(date(2020, 2, 29), -1, date(2019, 2, 28), id="leap-day-backwards"),
    pytest.param(date(2020, 2, 29), 100, date(2120, 2, 29), id="leap-day-to-2120-leap"),
    pytest.param(date(2000, 2, 29), 100, date(2100, 2, 28), id="leap-day-to-2100-not-leap-century"),
    pytest.param(date(2019, 2, 28), 1, date(2020, 2, 28), id="feb-28-into-leap-year-stays-28"),
    pytest.param(date(2020, 12, 31), 1, date(2021, 12, 31), id="year-end"),
    pytest.param(date(2021, 3, 1), -1, date(2020, 3, 1), id="negative-years"),
])
def test_add_years(d, years, expected):
    assert add_years(d, years) == expected
