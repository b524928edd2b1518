"""Expanders whose content runs only while they are open (issue #15).

An "Add …" expander drawn collapsed still ran its form on every rerun: Step 4's tab of the incident page drew up to
12 such forms (some 60 fields) that nobody had opened, and Streamlit's bookkeeping of each widget against the
session's keys was about a fifth of the page's warm rerun. Here the expander keeps its open state (opening or closing
it reruns the page, as a click on a step tab does) and says whether to draw its content."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def form_expander(label: str, key: str, *, expanded: bool = False, icon: str | None = None) -> Iterator[bool]:
    """An expander whose content runs only while it is open (issue #15): an "Add …" form (``key`` is the form's), or
    the sidebar filters on a page they do not narrow::

        with form_expander("Add funding", "funding2") as drawn:
            if drawn:
                step_form(...)

    Drawing every collapsed expander's form on each rerun (Step 4's tab: up to 12 forms, some 60 fields) cost about a
    fifth of the incident page's warm rerun, in Streamlit's bookkeeping of each widget against the session's keys.
    Opening or closing one reruns the page, as a click on a step tab does. Its state is kept under ``open.{key}``
    (:func:`expander_key`), outside the form's own keys, so a save (which forgets the form's values) leaves it open."""
    box = st.expander(label, expanded=expanded, key=expander_key(key), on_change="rerun", icon=icon)
    with box:
        yield bool(box.open)


def expander_key(form: str) -> str:
    """The session-state key of the expander that holds form ``form`` (True: open). Tests open it through this."""
    return f"open.{form}"
