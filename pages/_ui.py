"""What every page shares: the engine, bounded caches over :mod:`remediation.queries`, the sidebar
filters (kept in the URL), messages.

Caching lives here, at the data-access edge, and nowhere else: every cache has a ``ttl`` (so a write
made through another server shows within seconds) and ``max_entries``, takes the database URL as its
first argument (so it is part of the key), and :func:`after_write` clears them so a user sees their
own change at once.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import time
from datetime import date
from pathlib import Path

import streamlit as st

from remediation import db, queries
from remediation.charts import compact  # noqa: F401 - pages import it from here
from remediation.queries import LEVEL_FILTERS, PortfolioFilter
from remediation.vocab import AUDIT_PROGRAMMES, MINERALS, ROLES

CACHE_TTL_SECONDS = 30

_HERE = Path(__file__).resolve().parent
# Absolute paths: relative ones resolve against the working directory, which differs between
# `streamlit run` from elsewhere and the test runner.
PAGES = {name: str(_HERE / f"{name}.py")
         for name in ("portfolio", "incident", "plans", "lessons", "triage", "policy", "imports", "admin")}


def ensure_entry_script() -> None:
    """Call first in every page. Streamlit runs a page file on its own (its legacy ``pages/`` folder
    mode) until some session has run the entry script's ``st.navigation``; on a fresh server whose first
    visitor follows a deep link (``/incident?incident=…``) that would leave every session without the
    sidebar and with the folder's file list as navigation. Clear Streamlit's process-wide flag and rerun:
    the rerun executes app.py, whose ``st.navigation`` opens the same page."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_resource(show_spinner="Opening the database…")
def _bootstrapped(url: str):
    return db.bootstrap(db.get_engine(url))


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
    """``remediation.queries.<query>(engine, *args, **kwargs)``, cached under the data-version key."""
    return getattr(queries, query)(engine_for(key), *args, **kwargs)


def read(query: str, *args, **kwargs):
    """A cached read through :mod:`remediation.queries`: the one place pages' reads are cached."""
    return _read(_url(), query, *args, **kwargs)


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


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: str) -> str:
    """Text a user typed, escaped so Streamlit's Markdown shows it as typed: no links, no emphasis,
    no HTML (st.markdown never renders raw HTML without unsafe_allow_html, which we never use)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def policy_in_force():
    """The level policy in force (cached briefly by :func:`remediation.policy.in_force`)."""
    from remediation.policy import in_force

    return in_force(get_engine())


def policy_versions():
    return read("policy_versions")


def after_write() -> None:
    """Drop every cached read so the next rerun shows what was just written."""
    st.cache_data.clear()
    from remediation.policy import forget_cached_policy

    forget_cached_policy()


def board_mode() -> bool:
    """Board mode: every page screenshot-ready, with no edit controls."""
    return bool(st.session_state.get("board"))


def can_edit() -> bool:
    """Whether this page may show edit controls: not in board mode, and the user is an editor or admin.
    (Hiding is for the user's sake; the services refuse a viewer's write whatever is shown.)"""
    user = current_user()
    return not board_mode() and user is not None and user.can("edit")


def is_admin() -> bool:
    """Whether the user may adopt policy versions, change settings, manage users, read the audit log."""
    user = current_user()
    return user is not None and user.can("admin")


def can_administer() -> bool:
    """Whether this page may show admin controls (policy drafts, settings): not in board mode, and an admin."""
    return not board_mode() and is_admin()


def read_only_notice(what: str) -> str:
    """Why this page shows no edit controls, for a sentence ending "… to {what}"."""
    if board_mode():
        return f"Board mode shows no edit controls: turn it off in the sidebar to {what}."
    user = current_user()
    role = user.role if user is not None else "not signed in"
    return f"You are {'a viewer' if role == 'viewer' else role}: ask an admin for the editor role to {what}."


def current_actor_name() -> str:
    """Who is recording, for the audit log: the signed-in e-mail, or "local user" in local mode."""
    user = current_user()
    return user.email if user is not None else "not signed in"


# --- sign-in -------------------------------------------------------------------------------------

SESSION_USER = "auth_user"  # the session's access.User, set by sign_in() on every run of app.py


def auth_configured() -> bool:
    """Whether an OpenID Connect provider is configured: an ``[auth]`` section in ``.streamlit/secrets.toml``.
    A secrets file that exists but cannot be read raises: it must not silently turn sign-in off."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # StreamlitSecretNotFoundError: no secrets file, or one that cannot be parsed
        if any(Path(path).is_file() for path in st.get_option("secrets.files")):
            raise
        return False


def local_mode() -> bool:
    """Single-user local mode: no identity provider configured, the local user has every right."""
    return not auth_configured()


def current_user():
    """The session's :class:`remediation.access.User` (set by :func:`sign_in`); None if nobody is signed in.
    In local mode, the local user."""
    from remediation import access

    user = st.session_state.get(SESSION_USER)
    if user is None and not auth_configured():
        return access.LOCAL_ADMIN
    return user


def current_actor(role: str | None = None):
    """The :class:`remediation.services.Actor` for a write by this session's user, recorded for the process
    ``role``. The services look the permission role up themselves (the database is the authority), so a
    role changed by an admin counts from the next write."""
    from remediation.services import Actor

    return Actor(current_actor_name(), role)


def sign_in():
    """Call from app.py on every run, before drawing anything else: the signed-in user, kept in the
    session for the pages. In local mode, the local user. With ``[auth]`` configured, a visitor who has not
    signed in, whose provider gave no (verified) e-mail, or whose e-mail has no role here sees only a
    screen saying so, with a button to sign in or out, and the run stops."""
    from remediation import access

    try:
        configured = auth_configured()
    except FileNotFoundError as exc:  # a secrets file that cannot be parsed: neither sign-in nor local mode
        st.error(f"**The app's secrets cannot be read**, so sign-in cannot be set up. Fix the file and reload. "
                 f"Details: {exc}", icon=":material/key_off:")
        st.stop()
    access.set_signed_in_mode(configured)
    if not configured:
        st.session_state[SESSION_USER] = access.LOCAL_ADMIN
        return access.LOCAL_ADMIN
    st.session_state.pop(SESSION_USER, None)
    info = st.user
    if not info.get("is_logged_in"):
        _gate(_sign_in_screen)
    email = info.get("email")
    if not email or info.get("email_verified") is False:
        _gate(_no_email_screen)
    role = access.role_of(get_engine(), email)
    if role is None:
        _gate(_no_role_screen)
    user = access.User(access.normalise_email(email), role)
    st.session_state[SESSION_USER] = user
    return user


def _gate(screen) -> None:
    """Show only ``screen``: a navigation of one hidden page (so no page list and no deep link gets past),
    then stop."""
    st.navigation([st.Page(screen, title="Sign in", icon=":material/login:", default=True)],
                  position="hidden").run()
    st.stop()


def _sign_in_screen() -> None:
    st.title("Remediation oversight")
    st.markdown("Sign in to see the remediation portfolio.")
    if not _authlib_installed():
        st.error("Sign-in is configured, but the server lacks Authlib or httpx: install them with "
                 "`pip install 'streamlit[auth]'` and restart.", icon=":material/error:")
        return
    if st.button("Sign in", type="primary", icon=":material/login:", key="sign_in"):
        st.login()


def _authlib_installed() -> bool:
    """st.login needs Authlib and httpx (``pip install 'streamlit[auth]'``); without them a click, or the
    provider's redirect back, would end in a traceback."""
    return all(importlib.util.find_spec(name) is not None for name in ("authlib", "httpx"))


def _no_email_screen() -> None:
    st.title("Remediation oversight")
    st.error("Your identity provider did not give a verified e-mail address, which this app needs to find "
             "your role. Sign in with another account, or ask an admin.", icon=":material/mail_lock:")
    _sign_out_button()


def _no_role_screen() -> None:
    st.title("Remediation oversight")
    st.warning(f"You are signed in as **{md(st.user.get('email'))}**, but this address has no role here. "
               "Ask an admin to add you.", icon=":material/lock_person:")
    _sign_out_button()


def _sign_out_button() -> None:
    if st.button("Sign out", icon=":material/logout:", key="sign_out"):
        st.logout()


def account_sidebar() -> None:
    """Who is using the app, in the sidebar: a signed-in user with a sign-out button, or local mode's label."""
    from remediation.access import PERMISSION_ROLES

    user = current_user()
    if local_mode():
        st.caption(":material/person: **Local mode: single user, no sign-in.** Configure `[auth]` in "
                   "`.streamlit/secrets.toml` to have people sign in with roles.")
    elif user is not None:
        st.caption(f":material/account_circle: Signed in as **{md(user.email)}** ({user.role})",
                   help=PERMISSION_ROLES[user.role])
        _sign_out_button()


def sidebar_filters(applies: bool = True) -> None:
    """The filters every page shares. Each is bound to a URL query parameter of the same name, so a
    copied link reproduces the view. On a page they do not narrow (``applies`` false: an incident, the
    triage, the policy), they fold away under a label saying so, keeping their values for the next page."""
    st.toggle("Board mode", key="board", bind="query-params",
              help="Screenshot-ready pages for board reports: no edit controls; victims' counts below the "
                   "small-count threshold shown as '<N'.")
    if applies:
        st.header("Filters", anchor=False)
        _filter_widgets()
    else:
        with st.expander("Filters: not used on this page", icon=":material/filter_alt_off:"):
            st.caption("They narrow the portfolio, the Level 2 plans, the lessons learned, the export and the "
                       "board pack.")
            _filter_widgets()


def _filter_widgets() -> None:
    st.segmented_control("Incidents", options=["open", "closed", "all"], default="open", key="status",
                         format_func={"open": "Open", "closed": "Closed", "all": "All"}.get,
                         bind="query-params")
    st.multiselect("Mineral", options=list(MINERALS), format_func=MINERALS.get, key="mineral",
                   bind="query-params", placeholder="All minerals")
    st.multiselect("Country", options=distinct("country"), key="country", bind="query-params",
                   placeholder="All countries")
    st.multiselect("Audit programme", options=list(AUDIT_PROGRAMMES), format_func=AUDIT_PROGRAMMES.get,
                   key="programme", bind="query-params", placeholder="All programmes")
    st.multiselect("Smelter/refiner", options=distinct("smelter_refiner"), key="smelter", bind="query-params",
                   placeholder="All smelters/refiners")
    st.multiselect("Level of response", options=list(LEVEL_FILTERS), format_func=LEVEL_FILTERS.get,
                   key="level", bind="query-params", placeholder="Any level")
    st.date_input("Received between", value=(), key="received", bind="query-params", format="YYYY-MM-DD",
                  help="The date the allegation was received.")


@functools.lru_cache(maxsize=8)
def _board_pack(url: str, flt: PortfolioFilter, today: date, period: int) -> tuple[bytes, bytes]:
    """Built once per database, filters, day and 30-second period: the PDF and the XLSX of one click come
    from one build, and a write shows in the next pack within the caches' lifetime."""
    from remediation import export

    engine = engine_for(url)
    return export.full_board_pack(engine, flt, today, queries.settings(engine))


def board_pack_downloads() -> None:
    """The board pack of the current filters: a PDF of every page's headline figures and key charts, and an
    XLSX of the tables behind them. Built on click (a few seconds), in its own thread."""
    from remediation import export

    url, flt, today = _url(), current_filter(), date.today()

    def pack() -> tuple[bytes, bytes]:
        return _board_pack(url, flt, today, int(time.time() // CACHE_TTL_SECONDS))

    st.subheader("Board pack", anchor=False)
    has_browser = export.browser_available()
    st.download_button("PDF: figures and charts", data=lambda: pack()[0], file_name=f"board-pack-{today}.pdf",
                       mime="application/pdf", icon=":material/picture_as_pdf:", on_click="ignore", key="pack_pdf",
                       disabled=not has_browser,
                       help=None if has_browser else "The charts are drawn by Chrome/Chromium, and none was found: "
                                                     "install it (apt-get install chromium) or set BROWSER_PATH.")
    st.download_button("XLSX: the tables", data=lambda: export.tables_to_xlsx(_tables(url, flt, today)),
                       file_name=f"board-pack-{today}.xlsx", icon=":material/table:", on_click="ignore",
                       key="pack_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.caption(f"Scope: {md(flt.describe())}. Victims' counts below {settings().small_count_threshold} appear as "
               f"'<{settings().small_count_threshold}'.")


def _tables(url: str, flt: PortfolioFilter, today: date) -> dict:
    """The workbook alone, without drawing the PDF's charts."""
    from remediation import export

    engine = engine_for(url)
    conf = queries.settings(engine)
    sheets: dict = {}
    for _, tables in (export.portfolio_section(engine, flt, today, conf), export.plans_section(engine, flt, today),
                      export.lessons_section(engine, flt, today, conf)):
        sheets.update(tables)
    return sheets


def current_filter(stage: str | None = None) -> PortfolioFilter:
    s = st.session_state
    received = s.get("received") or ()
    return PortfolioFilter(
        status=s.get("status") or "all", stage=stage,
        mineral=tuple(s.get("mineral") or ()), country=tuple(s.get("country") or ()),
        audit_programme=tuple(s.get("programme") or ()), smelter_refiner=tuple(s.get("smelter") or ()),
        level=tuple(s.get("level") or ()),
        received_from=received[0] if len(received) > 0 else None,
        received_to=received[1] if len(received) > 1 else None,
    )


def database_problem(exc: Exception) -> tuple[str, str]:
    """(what happened, what to do) for a database failure, in words a user can act on."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

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
