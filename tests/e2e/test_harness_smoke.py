"""Proves the e2e harness itself works, independently of the real app.

Starts a tiny throwaway Streamlit script with the same server machinery the
app tests use, drives it with the real (system) Chromium and saves a
screenshot to test-artifacts/ for human review.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e

HARNESS_SCRIPT = textwrap.dedent(
    """
    import os

    import streamlit as st

    st.title("Harness check")
    st.caption("DATABASE_URL=" + os.environ.get("DATABASE_URL", "<unset>"))
    if "clicks" not in st.session_state:
        st.session_state.clicks = 0
    if st.button("Click me"):
        st.session_state.clicks += 1
    st.write(f"Clicked {st.session_state.clicks} times")
    """
)


def test_harness_smoke(streamlit_app, page, tmp_path: Path, artifacts_dir: Path):
    from playwright.sync_api import expect

    script = tmp_path / "harness_app.py"
    script.write_text(HARNESS_SCRIPT)

    server = streamlit_app(script)
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.database_url == f"sqlite:///{tmp_path}/e2e.db"

    page.goto(server.url)
    wait_for_app(page)

    expect(page.get_by_role("heading", name="Harness check")).to_be_visible()
    # The default DATABASE_URL reached the server process.
    expect(page.get_by_text(f"DATABASE_URL=sqlite:///{tmp_path}/e2e.db")).to_be_visible()
    expect(page.get_by_text("Clicked 0 times")).to_be_visible()

    page.get_by_role("button", name="Click me").click()
    wait_for_app(page)
    expect(page.get_by_text("Clicked 1 times")).to_be_visible()

    page.get_by_role("button", name="Click me").click()
    wait_for_app(page)
    expect(page.get_by_text("Clicked 2 times")).to_be_visible()
    assert_no_app_exception(page)

    shot = artifacts_dir / "harness_smoke.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


def test_server_start_failures_are_reported(streamlit_app, tmp_path: Path):
    """Missing scripts and servers that die on start fail with their output."""
    with pytest.raises(pytest.fail.Exception, match="not found"):
        streamlit_app(tmp_path / "does_not_exist.py")

    script = tmp_path / "ok.py"
    script.write_text("import streamlit as st\nst.write('hi')\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)exited with code .*no-such-option"):
        streamlit_app(script, extra_args=["--no-such-option"])
