"""The load test's wait (benchmarks/load.py, ``Session._until``) in a real Chromium page: an interaction counts only
if its conditions held within the timeout, measured from the action. A busy page starts the in-page wait late and
fires its timer late, so conditions that hold after the limit are a timeout, not a slow success."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.load import InteractionError, Results, Session
from tests.e2e.helpers import CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

TITLE = [{"name": "the Portfolio title", "sel": "h1", "text": "Portfolio"}]


def test_conditions_that_hold_after_the_timeout_are_a_timeout(chromium_path: str, tmp_path: Path):
    async def run() -> None:
        from playwright.async_api import async_playwright

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
            try:
                session = Session(0, browser, ["http://127.0.0.1:9"], 0, [], {}, Results(), timeout=2.0, think=0,
                                  seed=1, runs_paths=[tmp_path / "runs.jsonl"])
                await session.open()
                await session.page.set_content("<h1>Portfolio</h1>")
                acted = time.time()
                held = await session._until(acted, TITLE)
                assert 0 <= held - acted < 2.0  # in time: the time they held
                with pytest.raises(InteractionError, match=r"held only 3\.\d s after the action") as late:
                    await session._until(acted - 3.0, TITLE)  # the action 3 s ago: held, but past the 2 s limit
                assert late.value.error_kind == "timeout"
            finally:
                await browser.close()

    # a thread of its own: the session's sync Playwright (the other browser tests') holds this thread's event loop
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, run()).result()


def test_a_websocket_session_walks_the_path_and_its_checks_can_fail(streamlit_app, tmp_path: Path):
    """``SocketSession`` (the load test's sessions without a browser) against a real server: the path a reviewer
    takes, a write included, is done over Streamlit's own protocol and each step is checked on what the run sent;
    an incident that does not exist is an error, not a fast success."""
    from benchmarks.load import (SOCKET, SocketSession, generate, incident_codes, triage_expectations,
                                 write_targets)

    url = f"sqlite:///{tmp_path / 'load.db'}"
    generate(url, 150)  # as the load test does: a generated portfolio (it has Step 1 incidents to write to)
    targets = write_targets(url)
    assert targets, "the generated portfolio has an incident at Step 1 with credibility undecided"
    server = streamlit_app(database_url=url, env={"REMEDIATION_DEMO": "0"})

    async def run() -> Results:
        results = Results()
        session = SocketSession(0, None, [server.url], 0, incident_codes(url), triage_expectations(url), results,
                                timeout=60.0, think=0, seed=1, runs_paths=[tmp_path / "runs.jsonl"],
                                targets=targets[:1])
        try:
            for kind, action in [("portfolio load", session.portfolio_load), ("incident", session.incident),
                                 ("triage", session.triage),
                                 ("triage change", session.triage_change), ("portfolio", session.portfolio)]:
                assert await session.measure(kind, action) is not None, results.errors
            assert await session.record_step(), results.errors
            session.codes = ["INC-1900-999"]  # no such incident: "Incident not found", no code in a heading
            assert await session.measure("incident", session.incident) is None
        finally:
            await session.close()
        return results

    with ThreadPoolExecutor(max_workers=1) as thread:
        results = thread.submit(asyncio.run, run()).result()
    for kind in ("portfolio load", "incident", "triage", "triage change", "portfolio", "record", "seen"):
        assert len(results.times[kind + SOCKET]) == (2 if kind == "incident" else 1), kind  # incident: + the target
    assert results.lags and results.stale == 0  # the write showed in a new session at once
    assert [(kind, error_kind) for kind, error_kind, _, _ in results.errors] == [("incident" + SOCKET,
                                                                                  "missing element")]
    assert "INC-1900-999" in results.errors[0][2]
