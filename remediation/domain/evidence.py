"""Which evidence documents a fact needs before the next step can be recorded.

Every report the guideline names is a fact with a date; the document behind it is evidence an auditor can
check. A company setting (:attr:`remediation.domain.settings.Settings.documents_required`) lists the kinds of
document that must be attached before the step that follows them is recorded. :data:`NEXT_STEP` says which
step follows each kind; :func:`missing_documents` compares the record before and after a change and names
what is missing for each step the change records for the first time.

Reports respect victims' privacy (:func:`~remediation.domain.citations.cite` ``evidence_respects_privacy``),
so a document is attached, never quoted: this module knows kinds and levels, never content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from remediation.domain.models import IncidentRecord
from remediation.domain.vocab import EVIDENCE_KINDS, PLAN_EVIDENCE_KINDS

__all__ = ["DEFAULT_DOCUMENTS_REQUIRED", "FROM_STEP", "NEXT_STEP", "Missing", "documents_flag", "fact_label", "lacking",
           "missing_documents", "still_needed"]


@dataclass(frozen=True)
class _Next:
    """The step that follows a kind of document: its words, and whether a record has it (per plan level for
    the kinds that belong to a plan)."""
    words: str
    recorded: Callable[[IncidentRecord, int | None], bool]
    per_plan: bool = False


def _plan_has(test: Callable) -> Callable[[IncidentRecord, int | None], bool]:
    def recorded(rec: IncidentRecord, level: int | None) -> bool:
        plan = rec.plan(level) if level is not None else None
        return plan is not None and test(plan)
    return recorded


def _plan_step(words: str, test: Callable) -> _Next:
    return _Next(words, _plan_has(test), per_plan=True)


_verified = _Next("the audit programme's verification of completion",
                  lambda rec, _: rec.closure.verified_by_audit_programme_on is not None)

NEXT_STEP: dict[str, _Next] = {
    "investigation_report": _Next("the level assessment", lambda rec, _: bool(rec.assessments)),
    "level_assessment": _Next("opening a remediation action plan", lambda rec, _: bool(rec.plans)),
    "corrective_action": _Next("opening a remediation action plan", lambda rec, _: bool(rec.plans)),
    "plan": _plan_step("the audit programme's approval of the plan",
                       lambda p: p.approval.approved_by_audit_programme_on is not None),
    "plan_approval": _plan_step("the start of implementation", lambda p: p.implementation_started_on is not None),
    "monitoring_report": _plan_step("the facilitator's final report", lambda p: p.closure.final_report_on is not None),
    "final_report": _verified,
    "financial_report": _verified,
    "closure_report": _Next("closing the incident", lambda rec, _: rec.closure.closed_on is not None),
}
"""The step each kind of document comes before. Kinds not listed (lessons review, other) precede nothing."""

FROM_STEP: dict[str, int] = {
    "investigation_report": 2, "level_assessment": 3, "corrective_action": 3, "plan": 3, "plan_approval": 3,
    "monitoring_report": 4, "final_report": 5, "financial_report": 5, "closure_report": 5,
}
"""The earliest workflow step at which the step following each kind can have been recorded: an incident at an
earlier step cannot lack that document (a cheap filter before records are loaded)."""

DEFAULT_DOCUMENTS_REQUIRED: tuple[str, ...] = ("final_report", "financial_report", "closure_report")


@dataclass(frozen=True)
class Missing:
    kind: str
    level: int | None
    next_step: str

    @property
    def text(self) -> str:
        return (f"{fact_label(self.kind, self.level)} must be attached as a document before {self.next_step} can "
                f"be recorded (company setting: documents required).")


def fact_label(kind: str, level: int | None = None) -> str:
    """"Level 1 plan: Final report (remediation facilitator)" or "Closure report (audit programme)"."""
    name = EVIDENCE_KINDS.get(kind, kind)
    return f"Level {level} plan: {name}" if level is not None else name


def missing_documents(before: IncidentRecord, after: IncidentRecord, required: Iterable[str],
                      attached: set[tuple[str, int | None]]) -> list[Missing]:
    """For each step ``after`` records that ``before`` did not, the required documents not among ``attached``
    (``(kind, level)`` pairs, level None for kinds that do not belong to a plan).

    A plan's document before a step of that plan (the plan before its approval) is needed for that plan; a
    plan's document before a step of the incident (the final and financial reports before verification) is
    needed for every plan."""
    out: list[Missing] = []
    for kind in dict.fromkeys(required):
        step = NEXT_STEP.get(kind)
        if step is None:
            continue
        if kind not in PLAN_EVIDENCE_KINDS:
            needed = [None] if step.recorded(after, None) and not step.recorded(before, None) else []
        elif step.per_plan:
            needed = [p.level for p in after.plans
                      if step.recorded(after, p.level) and not step.recorded(before, p.level)]
        else:
            newly = step.recorded(after, None) and not step.recorded(before, None)
            needed = [p.level for p in after.plans] if newly else []
        out += [Missing(kind, level, step.words) for level in needed if (kind, level) not in attached]
    return out


def still_needed(record: IncidentRecord, required: Iterable[str], attached: set[tuple[str, int | None]]
                 ) -> list[Missing]:
    """The required documents not attached yet whose following step is not recorded yet: what the incident page
    reminds about before anyone tries to record that step."""
    out: list[Missing] = []
    for kind in dict.fromkeys(required):
        step = NEXT_STEP.get(kind)
        if step is None:
            continue
        levels = [p.level for p in record.plans] if kind in PLAN_EVIDENCE_KINDS else [None]
        for level in levels:
            recorded = step.recorded(record, level if step.per_plan else None)
            if not recorded and (kind, level) not in attached:
                out.append(Missing(kind, level, step.words))
    return out


def lacking(record: IncidentRecord, required: Iterable[str], attached: set[tuple[str, int | None]]) -> list[Missing]:
    """The required documents not attached whose following step *is* recorded: facts that reached the database
    without the document the company setting asks for (imported or loaded records, steps recorded before the
    setting named that document, a document removed since). The incident is flagged until they are attached."""
    out: list[Missing] = []
    for kind in dict.fromkeys(required):
        step = NEXT_STEP.get(kind)
        if step is None:
            continue
        if kind not in PLAN_EVIDENCE_KINDS:
            levels = [None] if step.recorded(record, None) else []
        elif step.per_plan:
            levels = [p.level for p in record.plans if step.recorded(record, p.level)]
        else:
            levels = [p.level for p in record.plans] if step.recorded(record, None) else []
        out += [Missing(kind, level, step.words) for level in levels if (kind, level) not in attached]
    return out


def documents_flag(missing: Iterable[Missing]) -> str:
    """"Documents missing: Level 1 plan: Final report (remediation facilitator); Closure report (audit programme)",
    or "" when nothing is missing: the portfolio's flag."""
    names = [fact_label(m.kind, m.level) for m in missing]
    return "Documents missing: " + "; ".join(names) if names else ""
