"""What enters and leaves the system, as pydantic v2 models.

An :class:`IncidentRecord` is everything recorded about one incident, step by step. The workflow
(:mod:`remediation.domain.workflow`) derives the current step from it; the demo fixtures are a list of them;
the database maps it (:mod:`remediation.storage.schema`). The smaller models (``Credibility``, ``PlanApproval``
…) are what one form or one service call records.

Privacy (DOMAIN.md, "Cross-cutting principles"): there is no field for a victim's name or any
identifying detail. A victim appears only as a pseudonymous code, an age group and the assistance
received; free text about cases carries :data:`NO_NAMES_REMINDER`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from remediation.domain.citations import cite
from remediation.domain.rules import TriageInput
from remediation.domain.supply_chain import METALS, SMELTER_ID_PATTERN
from remediation.domain.text import SafeText, check_code
from remediation.domain.vocab import (
    ASSISTANCE_TYPES,
    CURRENCIES,
    VIOLATION_TYPES,
    AgeGroup,
    AssistanceType,
    AuditProgramme,
    FacilitatorType,
    FundingSource,
    IndicatorKind,
    InitiativeKind,
    Mineral,
    QualitativeStatus,
    Requirement,
    ReviewAnswer,
    Scenario,
    ShortfallReason,
    ViolationType,
    in_vocab_order,
)

NO_NAMES_REMINDER = (
    "Do not enter names or any identifying detail of victims: use the pseudonymous victim code only."
)

# [0-9], never \d: pydantic's regex engine (like Python's) reads \d as any Unicode digit — fullwidth,
# Arabic-Indic… — and two codes that look the same must be the same code.
INCIDENT_CODE_PATTERN = r"^INC-[0-9]{4}-[0-9]{3,6}$"
VICTIM_CODE_PATTERN = r"^[A-Z]{1,4}-[0-9]{1,6}$"

def _not_future(value: date) -> date:
    if value > date.today():
        raise ValueError(f"{value.isoformat()} is in the future; record only what has happened")
    return value


PastDate = Annotated[date, AfterValidator(_not_future)]
"""The date of something that has happened: never after today."""

# Every text type carries the one text rule (remediation.domain.text): no control characters but tab and line
# break, no noncharacters, no bidirectional overrides; tests/unit/test_text_rule.py checks every str field.
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), SafeText]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SafeText]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=60), SafeText]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), SafeText]
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000), SafeText]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _upper(value, info: ValidationInfo):
    """Codes are ASCII (:func:`remediation.domain.text.check_code`, before upper-casing: ``"ı".upper()`` is
    ``"I"``) and compared in capitals: ``inc-2024-007`` is ``INC-2024-007`` (before the pattern check)."""
    return check_code(value.strip(), info.field_name).upper() if isinstance(value, str) else value


def _smelter_id_text(value, info: ValidationInfo):
    """A smelter ID as typed: an ASCII code (as incident codes), trimmed, in capitals; an empty cell or field is
    no ID."""
    if isinstance(value, str):
        value = check_code(value.strip(), info.field_name).upper()
        return value or None
    return value


SmelterId = Annotated[str, StringConstraints(pattern=SMELTER_ID_PATTERN)]


def not_before(value: date | None, earlier: date | None, what: str, earlier_what: str) -> None:
    if value is not None and earlier is not None and value < earlier:
        raise ValueError(f"{what} ({value.isoformat()}) is before {earlier_what} ({earlier.isoformat()})")


# --- The incident (intake) -----------------------------------------------------------------------

class IncidentIn(Model):
    """An allegation as received: what intake records at Step 1."""

    code: Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=INCIDENT_CODE_PATTERN)] = Field(
        description="Human-readable code, e.g. INC-2025-014."
    )
    title: Name
    summary: Text = ""
    mineral: Mineral
    country: Name
    site: ShortText = ""
    smelter_refiner: Name = Field(description="The supply-chain partner the allegation names.")
    smelter_id: Annotated[SmelterId | None, BeforeValidator(_smelter_id_text)] = Field(
        default=None, description="The RMI smelter ID (CID and six digits, e.g. CID001234) of the smelter/refiner, "
                                  "from the smelter register: the link to suppliers' declarations.")
    audit_programme: AuditProgramme
    violation_types: Annotated[list[ViolationType], Field(min_length=1)]
    allegation_source: Name
    date_received: PastDate
    incident_date: PastDate
    became_public_date: PastDate | None = None
    affected_persons: int = Field(ge=1, le=1_000_000)
    children_affected: int = Field(default=0, ge=0)
    repeated: bool = False
    trading_link: Literal["current", "past", "none"] = "none"
    stopped_trading_date: PastDate | None = None

    @field_validator("violation_types")
    @classmethod
    def _canonical(cls, v: list[str]) -> list[str]:
        return in_vocab_order(v, VIOLATION_TYPES)

    @model_validator(mode="after")
    def _consistent(self) -> "IncidentIn":
        if self.children_affected > self.affected_persons:
            raise ValueError(
                f"children_affected: {self.children_affected} children cannot be more than the "
                f"{self.affected_persons} affected persons"
            )
        not_before(self.date_received, self.incident_date, "date_received", "the incident date")
        not_before(self.became_public_date, self.incident_date, "became_public_date", "the incident date")
        if self.trading_link == "past" and self.stopped_trading_date is None:
            raise ValueError("stopped_trading_date: past trading needs the date trading stopped")
        if self.trading_link != "past" and self.stopped_trading_date is not None:
            raise ValueError("stopped_trading_date: only a past trading link has a stop date")
        not_before(self.stopped_trading_date, self.incident_date, "stopped_trading_date", "the incident date")
        return self

    def triage_input(self) -> TriageInput:
        """The facts the level rules read; raises ValidationError when they cannot read them."""
        return TriageInput(
            trading_link=self.trading_link, incident_date=self.incident_date,
            stopped_trading_date=self.stopped_trading_date, became_public_date=self.became_public_date,
            violation_types=self.violation_types, repeated=self.repeated,
            affected_persons=self.affected_persons, children_affected=self.children_affected,
        )


class SmelterEntry(Model):
    """A smelter or refiner a lead adds to the register by hand (one no supplier's declaration lists yet)."""
    smelter_id: Annotated[SmelterId, BeforeValidator(_smelter_id_text)] = Field(
        description="The RMI smelter ID: CID and six digits, e.g. CID001234.")
    metal: Literal["tantalum", "tin", "tungsten", "gold", "cobalt", "mica", "copper", "graphite", "lithium", "nickel"]
    name: Name
    country: ShortText = ""


assert set(get_args(SmelterEntry.model_fields["metal"].annotation)) == set(METALS), "one list of metals"


# --- Step 1: verify the allegation (guideline lines 910-915) ---------------------------------------

class Credibility(Model):
    """DC: trustworthy source and reasonable grounds to believe a violation may have taken place."""
    credible: bool
    decided_on: PastDate
    notes: Text = ""


class Actionability(Model):
    """DC: does the allegation explicitly link to a current or past supply-chain partner?"""
    actionable: bool
    decided_on: PastDate
    notes: Text = ""


class AuditProgrammeNotice(Model):
    """DC notifies the audit programme of a credible, actionable allegation."""
    notified_on: PastDate


class Substantiation(Model):
    """AP's finding, and for a substantiated allegation the link to the smelter/refiner."""
    substantiated: bool
    decided_on: PastDate
    notes: Text = ""
    trading_link: Literal["current", "past"] | None = None
    stopped_trading_date: PastDate | None = None

    @model_validator(mode="after")
    def _link_when_substantiated(self) -> "Substantiation":
        if self.substantiated and self.trading_link is None:
            raise ValueError("trading_link: a substantiated allegation needs its link (current or past trading)")
        if not self.substantiated and self.trading_link is not None:
            raise ValueError("trading_link: an unsubstantiated allegation has no trading link")
        if self.trading_link == "past" and self.stopped_trading_date is None:
            raise ValueError("stopped_trading_date: past trading needs the date trading stopped")
        if self.trading_link != "past" and self.stopped_trading_date is not None:
            raise ValueError("stopped_trading_date: only a past trading link has a stop date")
        return self


class Verification(Model):
    credibility: Credibility | None = None
    actionability: Actionability | None = None
    notice: AuditProgrammeNotice | None = None
    substantiation: Substantiation | None = None


# --- Step 2: type and level of response (guideline lines 968-982) ---------------------------------

class AssessmentRecord(Model):
    """A recorded level assessment: the rules' answer, its reasons and the policy version it used."""
    assessed_on: PastDate
    scenario: Scenario
    level1: Requirement
    level2: Requirement
    severe: bool
    recent: bool | None
    treated_as_current: bool
    policy_version: int = Field(ge=1)
    reasons: list[Annotated[str, SafeText]] = Field(min_length=1)


class AssessmentRequest(Model):
    """Ask the level rules to assess the incident's recorded facts, as of a date."""
    assessed_on: PastDate = Field(description="The date the audit programme made the assessment.")


class CorrectiveAction(Model):
    """Enhanced due diligence / corrective action under the AP's incident response process."""
    description: Description
    relationship_terminated: bool = False
    decided_on: PastDate


class SmelterNotice(Model):
    """AP notifies the smelter/refiner for follow-up remediation action."""
    notified_on: PastDate


class Response(Model):
    corrective_action: CorrectiveAction | None = None
    smelter_notice: SmelterNotice | None = None


# --- Step 3: plans (guideline lines 1094-1103) ---------------------------------------------------

class CasePlan(Model):
    """A Level 1 case-management plan for one victim: pseudonymous code, never a name."""
    victim_code: Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=VICTIM_CODE_PATTERN)] = Field(
        description="Pseudonymous code such as V-014. " + NO_NAMES_REMINDER
    )
    age_group: AgeGroup
    assistance_types: Annotated[list[AssistanceType], Field(min_length=1)]
    provider: Name = Field(description="The victim service coordinator or service provider.")
    referral_date: PastDate | None = None
    guardian_consent: bool | None = Field(default=None, description="Child victims: legal guardian's consent.")
    best_interest_determined_on: PastDate | None = Field(
        default=None, description="Child victims without the guardian's consent: the date the child's best interest "
                                  "was determined.")
    best_interest_determined_by: ShortText = Field(
        default="", description="The child-protection organisation that determined the child's best interest.")
    child_protection_organisation: ShortText = Field(
        default="", description="The specialised child-protection organisation involved in the child's case.")
    notes: Text = Field(default="", description=NO_NAMES_REMINDER)

    @field_validator("assistance_types")
    @classmethod
    def _canonical(cls, v: list[str]) -> list[str]:
        return in_vocab_order(v, ASSISTANCE_TYPES)

    @model_validator(mode="after")
    def _child_needs_consent_answer(self) -> "CasePlan":
        if self.age_group == "child" and self.guardian_consent is None:
            raise ValueError("guardian_consent: a child victim's plan records the legal guardian's consent "
                             f"({cite('child_guardian_consent')})")
        return self


class Measurement(Model):
    measured_on: PastDate
    value: float | None = None
    status: QualitativeStatus | None = None
    narrative: Text = ""



class Indicator(Model):
    name: Name
    kind: IndicatorKind
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), SafeText] = ""
    baseline_value: float | None = None
    baseline_date: date
    target_value: float | None = None
    target_date: date
    measurements: list[Measurement] = []

    @model_validator(mode="after")
    def _consistent(self) -> "Indicator":
        if self.kind == "quantitative":
            if self.baseline_value is None or self.target_value is None:
                raise ValueError("target_value: a quantitative indicator needs a baseline and a target value")
            if not self.unit:
                raise ValueError("unit: a quantitative indicator states its unit")
            for m in self.measurements:
                if m.value is None:
                    raise ValueError(f"value: the measurement of {m.measured_on} needs a value")
        else:
            for m in self.measurements:
                if m.status is None:
                    raise ValueError(f"status: the qualitative measurement of {m.measured_on} needs a status")
        if self.target_date <= self.baseline_date:
            raise ValueError("target_date: the target date must come after the baseline date")
        for m in self.measurements:
            not_before(m.measured_on, self.baseline_date, "measured_on", "the baseline date")
        return self


class Initiative(Model):
    """A Level 2 initiative with a realistic, time-bound, measurable result (guideline lines 1295-1296)."""
    title: Name
    kind: InitiativeKind
    expected_result: Description
    due_date: date
    indicators: list[Indicator] = []


class BudgetLine(Model):
    category: Name
    description: Text = ""
    amount: Money


class Funding(Model):
    source: FundingSource
    funder: Name
    pledged: Money
    received: Money = Decimal(0)
    pledged_on: PastDate

    @model_validator(mode="after")
    def _received_within_pledge(self) -> "Funding":
        if self.received > self.pledged:
            raise ValueError(f"received: {self.received} received is more than the {self.pledged} pledged")
        return self


class Expenditure(Model):
    spent_on: PastDate
    amount: Money
    category: Name = Field(description="The budget line category it is charged to.")
    description: Text = ""



class MonitoringReport(Model):
    period_start: PastDate
    period_end: PastDate
    received_on: PastDate
    summary: Text = Field(default="", description=NO_NAMES_REMINDER)

    @model_validator(mode="after")
    def _ordered(self) -> "MonitoringReport":
        not_before(self.period_end, self.period_start, "period_end", "period_start")
        not_before(self.received_on, self.period_start, "received_on", "the start of the period")
        return self


class PlanApproval(Model):
    """The approval chain: facilitator submits → smelter/refiner submits → audit programme approves.

    Any subset can be given (a service merges it into what was recorded); the order is checked on the
    plan as a whole (:meth:`Plan._approval_in_order`)."""
    submitted_by_facilitator_on: PastDate | None = None
    submitted_by_smelter_on: PastDate | None = None
    approved_by_audit_programme_on: PastDate | None = None

    def order_error(self) -> str | None:
        chain = [
            ("submitted_by_facilitator_on", "the facilitator's submission", self.submitted_by_facilitator_on),
            ("submitted_by_smelter_on", "the smelter/refiner's submission", self.submitted_by_smelter_on),
            ("approved_by_audit_programme_on", "the audit programme's approval", self.approved_by_audit_programme_on),
        ]
        for (name, what, value), (_, prev_what, prev) in zip(chain[1:], chain[:-1]):
            if value is not None and prev is None:
                return f"{name}: {prev_what} must be recorded before {what}"
            if value is not None and prev is not None and value < prev:
                return f"{name}: {what} ({value}) is before {prev_what} ({prev})"
        return None


class ImplementationStart(Model):
    """The facilitator starts implementation once funding is secured (guideline lines 1353-1354)."""
    started_on: PastDate


class PlanClosure(Model):
    """Step 5 evidence for one plan (Level 1: guideline lines 1402-1413; Level 2: lines 1415-1422)."""
    final_report_on: PastDate | None = None
    financial_report_on: PastDate | None = None
    # Level 1
    referral_confirmed_on: PastDate | None = Field(default=None, description="Referral to the VSC confirmed by the RF.")
    assistance_summary: Text = Field(default="", description=NO_NAMES_REMINDER)
    monitoring_summary: Text = ""
    coverage_shortfall_reason: ShortfallReason | None = Field(
        default=None, description="Fewer case-management plans than identified victims (or child plans than "
                                  "children affected): why.")
    coverage_shortfall_note: Text = Field(default="", description=NO_NAMES_REMINDER)
    # Level 2
    outcomes_verified: bool | None = None
    completed_on_time: bool | None = None
    within_budget: bool | None = None
    objectives_met: bool | None = None
    monitoring_documented: bool | None = None
    figures_explanation: Text = Field(
        default="", description="Where the declared answers disagree with the recorded figures: why.")


class PlanHeader(Model):
    """What defines a plan when it is opened at Step 3."""
    level: Literal[1, 2]
    facilitator: Name
    facilitator_type: FacilitatorType
    currency: Literal[CURRENCIES]  # type: ignore[valid-type]
    estimated_cost: Money
    designed_on: PastDate
    victim_service_coordinator: ShortText = ""

    @model_validator(mode="after")
    def _level1_has_coordinator(self) -> "PlanHeader":
        if self.level == 1 and not self.victim_service_coordinator:
            raise ValueError("victim_service_coordinator: a Level 1 plan names the victim service "
                             f"coordinator the facilitator identified ({cite('level1_vsc_identification')})")
        return self


class Plan(PlanHeader):
    approval: PlanApproval = Field(default_factory=PlanApproval)
    implementation_started_on: PastDate | None = None
    case_plans: list[CasePlan] = []
    initiatives: list[Initiative] = []
    budget_lines: list[BudgetLine] = []
    funding: list[Funding] = []
    expenditures: list[Expenditure] = []
    monitoring_reports: list[MonitoringReport] = []
    closure: PlanClosure = Field(default_factory=PlanClosure)

    @model_validator(mode="after")
    def _approval_in_order(self) -> "Plan":
        if (error := self.approval.order_error()) is not None:
            raise ValueError(error)
        not_before(self.approval.submitted_by_facilitator_on, self.designed_on, "submitted_by_facilitator_on",
                   "the design date")
        return self

    @model_validator(mode="after")
    def _level_contents(self) -> "Plan":
        if self.level == 1 and self.initiatives:
            raise ValueError("initiatives: initiatives belong to Level 2 plans")
        if self.level == 2 and self.case_plans:
            raise ValueError("case_plans: case-management plans belong to Level 1 plans")
        codes = [c.victim_code for c in self.case_plans]
        if len(codes) != len(set(codes)):
            raise ValueError("victim_code: each victim code appears once per plan")
        return self

    @property
    def budget(self) -> Decimal:
        """What the plan costs: its estimate, or the sum of its budget lines where that is more (lines may
        detail only part of an estimate, or be the only estimate). Funding must cover this."""
        return max(self.estimated_cost, sum((b.amount for b in self.budget_lines), Decimal(0)))

    @property
    def pledged(self) -> Decimal:
        return sum((f.pledged for f in self.funding), Decimal(0))

    @property
    def spent(self) -> Decimal:
        return sum((e.amount for e in self.expenditures), Decimal(0))


# --- Step 5 and 6 ----------------------------------------------------------------------------------

class Closure(Model):
    """AP verifies completion, sends the closure report with its recommendation; DC closes.

    Any subset can be given (a service merges it); the order is checked on the whole record."""
    verified_by_audit_programme_on: PastDate | None = None
    closure_report_on: PastDate | None = None
    recommend_close: bool | None = None
    closed_on: PastDate | None = None

    def order_error(self) -> str | None:
        if self.closure_report_on is not None and self.verified_by_audit_programme_on is None:
            return "closure_report_on: the audit programme verifies completion before its closure report"
        if self.closure_report_on is not None and self.recommend_close is None:
            return "recommend_close: the closure report says whether the audit programme recommends closing"
        if self.closed_on is not None and (self.closure_report_on is None or self.recommend_close is not True):
            return ("closed_on: the downstream company closes on the audit programme's closure report "
                    f"recommending closure ({cite('closure_report_recommendation')})")
        for later, earlier, what in (("closure_report_on", "verified_by_audit_programme_on", "the verification"),
                                     ("closed_on", "closure_report_on", "the closure report")):
            a, b = getattr(self, later), getattr(self, earlier)
            if a is not None and b is not None and a < b:
                return f"{later}: {a} is before {what} ({b})"
        return None


class Lessons(Model):
    """Step 6: the guideline's review items (lines 1443-1452) plus challenges, risks, tags."""
    reviewed_on: PastDate
    objectives_met: ReviewAnswer
    victims_satisfied: ReviewAnswer
    communities_benefited: ReviewAnswer
    budget_sufficient: ReviewAnswer
    challenges: Text = ""
    risks_and_mitigations: Text = ""
    monitoring_tools: Text = ""
    communication_channels: Text = ""
    recommendations: Text = ""
    tags: list[Tag] = []

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, v: list[str]) -> list[str]:
        return sorted(set(v))


# --- The whole record ---------------------------------------------------------------------------

class IncidentRecord(Model):
    incident: IncidentIn
    verification: Verification = Field(default_factory=Verification)
    assessments: list[AssessmentRecord] = []
    response: Response = Field(default_factory=Response)
    plans: list[Plan] = []
    closure: Closure = Field(default_factory=Closure)
    lessons: Lessons | None = None

    @model_validator(mode="after")
    def _closure_in_order(self) -> "IncidentRecord":
        if (error := self.closure.order_error()) is not None:
            raise ValueError(error)
        return self

    @model_validator(mode="after")
    def _one_plan_per_level(self) -> "IncidentRecord":
        levels = [p.level for p in self.plans]
        if len(levels) != len(set(levels)):
            raise ValueError("plans: at most one plan per level")
        return self

    @property
    def latest_assessment(self) -> AssessmentRecord | None:
        """The assessment in force: the one recorded last, whatever its date (a same-day re-assessment replaces
        the first; :mod:`remediation.domain.chronology` keeps recorded assessments in date order). The store keeps
        assessments in the order recorded (:func:`remediation.storage.records.load_records` orders by row id)."""
        return self.assessments[-1] if self.assessments else None

    def plan(self, level: int) -> Plan | None:
        return next((p for p in self.plans if p.level == level), None)


def field_of_error(message: str) -> str | None:
    """The field a model-level error names (``"field: reason"``), so a form can show it in place."""
    m = re.match(r"^(?:Value error, )?([a-z_]+): ", message)
    return m.group(1) if m else None
