"""Text on the page: what a user typed, shown as text (never as markup), and database failures in words a
user can act on."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import DataError, DBAPIError, OperationalError, ProgrammingError

from pages._data import get_engine
from remediation.domain import citations
from remediation.domain.text import TextRefused, check_code, describe, text_problem
from remediation.storage import engine as db

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&@%^\"'])")
_WWW = re.compile(r"(?i)(www)(?=\\\.)")
_JOIN_AFTER = re.compile(r"(\\[:@])(?=\S)")


def md(text: object) -> str:
    """Text a user typed, escaped so Streamlit's Markdown shows it as typed.

    Every ASCII punctuation character Markdown, GitHub's extensions or Streamlit's own give a meaning is
    backslash-escaped (CommonMark lets any ASCII punctuation be escaped), so none of these survive: links and
    images (``[x](…)``, ``![x](…)``), bare URLs and e-mail addresses that GitHub's Markdown turns into links
    (``https://…``, ``www.…``, ``a@b.org``: see below), emphasis, headings (``#``
    and setext: a line of ``===`` or ``---`` under text), lists, tables, code, LaTeX (``$…$``), colours and
    icons (``:red[…]``, ``:material/…:``), HTML and entities (``&lt;`` shows as typed). st.markdown never renders
    raw HTML without unsafe_allow_html, which we never use."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    # GitHub's autolinks (https://…, www.…, a@b.org) and Streamlit's icons and emoji (:material/…:, :smile:) are
    # found in the text *after* escapes are read, so a backslash does not stop them: an invisible word joiner
    # (U+2060) after a colon or at-sign that something follows, and between "www" and its dot, breaks their patterns.
    return _WWW.sub("\\1\u2060", _JOIN_AFTER.sub("\\1\u2060", escaped))


_WORD_HYPHEN = re.compile(r"(?<=\w)(\\?-)(?=\w)")


def unbroken(text: str) -> str:
    """``text`` (the app's own Markdown: a citation, a rule's reason, a warning) whose hyphens between letters or
    digits do not break a line: a citation range ("1084-1088"), a date, a site ("Sanjo-30") or a compound word
    ("labour-rights") wraps as a whole on a slide instead of at its hyphen. Word joiners (U+2060, no line break on
    either side) hold the hyphen (escaped or not) to its neighbours; the text still reads and copies the same.
    Never for Markdown holding a link: the joiners would change its address."""
    return _WORD_HYPHEN.sub("\u2060\\1\u2060", text)


def md_unbroken(text: object) -> str:
    """``md(text)`` (what a user typed, shown as typed) whose hyphens between letters or digits do not break a line
    (:func:`unbroken`)."""
    return unbroken(md(text))


def cite(key: str) -> str:
    """The guideline citation ``key`` as a page shows it: ``"guideline lines 1084-1088"`` that never breaks
    at the hyphen of its range. Pages cite through this, never through :mod:`remediation.domain.citations` (whose
    plain text goes to files, exports and messages)."""
    return unbroken(citations.cite(key))


def cited_lines(key: str) -> str:
    """The line range alone (``"lines 1393-1396"``), held together the same way as :func:`cite`."""
    return unbroken(citations.CITATIONS[key].lines)


EMPTY = "—"
"""What a page shows for a value not recorded (a date not reached yet, an answer not given), in a table and in text
alike: never "None"."""


def as_text(value: object) -> str:
    """``value`` as a page's text shows it: :data:`EMPTY` when not recorded (None, NaN, NaT), a date as
    YYYY-MM-DD, anything else as ``str``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return EMPTY
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def data_table(data: object, **kwargs: Any) -> Any:
    """``st.dataframe`` as every page draws one: a value not recorded shows :data:`EMPTY`, not "None". Call it
    inside ``with column:`` to place it; it returns what ``st.dataframe`` returns (a selection, with on_select)."""
    return st.dataframe(data, placeholder=EMPTY, **kwargs)


SLIDE_TABLE_PX = 1100
"""The columns' width, in pixels, that a table fits on a 1280-px slide: board mode has no sidebar, and the page's
margins leave a table 1,120 px (tests/e2e/test_board_mode_browser.py finds any column past a table's edge)."""


def on_slide(board: bool, widths: dict[str, int], config: dict) -> dict:
    """``config`` (a table's ``column_config``), in board mode with the pixel ``widths`` of its board columns: every
    column on the slide, none past the table's edge (a slide does not scroll sideways, nor does a screenshot); a
    wider screen shares the rest among them. A text longer than its cell is cut at the cell's edge, as in any table;
    it is whole on the page out of board mode."""
    if (total := sum(widths.values())) > SLIDE_TABLE_PX:
        raise ValueError(f"{total} px of columns: a slide's table fits {SLIDE_TABLE_PX}")
    if not board:
        return config
    out = dict(config)
    for column, px in widths.items():
        given = out.get(column)
        out[column] = {**given, "width": px} if isinstance(given, dict) else {"label": given, "width": px}
    return out


def plain_error(exc: Exception) -> str:
    """What a refused or failed write says, as Markdown-safe text: a database failure in the app's own words
    (never SQL or parameters), anything else (Refused, a conflict) as its message, escaped."""
    if isinstance(exc, DBAPIError):
        what, advice = database_problem(exc)
        return f"{what} {advice}"
    return md(str(exc))


def database_problem(exc: Exception) -> tuple[str, str]:
    """(what happened, what to do) for a database failure, in words a user can act on."""
    text = str(exc).lower()
    if isinstance(exc, DataError) or "cannot contain nul" in text:  # e.g. a NUL byte PostgreSQL cannot store
        return ("The link or the text holds a character the database cannot read.",
                ("Check the address (a link may have been cut or altered) or the text typed, then try again. "
                 "Nothing was changed."))
    if "readonly database" in text or "read-only" in text:  # SQLite: the file (or its folder) is not writable
        url = db.database_url()
        where = url.split("@")[-1] if "@" in url else url
        return ("The database file is read-only.",
                (f"The dashboard uses `{where}` and cannot write to it: a database not yet set up (schema, default "
                 "policy, demo data) cannot be opened at all, and no change can be recorded. Make the file and its "
                 "folder writable by the user running the dashboard, or set `DATABASE_URL` to a writable database, "
                 "then reload this page. Nothing was changed."))
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


def read_only_banner() -> None:
    """Said on every page of a read-only SQLite file that is set up: its records can be read, nothing can be
    changed (a save says so too, in the form)."""
    if db.read_only():
        what, advice = database_problem(OperationalError("", {}, Exception("readonly database")))
        st.warning(f"**{what}** Its records are shown, but every change will be refused. {advice}",
                   icon=":material/edit_off:")


def database_error(exc: Exception) -> None:
    """A database failure shown as a clear message, never a traceback."""
    what, advice = database_problem(exc)
    detail = str(exc).splitlines()[0][:300] if str(exc) else ""
    st.error(f"**{what}** {advice}\n\nDetails: {type(exc).__name__}: {md(detail)}", icon=":material/database_off:")


def link_code_problem(code: str, field: str = "incident") -> str | None:
    """Why a code carried by a link (``?incident=``, ``?from=``) cannot be one, in plain words; None when it can.
    The text rule at the URL edge: a NUL byte or a look-alike digit never reaches the database (PostgreSQL would
    refuse the NUL with an error that reads like an outage)."""
    try:
        check_code(code, field)
    except TextRefused as exc:
        return f"This link is invalid: {exc} Check the address, or find the incident on the Portfolio page."
    return None


def link_text_problem(text: str, label: str) -> str | None:
    """Why a text carried by a link or typed in a search cannot be used, naming the field; None when it can."""
    problem = text_problem(text)
    if problem is None:
        return None
    position, char = problem
    return (f"{label}: contains {describe(char)} at character {position}, which cannot be searched for; remove it "
            "(a link may have been cut or altered).")


def link_number_problem(key: str, label: str, low: int, high: int) -> str | None:
    """A whole number carried by the query parameter ``key`` (bound to a number input) that the widget cannot
    read — ``inf``, ``1e309``, ``nan``, ``abc``, out of range — is removed from the link before the widget is
    drawn (Streamlit would stop with an OverflowError), and this says which field and why."""
    raw = st.query_params.get(key)
    if raw is None:
        return None
    try:
        value = float(raw)
        ok = math.isfinite(value) and value == int(value) and low <= int(value) <= high
    except (TypeError, ValueError, OverflowError):
        ok = False
    if ok:
        return None
    del st.query_params[key]
    shown = raw if len(raw) <= 40 else raw[:39] + "…"
    return (f"{label}: the link's value {md(repr(shown))} is not a whole number from {low:,} to {high:,}; the default "
            "is shown instead.")
