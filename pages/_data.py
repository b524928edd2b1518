"""Data access for pages: the engine, and bounded caches over :mod:`remediation.storage.queries`.

Caching lives here, at the data-access edge, and nowhere else: every cache has a ``ttl`` and ``max_entries``,
and takes the database URL and the data versions of what it depends on as its first argument (so they are part
of the key). The versions come from the database (:mod:`remediation.storage.versions`), so a write through any
server shows on every server's next rerun, and only the figures that depend on what it changed are computed
again: a write to an incident leaves the supply chain warm, a document downloaded or a user added leaves
everything warm. :func:`after_write` only makes this session read the versions again at once; it clears no
cache."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from remediation.domain.vocab import ROLES
from remediation.reports import charts, company_charts
from remediation.services import bootstrap, evidence, waiting
from remediation.storage import company_work, followups, lessons, queries, supply_chain
from remediation.storage import engine as db
from remediation.storage import versions as data_versions
from remediation.storage.queries import PortfolioFilter

CACHE_TTL_SECONDS = 30


def _filter_key(flt: PortfolioFilter) -> str:
    """A filter's part of a cache key: its ``repr`` names every field and value (strings, dates, tuples of them), so
    two filters share a key exactly when they are equal. Streamlit would otherwise copy the dataclass field by field
    (``dataclasses.asdict``) and hash each part, on every cached call of every rerun (issue #15)."""
    return repr(flt)


HASH_FUNCS = {PortfolioFilter: _filter_key}

@st.cache_resource(show_spinner="Opening the database…")
def _bootstrapped(url: str):
    return bootstrap.bootstrap(db.get_engine(url))


def engine_for(key: str):
    """The engine for a cache key made by :func:`_url` (the database URL and its data version)."""
    return _bootstrapped(key.split(VERSION_MARK)[0])


def get_engine():
    return _bootstrapped(db.database_url())


VERSION_MARK = "#data-version="


_trackers: dict[str, data_versions.VersionTracker] = {}
_trackers_lock = threading.Lock()


@functools.lru_cache(maxsize=16)
def _data_version(url: str, second: int) -> dict[str, int]:
    """Every area's data version (:mod:`remediation.storage.versions`), whichever server wrote. Read at most
    once a second per process, and then only the audit entries newer than the last read."""
    with _trackers_lock:
        tracker = _trackers.setdefault(url, data_versions.VersionTracker())
    return tracker.refresh(_bootstrapped(url))


def _key(areas: tuple[str, ...]) -> str:
    url = db.database_url()
    found = _data_version(url, int(time.time()))
    return url + VERSION_MARK + ".".join(f"{a}{found[a]}" for a in areas)


WORK_AREAS = (data_versions.RECORDS, data_versions.SUPPLY)  # what any page figure may depend on (data_key)
LESSONS_AREAS = (data_versions.CLOSED, data_versions.SUPPLY)  # what lessons learned's reads key on (lessons_key)


def data_key() -> str:
    """Public name of the cache key, for pages that cache their own reads: the database URL and the versions
    of the incident records and the supply chain (what any page figure may depend on)."""
    return _key(WORK_AREAS)


def lessons_key() -> str:
    """The key of lessons learned's reads: they read only the incidents closed after remediation (and the
    supply chain, for the supplier and product filters), so a write to an open incident leaves them warm
    (:data:`remediation.storage.versions.CLOSED`)."""
    return _key(LESSONS_AREAS)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=128, show_spinner=False, hash_funcs=HASH_FUNCS)
def _lessons(key: str, query: str, flt, *args):
    """Every read of lessons learned (:mod:`remediation.storage.lessons`), through one bounded cache keyed by
    database, closed incidents' data version (:func:`lessons_key`), query, filters and arguments."""
    return getattr(lessons, query)(engine_for(key), flt, *args)


def lessons_read(query: str, flt, *args):
    return _lessons(lessons_key(), query, flt, *args)


# What a lessons chart draws of its read, where not the read itself: the distribution of days to closure, and the themes'
# totals added up from their trend (one read of the tags for both charts).
LESSONS_SHAPES = {"days_to_closure": lessons.distribution, "lesson_themes": lessons.tag_totals}


class _SharedFigure(go.Figure):
    """A figure built once and shown by every session (the figure caches here): ``st.plotly_chart`` turns it into a
    dict on every rerun, and ``to_dict`` deep-copies every trace (about 4,000 values for lessons learned's seven
    charts: a fifth of that page's warm rerun), so the dict is made once. Nothing changes a cached figure once built,
    and ``st.plotly_chart`` only reads the dict (issue #15)."""

    def to_dict(self):
        if (memo := self.__dict__.get("_dict_memo")) is None:
            memo = self._dict_memo = super().to_dict()
        return memo


def _shared(fig):
    """``fig`` (a figure about to be cached for every session) made a :class:`_SharedFigure`, in place."""
    if type(fig) is go.Figure:
        fig.__class__ = _SharedFigure
    return fig


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def _lessons_figure(key: str, chart: str, query: str, flt, args: tuple, *chart_args, **chart_kwargs):
    data = _lessons(key, query, flt, *args)
    if chart in LESSONS_SHAPES:
        data = LESSONS_SHAPES[chart](data)
    return _shared(getattr(charts, chart)(data, *chart_args, **chart_kwargs))


def lessons_chart(chart: str, query: str, flt, args: tuple, *chart_args, **chart_kwargs):
    """``remediation.reports.charts.<chart>`` drawn from the lessons read ``query(flt, *args)`` (shaped by
    :data:`LESSONS_SHAPES` where the chart needs it), cached under that read's own key and the chart's arguments:
    exact as the read is, and a warm rerun hashes no data frame (:func:`figure` hashes the frames it is given; issue #15). Shared by every
    session: ``st.plotly_chart`` copies a figure, never changes it."""
    return _lessons_figure(lessons_key(), chart, query, flt, args, *chart_args, **chart_kwargs)


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def _view(key: str, name: str, inputs: str, _build: Callable, _args: tuple):
    return _build(*_args)


def view(name: str, areas: tuple[str, ...], build: Callable, *args):
    """``build(*args)``: a part of a page made from cached reads (its figures, its tables shaped for display, its
    metrics' words), kept once per data version of ``areas`` and arguments and shared by every session. A warm rerun
    makes one cache look-up for the part instead of one per read and figure (Streamlit hashes each call's arguments
    and reads its function's signature: a third of lessons learned's warm rerun), and reshapes nothing (issue #15).

    Exact as its reads are, on three conditions: ``name`` is the builder's own; every read ``build`` makes keys on
    versions among ``areas`` (so a write that changes one moves the view's key too); and ``build`` uses nothing but
    ``args`` (each with an exact ``repr``: filters, dates, strings, numbers). What it returns is shared: a page reads
    it, never changes it."""
    # keywords: Streamlit reads the function's signature once per positional argument, on every call
    return _view(key=_key(areas), name=name, inputs=repr(args), _build=build, _args=args)


TOGETHER_THREADS = 4


def together(*calls: Callable) -> list:
    """Each of ``calls`` (cached reads, without arguments) run at once in threads of this script run, their results
    in order: a database runs its queries beside each other (SQLite and psycopg let go of the interpreter while they
    wait), so a cold part of a page waits for its slowest read rather than for their sum. An error is raised as the
    read raised it."""
    if len(calls) < 2:
        return [call() for call in calls]
    ctx = get_script_run_ctx(suppress_warning=True)

    def attach() -> None:  # the script run's context, as a read in the script's own thread has it
        if ctx is not None:
            add_script_run_ctx(threading.current_thread(), ctx)

    with ThreadPoolExecutor(max_workers=min(len(calls), TOGETHER_THREADS), initializer=attach,
                            thread_name_prefix="page-read") as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def _url() -> str:
    """The key of a read of incident records alone (no supplier or product filter)."""
    return _key((data_versions.RECORDS,))


def supply_key() -> str:
    """The key of a read of the supply chain alone (the register, suppliers, declarations): a write to an
    incident's records leaves it warm, so recording a step does not read the register again."""
    return _key((data_versions.SUPPLY,))


# Reads that touch only the register and the declarations, never an incident (they key on :func:`supply_key`).
# A query added here must read no incident table, or a write to an incident would not show in it until the
# caches' lifetime is over; tests/db/test_data_versions.py checks each against a full recomputation.
SUPPLY_ONLY_READS = frozenset({"register_options", "smelter", "smelter_suggestions", "suppliers", "declarations",
                               "declaration_detail", "exposure_as_of", "smelter_exposure"})
SUPPLY_ONLY_COLUMNS = ("supplier", "product")  # distinct_values of these: the suppliers' names, declared products
# distinct_values of these incidents' columns: keyed by the records facet that moves only when one of them may have
# changed (an intake, an import, a write that changed them), so a step recorded or a smelter linked leaves the sidebar's
# choices and the earlier incidents' name lists warm (they were read again after every write to any incident)
LISTED_COLUMNS = data_versions.FACET_COLUMNS[data_versions.LISTED]


def _needs_supply(query: str, args, kwargs) -> bool:
    """A read that depends on the supply chain: the supplier and product filters, and their choices. A new
    query in :mod:`remediation.storage.queries` that reads the register or the declarations belongs here too
    (or in :func:`supply`), or it may show a declaration's import up to ``CACHE_TTL_SECONDS`` late."""
    if query == "distinct_values" and args and args[0] in ("supplier", "product"):
        return True
    return any(isinstance(a, PortfolioFilter) and (a.supplier or a.product) for a in (*args, *kwargs.values()))


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=256, show_spinner=False, hash_funcs=HASH_FUNCS)
def _read(key: str, query: str, *args, **kwargs):
    """``remediation.storage.queries.<query>(engine, *args, **kwargs)``, cached under the data-version key."""
    return getattr(queries, query)(engine_for(key), *args, **kwargs)


# Reads of the whole portfolio (no filter but open/closed) keyed by the facets of the records they read
# (:data:`remediation.storage.versions.FACETS`), not by every write to an incident: linking a smelter or correcting a
# title leaves them warm, recording a step leaves the plans' figures warm. A query listed here must read of the
# incidents and their plans nothing but those facets (settings come in as its arguments);
# tests/db/test_data_versions.py checks each against a full recomputation after random writes.
FACETED_READS: dict[str, tuple[str, ...]] = {
    "pipeline": (data_versions.STAGE,),
    "headline": (data_versions.STAGE, data_versions.PLANS),
    "ageing": (data_versions.STAGE,),
    "involvement_counts": (data_versions.INVOLVEMENT,),
    "remedy_by_involvement": (data_versions.STAGE, data_versions.PLANS, data_versions.INVOLVEMENT),
}


def _faceted_key(query: str, args, kwargs) -> str | None:
    """The key of a read of :data:`FACETED_READS` over the whole portfolio; None for any other read."""
    facets = FACETED_READS.get(query)
    flt = next((a for a in (*args, *kwargs.values()) if isinstance(a, PortfolioFilter)), None)
    return _key(facets) if facets is not None and flt is not None and flt.whole else None


# Reads of the settings and the level policy alone: keyed by the records entries about no incident
# (:data:`remediation.storage.versions.GENERAL`), so a write to an incident leaves them warm.
GENERAL_READS = frozenset({"settings", "settings_versions", "policy_in_force", "policy_versions"})


def read(query: str, *args, **kwargs):
    """A cached read through :mod:`remediation.storage.queries`: the one place pages' reads are cached."""
    if query == "distinct_values" and args and args[0] in SUPPLY_ONLY_COLUMNS:  # the sidebar's supplier, product
        return _read(supply_key(), query, *args, **kwargs)
    if query == "distinct_values" and args and args[0] in LISTED_COLUMNS:  # the sidebar's countries, smelter names
        return _read(_key((data_versions.LISTED,)), query, *args, **kwargs)
    if (key := _faceted_key(query, args, kwargs)) is not None:
        return _read(key, query, *args, **kwargs)
    if query in GENERAL_READS:
        return _read(_key((data_versions.GENERAL,)), query, *args, **kwargs)
    return _read(data_key() if _needs_supply(query, args, kwargs) else _url(), query, *args, **kwargs)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=128, show_spinner=False, hash_funcs=HASH_FUNCS)
def _supply(key: str, query: str, *args, **kwargs):
    return getattr(supply_chain, query)(engine_for(key), *args, **kwargs)


def supply(query: str, *args, **kwargs):
    """A cached read through :mod:`remediation.storage.supply_chain` (the register, declarations, exposure):
    keyed by the supply chain's version alone when it reads no incident (:data:`SUPPLY_ONLY_READS`)."""
    return _supply(supply_key() if query in SUPPLY_ONLY_READS else data_key(), query, *args, **kwargs)


def earlier_incidents(code: str, since: date | None = None):
    """:func:`remediation.storage.supply_chain.earlier_incidents` (at most 50, the newest first), given the
    incidents' distinct countries and smelter/refiner names as the sidebar's filters read them (cached under the
    same records version), so a rerun after a write walks them once, not twice."""
    return supply("earlier_incidents", code, since, countries=tuple(distinct("country")),
                  smelter_names=tuple(distinct("smelter_refiner")))


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def _earlier_than(key: str, incident: supply_chain.IncidentKeys, names: str, _countries: tuple, _smelter_names: tuple):
    """``names``: the two lists as one string, in the key (Streamlit hashes a tuple item by item: some 200 names
    on each rerun); the lists themselves are not hashed (a leading underscore)."""
    return supply_chain.earlier_than(engine_for(key), incident, countries=_countries, smelter_names=_smelter_names)


def earlier_than(incident: supply_chain.IncidentKeys):
    """The earlier incidents at an incident's smelter or site (at most 50, the newest first), given its keys as the
    page's record holds them: keyed by every *other* incident's records version
    (:func:`remediation.storage.versions.records_except`), so a write to this incident (a step, its smelter's link)
    leaves them warm unless it changed the keys themselves, which are part of the key."""
    url = db.database_url()
    key = url + VERSION_MARK + "except" + data_versions.records_except(_data_version(url, int(time.time())),
                                                                       incident.code)
    countries, smelter_names = tuple(distinct("country")), tuple(distinct("smelter_refiner"))
    return _earlier_than(key, incident, repr((countries, smelter_names)), countries, smelter_names)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def _follow(key: str, query: str, *args, **kwargs):
    return getattr(followups, query)(engine_for(key), *args, **kwargs)


def follow(query: str, *args, **kwargs):
    """A cached read through :mod:`remediation.storage.followups` (what each party owes, the push by quarter)."""
    return _follow(data_key(), query, *args, **kwargs)


FIGURE_ROWS = 10_000  # larger frames are drawn without the cache: Streamlit hashes a sample of a large frame


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def _figure(chart: str, *args, **kwargs):
    module, _, name = chart.rpartition(".")  # "company_charts.<chart>": remediation.reports.company_charts
    return _shared(getattr(company_charts if module == "company_charts" else charts, name)(*args, **kwargs))


def figure(chart: str, *args, **kwargs):
    """``remediation.reports.charts.<chart>(*args, **kwargs)``, built once per arguments and shared by every
    session (``st.plotly_chart`` copies a figure, never changes it): a warm rerun, or a rerun after a write that
    left the chart's data as it was, draws the figure built before instead of validating every trace again.
    Keyed by the data themselves (the aggregated frames the chart is drawn from), so it is exact."""
    if any(isinstance(a, pd.DataFrame) and len(a) > FIGURE_ROWS for a in (*args, *kwargs.values())):
        return _figure.__wrapped__(chart, *args, **kwargs)
    return _figure(chart, *args, **kwargs)


def company_figure(chart: str, *args, **kwargs):
    """:func:`figure` for ``remediation.reports.company_charts.<chart>`` (the involvement and remedy charts):
    built once per data and shared, in the same cache."""
    return figure("company_charts." + chart, *args, **kwargs)


PAGE_ROWS = 100  # rows of the portfolio table a view sends to the browser


def portfolio(flt: PortfolioFilter, today: date, sort: str = "date_received", descending: bool = True,
              page: int = 1):
    """One page (:data:`PAGE_ROWS` rows, 1-based ``page``) of the portfolio table, sorted on the server, and the
    number of incidents matching."""
    return read("portfolio", flt, PAGE_ROWS, today=today, time_frames=settings().time_frames,
                offset=(max(page, 1) - 1) * PAGE_ROWS, sort=sort, descending=descending)


def export_csv(engine, flt: PortfolioFilter, today: date, time_frames: dict[int, int], sort: str,
               descending: bool) -> bytes:
    """Every incident matching ``flt``, sorted as the table, as CSV (UTF-8 with a BOM, for spreadsheets): the
    portfolio table's export, built when the button is clicked (outside a script run: no cache, no session)."""
    df, _ = queries.portfolio(engine, flt, None, today=today, time_frames=time_frames, sort=sort,
                              descending=descending)
    return df.drop(columns=["step", "step_entered_on"]).to_csv(index=False).encode("utf-8-sig")


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def _work(key: str, query: str, *args, **kwargs):
    return getattr(company_work, query)(engine_for(key), *args, **kwargs)


def work(query: str, *args, **kwargs):
    """A cached read through :mod:`remediation.storage.company_work` (involvement, remedy, lessons actions)."""
    return _work(_faceted_key(query, args, kwargs) or data_key(), query, *args, **kwargs)


def pipeline(flt: PortfolioFilter):
    return read("pipeline", flt)


def headline(flt: PortfolioFilter, today: date):
    return read("headline", flt, today, settings().time_frames)


def ageing(flt: PortfolioFilter, today: date):
    return read("ageing", flt, today, settings().time_frames)


def level2_plans(flt: PortfolioFilter, today: date, sort: str = "date_received", descending: bool = True,
                 page: int = 1):
    """One page (:data:`PAGE_ROWS` rows) of the Level 2 plans table, sorted on the server, and the number matching."""
    return read("level2_plans_table", flt, today, PAGE_ROWS, for_display=True, offset=(max(page, 1) - 1) * PAGE_ROWS,
                sort=sort, descending=descending)


def level1_windows(flt: PortfolioFilter, today: date, page: int = 1):
    """One page of the Level 1 plans' monitoring windows (past the window first)."""
    return read("level1_windows", flt, today, PAGE_ROWS, offset=(max(page, 1) - 1) * PAGE_ROWS)


def level2_totals(flt: PortfolioFilter):
    return read("level2_totals", flt)


def distinct(column: str) -> list[str]:
    return read("distinct_values", column)


def settings():
    return read("settings")


def settings_as_drawn(memo: str):
    """``(settings versions, settings)`` as a settings form showed them when last drawn, kept in the session under
    ``memo``: a submit reruns the page, which rereads the settings first, so the save is checked against what was on
    screen (an admin who saved in between is not overwritten)."""
    shown = (read("settings_versions"), settings())
    seen = st.session_state.get(memo, shown)
    st.session_state[memo] = shown
    return seen


def load_incident(code: str):
    """(record, workflow state, version) of one incident, or None for an unknown code."""
    return read("incident", code, date.today(), cadence=settings().reporting_cadence)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def _incident_audit(url, code):
    trail = queries.audit_trail(engine_for(url), code)
    trail["role"] = trail["role"].map(ROLES).fillna("")
    trail["changes"] = [_changes_text(c) for c in trail["changes"]]
    return trail


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False, hash_funcs=HASH_FUNCS)
def _documents(key: str, code: str) -> list[dict]:
    return evidence.list_documents(engine_for(key), code)


def documents(code: str) -> list[dict]:
    """An incident's documents without their content (:func:`remediation.services.evidence.list_documents`), read
    once per records version (every attach and removal is audited about the incident; a download changes no data),
    not on every rerun of its page."""
    return _documents(_url(), code)


def incident_audit(code: str):
    return _incident_audit(_key((data_versions.LOG,)), code)


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


_refresh_lock = threading.Lock()


SYNC_REFRESH_LIMIT = 2000  # incidents the first rerun of the day evaluates while its viewer waits (about a second)


def _refresh(engine, day: date) -> int:
    with _refresh_lock:  # two sessions opening the first page of the day: the second finds nothing left to do
        return waiting.refresh_waiting(engine, day).changed


def _refresh_in_background(engine, day: date) -> None:
    try:
        _refresh(engine, day)
    except Exception:  # noqa: BLE001 - a thread's error would vanish: log it; tomorrow's first rerun tries again
        logging.getLogger(__name__).exception("The background refresh of what incidents wait for failed")


@functools.lru_cache(maxsize=16)
def _waiting_refreshed(url: str, day: date) -> int | threading.Thread:
    """The refresh's count of moved incidents, or, when more incidents are due than a viewer should wait for (a
    quarter's reports falling due at once in a large portfolio, the first day after an upgrade), the thread that
    does it in the background: the pages show the state as last saved meanwhile, and each batch it writes moves the
    data versions, so every session reads the new state within a second of it."""
    engine = _bootstrapped(url)
    if waiting.stale_count(engine, day) <= SYNC_REFRESH_LIMIT:
        return _refresh(engine, day)
    thread = threading.Thread(target=_refresh_in_background, args=(engine, day), daemon=True,
                              name=f"refresh-waiting-{day.isoformat()}")
    thread.start()
    return thread


def waiting_up_to_date(today: date | None = None) -> None:
    """Bring what the incidents wait for up to ``today`` (default: the server's date) once per day and database
    per server (:func:`remediation.services.waiting.refresh_waiting`): a monitoring report that fell overdue since an
    incident was last saved shows in the portfolio, the Follow-ups page and the board pack as it does on the
    incident page. Called by app.py on every rerun; after the first of the day it is a dictionary look-up."""
    moved = _waiting_refreshed(db.database_url(), today or date.today())
    if isinstance(moved, int) and moved:  # done here: this rerun reads the new state (a thread: within a second)
        after_write()


def after_write() -> None:
    """Make this session's next rerun read the data versions at once (not up to a second later), so it shows
    what was just written: the reads that depend on what changed miss their cache, every other stays warm."""
    _data_version.cache_clear()


def empty_caches() -> None:
    """Empty every cache of data, figures and views this module keeps, but not the engine: what a server holds
    when it has just started (the benchmark's cold runs). A ``st.cache_resource`` added to this module belongs in
    :data:`SHARED_CACHES` (tests/unit/test_page_views.py fails until it is)."""
    st.cache_data.clear()
    for cache in SHARED_CACHES:
        cache.clear()
    _data_version.cache_clear()


SHARED_CACHES = (_figure, _lessons_figure, _view)  # every st.cache_resource of this module but the engine's
