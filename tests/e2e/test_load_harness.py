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
