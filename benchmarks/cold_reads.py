"""The cold data reads of the plans and lessons pages (the queries a cold run of each makes, the sidebar's choices
included, no Streamlit) and issue #15's reference read, median of N, in one process:

    python benchmarks/cold_reads.py benchmarks/.data/portfolio-50000.db 3 after

Prints each median and the pages' ratios to the reference. Run it from a checkout's root: it measures that
checkout's code (e.g. main's, in a second worktree, against a copy of the same portfolio)."""
import sys, os, time, statistics
sys.path.insert(0, os.getcwd())
from datetime import date
import pandas as pd
from sqlalchemy import select
from remediation.storage import engine as db, queries, lessons, company_work
from remediation.storage import schema as t
from remediation.storage.queries import PortfolioFilter
from benchmarks.run import reference_read
e = db.make_engine("sqlite:///" + os.path.abspath(sys.argv[1]))
today = date.today(); O = PortfolioFilter(status="open")
def plans():
    for col in ("country", "smelter_refiner", "supplier", "product"): queries.distinct_values(e, col)
    queries.level2_totals(e, O); queries.level2_plans_table(e, O, today, for_display=True); queries.level1_windows(e, O, today)
def lessons_page():
    for col in ("country", "smelter_refiner", "supplier", "product"): queries.distinct_values(e, col)
    lessons.coverage(e, O); lessons.review_outcomes(e, O, None); lessons.review_outcomes(e, O, "mineral")
    lessons.tag_counts(e, O); lessons.tag_trend(e, O, "closure_year"); lessons.search(e, O, "", ())
    lessons.budget_bands(e, O); lessons.distribution(lessons.days_to_closure(e, O)); lessons.budget_totals(e, O)
    company_work.lesson_actions(e, O, today); company_work.remedy_by_involvement(e, O, True)
def ref():  # run.py's: the incidents table as when issue #15 was filed
    reference_read(e)
out = {}
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
    for name, fn in (("reference", ref), ("plans", plans), ("lessons", lessons_page)):
        t0 = time.perf_counter(); fn(); out.setdefault(name, []).append(time.perf_counter() - t0)
m = {k: statistics.median(v) for k, v in out.items()}
print(sys.argv[3] if len(sys.argv) > 3 else "", " ".join(f"{k} {v*1000:.0f} ms" for k, v in m.items()),
      f"| plans {m['plans']/m['reference']:.3f}x lessons {m['lessons']/m['reference']:.3f}x", flush=True)
