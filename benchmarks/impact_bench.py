"""How long a portfolio-wide what-if takes: policy_impact (vectorised) against a per-row ``assess`` loop.

Not a test (timings are not deterministic). Run::

    python benchmarks/impact_bench.py                      # generates 100,000 incidents into a temporary SQLite file
    python benchmarks/impact_bench.py --database-url sqlite:////tmp/x.db   # reuse a generated database

Generating 100,000 incidents takes about 35 s (``python -m remediation ... demo --incidents 100000``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from remediation.domain.policy import DEFAULT_POLICY, Policy  # noqa: E402
from remediation.domain.rules import TriageInput, assess  # noqa: E402
from remediation.services.impact import bulk_assess, facts_frame, policy_impact  # noqa: E402
from remediation.storage.engine import make_engine  # noqa: E402

TODAY = "2026-06-30"


def timed(fn, repeat: int = 3):
    """Best of ``repeat`` wall-clock runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def naive_impact(engine, draft: Policy, current: Policy):
    """The obvious way: read the facts, then one TriageInput and one assess per incident and policy."""
    facts = facts_frame(engine)
    changed = []
    for row in facts.itertuples(index=False):
        inp = TriageInput(trading_link=row.trading_link, incident_date=row.incident_date,
                          stopped_trading_date=row.stopped_trading_date, became_public_date=row.became_public_date,
                          violation_types=list(row.violation_types), repeated=row.repeated,
                          affected_persons=row.affected_persons)
        a, b = assess(inp, current), assess(inp, draft)
        if (a.level1, a.level2) != (b.level1, b.level2):
            changed.append(row.code)
    return len(facts), changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database that already holds a generated portfolio")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    tmp = None
    url = args.database_url
    if url is None:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(tmp.name) / 'impact_bench.db'}"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, "demo",
                        "--incidents", str(args.incidents), "--seed", "7", "--today", TODAY],
                       check=True, cwd=ROOT)
        print(f"generated {args.incidents:,} incidents in {time.perf_counter() - start:.1f} s")

    engine = make_engine(url)
    current = DEFAULT_POLICY
    draft = Policy.model_validate({**DEFAULT_POLICY.model_dump(), "version": 2, "name": "draft",
                                   "severe_affected_persons": 3, "public_margin_days": 30})
    try:
        t_facts, facts = timed(lambda: facts_frame(engine), args.repeat)
        t_bulk, _ = timed(lambda: bulk_assess(facts, draft), args.repeat)
        t_impact, impact = timed(lambda: policy_impact(engine, draft, current=current), args.repeat)
        t_naive, (n, changed) = timed(lambda: naive_impact(engine, draft, current), 1)
        assert n == impact.assessed and sorted(changed) == sorted(impact.changed["code"]), "the two disagree"
        print(f"open substantiated incidents assessed: {impact.assessed:,} "
              f"(level 1 changes {impact.level1_changes:,}, level 2 changes {impact.level2_changes:,})")
        print(f"facts_frame (1 SQL statement + grouping):      {t_facts * 1000:8.0f} ms")
        print(f"bulk_assess, one policy:                       {t_bulk * 1000:8.0f} ms")
        print(f"policy_impact (facts + 2 x bulk_assess):       {t_impact * 1000:8.0f} ms")
        print(f"naive (facts + 2 x per-row TriageInput/assess): {t_naive * 1000:8.0f} ms")
        print(f"per-row part only: {(t_naive - t_facts) * 1000:.0f} ms vs {(t_impact - t_facts) * 1000:.0f} ms; "
              f"end to end x{t_naive / t_impact:.1f}")
    finally:
        engine.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    print(f"python {sys.version.split()[0]}, today {date.today()}")
    main()
