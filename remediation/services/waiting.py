"""What incidents wait for, kept up with the calendar: a refresh of the stored workflow state.

The ``incidents`` row keeps the state :func:`remediation.domain.workflow.evaluate` derives (what the incident waits
for, who owes it, warnings), so the portfolio, the Follow-ups page and the digest can filter in SQL. A save rewrites
it; but in Step 4 it also depends on the day (a monitoring report becomes overdue when its cadence passes) and on the
reporting-cadence setting. :func:`refresh_waiting` re-evaluates, for ``today``, every open incident in a dated step
(:data:`~remediation.domain.workflow.DATED_STEPS`) whose state was evaluated for an earlier day (``state_as_of``) and
may have changed since (``state_until``, the first day it may change by the date alone:
:func:`~remediation.domain.workflow.state_changes_on`), or all of them after a cadence change (``everything``), so
those views agree with the incident page, which evaluates live.

- **Bounded**: candidates are chosen in SQL (open, dated step, due to change by today; an index on ``state_until``)
  and handled :data:`BATCH` at a time, each batch in its own transaction. A day on which no report falls due
  evaluates nothing.
- **Only what changed is written**: the derived columns of an incident whose state moved, and the day it was
  evaluated for and its next ``state_until``; the record itself, its ``version`` (a user's open form is not made stale) and ``updated_at`` are
  left alone. A row saved by someone meanwhile (its version moved) is skipped: that save wrote a fresh state.
- **Audited per batch**: a batch that moved some incident's state adds one system entry (no incident named, area
  ``records``; :mod:`remediation.storage.versions`), so every server's cached portfolio figures are read again.
  A batch that only confirmed the state for the new day writes no entry. Running it twice changes nothing the
  second time; closed incidents are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, and_, bindparam, func, or_, select, update

from remediation.domain.workflow import DATED_STEPS, evaluate
from remediation.services.base import Actor, write_audit
from remediation.storage import schema as t
from remediation.storage.records import dated_columns, derived_columns, load_records, reporting_cadence
from remediation.storage.versions import REFRESH_ACTION

__all__ = ["ACTION", "BATCH", "SYSTEM", "Refreshed", "refresh_waiting"]

BATCH = 1000  # incidents evaluated per transaction
ACTION = REFRESH_ACTION  # the audit entry's action: area records, lessons learned stays warm
SYSTEM = Actor("system: daily refresh of what incidents wait for")
_DERIVED = ("step", "status", "step_entered_on", "waiting_for", "owed_by", "warnings", "scenario", "level1",
            "level2", "closure_flag")
_DATED = ("state_as_of", "state_until")


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: ``evaluated`` incidents, of which ``changed`` had a state that moved."""
    today: date
    evaluated: int = 0
    changed: int = 0


def _candidates(today: date, everything: bool = False):
    """Open incidents in a dated step whose stored state is never evaluated (a row from before migration 0012) or
    evaluated for an earlier day and due to change by ``today`` (``everything``: whatever their day)."""
    c = t.incidents.c
    stale = or_(c.state_as_of.is_(None), and_(c.state_as_of < today, c.state_until <= today))
    return and_(c.status == "open", c.step.in_(sorted(DATED_STEPS)), *(() if everything else (stale,)))


def stale_count(engine: Engine, today: date | None = None) -> int:
    """How many incidents :func:`refresh_waiting` would evaluate for ``today``: one indexed count, so a caller can
    decide whether to wait for the refresh or run it in the background."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.incidents)
                            .where(_candidates(today or date.today()))).scalar_one()


def refresh_waiting(engine: Engine, today: date | None = None, actor: Actor = SYSTEM, *,
                    everything: bool = False, batch: int = BATCH) -> Refreshed:
    """Re-evaluate the stored state of every open incident in a dated step whose state is older than ``today``
    (``everything``: whatever its day, after a change of the cadence). A state evaluated for a later day than
    ``today`` is evaluated for that day again (never moved back)."""
    today = today or date.today()
    c = t.incidents.c
    candidates = _candidates(today, everything)
    with engine.connect() as conn:
        ids = list(conn.execute(select(c.id).where(candidates).order_by(c.id)).scalars())
    evaluated = changed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with engine.begin() as conn:
            cadence = reporting_cadence(conn)
            rows = {r.id: r for r in conn.execute(
                select(c.id, c.version, c.state_as_of, c.state_until, *(c[k] for k in _DERIVED))
                .where(c.id.in_(chunk), candidates))}  # again, in this transaction: a save may have moved it
            records = load_records(conn, list(rows))
            moved, confirmed, codes = [], [], []
            for incident_id, record in records.items():
                row = rows[incident_id]
                as_of = max(today, row.state_as_of) if row.state_as_of else today
                state = evaluate(record, as_of, cadence)
                fresh = derived_columns(record, state)
                dated = dated_columns(record, state, as_of, cadence)
                key = {"_id": incident_id, "_version": row.version, **{f"_{k}": v for k, v in dated.items()}}
                if any(fresh[k] != getattr(row, k) for k in _DERIVED):
                    moved.append({**key, **{f"_{k}": fresh[k] for k in _DERIVED}})
                    codes.append(record.incident.code)
                elif any(getattr(row, k) != v for k, v in dated.items()):
                    confirmed.append(key)
            guard = and_(c.id == bindparam("_id"), c.version == bindparam("_version"))
            if confirmed:
                conn.execute(update(t.incidents).where(guard).values({k: bindparam(f"_{k}") for k in _DATED}),
                             confirmed)
            if moved:
                conn.execute(update(t.incidents).where(guard)
                             .values({k: bindparam(f"_{k}") for k in (*_DATED, *_DERIVED)}), moved)
                write_audit(conn, actor, ACTION, [  # the audit log's usual shape: field, before, after
                    {"field": "evaluated for", "before": None, "after": today.isoformat()},
                    {"field": "incidents whose state moved", "before": None, "after": len(moved)},
                    {"field": "codes", "before": None, "after": ", ".join(sorted(codes))}])
            evaluated += len(records)
            changed += len(moved)
    return Refreshed(today, evaluated, changed)
