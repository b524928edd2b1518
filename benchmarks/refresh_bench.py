"""Benchmark of the refresh of what incidents wait for (issue #13, the reporting cadence) on a large portfolio.

One command (SQLite; the portfolio from ``python -m remediation demo --incidents 100000 --seed 7``)::

    python benchmarks/refresh_bench.py --source /path/to/portfolio-100000.db --today 2026-12-02

The source database is copied to ``benchmarks/.data/`` (git-ignored) and migrated there; the source is never
written. Figures are ratios to the reference read taken in the same run (the whole ``incidents`` table into pandas,
``pd.read_sql_table``, median of ``--repeat``):

* **first refresh after the migration** (a portfolio stored before schema 0012, or ``--forget-state``):
  ``state_as_of`` is empty, so every open Step 4 incident is evaluated for ``--today`` — the cost of a full refresh,
  as after a cadence change;
* **every open incident stale** (the next day): every state was evaluated for an earlier day; only those whose
  ``state_until`` has come (a report fell due) are evaluated again;
* **nothing changed** (the same day again): nothing to evaluate;
* **a quarter later** (``--quarter``): reports fall overdue, many states move (each changed batch writes an audit
  entry).

Prints a markdown table for ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from remediation.services.waiting import refresh_waiting  # noqa: E402
from remediation.storage import engine as db  # noqa: E402
from remediation.storage import schema as t  # noqa: E402

DATA = ROOT / "benchmarks" / ".data"


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--forget-state", action="store_true",
                        help="empty state_as_of/state_until first, as migration 0012 leaves a portfolio stored before it")
    parser.add_argument("--quarter", action="store_true", help="also refresh a quarter later (every report due)")
    args = parser.parse_args(argv)

    DATA.mkdir(parents=True, exist_ok=True)
    copy = DATA / f"refresh-{args.source.stem}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(args.source, copy)  # a finished generation: its WAL was checkpointed on close
    engine = db.get_engine(f"sqlite:///{copy}")
    migrate_ms, _ = _timed(lambda: db.migrate(engine))
    c = t.incidents.c
    if args.forget_state:
        with engine.begin() as conn:
            conn.execute(update(t.incidents).values(state_as_of=None, state_until=None))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.incidents)).scalar_one()
        open_ = conn.execute(select(func.count()).where(c.status == "open")).scalar_one()
        step4 = conn.execute(select(func.count()).where(c.status == "open", c.step == 4)).scalar_one()

    reference = statistics.median(_timed(lambda: pd.read_sql_table("incidents", engine))[0]
                                  for _ in range(args.repeat))
    day = args.today
    runs = [("first refresh after the migration (state_as_of empty)", day),
            ("every open incident stale (the next day)", day + timedelta(days=1)),
            ("nothing changed (the same day again)", day + timedelta(days=1))]
    if args.quarter:
        runs += [("a quarter later (reports fall overdue)", day + timedelta(days=92)),
                 ("nothing changed (the same day again)", day + timedelta(days=92))]
    rows = []
    for label, when in runs:
        ms, done = _timed(lambda: refresh_waiting(engine, when))
        rows.append((label, when, ms, done))
    print(f"{total:,} incidents, {open_:,} open, {open_ - step4:,} of them not in Step 4 (never evaluated), "
          f"{step4:,} open in Step 4; migration {migrate_ms:,.0f} ms; reference read {reference:,.0f} ms "
          f"(median of {args.repeat})\n")
    print("| refresh | for | evaluated | changed | ms | × reference |")
    print("|---|---|---:|---:|---:|---:|")
    print(f"| Reference read (`incidents` into pandas) | | | | {reference:,.0f} | 1.000 |")
    for label, when, ms, done in rows:
        print(f"| {label} | {when} | {done.evaluated:,} | {done.changed:,} | {ms:,.0f} | {ms / reference:.3f} |")
    engine.dispose()


if __name__ == "__main__":
    main()
