"""AppTest helpers: run app.py on a fresh SQLite database (demo portfolio unless told otherwise)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages._lazy import expander_key
from remediation.storage import engine as db

APP = Path(__file__).resolve().parents[2] / "app.py"

# AppTest treats a main script with a `pages/` folder beside it as a legacy multipage app on rerun
# and drops what the entry script drew (the sidebar): streamlit/streamlit#9446, PR #14217. Running
# app.py through a one-line script elsewhere keeps st.navigation's behaviour, as in a browser.
WRAPPER = "import runpy\nrunpy.run_path({app!r}, run_name='__main__')\n"


def app_test(folder: Path, page: str | None = None, query: dict | None = None, secrets: dict | None = None,
             user: dict | None = None) -> AppTest:
    """A new, not yet run AppTest of app.py (through the wrapper, from ``folder``) opened on ``page`` with
    ``query``; ``secrets`` and ``user`` as ``AppTest.secrets`` / ``AppTest.user`` take them."""
    main = folder / "main.py"
    main.write_text(WRAPPER.format(app=str(APP)))
    at = AppTest.from_file(str(main), default_timeout=60)
    if secrets is not None:
        at.secrets = secrets
    if user is not None:
        at.user = user
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(str(APP.parent / page))
    return at


@pytest.fixture
def run_app(monkeypatch, tmp_path):
    """``run_app(page=None, query=None, database_url=None, demo=None)`` → a run AppTest."""
    def run(page: str | None = None, query: dict | None = None, database_url: str | None = None,
            demo: str | None = None) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", database_url or f"sqlite:///{tmp_path / 'app.db'}")
        if demo is not None:
            monkeypatch.setenv("REMEDIATION_DEMO", demo)
        data = sys.modules.get("pages._data")
        if data is not None:  # the test's own service calls are another writer: seen at once, not up to 1 s later
            data.after_write()
        return app_test(tmp_path, page, query).run()

    yield run
    db.dispose_engines()


def open_form(at: AppTest, form_key: str) -> AppTest:
    """Open the "Add …" expander holding form ``form_key`` if the form is not drawn (its content runs only while it is
    open: :mod:`pages._lazy`), as a user's click on it does, and rerun. A form drawn outside any expander is left."""
    if not any(b.proto.form_id == form_key for b in at.button):
        at.session_state[expander_key(form_key)] = True
        at.run()
    return at


def submit(at: AppTest, form_key: str) -> AppTest:
    """Click the submit button of the form ``form_key`` (its expander opened first) and rerun."""
    open_form(at, form_key)
    button = next(b for b in at.button if b.proto.form_id == form_key)
    button.click()
    return at.run()


STEP_TABS = ("1. Verify", "2. Level", "3. Plan", "4. Implement", "5. Close", "6. Lessons")  # the incident page's


def open_tab(at: AppTest, label: str) -> AppTest:
    """Open the incident page's step tab ``label`` (``"6. Lessons"``) and rerun: only the open tab's content runs,
    as when a user clicks it (the page's ``st.tabs`` keeps the open tab under the key ``tab``)."""
    at.session_state["tab"] = label
    return at.run()


def widget(at: AppTest, kind: str, key: str):
    return getattr(at, kind)(key=key)
