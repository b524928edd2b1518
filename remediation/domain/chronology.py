"""Dates in the guideline's order: every dated fact of an incident, from receipt to lessons learned, must not
precede the facts it follows, and only due dates and targets may lie ahead.

The six steps are a sequence (DOMAIN.md; guideline lines 910-915 for Step 1, 968-982 for Step 2, 1094-1103 for
Step 3, 1353-1354 for implementation after funding, 1393-1396 for monitoring, 1424-1428 for closure, 1433-1436
for lessons). A record whose facts contradict that order cannot be defended: an auditor reads the step derived
from it as fact. :func:`violations` lists what is out of order in a record, each with both dates named::

    designed_on: The Level 1 plan's design date 2024-01-15 is before the smelter/refiner was notified on
    2024-02-04 (Step 2).

How the chain is stated: :data:`KINDS` names every dated fact (its form field, how it reads as the subject of
a sentence and as an event, its step); :data:`CHAIN` says, for each fact, which fact(s) it must not precede —
each entry a tuple of alternatives, nearest first (a record that lacks the nearest is compared with the next,
e.g. a substantiation recorded without the notice is compared with the actionability decision). Facts of a
plan are compared within their plan (and with the incident's facts); facts of one monitoring report within
that report. A plan-level fact an incident-level fact follows (the audit programme's verification after the
final reports) is compared with the latest of the plans'.

Pure Python: the services (:mod:`remediation.services.incidents`) refuse a change that adds a violation, the
import and the demo generator check it, and ``python -m remediation check-dates`` lists the records of a
database that break it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from remediation.domain.models import IncidentRecord


@dataclass(frozen=True)
class Kind:
    field: str  # the form / model field that holds the date
    noun: str  # the fact as the subject of a sentence; {plan} becomes "Level 1 plan"
    event: str  # the fact as an event ("… is before {event} on DATE")
    step: int
    future_allowed: bool = False  # due dates and targets may lie ahead


KINDS: dict[str, Kind] = {
    "incident_date": Kind("incident_date", "the incident date", "the incident took place", 1),
    "date_received": Kind("date_received", "the date the allegation was received", "the allegation was received", 1),
    "became_public": Kind("became_public_date", "the date the incident became public", "it became public", 1),
    "stopped_trading": Kind("stopped_trading_date", "the date trading stopped", "trading stopped", 1),
    "credibility": Kind("decided_on", "the credibility decision", "credibility was decided", 1),
    "actionability": Kind("decided_on", "the actionability decision", "actionability was decided", 1),
    "ap_notice": Kind("notified_on", "the audit programme's notification", "the audit programme was notified", 1),
    "substantiation": Kind("decided_on", "the audit programme's finding on substantiation",
                           "the audit programme decided on substantiation", 1),
    "assessment": Kind("assessed_on", "the level assessment", "the level of response was assessed", 2),
    "corrective_action": Kind("decided_on", "the corrective action", "the corrective action was decided", 2),
    "smelter_notice": Kind("notified_on", "the notification of the smelter/refiner",
                           "the smelter/refiner was notified", 2),
    "plan_designed": Kind("designed_on", "the {plan}'s design date", "the {plan} was designed", 3),
    "facilitator_submitted": Kind("submitted_by_facilitator_on", "the facilitator's submission of the {plan}",
                                  "the facilitator submitted the {plan}", 3),
    "smelter_submitted": Kind("submitted_by_smelter_on", "the smelter/refiner's submission of the {plan}",
                              "the smelter/refiner submitted the {plan}", 3),
    "plan_approved": Kind("approved_by_audit_programme_on", "the audit programme's approval of the {plan}",
                          "the audit programme approved the {plan}", 3),
    "referral": Kind("referral_date", "a case plan's referral date in the {plan}", "a referral was made", 3),
    "initiative_due": Kind("due_date", "an initiative's due date in the {plan}", "an initiative was due", 3,
                           future_allowed=True),
    "indicator_baseline": Kind("baseline_date", "an indicator's baseline date in the {plan}",
                               "the indicator's baseline was set", 3),
    "indicator_target": Kind("target_date", "an indicator's target date in the {plan}", "the indicator's target",
                             3, future_allowed=True),
    "funding_pledged": Kind("pledged_on", "a funding pledge to the {plan}", "funding was pledged", 4),
    "implementation_started": Kind("started_on", "the start of the {plan}'s implementation",
                                   "implementation of the {plan} started", 4),
    "expenditure": Kind("spent_on", "an expenditure of the {plan}", "money was spent", 4),
    "monitoring_start": Kind("period_start", "the start of a monitoring period of the {plan}",
                             "the monitoring period started", 4),
    "monitoring_end": Kind("period_end", "the end of a monitoring period of the {plan}",
                           "the monitoring period ended", 4),
    "monitoring_received": Kind("received_on", "the receipt of a monitoring report of the {plan}",
                                "the monitoring report was received", 4),
    "measurement": Kind("measured_on", "an indicator's measurement in the {plan}", "the indicator was measured", 4),
    "final_report": Kind("final_report_on", "the facilitator's final report on the {plan}",
                         "the facilitator's final report on the {plan} was received", 4),
    "financial_report": Kind("financial_report_on", "the financial report on the {plan}",
                             "the financial report on the {plan} was received", 5),
    "referral_confirmed": Kind("referral_confirmed_on", "the confirmed referral of the {plan}",
                               "the referral was confirmed", 5),
    "verification": Kind("verified_by_audit_programme_on", "the audit programme's verification",
                         "the audit programme verified completion", 5),
    "closure_report": Kind("closure_report_on", "the closure report", "the closure report was sent", 5),
    "closed": Kind("closed_on", "the closing of the incident", "the incident was closed", 5),
    "lessons": Kind("reviewed_on", "the lessons-learned review", "the lessons were reviewed", 6),
    # the company's own work (issue #13)
    "corrective_completed": Kind("completed_on", "the completion of the corrective action",
                                 "the corrective action was completed", 2),
    "corrective_verified": Kind("verified_on", "the verification of the corrective action",
                                "the corrective action was verified", 2),
    "milestone_due": Kind("due_on", "a corrective-action milestone's due date", "a milestone was due", 2,
                          future_allowed=True),
    "milestone_done": Kind("done_on", "a corrective-action milestone", "a milestone was done", 2),
    "do_no_harm_check": Kind("do_no_harm_checked_on", "a do-no-harm check", "the do-no-harm check was made", 2),
    "relationship_decision": Kind("decided_on", "a relationship decision", "the relationship was decided on", 2),
    "consultation": Kind("consulted_on", "a consultation on the {plan}", "a stakeholder was consulted", 3),
    "feedback": Kind("collected_on", "a feedback round on the {plan}", "feedback was collected", 4),
    "report_to_smelter": Kind("sent_to_smelter_on", "the facilitator's sending of a monitoring report of the {plan}",
                              "the facilitator sent the report to the smelter/refiner", 4),
    "report_to_audit_programme": Kind("sent_to_audit_programme_on",
                                      "the smelter/refiner's sending of a monitoring report of the {plan}",
                                      "the smelter/refiner sent the report to the audit programme", 4),
    "report_to_company": Kind("sent_to_company_on", "the audit programme's sending of a monitoring report of the "
                              "{plan}", "the audit programme sent the report to the company", 4),
    "action_due": Kind("due_on", "a lessons action's due date", "a lessons action was due", 6, future_allowed=True),
    "action_closed": Kind("closed_on", "the closing of a lessons action", "a lessons action was closed", 6),
}

CHAIN: dict[str, tuple[tuple[str, ...], ...]] = {
    "date_received": (("incident_date",),),
    "became_public": (("incident_date",),),
    "stopped_trading": (("incident_date",),),
    "credibility": (("date_received",),),
    "actionability": (("credibility", "date_received"),),
    "ap_notice": (("actionability", "credibility", "date_received"),),
    "substantiation": (("ap_notice", "actionability", "credibility", "date_received"),),
    # an assessment also follows the one recorded before it (see _ordered_assessments)
    "assessment": (("substantiation", "ap_notice", "date_received"),),
    "corrective_action": (("substantiation", "ap_notice", "date_received"),),
    "smelter_notice": (("first_assessment", "substantiation", "date_received"),),
    "plan_designed": (("smelter_notice", "first_assessment", "substantiation", "date_received"),),
    "facilitator_submitted": (("plan_designed",), ("consultation",)),
    "smelter_submitted": (("facilitator_submitted", "plan_designed"),),
    "plan_approved": (("smelter_submitted", "facilitator_submitted", "plan_designed"),),
    "referral": (("plan_designed",),),
    "initiative_due": (("plan_designed",),),
    "indicator_target": (("indicator_baseline",),),
    "funding_pledged": (("plan_designed",),),
    "implementation_started": (("plan_approved", "plan_designed"),),
    "expenditure": (("implementation_started", "plan_designed"),),
    "monitoring_start": (("implementation_started", "plan_designed"),),
    "monitoring_end": (("monitoring_start",),),
    "monitoring_received": (("monitoring_start",),),
    "measurement": (("indicator_baseline",),),
    "final_report": (("implementation_started", "plan_designed"),),
    "financial_report": (("implementation_started", "plan_designed"),),
    "referral_confirmed": (("plan_designed",),),
    "verification": (("final_report", "implementation_started"), ("financial_report",)),
    "closure_report": (("verification",),),
    "closed": (("closure_report",),),
    "lessons": (("substantiation", "date_received"),),
    "corrective_completed": (("corrective_action",),),
    "corrective_verified": (("corrective_completed",),),
    "milestone_due": (("corrective_action",),),
    "milestone_done": (("corrective_action",),),
    "do_no_harm_check": (("date_received",),),
    "relationship_decision": (("do_no_harm_check",), ("substantiation", "date_received")),
    "consultation": (("date_received",),),
    "feedback": (("implementation_started", "plan_designed"),),
    "report_to_smelter": (("monitoring_start",),),
    "report_to_audit_programme": (("report_to_smelter", "monitoring_start"),),
    "report_to_company": (("report_to_audit_programme", "report_to_smelter", "monitoring_start"),),
    "action_due": (("lessons",),),
    "action_closed": (("lessons",),),
}
"""Each dated fact → the facts it must not precede: a tuple per rule, alternatives nearest first."""

PAIRS: list[tuple[str, str]] = [(later, earlier) for later, rules in CHAIN.items() for alts in rules
                                for earlier in alts]
"""Every (later, earlier) pair the chain can compare: what the tests parametrize over."""


@dataclass(frozen=True)
class Fact:
    kind: str  # a key of KINDS, or "first_assessment"
    when: date
    scope: tuple = ()  # ("plan", 1), ("plan", 1, "monitoring", 0)…: where the fact lives in the record
    level: int | None = None  # the plan's level, for plan facts

    @property
    def spec(self) -> Kind:
        return KINDS["assessment" if self.kind == "first_assessment" else self.kind]

    def noun(self) -> str:
        text = self.spec.noun.format(plan=f"Level {self.level} plan")
        return text[:1].upper() + text[1:]

    def event(self) -> str:
        return self.spec.event.format(plan=f"Level {self.level} plan")


@dataclass(frozen=True)
class OutOfOrder:
    """One date out of the guideline's order: ``fact`` is before ``earlier`` (None: ``fact`` lies ahead)."""
    fact: Fact
    earlier: Fact | None
    today: date

    @property
    def field(self) -> str:
        return self.fact.spec.field

    @property
    def reason(self) -> str:
        f = self.fact
        if self.earlier is None:
            return (f"{f.noun()} {f.when.isoformat()} is after today ({self.today.isoformat()}): record only what "
                    "has happened; only due dates and targets may lie ahead.")
        e = self.earlier
        return f"{f.noun()} {f.when.isoformat()} is before {e.event()} on {e.when.isoformat()} (Step {e.spec.step})."

    @property
    def message(self) -> str:
        """``"field: reason"``: a form shows it under the field (:func:`remediation.domain.models.field_of_error`)."""
        return f"{self.field}: {self.reason}"

    @property
    def key(self) -> tuple:
        return (self.fact.kind, self.fact.scope, self.fact.when, self.earlier.kind if self.earlier else None,
                self.earlier.when if self.earlier else None)


def facts(record: IncidentRecord) -> list[Fact]:
    """Every dated fact of ``record``."""
    out: list[Fact] = []

    def add(kind: str, when: date | None, scope: tuple = (), level: int | None = None) -> None:
        if when is not None:
            out.append(Fact(kind, when, scope, level))

    inc, v, r, c = record.incident, record.verification, record.response, record.closure
    add("incident_date", inc.incident_date)
    add("date_received", inc.date_received)
    add("became_public", inc.became_public_date)
    add("stopped_trading", inc.stopped_trading_date)
    add("credibility", v.credibility.decided_on if v.credibility else None)
    add("actionability", v.actionability.decided_on if v.actionability else None)
    add("ap_notice", v.notice.notified_on if v.notice else None)
    add("substantiation", v.substantiation.decided_on if v.substantiation else None)
    for i, a in enumerate(record.assessments):
        add("assessment", a.assessed_on, ("assessment", i))
    if record.assessments:
        add("first_assessment", record.assessments[0].assessed_on)
    add("corrective_action", r.corrective_action.decided_on if r.corrective_action else None)
    if r.corrective_action:
        add("corrective_completed", r.corrective_action.completed_on)
        add("corrective_verified", r.corrective_action.verified_on)
        for i, ms in enumerate(r.corrective_action.milestones):
            add("milestone_due", ms.due_on, ("milestone", i))
            add("milestone_done", ms.done_on, ("milestone", i))
    for i, d in enumerate(r.relationship_decisions):
        add("do_no_harm_check", d.do_no_harm_checked_on, ("decision", i))
        add("relationship_decision", d.decided_on, ("decision", i))
    add("smelter_notice", r.smelter_notice.notified_on if r.smelter_notice else None)
    for p in record.plans:
        s, lv = ("plan", p.level), p.level
        add("plan_designed", p.designed_on, s, lv)
        for i, cons in enumerate(p.consultations):
            add("consultation", cons.consulted_on, (*s, "consultation", i), lv)
        for i, fb in enumerate(p.feedback):
            add("feedback", fb.collected_on, (*s, "feedback", i), lv)
        add("facilitator_submitted", p.approval.submitted_by_facilitator_on, s, lv)
        add("smelter_submitted", p.approval.submitted_by_smelter_on, s, lv)
        add("plan_approved", p.approval.approved_by_audit_programme_on, s, lv)
        for i, case in enumerate(p.case_plans):
            add("referral", case.referral_date, (*s, "case", i), lv)
        for i, initiative in enumerate(p.initiatives):
            add("initiative_due", initiative.due_date, (*s, "initiative", i), lv)
            for j, ind in enumerate(initiative.indicators):
                si = (*s, "initiative", i, "indicator", j)
                add("indicator_baseline", ind.baseline_date, si, lv)
                add("indicator_target", ind.target_date, si, lv)
                for k, m in enumerate(ind.measurements):
                    add("measurement", m.measured_on, (*si, "measurement", k), lv)
        for i, f in enumerate(p.funding):
            add("funding_pledged", f.pledged_on, (*s, "funding", i), lv)
        add("implementation_started", p.implementation_started_on, s, lv)
        for i, e in enumerate(p.expenditures):
            add("expenditure", e.spent_on, (*s, "expenditure", i), lv)
        for i, m in enumerate(p.monitoring_reports):
            sm = (*s, "monitoring", i)
            add("monitoring_start", m.period_start, sm, lv)
            add("monitoring_end", m.period_end, sm, lv)
            add("monitoring_received", m.received_on, sm, lv)
            add("report_to_smelter", m.sent_to_smelter_on, sm, lv)
            add("report_to_audit_programme", m.sent_to_audit_programme_on, sm, lv)
            add("report_to_company", m.sent_to_company_on, sm, lv)
        add("final_report", p.closure.final_report_on, s, lv)
        add("financial_report", p.closure.financial_report_on, s, lv)
        add("referral_confirmed", p.closure.referral_confirmed_on, s, lv)
    add("verification", c.verified_by_audit_programme_on)
    add("closure_report", c.closure_report_on)
    add("closed", c.closed_on)
    add("lessons", record.lessons.reviewed_on if record.lessons else None)
    for i, action in enumerate(record.lessons.actions if record.lessons else ()):
        add("action_due", action.due_on, ("action", i))
        add("action_closed", action.closed_on, ("action", i))
    return out


def _related(a: tuple, b: tuple) -> bool:
    """One scope contains the other: a plan's fact and the incident's, a report's and its plan's."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def check_facts(all_facts: list[Fact], today: date | None = None) -> list[OutOfOrder]:
    """What is out of order among ``all_facts``: each fact against the latest of the nearest facts it follows
    (within related scopes), consecutive assessments in the order recorded, and every fact against today."""
    today = today or date.today()
    out: list[OutOfOrder] = []
    by_kind: dict[str, list[Fact]] = {}
    for f in all_facts:
        by_kind.setdefault(f.kind, []).append(f)
    for f in all_facts:
        if f.kind == "first_assessment":
            continue
        if not f.spec.future_allowed and f.when > today:
            out.append(OutOfOrder(f, None, today))
        for alternatives in CHAIN.get(f.kind, ()):
            for kind in alternatives:
                candidates = [e for e in by_kind.get(kind, []) if _related(e.scope, f.scope)]
                if candidates:
                    latest = max(candidates, key=lambda e: e.when)
                    if f.when < latest.when:
                        out.append(OutOfOrder(f, latest, today))
                    break
    assessments = sorted(by_kind.get("assessment", []), key=lambda f: f.scope)
    for previous, current in pairwise(assessments):
        if current.when < previous.when:
            out.append(OutOfOrder(current, previous, today))
    return out


def violations(record: IncidentRecord, today: date | None = None) -> list[OutOfOrder]:
    """The dates of ``record`` out of the guideline's order (empty: all in order)."""
    return check_facts(facts(record), today)


def new_violations(before: IncidentRecord | None, after: IncidentRecord, today: date | None = None
                   ) -> list[OutOfOrder]:
    """The violations of ``after`` that ``before`` did not have: what a change would add. (A record stored
    before the rule existed may already break it; a change that adds nothing out of order is still allowed,
    and ``check-dates`` lists what is there.)"""
    known = {v.key for v in violations(before, today)} if before is not None else set()
    return [v for v in violations(after, today) if v.key not in known]
