"""Reusable helpers for the end-to-end (real browser) tests.

Nothing in here imports Playwright at module level, so this module (and the
conftest that imports it) can be loaded on a machine without Playwright; the
fixtures then skip or fail loudly instead of crashing collection.

Typical use from a test (see conftest.py for the fixtures)::

    from .helpers import wait_for_app

    @pytest.mark.e2e
    def test_something(streamlit_app, page):
        server = streamlit_app()                      # starts app.py
        page.goto(server.url)
        wait_for_app(page)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:  # pragma: no cover - typing only
    import re

    from playwright.sync_api import Locator, Page

#: Repository root (the parent of ``tests/``).
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Where tests drop screenshots etc. for human review (git-ignored).
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"

#: Arguments for launching the system Chromium in a container / CI box.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

NO_CHROMIUM_MESSAGE = (
    "no Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH"
)
NO_PLAYWRIGHT_MESSAGE = (
    "the 'playwright' Python package is not importable: install it "
    "(pip install playwright; the system Chromium is used, no "
    "'playwright install' needed)"
)


# --------------------------------------------------------------------------
# Chromium discovery
# --------------------------------------------------------------------------


def _is_executable(path: str | os.PathLike[str] | None) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def find_chromium() -> tuple[str | None, str]:
    """Return ``(path or None, explanation of what was tried)``.

    Order: ``$CHROMIUM_PATH`` (if set, it is the only candidate: a wrong
    explicit setting should not silently fall back to something else),
    ``/usr/bin/chromium``, then ``chromium``, ``chromium-browser`` and
    ``google-chrome`` on ``$PATH``.
    """
    env_path = os.environ.get("CHROMIUM_PATH", "").strip()
    if env_path:
        if _is_executable(env_path):
            return env_path, f"CHROMIUM_PATH={env_path}"
        return None, f"CHROMIUM_PATH={env_path!r} is not an executable file"

    tried = ["/usr/bin/chromium"]
    if _is_executable("/usr/bin/chromium"):
        return "/usr/bin/chromium", "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome"):
        tried.append(f"$PATH:{name}")
        found = shutil.which(name)
        if found:
            return found, found
    return None, "tried " + ", ".join(tried)


def browser_required() -> bool:
    """True when ``REQUIRE_BROWSER=1`` (CI): missing browser => failure."""
    return os.environ.get("REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


# --------------------------------------------------------------------------
# Streamlit server
# --------------------------------------------------------------------------


def find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health_ok(port: int) -> bool:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/_stcore/health", timeout=2
        ) as resp:
            return resp.status == 200 and resp.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


class StreamlitServerError(RuntimeError):
    """The Streamlit server died or never became healthy."""


class StreamlitServer:
    """One ``streamlit run`` subprocess on 127.0.0.1:<port>.

    Attributes: ``url`` (``http://127.0.0.1:<port>``, no trailing slash),
    ``port``, ``script`` (absolute path), ``database_url``, ``log_path``
    (combined stdout+stderr of the server), ``process``.
    """

    def __init__(
        self,
        script: str | os.PathLike[str] = "app.py",
        *,
        log_path: Path,
        database_url: str | None = None,
        env: Mapping[str, str] | None = None,
        extra_args: Iterable[str] = (),
        cwd: Path = REPO_ROOT,
        port: int | None = None,
    ) -> None:
        script_path = Path(script)
        if not script_path.is_absolute():
            script_path = (cwd / script_path).resolve()
        self.script = script_path
        self.cwd = Path(cwd)
        self.log_path = Path(log_path)
        self.database_url = database_url
        self.extra_env = dict(env or {})
        self.extra_args = list(extra_args)
        self.port = port or find_free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            # No file watching: nothing edits the script during a test, and
            # the watcher only adds noise ("source file changed" prompts).
            "--server.fileWatcherType",
            "none",
            *self.extra_args,
        ]

    def read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def start(self, timeout: float = 60.0) -> "StreamlitServer":
        if not self.script.is_file():
            raise StreamlitServerError(f"Streamlit script not found: {self.script}")
        env = os.environ.copy()
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                "STREAMLIT_SERVER_HEADLESS": "true",
            }
        )
        if self.database_url is not None:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command(),
            cwd=str(self.cwd),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group -> clean teardown
        )
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.process.poll()
            if rc is not None:
                self.stop()
                raise StreamlitServerError(
                    f"Streamlit server for {self.script} exited with code {rc} "
                    f"before becoming healthy.\n--- server output "
                    f"({self.log_path}) ---\n{self.read_log()}"
                )
            if health_ok(self.port):
                return
            time.sleep(0.25)
        self.stop()
        raise StreamlitServerError(
            f"Streamlit server for {self.script} did not answer "
            f"{self.url}/_stcore/health within {timeout:.0f}s.\n--- server output "
            f"({self.log_path}) ---\n{self.read_log()}"
        )

    def stop(self, grace: float = 10.0) -> None:
        proc = self.process
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=grace)
        if proc is not None and proc.poll() is not None:
            # Reap anything else left in the group (e.g. stray children).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> "StreamlitServer":
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"StreamlitServer(script={str(self.script)!r}, url={self.url!r})"


def start_streamlit(
    script: str | os.PathLike[str] = "app.py",
    *,
    log_path: Path,
    database_url: str | None = None,
    env: Mapping[str, str] | None = None,
    extra_args: Iterable[str] = (),
    timeout: float = 60.0,
    attempts: int = 3,
    port: int | None = None,
) -> StreamlitServer:
    """Start a server and wait for it to be healthy.

    Retries with a new port only when the failure is a port clash (the free
    port we picked was grabbed by someone else before Streamlit bound it), and
    only when the caller did not fix the port (``port``: a URL naming it, such
    as a sign-in callback, was already written).
    """
    last_error: StreamlitServerError | None = None
    for _ in range(attempts):
        server = StreamlitServer(
            script,
            log_path=log_path,
            database_url=database_url,
            env=env,
            extra_args=extra_args,
            port=port,
        )
        try:
            return server.start(timeout=timeout)
        except StreamlitServerError as exc:
            last_error = exc
            if port is not None or "already in use" not in server.read_log():
                raise
    assert last_error is not None
    raise last_error


# --------------------------------------------------------------------------
# Page helpers
# --------------------------------------------------------------------------

APP_SELECTOR = "[data-testid='stApp']"
CONNECTED_SELECTOR = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
NOT_RUNNING_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUNNING_INDICATOR_SELECTOR = (
    "[data-testid='stStatusWidget'] [data-testid='stStatusWidgetRunningIcon'],"
    "[data-testid='stStatusWidget'] [data-testid='stStatusWidgetRunningManIcon']"
)


def _script_state(page: "Page") -> str:
    try:
        el = page.query_selector(APP_SELECTOR)
        if el is None:
            return "<no stApp element>"
        return (
            f"script-state={el.get_attribute('data-test-script-state')!r}, "
            f"connection-state={el.get_attribute('data-test-connection-state')!r}"
        )
    except Exception as exc:  # noqa: BLE001 - diagnostics only
        return f"<could not read state: {exc}>"


def wait_for_app(page: "Page", timeout: int = 30000, initial_wait: int = 250) -> None:
    """Wait until the Streamlit script run triggered last has finished.

    Call after ``page.goto(server.url)`` and after every interaction that
    causes a rerun (button click, widget change, form submit). Steps:

    1. a short initial wait so a just-triggered rerun has actually started
       (otherwise we could observe the *previous* ``notRunning`` state);
    2. ``stApp`` is attached and its websocket is ``CONNECTED``;
    3. ``data-test-script-state='notRunning'`` (Streamlit's own e2e tests use
       this; it cycles initial -> running -> notRunning on every run);
    4. no "Running..." indicator in the status widget and no loading
       skeletons left.

    ``timeout`` (ms) is the budget for the whole wait. On timeout, raises
    ``AssertionError`` naming the step and the app's current state.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    if initial_wait > 0:
        page.wait_for_timeout(initial_wait)
    deadline = time.monotonic() + timeout / 1000.0

    def remaining() -> float:
        return max(1000.0, (deadline - time.monotonic()) * 1000.0)

    steps = [
        ("stApp element attached", lambda: page.locator(APP_SELECTOR).wait_for(
            state="attached", timeout=remaining())),
        ("websocket CONNECTED", lambda: page.locator(CONNECTED_SELECTOR).wait_for(
            state="attached", timeout=remaining())),
        ("script-state notRunning", lambda: page.locator(NOT_RUNNING_SELECTOR).wait_for(
            state="attached", timeout=remaining())),
        ("no running indicator", lambda: expect(
            page.locator(RUNNING_INDICATOR_SELECTOR)).to_have_count(0, timeout=remaining())),
        ("no loading skeletons", lambda: expect(
            page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=remaining())),
    ]
    for name, step in steps:
        try:
            step()
        except (PlaywrightError, AssertionError) as exc:
            raise AssertionError(
                f"wait_for_app: timed out waiting for {name} on {page.url} "
                f"({_script_state(page)}): {exc}"
            ) from exc


def app_exceptions(page: "Page") -> list[str]:
    """Texts of all exception boxes (``st.exception`` / uncaught errors) shown."""
    return [t.strip() for t in page.get_by_test_id("stException").all_inner_texts()]


def assert_no_app_exception(page: "Page") -> None:
    """Fail if the page shows any Streamlit exception box."""
    errors = app_exceptions(page)
    assert not errors, "Streamlit app shows exception(s):\n" + "\n---\n".join(errors)


def open_app(page: "Page", server: StreamlitServer, path: str = "", timeout: int = 30000) -> None:
    """``page.goto(server.url + '/' + path)`` then :func:`wait_for_app`."""
    url = server.url + ("/" + path.lstrip("/") if path else "/")
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    wait_for_app(page, timeout=timeout)


def pick_option(page: "Page", combobox: "Locator", option: str | "re.Pattern[str]", typed: str | None = None,
                timeout: int = 60_000) -> None:
    """Open ``combobox`` and click ``option`` (an exact name, or a pattern). ``typed`` is typed first, to bring an
    option of a virtualised list into view. A rerun that ends while the list is open draws the widget again and
    closes the list under the click ("element was detached"): the list is opened again, up to three times."""
    from playwright.sync_api import Error as PlaywrightError

    exact = isinstance(option, str)
    for attempt in range(3):
        wait_for_app(page, timeout=timeout)
        combobox.click()
        if typed:
            page.keyboard.type(typed)
        try:
            page.get_by_role("option", name=option, exact=exact if exact else None).click(timeout=10_000)
            return
        except PlaywrightError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


_BROKEN_WORDS_JS = """
(selector) => {
  // Each word (a run of non-space characters within one text node) is measured as a Range: its client rects are
  // its line boxes. Two rects on different lines (a top more than half a line below another) mean the browser
  // broke the word, at a hyphen or anywhere else. Hidden text (a closed expander, another tab) has no rects.
  const root = document.querySelector(selector);
  if (!root) return [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const broken = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('svg, script, style')) continue;  // chart text never wraps
    const re = /[^\\s\\u00a0]+/g;
    let m;
    while ((m = re.exec(node.textContent))) {
      if (m[0].length < 2) continue;
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = Array.from(range.getClientRects()).filter(r => r.width > 0.5 && r.height > 0.5);
      if (rects.length < 2) continue;
      const first = rects[0];
      if (rects.some(r => r.top >= first.top + first.height / 2 || r.bottom <= first.bottom - first.height / 2)) {
        const text = node.textContent;
        broken.push({word: m[0].replace(/\\u2060/g, ''),
                     context: text.slice(Math.max(0, m.index - 50), m.index + m[0].length + 20)
                                  .replace(/\\u2060/g, '').replace(/\\s+/g, ' ').trim()});
      }
    }
  }
  return broken;
}
"""


def broken_words(page: "Page", selector: str = "[data-testid='stMain']") -> list[dict[str, str]]:
    """Each word (a run of non-space characters in one text node) that the browser laid out over more than one line
    in the element, as ``{"word": …, "context": …}`` (the text around it, to find it on the page): a word broken
    across lines, at its hyphen or anywhere else, as a reader would see it. Word joiners are left out of both."""
    return page.evaluate(_BROKEN_WORDS_JS, selector)


def grid_overflow(grid) -> int:
    """How many pixels of a ``st.dataframe`` (the ``stDataFrame`` locator ``grid``) lie beyond its right edge: the
    grid draws on a canvas inside a scroller, and a column cut off at the edge makes that scroller wider than its
    box. 0 when every column is wholly in view."""
    return grid.evaluate("""e => { const s = e.querySelector('.dvn-scroller');
                                   return s ? Math.max(0, s.scrollWidth - s.clientWidth) : -1; }""")


_CLIPPED_TEXT_JS = """
(selector) => [...document.querySelectorAll(selector + ' *')].filter(e => {
  if (!e.offsetParent || !e.innerText || !e.innerText.trim()) return false;  // hidden, or no text of its own
  if (e.closest("[data-testid='stDataFrame'], .js-plotly-plot")) return false;  // a grid's cells, a chart's text
  const s = getComputedStyle(e);
  return (s.textOverflow === 'ellipsis' || s.overflowX === 'hidden' || s.overflowX === 'clip')
         && e.scrollWidth > e.clientWidth + 1;
}).map(e => (e.getAttribute('data-testid') || e.tagName.toLowerCase()) + ': ' + e.innerText.trim().slice(0, 80))
"""


def clipped_text(page: "Page", selector: str = "[data-testid='stMain']") -> list[str]:
    """Text the page cuts off sideways (an ellipsis, or hidden overflow narrower than its content) outside tables
    and charts, as ``"<element>: <its text>"``: e.g. a metric whose value is wider than its column."""
    return page.evaluate(_CLIPPED_TEXT_JS, selector)
