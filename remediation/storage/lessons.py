"""The read side of Step 6, *capture lessons learned*, across incidents (guideline lines 1431-1441).

The guideline asks, at the closure of every incident, whether the plan's objectives were met, the
victims satisfied, the communities benefited and the budget sufficient; what challenges arose, which
risks and mitigations, which monitoring tools and communication channels worked, and what to
recommend (lines 1443-1452) — and to feed those lessons back into due diligence (lines 1454-1459).
Read across incidents, the answers show where remediation works and where it does not.

Every aggregate is computed in SQL (GROUP BY and filtered counts); pandas only reshapes the few
aggregated rows. What the figures need of each incident (closing date, days from substantiation to closing, levels
of plan, day of review) is kept on its row, written with the record (``records.lesson_summary``, issue #15), so
most figures read one covering index of ``incidents`` and join nothing. The scope is the incidents *closed after remediation* that match the sidebar filters
(``flt.where(with_status=False)``): lessons concern closed incidents whatever the open/closed filter
says. Money is never summed across currencies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, exists, extract, func, literal_column, or_, select

from remediation.domain.monitoring import NO_BUDGET, OVER_BUDGET_BANDS, VARIANCE_BANDS, band_of  # noqa: F401 (band_of: public here too)
from remediation.domain.vocab import AUDIT_PROGRAMMES, INVOLVEMENTS, MINERALS, REVIEW_ANSWERS
from remediation.storage import schema as t
from remediation.storage.queries import PortfolioFilter

REVIEW_ITEMS: dict[str, str] = {
    "objectives_met": "Objectives met",
    "victims_satisfied": "Victims satisfied",
    "communities_benefited": "Communities benefited",
    "budget_sufficient": "Budget sufficient",
}
"""The four yes/no review items of guideline lines 1443-1446, in the guideline's order (short labels;
the questions are :data:`remediation.domain.vocab.REVIEW_QUESTIONS`)."""

ANSWERS: tuple[str, ...] = tuple(REVIEW_ANSWERS)  # yes, partly, no, unknown

BREAKDOWNS: dict[str, str] = {
    "mineral": "Mineral",
    "country": "Country",
    "audit_programme": "Audit programme",
    "level": "Level of response",
    "involvement": "Company involvement",
    "closure_year": "Year of closure",
}
"""What the review items can be broken down by. ``level`` groups incidents by the plans they had: an
incident with a Level 1 and a Level 2 plan counts in both groups."""

PERIODS: dict[str, str] = {"closure_year": "Year of closure", "review_quarter": "Quarter of review"}

SEARCH_LIMIT = 100  # rows sent to the browser at most (one page, as the other tables; issue #15); the total matching
# is always exact

LEVEL_GROUPS = {1: "Level 1 plan", 2: "Level 2 plan"}
ALL_GROUP = "All closed incidents"



def closed_scope(flt: PortfolioFilter):
    """Incidents closed after remediation (Step 5 done) that match the filters, whatever the status filter."""
    return and_(flt.where(with_status=False), t.incidents.c.status == "closed_remediated")


def _reviewed():
    """Incidents with their Step 6 review."""
    return t.incidents.join(t.lessons, t.lessons.c.incident_id == t.incidents.c.id)


def reviewed_scope(flt: PortfolioFilter):
    """The incidents of :func:`closed_scope` with their lessons recorded (``reviewed_on`` is kept on the incident's
    row: no join)."""
    return and_(closed_scope(flt), t.incidents.c.reviewed_on.is_not(None))


# --- Coverage ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    closed: int  # closed after remediation, matching the filters
    reviewed: int  # of which lessons were captured

    @property
    def pending(self) -> int:
        return self.closed - self.reviewed


def coverage(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> Coverage:
    """How many incidents closed after remediation match, and how many of them have their lessons."""
    c = t.incidents.c
    with engine.connect() as conn:
        closed, reviewed = conn.execute(select(func.count(), func.count(c.reviewed_on)).where(closed_scope(flt))).one()
    return Coverage(closed, reviewed)


# --- The four review items ----------------------------------------------------------------------------

def _group(by: str | None) -> list:
    """The expressions a breakdown groups on (kept on the incident's row): by level, whether the incident has a
    Level 1 and a Level 2 plan (:func:`_regroup` counts it in each level it has)."""
    c = t.incidents.c
    if by is None:
        return []
    if by == "mineral":  # the default breakdown: in the order of an index of the reviewed answers (migration 0017)
        return [c.mineral]
    if by in ("country", "audit_programme", "involvement"):
        # Grouped on the value with '' appended (the same value; None stays None), which no index holds: else SQLite
        # walks the whole table in the order of that column's own index rather than sort the few thousand reviewed
        # rows the closed incidents' covering index gives (ten times slower at 100,000 incidents).
        return [c[by].concat(literal_column("''"))]
    if by == "level":
        return [c[f"has_level{level}_plan"] for level in LEVEL_GROUPS]
    if by == "closure_year":
        return [extract("year", c.closed_on)]
    raise ValueError(f"unknown breakdown {by!r}; one of {', '.join(BREAKDOWNS)}")


def _regroup(by: str | None, key: tuple) -> list:
    """The groups of a row grouped on :func:`_group`'s expressions: by level, each level of plan the incident has
    (none: counted in no level, as an incident without a plan never was)."""
    if by is None:
        return [None]
    if by == "level":
        return [level for level, had in zip(LEVEL_GROUPS, key) if had]
    return [key[0]]


def group_label(by: str | None, value) -> str:
    if by is None:
        return ALL_GROUP
    if by == "mineral":
        return MINERALS.get(value, str(value))
    if by == "audit_programme":
        return AUDIT_PROGRAMMES.get(value, str(value))
    if by == "level":
        return LEVEL_GROUPS.get(int(value), f"Level {value} plan")
    if by == "closure_year":
        return str(int(value)) if value is not None else "No closing date"
    if by == "involvement":
        return INVOLVEMENTS.get(value, "Not determined")
    return str(value)


def _group_order(by: str | None, values: list) -> list:
    if by == "mineral":
        order = {m: i for i, m in enumerate(MINERALS)}
        return sorted(values, key=lambda v: order.get(v, len(order)))
    if by == "audit_programme":
        order = {a: i for i, a in enumerate(AUDIT_PROGRAMMES)}
        return sorted(values, key=lambda v: order.get(v, len(order)))
    if by == "involvement":
        order = {a: i for i, a in enumerate(INVOLVEMENTS)}
        return sorted(values, key=lambda v: order.get(v, len(order)))
    return sorted(values, key=lambda v: (v is None, v))


def review_outcomes(engine: Engine, flt: PortfolioFilter = PortfolioFilter(), by: str | None = None) -> pd.DataFrame:
    """The four review items' answers, counted in SQL, overall or per group of ``by`` (a key of
    :data:`BREAKDOWNS`).

    One row per group, item and answer: ``group`` (label), ``item`` (key of :data:`REVIEW_ITEMS`),
    ``answer`` (yes/partly/no/unknown), ``count`` (incidents giving that answer), ``total`` (reviewed
    incidents in the group: the denominator, always shown with the share) and ``share`` (0-1).
    Groups come in their natural order (vocabulary order, years ascending, countries A-Z)."""
    c = t.incidents.c
    group = _group(by)
    # The answers are kept on the incident's row (``review_<item>``): the closed incidents' indexes alone, no join.
    # Counted per group and combination of the four answers (at most 4⁴ per group), then added up here: grouped in
    # an index's order (migration 0017), where sixteen filtered counts over every reviewed incident made SQLite
    # evaluate each filter on each row (issue #15).
    answers = [c[f"review_{item}"] for item in REVIEW_ITEMS]
    query = select(*group, *answers, func.count()).where(reviewed_scope(flt)).group_by(*group, *answers)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    names = ["total", *(f"{item}.{answer}" for item in REVIEW_ITEMS for answer in ANSWERS)]
    by_value: dict = {}
    for row in rows:
        key, given, n = tuple(row[:len(group)]), row[len(group):-1], int(row[-1])
        for value in _regroup(by, key):
            mine = by_value.setdefault(value, dict.fromkeys(names, 0))
            mine["total"] += n
            for item, answer in zip(REVIEW_ITEMS, given):
                if answer in ANSWERS:
                    mine[f"{item}.{answer}"] += n
    out = []
    for value in _group_order(by, list(by_value)):
        r = by_value[value]
        for item in REVIEW_ITEMS:
            for answer in ANSWERS:
                n = r[f"{item}.{answer}"]
                out.append({"group": group_label(by, value), "item": item, "answer": answer, "count": n,
                            "total": r["total"], "share": n / r["total"]})
    return pd.DataFrame(out, columns=["group", "item", "answer", "count", "total", "share"])


# --- Themes: the tags of challenges, risks and recommendations -----------------------------------------

def tag_counts(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """``tag``, ``incidents`` (reviews carrying the tag), most frequent first."""
    tg = t.lesson_tags.c
    n = func.count().label("incidents")
    with engine.connect() as conn:
        rows = conn.execute(
            select(tg.tag, n).select_from(t.incidents.join(t.lesson_tags, tg.incident_id == t.incidents.c.id))
            .where(reviewed_scope(flt)).group_by(tg.tag).order_by(n.desc(), tg.tag)).all()
    return pd.DataFrame(rows, columns=["tag", "incidents"])


def _period(period: str) -> list:
    """The expressions a trend period groups on (the dates are kept on the incident's row)."""
    c = t.incidents.c
    if period == "closure_year":
        return [extract("year", c.closed_on)]
    if period == "review_quarter":
        month = extract("month", c.reviewed_on)
        quarter = case((month <= 3, 1), (month <= 6, 2), (month <= 9, 3), else_=4)
        return [extract("year", c.reviewed_on), quarter]
    raise ValueError(f"unknown period {period!r}; one of {', '.join(PERIODS)}")


def _period_label(parts) -> str:
    if any(p is None for p in parts):
        return "No date"
    return " Q".join(str(int(p)) for p in parts)


def tag_trend(engine: Engine, flt: PortfolioFilter = PortfolioFilter(), period: str = "closure_year") -> pd.DataFrame:
    """How often each tag comes up per period (year of closure or quarter of review), counted in SQL.

    ``period`` (label, in time order), ``tag``, ``count`` (reviews in the period carrying the tag) and
    ``reviews`` (all reviews in the period: the denominator). Periods with reviews but no tag appear
    with ``tag`` None and ``count`` 0, so the axis has no holes."""
    tg = t.lesson_tags.c
    parts = _period(period)
    labels = [p.label(f"p{i}") for i, p in enumerate(parts)]
    with engine.connect() as conn:
        per_tag = conn.execute(
            select(*labels, tg.tag, func.count())
            .select_from(t.incidents.join(t.lesson_tags, tg.incident_id == t.incidents.c.id))
            .where(reviewed_scope(flt)).group_by(*parts, tg.tag)).all()
        totals = conn.execute(select(*labels, func.count()).where(reviewed_scope(flt)).group_by(*parts)).all()
    reviews = {tuple(r[:-1]): int(r[-1]) for r in totals}
    rows = [(tuple(r[:-2]), r[-2], int(r[-1])) for r in per_tag]
    tagged = {p for p, _, _ in rows}
    rows += [(p, None, 0) for p in reviews if p not in tagged]
    rows.sort(key=lambda r: (tuple((v is None, v or 0) for v in r[0]), r[1] is None, r[1] or ""))
    return pd.DataFrame([{"period": _period_label(p), "tag": tag, "count": n, "reviews": reviews.get(p, 0)}
                         for p, tag, n in rows], columns=["period", "tag", "count", "reviews"])


def tag_totals(trend: pd.DataFrame) -> pd.DataFrame:
    """:func:`tag_counts` from a :func:`tag_trend` frame, without reading the tags again: each review falls in one
    period (or "No date"), so its tags' counts per period add up to theirs over every period. ``tag``,
    ``incidents``, most frequent first, then A-Z, as :func:`tag_counts` orders them."""
    tagged = trend[trend["tag"].notna()]
    totals = tagged.groupby("tag", sort=False)["count"].sum()
    df = pd.DataFrame({"tag": totals.index.astype(object), "incidents": totals.to_numpy().astype(int)})
    return df.sort_values(["incidents", "tag"], ascending=[False, True], kind="stable").reset_index(drop=True)


# --- The searchable list ----------------------------------------------------------------------------

TEXT_FIELDS = ("challenges", "risks_and_mitigations", "recommendations", "monitoring_tools", "communication_channels")


def search_clause(text: str = "", tags: tuple[str, ...] = ()):
    """Every word of ``text`` somewhere in the review's text fields or tags (case-insensitive, literal:
    ``%`` and ``_`` match themselves); and, when ``tags`` are given, at least one of them."""
    le, tg = t.lessons.c, t.lesson_tags.c
    clauses = []
    for word in text.split():
        tag_has = exists().where(tg.incident_id == le.incident_id, tg.tag.icontains(word, autoescape=True))
        clauses.append(or_(*(le[f].icontains(word, autoescape=True) for f in TEXT_FIELDS), tag_has))
    if tags:
        clauses.append(exists().where(tg.incident_id == le.incident_id, tg.tag.in_(tags)))
    return and_(*clauses) if clauses else None


def search(engine: Engine, flt: PortfolioFilter = PortfolioFilter(), text: str = "", tags: tuple[str, ...] = (),
           limit: int = SEARCH_LIMIT) -> tuple[pd.DataFrame, int]:
    """The reviews matching ``text`` and ``tags`` (see :func:`search_clause`), newest review first, at most
    ``limit`` of them, and the exact number matching. Each row links to its incident (``link``)."""
    c, le = t.incidents.c, t.lessons.c
    where = reviewed_scope(flt)
    source = t.incidents  # no search: the incidents' rows (and their newest-review index) alone
    if (matched := search_clause(text, tags)) is not None:
        where, source = and_(where, matched), _reviewed()
    columns = ["incident_id", "code", "title", "mineral", "country", "audit_programme", "closed_on", "reviewed_on",
               *REVIEW_ITEMS, *TEXT_FIELDS, "closure_flag"]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(source).where(where)).scalar_one()
        # The newest ``limit`` first, by id alone, then their rows: sorting every review with its text fields
        # carried along cost ten times more at 100,000 incidents (issue #15).
        newest = conn.execute(select(c.id).select_from(source).where(where)
                              .order_by(c.reviewed_on.desc(), c.code.desc()).limit(limit)).scalars().all()
        rows = conn.execute(
            select(c.id, c.code, c.title, c.mineral, c.country, c.audit_programme, c.closed_on,
                   le.reviewed_on, *(le[i] for i in REVIEW_ITEMS), *(le[f] for f in TEXT_FIELDS), c.closure_flag)
            .select_from(_reviewed())
            .where(c.id.in_(newest)).order_by(le.reviewed_on.desc(), c.code.desc())).all() if newest else []
        ids = [r[0] for r in rows]
        tag_rows = conn.execute(select(t.lesson_tags.c.incident_id, t.lesson_tags.c.tag)
                                .where(t.lesson_tags.c.incident_id.in_(ids))).all() if ids else []
    tags_of: dict[int, list[str]] = {}
    for iid, tag in tag_rows:
        tags_of.setdefault(iid, []).append(tag)
    df = pd.DataFrame(rows, columns=columns)
    df["tags"] = [", ".join(sorted(tags_of.get(i, []))) for i in df["incident_id"]]
    df["link"] = "/incident?incident=" + df["code"]
    df["mineral"] = df["mineral"].map(lambda m: MINERALS.get(m, m))
    df["audit_programme"] = df["audit_programme"].map(lambda a: AUDIT_PROGRAMMES.get(a, a))
    for item in REVIEW_ITEMS:
        df[item] = df[item].map(lambda a: REVIEW_ANSWERS.get(a, a))
    return df.drop(columns="incident_id"), total


def closure_flags(engine: Engine, flt: PortfolioFilter | None = None) -> pd.DataFrame:
    """Incidents matching ``flt`` (whatever their status) whose Level 2 closure answers the recorded figures
    contradict: ``code``, ``title``, ``status``, ``closure_flag`` ("Within budget: declared yes; the figures: …").
    Kept on the incident row at every write (issue #12): one column read, no record loaded."""
    flt = flt or PortfolioFilter()
    c = t.incidents.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.code, c.title, c.status, c.closure_flag)
                            .where(flt.where(with_status=False), c.closure_flag != "").order_by(c.code)).all()
    return pd.DataFrame(rows, columns=["code", "title", "status", "closure_flag"])


def all_tags(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> list[str]:
    """Every tag on a review in scope, A-Z (for the tag filter)."""
    return sorted(tag_counts(engine, flt)["tag"])


# --- Budget outcome ----------------------------------------------------------------------------------

def _plan_money(flt: PortfolioFilter):
    """``(source, where, budget, actual)`` of the closed plans in scope. Per plan: budget (max of the estimate and
    the sum of its budget lines, as :attr:`Plan.budget`) and actual (the sum of its expenditures): the plan's
    summary columns (``records.plan_summary``). With no filter but open/closed, the plans alone, by their copy of
    their incident's status (kept by the database's triggers, migration 0016): no plan is joined to its incident."""
    p = t.plans.c
    if flt.whole:
        return t.plans, p.incident_status == "closed_remediated", p.budget, p.spent
    return t.plans.join(t.incidents, t.incidents.c.id == p.incident_id), closed_scope(flt), p.budget, p.spent


def variance_band(planned, actual):
    """The band of :data:`VARIANCE_BANDS` as a SQL CASE, comparing ``actual * 100`` with
    ``planned * (100 + bound)`` so no division is needed (and no plan with a zero budget divides)."""
    whens = [(planned <= 0, NO_BUDGET)]
    for label_, bound, strict in VARIANCE_BANDS[:-1]:
        left, right = actual * 100, planned * (100 + bound)
        whens.append((left < right if strict else left <= right, label_))
    return case(*whens, else_=VARIANCE_BANDS[-1][0])


def budget_bands(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """Closed plans per level and variance band (actual cost against plan budget, in percent: a ratio,
    so plans in every currency count together): ``level``, ``band``, ``plans``. Each plan's band is kept on its row
    (``records.plan_summary``, issue #15): counted from the plans' covering index, no arithmetic per plan."""
    source, where, _, _ = _plan_money(flt)
    band = t.plans.c.variance_band
    with engine.connect() as conn:
        rows = conn.execute(select(t.plans.c.level, band.label("band"), func.count())
                            .select_from(source).where(where)
                            .group_by(t.plans.c.level, band)).all()
    order = {b[0]: i for i, b in enumerate(VARIANCE_BANDS)} | {NO_BUDGET: len(VARIANCE_BANDS)}
    df = pd.DataFrame(rows, columns=["level", "band", "plans"])
    return df.assign(o=df["band"].map(order)).sort_values(["level", "o"]).drop(columns="o").reset_index(drop=True)


def budget_totals(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """Closed plans per currency and level: ``currency``, ``level``, ``plans``, ``planned``, ``actual``
    (sums in that currency only), ``over_budget`` (plans over budget as the chart of :func:`budget_variance`
    bands counts them: more than the "on budget" band's 1% over, so a table beside the chart agrees with it)."""
    source, where, planned, actual = _plan_money(flt)
    p = t.plans.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(p.currency, p.level, func.count(), func.sum(planned), func.sum(actual),
                   func.count().filter(p.variance_band.in_(OVER_BUDGET_BANDS)))
            .select_from(source).where(where).group_by(p.currency, p.level)
            .order_by(p.currency, p.level)).all()
    df = pd.DataFrame(rows, columns=["currency", "level", "plans", "planned", "actual", "over_budget"])
    df["planned"] = df["planned"].astype(float)
    df["actual"] = df["actual"].astype(float)
    df["variance"] = np.where(df["planned"] > 0, (df["actual"] - df["planned"]) / df["planned"].where(
        df["planned"] > 0, 1), np.nan)
    return df


# --- Time from substantiation to closure ----------------------------------------------------------------

def days_to_closure(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """Days from the audit programme's substantiation to the downstream company's closing, counted in SQL
    per number of days: ``group`` (all closed incidents, then per level of plan), ``days``, ``incidents``."""
    c = t.incidents.c
    # One pass over the closed incidents' index (issue #15): counted per number of days and the levels of plan the
    # incident has (both kept on its row); the overall histogram adds every combination, each level's the
    # combinations holding it.
    flags = [c[f"has_level{level}_plan"] for level in LEVEL_GROUPS]
    with engine.connect() as conn:
        counted = conn.execute(select(c.closure_days, *flags, func.count())
                               .where(closed_scope(flt), c.closure_days.is_not(None))
                               .group_by(c.closure_days, *flags)).all()
    overall: dict[int, int] = {}
    per_level: dict[tuple[int, int], int] = {}
    for d, *levels_had, n in counted:
        overall[int(d)] = overall.get(int(d), 0) + int(n)
        for level, had in zip(LEVEL_GROUPS, levels_had):
            if had:
                per_level[(level, int(d))] = per_level.get((level, int(d)), 0) + int(n)
    rows = [{"group": ALL_GROUP, "days": d, "incidents": n} for d, n in overall.items()]
    rows += [{"group": LEVEL_GROUPS[lvl], "days": d, "incidents": n} for (lvl, d), n in per_level.items()]
    order = {ALL_GROUP: 0, **{g: i + 1 for i, g in enumerate(LEVEL_GROUPS.values())}}
    df = pd.DataFrame(rows, columns=["group", "days", "incidents"])
    return df.assign(o=df["group"].map(order)).sort_values(["o", "days"]).drop(columns="o").reset_index(drop=True)


def distribution(df: pd.DataFrame) -> pd.DataFrame:
    """Summary statistics per group of a (``group``, ``days``, ``incidents``) histogram: ``n``, ``min``,
    ``q1``, ``median``, ``q3``, ``max``, ``mean`` (quartiles as numpy's default, linear interpolation).
    Works on the aggregated histogram, never on the incident rows."""
    out = []
    for group, part in df.groupby("group", sort=False):
        values = np.repeat(part["days"].to_numpy(), part["incidents"].to_numpy())
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        out.append({"group": group, "n": int(values.size), "min": int(values.min()), "q1": float(q1),
                    "median": float(median), "q3": float(q3), "max": int(values.max()),
                    "mean": float(values.mean())})
    return pd.DataFrame(out, columns=["group", "n", "min", "q1", "median", "q3", "max", "mean"])


def scope_line(flt: PortfolioFilter) -> str:
    """The scope every chart of the lessons page states under its title."""
    described = flt.describe(with_status=False)  # lessons concern closed incidents whatever the choice
    return "Incidents closed after remediation" + ("" if described == "all incidents" else f"; {described}")
