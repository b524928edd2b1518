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
    CLOSED_ACTION_STATUSES,
    CURRENCIES,
    ENDING_DECISIONS,
    RELATIONSHIP_DECISIONS,
    RELATIONSHIP_PARTIES,
    REMEDY_TYPES,
    VIOLATION_TYPES,
    ActionStatus,
    AgeGroup,
    AssistanceType,
    AuditProgramme,
    CorrectiveStatus,
    FacilitatorType,
    FeedbackFrom,
    FundingSource,
    IndicatorKind,
    InitiativeKind,
    Involvement,
    Mineral,
    QualitativeStatus,
    RelationshipDecisionKind,
    RelationshipParty,
    RemedyType,
    Requirement,
    ReviewAnswer,
    Scenario,
    ShortfallReason,
    Stakeholder,
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


def chain_order_error(chain: list[tuple[str, str, date | None]]) -> str | None:
    """The first link of a chain of (field, what happened, date) recorded without the one before it, or dated before
    it: ``"field: …"``, or None when the chain is in order."""
    for (name, what, value), (_, prev_what, prev) in zip(chain[1:], chain[:-1]):
        if value is not None and prev is None:
            return f"{name}: {prev_what} must be recorded before {what}"
        if value is not None and prev is not None and value < prev:
            return f"{name}: {what} ({value}) is before {prev_what} ({prev})"
    return None


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
    involvement: Involvement | None = Field(
        default=None, description="How the company relates to the harm: caused it, contributed to it, or is directly "
                                  "linked to it through a business relationship (" + cite("company_role_in_harm") + "). Empty: "
                                  "not yet determined.")

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


class InvolvementDecision(Model):
    """The company's involvement in the harm (guideline lines 346-376)."""
    involvement: Involvement


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


class Milestone(Model):
    """A dated milestone of the corrective action: due (may lie ahead), and done once it is."""
    title: Name
    due_on: date
    done_on: PastDate | None = None


class CorrectiveAction(Model):
    """Enhanced due diligence / corrective action under the AP's incident response process (guideline lines
    988-996), with its progress: planned, in progress, completed, verified, and dated milestones."""
    description: Description
    relationship_terminated: bool = False
    decided_on: PastDate
    status: CorrectiveStatus = "planned"
    completed_on: PastDate | None = Field(default=None, description="Completed (status completed or verified).")
    verified_on: PastDate | None = Field(default=None, description="Verified by the audit programme (status "
                                                                  "verified).")
    milestones: list[Milestone] = []

    @model_validator(mode="after")
    def _status_dates(self) -> CorrectiveAction:
        done = self.status in ("completed", "verified")
        if done and self.completed_on is None:
            raise ValueError(f"completed_on: a {self.status} corrective action records the date it was completed")
        if not done and self.completed_on is not None:
            raise ValueError(f"completed_on: a corrective action that is {self.status.replace('_', ' ')} has no "
                             "completion date; set the status to completed")
        if self.status == "verified" and self.verified_on is None:
            raise ValueError("verified_on: a verified corrective action records the date it was verified")
        if self.status != "verified" and self.verified_on is not None:
            raise ValueError("verified_on: only a verified corrective action has a verification date")
        if self.verified_on is not None and self.completed_on is not None and self.verified_on < self.completed_on:
            raise ValueError(f"verified_on: the verification ({self.verified_on}) is before the completion "
                             f"({self.completed_on})")
        if done and (open_ := [m.title for m in self.milestones if m.done_on is None]):
            raise ValueError(f"status: a {self.status} corrective action has every milestone done; still open: "
                             + ", ".join(open_))
        return self


class CorrectiveProgress(Model):
    """A change of the corrective action's status, with the dates it needs."""
    status: CorrectiveStatus
    completed_on: PastDate | None = None
    verified_on: PastDate | None = None


class MilestoneDone(Model):
    """A milestone of the corrective action done."""
    done_on: PastDate


class RelationshipDecision(Model):
    """A decision on a business relationship: the mine operator's (continue, suspend, terminate; guideline lines
    994-996) or the company's own on the smelter/refiner (continue, suspend, disengage). Ending a relationship
    can harm the victims and communities, so a do-no-harm check comes first (lines 644-647)."""
    party: RelationshipParty
    decision: RelationshipDecisionKind
    decided_on: PastDate
    reasons: Description
    do_no_harm_checked_on: PastDate | None = Field(
        default=None, description="Ending the relationship: the date the do-no-harm check was made (on or before "
                                  "the decision).")
    do_no_harm_findings: Text = Field(
        default="", description="Ending the relationship: what the do-no-harm check found about the effect on "
                                "victims, workers and communities, and how it is mitigated.")

    @model_validator(mode="after")
    def _decision_of_party(self) -> RelationshipDecision:
        allowed = RELATIONSHIP_DECISIONS[self.party]
        if self.decision not in allowed:
            raise ValueError(f"decision: the {RELATIONSHIP_PARTIES[self.party].lower()} decision is one of "
                             + ", ".join(v.lower() for v in allowed.values()))
        if self.decision in ENDING_DECISIONS:
            if self.do_no_harm_checked_on is None:
                raise ValueError(f"do_no_harm_checked_on: check first that ending the relationship does no harm to "
                                 f"the victims and communities ({cite('do_no_harm')}); record when")
            if len(self.do_no_harm_findings) < 3:
                raise ValueError("do_no_harm_findings: say what the do-no-harm check found")
            if self.decided_on < self.do_no_harm_checked_on:
                raise ValueError(f"decided_on: the decision ({self.decided_on}) is before the do-no-harm check "
                                 f"({self.do_no_harm_checked_on}); check first")
        return self


class SmelterNotice(Model):
    """AP notifies the smelter/refiner for follow-up remediation action."""
    notified_on: PastDate


class Response(Model):
    corrective_action: CorrectiveAction | None = None
    smelter_notice: SmelterNotice | None = None
    relationship_decisions: list[RelationshipDecision] = []  # in the order decided; the latest per party stands

    def decision(self, party: str) -> RelationshipDecision | None:
        """The decision standing for ``party``: the one recorded last."""
        return next((d for d in reversed(self.relationship_decisions) if d.party == party), None)


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
    informed_consent: bool | None = Field(
        default=None, description=f"Did the victim give informed consent to the plan? ({cite('informed_consent')})")
    wishes_shaped_plan: bool | None = Field(
        default=None, description="Was the plan designed in accordance with the victim's wishes? "
                                  f"({cite('victim_wishes')})")
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


class CaseVoice(Model):
    """The victim's voice in a case plan already recorded: informed consent (guideline line 676) and whether the
    plan follows the victim's wishes (lines 1164-1168)."""
    informed_consent: bool
    wishes_shaped_plan: bool


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
    sent_to_smelter_on: PastDate | None = Field(default=None, description="The facilitator sent it to the "
                                                                          "smelter/refiner on.")
    sent_to_audit_programme_on: PastDate | None = Field(default=None, description="The smelter/refiner sent it to "
                                                                                  "the audit programme on.")
    sent_to_company_on: PastDate | None = Field(default=None, description="The audit programme sent it to the "
                                                                          "downstream company on.")

    @model_validator(mode="after")
    def _ordered(self) -> "MonitoringReport":
        not_before(self.period_end, self.period_start, "period_end", "period_start")
        not_before(self.received_on, self.period_start, "received_on", "the start of the period")
        if (error := ReportForwarding.model_construct(**self.model_dump(include=set(ReportForwarding.model_fields))
                                                      ).order_error()) is not None:
            raise ValueError(error)
        return self


class ReportForwarding(Model):
    """Who passed a monitoring report on to whom, and when: facilitator → smelter/refiner → audit programme →
    downstream company (guideline lines 894-895, 883-884, 874-876). Any subset can be given (a service merges
    it into what was recorded)."""
    sent_to_smelter_on: PastDate | None = None
    sent_to_audit_programme_on: PastDate | None = None
    sent_to_company_on: PastDate | None = None

    def order_error(self) -> str | None:
        chain = [("sent_to_smelter_on", "the facilitator's sending to the smelter/refiner", self.sent_to_smelter_on),
                 ("sent_to_audit_programme_on", "the smelter/refiner's sending to the audit programme",
                  self.sent_to_audit_programme_on),
                 ("sent_to_company_on", "the audit programme's sending to the downstream company",
                  self.sent_to_company_on)]
        return chain_order_error(chain)


class Consultation(Model):
    """A stakeholder consulted in the plan's design (guideline lines 1107-1111, 1290-1294)."""
    stakeholder: Stakeholder
    consulted_on: PastDate
    notes: Text = Field(default="", description=NO_NAMES_REMINDER)


class FeedbackRound(Model):
    """Aggregate feedback from victims or beneficiaries, collected once (guideline lines 1373-1375): counts only,
    never who said what."""
    collected_on: PastDate
    source: FeedbackFrom
    respondents: int = Field(ge=1, le=1_000_000)
    satisfied: int = Field(ge=0, le=1_000_000, description="How many of the respondents were satisfied.")
    summary: Text = Field(default="", description=NO_NAMES_REMINDER)

    @model_validator(mode="after")
    def _within(self) -> FeedbackRound:
        if self.satisfied > self.respondents:
            raise ValueError(f"satisfied: {self.satisfied} satisfied is more than the {self.respondents} respondents")
        return self


class RemedyTypes(Model):
    """The types of remedy a plan provides (guideline lines 446-476)."""
    remedy_types: Annotated[list[RemedyType], Field(min_length=1)]

    @field_validator("remedy_types")
    @classmethod
    def _canonical(cls, v: list[str]) -> list[str]:
        return in_vocab_order(v, REMEDY_TYPES)


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
        return chain_order_error(chain)


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
    remedy_types: list[RemedyType] = []
    consultations: list[Consultation] = []
    feedback: list[FeedbackRound] = []
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


class LessonAction(Model):
    """An action a lessons review raises, so that lessons feed back into due diligence and management systems
    (guideline lines 1454-1459)."""
    title: Name
    owner: Name = Field(description="Who in the company owns the action (a role or team, not a victim).")
    due_on: date
    status: ActionStatus = "open"
    closed_on: PastDate | None = Field(default=None, description="Done or dropped on.")
    policy_version: int | None = Field(default=None, ge=1, description="The policy version it led to, if any.")
    due_diligence_change: Text = Field(default="", description="The due-diligence change it led to, if any.")

    @model_validator(mode="after")
    def _closed_has_date(self) -> LessonAction:
        closed = self.status in CLOSED_ACTION_STATUSES
        if closed and self.closed_on is None:
            raise ValueError(f"closed_on: an action {self.status} records the date")
        if not closed and self.closed_on is not None:
            raise ValueError("closed_on: only a done or dropped action has a closing date")
        return self

    def overdue(self, today: date) -> bool:
        return self.status not in CLOSED_ACTION_STATUSES and self.due_on < today


class ActionUpdate(Model):
    """A change of an action's status (and what it led to)."""
    status: ActionStatus
    closed_on: PastDate | None = None
    policy_version: int | None = Field(default=None, ge=1)
    due_diligence_change: Text = ""


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
    actions: list[LessonAction] = []

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
