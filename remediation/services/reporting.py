"""Locking a reporting period: once a period is reported, an admin locks it and its figures are stored as
published. A later correction of a dated fact inside it does not change them: the Reporting page and the board
pack show the stored figures and, beside them, the restatement (:func:`remediation.storage.reporting.restatement`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from remediation.domain.periods import Period, combine
from remediation.services.access import require
from remediation.services.base import LOCAL_USER, Actor, ConflictError, Refused, write_audit
from remediation.storage import schema as t
from remediation.storage.queries import settings_in
from remediation.storage.reporting import Exits, Lock, contributions, lock_of, scoped_records


def lock_period(engine: Engine, period: Period, actor: Actor = LOCAL_USER, today: date | None = None) -> Lock:
    """Store ``period``'s figures (the whole portfolio) as published, with each incident's contribution, in one
    transaction with one audit entry. Locking a half year or a year also locks the quarters inside it that are not
    locked yet: their figures are published with it (the quarter-by-quarter view). A period not yet over, or
    already locked, is refused."""
    today = today or date.today()
    try:
        with engine.begin() as conn:
            require(actor, "admin", "locking a reporting period", conn)
            if period.end >= today:
                raise Refused(f"period: {period.label} ends on {period.end.isoformat()}; only a period that is "
                              "over can be locked")
            if (existing := lock_of(conn, period)) is not None:
                raise ConflictError(f"period: {period.label} was already locked by {existing.locked_by}; its "
                                    "figures stay as published")
            time_frames = settings_in(conn).time_frames
            records = scoped_records(conn)
            periods = [period, *(q for q in period.quarters() if q != period and lock_of(conn, q) is None)]
            exits = Exits()
            parts = {p: contributions(records, p, time_frames, exits) for p in periods}
            figures = {p: combine(list(parts[p].values())) for p in periods}
            write_audit(conn, actor, f"locked reporting period {period.label}"[:80],
                        [{"field": "period", "before": None, "after": period.dates},
                         *({"field": "with quarter", "before": None, "after": p.label} for p in periods[1:]),
                         *({"field": k, "before": None, "after": v} for k, v in figures[period].items() if v)])
            audit_id = conn.execute(select(func.max(t.audit_log.c.id))).scalar_one()
            for p in periods:
                conn.execute(insert(t.reporting_periods).values(
                    period_start=p.start, period_end=p.end, kind=p.kind, label=p.label, figures=figures[p],
                    contributions=parts[p], time_frames={str(k): v for k, v in time_frames.items()},
                    locked_by=actor.user, audit_log_id=audit_id))
            return lock_of(conn, period)
    except IntegrityError as exc:  # locked by someone else at the same moment
        raise ConflictError(f"period: {period.label} was locked by someone else just now; its figures stay as "
                            "published") from exc
