"""Load test: concurrent browser sessions against one or two Streamlit servers (issues #6 and #15).

Not a test (timings are not deterministic; pytest collects ``tests/`` only). Run::

    python benchmarks/load.py                                   # 20 sessions, 60 s, a fresh 10,000-incident SQLite file
    python benchmarks/load.py --sessions 4 --duration 20        # a quick run while developing
    python benchmarks/load.py --database-url postgresql+psycopg://USER@127.0.0.1:5432/DB  # an existing portfolio
    # PostgreSQL, a schema of its own (made, and 10,000 incidents generated, unless it holds them already), and
    # two servers sharing it:
    python benchmarks/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --schema load15 \
        --servers 2

It starts one ``streamlit run app.py`` on loopback (``--servers 2``: two, on two ports, one after the other,
sharing the database; session *i* is on server *i* mod 2) (``tests/e2e/helpers.py``). The first
``--browser-sessions`` (4) sessions are pages in one headless Chromium, a browser context each; the others speak
Streamlit's own websocket protocol without a browser (``SocketSession``: the messages a page sends and receives,
the same path and checks, nothing drawn). All are driven from one asyncio loop (Playwright's async API: one driver
process, no threads). A warm-up pass (one session, not counted) gives the server its first runs; then each
session opens its first page, two at a time (a new context's cold cache costs the browser seconds of CPU,
which twenty at once on two cores would turn into minutes; not counted, errors are), and for ``--duration``
seconds every session loops through the path a reviewer takes (session *i* begins at step *i* mod 5, so a
short run with a long think time still measures every step), pausing ``--think`` seconds (0.5-1.5×) after
each interaction:

1. **incident**: load ``/incident?incident=CODE`` (a deep link: a new page and a new Streamlit session) for
   a random code read from the database, until its title (the code) and its level section are shown;
2. **triage**: click "What-if triage" in the sidebar until the matrix marks the default facts' scenario;
3. **triage change**: change one input (the trading link, or the "repeated" toggle) until the matrix marks
   the scenario the level rules give for the new facts and the Level 1 answer matches them;
4. **portfolio**: click "Portfolio" in the sidebar until the pipeline chart is drawn (its bars exist);
5. a write, checked on the other server: load an incident at Step 1 whose credibility is not decided (timed as
   an **incident**; each session has its own share of them, so no two sessions write to one incident; in local
   mode, no sign-in configured, every session is the local admin), fill in the credibility form (Yes, decided
   today; not timed), then **record**: submit it until the page shows the actionability form; then at once
   **seen**: load that incident on the other server (one server: the same one, in a new session) until it shows
   the actionability form too. The other server knows of the write only through the database (its data versions
   from the audit log, ``remediation/storage/versions.py``, read at most once a second). A page there that still
   shows the credibility form is reloaded; it is a "stale read" error if it was loaded more than
   ``--stale-after`` (2) seconds after the write had finished.

An interaction is timed from the action (navigation or click) until, in the page, its expected elements
are there and the app has finished running (``stApp`` connected and ``notRunning``, no running indicator,
no skeletons), checked in the page by a MutationObserver on every DOM change: exact to the change, and
no polling from the harness. Its
**server** part is timed inside the server (the server the page is on) by a probe put on the server's PYTHONPATH (``sitecustomize``;
the app is untouched) that records every script run with its Streamlit session id: the runs of that
session during the interaction, first start to last end. (Timing it on the websocket does not work here:
Chromium's renderers grant the websocket its receive quota, so a busy renderer delays even the frames'
network timestamps.)

Errors: an app exception box (``stException``), a dialog ("Page not found", connection error), a
``page_not_found`` message from the server, a websocket that is not connected, an HTTP status >= 400 from
the server (except the 404s of Streamlit's own base-path probe on a deep link), a JavaScript error or a
crash in the page, an interaction not finished within ``--timeout`` (30 s; the message says whether the
server had finished its run), and tracebacks or ERROR lines in the server's log. The exit status is 1 if
there was any error. After an error the session starts again from a new page load of ``/``.

A websocket session's interaction (rows marked *(websocket)*) is timed from the message sent until the run's
last message (``script_finished``) has arrived, and checked on what the run sent: the expected title and
elements (the incident's code, the triage answer for the facts, the form the write leads to), no exception
element, no ``page_not_found``, the run finished within ``--timeout``, the connection open.

Why not twenty browsers: the browser stands in for the reviewers' own machines but shares this one's two cores
with the server, and drawing Streamlit's pages costs far more CPU than serving them. Measured alone (stop 31): an
incident deep link costs Chromium's renderer 1.7 s of CPU and the server 0.2-0.4 s; a page of Streamlit's that
shows only a title still costs the renderer 0.35 s per deep link. Twenty browser sessions at a 20 s think time need
about 2 s of Chromium CPU per interaction, more than two cores have beside the server, so interactions queued in the
browser for up to 27 s while the server had finished its runs in under 1 s (``--browser-sessions 20`` still runs
that). Four browser sessions keep measuring what a reviewer sees, drawing included; the websocket sessions give the
server the other sixteen reviewers' load. For the browser sessions the harness also keeps its own cost down: the
renderers run at ``--browser-nice`` 10 (they cannot starve the server), the pages' CSS animations are off
(``--animations`` keeps them), and the default ``--think`` time is 20 s, a reviewer reading the page. Back to
back (``--think 0``) even four pages need more CPU than two cores have beside the server; the table's CPU lines and
a timeout's message (did the server finish its run?) show which side ran out.

It prints a table (p50/p95/max per interaction kind and overall, server p50/p95, completed interactions,
errors with a sample message; with two servers each kind per server, and overall per server and for both), the
servers' peak memory (``/proc/<pid>/status`` VmHWM), the CPU used by the servers, the browser, the harness and other
work on the machine, the load average when the load began and ended, and how long each write took to show on the
other server, and writes it as a markdown section to ``--output`` (default ``benchmarks/LOAD.md``) headed by the
configuration ("## Load test: one server, SQLite", "… 2 servers, PostgreSQL"): the section with that heading is
replaced, the others kept.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from tests.e2e.helpers import (  # noqa: E402
    CHROMIUM_ARGS,
    RUNNING_INDICATOR_SELECTOR,
    StreamlitServer,
    StreamlitServerError,
    find_chromium,
    start_streamlit,
)

KINDS = {  # interaction kind → what it is, in the order of the path
    "incident": "load /incident?incident=CODE (deep link, random code)",
    "triage": "What-if triage from the sidebar",
    "triage change": "change a triage input, answer updated",
    "portfolio": "Portfolio from the sidebar, pipeline chart drawn",
    "record": "record credibility on a Step 1 incident (a write), the page moved on to actionability",
    "seen": "the other server shows that write: load the incident there until it has moved on",
    "portfolio load": "load / in a new page (only after an error)",
}
#: A websocket session's interactions: the same path, timed until the server has sent the run's last message.
SOCKET = " (websocket)"
KINDS.update({kind + SOCKET: "the same, without a browser: until the run's last message" for kind in list(KINDS)})
#: The form a record step fills in (an incident at Step 1, credibility not decided) and the one the incident
#: shows once it is recorded.
RECORD_FORM, NEXT_FORM = "Record credibility", "Record actionability"
SUBMIT_SELECTOR = "[data-testid='stFormSubmitButton']"
SERVER_NAMES = "ABCD"
FINISHED_SELECTOR = ("[data-testid='stApp'][data-test-connection-state='CONNECTED']"
                     "[data-test-script-state='notRunning']")
NAV_LINK = "[data-testid='stSidebarNav'] a"
VIEWPORT = {"width": 1400, "height": 900}
#: On a deep link (``/incident``) Streamlit's frontend first tries the page's path as the server's base path
#: (``/incident/_stcore/health``, ``…/host-config``), gets a 404 and falls back to ``/``: expected, not an error.
BASE_PATH_PROBE = re.compile(r"^/[^/]+/_stcore/(health|host-config)$")


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    #: (server index, kind) → times, and the server's own part of them
    by_server: dict[tuple[int, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    server_by_server: dict[tuple[int, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    #: (interaction kind, error kind, message, server index or None)
    errors: list[tuple[str, str, str, int | None]] = field(default_factory=list)
    #: kind, server index, session id, start, end
    records: list[tuple[str, int, str, float, float]] = field(default_factory=list)
    warmup: dict[str, float] = field(default_factory=dict)
    starts: list[float] = field(default_factory=list)  # each session's first page, two at a time
    probes_404: int = 0
    lags: list[float] = field(default_factory=list)  # a write done on one server → shown on the other
    stale: int = 0  # page loads on the other server that still showed the old state (then reloaded)
    no_target: int = 0  # record steps skipped: the session had no Step 1 incident left to write to

    def error(self, kind: str, error_kind: str, message: str, server: int | None = None) -> None:
        self.errors.append((kind, error_kind, " ".join(message.split())[:700], server))


class InteractionError(Exception):
    def __init__(self, error_kind: str, message: str) -> None:
        super().__init__(message)
        self.error_kind = error_kind


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------------------------------
# The database
# --------------------------------------------------------------------------------------------------


def generate(url: str, incidents: int) -> float:
    """``python -m remediation demo`` into ``url``. One worker on SQLite: two processes writing their shards into
    one file wait for each other's locks, and on a loaded machine longer than SQLite's busy timeout."""
    start = time.perf_counter()
    workers = ["--workers", "1"] if url.startswith("sqlite") else []
    subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, "demo",
                    "--incidents", str(incidents), "--seed", "7", *workers], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def schema_url(base: str, schema: str) -> str:
    """``base`` (a PostgreSQL URL) with ``schema`` as its search path, as ``benchmarks/run.py`` does."""
    return base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"


def prepare_schema(base: str, schema: str, incidents: int, regenerate: bool) -> str:
    """A portfolio of ``incidents`` in the PostgreSQL schema ``schema`` of ``base``: reused if it holds that many
    incidents (``regenerate``: always made anew), else the schema is dropped, created and generated into."""
    from sqlalchemy import create_engine, func, select, text

    from remediation.storage import engine as db
    from remediation.storage.schema import incidents as incidents_table

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", schema):
        raise SystemExit(f"--schema {schema!r}: lower-case letters, digits and underscores only")
    url = schema_url(base, schema)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                                  {"s": schema}).first() is not None
        found = None
        if exists and not regenerate:
            engine = db.make_engine(url)
            try:
                db.migrate(engine)
                with engine.connect() as conn:
                    found = conn.execute(select(func.count()).select_from(incidents_table)).scalar_one()
            except Exception:  # noqa: BLE001 - not a usable portfolio: made anew below
                found = None
            finally:
                engine.dispose()
        if found == incidents:
            made = "reused"
            print(f"reusing the {incidents:,} incidents in schema {schema}", flush=True)
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            print(f"generating {incidents:,} incidents into schema {schema} …", flush=True)
            elapsed = generate(url, incidents)
            print(f"  {elapsed:.1f} s", flush=True)
            made = f"generated in {elapsed:.0f} s"
        # Statistics for the planner, as autovacuum would give soon after (it had not, 40 minutes after a
        # generation on a loaded machine: without them the portfolio's money query ran for minutes).
        analyze = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with analyze.connect() as conn:
                conn.execute(text("ANALYZE"))
        finally:
            analyze.dispose()
        return made
    finally:
        admin.dispose()


def write_targets(url: str) -> list[str]:
    """Incidents a record step can write to: open at Step 1, credibility not decided (so the page shows the
    credibility form), in code order. Each is written once: the sessions take disjoint shares."""
    from sqlalchemy import and_, select

    from remediation.storage.engine import make_engine
    from remediation.storage.schema import incidents, verifications

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = (select(incidents.c.code)
                     .select_from(incidents.outerjoin(verifications, verifications.c.incident_id == incidents.c.id))
                     .where(and_(incidents.c.status == "open", incidents.c.step == 1, verifications.c.credible.is_(None),
                                 verifications.c.audit_programme_notified_on.is_(None)))
                     .order_by(incidents.c.code))
            return list(conn.execute(query).scalars())
    finally:
        engine.dispose()


def incident_codes(url: str) -> list[str]:
    from sqlalchemy import select

    from remediation.storage.engine import make_engine
    from remediation.storage.schema import incidents

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(incidents.c.code)).scalars())
    finally:
        engine.dispose()


def triage_expectations(url: str) -> dict[str, tuple[str, str]]:
    """(scenario, Level 1 text) the triage page must show for its defaults and after each change we make.

    The defaults mirror pages/triage.py; the answers come from the level rules under the policy in force in
    that database, so a wrong answer is caught, not only a missing one."""
    from remediation.domain.rules import TriageInput, assess
    from remediation.domain.vocab import REQUIREMENTS
    from remediation.storage.engine import make_engine
    from remediation.storage.queries import policy_in_force as in_force

    engine = make_engine(url)
    try:
        policy = in_force(engine)
    finally:
        engine.dispose()
    today = date.today()
    defaults = dict(trading_link="past", incident_date=today - timedelta(days=300),
                    stopped_trading_date=today - timedelta(days=120), became_public_date=None,
                    violation_types=["forced_labour"], repeated=False, affected_persons=5, children_affected=0)
    cases = {"defaults": defaults,
             "link": {**defaults, "trading_link": "current", "stopped_trading_date": None},
             "repeated": {**defaults, "repeated": True}}
    out = {}
    for name, facts in cases.items():
        a = assess(TriageInput(**facts), policy)
        out[name] = (a.scenario, REQUIREMENTS[a.level1])
    for name in ("link", "repeated"):
        assert out[name][0] != out["defaults"][0], f"changing {name} does not change the triage scenario"
    return out


# --------------------------------------------------------------------------------------------------
# The server's own time per script run
# --------------------------------------------------------------------------------------------------

#: Put on the server's PYTHONPATH as ``sitecustomize.py``: it times every script run in the server
#: (Streamlit's ``exec_func_with_error_handling``: wall and thread CPU seconds), without touching the app.
SERVER_PROBE = '''\
"""Written by benchmarks/load.py: time every script run of this Streamlit server."""
import os
import threading
import time

_path = os.environ.get("LOAD_PROBE_FILE")
if _path:
    from streamlit.runtime.scriptrunner import script_runner as _script_runner

    _exec = _script_runner.exec_func_with_error_handling
    _lock = threading.Lock()

    def _timed(func, ctx):
        start, cpu = time.monotonic(), time.thread_time()
        try:
            return _exec(func, ctx)
        finally:
            line = (f"{start:.6f} {time.monotonic() - start:.6f} {time.thread_time() - cpu:.6f} "
                    f"{getattr(ctx, 'session_id', '-')}\\n")
            with _lock, open(_path, "a") as f:
                f.write(line)

    _script_runner.exec_func_with_error_handling = _timed
'''


def probe_file(workdir: Path, server: int) -> Path:
    """Where server number ``server``'s probe writes its script runs."""
    return workdir / f"script-runs-{server}.txt"


def probe_env(workdir: Path, server: int = 0) -> dict[str, str]:
    folder = workdir / "probe"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(SERVER_PROBE)
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "LOAD_PROBE_FILE": str(probe_file(workdir, server))}


class ScriptRuns:
    """The server's script runs as its probe wrote them: (start, wall, CPU) per Streamlit session id.

    ``start`` is ``time.monotonic()`` in the server: the same clock as the harness's (CLOCK_MONOTONIC)."""

    def __init__(self, runs: dict[str, list[tuple[float, float, float]]]) -> None:
        self.runs = runs

    @classmethod
    def load(cls, path: Path) -> "ScriptRuns":
        runs: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        try:
            text = path.read_text()
        except OSError:
            text = ""
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 4:
                runs[parts[3]].append((float(parts[0]), float(parts[1]), float(parts[2])))
        return cls(runs)

    def between(self, session_id: str, start: float, end: float) -> tuple[float, float] | None:
        """(first start, last end) of the session's runs that began in [start, end]."""
        runs = [(s, s + w) for s, w, _ in self.runs.get(session_id, ()) if start <= s <= end]
        return (min(s for s, _ in runs), max(e for _, e in runs)) if runs else None

    def all_between(self, start: float, end: float) -> list[tuple[float, float]]:
        """(wall, CPU) of every run that began in [start, end]."""
        return [(w, c) for runs in self.runs.values() for s, w, c in runs if start <= s <= end]


# --------------------------------------------------------------------------------------------------
# CPU and memory of the processes involved (/proc)
# --------------------------------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, float, str]]:
    """pid → (ppid, CPU seconds so far, command name) for every process we can read."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK, comm)
    return table


def _descendants(table, root: int) -> set[int]:
    children = defaultdict(list)
    for pid, (ppid, _, _) in table.items():
        children[ppid].append(pid)
    out, todo = set(), [root]
    while todo:
        pid = todo.pop()
        out.add(pid)
        todo.extend(children.get(pid, ()))
    return out


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLK_TCK, sum(values) / CLK_TCK


def vm_kib(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _is_renderer(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"--type=renderer" in f.read()
    except OSError:
        return False


class Monitor:
    """Once a second: the CPU time of the server, the browser and the harness, the server's memory; and the
    browser's renderers kept at a lower priority (``nice``) than the server.

    The browser stands in for the reviewers' own machines but shares this one's cores with the server: at a
    lower priority it cannot starve the server, so the server's part of each interaction is what it would be
    in a deployment, while the browser's own waiting still shows in the interaction times. Chromium sets its
    renderers' priority itself, so the setting is renewed on every sample (threads included).
    A process's CPU time is kept at its last sample, so a renderer that exits still counts."""

    def __init__(self, server_pids: list[int], nice: int) -> None:
        self.server_pids = list(server_pids)
        self.nice = nice
        self.me = os.getpid()
        self.cpu: dict[str, dict[int, float]] = {"server": {}, "browser": {}, "harness": {}}
        self.base: dict[str, dict[int, float]] = {}
        self.server_samples: list[float] = []  # the servers' share of one core, per interval (all servers)
        self.rss_peak: dict[int, int] = dict.fromkeys(self.server_pids, 0)  # per server pid, KiB
        self.measuring = False
        self._last_server = None
        self._machine0 = None
        self._task = None

    def sample(self) -> None:
        table = _proc_table()
        server = set().union(*(_descendants(table, pid) for pid in self.server_pids))
        mine = _descendants(table, self.me) - server
        for pid in server:
            self.cpu["server"][pid] = table[pid][1]
        for pid in mine:
            browser = "chrom" in table[pid][2].lower()
            self.cpu["browser" if browser else "harness"][pid] = table[pid][1]
            if browser and self.nice and _is_renderer(pid):
                self._renice(pid)
        now = time.monotonic()
        server_cpu = sum(table.get(pid, (0, 0.0, ""))[1] for pid in self.server_pids)
        if self._last_server is not None and self.measuring:
            t, c = self._last_server
            if now > t:
                self.server_samples.append((server_cpu - c) / (now - t))
        self._last_server = (now, server_cpu)
        if self.measuring:
            for pid in self.server_pids:
                self.rss_peak[pid] = max(self.rss_peak[pid], vm_kib(pid, "VmRSS") or 0)

    def _renice(self, pid: int) -> None:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return
        for tid in tids:
            try:
                if os.getpriority(os.PRIO_PROCESS, int(tid)) < self.nice:
                    os.setpriority(os.PRIO_PROCESS, int(tid), self.nice)
            except OSError:
                pass

    def watch(self) -> None:
        """Start sampling (and renicing) in the background."""
        self.sample()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.sample()

    def start(self) -> None:
        """The measured interval begins."""
        self.measuring = True
        self.sample()
        self.base = {group: dict(cpu) for group, cpu in self.cpu.items()}
        self._machine0 = (_machine_cpu(), time.monotonic())

    def stop(self) -> dict[str, float]:
        """The measured interval ends: CPU seconds per group, the machine's, and its capacity."""
        self.sample()
        self.measuring = False
        (busy0, total0), t0 = self._machine0
        busy1, total1 = _machine_cpu()
        used = {group: sum(c - self.base[group].get(pid, 0.0) for pid, c in cpu.items())
                for group, cpu in self.cpu.items()}
        used["machine"] = busy1 - busy0
        used["other"] = used["machine"] - used["server"] - used["browser"] - used["harness"]
        used["capacity"] = total1 - total0  # every core's seconds in the interval
        used["wall"] = time.monotonic() - t0
        return used

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


# --------------------------------------------------------------------------------------------------
# One browser session
# --------------------------------------------------------------------------------------------------


#: Runs in the page: resolves with ``Date.now()`` as soon as every condition holds at once (checked on each DOM
#: mutation, so the time is exact and no animation frames are forced), early when an exception box or a dialog
#: appears, or after ``timeout`` ms with the conditions still unmet. A condition: ``sel`` (CSS, first match),
#: with ``absent`` (no match), ``text``/``not`` (the first match's text contains / does not contain it), ``any``
#: (any match, not the first, contains ``text``), ``none`` (no match contains ``text``), ``has`` (the first match
#: has a descendant matching it), ``path`` (a regular expression for location.pathname), or ``anyOf`` (a list of
#: conditions, one of which holds).
WAIT_JS = """
async ({conds, timeout}) => {
  const text = (el) => (el.textContent || "").replace(/\\s+/g, " ");
  const holds = (c) => {
    if (c.anyOf) return c.anyOf.some(holds);
    if (c.none) return !Array.from(document.querySelectorAll(c.sel)).some((el) => text(el).includes(c.text));
    if (c.path) return new RegExp(c.path).test(location.pathname);
    if (c.absent) return document.querySelector(c.sel) === null;
    if (c.any) return Array.from(document.querySelectorAll(c.sel)).some((el) => text(el).includes(c.text));
    const el = document.querySelector(c.sel);
    if (el === null) return false;
    if (c.has && el.querySelector(c.has) === null) return false;
    if (c.text !== undefined) return c.not ? !text(el).includes(c.text) : text(el).includes(c.text);
    return true;
  };
  const failures = [["app exception", "[data-testid='stException']"], ["dialog", "[role='dialog']"]];
  return await new Promise((resolve) => {
    let done = false, observer = null, poll = null, timer = null;
    const finish = (result) => {
      if (done) return;
      done = true;
      if (observer) observer.disconnect();
      clearInterval(poll);
      clearTimeout(timer);
      resolve({...result, at: Date.now()});
    };
    const check = () => {
      if (done) return;
      for (const [kind, sel] of failures) {
        const el = document.querySelector(sel);
        if (el !== null && el.innerText.trim()) return finish({ok: false, kind, message: el.innerText.slice(0, 1500)});
      }
      if (conds.every(holds)) finish({ok: true});
    };
    observer = new MutationObserver(check);
    observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    poll = setInterval(check, 500);  // a safety net only: every change of interest is a DOM mutation
    timer = setTimeout(() => finish({ok: false, kind: "timeout",
                                     unmet: conds.filter((c) => !holds(c)).map((c) => c.name)}), timeout);
    check();
  });
}
"""


#: Added to every page unless ``--animations``: no CSS animations or transitions. Twenty pages' spinners, skeleton
#: shimmers and fades are drawn frame by frame while a page waits; on two shared cores that work starves the
#: pages themselves (measured: Chromium's CPU per interaction fell from 4.6 s to 1.8 s at 20 sessions). In a
#: deployment each reviewer's own machine draws them. The DOM, and so what is measured, is the same.
NO_ANIMATIONS_JS = """
(() => {
  const style = document.createElement("style");
  style.textContent = "*, *::before, *::after { animation: none !important; transition: none !important; }";
  const add = () => (document.head || document.documentElement).appendChild(style);
  if (document.documentElement) add(); else document.addEventListener("DOMContentLoaded", add);
})();
"""


def finished_conditions() -> list[dict]:
    """The app has finished running: connected, ``notRunning``, no running indicator, no skeletons."""
    return [{"name": "finished run (stApp CONNECTED, notRunning)", "sel": FINISHED_SELECTOR},
            {"name": "no running indicator", "sel": RUNNING_INDICATOR_SELECTOR, "absent": True},
            {"name": "no loading skeleton", "sel": "[data-testid='stSkeleton']", "absent": True}]


class Session:
    """One browser context and page, and the path it loops through, on its own server ``servers[home]``; only
    the check that a write shows on the other server loads a page there."""

    def __init__(self, number: int, browser, servers: list[str], home: int, codes: list[str], expect_triage,
                 results: Results, timeout: float, think: float, seed: int, runs_paths: list[Path],
                 animations: bool = False, targets: list[str] | None = None, stale_after: float = 2.0) -> None:
        self.number = number
        self.browser = browser
        self.servers = servers
        self.home = home
        self.other = (home + 1) % len(servers)  # one server: the same one
        self.on = home  # the server the page is on
        self.base_url = servers[home]
        self.codes = codes
        self.targets = list(targets or [])  # Step 1 incidents this session writes to, one per record step
        self.stale_after = stale_after
        self.expect_triage = expect_triage
        self.results = results
        self.timeout = timeout
        self.think = think
        self.runs_paths = runs_paths
        self.animations = animations
        self.rng = random.Random(seed * 1000 + number)
        self.context = None
        self.page = None
        self.page_errors: list[str] = []
        self.http_errors: list[str] = []
        self.session_id = ""  # the server's id for this page's Streamlit session (from its new_session messages)
        self.page_not_found = 0
        self.first = 0  # the step of the path this session begins with
        self.mono_started = 0.0  # time.monotonic() when the current interaction began

    async def open(self) -> None:
        self.context = await self.browser.new_context(viewport=VIEWPORT)
        if not self.animations:
            await self.context.add_init_script(NO_ANIMATIONS_JS)
        self.page = await self.context.new_page()
        self.page.on("pageerror", lambda exc: self.page_errors.append(f"{self.page.url}: {exc}"))
        self.page.on("crash", lambda _: self.page_errors.append(f"the page crashed on {self.page.url}"))
        self.page.on("response", self._on_response)
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._on_frame))

    async def close(self) -> None:
        if self.context is not None:
            try:
                await self.context.close()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass

    def _on_response(self, response) -> None:
        base = next((url for url in self.servers if response.url.startswith(url)), None)
        if response.status < 400 or base is None:
            return
        path = response.url[len(base):].split("?", 1)[0]
        if response.status == 404 and BASE_PATH_PROBE.match(path):
            self.results.probes_404 += 1
            return
        self.http_errors.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def _on_frame(self, payload) -> None:
        if isinstance(payload, bytes) and len(payload) < 4_000:  # deltas can be megabytes: not these
            msg = ForwardMsg.FromString(payload)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id
            elif kind == "page_not_found":
                self.page_not_found += 1

    # --- waiting ------------------------------------------------------------------------------------

    async def _problems(self) -> InteractionError | None:
        """What the page shows or received that is an error: exception boxes, dialogs, a lost connection…"""
        state = await self.page.evaluate("""() => {
            const app = document.querySelector("[data-testid='stApp']");
            const texts = (sel) => Array.from(document.querySelectorAll(sel)).map((el) => el.innerText.trim())
                                        .filter((t) => t);
            return {exceptions: texts("[data-testid='stException']"), dialogs: texts("[role='dialog']"),
                    connection: app && app.getAttribute("data-test-connection-state")};
        }""")
        url = self.page.url
        if state["exceptions"]:
            return InteractionError("app exception", f"{url}: {state['exceptions'][0]}")
        if state["dialogs"]:
            kind = "page not found" if "Page not found" in state["dialogs"][0] else "dialog"
            return InteractionError(kind, f"{url}: {state['dialogs'][0]}")
        if self.page_not_found:
            self.page_not_found = 0
            return InteractionError("page not found", f"the server sent page_not_found on {url}")
        if state["connection"] != "CONNECTED":
            return InteractionError("connection", f"websocket {state['connection']} on {url}")
        if self.http_errors:
            message, self.http_errors = self.http_errors[0], []
            return InteractionError("http", message)
        if self.page_errors:
            message, self.page_errors = self.page_errors[0], []
            return InteractionError("javascript", message)
        return None

    async def _until(self, started: float, conds: list[dict]) -> float:
        """Wait in the page until every condition holds; the wall-clock time (``time.time()``) it did."""
        remaining = self.timeout - (time.time() - started)
        result = await self.page.evaluate(WAIT_JS, {"conds": conds, "timeout": max(0.0, remaining) * 1000})
        if result["ok"] and result["at"] / 1000 - started <= self.timeout:
            return result["at"] / 1000
        if result["ok"]:  # held, but late: a busy page starts the wait (and fires its timer) seconds after it is asked
            raise InteractionError("timeout", f"after {self.timeout:.0f} s on {self.page.url}: every condition held "
                                              f"only {result['at'] / 1000 - started:.1f} s after the action")
        if result["kind"] != "timeout":
            kind = "page not found" if "Page not found" in result["message"] else result["kind"]
            raise InteractionError(kind, f"{self.page.url}: {result['message']}")
        # Whose time ran out: had the server finished a script run for this session (its own probe says so)?
        runs = ScriptRuns.load(self.runs_paths[self.on]).between(self.session_id, self.mono_started - 0.05,
                                                                  time.monotonic())
        who = (f"the server had finished its script run(s) for this session, {runs[1] - runs[0]:.1f} s from first "
               f"start to last end" if runs else "the server had not finished any script run for this session")
        raise InteractionError("timeout", f"after {self.timeout:.0f} s on {self.page.url}: "
                                          f"{'; '.join(result['unmet'])} still missing ({who})")

    async def _goto(self, path: str, server: int | None = None) -> None:
        self.on = self.home if server is None else server
        response = await self.page.goto(self.servers[self.on] + path, wait_until="commit",
                                        timeout=self.timeout * 1000)
        if response is not None and response.status >= 400:
            raise InteractionError("http", f"HTTP {response.status} for {response.url}")

    async def _click_nav(self, title: str) -> None:
        await self.page.locator(NAV_LINK, has_text=title).click(timeout=self.timeout * 1000)

    # --- the interactions: each acts, then returns the time its conditions held ----------------------
    # Each waits for something only the new run draws (never a leftover of the previous page) together
    # with the run having finished.

    async def incident(self, started: float) -> float:
        code = self.rng.choice(self.codes)
        await self._goto(f"/incident?incident={code}")
        return await self._until(started, [
            {"name": f"title {code}", "sel": "h1", "text": code},
            *finished_conditions(),
            {"name": "the Level of response section", "sel": "h1, h2, h3, h4", "any": True,
             "text": "Level of response"},
        ])

    async def triage(self, started: float) -> float:
        await self._click_nav("What-if triage")
        return await self._triage_drawn(started)

    async def triage_load(self, started: float) -> float:
        await self._goto("/triage")
        return await self._triage_drawn(started)

    async def _triage_drawn(self, started: float) -> float:
        scenario, level1 = self.expect_triage["defaults"]
        return await self._until(started, [
            {"name": "the What-if triage title", "sel": "h1", "text": "What-if triage"},
            {"name": "the /triage address", "path": r"/triage$"},
            *finished_conditions(),
            {"name": f"matrix row {scenario} marked", "sel": f".st-key-matrix_{scenario}", "text": "this case"},
            {"name": f"Level 1 {level1}", "sel": ".st-key-answer_level1", "text": level1},
        ])

    async def triage_change(self, started: float) -> float:
        change = self.rng.choice(["link", "repeated"])
        before, _ = self.expect_triage["defaults"]
        scenario, level1 = self.expect_triage[change]
        if change == "link":
            target = self.page.locator(".st-key-link").get_by_role("radio", name="Current trading")
        else:
            target = self.page.locator(".st-key-repeated").get_by_text("Repeated", exact=False)  # the toggle's label
        await target.click(timeout=self.timeout * 1000)
        return await self._until(started, [
            {"name": f"matrix row {scenario} marked after changing {change}", "sel": f".st-key-matrix_{scenario}",
             "text": "this case"},
            {"name": f"matrix row {before} unmarked", "sel": f".st-key-matrix_{before}", "text": "this case",
             "not": True},
            {"name": f"Level 1 {level1}", "sel": ".st-key-answer_level1", "text": level1},
            *finished_conditions(),
        ])

    async def portfolio(self, started: float) -> float:
        await self._click_nav("Portfolio")
        return await self._portfolio_drawn(started)

    async def portfolio_load(self, started: float) -> float:
        await self._goto("/")
        return await self._portfolio_drawn(started)

    async def _portfolio_drawn(self, started: float) -> float:
        chart = "[data-testid='stPlotlyChart'] .js-plotly-plot"
        return await self._until(started, [
            {"name": "the Portfolio title", "sel": "h1", "text": "Portfolio"},
            *finished_conditions(),
            {"name": "the pipeline chart", "sel": chart, "text": "Incidents by step"},
            {"name": "the pipeline chart's bars", "sel": chart, "has": "g.point"},
        ])

    # --- the write, and the other server seeing it -------------------------------------------------------
    # A record step: open a Step 1 incident whose credibility is not decided (timed as an "incident"), fill the
    # credibility form (not timed: the user typing), submit it ("record": until the page has moved on to the
    # actionability form), then at once load the incident on the other server ("seen": until it shows the
    # actionability form there too). A page there that still shows the credibility form is stale: reloaded
    # while the write is younger than ``stale_after`` seconds when the load began (the servers read the data
    # versions at most once a second), an error after that.

    def _incident_page(self, code: str) -> list[dict]:
        return [{"name": f"title {code}", "sel": "h1", "text": code}, *finished_conditions()]

    async def open_target(self, started: float, code: str) -> float:
        await self._goto(f"/incident?incident={code}")
        return await self._until(started, [
            *self._incident_page(code),
            {"name": f"the {RECORD_FORM} form", "sel": SUBMIT_SELECTOR, "any": True, "text": RECORD_FORM},
        ])

    async def fill_credibility(self) -> None:
        form = self.page.locator("[data-testid='stForm']").filter(has_text=RECORD_FORM)
        await form.get_by_text("Yes", exact=True).click(timeout=self.timeout * 1000)
        # Streamlit's date field is a group of spinbuttons; typing into the year runs on into month and day.
        await form.get_by_role("spinbutton", name="year, Decided on").click(timeout=self.timeout * 1000)
        await self.page.keyboard.type(date.today().strftime("%Y%m%d"))

    async def record(self, started: float, code: str) -> float:
        form = self.page.locator("[data-testid='stForm']").filter(has_text=RECORD_FORM)
        await form.get_by_role("button", name=RECORD_FORM).click(timeout=self.timeout * 1000)
        return await self._until(started, [
            {"name": f"the {NEXT_FORM} form", "sel": SUBMIT_SELECTOR, "any": True, "text": NEXT_FORM},
            {"name": f"no {RECORD_FORM} form", "sel": SUBMIT_SELECTOR, "none": True, "text": RECORD_FORM},
            *finished_conditions(),
        ])

    async def seen(self, started: float, code: str, written: float) -> float:
        """On the other server, until the incident shows the write made at ``written`` (``time.monotonic()``)."""
        while True:
            loaded = time.monotonic()
            await self._goto(f"/incident?incident={code}", self.other)
            at = await self._until(started, [
                *self._incident_page(code),
                {"name": f"the {NEXT_FORM} form (or the stale {RECORD_FORM} form)", "anyOf": [
                    {"sel": SUBMIT_SELECTOR, "any": True, "text": NEXT_FORM},
                    {"sel": SUBMIT_SELECTOR, "any": True, "text": RECORD_FORM}]},
            ])
            fresh = await self.page.evaluate(
                "([sel, text]) => Array.from(document.querySelectorAll(sel)).some((el) => el.textContent.includes(text))",
                [SUBMIT_SELECTOR, NEXT_FORM])
            if fresh:
                self.results.lags.append(time.monotonic() - written)
                return at
            await asyncio.sleep(self._stale(self.page.url, loaded, written))

    def _stale(self, where: str, loaded: float, written: float) -> float:
        """A load at ``loaded`` still showed the form the write at ``written`` replaced: counted, and a stale read
        once the write was older than ``stale_after`` then; else the seconds to wait before loading again."""
        self.results.stale += 1
        if loaded - written > self.stale_after:
            raise InteractionError("stale read", f"{where} still shows the {RECORD_FORM} form, loaded "
                                                 f"{loaded - written:.1f} s after the write on server "
                                                 f"{SERVER_NAMES[self.home]}")
        return max(0.0, written + self.stale_after - time.monotonic()) / 2

    async def fill(self) -> bool:
        """Fill the credibility form in (not timed: the user typing); False after an error (recorded)."""
        from playwright.async_api import Error as PlaywrightError

        try:
            await asyncio.wait_for(self.fill_credibility(), timeout=self.timeout + 15)
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            self.results.error("record", "browser", f"session {self.number} filling the form on {self.page.url}: "
                                                    f"{first_line(exc)}", self.on)
            return False
        return True

    async def record_step(self) -> bool:
        """Open a target, fill, record, and check the other server; False after an error (recorded)."""
        if not self.targets:
            self.results.no_target += 1
            return True
        code = self.targets.pop(0)
        if await self.measure("incident", lambda s: self.open_target(s, code)) is None:
            return False
        if not await self.fill():
            return False
        if await self.measure("record", lambda s: self.record(s, code)) is None:
            return False
        written = time.monotonic()
        return await self.measure("seen", lambda s: self.seen(s, code, written), server=self.other) is not None

    # --- measuring and looping ----------------------------------------------------------------------

    async def measure(self, kind: str, action, results: Results | None = None,
                      server: int | None = None) -> float | None:
        """Run one interaction; its time in seconds, or None (and an error recorded) if it failed. ``server``:
        the server it is counted for (default: the session's own)."""
        from playwright.async_api import Error as PlaywrightError

        results = results or self.results
        server = self.home if server is None else server
        started, mono = time.time(), time.monotonic()
        self.mono_started = mono
        try:
            done_at = await asyncio.wait_for(action(started), timeout=self.timeout + 15)
            problem = await self._problems()
            if problem is not None:
                raise problem
        except InteractionError as exc:
            results.error(kind, exc.error_kind, f"session {self.number}: {exc}", server)
            return None
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            text = first_line(exc)
            error_kind = ("connection" if "net::ERR" in text
                          else "timeout" if "imeout" in text or isinstance(exc, asyncio.TimeoutError) else "browser")
            results.error(kind, error_kind, f"session {self.number} on {self.page.url}: {text}", server)
            return None
        elapsed = done_at - started
        results.times[kind].append(elapsed)
        results.by_server[(server, kind)].append(elapsed)
        results.records.append((kind, server, self.session_id, mono, mono + elapsed))
        return elapsed

    async def pause(self, stop_at: float) -> None:
        if self.think:
            await asyncio.sleep(min(self.rng.uniform(0.5, 1.5) * self.think, max(0.0, stop_at - time.monotonic())))

    def path(self) -> list[tuple[str, object]]:
        """The loop, from the portfolio page: incident, triage, triage change, back to the portfolio, record (a
        write, checked on the other server; see :meth:`record_step`)."""
        return [("incident", self.incident), ("triage", self.triage), ("triage change", self.triage_change),
                ("portfolio", self.portfolio), ("record", None)]

    async def start(self, first: int, results: Results) -> None:
        """Open the page the path's step ``first`` starts from (not counted; errors are)."""
        kind = self.path()[first][0]
        action = {"incident": self.portfolio_load, "triage": self.incident, "triage change": self.triage_load,
                  "portfolio": self.triage_load, "record": self.triage_load}[kind]
        self.first = first
        await self.measure("session start", action, results)

    async def run(self, start_at: float, stop_at: float) -> None:
        """Loop through the path until ``stop_at``; after an error, start again from a new page of /."""
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        path, step = self.path(), self.first
        while time.monotonic() < stop_at:
            kind, action = path[step]
            ok = await self.record_step() if kind == "record" else await self.measure(kind, action) is not None
            if not ok:
                await self.pause(stop_at)
                while time.monotonic() < stop_at and await self.measure("portfolio load", self.portfolio_load) is None:
                    await self.pause(stop_at)
                step = 0
            else:
                step = (step + 1) % len(path)
            await self.pause(stop_at)


class SocketSession(Session):
    """A session without a browser: it speaks Streamlit's own websocket protocol, the messages a page sends
    (``BackMsg``: rerun this page with these query parameters and widget values) and receives (``ForwardMsg``:
    the elements of the run, then ``script_finished``), along the same path as a browser session: a deep link is
    a new connection (a new Streamlit session), a click in the sidebar a rerun of that page, a changed input or a
    submitted form a rerun with its widget value. The server does all it does for a page; only the drawing is
    left out. An interaction is timed from the message sent until the run's last message has arrived, and checked
    on what the run sent: the expected title and elements, no exception, no ``page_not_found``.

    Why: on this machine twenty Chromium pages need more CPU than the two cores have, whatever the app: a page of
    Streamlit's that shows one title costs its renderer 0.35 s per deep link (stop 31). A few browser sessions
    keep measuring what a reviewer sees; the rest give the server the load of twenty reviewers, whose own
    machines would do their drawing."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ws = None
        self.url = ""  # stands in for the page's address in messages
        self.hashes: dict[str, str] = {}  # url path → page script hash, from the server's navigation message
        self.widgets: dict[str, str] = {}  # widget key → widget id, from the last run's elements
        self.marked: list[str] = []  # the triage matrix's row marked "this case" with the default facts

    async def open(self) -> None:  # nothing until the first page
        return None

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await self.ws.close()
            except Exception:  # noqa: BLE001 - already gone
                pass
            self.ws = None

    async def _problems(self) -> InteractionError | None:  # every run is checked as it arrives (_rerun)
        return None

    async def measure(self, kind: str, action, results: Results | None = None,
                      server: int | None = None) -> float | None:
        return await super().measure(kind if kind.endswith(SOCKET) else kind + SOCKET, action, results, server)

    async def _connect(self, server: int | None = None) -> None:
        """A new connection: what a page load is, a new Streamlit session."""
        import websockets

        await self.close()
        self.on = self.home if server is None else server
        url = self.servers[self.on].replace("http://", "ws://", 1) + "/_stcore/stream"
        try:
            self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                               open_timeout=self.timeout)
        except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as exc:
            raise InteractionError("connection", f"{url}: {first_line(exc)}") from exc

    async def _rerun(self, started: float, path: str, query: str = "", widgets: dict | None = None,
                     new: bool = False) -> dict:
        """Run page ``path`` (its url path; "" the portfolio) with ``query`` and ``widgets`` (key → WidgetState
        fields), as a page does; what the run drew. ``new``: the first run of a new connection (a page load:
        addressed by its path, as a deep link is), else a rerun (addressed by the page's script hash, as a click
        in the sidebar is)."""
        import websockets
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        self.url = f"{self.servers[self.on]}/{path}" + (f"?{query}" if query else "")
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        if new:
            state.page_name = path
        else:
            state.page_script_hash = self.hashes.get(path, "")
        for key, value in (widgets or {}).items():
            if key not in self.widgets:
                raise InteractionError("missing element", f"{self.url}: no widget {key!r} in the last run")
            state.widget_states.widgets.append(WidgetState(id=self.widgets[key], **value))
        drawn, widget_ids = self._nothing_drawn(), {}
        try:
            await self.ws.send(msg.SerializeToString())
            while True:
                remaining = self.timeout - (time.time() - started)
                forward = ForwardMsg.FromString(await asyncio.wait_for(self.ws.recv(), max(0.0, remaining)))
                kind = forward.WhichOneof("type")
                if kind == "new_session":  # a run begins (again, after an st.rerun): what it draws replaces all
                    self.session_id = forward.new_session.initialize.session_id
                    drawn, widget_ids = self._nothing_drawn(), {}
                elif kind == "navigation":
                    self.hashes = {page.url_pathname: page.page_script_hash for page in forward.navigation.app_pages}
                elif kind == "page_not_found":
                    raise InteractionError("page not found", f"the server sent page_not_found on {self.url}")
                elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                    element = forward.delta.new_element
                    name = element.WhichOneof("type")
                    body = getattr(element, name)
                    if name == "exception":
                        raise InteractionError("app exception", f"{self.url}: {body.type}: {body.message}"[:1500])
                    if name == "heading":
                        drawn["headings"].append(body.body)
                    elif name in ("markdown", "alert"):
                        drawn["texts"].append(body.body)
                    elif name == "button":
                        drawn["buttons"].append(body.label)
                    elif name == "plotly_chart":
                        drawn["charts"] += 1
                    widget_id = getattr(body, "id", "")
                    if widget_id.startswith("$$ID-"):  # "$$ID-<hash>-<key>"
                        widget_ids[widget_id.split("-", 2)[2]] = widget_id
                elif kind == "script_finished":
                    status = forward.script_finished
                    if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # the app reran itself: wait for that run
                        continue
                    if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        raise InteractionError("app exception", f"{self.url}: the script did not compile")
                    break
        except asyncio.TimeoutError as exc:
            raise InteractionError("timeout", f"after {self.timeout:.0f} s on {self.url}: the run had not "
                                              "finished (no script_finished)") from exc
        except websockets.WebSocketException as exc:
            raise InteractionError("connection", f"websocket closed on {self.url}: {first_line(exc)}") from exc
        self.widgets = widget_ids
        return drawn

    @staticmethod
    def _nothing_drawn() -> dict:
        return {"headings": [], "texts": [], "buttons": [], "charts": 0}

    @staticmethod
    def _expect(drawn: dict, url: str, **wanted) -> None:
        """Each of ``wanted`` (headings=[…], texts=[…], button=…, no_button=…, chart=True) is in what the run drew."""
        missing = []
        for heading in wanted.get("headings", ()):
            if not any(heading in h for h in drawn["headings"]):
                missing.append(f"a heading with {heading!r}")
        for text in wanted.get("texts", ()):
            if not any(text in t for t in drawn["texts"]):
                missing.append(f"the text {text!r}")
        if "button" in wanted and wanted["button"] not in drawn["buttons"]:
            missing.append(f"the button {wanted['button']!r}")
        if "no_button" in wanted and wanted["no_button"] in drawn["buttons"]:
            missing.append(f"no button {wanted['no_button']!r} (it is still there)")
        if wanted.get("chart") and not drawn["charts"]:
            missing.append("a chart")
        if missing:
            raise InteractionError("missing element", f"{url}: {'; '.join(missing)}")

    async def _page(self, started: float, path: str, query: str = "", server: int | None = None) -> dict:
        await self._connect(server)
        return await self._rerun(started, path, query, new=True)

    async def incident(self, started: float) -> float:
        code = self.rng.choice(self.codes)
        drawn = await self._page(started, "incident", f"incident={code}")
        self._expect(drawn, self.url, headings=[code, "Level of response"])
        return time.time()

    @staticmethod
    def _marked(drawn: dict) -> list[str]:
        """The matrix rows marked as this case."""
        return [t for t in drawn["texts"] if "this case" in t]

    def _triage_drawn(self, drawn: dict) -> float:
        _, level1 = self.expect_triage["defaults"]
        self._expect(drawn, self.url, headings=["What-if triage"], texts=["this case", level1])
        self.marked = self._marked(drawn)
        return time.time()

    async def triage(self, started: float) -> float:
        return self._triage_drawn(await self._rerun(started, "triage"))

    async def triage_load(self, started: float) -> float:
        return self._triage_drawn(await self._page(started, "triage"))

    async def triage_change(self, started: float) -> float:
        change = self.rng.choice(["link", "repeated"])
        _, level1 = self.expect_triage[change]
        value = {"string_array_value": {"data": ["Current trading"]}} if change == "link" else {"bool_value": True}
        drawn = await self._rerun(started, "triage", widgets={change: value})
        self._expect(drawn, self.url, texts=["this case", level1])
        if self._marked(drawn) == self.marked:
            raise InteractionError("missing element", f"{self.url}: after changing {change}, the matrix still marks "
                                                      f"{self.marked}")
        return time.time()

    async def portfolio(self, started: float) -> float:
        drawn = await self._rerun(started, "")
        self._expect(drawn, self.url, headings=["Portfolio"], chart=True)
        return time.time()

    async def portfolio_load(self, started: float) -> float:
        drawn = await self._page(started, "")
        self._expect(drawn, self.url, headings=["Portfolio"], chart=True)
        return time.time()

    async def open_target(self, started: float, code: str) -> float:
        drawn = await self._page(started, "incident", f"incident={code}")
        self._expect(drawn, self.url, headings=[code], button=RECORD_FORM)
        return time.time()

    async def record(self, started: float, code: str) -> float:
        """Submit the credibility form as a page does: its fields' values with the submit button's trigger."""
        drawn = await self._rerun(started, "incident", f"incident={code}", widgets={
            "incident": {"string_value": code},
            "credibility.credible": {"string_value": "Yes"},
            "credibility.decided_on": {"string_array_value": {"data": [date.today().isoformat()]}},
            "credibility.__submit": {"trigger_value": True}})
        self._expect(drawn, self.url, button=NEXT_FORM, no_button=RECORD_FORM)
        return time.time()

    async def seen(self, started: float, code: str, written: float) -> float:
        while True:
            loaded = time.monotonic()
            drawn = await self._page(started, "incident", f"incident={code}", self.other)
            if NEXT_FORM in drawn["buttons"]:
                self.results.lags.append(time.monotonic() - written)
                return time.time()
            self._expect(drawn, self.url, button=RECORD_FORM)
            await asyncio.sleep(self._stale(self.url, loaded, written))

    async def fill(self) -> bool:  # the form's values go with the submit (record)
        return True


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


async def drive(args, servers: list[StreamlitServer], codes: list[str], expectations, chromium: str,
                targets: list[str]) -> tuple[Results, dict]:
    from playwright.async_api import async_playwright

    results = Results()
    info: dict = {}
    urls = [server.url for server in servers]
    runs_paths = [probe_file(Path(args.workdir), k) for k in range(len(servers))]
    monitor = Monitor([server.process.pid for server in servers], args.browser_nice)
    # Each record step writes to an incident of its own: one per server for the warm-up, the rest dealt out.
    warm_targets, targets = targets[:len(servers)], targets[len(servers):]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        info["chromium"] = browser.version
        monitor.watch()
        try:
            # Warm-up: on each server, one session through the path once: the server's first runs, not counted.
            for k in range(len(servers)):
                warm_results = Results()
                warm = Session(-1 - k, browser, urls, k, codes, expectations, warm_results, args.warmup_timeout, 0,
                               args.seed, runs_paths, args.animations, warm_targets[k:k + 1], args.stale_after)
                await warm.open()
                suffix = f" ({SERVER_NAMES[k]})" if len(servers) > 1 else ""
                for kind, action in [("portfolio load", warm.portfolio_load), ("incident", warm.incident),
                                     ("triage", warm.triage), ("triage change", warm.triage_change),
                                     ("portfolio", warm.portfolio), ("record", None)]:
                    ok = (await warm.record_step() if action is None
                          else await warm.measure(kind, action) is not None)
                    if not ok:  # counted; the load still runs (a slow first run is worth measuring after)
                        for kind_, error_kind, message, server in warm_results.errors:
                            results.error("warm-up", error_kind, f"{kind_}: {message}", server)
                        break
                    if action is not None:
                        results.warmup[kind + suffix] = warm_results.times[kind][-1]
                    else:
                        for kind_ in ("record", "seen"):
                            if warm_results.times.get(kind_):
                                results.warmup[kind_ + suffix] = warm_results.times[kind_][-1]
                await warm.close()

            # Every session opens the page its first step starts from, two at a time: a new context's cold cache
            # (the app's JavaScript fetched and compiled) costs the browser seconds of CPU, which 20 at once on two
            # cores would turn into minutes. Not counted; errors are. Session i is on server i mod servers.
            # The first --browser-sessions sessions are browser pages, the rest websocket sessions (SocketSession).
            sessions = [(Session if i < args.browser_sessions else SocketSession)(
                            i, browser, urls, i % len(servers), codes, expectations, results, args.timeout,
                            args.think, args.seed, runs_paths, args.animations, targets[i::args.sessions],
                            args.stale_after)
                        for i in range(args.sessions)]
            gate = asyncio.Semaphore(2)
            start_results = Results()

            async def start(session: Session) -> None:
                async with gate:
                    await session.open()
                    await session.start(session.number % len(session.path()), start_results)

            t_start = time.monotonic()
            await asyncio.gather(*(start(s) for s in sessions))
            info["start_wall"] = time.monotonic() - t_start
            results.starts = start_results.times["session start"]
            for kind, error_kind, message, server in start_results.errors:
                results.error(kind, error_kind, f"session start: {message}", server)

            info["server_rss_before_kib"] = [vm_kib(server.process.pid, "VmRSS") for server in servers]
            info["loadavg_before"] = os.getloadavg()
            monitor.start()
            t0 = info["t0"] = time.monotonic()
            stop_at = t0 + args.duration
            ramp = ramp_up(args)
            await asyncio.gather(*(s.run(t0 + ramp * i / args.sessions, stop_at) for i, s in enumerate(sessions)))
            info["cpu"] = monitor.stop()
            info["loadavg_after"] = os.getloadavg()
            info["wall"] = info["cpu"]["wall"]
            info["t1"] = time.monotonic()
            info["server_cpu_peak"] = max(monitor.server_samples, default=0.0)
            info["server_rss_peak_kib"] = [monitor.rss_peak[server.process.pid] for server in servers]
            info["server_hwm_kib"] = [vm_kib(server.process.pid, "VmHWM") for server in servers]
            info["targets_left"] = sum(len(s.targets) for s in sessions)
            await asyncio.gather(*(s.close() for s in sessions))
        finally:
            monitor.close()
            await browser.close()
    return results, info


LOG_ERROR = re.compile(r"^(Traceback|.*\b(ERROR|CRITICAL)\b)")


def server_log_errors(log: str) -> list[str]:
    """Tracebacks and ERROR lines in the server's output, each with the lines after it."""
    lines = log.splitlines()
    return ["\n".join(lines[i:i + 15]) for i, line in enumerate(lines) if LOG_ERROR.match(line)]


def machine() -> str:
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def heading(servers: int, database: str) -> str:
    """The section's heading: one section per configuration in the output file."""
    return f"## Load test: {'one server' if servers == 1 else f'{servers} servers'}, {database}"


def report(args, results: Results, info: dict, meta: dict) -> str:
    """The configuration's "Load test" markdown section."""
    from importlib.metadata import version

    def ms(t: float) -> str:
        return f"{t * 1000:,.0f}"

    n_servers = args.servers
    multi = n_servers > 1
    browsers = min(args.sessions, getattr(args, "browser_sessions", args.sessions))
    sockets = args.sessions - browsers
    names = SERVER_NAMES[:n_servers]
    errors_by = Counter((kind, server) for kind, _, _, server in results.errors)
    errors_by_kind = Counter(kind for kind, _, _, _ in results.errors)
    rows = []  # (label, server label, times, server times, errors)
    all_times, all_server = [], []
    per_server_times: dict[int, list[float]] = defaultdict(list)
    per_server_server: dict[int, list[float]] = defaultdict(list)
    for kind in KINDS:
        if kind.startswith("portfolio load") and not results.times.get(kind) and not errors_by_kind.get(kind):
            continue
        label = f"{kind}: {KINDS[kind]}"
        for k in range(n_servers):
            times, server = results.by_server.get((k, kind), []), results.server_by_server.get((k, kind), [])
            per_server_times[k] += times
            per_server_server[k] += server
            if multi:
                rows.append((label, names[k], times, server, errors_by.get((kind, k), 0)))
        all_times += results.times.get(kind, [])
        all_server += results.server_times.get(kind, [])
        if not multi:
            rows.append((label, "", results.times.get(kind, []), results.server_times.get(kind, []),
                         errors_by_kind.get(kind, 0)))
    others = ", ".join(f"{kind} {n}" for kind, n in errors_by_kind.items() if kind not in KINDS)
    if multi:
        for k in range(n_servers):
            rows.append(("overall", names[k], per_server_times[k], per_server_server[k],
                         sum(n for (kind, srv), n in errors_by.items() if srv == k)))
        rows.append(("**overall**", "both", all_times, all_server, len(results.errors)))
    else:
        rows.append(("**overall**", "", all_times, all_server, len(results.errors)))

    wall = info.get("wall", 0.0)
    where = (f"One Streamlit server on loopback, {meta['database']}" if not multi else
             f"{n_servers} Streamlit servers on loopback ({', '.join(f'{names[k]} on port {port}' for k, port in enumerate(meta['ports']))}) "
             f"sharing {meta['database']}")
    lines = [
        heading(n_servers, meta["database_kind"]),
        "",
        f"`{meta['command']}`, {datetime.now().strftime('%Y-%m-%d %H:%M')}; {machine()}; Python "
        f"{platform.python_version()}, Streamlit {version('streamlit')}, Playwright {version('playwright')}, "
        f"Chromium {info.get('chromium', '?')}.",
        "",
        f"{where} with {meta['incidents']}; **{args.sessions} concurrent sessions: {browsers} in a browser** "
        f"(one headless Chromium, one context each, Playwright's async API)"
        + (f" **and {sockets} on the websocket** (Streamlit's own protocol, the messages a page sends and "
           f"receives, without drawing: rows marked *(websocket)*, timed until the run's last message has arrived)"
           if sockets else "") + (f" (session *i* on server {'/'.join(names)} by *i* mod {n_servers})" if multi else "")
        + " for "
        + f"{args.duration:.0f} s, their loops started over {ramp_up(args):.0f} s, think time "
        f"{args.think:g} s (0.5–1.5×), Chromium's renderers at nice {args.browser_nice}, CSS animations "
        f"{'on' if args.animations else 'off'}. Each session loops: open a "
        f"random incident by deep link, What-if triage from the sidebar, change one of its inputs, back to the "
        f"portfolio from the sidebar, then a write: open an incident at Step 1 (counted as *incident*), record its "
        f"credibility (*record*), and at once load it on "
        + ("the other server" if multi else "the server again, in a new session") +
        f" until it shows the write (*seen*; a page that still shows the old form is reloaded, and is an error if "
        f"it was loaded more than {args.stale_after:g} s after the write) (session *i* begins at step *i* mod 5). A "
        f"time runs from the action (navigation or click) until, in the page, the expected elements are there and "
        f"the app has finished running (checked on every DOM mutation; timeout {args.timeout:.0f} s). *Server* is "
        f"the server's own part of it: that session's script runs in the interaction, first start to last end, "
        f"timed inside the server by a probe on its PYTHONPATH (the app untouched); the rest is the browser "
        f"loading, rendering and drawing, and waiting for a core. The last row"
        + ("s: every script run in each server" if multi else ": every script run in the server") +
        " during the load, its wall time and its thread's CPU time.",
        "",
        ("| interaction | server " if multi else "| interaction ")
        + "| completed | p50 ms | p95 ms | max ms | server p50 ms | server p95 ms | errors |",
        ("|---|---" if multi else "|---") + "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, srv, times, server, errors in rows:
        cells = [f"{len(times):,}"]
        cells += [ms(percentile(times, 50)), ms(percentile(times, 95)), ms(max(times))] if times else ["–"] * 3
        cells += [ms(percentile(server, 50)), ms(percentile(server, 95))] if server else ["–"] * 2
        lines.append(f"| {label} | " + (f"{srv} | " if multi else "") + " | ".join(cells) + f" | {errors} |")
    for k, runs in enumerate(info.get("runs") or []):
        if runs:
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            lines.append("| *in the server: one script run, any page* | " + (f"{names[k]} | " if multi else "")
                         + f"{len(runs):,} | {ms(percentile(walls, 50))} | {ms(percentile(walls, 95))} | "
                         f"{ms(max(walls))} | CPU {ms(percentile(cpus, 50))} | CPU {ms(percentile(cpus, 95))} | |")
    lines.append("")

    facts = [f"Interactions completed: **{len(all_times):,}** in {wall:.0f} s ({len(all_times) / wall:.2f}/s; "
             f"the interactions under way at {args.duration:.0f} s were finished)" if wall else
             "Interactions completed: **0**",
             f"Errors: **{len(results.errors)}**" + (f" (outside the table: {others})" if others else "")]
    writes = len(results.times.get("record", [])) + len(results.times.get("record" + SOCKET, []))
    if results.lags:
        facts.append(f"Writes: {writes} recorded; each shown on {'the other server' if multi else 'a new session'} "
                     f"{ms(percentile(results.lags, 50))} ms (p50), {ms(max(results.lags))} ms (max) after the "
                     f"writing page had finished; page loads there that still showed the old form (reloaded): "
                     f"{results.stale}")
    elif writes:
        facts.append(f"Writes: {writes} recorded")
    if results.no_target:
        facts.append(f"Record steps skipped, no Step 1 incident left to write to: {results.no_target}")
    if "loadavg_before" in info:
        before, after = info["loadavg_before"], info["loadavg_after"]
        facts.append(f"Load average (1, 5, 15 min): {before[0]:.1f}, {before[1]:.1f}, {before[2]:.1f} when the load "
                     f"began; {after[0]:.1f}, {after[1]:.1f}, {after[2]:.1f} when it ended ({os.cpu_count()} cores, "
                     f"shared with other work)")
    hwm = info.get("server_hwm_kib") or []
    if any(hwm):
        facts.append("Server peak memory (VmHWM): " + ", ".join(
            (f"{names[k]} " if multi else "") + (f"**{h / 1024:,.0f} MiB**" if h else "not measured")
            for k, h in enumerate(hwm)))
    else:
        facts.append("Server peak memory: not measured")
    if info.get("server_rss_before_kib"):
        facts.append("Server memory (VmRSS), when the load began → at most during it: " + ", ".join(
            (f"{names[k]} " if multi else "") + f"{(b or 0) / 1024:,.0f} → {p / 1024:,.0f} MiB"
            for k, (b, p) in enumerate(zip(info["server_rss_before_kib"], info["server_rss_peak_kib"]))))
    if results.warmup:
        facts.append("Warm-up (one session alone" + (" on each server" if multi else "") + ", the server's first "
                     "runs, not counted): " + ", ".join(f"{kind} {ms(t)} ms" for kind, t in results.warmup.items()))
    if results.starts:
        facts.append(f"Session start (each new context loads the page its first step starts from, with a cold "
                     f"browser cache, two at a time, not counted): {len(results.starts)} in "
                     f"{info.get('start_wall', 0):.0f} s, p50 {ms(percentile(results.starts, 50))} ms, max "
                     f"{ms(max(results.starts))} ms")
    cpu = info.get("cpu")
    if cpu and cpu.get("wall"):
        cores = cpu["capacity"] / cpu["wall"]

        def share(x: float) -> str:
            return f"{x:,.0f} s ({x / cpu['wall']:.2f} cores)"

        n = len(all_times)
        facts.append(
            f"CPU during the load ({cpu['wall']:.0f} s × {cores:.0f} cores = {cpu['capacity']:,.0f} core-seconds, "
            f"machine busy {cpu['machine'] / cpu['capacity']:.0%}): server{'s' if multi else ''} "
            f"{share(cpu['server'])}, peak {info.get('server_cpu_peak', 0):.2f} of a core over a second; Chromium "
            f"{share(cpu['browser'])}; harness (Python and Playwright's driver) {share(cpu['harness'])}; other work "
            f"on the machine {share(max(0.0, cpu['other']))}")
        in_browser = sum(len(t) for kind, t in results.times.items() if not kind.endswith(SOCKET))
        if n:
            facts.append(f"CPU per interaction: server{'s' if multi else ''} {cpu['server'] / n:.2f} s; Chromium "
                         + (f"{cpu['browser'] / in_browser:.2f} s per browser interaction" if in_browser else
                            "(no browser interaction)"))
    if results.probes_404:
        facts.append(f"{results.probes_404} HTTP 404s of Streamlit's base-path probe on deep links "
                     f"(``/incident/_stcore/health``, ``…/host-config``) are expected and not counted")
    lines += [f"- {fact}" for fact in facts]
    if results.errors:
        lines += ["", "| interaction | server | error | count | first |", "|---|---|---|---:|---|"]
        grouped = Counter((kind, server, error_kind) for kind, error_kind, _, server in results.errors)
        for (kind, server, error_kind), count in grouped.most_common():
            sample = next(m for k, e, m, s in results.errors if (k, s, e) == (kind, server, error_kind))
            srv = names[server] if server is not None and server < len(names) else "–"
            lines.append(f"| {kind} | {srv} | {error_kind} | {count} | {sample.replace('|', '/')[:500]} |")
    lines.append("")
    return "\n".join(lines)


def ramp_up(args) -> float:
    ramp = args.ramp_up if args.ramp_up is not None else max(10.0, args.think)
    return min(ramp, args.duration / 2)


def write_section(path: Path, section: str) -> None:
    """Replace the file's section with the same heading (up to the next "## " heading), or append it."""
    text = path.read_text() if path.exists() else ""
    title = section.split("\n", 1)[0]
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions (default 20)")
    parser.add_argument("--browser-sessions", type=int, default=4,
                        help="how many of them are browser pages (default 4); the rest speak Streamlit's websocket "
                             "protocol without a browser. --browser-sessions 20: every session in Chromium, which "
                             "on two cores runs out of CPU drawing (see SocketSession)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--incidents", type=int, default=10_000,
                        help="incidents generated into a fresh SQLite file (default 10,000)")
    parser.add_argument("--database-url", help="an existing database holding a portfolio (nothing is generated); "
                                               "with --schema, a PostgreSQL database to make the schema in")
    parser.add_argument("--schema", help="PostgreSQL only: use (and make if needed) this schema of --database-url, "
                                         "holding --incidents incidents: reused if it holds that many, else dropped "
                                         "and generated anew (a shared database: pick a name of your own)")
    parser.add_argument("--regenerate", action="store_true", help="with --schema: generate anew even if reusable")
    parser.add_argument("--servers", type=int, default=1, choices=(1, 2),
                        help="Streamlit servers sharing the database; sessions alternate between them (default 1; "
                             "2 needs --database-url)")
    parser.add_argument("--stale-after", type=float, default=2.0,
                        help="seconds after a write from which a page of the other server must show it (default 2: "
                             "the servers read the data versions at most once a second)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds before an interaction counts as an error (default 30)")
    parser.add_argument("--warmup-timeout", type=float, default=180.0,
                        help="seconds the warm-up's interactions may take (the server's first, cold runs; not counted; "
                             "default 180: on a loaded machine the first portfolio run can take a minute)")
    parser.add_argument("--think", type=float, default=20.0,
                        help="mean pause after each interaction, seconds (uniform 0.5-1.5x; default 20, a reviewer "
                             "reading the page; 0: back to back)")
    parser.add_argument("--ramp-up", type=float,
                        help="seconds over which the sessions begin their loops (default: the think time, at least "
                             "10 s, at most half the duration)")
    parser.add_argument("--browser-nice", type=int, default=10,
                        help="nice value for Chromium's renderers, so they cannot starve the server (default 10; "
                             "0: leave them)")
    parser.add_argument("--animations", action="store_true",
                        help="keep the pages' CSS animations and transitions (default: off, see NO_ANIMATIONS_JS)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "LOAD.md"),
                        help="markdown file that gets the 'Load test' section (default benchmarks/LOAD.md)")
    parser.add_argument("--log", default=str(ROOT / "test-artifacts" / "load" / "streamlit.log"),
                        help="the server's output (default test-artifacts/load/streamlit.log)")
    args = parser.parse_args()
    if args.sessions < 1 or args.duration <= 0 or args.timeout <= 0:
        parser.error("--sessions, --duration and --timeout must be positive")
    if not 1 <= args.browser_sessions:
        parser.error("--browser-sessions must be at least 1 (the warm-up and the first pages are in the browser)")
    args.browser_sessions = min(args.browser_sessions, args.sessions)
    if args.servers > 1 and not args.database_url:
        parser.error("--servers 2 share one database: give --database-url (PostgreSQL)")
    if args.schema and not (args.database_url or "").startswith("postgresql"):
        parser.error("--schema needs a PostgreSQL --database-url")

    chromium, tried = find_chromium()
    if chromium is None:
        print(f"no Chromium: {tried}", file=sys.stderr)
        return 2
    command = " ".join(["python benchmarks/load.py", *sys.argv[1:]])

    with tempfile.TemporaryDirectory(prefix="remediation-load-") as tmp:
        args.workdir = tmp
        url = args.database_url
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'load.db'}"
            print(f"generating {args.incidents:,} incidents into a fresh SQLite file …", flush=True)
            print(f"  {generate(url, args.incidents):.1f} s", flush=True)
            database, kind = "a fresh SQLite file", "SQLite"
        elif args.schema:
            made = prepare_schema(url, args.schema, args.incidents, args.regenerate)
            url = schema_url(url, args.schema)
            database, kind = f"one PostgreSQL database (schema {args.schema}, {made})", "PostgreSQL"
        else:
            kind = ("PostgreSQL" if url.startswith("postgresql") else "SQLite" if url.startswith("sqlite")
                    else url.split(":", 1)[0])
            database = f"{kind} (--database-url)"
        codes = incident_codes(url)
        if not codes:
            print("no incidents in the database", file=sys.stderr)
            return 2
        targets = write_targets(url)
        expectations = triage_expectations(url)
        print(f"{len(targets):,} Step 1 incidents to write to", flush=True)

        servers: list[StreamlitServer] = []
        log = Path(args.log)
        try:
            for k in range(args.servers):  # one after the other: the first migrates and bootstraps the database
                path = log if k == 0 else log.with_name(f"{log.stem}-{SERVER_NAMES[k]}{log.suffix}")
                print(f"starting Streamlit {SERVER_NAMES[k]} (its output: {path}) …", flush=True)
                servers.append(start_streamlit("app.py", log_path=path, database_url=url,
                                               env={"REMEDIATION_DEMO": "0", **probe_env(Path(tmp), k)},
                                               timeout=120))
        except StreamlitServerError as exc:
            for server in servers:
                server.stop()
            print(exc, file=sys.stderr)
            return 2
        meta = {"command": command, "database": database, "database_kind": kind, "incidents": f"{len(codes):,} incidents",
                "ports": [server.port for server in servers]}
        try:
            print(f"{args.sessions} sessions for {args.duration:.0f} s against "
                  f"{', '.join(server.url for server in servers)} …", flush=True)
            results, info = asyncio.run(drive(args, servers, codes, expectations, chromium, targets))
            alive = [server.process.poll() is None for server in servers]
        finally:
            for server in servers:
                server.stop()
        if "t0" in info:  # the server's own time for each interaction: its script runs for that session then
            info["runs"] = []
            all_runs = [ScriptRuns.load(probe_file(Path(tmp), k)) for k in range(len(servers))]
            for runs in all_runs:
                info["runs"].append(runs.all_between(info["t0"], info["t1"]))
            for kind, k, session_id, start, end in results.records:
                span = all_runs[k].between(session_id, start - 0.05, end)
                if span is not None:
                    results.server_times[kind].append(span[1] - span[0])
                    results.server_by_server[(k, kind)].append(span[1] - span[0])
        for k, server in enumerate(servers):
            for entry in server_log_errors(server.read_log()):
                results.error("server log", "traceback or ERROR", entry, k)
            if not alive[k]:
                results.error("server", "server died", f"exit code {server.process.returncode}", k)

    section = report(args, results, info, meta)
    print()
    print(section)
    if args.output:
        write_section(Path(args.output), section)
        print(f"written to {args.output}")
    if results.errors:
        print(f"{len(results.errors)} error(s); the server's output is in {args.log}", file=sys.stderr)
        for kind, error_kind, message, _ in results.errors[:5]:
            print(f"  [{kind}] {error_kind}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
