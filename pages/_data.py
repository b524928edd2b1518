"""Data access for pages: the engine, and bounded caches over :mod:`remediation.storage.queries`.

Caching lives here, at the data-access edge, and nowhere else: every cache has a ``ttl`` (so a write
made through another server shows within seconds) and ``max_entries``, takes the database URL and its data
version as its first argument (so it is part of the key), and :func:`after_write` clears them so a user sees
their own change at once."""

from __future__ import annotations

import functools
import time
from datetime import date

import streamlit as st

from remediation.domain.vocab import ROLES
from remediation.services import bootstrap
from remediation.storage import company_work, queries, supply_chain
from remediation.storage import engine as db
from remediation.storage.queries import PortfolioFilter

CACHE_TTL_SECONDS = 30

@st.cache_resource(show_spinner="Opening the database…")
def _bootstrapped(url: str):
    return bootstrap.bootstrap(db.get_engine(url))


def engine_for(key: str):
    """The engine for a cache key made by :func:`_url` (the database URL and its data version)."""
    return _bootstrapped(key.split(VERSION_MARK)[0])


def get_engine():
    return _bootstrapped(db.database_url())


VERSION_MARK = "#data-version="


@functools.lru_cache(maxsize=16)
def _data_version(url: str, second: int) -> int:
    """The newest audit entry's id: every write adds one, whichever server made it. Read at most once a
    second per process."""
    return queries.data_version(_bootstrapped(url))


def data_key() -> str:
    """Public name of the cache key, for pages that cache their own reads."""
    return _url()


def _url() -> str:
    """The key every cached read starts with: the database URL and its data version, so a write through
    any server (several app servers share one PostgreSQL) shows on every server's next rerun."""
    url = db.database_url()
    return f"{url}{VERSION_MARK}{_data_version(url, int(time.time()))}"


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=256, show_spinner=False)
def _read(key: str, query: str, *args, **kwargs):
    """``remediation.storage.queries.<query>(engine, *args, **kwargs)``, cached under the data-version key."""
    return getattr(queries, query)(engine_for(key), *args, **kwargs)


def read(query: str, *args, **kwargs):
    """A cached read through :mod:`remediation.storage.queries`: the one place pages' reads are cached."""
    return _read(_url(), query, *args, **kwargs)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=128, show_spinner=False)
def _supply(key: str, query: str, *args, **kwargs):
    return getattr(supply_chain, query)(engine_for(key), *args, **kwargs)


def supply(query: str, *args, **kwargs):
    """A cached read through :mod:`remediation.storage.supply_chain` (the register, declarations, exposure)."""
    return _supply(_url(), query, *args, **kwargs)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def _work(key: str, query: str, *args, **kwargs):
    return getattr(company_work, query)(engine_for(key), *args, **kwargs)


def work(query: str, *args, **kwargs):
    """A cached read through :mod:`remediation.storage.company_work` (involvement, remedy, lessons actions)."""
    return _work(_url(), query, *args, **kwargs)


def portfolio(flt: PortfolioFilter, today: date):
    return read("portfolio", flt, today=today, time_frames=settings().time_frames)


def pipeline(flt: PortfolioFilter):
    return read("pipeline", flt)


def headline(flt: PortfolioFilter, today: date):
    return read("headline", flt, today, settings().time_frames)


def ageing(flt: PortfolioFilter, today: date):
    return read("ageing", flt, today, settings().time_frames)


def level2_plans(flt: PortfolioFilter, today: date):
    return read("level2_plans_table", flt, today, for_display=True)


def level2_totals(flt: PortfolioFilter):
    return read("level2_totals", flt)


def distinct(column: str) -> list[str]:
    return read("distinct_values", column)


def settings():
    return read("settings")


def load_incident(code: str):
    """(record, workflow state, version) of one incident, or None for an unknown code."""
    return read("incident", code, date.today())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def _incident_audit(url, code):
    trail = queries.audit_trail(engine_for(url), code)
    trail["role"] = trail["role"].map(ROLES).fillna("")
    trail["changes"] = [_changes_text(c) for c in trail["changes"]]
    return trail


def incident_audit(code: str):
    return _incident_audit(_url(), code)


def _changes_text(changes) -> str:
    def short(value) -> str:
        text = "—" if value in (None, "", [], {}) else str(value)
        return text if len(text) <= 60 else text[:57] + "…"
    return "; ".join(f"{c['field']}: {short(c['before'])} → {short(c['after'])}" for c in (changes or [])[:12]) + \
        (f"; and {len(changes) - 12} more" if changes and len(changes) > 12 else "")


def policy_in_force():
    """The level policy in force, read once per data version: the pages pass it to the rules."""
    return read("policy_in_force")


def policy_versions():
    return read("policy_versions")


def after_write() -> None:
    """Drop every cached read so the next rerun shows what was just written."""
    st.cache_data.clear()


