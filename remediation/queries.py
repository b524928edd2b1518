"""The read side: what pages show, as DataFrames or models, computed in SQL where it aggregates.

Pages never build SQL; they call these. Each function takes the engine explicitly so it can be
cached by the page layer and tested on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from . import tables as t
from .models import IncidentRecord
from .policy import Policy
from .steps import WorkflowState, evaluate
from .store import find_incident, load_records
from .vocab import AUDIT_PROGRAMMES, MINERALS, REQUIREMENTS, ROLES, STATUSES, STEPS

PORTFOLIO_LIMIT = 5000  # rows sent to a browser table at most; counts are always exact


def latest_policy(engine: Engine) -> Policy | None:
    """The newest adopted policy version, or None where none is stored (or no schema yet)."""
    try:
        with engine.connect() as conn:
            body = conn.execute(
                select(t.policy_versions.c.body).order_by(t.policy_versions.c.version.desc()).limit(1)
            ).scalar_one_or_none()
    except (OperationalError, ProgrammingError):  # no table yet: the database was never migrated
        return None
    return Policy.model_validate(body) if body is not None else None


def policy_versions(engine: Engine) -> list[Policy]:
    with engine.connect() as conn:
        bodies = conn.execute(select(t.policy_versions.c.body).order_by(t.policy_versions.c.version)).scalars()
        return [Policy.model_validate(b) for b in bodies]


@dataclass(frozen=True)
class PortfolioFilter:
    status: str = "all"  # "all" | "open" | "closed"
    step: int | None = None
    mineral: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    audit_programme: tuple[str, ...] = ()
    smelter_refiner: tuple[str, ...] = ()
    received_from: date | None = None
    received_to: date | None = None

    def where(self):
        c = t.incidents.c
        clauses = []
        if self.status == "open":
            clauses.append(c.status == "open")
        elif self.status == "closed":
            clauses.append(c.status != "open")
        if self.step is not None:
            clauses.append(c.step == self.step)
        for column, values in ((c.mineral, self.mineral), (c.country, self.country),
                               (c.audit_programme, self.audit_programme),
                               (c.smelter_refiner, self.smelter_refiner)):
            if values:
                clauses.append(column.in_(values))
        if self.received_from:
            clauses.append(c.date_received >= self.received_from)
        if self.received_to:
            clauses.append(c.date_received <= self.received_to)
        return and_(True, *clauses)


def portfolio(engine: Engine, flt: PortfolioFilter = PortfolioFilter(), limit: int = PORTFOLIO_LIMIT,
              today: date | None = None) -> tuple[pd.DataFrame, int]:
    """The incident list (newest first, at most ``limit`` rows) and the exact number matching."""
    today = today or date.today()
    c = t.incidents.c
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.incidents).where(flt.where())).scalar_one()
        rows = conn.execute(
            select(c.code, c.title, c.mineral, c.country, c.smelter_refiner, c.audit_programme, c.step,
                   c.status, c.level1, c.level2, c.step_entered_on, c.waiting_for, c.owed_by, c.date_received)
            .where(flt.where()).order_by(c.date_received.desc(), c.code.desc()).limit(limit)
        ).mappings().all()
    df = pd.DataFrame(rows, columns=["code", "title", "mineral", "country", "smelter_refiner", "audit_programme",
                                     "step", "status", "level1", "level2", "step_entered_on", "waiting_for",
                                     "owed_by", "date_received"])
    if df.empty:
        return df, total
    df["days_in_step"] = [(today - d).days for d in df["step_entered_on"]]
    df["step_name"] = [f"{s}. {STEPS[s]}" for s in df["step"]]
    df["status"] = df["status"].map(STATUSES)
    df["mineral"] = df["mineral"].map(MINERALS)
    df["audit_programme"] = df["audit_programme"].map(AUDIT_PROGRAMMES)
    df["level1"] = df["level1"].map(REQUIREMENTS).fillna("")
    df["level2"] = df["level2"].map(REQUIREMENTS).fillna("")
    df["owed_by"] = df["owed_by"].map(ROLES).fillna("")
    return df, total


def status_counts(engine: Engine) -> dict[str, int]:
    """Number of incidents per derived status."""
    with engine.connect() as conn:
        rows = conn.execute(select(t.incidents.c.status, func.count()).group_by(t.incidents.c.status)).all()
    return {status: n for status, n in rows}


def distinct_values(engine: Engine, column: str) -> list[str]:
    col = t.incidents.c[column]
    with engine.connect() as conn:
        return [v for v in conn.execute(select(col).distinct().order_by(col)).scalars()]


def incident(engine: Engine, code: str, today: date | None = None
             ) -> tuple[IncidentRecord, WorkflowState, int] | None:
    """The record of one incident, its workflow state and its version; None for an unknown code."""
    with engine.connect() as conn:
        found = find_incident(conn, code)
        if found is None:
            return None
        incident_id, version = found
        record = load_records(conn, [incident_id])[incident_id]
    return record, evaluate(record, today), version


def audit_trail(engine: Engine, code: str) -> pd.DataFrame:
    """Everything recorded about one incident, oldest first: who, role, when, what."""
    a = t.audit_log.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.at, a.actor, a.role, a.action, a.changes).where(a.incident_code == code.strip().upper())
            .order_by(a.at, a.id)
        ).mappings().all()
    return pd.DataFrame(rows, columns=["at", "actor", "role", "action", "changes"])
