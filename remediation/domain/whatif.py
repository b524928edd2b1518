"""What would change the answer: the nearest changes to the facts that flip Level 1 or Level 2.

For a meeting doing triage, "Level 1 is mandatory" invites "and if ties had been cut earlier?".
:func:`counterfactuals` answers from the rules themselves: for each finding the matrix reads
(footnote 22's severity, footnote 23's recency and its "well before it became public" override, the
trading link), it takes the boundary that would flip the finding — the one-year mark, the policy's
margin, the affected-persons threshold — builds the changed facts, runs :func:`remediation.domain.rules.assess`
on them, and keeps the change only if a level really changes. Nothing here restates a rule; a test
checks every suggestion against ``assess``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import ValidationError

from remediation.domain.policy import Policy
from remediation.domain.rules import Assessment, TriageInput, add_years, assess
from remediation.domain.vocab import SCENARIOS, VIOLATION_TYPES

LINK_CHANGE_DISTANCE = 10_000  # a different trading link is a bigger change than any shift of days


@dataclass(frozen=True)
class Suggestion:
    text: str
    change: dict  # the fields of TriageInput that change, with their new values
    assessment: Assessment
    distance: int  # days, persons or a fixed weight: smaller is nearer
    kind: str  # stop_date, public_date, affected, repeated, violation_types, trading_link


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _outcome(a: Assessment) -> str:
    return (f"this would be {SCENARIOS[a.scenario].lower().replace(': ', ', ')}: Level 1 "
            f"{a.level1.replace('_', ' ')}, Level 2 {a.level2.replace('_', ' ')}")


def _what_changed(before: Assessment, after: Assessment) -> str:
    """The findings that differ, in the footnotes' words: why the scenario moved."""
    parts = []
    if before.treated_as_current != after.treated_as_current:
        parts.append("well before it became public" if before.treated_as_current
                     else "not well before it became public")
    if before.recent != after.recent and after.recent is not None and before.recent is not None:
        parts.append("recent: less than a year after the incident" if after.recent
                     else "not recent: a year or more after the incident")
    if before.severe != after.severe:
        parts.append("severe" if after.severe else "no longer severe")
    return "; ".join(parts)


KIND_ORDER = {"stop_date": 0, "affected": 1, "repeated": 2, "violation_types": 3, "public_date": 4, "trading_link": 5}


def counterfactuals(inp: TriageInput, policy: Policy, today: date | None = None, limit: int = 6) -> list[Suggestion]:
    """The nearest single changes to ``inp`` that change Level 1 or Level 2, nearest first."""
    today = today or date.today()
    base = assess(inp, policy)
    found: list[Suggestion] = []

    def consider(kind: str, change: dict, distance: int, wording: str) -> None:
        try:
            changed = TriageInput(**{**inp.model_dump(), **change})
        except ValidationError:
            return  # outside what the rules can read (a date in the future, before the incident…)
        result = assess(changed, policy)
        if (result.level1, result.level2) != (base.level1, base.level2):
            because = _what_changed(base, result)
            text = f"{wording}{f' ({because})' if because else ''}, {_outcome(result)}."
            found.append(Suggestion(text, change, result, distance, kind))

    i, s, p, m = inp.incident_date, inp.stopped_trading_date, inp.became_public_date, policy.public_margin_days
    if inp.trading_link == "past" and s is not None:
        one_year = add_years(i, 1)
        if s < one_year:  # recent: cutting ties later makes it not recent
            consider("stop_date", {"stopped_trading_date": one_year}, (one_year - s).days,
                     f"Had ties been cut {_days((one_year - s).days)} later, on {one_year}")
        else:  # not recent: cutting ties earlier makes it recent
            earlier = one_year - timedelta(days=1)
            consider("stop_date", {"stopped_trading_date": earlier}, (s - earlier).days,
                     f"Had ties been cut {_days((s - earlier).days)} earlier, on {earlier}")
        if p is not None:
            well_before = p - timedelta(days=m)
            if (p - s).days < m:  # treated as current: cutting ties well before it became public
                consider("stop_date", {"stopped_trading_date": well_before}, (s - well_before).days,
                         f"Had ties been cut {_days((s - well_before).days)} earlier, on {well_before}")
                later_public = s + timedelta(days=m)
                consider("public_date", {"became_public_date": later_public}, (later_public - p).days,
                         f"Had it become public {_days((later_public - p).days)} later, on {later_public}")
            else:  # past trading stands: ties cut too close to the public date count as current
                too_late = well_before + timedelta(days=1)
                consider("stop_date", {"stopped_trading_date": too_late}, (too_late - s).days,
                         f"Had ties been cut {_days((too_late - s).days)} later, on {too_late}")
                earlier_public = s + timedelta(days=m - 1)
                consider("public_date", {"became_public_date": earlier_public}, (p - earlier_public).days,
                         f"Had it become public {_days((p - earlier_public).days)} earlier, on {earlier_public}")
        else:
            consider("public_date", {"became_public_date": today}, (today - s).days,
                     f"If it became public today, {today}")
        consider("trading_link", {"trading_link": "current", "stopped_trading_date": None}, LINK_CHANGE_DISTANCE,
                 "Were the smelter/refiner still trading with the supplier")
    elif inp.trading_link == "current":
        earliest = i  # ties cut as early as possible: past trading that stands if anything can
        if p is None or earliest <= p - timedelta(days=m):
            for stop in dict.fromkeys([earliest, add_years(i, 1)]):
                if stop <= today and (p is None or stop <= p - timedelta(days=m)):
                    consider("trading_link", {"trading_link": "past", "stopped_trading_date": stop},
                             LINK_CHANGE_DISTANCE + (stop - i).days,
                             f"Had the smelter/refiner stopped trading on {stop} (past trading)")

    severe_types = [t for t in inp.violation_types if t in policy.severe_types]
    threshold = policy.severe_affected_persons
    if not base.severe:
        consider("affected", {"affected_persons": threshold}, threshold - inp.affected_persons,
                 f"With {threshold - inp.affected_persons} more affected persons, {threshold} in all")
        if not inp.repeated and policy.repeated_is_severe:
            consider("repeated", {"repeated": True}, 1, "Had it happened repeatedly rather than once")
        if policy.severe_types:  # one severe type stands for all: the rules treat them alike
            t = policy.severe_types[0]
            consider("violation_types", {"violation_types": [*inp.violation_types, t]}, 1,
                     f"Had it also involved {VIOLATION_TYPES[t].lower()}")
    else:
        if inp.affected_persons >= threshold:
            below = threshold - 1
            consider("affected", {"affected_persons": max(below, inp.children_affected, 1)},
                     inp.affected_persons - below,
                     f"With {inp.affected_persons - below} fewer affected persons, {below} in all")
        if inp.repeated and policy.repeated_is_severe:
            consider("repeated", {"repeated": False}, 1, "Had it been an isolated event")
        remaining = [t for t in inp.violation_types if t not in severe_types]
        if severe_types and remaining:
            names = ", ".join(VIOLATION_TYPES[t].lower() for t in severe_types)
            consider("violation_types", {"violation_types": remaining}, len(severe_types),
                     f"Without {names}")

    found.sort(key=lambda x: (x.distance, KIND_ORDER[x.kind]))
    return found[:limit]
