"""The level rules of Step 2: which remediation level is mandatory or recommended, and why.

Public contract (other code, tests and notebooks rely on it)::

    from remediation.domain.rules import TriageInput, assess
    a = assess(TriageInput(trading_link="past", incident_date=date(2024, 3, 1),
                           stopped_trading_date=date(2024, 9, 1), became_public_date=date(2025, 1, 10),
                           violation_types=["debt_bondage"], repeated=False, affected_persons=3))
    a.scenario, a.level1, a.level2, a.severe, a.recent, a.treated_as_current, a.reasons, a.policy_version

The rules, from the guideline (``iom-remediation-guidelines-2018.txt``):

* lines 1042-1051: the level depends on (i) current or past trading, (ii) severity, (iii) the time
  lapse between the incident and the moment the smelter/refiner stopped trading;
* lines 1053-1055: current trading → Level 1 mandatory, Level 2 recommended;
* lines 1064-1076: the matrix (its past-trading rows are inferred: see :mod:`remediation.domain.policy`);
* footnote 22, lines 1082-1088: severe by type (human trafficking, debt bondage), by high
  occurrence (repeated, not isolated) or by number of affected persons;
* footnote 23, lines 1090-1093: recent = happened less than one year before the smelter/refiner
  stopped trading; and ties must be cut well before the incident became public, else trading counts
  as current.

Input the rules cannot read raises a :class:`pydantic.ValidationError` naming the field; the rules
never guess.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from remediation.domain.citations import CITATIONS, cite
from remediation.domain.policy import Policy
from remediation.domain.text import SafeText
from remediation.domain.vocab import (
    SCENARIOS,
    VIOLATION_TYPES,
    Requirement,
    Scenario,
    TradingLink,
    ViolationType,
    in_vocab_order,
    label,
)

# The rules' sources, whole; a reason cites the finer sentence where the registry has one.
FOOTNOTE_22 = cite("footnote22_severity")
FOOTNOTE_23 = cite("footnote23")
MATRIX_SOURCE = f"matrix, {cite('level_matrix')}"


def add_years(d: date, years: int) -> date:
    """``d`` moved by whole calendar years; 29 February falls back to 28 February."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _not_in_future(value: date | None, field: str) -> date | None:
    if value is not None and value > date.today():
        raise ValueError(f"{field} {value.isoformat()} is in the future; record only what has happened")
    return value


class TriageInput(BaseModel):
    """The facts the level rules read. Field order matters: later checks read earlier fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trading_link: TradingLink = Field(
        description="How the incident is linked to the smelter/refiner: current or past trading."
    )
    incident_date: date = Field(description="When the incident happened.")
    stopped_trading_date: date | None = Field(
        default=None, validate_default=True,
        description="When the smelter/refiner stopped trading with the supplier (past trading only).",
    )
    became_public_date: date | None = Field(
        default=None, description="When the incident became public; empty if it has not."
    )
    violation_types: Annotated[list[ViolationType], Field(min_length=1)] = Field(
        description="One or more violation types."
    )
    repeated: bool = Field(default=False, description="Repeated over a period, not an isolated event.")
    affected_persons: int = Field(ge=1, le=1_000_000, description="Number of affected persons.")
    children_affected: int = Field(default=0, ge=0, description="How many of them are children.")

    @field_validator("incident_date")
    @classmethod
    def _incident_not_future(cls, v: date) -> date:
        return _not_in_future(v, "The incident date")

    @field_validator("stopped_trading_date")
    @classmethod
    def _stop_date_fits_link(cls, v: date | None, info: ValidationInfo) -> date | None:
        link = info.data.get("trading_link")
        incident = info.data.get("incident_date")
        if link == "past" and v is None:
            raise ValueError(
                "past trading needs the date the smelter/refiner stopped trading: without it the "
                f"time lapse ({cite('footnote23_recency')}) cannot be read"
            )
        if link == "current" and v is not None:
            raise ValueError(
                "a current trading link has no stop date: choose past trading, or clear the date"
            )
        if v is not None and incident is not None and v < incident:
            raise ValueError(
                f"the stop date {v.isoformat()} is before the incident date {incident.isoformat()}; "
                "the guideline does not cover trading that stopped before the incident"
            )
        return _not_in_future(v, "The stop date")

    @field_validator("became_public_date")
    @classmethod
    def _public_after_incident(cls, v: date | None, info: ValidationInfo) -> date | None:
        incident = info.data.get("incident_date")
        if v is not None and incident is not None and v < incident:
            raise ValueError(
                f"the incident cannot have become public ({v.isoformat()}) before it happened "
                f"({incident.isoformat()})"
            )
        return _not_in_future(v, "The date it became public")

    @field_validator("violation_types")
    @classmethod
    def _distinct_types(cls, v: list[str]) -> list[str]:
        return in_vocab_order(v, VIOLATION_TYPES)

    @field_validator("children_affected")
    @classmethod
    def _children_within_affected(cls, v: int, info: ValidationInfo) -> int:
        affected = info.data.get("affected_persons")
        if affected is not None and v > affected:
            raise ValueError(f"{v} children cannot be more than the {affected} affected persons")
        return v


class Assessment(BaseModel):
    """The answer of the rules: the scenario, each level's requirement, the findings and the reasons."""

    model_config = ConfigDict(frozen=True)

    scenario: Scenario
    level1: Requirement
    level2: Requirement
    severe: bool
    recent: bool | None = Field(description="None where there is no stop date (current trading).")
    treated_as_current: bool = Field(
        description="Past trading counted as current because ties were not cut well before it became public."
    )
    cell_inferred: bool
    reasons: list[Annotated[str, SafeText]]
    policy_version: int
    policy_name: Annotated[str, SafeText]
    lapse_days: int | None = Field(description="Days from the incident to the stop of trading.")
    public_lead_days: int | None = Field(
        description="Days from the stop of trading to the incident becoming public (negative: after)."
    )

    @property
    def scenario_label(self) -> str:
        return SCENARIOS[self.scenario]


def _severity(inp: TriageInput, policy: Policy) -> tuple[bool, list[str]]:
    severe_types = [t for t in inp.violation_types if t in policy.severe_types]
    reasons: list[str] = []
    if severe_types:
        names = ", ".join(label(VIOLATION_TYPES, t).lower() for t in severe_types)
        reasons.append(f"Severe by type: {names} is a severe type of violation ({cite('footnote22_severe_types')}).")
    if inp.repeated and policy.repeated_is_severe:
        reasons.append(
            "Severe by occurrence: the incident happened repeatedly over a period, not once "
            f"({cite('footnote22_occurrence_and_persons')})."
        )
    if inp.affected_persons >= policy.severe_affected_persons:
        reasons.append(
            f"Severe by number: {inp.affected_persons} affected persons, at or above the policy threshold "
            f"of {policy.severe_affected_persons} ({cite('footnote22_occurrence_and_persons')}; the threshold is "
            f"policy v{policy.version}'s)."
        )
    if reasons:
        return True, reasons
    occurrence = "repeated" if inp.repeated else "isolated"
    footnote = CITATIONS["footnote22_severe_types"].footnote
    return False, [(
        f"Not among the guideline's severe types (footnote {footnote}): none of "
        f"the violation types is one, {occurrence}, and "
        f"{inp.affected_persons} affected person{'s' if inp.affected_persons != 1 else ''}, below the "
        f"policy threshold of {policy.severe_affected_persons} ({FOOTNOTE_22})."
    )]


def assess(inp: TriageInput, policy: Policy) -> Assessment:
    """Run the level matrix on ``inp`` under ``policy``: the rules apply the policy they are given. The caller
    reads the policy in force (:func:`remediation.storage.queries.policy_in_force`) and passes it."""
    severe, reasons = _severity(inp, policy)

    lapse_days = public_lead_days = None
    recent: bool | None = None
    if inp.stopped_trading_date is not None:
        lapse_days = (inp.stopped_trading_date - inp.incident_date).days
        recent = inp.stopped_trading_date < add_years(inp.incident_date, 1)
        if recent:
            reasons.append(
                f"Recent: trading stopped {lapse_days} days after the incident, less than one year "
                f"({cite('footnote23_recency')})."
            )
        else:
            reasons.append(
                f"Not recent: trading stopped {lapse_days} days after the incident, one year or more "
                f"({cite('footnote23_recency')})."
            )

    treated_as_current = False
    if inp.trading_link == "current":
        reasons.append(
            "Current trading: the incident is linked to the smelter/refiner through current trading "
            f"({cite('current_trading_row')})."
        )
    elif inp.became_public_date is None:
        reasons.append(
            f"Not yet public: the rule that ties must be cut well before the incident became public "
            f"does not apply ({cite('footnote23_cut_ties')})."
        )
    else:
        public_lead_days = (inp.became_public_date - inp.stopped_trading_date).days
        margin = policy.public_margin_days
        if public_lead_days < margin:
            treated_as_current = True
            when = (
                f"only {public_lead_days} days before it became public" if public_lead_days >= 0
                else f"{-public_lead_days} days after it became public"
            )
            reasons.append(
                f"Treated as current trading: ties were cut {when}, not well before (policy margin "
                f"{margin} days) ({cite('footnote23_cut_ties')})."
            )
        else:
            reasons.append(
                f"Past trading stands: ties were cut {public_lead_days} days before the incident became "
                f"public, at least the policy margin of {margin} days ({cite('footnote23_cut_ties')})."
            )

    if inp.trading_link == "current" or treated_as_current:
        scenario: Scenario = "current_trading"
    elif severe and recent:
        scenario = "past_recent_severe"
    else:
        scenario = "past_other"
    cell = policy.cell(scenario)
    marker = "inferred cell" if cell.inferred else "stated cell"
    reasons.append(
        f"Scenario {SCENARIOS[scenario].lower()}: Level 1 {cell.level1.replace('_', ' ')}, "
        f"Level 2 {cell.level2.replace('_', ' ')} ({MATRIX_SOURCE}; {marker}, policy v{policy.version})."
    )
    return Assessment(
        scenario=scenario, level1=cell.level1, level2=cell.level2, severe=severe, recent=recent,
        treated_as_current=treated_as_current, cell_inferred=cell.inferred, reasons=reasons,
        policy_version=policy.version, policy_name=policy.name, lapse_days=lapse_days,
        public_lead_days=public_lead_days,
    )
