"""The company's own work on an incident (issue #13, items 3-7), through the same path as every step
(:func:`remediation.services.incidents._change`): the actor's role checked, the incident's version compared, the
whole record validated again, the dates kept in the guideline's order, one audit entry per change.

- corrective action with a status and dated milestones (guideline lines 988-996), and the decisions on the
  relationships: the mine operator's (continue / suspend / terminate, lines 994-996) and the company's own on the
  smelter/refiner (continue / suspend / disengage), ending one only after a do-no-harm check (lines 644-647);
- the reporting chain of each monitoring report: facilitator → smelter/refiner → audit programme → company
  (lines 894-895, 883-884, 874-876);
- per plan, the stakeholders consulted in its design (lines 1107-1111, 1290-1294), aggregate feedback of victims
  and beneficiaries (lines 1373-1375), the remedy types it provides (lines 446-476); per case plan, informed
  consent and whether the victim's wishes shaped it (lines 676, 1164-1168);
- the company's involvement in the harm: caused, contributed, directly linked (lines 346-376);
- the action items a lessons review raises (lines 1454-1459).
"""

from __future__ import annotations

from sqlalchemy import Engine

from remediation.domain.citations import cite
from remediation.domain.models import (
    ActionUpdate,
    CaseVoice,
    Consultation,
    CorrectiveAction,
    CorrectiveProgress,
    FeedbackRound,
    IncidentRecord,
    InvolvementDecision,
    LessonAction,
    Milestone,
    MilestoneDone,
    RelationshipDecision,
    RemedyTypes,
    ReportForwarding,
)
from remediation.domain.vocab import INVOLVEMENTS
from remediation.domain.workflow import WorkflowState
from remediation.services.base import LOCAL_USER, Actor
from remediation.services.incidents import _change, _plan, _require

__all__ = [
    "add_consultation", "add_feedback", "add_lesson_action", "add_milestone", "complete_milestone",
    "record_case_voice", "record_involvement", "record_relationship_decision", "record_remedy_types",
    "record_report_forwarding", "update_corrective_action", "update_lesson_action",
]


# --- involvement (guideline lines 346-376) ----------------------------------------------------------------

def record_involvement(engine: Engine, code: str, decision: InvolvementDecision, actor: Actor = LOCAL_USER,
                       **kw) -> WorkflowState:
    """How the company relates to the harm: what it must remediate itself and what it presses others to."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _require(rec.incident.involvement != decision.involvement,
                 f"involvement: already recorded as {INVOLVEMENTS[decision.involvement].lower()}.")
        rec.incident.involvement = decision.involvement
    return _change(engine, code, actor, "recorded the company's involvement", mutate, min_step=1, **kw)


# --- corrective action (guideline lines 988-996) ----------------------------------------------------------

def _corrective(rec: IncidentRecord) -> CorrectiveAction:
    ca = rec.response.corrective_action
    _require(ca is not None, "Record the corrective action first: its status and milestones follow it.")
    return ca


def update_corrective_action(engine: Engine, code: str, progress: CorrectiveProgress, actor: Actor = LOCAL_USER,
                             **kw) -> WorkflowState:
    """Move the corrective action to ``progress.status``; the model checks the dates each status needs."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        ca = _corrective(rec)
        _require(progress.status != ca.status or progress.completed_on != ca.completed_on
                 or progress.verified_on != ca.verified_on,
                 f"status: the corrective action is already {progress.status.replace('_', ' ')}.")
        rec.response.corrective_action = CorrectiveAction.model_validate(
            ca.model_dump() | progress.model_dump())
    return _change(engine, code, actor, "updated the corrective action's status", mutate, min_step=2, **kw)


def add_milestone(engine: Engine, code: str, milestone: Milestone, actor: Actor = LOCAL_USER,
                  **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        ca = _corrective(rec)
        _require(ca.status not in ("completed", "verified"),
                 f"title: the corrective action is {ca.status}; it takes no new milestones.")
        ca.milestones.append(milestone)
    return _change(engine, code, actor, "added a corrective-action milestone", mutate, min_step=2, **kw)


def complete_milestone(engine: Engine, code: str, index: int, done: MilestoneDone, actor: Actor = LOCAL_USER,
                       **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        ca = _corrective(rec)
        _require(0 <= index < len(ca.milestones), "No such milestone of the corrective action.")
        _require(ca.milestones[index].done_on is None,
                 f"done_on: {ca.milestones[index].title!r} was done on {ca.milestones[index].done_on}.")
        ca.milestones[index].done_on = done.done_on
    return _change(engine, code, actor, "completed a corrective-action milestone", mutate, min_step=2, **kw)


def record_relationship_decision(engine: Engine, code: str, decision: RelationshipDecision,
                                 actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    """Continue, suspend or end a relationship (the mine operator's, or the company's own with the smelter/refiner).
    The model refuses an ending without a do-no-harm check; here, a decision dated before the one it follows."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        before = rec.response.decision(decision.party)
        if before is not None:
            _require(decision.decided_on >= before.decided_on,
                     f"decided_on: {decision.decided_on} is before the decision it replaces ({before.decision} on "
                     f"{before.decided_on}).")
            _require(before.decision not in ("terminate", "disengage") or decision.decision != before.decision,
                     f"decision: the relationship already ended ({before.decision} on {before.decided_on}).")
        rec.response.relationship_decisions.append(decision)
    party = "mine operator" if decision.party == "mine_operator" else "smelter/refiner"
    return _change(engine, code, actor, f"decided on the relationship with the {party}: {decision.decision}",
                   mutate, min_step=2, **kw)


# --- the reporting chain (guideline lines 874-876, 883-884, 894-895) -----------------------------------------

def record_report_forwarding(engine: Engine, code: str, level: int, report_index: int, hops: ReportForwarding,
                             actor: Actor = LOCAL_USER, **kw) -> WorkflowState:
    """Record who passed a monitoring report on to whom and when; dates left empty keep what was recorded."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        plan = _plan(rec, level)
        _require(0 <= report_index < len(plan.monitoring_reports), f"No such monitoring report of the Level {level} "
                                                                   "plan.")
        report = plan.monitoring_reports[report_index]
        merged = ReportForwarding(**(report.model_dump(include=set(ReportForwarding.model_fields))
                                     | hops.model_dump(exclude_none=True)))
        _require((error := merged.order_error()) is None, f"{error}.")
        for field, value in merged.model_dump().items():
            setattr(report, field, value)
    return _change(engine, code, actor, f"recorded the reporting chain of a Level {level} monitoring report", mutate,
                   min_step=4, **kw)


# --- engagement and victims' voice, remedy (guideline lines 1107-1111, 1290-1294, 1373-1375, 446-476) ----------

def add_consultation(engine: Engine, code: str, level: int, consultation: Consultation, actor: Actor = LOCAL_USER,
                     **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _plan(rec, level).consultations.append(consultation)
    return _change(engine, code, actor, f"recorded a consultation on the Level {level} plan", mutate, min_step=3,
                   **kw)


def add_feedback(engine: Engine, code: str, level: int, feedback: FeedbackRound, actor: Actor = LOCAL_USER,
                 **kw) -> WorkflowState:
    """Aggregate feedback once implementation has started: counts of respondents and of the satisfied only."""
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        plan = _plan(rec, level)
        _require(plan.implementation_started_on is not None,
                 f"collected_on: feedback on the Level {level} plan is collected once its implementation has started.")
        plan.feedback.append(feedback)
        plan.feedback.sort(key=lambda f: f.collected_on)
    return _change(engine, code, actor, f"recorded feedback on the Level {level} plan", mutate, min_step=4, **kw)


def record_remedy_types(engine: Engine, code: str, level: int, remedy: RemedyTypes, actor: Actor = LOCAL_USER,
                        **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _plan(rec, level).remedy_types = list(remedy.remedy_types)
    return _change(engine, code, actor, f"recorded the Level {level} plan's remedy types", mutate, min_step=3, **kw)


def record_case_voice(engine: Engine, code: str, victim_code: str, voice: CaseVoice, actor: Actor = LOCAL_USER,
                      **kw) -> WorkflowState:
    """Informed consent and whether the victim's wishes shaped the case plan, for a plan already recorded."""
    wanted = victim_code.strip().upper()

    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        case = next((c for c in _plan(rec, 1).case_plans if c.victim_code == wanted), None)
        _require(case is not None, f"victim_code: no case plan for {wanted} in the Level 1 plan.")
        case.informed_consent, case.wishes_shaped_plan = voice.informed_consent, voice.wishes_shaped_plan
    return _change(engine, code, actor, "recorded informed consent and the victim's wishes", mutate, min_step=3, **kw)


# --- lessons into action (guideline lines 1454-1459) ------------------------------------------------------------

def add_lesson_action(engine: Engine, code: str, action: LessonAction, actor: Actor = LOCAL_USER,
                      **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _require(rec.lessons is not None, "Record the lessons-learned review first: its actions follow from it "
                                          f"({cite('lessons_into_due_diligence')}).")
        _require(action.title.casefold() not in {a.title.casefold() for a in rec.lessons.actions},
                 f"title: an action {action.title!r} is already recorded.")
        rec.lessons.actions.append(action)
    return _change(engine, code, actor, "raised a lessons action", mutate, min_step=3, allow_closed=True, **kw)


def update_lesson_action(engine: Engine, code: str, index: int, update: ActionUpdate, actor: Actor = LOCAL_USER,
                         **kw) -> WorkflowState:
    def mutate(rec: IncidentRecord, state: WorkflowState) -> None:
        _require(rec.lessons is not None and 0 <= index < len(rec.lessons.actions), "No such lessons action.")
        current = rec.lessons.actions[index]
        led_to = update.model_dump(include={"policy_version", "due_diligence_change"}, exclude_defaults=True)
        rec.lessons.actions[index] = LessonAction.model_validate(
            current.model_dump() | {"status": update.status, "closed_on": update.closed_on} | led_to)
    return _change(engine, code, actor, "updated a lessons action", mutate, min_step=3, allow_closed=True, **kw)


