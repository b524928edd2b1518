"""Follow-ups: the company chasing the party that owes what an incident waits for, and how hard it pushed.

The workflow (:mod:`remediation.domain.workflow`) says what each incident waits for and which party owes it. The
guideline asks the downstream company to use its leverage over the audit programme and the smelter/refiner so that
remediation takes place (:func:`cite` ``dc_leverage``; ``downstream_linkage_leverage``). A follow-up records one
such push: when, to whom, by which channel, what was asked, by when an answer is due, how hard (the escalation
level), and the answer when it comes.

The escalation levels, from the guideline's leverage section, in increasing order of pressure: a reminder; a
senior-contact escalation; a leverage action (raised in a business review, a request to the audit programme to
escalate, orders suspended, disengagement considered); disengagement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from remediation.domain.citations import cite
from remediation.domain.models import Model, Name, PastDate, Text
from remediation.domain.vocab import ROLES

ESCALATION_LEVELS: dict[str, str] = {
    "reminder": "Reminder",
    "senior_contact": "Senior-contact escalation",
    "leverage_business_review": "Leverage action: raised in a business review",
    "leverage_audit_programme": "Leverage action: request to the audit programme to escalate",
    "leverage_suspended_orders": "Leverage action: orders suspended",
    "leverage_disengagement_considered": "Leverage action: disengagement considered",
    "disengagement": "Disengagement",
}
"""How hard the company pushed, weakest first (:func:`cite` ``leverage_practical_steps``, ``dc_leverage``)."""

EscalationLevel = Literal[
    "reminder", "senior_contact", "leverage_business_review", "leverage_audit_programme",
    "leverage_suspended_orders", "leverage_disengagement_considered", "disengagement",
]

ESCALATION_TIERS: dict[str, str] = {
    "reminder": "Reminder", "senior_contact": "Senior contact", "leverage": "Leverage action",
    "disengagement": "Disengagement",
}
"""The four tiers the board sees: every leverage action counts as one tier."""


def tier(level: str) -> str:
    """The tier of an escalation level: ``leverage_business_review`` → ``leverage``."""
    return "leverage" if level.startswith("leverage_") else level


def rank(level: str) -> int:
    """0 for a reminder up to 3 for disengagement: how hard, for comparing pushes."""
    return list(ESCALATION_TIERS).index(tier(level))


CHANNELS: dict[str, str] = {
    "email": "E-mail", "phone": "Phone call", "meeting": "Meeting", "letter": "Letter",
    "business_review": "Business review", "platform": "Audit programme's platform or portal",
}
Channel = Literal["email", "phone", "meeting", "letter", "business_review", "platform"]

CHASED_PARTIES: dict[str, str] = {k: v for k, v in ROLES.items() if k != "downstream_company"}
"""Whom the company chases: every party but itself (what the company owes, it does)."""
ChasedParty = Literal["audit_programme", "smelter_refiner", "remediation_facilitator", "victim_service_coordinator"]

DUE_SOON_DAYS = 7
"""A follow-up whose answer is due within this many days is 'due' in the digest."""

GUIDELINE_BASIS = (f"The downstream company uses its leverage over the audit programme and the smelter/refiner to "
                   f"ensure that remediation takes place ({cite('dc_leverage')}; {cite('leverage_practical_steps')}).")


class FollowUpIn(Model):
    """One chase of the party that owes an item an incident waits for."""

    item: Name = Field(description="What the incident waits for, as the workflow states it.")
    party: ChasedParty = Field(description="The party chased: the one that owes the item.")
    asked_on: PastDate = Field(description="When the company chased.")
    channel: Channel
    escalation: EscalationLevel = "reminder"
    asked: Text = Field(default="", description="What was asked, in a sentence. No victims' names.")
    due_on: date | None = Field(default=None, description="When the answer is due; may be in the future.")
    answered_on: PastDate | None = None
    answer: Text = ""

    @model_validator(mode="after")
    def _dates_in_order(self) -> FollowUpIn:
        if self.due_on is not None and self.due_on < self.asked_on:
            raise ValueError(f"due_on: the response due date ({self.due_on}) is before the chase "
                             f"({self.asked_on})")
        check_answer(self.asked_on, self.answered_on, self.answer)
        return self


class FollowUpAnswer(Model):
    """The party's answer to a follow-up."""

    answered_on: PastDate
    answer: Text = Field(min_length=1)


def check_answer(asked_on: date, answered_on: date | None, answer: str) -> None:
    """An answer needs its date and a date its answer; neither before the chase. Messages name the field."""
    if answered_on is not None and answered_on < asked_on:
        raise ValueError(f"answered_on: the answer ({answered_on}) is dated before the chase ({asked_on})")
    if answered_on is not None and not answer.strip():
        raise ValueError("answer: say what the answer was (the date alone says nothing)")
    if answer.strip() and answered_on is None:
        raise ValueError("answered_on: give the date of the answer")


def check_against_incident(followup: FollowUpIn, date_received: date, code: str) -> None:
    """A chase cannot predate the allegation it is about. Raises ``ValueError`` naming the field."""
    if followup.asked_on < date_received:
        raise ValueError(f"asked_on: the chase ({followup.asked_on}) is before {code} was received "
                         f"({date_received})")


@dataclass(frozen=True)
class Pushing:
    """How much an open item has been chased: for "owed by X for N days, chased M times, last: reminder"."""

    party: str
    since: date
    chases: int = 0
    last_level: str | None = None
    last_chased_on: date | None = None
    next_due_on: date | None = None

    def days(self, today: date) -> int:
        return (today - self.since).days

    def overdue(self, today: date) -> bool:
        return self.next_due_on is not None and self.next_due_on < today

    def sentence(self, today: date) -> str:
        party = ROLES.get(self.party, self.party)
        n = self.days(today)
        text = f"owed by {party} for {n} day{'s' if n != 1 else ''}"
        if not self.chases:
            return text + ", not chased yet"
        times = f"{self.chases} time{'s' if self.chases != 1 else ''}"
        return f"{text}, chased {times}, last: {ESCALATION_LEVELS[self.last_level].lower()}"
