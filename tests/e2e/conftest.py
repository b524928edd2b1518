"""Fixtures for the end-to-end (real browser) tests.

Fixtures
--------
chromium_path (session)   path of the system Chromium; skips (or fails when
                          REQUIRE_BROWSER=1) if none / no playwright package.
browser (session)         Playwright sync ``Browser`` on that Chromium, headless.
page (function)           fresh context (1400x900 viewport) + page; closed after.
                          On test failure a full-page screenshot is saved to
                          test-artifacts/failures/<test>.png.
streamlit_app (function)  factory: ``streamlit_app(script="app.py", *,
                          database_url=None, env=None, extra_args=(),
                          timeout=60, port=None)`` -> StreamlitServer (``.url``, ``.port``,
                          ``.log_path``, ``.database_url``). Default
                          DATABASE_URL is ``sqlite:///<tmp_path>/e2e.db``.
                          Every server started is stopped at teardown.
artifacts_dir (session)   <repo>/test-artifacts/ (created; git-ignored).

Helpers (``from .helpers import ...``): wait_for_app, open_app,
app_exceptions, assert_no_app_exception, StreamlitServer, REPO_ROOT.

Playwright's ``playwright install`` is not used; the system Chromium is.
Do not add the pytest-playwright plugin: these fixtures replace it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

import pytest

from .helpers import (
    ARTIFACTS_DIR,
    CHROMIUM_ARGS,
    NO_CHROMIUM_MESSAGE,
    NO_PLAYWRIGHT_MESSAGE,
    StreamlitServer,
    StreamlitServerError,
    browser_required,
    find_chromium,
    start_streamlit,
)


def _unavailable(reason: str, detail: str) -> None:
    """Skip loudly, or fail when the browser is required (CI)."""
    if browser_required():
        pytest.fail(
            f"REQUIRE_BROWSER=1 but browser tests cannot run: {reason} ({detail})",
            pytrace=False,
        )
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}; browser tests skipped ({detail})")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _unavailable(NO_PLAYWRIGHT_MESSAGE, str(exc))
    path, tried = find_chromium()
    if path is None:
        _unavailable(NO_CHROMIUM_MESSAGE, tried)
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import expect, sync_playwright

    # A web-first assertion retries until this timeout: 5 s (Playwright's default) is too short for a page
    # that reruns on a two-core machine while the server is busy; a real failure still fails, only later.
    expect.set_options(timeout=20_000)
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
        )
    except Exception:
        pw.stop()
        raise
    try:
        yield browser
    finally:
        try:
            browser.close()
        finally:
            pw.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # Make each phase's report reachable from fixtures (item.rep_call etc.).
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request: pytest.FixtureRequest, artifacts_dir: Path):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            failures = artifacts_dir / "failures"
            failures.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
            try:
                pg.screenshot(path=str(failures / f"{name}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - best effort only
                pass
        context.close()


@pytest.fixture
def streamlit_app(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., StreamlitServer]]:
    """Factory that starts Streamlit servers; all are stopped at teardown.

    Usage::

        server = streamlit_app()                                  # app.py, fresh SQLite
        server = streamlit_app(database_url="postgresql+psycopg://...")
        server = streamlit_app(tmp_path / "script.py")            # any script
        page.goto(server.url); wait_for_app(page)
    """
    servers: list[StreamlitServer] = []

    def start(
        script: str | Path = "app.py",
        *,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
        extra_args: tuple[str, ...] | list[str] = (),
        timeout: float = 60.0,
        port: int | None = None,
    ) -> StreamlitServer:
        if database_url is None:
            database_url = f"sqlite:///{tmp_path}/e2e.db"
        log_path = tmp_path / f"streamlit-{len(servers)}.log"
        try:
            server = start_streamlit(
                script,
                log_path=log_path,
                database_url=database_url,
                env=env,
                extra_args=extra_args,
                timeout=timeout,
                port=port,
            )
        except StreamlitServerError as exc:
            pytest.fail(str(exc), pytrace=False)
        servers.append(server)
        return server

    yield start

    failed = any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    for server in servers:
        server.stop()
        if failed:
            # Shows up in the "Captured stdout teardown" section of the report.
            print(f"--- Streamlit server output for {server.script} ({server.log_path}) ---")
            print(server.read_log()[-20000:])
