"""A record that can be defended (issue #12): what the guideline asks to be documented, checked rather than
taken on trust.

- **Step 1 closures carry their reasons.** "Allegations that are denied or are credible but not actionable
  shall be fully documented and closed" (guideline lines 942-944); an unsubstantiated one is "documented and
  closed" (lines 957-959). A reason is a real sentence: :func:`reason_problem`.
- **Children.** A child's case plan whose guardian has not consented (or whose consent is unknown) records the
  determination of the child's best interest — when, by which child-protection organisation — and the
  specialised organisation involved (lines 1219-1225; the OECD practical actions for children, lines 772-810):
  :func:`child_case_problem`.
- **Level 1 coverage.** A case-management plan for each identified victim (lines 1174-1176): plans are compared
  with the affected persons, child plans with the children affected; a shortfall is explained before closure
  (:func:`coverage`).
- **Money at closure.** Spending above the budget, or funds received below what was spent, is flagged
  (:func:`money_flags`).
- **Level 2 closure against the figures** (lines 1415-1422): "within budget", "completed on time" and "objectives
  met" are computed (:func:`closure_figures`) and compared with what was declared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from remediation.domain.citations import cite
from remediation.domain.models import CasePlan, IncidentRecord, Plan
from remediation.domain.monitoring import planned_end
from remediation.domain.vocab import EVIDENCE_KINDS, SHORTFALL_REASONS

# --- a reason is a sentence --------------------------------------------------------------------------

REASON_MIN_WORDS = 3
REASON_MIN_LETTERS = 20
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word: two letters or more, in any script


def reason_problem(text: str | None) -> str | None:
    """Why ``text`` is not a reason (None when it is): at least :data:`REASON_MIN_WORDS` words of two letters or
    more and :data:`REASON_MIN_LETTERS` letters; punctuation, digits or "n/a" are not a reason."""
    text = (text or "").strip()
    words = _WORD.findall(text)
    letters = sum(len(w) for w in words)
    if len(words) >= REASON_MIN_WORDS and letters >= REASON_MIN_LETTERS:
        return None
    if not text:
        return "no reason is given"
    return (f"{text[:40]!r} is not a sentence: give the reasons in at least {REASON_MIN_WORDS} words "
            f"({REASON_MIN_LETTERS} letters or more)")


STEP1_CLOSURES = {  # what is closed, its citation, and the document that can stand for the written reasons
    "credibility": ("A denied (not credible) allegation", "step1_closed_documented", "allegation_review"),
    "actionability": ("A credible but not actionable allegation", "step1_closed_documented", "allegation_review"),
    "substantiation": ("An unsubstantiated allegation", "step1_unsubstantiated_closed", "investigation_report"),
}


def step1_closure_document(which: str) -> str:
    """The evidence kind whose attached document documents a Step 1 closure instead of written notes."""
    return STEP1_CLOSURES[which][2]


def step1_closure_problem(which: str, notes: str, documented: bool = False) -> str | None:
    """``"notes: …"`` when a Step 1 closure (``credibility``, ``actionability`` or ``substantiation`` decided
    negatively) lacks its documented reasons: neither a real sentence in ``notes`` nor an attached document of
    the kind :func:`step1_closure_document` names (``documented``); None when it is documented."""
    problem = reason_problem(notes)
    if problem is None or documented:
        return None
    what, key, kind = STEP1_CLOSURES[which]
    return (f"notes: {what} is fully documented before it is closed ({cite(key)}): {problem}. Write why in the "
            f"notes, without victims' names, or attach the {EVIDENCE_KINDS[kind].lower()} as a document.")


# --- children --------------------------------------------------------------------------------------

def child_case_problem(case: CasePlan) -> str | None:
    """``"field: …"`` when a child's case plan without the guardian's consent (``False`` or unknown) lacks the
    best-interest determination or the specialised child-protection organisation; None otherwise."""
    if case.age_group != "child" or case.guardian_consent is True:
        return None
    consent = "refused" if case.guardian_consent is False else "unknown"
    why = (f"the legal guardian's consent is {consent}, so the child's best interest decides "
           f"({cite('child_victims')}; {cite('oecd_child_practical_actions')})")
    if case.best_interest_determined_on is None:
        return f"best_interest_determined_on: {why}: record the date the child's best interest was determined."
    if not case.best_interest_determined_by.strip():
        return (f"best_interest_determined_by: {why}: name the child-protection organisation that determined the "
                "child's best interest.")
    if not case.child_protection_organisation.strip():
        return (f"child_protection_organisation: {why}: name the specialised child-protection organisation "
                f"involved ({cite('child_specialised_organisation')}).")
    return None


# --- Level 1 coverage ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    case_plans: int
    affected: int
    child_plans: int
    children: int
    reason: str | None  # the recorded reason for a shortfall (a key of SHORTFALL_REASONS)

    @property
    def short(self) -> int:
        return max(0, self.affected - self.case_plans)

    @property
    def children_short(self) -> int:
        return max(0, self.children - self.child_plans)

    @property
    def shortfall(self) -> bool:
        return bool(self.short or self.children_short)

    @property
    def explained(self) -> bool:
        return not self.shortfall or self.reason is not None

    def describe(self) -> str:
        text = (f"{self.case_plans} case-management plan{'s' if self.case_plans != 1 else ''} for "
                f"{self.affected} affected person{'s' if self.affected != 1 else ''}")
        if self.children:
            text += f" ({self.child_plans} of {self.children} children)"
        if self.shortfall and self.reason:
            text += f"; shortfall: {SHORTFALL_REASONS.get(self.reason, self.reason).lower()}"
        return text


def coverage(record: IncidentRecord) -> Coverage | None:
    """The Level 1 plan's case plans against the incident's affected persons and children (None: no Level 1
    plan)."""
    plan = record.plan(1)
    if plan is None:
        return None
    children = sum(1 for c in plan.case_plans if c.age_group == "child")
    return Coverage(len(plan.case_plans), record.incident.affected_persons, children,
                    record.incident.children_affected, plan.closure.coverage_shortfall_reason)


def coverage_gap(record: IncidentRecord) -> str | None:
    """What closure still needs about coverage: a reason for a shortfall (None when covered or explained)."""
    c = coverage(record)
    if c is None or c.explained:
        return None
    return (f"Level 1 plan: {c.describe()}; record why the others have no plan ("
            + ", ".join(v.lower() for v in SHORTFALL_REASONS.values())
            + f") — a plan for each identified victim ({cite('case_management_plan_per_victim')})")


# --- money at closure --------------------------------------------------------------------------------

def received(plan: Plan) -> Decimal:
    return sum((f.received for f in plan.funding), Decimal(0))


def money_flags(plan: Plan) -> list[str]:
    """Spending above the budget; funds received below what was spent."""
    flags = []
    name = f"Level {plan.level} plan"
    if plan.budget and plan.spent > plan.budget:
        flags.append(f"{name}: spent {plan.spent:,.0f} {plan.currency}, above its budget of {plan.budget:,.0f} "
                     f"({_times(plan.spent, plan.budget)}).")
    if plan.spent > received(plan):
        flags.append(f"{name}: funds received {received(plan):,.0f} {plan.currency} are below the "
                     f"{plan.spent:,.0f} spent.")
    return flags


def _times(spent: Decimal, budget: Decimal) -> str:
    ratio = spent / budget
    if ratio >= 2:
        return f"{ratio:.0f}× the budget" if ratio >= 10 else f"{ratio:.1f}× the budget"
    return f"{(ratio - 1) * 100:.1f}% over budget"


# --- Level 2 closure against the figures -----------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    answer: str  # within_budget, completed_on_time, objectives_met
    label: str
    declared: bool | None
    computed: bool | None  # None: the figures cannot tell
    detail: str  # what the figures say, in words

    @property
    def disagrees(self) -> bool:
        return self.declared is not None and self.computed is not None and self.declared != self.computed

    def describe(self) -> str:
        declared = {True: "yes", False: "no", None: "not answered"}[self.declared]
        return f"{self.label}: declared {declared}; the figures: {self.detail}"


def _objectives(plan: Plan) -> tuple[bool | None, str]:
    indicators = [ind for i in plan.initiatives for ind in i.indicators]
    if not indicators:
        return None, "no indicators"
    met, unmeasured = 0, 0
    for ind in indicators:
        if not ind.measurements:
            unmeasured += 1
            continue
        last = max(ind.measurements, key=lambda m: m.measured_on)
        if ind.kind == "qualitative":
            met += last.status == "achieved"
        else:
            rising = ind.target_value >= ind.baseline_value
            met += (last.value >= ind.target_value) if rising else (last.value <= ind.target_value)
    text = f"{met} of {len(indicators)} indicators reached their target"
    if unmeasured:
        text += f" ({unmeasured} not measured)"
    return met == len(indicators), text


def closure_figures(plan: Plan) -> list[Figure]:
    """A Level 2 plan's declared closure answers beside what its figures say (empty for Level 1)."""
    if plan.level != 2:
        return []
    c = plan.closure
    budget, spent = plan.budget, plan.spent
    if budget > 0:
        within = spent <= budget
        money = f"spent {spent:,.0f} of a {budget:,.0f} {plan.currency} budget"
        if not within:
            money += (f", {_times(spent, budget)}" if spent >= 2 * budget else
                      f", {spent - budget:,.2f} {plan.currency} over ({_times(spent, budget)})")
    else:
        within, money = None, "no budget recorded"
    end = planned_end(plan)  # the last initiative's due date
    if end is None or c.final_report_on is None:
        on_time, timing = None, "no planned end or no final report"
    else:
        on_time = c.final_report_on <= end
        timing = (f"final report {c.final_report_on}, plan's end {end}"
                  + ("" if c.final_report_on <= end else f", {(c.final_report_on - end).days} days late"))
    met, objectives = _objectives(plan)
    return [Figure("within_budget", "Within budget", c.within_budget, within, money),
            Figure("completed_on_time", "Completed on time", c.completed_on_time, on_time, timing),
            Figure("objectives_met", "Objectives met", c.objectives_met, met, objectives)]


def figure_disagreements(plan: Plan) -> list[Figure]:
    return [f for f in closure_figures(plan) if f.disagrees]


def unexplained_disagreements(record: IncidentRecord) -> list[str]:
    """The Level 2 declared answers that disagree with the figures and carry no recorded explanation."""
    out = []
    for plan in record.plans:
        if plan.level == 2 and not plan.closure.figures_explanation.strip():
            out += [f"Level 2 plan — {f.describe()}" for f in figure_disagreements(plan)]
    return out


def figures_flag(record: IncidentRecord) -> str:
    """One line for tables and reports: each disagreement, "declared: yes; the figures: 10× over budget"."""
    parts = []
    for plan in record.plans:
        for f in figure_disagreements(plan):
            parts.append(f.describe() + (" (explained)" if plan.closure.figures_explanation.strip() else ""))
    return " · ".join(parts)


def closure_flags(record: IncidentRecord) -> list[str]:
    """What closure shows as warnings: money flags of every plan, the figures' disagreements, coverage."""
    flags = [f for p in record.plans for f in money_flags(p)]
    for plan in record.plans:
        for f in figure_disagreements(plan):
            flags.append(f"Level 2 plan — {f.describe()}"
                         + (" — explained." if plan.closure.figures_explanation.strip() else
                            " — an explanation is needed before the audit programme verifies."))
    return flags
