"""The level-of-response policy as versioned data (remediation/policy.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from remediation.domain.policy import DEFAULT_POLICY, MatrixCell, Policy
from remediation.domain.rules import TriageInput, assess
from remediation.domain.vocab import SCENARIOS, VIOLATION_TYPES
from remediation.storage import engine as db
from remediation.storage.queries import policy_in_force as in_force


@pytest.fixture(autouse=True)
def _fresh_engines():
    db.dispose_engines()
    yield
    db.dispose_engines()


def default_body() -> dict:
    return DEFAULT_POLICY.model_dump(mode="json")


# --- The shipped default ---------------------------------------------------------------------

def test_default_policy_has_a_cell_for_every_scenario():
    assert set(DEFAULT_POLICY.matrix) == set(SCENARIOS) == {"current_trading", "past_recent_severe", "past_other"}


def test_default_policy_cells_match_domain_md():
    cells = {s: (c.level1, c.level2) for s, c in DEFAULT_POLICY.matrix.items()}
    assert cells == {
        "current_trading": ("mandatory", "recommended"),
        "past_recent_severe": ("mandatory", "recommended"),
        "past_other": ("recommended", "recommended"),
    }


def test_default_policy_past_cells_are_inferred_and_current_cell_is_stated():
    assert DEFAULT_POLICY.cell("current_trading").inferred is False
    assert DEFAULT_POLICY.cell("past_recent_severe").inferred is True
    assert DEFAULT_POLICY.cell("past_other").inferred is True
    for scenario, cell in DEFAULT_POLICY.matrix.items():
        assert cell.source, scenario
        assert ("inferred" in cell.source) is cell.inferred, (scenario, cell.source)


def test_default_policy_severe_types_are_footnote_22s():
    assert set(DEFAULT_POLICY.severe_types) == {
        "human_trafficking_sexual", "human_trafficking_forced_labour", "debt_bondage",
    }
    assert set(DEFAULT_POLICY.severe_types) <= set(VIOLATION_TYPES)
    assert DEFAULT_POLICY.repeated_is_severe is True
    assert DEFAULT_POLICY.version == 1


def test_policy_is_immutable():
    with pytest.raises(ValidationError):
        DEFAULT_POLICY.public_margin_days = 0  # type: ignore[misc]


# --- Validation ------------------------------------------------------------------------------

@pytest.mark.parametrize("missing", list(SCENARIOS))
def test_policy_rejects_a_matrix_missing_a_scenario(missing):
    body = default_body()
    del body["matrix"][missing]
    with pytest.raises(ValidationError) as exc:
        Policy.model_validate(body)
    assert "matrix" in str(exc.value)
    assert missing in str(exc.value)


def test_policy_rejects_an_unknown_scenario():
    body = default_body()
    body["matrix"]["past_ancient"] = body["matrix"]["past_other"]
    with pytest.raises(ValidationError) as exc:
        Policy.model_validate(body)
    assert exc.value.errors()[0]["loc"][0] == "matrix"
    assert "past_ancient" in str(exc.value)


def test_policy_rejects_an_unknown_severe_type_and_names_it():
    body = default_body()
    body["severe_types"] = [*body["severe_types"], "bogus_violation"]
    with pytest.raises(ValidationError) as exc:
        Policy.model_validate(body)
    errors = exc.value.errors()
    assert errors[0]["loc"][0] == "severe_types"
    assert "bogus_violation" in str(exc.value)


@pytest.mark.parametrize("field, value", [
    pytest.param("severe_affected_persons", 0, id="threshold-zero"),
    pytest.param("public_margin_days", -1, id="negative-margin"),
    pytest.param("version", 0, id="version-zero"),
    pytest.param("name", "", id="empty-name"),
])
def test_policy_rejects_out_of_range_numbers(field, value):
    body = default_body() | {field: value}
    with pytest.raises(ValidationError) as exc:
        Policy.model_validate(body)
    assert exc.value.errors()[0]["loc"] == (field,)


def test_matrix_cell_rejects_an_unknown_requirement():
    with pytest.raises(ValidationError) as exc:
        MatrixCell(level1="optional", level2="recommended")
    assert exc.value.errors()[0]["loc"] == ("level1",)


# --- Round trip ------------------------------------------------------------------------------

def test_default_policy_round_trips_through_json():
    body = DEFAULT_POLICY.model_dump(mode="json")
    assert Policy.model_validate(body) == DEFAULT_POLICY
    assert Policy.model_validate(json.loads(json.dumps(body))) == DEFAULT_POLICY


def test_custom_policy_round_trips_through_json():
    custom = Policy.model_validate(default_body() | {
        "version": 4, "name": "Acme", "adopted_on": "2026-01-15", "severe_types": ["forced_labour"],
        "repeated_is_severe": False, "severe_affected_persons": 25, "public_margin_days": 0,
        "matrix": default_body()["matrix"] | {
            "past_other": {"level1": "recommended", "level2": "not_required", "inferred": False, "source": "Acme"},
        },
    })
    assert custom.adopted_on == date(2026, 1, 15)
    again = Policy.model_validate(json.loads(json.dumps(custom.model_dump(mode="json"))))
    assert again == custom
    assert again.cell("past_other").level2 == "not_required"
    assert again != DEFAULT_POLICY


# --- The policy in force ---------------------------------------------------------------------

def test_in_force_is_the_default_on_a_database_without_a_policy_table():
    engine = db.make_engine("sqlite://")
    try:
        assert in_force(engine) is DEFAULT_POLICY
    finally:
        engine.dispose()


def test_in_force_is_the_newest_adopted_version():
    from remediation.services.admin import adopt_policy, ensure_default_policy

    engine = db.make_engine("sqlite://")
    try:
        db.migrate(engine)
        ensure_default_policy(engine)
        assert in_force(engine) == DEFAULT_POLICY
        draft = Policy.model_validate(default_body() | {"name": "Stricter", "severe_affected_persons": 3})
        adopted = adopt_policy(engine, draft)
        assert adopted.version == 2
        current = in_force(engine)
        assert current.version == 2
        assert current.severe_affected_persons == 3
    finally:
        engine.dispose()


def test_the_rules_apply_the_policy_they_are_given_and_read_no_database(monkeypatch, tmp_path):
    """The policy is an argument: no hidden read of "the policy in force", so a database the test never
    opened cannot change the answer, and none is created."""
    db_file = tmp_path / "not-yet" / "remediation.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    facts = TriageInput(trading_link="past", incident_date=date(2024, 3, 1), stopped_trading_date=date(2024, 9, 1),
                        violation_types=["forced_labour"], affected_persons=3)
    with pytest.raises(TypeError):
        assess(facts)  # type: ignore[call-arg]
    lenient = Policy.model_validate(default_body() | {"version": 2, "name": "Lenient", "matrix": {
        **default_body()["matrix"], "past_other": {"level1": "not_required", "level2": "recommended"}}})
    assert assess(facts, DEFAULT_POLICY).level1 == "recommended"
    assert assess(facts, lenient).level1 == "not_required"
    assert not db_file.parent.exists()


# --- The occurrence window (footnote 22: high occurrence) -------------------------------------------

def test_a_policy_stored_before_the_occurrence_window_existed_loads_with_the_default():
    body = DEFAULT_POLICY.model_dump(mode="json")
    del body["occurrence_window_years"]
    assert Policy.model_validate(body).occurrence_window_years == 3


@pytest.mark.parametrize(("years", "incident_date", "since"), [
    pytest.param(3, date(2026, 1, 10), date(2023, 1, 10), id="three-years"),
    pytest.param(1, date(2024, 2, 29), date(2023, 2, 28), id="29-february"),
    pytest.param(4, date(2024, 2, 29), date(2020, 2, 29), id="29-february-to-a-leap-year"),
])
def test_the_window_starts_that_many_years_before_the_incident(years, incident_date, since):
    assert DEFAULT_POLICY.model_copy(update={"occurrence_window_years": years}).occurrence_since(incident_date) == since


@pytest.mark.parametrize("years", [0, 51])
def test_the_window_is_refused_outside_one_to_fifty_years(years):
    with pytest.raises(ValidationError) as exc:
        Policy.model_validate(DEFAULT_POLICY.model_dump(mode="json") | {"occurrence_window_years": years})
    assert exc.value.errors()[0]["loc"] == ("occurrence_window_years",)
