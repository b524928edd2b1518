"""Text on the page: what a user typed, shown as text (never as markup), and database failures in words a
user can act on."""

from __future__ import annotations

import re

import streamlit as st
from sqlalchemy.exc import OperationalError, ProgrammingError

from pages._data import get_engine
from remediation.storage import engine as db

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: str) -> str:
    """Text a user typed, escaped so Streamlit's Markdown shows it as typed: no links, no emphasis,
    no HTML (st.markdown never renders raw HTML without unsafe_allow_html, which we never use)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def database_problem(exc: Exception) -> tuple[str, str]:
    """(what happened, what to do) for a database failure, in words a user can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ("The database is busy.", "Another save is holding it; wait a moment and reload the page. Nothing "
                "was lost: a write either completes or leaves everything as it was.")
    if isinstance(exc, (OperationalError, ProgrammingError)) and any(
            s in text for s in ("no such table", "no such column", "does not exist", "undefinedtable",
                                "undefinedcolumn")):
        try:
            revision = db.current_revision(get_engine())
        except Exception:  # noqa: BLE001 - reporting, not recovering
            revision = None
        return ("The database is being migrated, or its schema is not the one this version needs.",
                f"It is at schema revision {revision or 'unknown'}; this version needs {db.head_revision()}. Wait "
                "for the migration to finish, or run `python -m remediation init-db`, then reload the page.")
    url = db.database_url()
    shown = url.split("@")[-1] if "@" in url else url  # never show credentials
    return ("The database cannot be reached.", f"The dashboard uses `{shown}` (set `DATABASE_URL` to change it). "
            "Check that it is running and reachable, then reload this page: it recovers on its own.")


def database_error(exc: Exception) -> None:
    """A database failure shown as a clear message, never a traceback."""
    what, advice = database_problem(exc)
    detail = str(exc).splitlines()[0][:300] if str(exc) else ""
    st.error(f"**{what}** {advice}\n\nDetails: {type(exc).__name__}: {md(detail)}", icon=":material/database_off:")
