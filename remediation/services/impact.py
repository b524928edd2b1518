"""What a policy change would do to the open portfolio, before anyone adopts it.

A company edits its own policy (DOMAIN.md, Step 2): the severity threshold, the "well before"
margin, the matrix cells. Before adopting a draft it wants to know which open incidents would move
from Level 1 recommended to mandatory, and how many. This module answers that for the whole
portfolio at once:

* :func:`facts_frame` reads the facts the level rules need for every open, substantiated incident
  (one SQL statement, whatever the portfolio's size);
* :func:`bulk_assess` runs the Step 2 rules on the whole frame with pandas/numpy: the same answers
  as :func:`remediation.domain.rules.assess`, row by row, without building a pydantic model per row;
* :func:`policy_impact` applies the policy in force and the draft to the same recorded facts and
  reports the incidents whose levels differ: the pure effect of the policy change, not of any fact
  recorded since the last assessment.

:func:`remediation.domain.rules.assess` is the reference: every rule below mirrors it (and a test checks
it, field by field, on generated portfolios and on the edge cases of each rule). The rules, from the
guideline (``iom-remediation-guidelines-2018.txt``):

* lines 1053-1055: current trading → Level 1 mandatory, Level 2 recommended;
* lines 1064-1076: the matrix (its past-trading rows are inferred: see :mod:`remediation.domain.policy`);
* footnote 22, lines 1082-1088: severe by type (human trafficking, debt bondage), by high
  occurrence (repeated, not isolated) or by number of affected persons (a policy threshold);
* footnote 23, lines 1090-1093: recent = happened less than one year before the smelter/refiner
  stopped trading; ties must be cut well before the incident became public (a policy margin), else
  trading counts as current.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, select

from remediation.domain.citations import cite
from remediation.domain.policy import Policy
from remediation.domain.vocab import SCENARIOS
from remediation.storage import schema as t
from remediation.storage.queries import PortfolioFilter, policy_in_force

FACT_COLUMNS = [
    "code", "title", "trading_link", "incident_date", "stopped_trading_date", "became_public_date",
    "repeated", "affected_persons", "violation_types", "scenario", "level1", "level2",
]
ASSESSMENT_COLUMNS = [
    "severe", "recent", "treated_as_current", "scenario", "level1", "level2", "cell_inferred",
    "lapse_days", "public_lead_days",
]
CHANGED_COLUMNS = [
    "code", "title", "scenario_now", "level1_now", "level2_now", "scenario_draft", "level1_draft", "level2_draft",
]
SUMMARY_COLUMNS = ["level", "from", "to", "count"]

_EMPTY_TYPES: frozenset[str] = frozenset()


# --- the facts ------------------------------------------------------------------------------------

def facts_frame(engine: Engine, flt: PortfolioFilter | None = None) -> pd.DataFrame:
    """The facts the level rules read, one row per open incident linked through current or past trading.

    Only substantiated incidents have a trading link (Step 1 ends by assessing the link to the
    smelter/refiner: current or past trading), and only they go through Step 2, so these are the
    incidents a policy decides levels for. Closed incidents keep the levels they were remediated under.

    Columns: ``code``, ``title``, ``trading_link``, ``incident_date``, ``stopped_trading_date``,
    ``became_public_date``, ``repeated``, ``affected_persons``, ``violation_types`` (a frozenset), and
    the latest recorded assessment's ``scenario``, ``level1`` and ``level2`` (None where Step 2 has
    not been recorded yet). Rows in the order incidents were stored.

    One statement, whatever the portfolio's size: each incident with its violation types joined into
    one string by a correlated subquery (``aggregate_strings``: ``group_concat`` on SQLite,
    ``string_agg`` on PostgreSQL). A second statement for the types would need the incident ids as
    bound parameters (too many for SQLite on a large portfolio) or a repeat of the filter, and under
    READ COMMITTED it would read another snapshot than the first. ``flt`` applies with its status
    filter ignored: only open incidents are assessed anyway.
    """
    c, v = t.incidents.c, t.incident_violations.c
    where = and_(c.status == "open", c.trading_link.in_(("current", "past")))
    if flt is not None:
        where = and_(where, flt.where(with_status=False))
    types = (select(func.aggregate_strings(v.violation_type, ",")).where(v.incident_id == c.id)
             .scalar_subquery().label("types"))
    stmt = (
        select(c.code, c.title, c.trading_link, c.incident_date, c.stopped_trading_date, c.became_public_date,
               c.repeated, c.affected_persons, c.scenario, c.level1, c.level2, types)
        .where(where).order_by(c.id)
    )
    names = ["code", "title", "trading_link", "incident_date", "stopped_trading_date", "became_public_date",
             "repeated", "affected_persons", "scenario", "level1", "level2", "types"]
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    # Column by column: pandas probes every Row for namedtuple fields, which costs more than the query.
    columns = list(zip(*rows)) or [()] * len(names)
    df = pd.DataFrame({name: pd.Series(col, dtype=object) for name, col in zip(names, columns)})
    df["violation_types"] = _type_sets(df.pop("types"))
    df["repeated"] = df["repeated"].astype(bool)
    df["affected_persons"] = df["affected_persons"].astype("int64")
    return df[FACT_COLUMNS]


def _type_sets(joined: pd.Series) -> pd.Series:
    """``"debt_bondage,forced_labour"`` → frozenset, parsing each distinct string once (there are few)."""
    codes, uniques = pd.factorize(joined)
    sets = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        sets[i] = frozenset(u.split(","))
    sets[-1] = _EMPTY_TYPES  # code -1: an incident without any violation type (the rules refuse it)
    return pd.Series(sets[codes], index=joined.index, dtype=object)


# --- the rules, on a whole frame -----------------------------------------------------------------

def _days(col: pd.Series) -> np.ndarray:
    """Dates (``date`` objects, strings or datetime64, with None/NaT) as ``datetime64[D]``."""
    return pd.to_datetime(col, errors="raise").to_numpy().astype("datetime64[D]")


def _one_year_later(d: np.ndarray) -> np.ndarray:
    """``d`` moved by one calendar year, 29 February falling back to 28 February.

    The same as :func:`remediation.domain.rules.add_years` (footnote 23 counts calendar years: 2020-03-01 →
    2021-03-01 is exactly one year), on a whole array: the day of month is kept and clipped to the
    length of the month a year on, which only ever clips 29 February.
    """
    month = d.astype("datetime64[M]")
    offset = d - month.astype("datetime64[D]")  # day of month - 1
    target = month + np.timedelta64(12, "M")
    month_length = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    return target.astype("datetime64[D]") + np.minimum(offset, month_length - np.timedelta64(1, "D"))


def _unreadable(df: pd.DataFrame, link: np.ndarray, incident: np.ndarray, stop: np.ndarray,
                public: np.ndarray, affected: np.ndarray, n_types: np.ndarray) -> None:
    """Refuse rows :class:`remediation.domain.rules.TriageInput` would refuse: the rules never guess.

    Only the checks that change the answer are repeated here (dates in the future and the number of
    children are left to the models that wrote the rows)."""
    problems = {
        "trading link is neither current nor past": ~np.isin(link, ["current", "past"]),
        f"past trading without a stop date (the time lapse of {cite('footnote23_recency')} cannot be read)":
            (link == "past") & np.isnat(stop),
        "current trading with a stop date": (link == "current") & ~np.isnat(stop),
        "no incident date": np.isnat(incident),
        "stop date before the incident date": stop < incident,
        "became public before the incident date": public < incident,
        "fewer than 1 affected person": affected < 1,
        "no violation type": n_types == 0,
    }
    codes = df["code"].to_numpy() if "code" in df.columns else np.asarray(df.index)
    found = [f"{what}: {', '.join(map(str, codes[mask][:5]))}{' …' if mask.sum() > 5 else ''}"
             for what, mask in problems.items() if mask.any()]
    if found:
        raise ValueError("the level rules cannot read these incidents: " + "; ".join(found))


def bulk_assess(df: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """:func:`remediation.domain.rules.assess` on every row of ``df`` at once, vectorised.

    ``df`` has the columns of :func:`facts_frame` (``trading_link``, ``incident_date``,
    ``stopped_trading_date``, ``became_public_date``, ``repeated``, ``affected_persons``,
    ``violation_types`` as lists or sets). The answer is a new frame on the same index with
    ``severe``, ``recent`` (nullable boolean: NA where there is no stop date), ``treated_as_current``,
    ``scenario``, ``level1``, ``level2``, ``cell_inferred``, ``lapse_days`` and ``public_lead_days``
    (nullable integers), equal field by field to what ``assess`` gives for each row. The reasons are
    not built: a what-if over thousands of incidents needs the levels, and one incident's reasons are
    one ``assess`` call away.

    Why vectorised: a draft policy is compared against the whole open portfolio on every edit of a
    what-if page; building a :class:`~remediation.domain.rules.TriageInput` and an ``Assessment`` per row is
    the slow part at that size. Rows the rules would refuse raise :class:`ValueError` naming them.
    """
    n = len(df)
    index = df.index
    link = df["trading_link"].to_numpy(dtype=object)
    incident = _days(df["incident_date"])
    stop = _days(df["stopped_trading_date"])
    public = _days(df["became_public_date"])
    affected = df["affected_persons"].to_numpy(dtype="int64")
    repeated = df["repeated"].fillna(False).to_numpy(dtype=bool) if n else np.zeros(0, dtype=bool)

    # Severe by type (footnote 22, lines 1082-1084): any of the policy's severe types among the row's types.
    # Rows share few distinct sets of types: decide each distinct set once, then index.
    type_codes, type_sets = _factorize_types(df["violation_types"])
    severe_types = frozenset(policy.severe_types)
    n_types = np.array([len(s) for s in type_sets] + [0], dtype="int64")[type_codes]  # code -1: the last
    _unreadable(df, link, incident, stop, public, affected, n_types)
    severe_by_type = np.array([not severe_types.isdisjoint(s) for s in type_sets] + [False])[type_codes]
    # ... by high occurrence and by number of affected persons (footnote 22, lines 1084-1088).
    severe = (severe_by_type | (repeated & policy.repeated_is_severe)
              | (affected >= policy.severe_affected_persons))

    # Recent (footnote 23, lines 1090-1091): stopped less than one calendar year after the incident.
    has_stop = ~np.isnat(stop)
    recent_values = stop < _one_year_later(incident)  # False where there is no stop date (NaT)
    lapse = (stop - incident).astype("timedelta64[D]")

    # Ties not cut well before it became public → counts as current (footnote 23, lines 1091-1093).
    is_past = link == "past"
    lead = (public - stop).astype("timedelta64[D]")
    has_lead = is_past & ~np.isnat(public) & has_stop
    treated_as_current = has_lead & (lead < np.timedelta64(policy.public_margin_days, "D"))

    # The matrix (lines 1064-1076): current trading (or counted as current) first, then recent and severe.
    scenarios = list(SCENARIOS)  # current_trading, past_recent_severe, past_other
    which = np.select([(link == "current") | treated_as_current, severe & recent_values & has_stop],
                      [0, 1], default=2)
    cells = [policy.cell(s) for s in scenarios]

    def pick(values: list) -> np.ndarray:
        return np.array(values, dtype=object)[which]

    out = pd.DataFrame({
        "severe": severe,
        "recent": pd.arrays.BooleanArray(recent_values & has_stop, ~has_stop),
        "treated_as_current": treated_as_current,
        "scenario": pick(scenarios),
        "level1": pick([c.level1 for c in cells]),
        "level2": pick([c.level2 for c in cells]),
        "cell_inferred": pick([c.inferred for c in cells]).astype(bool),
        "lapse_days": _nullable_days(lapse, has_stop),
        "public_lead_days": _nullable_days(lead, has_lead),
    }, index=index)
    return out[ASSESSMENT_COLUMNS]


def _factorize_types(col: pd.Series) -> tuple[np.ndarray, list[frozenset]]:
    """Each row's code into the list of distinct sets of types (code -1, the last entry: none at all)."""
    values = col.to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:  # lists are not hashable: make them sets first
        sets = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            sets[i] = frozenset(v) if isinstance(v, (list, tuple, set)) else v
        codes, uniques = pd.factorize(sets)
    return codes, [frozenset(u) for u in uniques]


def _nullable_days(delta: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    values = np.where(present, delta.astype("int64", copy=False), 0) if len(delta) else np.zeros(0, "int64")
    return pd.arrays.IntegerArray(values.astype("int64"), ~present)


# --- the impact of a draft policy ------------------------------------------------------------------

@dataclass(frozen=True)
class Impact:
    """What adopting ``draft`` instead of ``current`` would change in the open portfolio's levels.

    ``assessed``: open, substantiated incidents compared. ``changed``: those whose Level 1 or Level 2
    requirement differs (code, title, scenario/level1/level2 now and under the draft).
    ``level1_changes`` / ``level2_changes``: how many differ at each level. ``summary``: per level, how
    many incidents move from one requirement to another (``level``, ``from``, ``to``, ``count``; only
    moves, most frequent first).
    """
    assessed: int
    changed: pd.DataFrame
    level1_changes: int
    level2_changes: int
    summary: pd.DataFrame
    current_version: int
    draft_version: int


def policy_impact(engine: Engine, draft: Policy, current: Policy | None = None,
                  flt: PortfolioFilter | None = None) -> Impact:
    """Compare the levels ``current`` (default: the policy in force) and ``draft`` give the open portfolio.

    Both policies are applied to the same recorded facts, so the difference is the pure effect of the
    policy change (footnote 22's threshold, footnote 23's margin, the matrix cells). The levels stored
    on each incident are not the baseline: they were decided on the facts and policy of their day, and
    a fact corrected since would show up as a "change" the draft did not cause.
    """
    current = current if current is not None else policy_in_force(engine)
    facts = facts_frame(engine, flt)
    now = bulk_assess(facts, current)
    new = bulk_assess(facts, draft)
    l1 = (now["level1"] != new["level1"]).to_numpy(dtype=bool)
    l2 = (now["level2"] != new["level2"]).to_numpy(dtype=bool)
    moved = l1 | l2
    changed = pd.DataFrame({
        "code": facts["code"], "title": facts["title"],
        "scenario_now": now["scenario"], "level1_now": now["level1"], "level2_now": now["level2"],
        "scenario_draft": new["scenario"], "level1_draft": new["level1"], "level2_draft": new["level2"],
    })[moved].reset_index(drop=True)[CHANGED_COLUMNS]
    summary = _summary(now, new, l1, l2)
    return Impact(assessed=len(facts), changed=changed, level1_changes=int(l1.sum()),
                  level2_changes=int(l2.sum()), summary=summary,
                  current_version=current.version, draft_version=draft.version)


def _summary(now: pd.DataFrame, new: pd.DataFrame, l1: np.ndarray, l2: np.ndarray) -> pd.DataFrame:
    """Per level, how many incidents move from each requirement to each other one (moves only)."""
    parts = []
    for level, mask in ((1, l1), (2, l2)):
        col = f"level{level}"
        moves = pd.DataFrame({"from": now[col].to_numpy()[mask], "to": new[col].to_numpy()[mask]})
        counted = moves.value_counts(sort=False).rename("count").reset_index()
        counted.insert(0, "level", level)
        parts.append(counted)
    summary = pd.concat(parts, ignore_index=True).sort_values(["level", "count", "from", "to"], ascending=[True, False, True, True])
    return summary.reset_index(drop=True)[SUMMARY_COLUMNS].astype({"level": "int64", "count": "int64"})


__all__ = ["Impact", "bulk_assess", "facts_frame", "policy_impact"]
