"""Follow-ups as stored (the ``followups`` table) and the read side over them: what each party owes across the
portfolio and how often it was chased, the follow-ups due, and how hard the company had to push, by party and
quarter. The write side, with its checks and audit entries, is :mod:`remediation.services.followups`.

What an incident waits for is the workflow's first missing item, kept on the incident row (``waiting_for``,
``owed_by``, since ``step_entered_on``). A chase counts for that item when it went to the party that owes it on or
after the day the incident entered its step.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, and_, insert, select, true, update

from remediation.domain.followups import CHASED_PARTIES, ESCALATION_LEVELS, ESCALATION_TIERS, Pushing, tier
from remediation.domain.vocab import ROLES
from remediation.storage import schema as t
from remediation.storage.queries import PortfolioFilter

__all__ = ["FOLLOWUP_COLUMNS", "due_followups", "followup_row", "insert_followup", "list_followups", "owed_items",
           "push_by_quarter", "pushing_by_code", "set_answer"]

_f = t.followups.c
_i = t.incidents.c
FOLLOWUP_COLUMNS = ("item", "party", "asked_on", "channel", "escalation", "asked", "due_on", "answered_on", "answer")


def insert_followup(conn: Connection, incident_id: int, recorded_by: str, **values) -> int:
    return conn.execute(insert(t.followups).values(incident_id=incident_id, recorded_by=recorded_by, **values)
                        .returning(_f.id)).scalar_one()


def followup_row(conn: Connection, followup_id: int) -> dict | None:
    row = conn.execute(select(t.followups, _i.code, _i.date_received)
                       .join(t.incidents, _i.id == _f.incident_id).where(_f.id == followup_id)).mappings().first()
    return dict(row) if row else None


def set_answer(conn: Connection, followup_id: int, version: int, answered_on: date, answer: str) -> int:
    """Rows updated: 0 when someone else changed the follow-up since ``version`` was read."""
    return conn.execute(update(t.followups).where(_f.id == followup_id, _f.version == version)
                        .values(answered_on=answered_on, answer=answer, version=_f.version + 1)).rowcount


def list_followups(conn: Connection, incident_ids: list[int] | None = None) -> list[dict]:
    """Follow-ups (of the given incidents, or all), oldest first, with the incident's code."""
    query = select(t.followups, _i.code).join(t.incidents, _i.id == _f.incident_id)
    if incident_ids is not None:
        query = query.where(_f.incident_id.in_(incident_ids))
    return [dict(r) for r in conn.execute(query.order_by(_f.incident_id, _f.asked_on, _f.id)).mappings()]


_OWED_COLUMNS = ["code", "party", "party_label", "item", "since", "days", "chases", "last_chased_on", "last_level",
                 "last_escalation", "next_due_on", "overdue", "pushing", "smelter_refiner", "audit_programme",
                 "followup_id", "followup_version"]


def owed_items(engine: Engine, flt: PortfolioFilter | None = None, today: date | None = None,
               parties: tuple[str, ...] = tuple(CHASED_PARTIES), codes: tuple[str, ...] | None = None
               ) -> pd.DataFrame:
    """Every open item the filtered incidents wait for, owed by one of ``parties``: since when, chased how often,
    last escalation, next due date (the earliest unanswered follow-up's), overdue first (a due date passed), then
    the longest owed. ``followup_id``/``followup_version``: the latest unanswered chase (to record its answer).
    ``codes``: only those incidents (a page of a table), each row as it is in the whole list."""
    today = today or date.today()
    flt = flt or PortfolioFilter()
    only = true() if codes is None else _i.code.in_(codes)
    with engine.connect() as conn:
        incidents = conn.execute(
            select(_i.id, _i.code, _i.owed_by, _i.waiting_for, _i.step_entered_on, _i.smelter_refiner,
                   _i.audit_programme)
            .where(flt.where(with_status=False), only, _i.owed_by.in_(parties), _i.waiting_for != "")
        ).all()
        # A page's incidents (``codes``): their chases by incident id alone, the incidents above being already
        # filtered; with the filter's terms too, SQLite read every chase to a party first (84 ms at 100,000, issue #15).
        scope = (and_(flt.where(with_status=False), _i.owed_by.in_(parties)) if codes is None
                 else _f.incident_id.in_([inc.id for inc in incidents]))
        chases = conn.execute(
            select(_f.id, _f.incident_id, _f.party, _f.asked_on, _f.escalation, _f.due_on, _f.answered_on, _f.version)
            .join(t.incidents, _i.id == _f.incident_id)
            .where(scope, _f.party == _i.owed_by, _f.asked_on >= _i.step_entered_on)
            .order_by(_f.incident_id, _f.asked_on, _f.id)
        ).all()
    by_incident: dict[int, list] = {}
    for row in chases:
        by_incident.setdefault(row.incident_id, []).append(row)
    rows = []
    for inc in incidents:
        mine = by_incident.get(inc.id, [])
        last = mine[-1] if mine else None
        waiting = [c for c in mine if c.answered_on is None]
        dues = [c.due_on for c in waiting if c.due_on is not None]
        push = Pushing(inc.owed_by, inc.step_entered_on, len(mine), last.escalation if last else None,
                       last.asked_on if last else None, min(dues) if dues else None)
        open_chase = waiting[-1] if waiting else None
        rows.append([inc.code, inc.owed_by, ROLES.get(inc.owed_by, inc.owed_by), inc.waiting_for, inc.step_entered_on,
                     push.days(today), push.chases, push.last_chased_on, push.last_level,
                     ESCALATION_LEVELS.get(push.last_level, "") if push.last_level else "", push.next_due_on,
                     push.overdue(today), push.sentence(today), inc.smelter_refiner, inc.audit_programme,
                     open_chase.id if open_chase else None, open_chase.version if open_chase else None])
    df = pd.DataFrame(rows, columns=_OWED_COLUMNS)
    if df.empty:
        return df
    df["followup_id"] = df["followup_id"].astype("Int64")
    df["followup_version"] = df["followup_version"].astype("Int64")
    return df.sort_values(["overdue", "days", "code"], ascending=[False, False, True]).reset_index(drop=True)


def pushing_by_code(engine: Engine, flt: PortfolioFilter | None = None, today: date | None = None,
                    codes: tuple[str, ...] | None = None) -> dict[str, str]:
    """``code`` → "owed by X for N days, chased M times, last: …" for every open item owed by a chased party
    (``codes``: of those incidents only, as the portfolio table's page needs)."""
    df = owed_items(engine, flt, today, codes=codes)
    return dict(zip(df["code"], df["pushing"])) if not df.empty else {}


def due_followups(engine: Engine, flt: PortfolioFilter | None = None, today: date | None = None,
                  within_days: int = 7) -> pd.DataFrame:
    """Unanswered follow-ups whose answer is due by ``today + within_days`` (or already past), earliest first."""
    today = today or date.today()
    flt = flt or PortfolioFilter()
    with engine.connect() as conn:
        rows = conn.execute(
            select(_i.code, _f.party, _f.item, _f.escalation, _f.asked_on, _f.due_on)
            .join(t.incidents, _i.id == _f.incident_id)
            .where(flt.where(with_status=False), _f.answered_on.is_(None), _f.due_on.is_not(None),
                   _f.due_on <= today + timedelta(days=within_days))
            .order_by(_f.due_on, _i.code)
        ).all()
    df = pd.DataFrame(rows, columns=["code", "party", "item", "escalation", "asked_on", "due_on"])
    df["party_label"] = df["party"].map(ROLES)
    df["escalation_label"] = df["escalation"].map(ESCALATION_LEVELS)
    df["overdue"] = [d < today for d in df["due_on"]]
    return df


def push_by_quarter(engine: Engine, flt: PortfolioFilter | None = None) -> pd.DataFrame:
    """How often and how hard the company had to push: chases by party, quarter (of ``asked_on``) and escalation
    tier, with the hardest tier reached. Counts of chases only: nothing about victims."""
    flt = flt or PortfolioFilter()
    with engine.connect() as conn:
        rows = conn.execute(
            select(_f.party, _f.asked_on, _f.escalation).join(t.incidents, _i.id == _f.incident_id)
            .where(and_(flt.where(with_status=False)))
        ).all()
    columns = ["party", "quarter", *ESCALATION_TIERS, "chases"]
    if not rows:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame(rows, columns=["party", "asked_on", "escalation"])
    df["quarter"] = [f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in df["asked_on"]]
    df["tier"] = df["escalation"].map(tier)
    table = df.pivot_table(index=["party", "quarter"], columns="tier", values="asked_on", aggfunc="count",
                           fill_value=0)
    table = table.reindex(columns=list(ESCALATION_TIERS), fill_value=0)
    table["chases"] = table.sum(axis=1)
    out = table.reset_index()
    out.columns.name = None
    out["party"] = out["party"].map(ROLES).fillna(out["party"])
    return out[columns].sort_values(["quarter", "party"]).reset_index(drop=True)
