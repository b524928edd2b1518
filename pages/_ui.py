"""What every page shares: the engine, bounded caches over :mod:`remediation.queries`, messages.

Caching lives here, at the data-access edge, and nowhere else: every cache has a ``ttl`` (so a write
made through another server shows within seconds) and ``max_entries``, and :func:`after_write`
clears them so a user sees their own change at once.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from remediation import db, queries

CACHE_TTL_SECONDS = 30


@st.cache_resource(show_spinner="Opening the database…")
def _engine_for(url: str):
    return db.bootstrap(db.get_engine(url))


def get_engine():
    return _engine_for(db.database_url())


# Every cached read takes the database URL as its first argument, so it is part of the cache key.

@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def _portfolio(url: str, flt: queries.PortfolioFilter, today: date):
    return queries.portfolio(_engine_for(url), flt, today=today)


def portfolio(flt: queries.PortfolioFilter, today: date):
    return _portfolio(db.database_url(), flt, today)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=8, show_spinner=False)
def _status_counts(url: str, today: date) -> dict[str, int]:
    return queries.status_counts(_engine_for(url))


def status_counts(today: date) -> dict[str, int]:
    return _status_counts(db.database_url(), today)


def after_write() -> None:
    """Drop every cached read so the next rerun shows what was just written."""
    st.cache_data.clear()


def database_error(exc: Exception) -> None:
    url = db.database_url()
    shown = url.split("@")[-1] if "@" in url else url  # never show credentials
    st.error(
        f"**The database cannot be opened.** The dashboard uses `{shown}` (set `DATABASE_URL` to change it). "
        f"Check that it is running and reachable, then reload this page.\n\nDetails: {type(exc).__name__}: "
        f"{str(exc).splitlines()[0][:300] if str(exc) else ''}",
        icon=":material/database_off:",
    )
