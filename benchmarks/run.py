"""The scale benchmark (issue #6): every page from 1,000 to 100,000 incidents, on SQLite and PostgreSQL.

One command::

    python benchmarks/run.py                                   # 1,000 / 10,000 / 100,000, both databases
    python benchmarks/run.py --sizes 1000,10000 --databases sqlite --repeat 3
    python benchmarks/run.py --smoke                           # 1,000 incidents, SQLite, 2 repeats (CI)

For each database and size it generates a portfolio with ``python -m remediation demo`` (reused on the
next run when one of that size exists; ``--regenerate`` to start over) and measures, in one process so
that every figure can be a ratio taken within the run:

* **pages**: each page's script through AppTest (``streamlit.testing.v1``), as ``tests/app`` runs it
  (app.py through a wrapper script, streamlit#9446). *First run*: a new session whose data caches are
  empty, as after a write or once the caches' 30-s lifetime is over (the process, its imports and the
  engine are warm: one throwaway run of every page comes first). *Warm rerun*: the same session rerun,
  median of ``--repeat``. Every measured run must end without an exception, on its own page.
* **browser**: ``streamlit run app.py`` on that database and headless Chromium: from ``page.goto`` until
  the app has finished running (script state notRunning, no running indicator, no skeleton) and the
  pipeline chart's bars are drawn. First load (a fresh server) and warm reload (median). Then the
  incident, plans and lessons pages, after which the **server's peak memory** (VmHWM, summed over its
  process tree) is read.
* **policy impact**: :func:`remediation.services.impact.policy_impact` of a draft policy over the whole portfolio,
  as the policy page calls it (and, once, the per-row loop of ``benchmarks/impact_bench.py``).
* the two references, on the same data: the **naive page** (whole tables into pandas, every figure of
  the portfolio page computed in pandas, no cache) and the **floor** (the page's SQL aggregate queries
  alone). The naive figures must equal the page's at every size, or the run stops.

It prints the results and writes them to ``benchmarks/RESULTS.md`` (``--output``) with the date, the
machine and the command. Not a test: timings are not deterministic. ``tests/db/test_benchmark_naive.py``
keeps the naive page honest in CI.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA_DIR = ROOT / "benchmarks" / ".data"  # generated SQLite portfolios, git-ignored
DEFAULT_OUTPUT = ROOT / "benchmarks" / "RESULTS.md"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEED = 7
APP = ROOT / "app.py"
WRAPPER = "import runpy\nrunpy.run_path({app!r}, run_name='__main__')\n"  # as tests/app/conftest.py

# Targets of issue #6, at the largest size.
TARGET_NAIVE = 0.25  # a page's warm rerun at most this share of the naive page
TARGET_FLOOR = 3.0  # … and at most this multiple of the floor
TARGET_GROWTH = 3.0  # warm rerun at the largest size / at the smallest, per page
TARGET_MEMORY = 2.0  # server peak memory at the largest size / at the smallest
# Targets of issue #15, as ratios to the reference read (the whole incidents table into pandas), at 100,000.
TARGET_COLD = 0.2  # a page's first run in a new session with empty caches
TARGET_WARM = 0.05  # a page's warm rerun
TARGET_AFTER_WRITE = 0.2  # another session's rerun after a write to one incident (portfolio, plans, lessons)
TARGET_WRITE = 0.1  # recording a change: the service call and the incident page's rerun that shows it
TARGET_BYTES = 300_000  # bytes received on the websocket per portfolio view (a reload), any size
AFTER_WRITE_PAGES = ("portfolio", "plans", "lessons")


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    file: str | None  # None: the default page (no switch)
    title: str  # what the page's st.title starts with, to prove the run drew the page asked for


PAGES = [
    Page("portfolio", "Portfolio", None, "Portfolio"),
    Page("incident", "Incident (deep link)", "pages/incident.py", "{code}: "),
    Page("plans", "Level 2 plans", "pages/plans.py", "Level 2 plans"),
    Page("lessons", "Lessons learned", "pages/lessons.py", "Lessons learned"),
    Page("triage", "What-if triage", "pages/triage.py", "What-if triage"),
    Page("policy", "Level policy", "pages/policy.py", "Level policy"),
    Page("imports", "Import and export", "pages/imports.py", "Import and export"),
    Page("admin", "Admin", "pages/admin.py", "Administration"),
]
BROWSER_PAGES = ["incident?incident={code}", "plans", "lessons"]  # served after the portfolio, before memory


@dataclass
class Target:
    """One generated portfolio: a database kind and a size."""
    kind: str  # "sqlite" | "postgresql"
    size: int
    url: str
    schema: str | None = None  # PostgreSQL only
    generated: str = ""  # "generated in 35.2 s" or "reused"


@dataclass
class Measures:
    """Everything measured on one target (seconds, bytes)."""
    floor: float = 0.0
    naive: float = 0.0
    impact: float = 0.0
    impact_per_row: float | None = None
    impact_assessed: int = 0
    first: dict[str, float] = field(default_factory=dict)
    warm: dict[str, float] = field(default_factory=dict)
    browser_first: float | None = None
    browser_warm: float | None = None
    memory: int | None = None  # bytes, server VmHWM after the browser pages
    reference: float = 0.0  # the whole incidents table into pandas (issue #15's reference)
    after_write: dict[str, float] = field(default_factory=dict)  # another session's rerun after a write
    after_settings: dict[str, float] = field(default_factory=dict)  # ... after a write every cached figure keys on
    write_call: float | None = None  # the service call alone
    write_page: float | None = None  # the service call and the incident page's rerun that shows it
    ws_bytes: int | None = None  # websocket bytes received per portfolio view (reload), median
    open_incidents: int = 0


# --- databases -------------------------------------------------------------------------------------

def postgres_url(base: str, schema: str) -> str:
    return base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"


def targets_for(kinds: list[str], sizes: list[int], postgres_base: str) -> list[Target]:
    out = []
    for kind in kinds:
        for size in sizes:
            if kind == "sqlite":
                out.append(Target(kind, size, f"sqlite:///{DATA_DIR / f'portfolio-{size}.db'}"))
            else:
                schema = f"bench_{size}"
                out.append(Target(kind, size, postgres_url(postgres_base, schema), schema))
    return out


def _existing_incidents(target: Target, postgres_base: str) -> int | None:
    """How many incidents a previous run left at the target (migrated to the newest schema); None: nothing usable."""
    from sqlalchemy import create_engine, text

    from remediation.services import bootstrap
    from remediation.storage import engine as db

    if target.kind == "sqlite":
        if not Path(target.url.removeprefix("sqlite:///")).exists():
            return None
    else:
        admin = create_engine(postgres_base)
        try:
            with admin.connect() as conn:
                found = conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                                     {"s": target.schema}).first()
        finally:
            admin.dispose()
        if found is None:
            return None
    engine = db.make_engine(target.url)
    try:
        if db.current_revision(engine) is None:
            return None
        db.migrate(engine)  # a portfolio generated under an older schema: bring it up to date, as the app would
        return bootstrap.incident_count(engine)
    except Exception:  # noqa: BLE001 - a half-made or unmigratable database is generated again
        return None
    finally:
        engine.dispose()


def _empty(target: Target, postgres_base: str) -> None:
    from sqlalchemy import create_engine, text

    if target.kind == "sqlite":
        path = Path(target.url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        return
    admin = create_engine(postgres_base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{target.schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{target.schema}"'))
    finally:
        admin.dispose()


def prepare(target: Target, postgres_base: str, regenerate: bool) -> None:
    """Generate the target's portfolio with ``python -m remediation demo``, or reuse one of that size."""
    if not regenerate and _existing_incidents(target, postgres_base) == target.size:
        target.generated = "reused"
    else:
        _empty(target, postgres_base)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "remediation", "--database-url", target.url, "demo",
                        "--incidents", str(target.size), "--seed", str(SEED)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
        target.generated = f"generated in {elapsed:.0f} s"
    if target.kind == "postgresql":
        # What autovacuum gives soon after a bulk load or a migration's backfill (PostgreSQL 13+ vacuums after
        # inserts, by default): fresh statistics for the planner, and the visibility map that lets counts read an
        # index alone. A test server may run with autovacuum off (this machine's does); a deployment keeps the
        # default, on.
        from sqlalchemy import create_engine, text

        engine = create_engine(target.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("VACUUM ANALYZE"))
        finally:
            engine.dispose()


def open_incident_code(engine) -> str:
    """The incident the deep link opens: an open one in Step 4 (plans, money, monitoring), else any open one."""
    from sqlalchemy import select

    from remediation.storage import schema as t

    c = t.incidents.c
    with engine.connect() as conn:
        for where in ((c.status == "open", c.step == 4), (c.status == "open",)):
            code = conn.execute(select(c.code).where(*where).order_by(c.code).limit(1)).scalar_one_or_none()
            if code:
                return code
    raise SystemExit(f"no open incident in {engine.url}")


# --- timing helpers ---------------------------------------------------------------------------------

def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# Columns added to ``incidents`` after issue #15 was filed, to make pages faster (migration 0015: lessons learned's
# facts). The reference reads the table as it was then: reading them too would make it slower (30-45% here) and
# every ratio to it look better than the pages got.
ADDED_SINCE_ISSUE_15 = ("closed_on", "closure_days", "has_level1_plan", "has_level2_plan", "reviewed_on",
                        "review_objectives_met", "review_victims_satisfied", "review_communities_benefited",
                        "review_budget_sufficient")


def reference_read(engine):
    """Issue #15's reference: the whole ``incidents`` table read into pandas (its columns as when the issue was
    filed: :data:`ADDED_SINCE_ISSUE_15` left out)."""
    import pandas as pd
    from sqlalchemy import select

    from remediation.storage import schema as t

    with engine.connect() as conn:
        return pd.read_sql(select(*(c for c in t.incidents.c if c.name not in ADDED_SINCE_ISSUE_15)), conn)


def references(target: Target, engine, repeat: int, measures: Measures):
    """Floor and naive page, alternated so that a noisy moment hits both; their figures must agree.
    Returns the page's figures (:class:`benchmarks.naive.PortfolioFigures`)."""
    from benchmarks.naive import differences, floor, naive_portfolio
    from remediation.storage import queries

    today = date.today()
    frames = queries.settings(engine).time_frames
    floor_times, naive_times, reference_times = [], [], []
    for _ in range(repeat):
        started = time.perf_counter()
        reference_read(engine)
        reference_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        page = floor(engine, today, frames)
        floor_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        naive = naive_portfolio(engine, today, frames)
        naive_times.append(time.perf_counter() - started)
    wrong = differences(naive, page)
    if wrong:
        raise SystemExit(f"{target.kind} {target.size:,}: the naive page and the portfolio page disagree, so "
                         "comparing them means nothing:\n" + "\n".join(wrong))
    measures.floor, measures.naive = statistics.median(floor_times), statistics.median(naive_times)
    measures.reference = statistics.median(reference_times)
    measures.open_incidents = page.open_incidents
    return page


def impact(engine, repeat: int, measures: Measures, per_row: bool) -> None:
    from benchmarks.impact_bench import naive_impact
    from remediation.domain.policy import Policy
    from remediation.services.impact import policy_impact
    from remediation.storage.queries import policy_in_force

    current = policy_in_force(engine)
    draft = Policy.model_validate({**current.model_dump(), "version": current.version + 1, "name": "draft",
                                   "severe_affected_persons": 3, "public_margin_days": 30})
    measures.impact, result = median_time(lambda: policy_impact(engine, draft, current=current), repeat)
    measures.impact_assessed = result.assessed
    if per_row:
        started = time.perf_counter()
        n, changed = naive_impact(engine, draft, current)
        measures.impact_per_row = time.perf_counter() - started
        assert n == result.assessed and sorted(changed) == sorted(result.changed["code"]), "impact: the two disagree"


# --- pages through AppTest ------------------------------------------------------------------------

def _cold_caches() -> None:
    """Empty every data cache the pages use (as a write's ``after_write`` does), keep the engine."""
    from pages import _data, _pack
    _data.empty_caches()
    _pack._board_pack.cache_clear()


def toggle_smelter(engine, code: str) -> None:
    """A write to one incident, repeatable on the same data: link its smelter to the register, or unlink it."""
    from sqlalchemy import select

    from remediation.services.incidents import link_smelter
    from remediation.storage import schema as t

    with engine.connect() as conn:
        linked = conn.execute(select(t.incidents.c.smelter_id).where(t.incidents.c.code == code)).scalar_one()
        smelter = conn.execute(select(t.smelters.c.smelter_id).order_by(t.smelters.c.smelter_id).limit(1)
                               ).scalar_one_or_none()
    if linked is None and smelter is None:
        raise SystemExit("no smelter in the register to link an incident to")
    link_smelter(engine, code, None if linked else smelter)


def toggle_time_frame(engine) -> None:
    """A write every cached figure keys on, repeatable on the same data: Step 1's time frame saved one day longer,
    or back (a setting about no incident: every area and facet of the records moves, lessons learned's key too)."""
    from remediation.services.admin import update_settings
    from remediation.storage import queries

    current = queries.settings(engine)
    frames = dict(current.time_frames)
    frames[1] = frames[1] + 1 if frames[1] % 2 == 0 else frames[1] - 1
    update_settings(engine, current.model_copy(update={"time_frames": frames}))


def _check(at, page: Page, code: str, where: str) -> None:
    if at.exception:
        raise SystemExit(f"{where}: {page.label} raised:\n" + "\n".join(str(e.value) for e in at.exception))
    titles = [t.value for t in at.title]
    expected = page.title.format(code=code)
    if not any(t.startswith(expected) for t in titles):
        errors = [e.value for e in at.error]
        raise SystemExit(f"{where}: {page.label} did not draw its page (titles {titles}, errors {errors})")


def _portfolio_matches(at, figures, where: str) -> None:
    """The page AppTest drew shows the figures the naive page computed."""
    metrics = {m.label: m.value for m in at.metric}
    expected = {"Open incidents": f"{figures.open_incidents:,}", "Need Level 1": f"{figures.level1_mandatory:,}",
                "Overdue": f"{figures.overdue:,}"}
    shown = {k: metrics.get(k) for k in expected}
    from pages._data import PAGE_ROWS

    heading = (f"1–{min(PAGE_ROWS, figures.matching):,} of {figures.matching:,}" if figures.matching > PAGE_ROWS
               else f"{figures.matching:,}") + " incidents · open"
    if shown != expected or heading not in [s.value for s in at.subheader]:
        raise SystemExit(f"{where}: the portfolio page shows {shown} / {[s.value for s in at.subheader]}, the naive "
                         f"page computed {expected} / {heading!r}")


def _shared_components(at, registry: list) -> None:
    """Give a new AppTest session the component registry every session shares, as a Streamlit server does: it
    discovers the installed custom components once, at start-up. AppTest scans every installed package's metadata
    on each new instance's first run (0.3-6 s here, with the machine's load), so without this a cold run measured
    AppTest's scan rather than the page. (A private attribute of AppTest: if it is gone, each session scans.)"""
    if not hasattr(at, "_bidi_component_manager"):
        return
    if not registry:
        from streamlit.components.v2.component_manager import BidiComponentManager

        manager = BidiComponentManager()
        manager.discover_and_register_components(start_file_watching=False)
        registry.append(manager)
    at._bidi_component_manager = registry[0]


@contextmanager
def _shared_script_cache():
    """Compile each script once for every AppTest run, as a Streamlit server does: its runtime keeps one
    ``ScriptCache`` for every session and rerun (compiled again only when a file changes). AppTest makes a new one
    on every ``run()``, so each measured run also parsed, rewrote (Streamlit's "magic") and compiled the page's
    script: 50-100 ms for the incident page on a quiet machine, several times that under load, which no rerun on
    a server pays. (Private names of AppTest: if they move, each run compiles again, as before.)"""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    patches = [mock.patch.object(module, "ScriptCache", lambda: shared)
               for module in (app_test, local_script_runner) if hasattr(module, "ScriptCache")]
    for patch in patches:
        patch.start()
    try:
        yield shared
    finally:
        for patch in patches:
            patch.stop()


def run_pages(target: Target, code: str, repeat: int, measures: Measures, figures, workdir: Path,
              only: set[str] | None = None) -> None:
    with _shared_script_cache():
        _run_pages(target, code, repeat, measures, figures, workdir, only)


def _run_pages(target: Target, code: str, repeat: int, measures: Measures, figures, workdir: Path,
               only: set[str] | None = None) -> None:
    from streamlit.testing.v1 import AppTest

    main = workdir / "main.py"
    main.write_text(WRAPPER.format(app=str(APP)))
    where = f"{target.kind} {target.size:,}"

    registry = []  # one component registry for every session, as a server has (see _shared_components)

    def session(page: Page):
        at = AppTest.from_file(str(main), default_timeout=900)
        _shared_components(at, registry)
        if page.key == "incident":
            at.query_params["incident"] = code
        if page.file:
            at.switch_page(str(ROOT / page.file))
        return at

    chosen = [p for p in PAGES if only is None or p.key in only]
    for page in chosen:  # warm-up: imports, compiled page modules, the engine, the database's own caches
        _check(session(page).run(), page, code, where)
    for page in chosen:
        _cold_caches()
        gc.collect()
        at = session(page)
        started = time.perf_counter()
        at.run()
        measures.first[page.key] = time.perf_counter() - started
        _check(at, page, code, where)
        if page.key == "portfolio":
            _portfolio_matches(at, figures, where)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
            _check(at, page, code, where)
        measures.warm[page.key] = statistics.median(times)
    measure_after_write(target, code, repeat, measures, session, where,
                        tuple(k for k in AFTER_WRITE_PAGES if only is None or k in only))


def measure_after_write(target: Target, code: str, repeat: int, measures: Measures, session, where: str,
                        after_write_pages: tuple[str, ...] = AFTER_WRITE_PAGES) -> None:
    """Issue #15: a write to one incident (its smelter linked or unlinked, through the service), then another
    session's rerun of each page in :data:`AFTER_WRITE_PAGES` (median of ``repeat`` writes); and the write as
    its editor sees it: the service call, ``after_write`` and the incident page's rerun."""
    from pages import _data
    from remediation.storage import engine as db

    engine = db.get_engine(target.url)
    pages = {p.key: p for p in PAGES}
    viewers = {key: session(pages[key]).run() for key in after_write_pages}  # warm sessions, as a viewer's
    editor = session(pages["incident"]).run()
    times: dict[str, list[float]] = {key: [] for key in after_write_pages}
    calls, writes = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        toggle_smelter(engine, code)
        calls.append(time.perf_counter() - started)
        _data.after_write()
        editor.run()
        writes.append(time.perf_counter() - started)
        _check(editor, pages["incident"], code, where)
        for key, at in viewers.items():
            _data._data_version.cache_clear()  # the next second: the viewer's server reads the new version
            started = time.perf_counter()
            at.run()
            times[key].append(time.perf_counter() - started)
            _check(at, pages[key], code, where)
    measures.write_call, measures.write_page = statistics.median(calls), statistics.median(writes)
    measures.after_write = {key: statistics.median(v) for key, v in times.items()}
    # The caches' worst case: a write that moves every version the pages key on (a smelter link leaves the whole
    # portfolio's figures warm, as it changes none of their facets). An even number of saves: the setting ends as
    # it began.
    times = {key: [] for key in after_write_pages}
    for n in range(2 * ((repeat + 1) // 2)):
        toggle_time_frame(engine)
        _data.after_write()
        for key, at in viewers.items():
            _data._data_version.cache_clear()
            started = time.perf_counter()
            at.run()
            times[key].append(time.perf_counter() - started)
            _check(at, pages[key], code, where)
    measures.after_settings = {key: statistics.median(v) for key, v in times.items()}


# --- the browser ------------------------------------------------------------------------------------

APP_DONE = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector("[data-testid='stStatusWidget'] [data-testid='stStatusWidgetRunningIcon'],"
      + "[data-testid='stStatusWidget'] [data-testid='stStatusWidgetRunningManIcon'],"
      + "[data-testid='stSkeleton']")) return false;
  if (!CHART) return true;
  const chart = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");  // the pipeline: first
  return !!chart && chart.querySelectorAll('.barlayer .point path').length > 0;
}"""


def peak_memory(pid: int) -> int:
    """VmHWM (peak resident set) of ``pid`` and its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) * 1024
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                stack += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return total


def run_browser(target: Target, code: str, repeat: int, measures: Measures, log_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.helpers import CHROMIUM_ARGS, app_exceptions, find_chromium, start_streamlit

    chromium, tried = find_chromium()
    if chromium is None:
        raise SystemExit(f"no Chromium ({tried}): install it, set CHROMIUM_PATH, or pass --skip-browser")
    where = f"{target.kind} {target.size:,}"
    server = start_streamlit(APP, log_path=log_dir / f"server-{target.kind}-{target.size}.log",
                             database_url=target.url, env={"REMEDIATION_DEMO": "0"}, timeout=120)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                received = [0]

                def on_websocket(ws) -> None:
                    ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

                page.on("websocket", on_websocket)

                def load(go, chart: bool = True) -> float:
                    started = time.perf_counter()
                    go()
                    page.wait_for_function(APP_DONE.replace("CHART", "true" if chart else "false"),
                                           polling=20, timeout=900_000)
                    elapsed = time.perf_counter() - started
                    errors = app_exceptions(page)
                    if errors:
                        raise SystemExit(f"{where}: the browser shows an exception on {page.url}:\n" + "\n".join(errors))
                    return elapsed

                measures.browser_first = load(lambda: page.goto(server.url + "/", wait_until="commit"))
                reloads, sizes = [], []
                for _ in range(repeat):
                    received[0] = 0
                    reloads.append(load(lambda: page.reload(wait_until="commit")))
                    page.wait_for_timeout(300)  # frames still in flight after the app said it was done
                    sizes.append(received[0])
                measures.browser_warm, measures.ws_bytes = statistics.median(reloads), int(statistics.median(sizes))
                for path in BROWSER_PAGES:
                    load(lambda: page.goto(f"{server.url}/{path.format(code=code)}", wait_until="commit"), chart=False)
                    page.wait_for_selector("h1", timeout=60_000)
            finally:
                browser.close()
        measures.memory = peak_memory(server.process.pid)
    finally:
        server.stop()


# --- one target -----------------------------------------------------------------------------------

def measure(target: Target, args, workdir: Path) -> Measures:
    import streamlit as st

    from remediation.storage import engine as db

    os.environ["DATABASE_URL"] = target.url
    os.environ["REMEDIATION_DEMO"] = "0"
    m = Measures()
    engine = db.make_engine(target.url)
    try:
        code = open_incident_code(engine)
        print(f"  references (floor, naive page) ×{args.repeat} …", flush=True)
        figures = references(target, engine, args.repeat, m)
        print(f"  policy impact ×{args.repeat} …", flush=True)
        impact(engine, args.repeat, m, per_row=not args.skip_per_row_impact)
        print(f"  {len(args.pages or PAGES)} pages through AppTest (first run, warm rerun ×{args.repeat}) …", flush=True)
        run_pages(target, code, args.repeat, m, figures, workdir, args.pages)
    finally:
        engine.dispose()
        db.dispose_engines()
        st.cache_data.clear()
        st.cache_resource.clear()
    if not args.skip_browser:
        print(f"  browser: first load, reload ×{args.repeat}, then {len(BROWSER_PAGES)} pages …", flush=True)
        run_browser(target, code, args.repeat, m, workdir)
    gc.collect()
    return m


# --- the report -----------------------------------------------------------------------------------

def ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    value = seconds * 1000
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def ratio(x: float | None, y: float | None) -> str:
    return "—" if x is None or not y else f"{x / y:.2f}"


def mb(n: int | None) -> str:
    return "—" if n is None else f"{n / 2**20:,.0f}"


def machine(kinds: list[str], postgres_base: str) -> list[str]:
    import pandas
    import sqlalchemy
    import streamlit

    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or cpu
    ram = "unknown"
    try:
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
        ram = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    pg = "not measured"
    if "postgresql" in kinds:
        from sqlalchemy import create_engine, text

        engine = create_engine(postgres_base)
        try:
            with engine.connect() as conn:
                pg = conn.execute(text("SHOW server_version")).scalar_one() + " (local, loopback)"
        finally:
            engine.dispose()
    chromium = "—"
    from tests.e2e.helpers import find_chromium

    path, _ = find_chromium()
    if path:
        try:
            chromium = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            chromium = path
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; RAM {ram}; {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, Streamlit {streamlit.__version__}, pandas {pandas.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}",
        f"- SQLite {sqlite3.sqlite_version}; PostgreSQL {pg}; {chromium}",
    ]


def verdict(checks: list[tuple[str, float | None, float, bool]]) -> str:
    """'met', or 'MISSED: …' naming each target missed. A check is (name, value, limit, counts)."""
    missed = [f"{name} {value:.2f} > {limit:g}" for name, value, limit, counts in checks
              if counts and value is not None and value > limit]
    if any(counts and value is None for _, value, _, counts in checks):
        missed.append("not measured")
    return "MISSED: " + "; ".join(missed) if missed else "met"


def report(results: dict[tuple[str, int], Measures], targets: list[Target], args, started: float,
           postgres_base: str, load: tuple[str, str]) -> str:
    kinds = list(dict.fromkeys(t.kind for t in targets))
    sizes = sorted({t.size for t in targets})
    small, big = sizes[0], sizes[-1]
    growth = f"{small:,}→{big:,}" if small != big else "(two sizes needed)"
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `{command_line()}` in "
        f"{(time.perf_counter() - started) / 60:.1f} min (load average {load[0]} at the start, {load[1]} at the end).",
        "",
        *machine(kinds, postgres_base),
        "",
        f"## Targets at {big:,} incidents",
        "",
        f"Times in milliseconds. *Warm*: the page's script rerun in the same session (AppTest), median of "
        f"{args.repeat}; *first*: a new session with empty data caches. × naive and × floor divide the warm rerun "
        f"by the naive page and by the floor at {big:,} on the same database. "
        + (f"Growth: at {big:,} divided by at {small:,}. " if small != big else "Growth needs two sizes. ")
        + f"Targets (issue #6): × naive ≤ {TARGET_NAIVE:g}, × floor ≤ {TARGET_FLOOR:g}, warm growth ≤ "
        f"{TARGET_GROWTH:g}, server memory growth ≤ {TARGET_MEMORY:g}"
        + (", set for 100,000 incidents: at a smaller size the verdicts are only indicative." if big < 100_000
           else "."),
        "",
        f"| page | database | warm | first | × naive | × floor | warm growth {growth} | first growth {growth} | "
        "targets |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for kind in kinds:
        top, low = results.get((kind, big)), results.get((kind, small))
        if top is None:
            continue
        for label, value, low_value in (("Naive page (reference)", top.naive, low.naive if low else None),
                                        ("Floor (reference)", top.floor, low.floor if low else None)):
            growth_ref = value / low_value if low_value and small != big else None
            lines.append(f"| {label} | {kind} | {ms(value)} | | {ratio(value, top.naive)} | {ratio(value, top.floor)} | "
                         f"{'—' if growth_ref is None else f'{growth_ref:.2f}'} | | reference |")
        for page in PAGES:
            if page.key not in top.warm:  # not measured (--pages)
                continue
            warm, first = top.warm.get(page.key), top.first.get(page.key)
            g_warm = warm / low.warm[page.key] if low and small != big else None
            g_first = first / low.first[page.key] if low and small != big else None
            checks = [("× naive", warm / top.naive, TARGET_NAIVE, True),
                      ("× floor", warm / top.floor, TARGET_FLOOR, True),
                      ("growth", g_warm, TARGET_GROWTH, small != big)]
            lines.append(f"| {page.label} | {kind} | {ms(warm)} | {ms(first)} | {ratio(warm, top.naive)} | "
                         f"{ratio(warm, top.floor)} | {'—' if g_warm is None else f'{g_warm:.2f}'} | "
                         f"{'—' if g_first is None else f'{g_first:.2f}'} | {verdict(checks)} |")
        if top.browser_warm is not None:
            g_warm = top.browser_warm / low.browser_warm if low and low.browser_warm and small != big else None
            g_first = top.browser_first / low.browser_first if low and low.browser_first and small != big else None
            checks = [("growth", g_warm, TARGET_GROWTH, small != big)]
            lines.append(f"| Portfolio in Chromium (reload; first: a fresh server) | {kind} | {ms(top.browser_warm)} | "
                         f"{ms(top.browser_first)} | {ratio(top.browser_warm, top.naive)} (info) | "
                         f"{ratio(top.browser_warm, top.floor)} (info) | {'—' if g_warm is None else f'{g_warm:.2f}'} | "
                         f"{'—' if g_first is None else f'{g_first:.2f}'} | {verdict(checks)} |")
        if top.memory is not None:
            g_mem = top.memory / low.memory if low and low.memory and small != big else None
            lines.append(f"| Server peak memory, MB (VmHWM) | {kind} | {mb(top.memory)} | | | | "
                         f"{'—' if g_mem is None else f'{g_mem:.2f}'} | | "
                         f"{verdict([('memory growth', g_mem, TARGET_MEMORY, small != big)])} |")
    lines += issue15(results, kinds, big)
    lines += [
        "",
        "## Every size",
        "",
        "Milliseconds (memory in MB). Pages: warm rerun / first run.",
        "",
        "| measure | database | " + " | ".join(f"{s:,}" for s in sizes) + " |",
        "|---|---|" + "---:|" * len(sizes),
    ]

    def row(label: str, kind: str, cell) -> None:
        cells = []
        for s in sizes:
            m = results.get((kind, s))
            cells.append("—" if m is None else cell(m))
        lines.append(f"| {label} | {kind} | " + " | ".join(cells) + " |")

    for kind in kinds:
        gen = {t.size: t.generated for t in targets if t.kind == kind}
        lines.append(f"| data (`python -m remediation demo`) | {kind} | " + " | ".join(gen.get(s, "—") for s in sizes)
                     + " |")
        row("open incidents", kind, lambda m: f"{m.open_incidents:,}")
        row("**naive page** (whole tables, pandas)", kind, lambda m: ms(m.naive))
        row("**floor** (the page's SQL queries)", kind, lambda m: ms(m.floor))
        for page in PAGES:
            row(page.label, kind, lambda m, k=page.key: f"{ms(m.warm.get(k))} / {ms(m.first.get(k))}")
        row("Portfolio in Chromium: reload / first load", kind,
            lambda m: f"{ms(m.browser_warm)} / {ms(m.browser_first)}")
        row("Server peak memory (MB)", kind, lambda m: mb(m.memory))
        row("Policy impact: open incidents re-assessed", kind, lambda m: f"{m.impact_assessed:,}")
        row("Policy impact (policy_impact)", kind, lambda m: ms(m.impact))
        row("Policy impact, per-row loop (once)", kind, lambda m: ms(m.impact_per_row))
    lines += [
        "",
        "## How to read it",
        "",
        "- **Naive page**: `benchmarks/naive.py` reads the incidents, plans, case plans, budget lines, funding and "
        "expenditure tables whole with `pd.read_sql` and computes every figure of the portfolio page in pandas; it "
        "draws nothing, so × naive is a conservative ratio. The run stops unless its figures (headline, pipeline "
        "with the closed outcomes, ageing, table) equal the page's queries', and the page AppTest drew shows the "
        "same counts.",
        "- **Floor**: the four `remediation.storage.queries` calls the portfolio page makes (`headline`, `pipeline`, "
        "`ageing`, `portfolio`) with its default filter (open incidents), no Streamlit, no cache.",
        "- **Pages** run through AppTest (the `tests/app` wrapper script). A first run starts a new session with "
        "every data cache emptied (engine and imports warm, after one throwaway run of every page); a warm rerun "
        "reruns that session. The incident page is a deep link to an open incident in Step 4.",
        "- **Chromium**: `streamlit run app.py` and headless Chromium; from `page.goto` until script state "
        "notRunning, no running indicator and the pipeline chart's bars in the DOM. The first load is the fresh "
        "server's first session; the reload a new session on warm caches. Its × naive and × floor are for "
        "information (the browser adds the frontend's own start-up); its growth is a target.",
        "- **Memory**: VmHWM of the Streamlit server (and any child) after it served the portfolio (first load "
        "and reloads), an incident, the Level 2 plans and the lessons pages.",
        "- **Policy impact**: `remediation.services.impact.policy_impact` of a draft (severe from 3 affected persons, "
        "30-day margin) against the policy in force, as the policy page calls it; the per-row loop is "
        "`benchmarks/impact_bench.py`'s, once. It is the one computation that reads every open incident, so it "
        "grows with the portfolio by design; it has no target.",
        "- **Concurrent sessions**: `python benchmarks/load.py` (20 sessions against one server: 4 in Chromium, 16 on "
        "the websocket) writes its own table to `benchmarks/LOAD.md`.",
        "",
    ]
    return "\n".join(lines)


def issue15(results: dict[tuple[str, int], Measures], kinds: list[str], big: int) -> list[str]:
    """The targets of issue #15 at the largest size: every time as a ratio to the reference read."""
    lines = [
        "",
        f"## Issue #15 targets at {big:,} incidents",
        "",
        "Ratios to the **reference read** (the whole `incidents` table into pandas, median; its columns as when #15 "
        "was filed, without the nine lessons-learned columns added since to make pages faster), measured in the same "
        f"run. Targets: cold ≤ {TARGET_COLD:g}×, warm ≤ {TARGET_WARM:g}×, another session's rerun after a write ≤ "
        f"{TARGET_AFTER_WRITE:g}× (portfolio, plans, lessons), recording a change ≤ {TARGET_WRITE:g}×, websocket "
        f"bytes per portfolio view ≤ {TARGET_BYTES / 1000:,.0f} KB"
        + (" (set for 100,000 incidents: at this size the verdicts are only indicative)." if big < 100_000 else "."),
        "",
        "| measure | database | ms (bytes) | × reference | target | verdict |",
        "|---|---|---:|---:|---:|---|",
    ]

    def add(label: str, kind: str, value: float | None, ref: float, target: float) -> None:
        r = None if value is None or not ref else value / ref
        verdict = "not measured" if r is None else ("met" if r <= target else "MISSED")
        lines.append(f"| {label} | {kind} | {ms(value)} | {'—' if r is None else f'{r:.3f}'} | ≤ {target:g} | {verdict} |")

    for kind in kinds:
        m = results.get((kind, big))
        if m is None:
            continue
        lines.append(f"| Reference read (`incidents` into pandas) | {kind} | {ms(m.reference)} | 1.000 | | reference |")
        for page in PAGES:
            add(f"{page.label}: cold (new session, caches empty)", kind, m.first.get(page.key), m.reference, TARGET_COLD)
        for page in PAGES:
            add(f"{page.label}: warm rerun", kind, m.warm.get(page.key), m.reference, TARGET_WARM)
        for key in AFTER_WRITE_PAGES:
            label = next(p.label for p in PAGES if p.key == key)
            add(f"{label}: another session's rerun after a write", kind, m.after_write.get(key), m.reference,
                TARGET_AFTER_WRITE)
        for key in AFTER_WRITE_PAGES:
            label = next(p.label for p in PAGES if p.key == key)
            add(f"{label}: another session's rerun after a settings change (every figure recomputed)", kind,
                m.after_settings.get(key), m.reference, TARGET_AFTER_WRITE)
        add("A write to one incident: service call", kind, m.write_call, m.reference, TARGET_WRITE)
        add("A write to one incident: service call + the incident page's rerun", kind, m.write_page, m.reference,
            TARGET_WRITE)
        if m.ws_bytes is None:
            lines.append(f"| Portfolio view: bytes received on the websocket | {kind} | — | | ≤ {TARGET_BYTES:,} | "
                         "not measured (--skip-browser) |")
        else:
            lines.append(f"| Portfolio view: bytes received on the websocket (reload, median) | {kind} | "
                         f"{m.ws_bytes:,} B | | ≤ {TARGET_BYTES:,} | {'met' if m.ws_bytes <= TARGET_BYTES else 'MISSED'} |")
    lines += [
        "",
        ("- *Cold*: a new AppTest session after every data cache and cached figure was emptied (its sessions share "
        "one component registry, as a server's do: AppTest's own scan of the installed packages on each new "
        "instance is not counted, since #15's portfolio section; nor, since #15's write-path section, AppTest's "
        "compiling of the page scripts on every run: they share one script cache, as a server's sessions do). "
        "*After a write*: "
        "a viewer's session, warm, reruns after `link_smelter` linked or unlinked one incident's smelter (a "
        "records-area write, which changes none of the facets the whole portfolio's figures key on: those stay "
        "warm); its server reads the new data version as it would a second later. *After a settings change*: the "
        "same, after Step 1's time frame was saved (a write every cached figure keys on: everything the page shows "
        "is computed again, the caches' worst case). *Recording a "
        "change*: that service call, then `after_write()` and the editor's incident page rerun (AppTest; not a "
        "form click in a browser). *Bytes*: every websocket frame Chromium received from the page's reload "
        "(a new session) until the app finished, plus 300 ms."),
        "- Not measured here: the load test (`benchmarks/load.py`, see `benchmarks/LOAD.md`).",
    ]
    return lines


def quiet_streamlit() -> None:
    """No "missing ScriptRunContext" warnings from AppTest and the cache calls made outside a script run."""
    import streamlit.logger
    from streamlit import config

    config.get_config_options()  # parse the config files first, or parsing them later resets the level
    config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")


def command_line() -> str:
    return " ".join(["python", "benchmarks/run.py", *sys.argv[1:]])


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def only_pages(keys: list[str], parser) -> None:
    """Measure only ``keys`` (and the incident page) through AppTest: a quicker run while working on a few pages."""
    global AFTER_WRITE_PAGES
    unknown = sorted(set(keys) - {p.key for p in PAGES})
    if unknown:
        parser.error(f"--pages: unknown page {', '.join(unknown)}; one of {', '.join(p.key for p in PAGES)}")
    PAGES[:] = [p for p in PAGES if p.key in keys or p.key == "incident"]
    AFTER_WRITE_PAGES = tuple(k for k in AFTER_WRITE_PAGES if k in keys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="portfolio sizes, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--repeat", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL),
                        help="a PostgreSQL database where each size gets a schema bench_<size> "
                             "(default: $BENCH_DATABASE_URL, else the local test database)")
    parser.add_argument("--skip-browser", action="store_true", help="no Chromium part (nor server memory)")
    parser.add_argument("--skip-per-row-impact", action="store_true",
                        help="skip the per-row policy-impact loop (a few seconds at 100,000)")
    parser.add_argument("--regenerate", action="store_true", help="generate every portfolio again, even if one "
                                                                  "of that size exists")
    parser.add_argument("--output", type=Path, help=f"where to write the results (default {DEFAULT_OUTPUT.relative_to(ROOT)}; "
                                                    "with --smoke, a file under benchmarks/.data/)")
    parser.add_argument("--smoke", action="store_true", help="1,000 incidents, SQLite only, 2 repeats: keeps it working")
    parser.add_argument("--pages", help="measure only these pages through AppTest, comma-separated keys (e.g. "
                                        "plans,lessons; the incident page is always measured: a write's editor "
                                        f"reruns it); default every page: {', '.join(p.key for p in PAGES)}")
    args = parser.parse_args(argv)
    if args.pages:
        only_pages([k.strip() for k in args.pages.split(",") if k.strip()], parser)
        args.pages = None  # PAGES now holds only those (and the incident page): run_pages runs them all
    if args.smoke:
        args.sizes, args.databases, args.repeat = "1000", "sqlite", 2
        args.output = args.output or DATA_DIR / "smoke-RESULTS.md"
    output = args.output or DEFAULT_OUTPUT
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ("sqlite", "postgresql")]
    if unknown or not kinds or not sizes or min(sizes) < 100 or args.repeat < 1:
        parser.error("--databases takes sqlite and/or postgresql; --sizes at least 100 each; --repeat at least 1")

    os.chdir(ROOT)  # .streamlit/config.toml applies to AppTest as to `streamlit run`
    quiet_streamlit()
    started, load_start = time.perf_counter(), load_average()
    targets = targets_for(kinds, sizes, args.postgres_url)
    results: dict[tuple[str, int], Measures] = {}
    workdir = Path(tempfile.mkdtemp(prefix="remediation-bench-"))
    try:
        for target in targets:
            print(f"{target.kind}, {target.size:,} incidents: preparing …", flush=True)
            prepare(target, args.postgres_url, args.regenerate)
            print(f"  {target.generated}", flush=True)
            results[(target.kind, target.size)] = measure(target, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(results, targets, args, started, args.postgres_url, (load_start, load_average()))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print()
    print(text)
    print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
