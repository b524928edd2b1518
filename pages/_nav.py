"""The pages the app has, by name, and the hand-over every page makes to the entry script."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_HERE = Path(__file__).resolve().parent
# Absolute paths: relative ones resolve against the working directory, which differs between
# `streamlit run` from elsewhere and the test runner.
PAGES = {name: str(_HERE / f"{name}.py")
         for name in ("portfolio", "incident", "plans", "lessons", "reporting", "triage", "policy", "imports",
                      "supply_chain", "followups", "admin")}

# The triage page's own query parameters (its inputs and where it started from): dropped from the address on
# any other page, so a sidebar link does not carry a scenario along.
TRIAGE_KEYS = ("from", "link", "occurred", "stopped", "public", "types", "repeated", "affected", "children")

# The incident (code and step) whose step tab the session shows (``?tab=``): forgotten on any other page, so an
# incident link opens at the link's tab, or at the incident's current step, rather than at the tab last looked at.
TAB_OF = "_incident_tab_of"


def ensure_entry_script() -> None:
    """Call first in every page. Streamlit runs a page file on its own (its legacy ``pages/`` folder
    mode) until some session has run the entry script's ``st.navigation``; on a fresh server whose first
    visitor follows a deep link (``/incident?incident=…``) that would leave every session without the
    sidebar and with the folder's file list as navigation. Clear Streamlit's process-wide flag and rerun:
    the rerun executes app.py, whose ``st.navigation`` opens the same page."""
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


