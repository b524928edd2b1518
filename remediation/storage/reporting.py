"""Reporting periods, read side: a period's figures beside the previous period's, quarter by quarter, and the
locked periods with their restatements.

The figures are computed by :mod:`remediation.domain.periods` from the records' dated facts (so Q3 taken again
after Q4's facts were recorded gives the same numbers). A locked period (:mod:`remediation.services.reporting`)
keeps the figures it was published with and every incident's contribution; :func:`restatement` recomputes them
and, where a corrected date changed a number, says which figure, by how much, for which incidents and who made
the change (the audit entries recorded after the lock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection, Engine, select

from remediation.domain.models import IncidentRecord
from remediation.domain.periods import (
    FIGURES,
    VICTIM_FIGURES,
    Period,
    combine,
    incident_figures,
    label_of,
    money_on,
    pipeline_on,
    step_exits,
)
from remediation.domain.settings import DEFAULT_TIME_FRAMES, Settings
from remediation.domain.vocab import STEPS
from remediation.storage import schema as t
from remediation.storage.records import load_records

BATCH = 2000


def scoped_records(conn: Connection, where=None) -> list[IncidentRecord]:
    """Every incident in scope (``where``: a :meth:`PortfolioFilter.where` clause), oldest code first."""
    query = select(t.incidents.c.id).order_by(t.incidents.c.code)
    if where is not None:
        query = query.where(where)
    ids = conn.execute(query).scalars().all()
    out: list[IncidentRecord] = []
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        loaded = load_records(conn, chunk)
        out += [loaded[k] for k in chunk]
    return out


class Exits(dict):
    """Each record's :func:`~remediation.domain.periods.step_exits`, computed once however many periods read it
    (replaying a record day by day is the costly part of a period's figures)."""

    def of(self, record: IncidentRecord):
        key = id(record)
        if key not in self:
            self[key] = step_exits(record)
        return self[key]


def contributions(records: list[IncidentRecord], period: Period, time_frames: dict[int, int],
                  exits: Exits | None = None) -> dict[str, dict]:
    """Each incident's contribution to the period's figures, by incident code (empty ones left out)."""
    exits = Exits() if exits is None else exits
    out = {}
    for r in records:
        c = incident_figures(r, period, time_frames,
                             exits.of(r) if r.incident.date_received <= period.end else [])
        if c:
            out[r.incident.code] = c
    return out


def figures(engine: Engine, period: Period, where=None, time_frames: dict[int, int] | None = None) -> dict:
    time_frames = time_frames or DEFAULT_TIME_FRAMES
    with engine.connect() as conn:
        records = scoped_records(conn, where)
    return combine(list(contributions(records, period, time_frames).values()))


@dataclass
class PeriodReport:
    period: Period
    previous: Period
    current: dict
    before: dict


def period_report(engine: Engine, period: Period, where=None,
                  time_frames: dict[int, int] | None = None) -> PeriodReport:
    """The period's figures and the previous period's, from one read of the records."""
    time_frames = time_frames or DEFAULT_TIME_FRAMES
    with engine.connect() as conn:
        records = scoped_records(conn, where)
    previous, exits = period.previous(), Exits()
    return PeriodReport(period, previous,
                        combine(list(contributions(records, period, time_frames, exits).values())),
                        combine(list(contributions(records, previous, time_frames, exits).values())))


def figure_keys(*figure_sets: dict) -> list[str]:
    """The figures to show, in order: the fixed ones, money per currency, then steps' medians."""
    keys = list(FIGURES)
    money = sorted({k for f in figure_sets for k in f if k.startswith("money_")},
                   key=lambda k: (k.rsplit("_", 1)[1], ["pledged", "received", "spent"].index(k.split("_")[1])))
    return keys + money + [f"median_days_step_{n}" for n in STEPS]


def shown(key: str, value, settings: Settings) -> str:
    """A figure as a board may read it: victims' small counts suppressed, money with two decimals."""
    if value is None:
        return "–"
    if key in VICTIM_FIGURES:
        return settings.suppress(int(value))
    if key.startswith("money_"):
        return f"{Decimal(str(value)):,.2f}"
    if key.startswith("median_"):
        return f"{float(value):,.1f}".removesuffix(".0")
    return f"{int(value):,}"


def _change(key: str, now, before) -> str:
    if key in VICTIM_FIGURES or now is None or before is None:
        return ""  # a victims' difference could reveal a suppressed count
    if key.startswith("money_"):
        d = Decimal(str(now)) - Decimal(str(before))
        return f"{d:+,.2f}" if d else "0"
    d = float(now) - float(before)
    return (f"{d:+,.1f}".removesuffix(".0") if key.startswith("median_") else f"{int(d):+,}") if d else "0"


def figures_table(report: PeriodReport, settings: Settings) -> pd.DataFrame:
    """Figure, this period, the previous period, the change: every value as text, small victims' counts
    suppressed."""
    rows = []
    for key in figure_keys(report.current, report.before):
        now, before = report.current.get(key, 0 if key.startswith("money_") else None), \
            report.before.get(key, 0 if key.startswith("money_") else None)
        rows.append({"Figure": label_of(key), report.period.label: shown(key, now, settings),
                     f"Previous ({report.previous.label})": shown(key, before, settings),
                     "Change": _change(key, now, before)})
    return pd.DataFrame(rows)


def quarter_by_quarter(engine: Engine, year_period: Period, where=None, settings: Settings | None = None
                       ) -> pd.DataFrame:
    """Every figure for each quarter of ``year_period`` side by side (and the period itself); for the whole
    portfolio (``where`` None) a locked quarter shows its published figures."""
    settings = settings or Settings()
    with engine.connect() as conn:
        records = scoped_records(conn, where)
        stored = {p: lock_of(conn, p) for p in [*year_period.quarters(), year_period]} if where is None else {}
    periods, exits = [*year_period.quarters(), year_period], Exits()
    sets = [stored[p].figures if stored.get(p) else combine(list(contributions(records, p, settings.time_frames,
                                                                               exits).values())) for p in periods]
    rows = []
    for key in figure_keys(*sets):
        row = {"Figure": label_of(key)}
        for p, f in zip(periods, sets):
            row[p.label] = shown(key, f.get(key, 0 if key.startswith("money_") else None), settings)
        rows.append(row)
    return pd.DataFrame(rows)


def stock_on(engine: Engine, day: date, where=None) -> tuple[dict[str, int], dict[str, dict[str, Decimal]]]:
    """The open pipeline (per step and per Level 1 requirement) and the money per currency as they stood on
    ``day``, from the dated facts."""
    with engine.connect() as conn:
        records = scoped_records(conn, where)
    return pipeline_on(records, day), money_on(records, day)


def stock_table(engine: Engine, period: Period, where=None) -> pd.DataFrame:
    """The open stock at the start of the period (end of the day before) and at its end, step by step."""
    start_day = date.fromordinal(period.start.toordinal() - 1)
    (start, _), (end, _) = stock_on(engine, start_day, where), stock_on(engine, period.end, where)
    rows = [{"Open incidents": f"Step {n}: {name}", f"Start ({start_day.isoformat()})": start.get(f"step_{n}", 0),
             f"End ({period.end.isoformat()})": end.get(f"step_{n}", 0)} for n, name in STEPS.items() if n < 6]
    for key, label in (("level1_mandatory", "Level 1 mandatory"), ("level1_recommended", "Level 1 recommended"),
                       ("level1_not_assessed", "Not yet assessed")):
        rows.append({"Open incidents": label, f"Start ({start_day.isoformat()})": start.get(key, 0),
                     f"End ({period.end.isoformat()})": end.get(key, 0)})
    rows.append({"Open incidents": "Total", f"Start ({start_day.isoformat()})": sum(
        start.get(f"step_{n}", 0) for n in STEPS), f"End ({period.end.isoformat()})": sum(
        end.get(f"step_{n}", 0) for n in STEPS)})
    return pd.DataFrame(rows)


# --- locked periods -------------------------------------------------------------------------------------------------

@dataclass
class Lock:
    id: int
    period: Period
    figures: dict
    contributions: dict
    time_frames: dict[int, int]
    locked_at: object
    locked_by: str
    audit_log_id: int


def _lock(row) -> Lock:
    return Lock(row.id, Period(row.period_start, row.period_end, row.kind), row.figures, row.contributions,
                {int(k): v for k, v in row.time_frames.items()}, row.locked_at, row.locked_by, row.audit_log_id)


def locks(engine: Engine) -> list[Lock]:
    """Every locked period, newest period first."""
    with engine.connect() as conn:
        rows = conn.execute(select(t.reporting_periods).order_by(t.reporting_periods.c.period_start.desc(),
                                                                 t.reporting_periods.c.period_end)).all()
    return [_lock(r) for r in rows]


def lock_of(conn: Connection, period: Period) -> Lock | None:
    """The lock of exactly this period (its start and end), if any."""
    row = conn.execute(select(t.reporting_periods).where(t.reporting_periods.c.period_start == period.start,
                                                         t.reporting_periods.c.period_end == period.end)).first()
    return None if row is None else _lock(row)


def locked(engine: Engine, period: Period) -> Lock | None:
    with engine.connect() as conn:
        return lock_of(conn, period)


@dataclass
class Restatement:
    lock: Lock
    recomputed: dict
    changed: pd.DataFrame                       # Figure, Stored, Recomputed, Difference
    incidents: list[str] = field(default_factory=list)   # codes whose contribution changed
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # the audit entries after the lock

    @property
    def restated(self) -> bool:
        return not self.changed.empty


def _same(key: str, a, b) -> bool:
    if key.startswith("money_"):
        return Decimal(str(a or 0)) == Decimal(str(b or 0))
    return a == b or (a in (None, 0) and b in (None, 0))


def restatement(engine: Engine, lock: Lock, settings: Settings | None = None) -> Restatement:
    """The locked period's stored figures against the figures recomputed from today's records: which changed,
    by how much, the incidents whose contribution changed, and the audit entries (who, when, what) recorded on
    those incidents after the lock."""
    settings = settings or Settings()
    with engine.connect() as conn:
        records = scoped_records(conn)
        now = contributions(records, lock.period, lock.time_frames)
        recomputed = combine(list(now.values()))
        codes = sorted(code for code in {*now, *lock.contributions} if now.get(code) != lock.contributions.get(code))
        audit = conn.execute(
            select(t.audit_log.c.at, t.audit_log.c.actor, t.audit_log.c.incident_code, t.audit_log.c.action,
                   t.audit_log.c.changes)
            .where(t.audit_log.c.id > lock.audit_log_id, t.audit_log.c.incident_code.in_(codes))
            .order_by(t.audit_log.c.id)).all() if codes else []
    rows = []
    for key in figure_keys(lock.figures, recomputed):
        stored, again = lock.figures.get(key), recomputed.get(key)
        if not _same(key, stored, again):
            rows.append({"Figure": label_of(key), "Stored (published)": shown(key, stored, settings),
                         "Recomputed": shown(key, again, settings),
                         "Difference": _change(key, again, stored) or "changed"})
    changes = pd.DataFrame(
        [{"When": at, "Who": actor, "Incident": code, "What": action,
          "Changed": "; ".join(f"{c['field']}: {c['before']} → {c['after']}" for c in (changed or [])
                               if isinstance(c, dict) and "field" in c)}
         for at, actor, code, action, changed in audit],
        columns=["When", "Who", "Incident", "What", "Changed"])
    return Restatement(lock, recomputed, pd.DataFrame(rows, columns=["Figure", "Stored (published)", "Recomputed",
                                                                      "Difference"]), codes, changes)


def restatements_within(engine: Engine, period: Period, settings: Settings | None = None) -> list[Restatement]:
    """The restatements of ``period`` and of the locked quarters inside it, those whose figures changed only."""
    candidates = [period, *(q for q in period.quarters() if q != period)]
    with engine.connect() as conn:
        found = [lock for p in candidates if (lock := lock_of(conn, p)) is not None]
    return [r for lock in found if (r := restatement(engine, lock, settings)).restated]


@dataclass
class Published:
    """A period's figures as a report shows them: the stored ones where the period is locked (and the report
    covers the whole portfolio, as a lock does), else computed now; the same for the previous period."""
    report: PeriodReport
    lock: Lock | None
    previous_lock: Lock | None
    restatement: Restatement | None
    restated: list[Restatement] = field(default_factory=list)  # this period's and its locked quarters'


def published(engine: Engine, period: Period, where=None, settings: Settings | None = None) -> Published:
    """``where`` None: the whole portfolio, the scope a lock covers."""
    settings = settings or Settings()
    computed = period_report(engine, period, where, settings.time_frames)
    if where is not None:
        return Published(computed, None, None, None)
    lock, previous_lock = locked(engine, period), locked(engine, computed.previous)
    report = PeriodReport(period, computed.previous, lock.figures if lock else computed.current,
                          previous_lock.figures if previous_lock else computed.before)
    return Published(report, lock, previous_lock, restatement(engine, lock, settings) if lock else None,
                     restatements_within(engine, period, settings))
