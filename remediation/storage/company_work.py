"""Read-side queries for the company's own work across the portfolio (issue #13): remedy types by the company's
involvement (items 6), and the action items lessons reviews raised (item 7). DataFrames for the pages, charts and
board pack; every query takes the sidebar's :class:`~remediation.storage.queries.PortfolioFilter`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, case, func, or_, select

from remediation.domain.vocab import CLOSED_ACTION_STATUSES, REMEDY_TYPES
from remediation.storage import schema as t
from remediation.storage.lessons import closed_scope
from remediation.storage.queries import INVOLVEMENT_FILTERS, PortfolioFilter

NOT_DETERMINED = "not_determined"
NO_REMEDY = "not_recorded"


def involvement_counts(engine: Engine, flt: PortfolioFilter | None = None) -> pd.DataFrame:
    """Incidents per involvement, open and closed (as the pipeline counts them, whatever the open/closed choice):
    ``involvement`` (a key of INVOLVEMENT_FILTERS), ``label``, ``incidents``, in the vocabulary's order, every
    involvement present (0 where none)."""
    flt = flt or PortfolioFilter()
    c = t.incidents.c
    with engine.connect() as conn:
        rows = dict(conn.execute(select(c.involvement, func.count()).where(flt.where(with_status=False)).group_by(c.involvement)).all())
    return pd.DataFrame([{"involvement": key, "label": label,
                          "incidents": int(rows.get(None if key == NOT_DETERMINED else key, 0))}
                         for key, label in INVOLVEMENT_FILTERS.items()])


def remedy_by_involvement(engine: Engine, flt: PortfolioFilter | None = None, closed: bool = False) -> pd.DataFrame:
    """Plans per remedy type and the company's involvement: ``remedy_type``, ``involvement`` (keys; a plan with
    no remedy recorded is ``not_recorded``; an incident without involvement ``not_determined``) and ``plans``.
    A plan providing several types counts once under each. ``closed``: incidents closed after remediation only,
    as lessons learned reads them; else open and closed, as the pipeline counts them."""
    flt = flt or PortfolioFilter()
    p, c = t.plans.c, t.incidents.c
    # Counted in SQL per distinct stored list (its JSON text, kept beside it as ``remedy_key`` by the database's
    # triggers, migration 0016, in an index) and involvement: a few dozen rows to decode, not every plan's list
    # (issue #15); each list is then counted as before, once per type it holds. Without a filter on the incidents,
    # the plans alone: their incident's status and involvement are on their rows too, so no plan is joined.
    if flt.whole:
        query = select(p.remedy_key, p.incident_involvement, func.count()).group_by(p.remedy_key, p.incident_involvement)
        if closed:
            query = query.where(p.incident_status == "closed_remediated")
    else:
        query = select(p.remedy_key, c.involvement, func.count()).select_from(
            t.plans.join(t.incidents, p.incident_id == c.id)).where(
            closed_scope(flt) if closed else flt.where(with_status=False)).group_by(p.remedy_key, c.involvement)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    counts: dict[tuple[str, str], int] = {}
    for text, involvement, n in rows:
        for remedy in ((json.loads(text) if text is not None else None) or [NO_REMEDY]):
            key = (remedy, involvement or NOT_DETERMINED)
            counts[key] = counts.get(key, 0) + n
    order_r = {k: i for i, k in enumerate([*REMEDY_TYPES, NO_REMEDY])}
    order_i = {k: i for i, k in enumerate(INVOLVEMENT_FILTERS)}
    df = pd.DataFrame([{"remedy_type": r, "involvement": i, "plans": n} for (r, i), n in counts.items()],
                      columns=["remedy_type", "involvement", "plans"])
    return df.assign(_r=df["remedy_type"].map(order_r), _i=df["involvement"].map(order_i)) \
        .sort_values(["_r", "_i"]).drop(columns=["_r", "_i"]).reset_index(drop=True)


def _action_open():
    return t.lesson_actions.c.status.not_in(CLOSED_ACTION_STATUSES)


def _action_led():
    a = t.lesson_actions.c
    return or_(a.policy_version.is_not(None), a.due_diligence_change != "")


@dataclass(frozen=True)
class ActionCounts:
    raised: int
    open: int
    overdue: int  # open past their due date
    led: int  # with a policy version or a due-diligence change recorded

    @property
    def closed(self) -> int:
        return self.raised - self.open


def lesson_action_counts(engine: Engine, flt: PortfolioFilter | None = None, today: date | None = None
                         ) -> ActionCounts:
    """The actions lessons reviews raised for incidents matching ``flt`` (whatever their status), counted in SQL:
    raised, open, overdue (open past the due date), and those that led to a policy version or a due-diligence
    change (lessons learned's figures, without reading every action)."""
    flt = flt or PortfolioFilter()
    today = today or date.today()
    a, c = t.lesson_actions.c, t.incidents.c
    query = select(func.count(), func.count().filter(_action_open()),
                   func.count().filter(and_(_action_open(), a.due_on < today)), func.count().filter(_action_led()))
    if flt.whole:  # no filter but open/closed, which actions ignore: each has its incident (a cascading key), no join
        query = query.select_from(t.lesson_actions)
    else:
        query = query.select_from(t.lesson_actions.join(t.incidents, a.incident_id == c.id)) \
            .where(flt.where(with_status=False))
    with engine.connect() as conn:
        raised, open_n, overdue, led = conn.execute(query).one()
    return ActionCounts(int(raised), int(open_n), int(overdue), int(led))


def lesson_actions(engine: Engine, flt: PortfolioFilter | None = None, today: date | None = None,
                   only: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """The actions lessons reviews raised, for incidents matching ``flt`` (whatever their open/closed status:
    lessons are captured throughout): ``code``, ``incident``, ``title``, ``owner``, ``due_on``, ``status``,
    ``closed_on``, ``policy_version``, ``due_diligence_change``, ``open`` and ``overdue`` (open past its due date);
    overdue first, then by due date (sorted in SQL). ``only``: ``"open"`` (open actions) or ``"led"`` (those with
    a policy version or a due-diligence change); ``limit``: at most that many rows (the first in that order)."""
    flt = flt or PortfolioFilter()
    today = today or date.today()
    a, c = t.lesson_actions.c, t.incidents.c
    where = [flt.where(with_status=False)]
    if only == "open":
        where.append(_action_open())
    elif only == "led":
        where.append(_action_led())
    elif only is not None:
        raise ValueError(f"only: 'open', 'led' or None, not {only!r}")
    overdue_first = case((and_(_action_open(), a.due_on < today), 0), else_=1)
    # Open actions only: an open action is overdue exactly when it is due before today, so "overdue first, then by due
    # date" is the due date's own order, which an index holds (migration 0017): no sort of every open action.
    order = [a.due_on] if only == "open" else [overdue_first, a.due_on]
    with engine.connect() as conn:
        if limit and flt.whole:
            # Every action counts: the ``limit``-th one's place (overdue first, due date) is found from the actions
            # alone, and only those up to it are joined with their incidents and sorted (issue #15). Ties on that
            # place are all kept, so the first ``limit`` after the full sort are the same.
            cut = conn.execute(select(*order).where(*where[1:]).order_by(*order).offset(limit - 1).limit(1)).first()
            if cut is not None:
                # the ids of those actions first, so the join reads their few incidents by key: left to itself,
                # PostgreSQL expected thousands and hashed every incident (46-55 ms at 100,000)
                up_to = a.due_on <= cut[-1] if len(order) == 1 else or_(
                    overdue_first < cut[0], and_(overdue_first == cut[0], a.due_on <= cut[1]))
                chosen = conn.execute(select(a.id).where(*where[1:], up_to)).scalars().all()
                where.append(a.id.in_(chosen))
        rows = conn.execute(select(c.code, c.title.label("incident"), a.title, a.owner, a.due_on, a.status,
                                   a.closed_on, a.policy_version, a.due_diligence_change)
                            .select_from(t.lesson_actions.join(t.incidents, a.incident_id == c.id))
                            .where(*where).order_by(*order, c.code, a.id).limit(limit)).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=["code", "incident", "title", "owner", "due_on", "status", "closed_on",
                                     "policy_version", "due_diligence_change"])
    df["open"] = ~df["status"].isin(CLOSED_ACTION_STATUSES)
    df["overdue"] = df["open"] & (pd.to_datetime(df["due_on"]) < pd.Timestamp(today))
    return df.reset_index(drop=True)


def involvement_label(key: str) -> str:
    return INVOLVEMENT_FILTERS.get(key, key)


def remedy_label(key: str) -> str:
    return REMEDY_TYPES.get(key, "Not recorded" if key == NO_REMEDY else key)


