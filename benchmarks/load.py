"""Load test: concurrent browser sessions against one Streamlit server (issue #6, "Concurrent sessions").

Not a test (timings are not deterministic; pytest collects ``tests/`` only). Run::

    python benchmarks/load.py                                   # 20 sessions, 60 s, a fresh 10,000-incident SQLite file
    python benchmarks/load.py --sessions 4 --duration 20        # a quick run while developing
    python benchmarks/load.py --database-url postgresql+psycopg://USER@127.0.0.1:5432/DB  # an existing portfolio

It starts ONE ``streamlit run app.py`` on loopback (``tests/e2e/helpers.py``) and one headless Chromium
with a browser context per session, all driven from one asyncio loop (Playwright's async API: one driver
process, no threads). A warm-up pass (one session, not counted) gives the server its first runs; then each
session opens its first page, two at a time (a new context's cold cache costs the browser seconds of CPU,
which twenty at once on two cores would turn into minutes; not counted, errors are), and for ``--duration``
seconds every session loops through the path a reviewer takes (session *i* begins at step *i* mod 4, so a
short run with a long think time still measures every step), pausing ``--think`` seconds (0.5-1.5×) after
each interaction:

1. **incident**: load ``/incident?incident=CODE`` (a deep link: a new page and a new Streamlit session) for
   a random code read from the database, until its title (the code) and its level section are shown;
2. **triage**: click "What-if triage" in the sidebar until the matrix marks the default facts' scenario;
3. **triage change**: change one input (the trading link, or the "repeated" toggle) until the matrix marks
   the scenario the level rules give for the new facts and the Level 1 answer matches them;
4. **portfolio**: click "Portfolio" in the sidebar until the pipeline chart is drawn (its bars exist).

An interaction is timed from the action (navigation or click) until, in the page, its expected elements
are there and the app has finished running (``stApp`` connected and ``notRunning``, no running indicator,
no skeletons), checked in the page by a MutationObserver on every DOM change: exact to the change, and
no polling from the harness. Its
**server** part is timed inside the server by a probe put on the server's PYTHONPATH (``sitecustomize``;
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

The browser stands in for twenty reviewers' own machines but shares this one's two cores with the server,
so the harness keeps its own cost down: the renderers run at ``--browser-nice`` 10 (they cannot starve the
server), the pages' CSS animations are off (``--animations`` keeps them), and the default ``--think`` time is
20 s, a reviewer reading the page. Back to back (``--think 0``) twenty pages need more CPU than two cores
have and interactions time out in the browser while the server is mostly idle; the table's CPU lines and
a timeout's message (did the server finish its run?) show which side ran out.

It prints a table (p50/p95/max per interaction kind and overall, server p50/p95, completed interactions,
errors with a sample message), the server's peak memory (``/proc/<pid>/status`` VmHWM) and the CPU used
by the server, the browser, the harness and other work on the machine, and writes it as a "Load test"
markdown section to ``--output`` (default ``benchmarks/LOAD.md``; a "## Load test" section there is replaced).
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
    "portfolio load": "load / in a new page (only after an error)",
}
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
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (interaction kind, error kind, message)
    records: list[tuple[str, str, float, float]] = field(default_factory=list)  # kind, session id, start, end
    warmup: dict[str, float] = field(default_factory=dict)
    starts: list[float] = field(default_factory=list)  # each session's first page, two at a time
    probes_404: int = 0

    def error(self, kind: str, error_kind: str, message: str) -> None:
        self.errors.append((kind, error_kind, " ".join(message.split())[:700]))


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
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, "demo",
                    "--incidents", str(incidents), "--seed", "7"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


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


def probe_env(workdir: Path) -> dict[str, str]:
    folder = workdir / "probe"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(SERVER_PROBE)
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "LOAD_PROBE_FILE": str(workdir / "script-runs.txt")}


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

    def __init__(self, server_pid: int, nice: int) -> None:
        self.server_pid = server_pid
        self.nice = nice
        self.me = os.getpid()
        self.cpu: dict[str, dict[int, float]] = {"server": {}, "browser": {}, "harness": {}}
        self.base: dict[str, dict[int, float]] = {}
        self.server_samples: list[float] = []  # the server's share of one core, per interval
        self.rss_peak = 0
        self.measuring = False
        self._last_server = None
        self._machine0 = None
        self._task = None

    def sample(self) -> None:
        table = _proc_table()
        server = _descendants(table, self.server_pid)
        mine = _descendants(table, self.me) - server
        for pid in server:
            self.cpu["server"][pid] = table[pid][1]
        for pid in mine:
            browser = "chrom" in table[pid][2].lower()
            self.cpu["browser" if browser else "harness"][pid] = table[pid][1]
            if browser and self.nice and _is_renderer(pid):
                self._renice(pid)
        now = time.monotonic()
        server_cpu = table.get(self.server_pid, (0, 0.0, ""))[1]
        if self._last_server is not None and self.measuring:
            t, c = self._last_server
            if now > t:
                self.server_samples.append((server_cpu - c) / (now - t))
        self._last_server = (now, server_cpu)
        if self.measuring:
            self.rss_peak = max(self.rss_peak, vm_kib(self.server_pid, "VmRSS") or 0)

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
#: (any match, not the first, contains ``text``), ``has`` (the first match has a descendant matching it), or
#: ``path`` (a regular expression for location.pathname).
WAIT_JS = """
async ({conds, timeout}) => {
  const text = (el) => (el.textContent || "").replace(/\\s+/g, " ");
  const holds = (c) => {
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
    """One browser context and page, and the path it loops through."""

    def __init__(self, number: int, browser, base_url: str, codes: list[str], expect_triage, results: Results,
                 timeout: float, think: float, seed: int, runs_path: Path, animations: bool = False) -> None:
        self.number = number
        self.browser = browser
        self.base_url = base_url
        self.codes = codes
        self.expect_triage = expect_triage
        self.results = results
        self.timeout = timeout
        self.think = think
        self.runs_path = runs_path
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
        if response.status < 400 or not response.url.startswith(self.base_url):
            return
        path = response.url[len(self.base_url):].split("?", 1)[0]
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
        if result["ok"]:
            return result["at"] / 1000
        if result["kind"] != "timeout":
            kind = "page not found" if "Page not found" in result["message"] else result["kind"]
            raise InteractionError(kind, f"{self.page.url}: {result['message']}")
        # Whose time ran out: had the server finished a script run for this session (its own probe says so)?
        runs = ScriptRuns.load(self.runs_path).between(self.session_id, self.mono_started - 0.05, time.monotonic())
        who = (f"the server had finished its script run(s) for this session, {runs[1] - runs[0]:.1f} s from first "
               f"start to last end" if runs else "the server had not finished any script run for this session")
        raise InteractionError("timeout", f"after {self.timeout:.0f} s on {self.page.url}: "
                                          f"{'; '.join(result['unmet'])} still missing ({who})")

    async def _goto(self, path: str) -> None:
        response = await self.page.goto(self.base_url + path, wait_until="commit", timeout=self.timeout * 1000)
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
            target = self.page.get_by_text("Repeated over a period (not an isolated event)")
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

    # --- measuring and looping ----------------------------------------------------------------------

    async def measure(self, kind: str, action, results: Results | None = None) -> float | None:
        """Run one interaction; its time in seconds, or None (and an error recorded) if it failed."""
        from playwright.async_api import Error as PlaywrightError

        results = results or self.results
        started, mono = time.time(), time.monotonic()
        self.mono_started = mono
        try:
            done_at = await asyncio.wait_for(action(started), timeout=self.timeout + 15)
            problem = await self._problems()
            if problem is not None:
                raise problem
        except InteractionError as exc:
            results.error(kind, exc.error_kind, f"session {self.number}: {exc}")
            return None
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            text = first_line(exc)
            error_kind = ("connection" if "net::ERR" in text
                          else "timeout" if "imeout" in text or isinstance(exc, asyncio.TimeoutError) else "browser")
            results.error(kind, error_kind, f"session {self.number} on {self.page.url}: {text}")
            return None
        elapsed = done_at - started
        results.times[kind].append(elapsed)
        results.records.append((kind, self.session_id, mono, mono + elapsed))
        return elapsed

    async def pause(self, stop_at: float) -> None:
        if self.think:
            await asyncio.sleep(min(self.rng.uniform(0.5, 1.5) * self.think, max(0.0, stop_at - time.monotonic())))

    def path(self) -> list[tuple[str, object]]:
        """The loop, from the portfolio page: incident, triage, triage change, back to the portfolio."""
        return [("incident", self.incident), ("triage", self.triage), ("triage change", self.triage_change),
                ("portfolio", self.portfolio)]

    async def start(self, first: int, results: Results) -> None:
        """Open the page the path's step ``first`` starts from (not counted; errors are)."""
        kind = self.path()[first][0]
        action = {"incident": self.portfolio_load, "triage": self.incident, "triage change": self.triage_load,
                  "portfolio": self.triage_load}[kind]
        self.first = first
        await self.measure("session start", action, results)

    async def run(self, start_at: float, stop_at: float) -> None:
        """Loop through the path until ``stop_at``; after an error, start again from a new page of /."""
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        path, step = self.path(), self.first
        while time.monotonic() < stop_at:
            kind, action = path[step]
            if await self.measure(kind, action) is None:
                await self.pause(stop_at)
                while time.monotonic() < stop_at and await self.measure("portfolio load", self.portfolio_load) is None:
                    await self.pause(stop_at)
                step = 0
            else:
                step = (step + 1) % len(path)
            await self.pause(stop_at)


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


async def drive(args, server: StreamlitServer, codes: list[str], expectations, chromium: str) -> tuple[Results, dict]:
    from playwright.async_api import async_playwright

    results = Results()
    info: dict = {}
    monitor = Monitor(server.process.pid, args.browser_nice)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        info["chromium"] = browser.version
        monitor.watch()
        try:
            # Warm-up: one session through the path once: the server's first runs, not counted.
            runs_path = Path(args.workdir) / "script-runs.txt"
            warm = Session(-1, browser, server.url, codes, expectations, results, args.timeout * 2, 0, args.seed,
                           runs_path, args.animations)
            await warm.open()
            warm_results = Results()
            for kind, action in [("portfolio load", warm.portfolio_load), ("incident", warm.incident),
                                 ("triage", warm.triage), ("triage change", warm.triage_change),
                                 ("portfolio", warm.portfolio)]:
                elapsed = await warm.measure(kind, action, warm_results)
                if elapsed is None:
                    for kind_, error_kind, message in warm_results.errors:
                        results.error(kind_, error_kind, f"warm-up: {message}")
                    return results, info
                results.warmup[kind] = elapsed
            await warm.close()

            # Every session opens the page its first step starts from, two at a time: a new context's cold cache
            # (the app's JavaScript fetched and compiled) costs the browser seconds of CPU, which 20 at once on two
            # cores would turn into minutes. Not counted; errors are.
            sessions = [Session(i, browser, server.url, codes, expectations, results, args.timeout, args.think,
                                args.seed, runs_path, args.animations) for i in range(args.sessions)]
            gate = asyncio.Semaphore(2)
            start_results = Results()

            async def start(session: Session) -> None:
                async with gate:
                    await session.open()
                    await session.start(session.number % 4, start_results)

            t_start = time.monotonic()
            await asyncio.gather(*(start(s) for s in sessions))
            info["start_wall"] = time.monotonic() - t_start
            results.starts = start_results.times["session start"]
            for kind, error_kind, message in start_results.errors:
                results.error(kind, error_kind, f"session start: {message}")

            info["server_rss_before_kib"] = vm_kib(server.process.pid, "VmRSS")
            monitor.start()
            t0 = info["t0"] = time.monotonic()
            stop_at = t0 + args.duration
            ramp = ramp_up(args)
            await asyncio.gather(*(s.run(t0 + ramp * i / args.sessions, stop_at) for i, s in enumerate(sessions)))
            info["cpu"] = monitor.stop()
            info["wall"] = info["cpu"]["wall"]
            info["t1"] = time.monotonic()
            info["server_cpu_peak"] = max(monitor.server_samples, default=0.0)
            info["server_rss_peak_kib"] = monitor.rss_peak
            info["server_hwm_kib"] = vm_kib(server.process.pid, "VmHWM")
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


def report(args, results: Results, info: dict, meta: dict) -> str:
    """The "Load test" markdown section."""
    from importlib.metadata import version

    def ms(t: float) -> str:
        return f"{t * 1000:,.0f}"

    errors_by_kind = Counter(kind for kind, _, _ in results.errors)
    rows, all_times, all_server = [], [], []
    for kind in KINDS:
        times, server = results.times.get(kind, []), results.server_times.get(kind, [])
        if kind == "portfolio load" and not times and not errors_by_kind.get(kind):
            continue
        all_times += times
        all_server += server
        rows.append((f"{kind}: {KINDS[kind]}", times, server, errors_by_kind.get(kind, 0)))
    others = ", ".join(f"{kind} {n}" for kind, n in errors_by_kind.items() if kind not in KINDS)
    rows.append(("**overall**", all_times, all_server, len(results.errors)))

    wall = info.get("wall", 0.0)
    lines = [
        "## Load test",
        "",
        f"`{meta['command']}`, {datetime.now().strftime('%Y-%m-%d %H:%M')}; {machine()}; Python "
        f"{platform.python_version()}, Streamlit {version('streamlit')}, Playwright {version('playwright')}, "
        f"Chromium {info.get('chromium', '?')}.",
        "",
        f"One Streamlit server on loopback, {meta['database']} with {meta['incidents']}; **{args.sessions} "
        f"concurrent browser sessions** (one headless Chromium, one context each, Playwright's async API) for "
        f"{args.duration:.0f} s, their loops started over {ramp_up(args):.0f} s, think time "
        f"{args.think:g} s (0.5–1.5×), Chromium's renderers at nice {args.browser_nice}, CSS animations "
        f"{'on' if args.animations else 'off'}. Each session loops: open a "
        f"random incident by deep link, What-if triage from the sidebar, change one of its inputs, back to the "
        f"portfolio from the sidebar (session *i* begins at step *i* mod 4). A time runs from the action (navigation "
        f"or click) until, in the page, the expected elements are there and the app has finished running (checked on "
        f"every DOM mutation; timeout {args.timeout:.0f} s). *Server* is the server's own part of it: that session's "
        f"script runs in the interaction, first start to last end, timed inside the server by a probe on its "
        f"PYTHONPATH (the app untouched); the rest is the browser loading, rendering and drawing, and waiting for a "
        f"core. The last row: every script run in the server during the load, its wall time and its thread's CPU "
        f"time.",
        "",
        "| interaction | completed | p50 ms | p95 ms | max ms | server p50 ms | server p95 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, times, server, errors in rows:
        cells = [f"{len(times):,}"]
        cells += [ms(percentile(times, 50)), ms(percentile(times, 95)), ms(max(times))] if times else ["–"] * 3
        cells += [ms(percentile(server, 50)), ms(percentile(server, 95))] if server else ["–"] * 2
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {errors} |")
    runs = info.get("runs") or []
    if runs:
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        lines.append(f"| *in the server: one script run, any page* | {len(runs):,} | {ms(percentile(walls, 50))} | "
                     f"{ms(percentile(walls, 95))} | {ms(max(walls))} | CPU {ms(percentile(cpus, 50))} | "
                     f"CPU {ms(percentile(cpus, 95))} | |")
    lines.append("")

    facts = [f"Interactions completed: **{len(all_times):,}** in {wall:.0f} s ({len(all_times) / wall:.2f}/s; "
             f"the interactions under way at {args.duration:.0f} s were finished)" if wall else
             "Interactions completed: **0**",
             f"Errors: **{len(results.errors)}**" + (f" (outside the table: {others})" if others else "")]
    hwm = info.get("server_hwm_kib")
    facts.append(f"Server peak memory (VmHWM): **{hwm / 1024:,.0f} MiB**" if hwm else
                 "Server peak memory: not measured")
    if info.get("server_rss_before_kib"):
        facts.append(f"Server memory (VmRSS): {info['server_rss_before_kib'] / 1024:,.0f} MiB when the load began, "
                     f"{info['server_rss_peak_kib'] / 1024:,.0f} MiB at most during it")
    if results.warmup:
        facts.append("Warm-up (one session alone, the server's first runs, not counted): " + ", ".join(
            f"{kind} {ms(t)} ms" for kind, t in results.warmup.items()))
    if results.starts:
        facts.append(f"Session start (each new context loads the page its first step starts from, with a cold "
                     f"browser cache, two at a time, not counted): {len(results.starts)} in "
                     f"{info.get('start_wall', 0):.0f} s, p50 {ms(percentile(results.starts, 50))} ms, max "
                     f"{ms(max(results.starts))} ms")
    cpu = info.get("cpu")
    if cpu and all_times:
        cores = cpu["capacity"] / cpu["wall"]

        def share(x: float) -> str:
            return f"{x:,.0f} s ({x / cpu['wall']:.2f} cores)"

        n = len(all_times)
        facts.append(
            f"CPU during the load ({cpu['wall']:.0f} s × {cores:.0f} cores = {cpu['capacity']:,.0f} core-seconds, "
            f"machine busy {cpu['machine'] / cpu['capacity']:.0%}): server {share(cpu['server'])}, peak "
            f"{info.get('server_cpu_peak', 0):.2f} of a core over a second; Chromium {share(cpu['browser'])}; harness "
            f"(Python and Playwright's driver) {share(cpu['harness'])}; other work on the machine "
            f"{share(max(0.0, cpu['other']))}")
        facts.append(f"CPU per interaction: server {cpu['server'] / n:.2f} s, Chromium {cpu['browser'] / n:.2f} s")
    if results.probes_404:
        facts.append(f"{results.probes_404} HTTP 404s of Streamlit's base-path probe on deep links "
                     f"(``/incident/_stcore/health``, ``…/host-config``) are expected and not counted")
    lines += [f"- {fact}" for fact in facts]
    if results.errors:
        lines += ["", "| interaction | error | count | first |", "|---|---|---:|---|"]
        grouped = Counter((kind, error_kind) for kind, error_kind, _ in results.errors)
        for (kind, error_kind), count in grouped.most_common():
            sample = next(m for k, e, m in results.errors if (k, e) == (kind, error_kind))
            lines.append(f"| {kind} | {error_kind} | {count} | {sample.replace('|', '/')[:500]} |")
    lines.append("")
    return "\n".join(lines)


def ramp_up(args) -> float:
    ramp = args.ramp_up if args.ramp_up is not None else max(10.0, args.think)
    return min(ramp, args.duration / 2)


def write_section(path: Path, section: str) -> None:
    """Replace the file's "## Load test" section (up to the next "## " heading), or append it."""
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(r"^## Load test\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--incidents", type=int, default=10_000,
                        help="incidents generated into a fresh SQLite file (default 10,000)")
    parser.add_argument("--database-url", help="an existing database holding a portfolio (nothing is generated)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds before an interaction counts as an error (default 30)")
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
            database = "a fresh SQLite file"
        else:
            database = f"{url.split(':', 1)[0]} (--database-url)"
        codes = incident_codes(url)
        if not codes:
            print("no incidents in the database", file=sys.stderr)
            return 2
        expectations = triage_expectations(url)
        meta = {"command": command, "database": database, "incidents": f"{len(codes):,} incidents"}

        print(f"starting Streamlit (its output: {args.log}) …", flush=True)
        try:
            server = start_streamlit("app.py", log_path=Path(args.log), database_url=url,
                                     env={"REMEDIATION_DEMO": "0", **probe_env(Path(tmp))}, timeout=120)
        except StreamlitServerError as exc:
            print(exc, file=sys.stderr)
            return 2
        try:
            print(f"{args.sessions} sessions for {args.duration:.0f} s against {server.url} …", flush=True)
            results, info = asyncio.run(drive(args, server, codes, expectations, chromium))
            alive = server.process.poll() is None
        finally:
            server.stop()
        if "t0" in info:  # the server's own time for each interaction: its script runs for that session then
            runs = ScriptRuns.load(Path(tmp) / "script-runs.txt")
            info["runs"] = runs.all_between(info["t0"], info["t1"])
            for kind, session_id, start, end in results.records:
                span = runs.between(session_id, start - 0.05, end)
                if span is not None:
                    results.server_times[kind].append(span[1] - span[0])
        for entry in server_log_errors(server.read_log()):
            results.error("server log", "traceback or ERROR", entry)
        if not alive:
            results.error("server", "server died", f"exit code {server.process.returncode}")

    section = report(args, results, info, meta)
    print()
    print(section)
    if args.output:
        write_section(Path(args.output), section)
        print(f"written to {args.output}")
    if results.errors:
        print(f"{len(results.errors)} error(s); the server's output is in {args.log}", file=sys.stderr)
        for kind, error_kind, message in results.errors[:5]:
            print(f"  [{kind}] {error_kind}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
