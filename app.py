"""Remediation oversight dashboard: the entry point.

Routes between pages with ``st.navigation``; opens the database (``DATABASE_URL``, default SQLite
under ``data/``), migrates it, and loads the demo portfolio on first start. The sidebar's filters
are drawn here, once, so every page shares them and the URL keeps them.

Sign-in: with an OpenID Connect provider configured (``[auth]`` in ``.streamlit/secrets.toml``) a visitor
sees only a sign-in screen until they have signed in with an e-mail that has a role (viewer, editor,
admin: ``remediation.services.access``). Without it the app runs in single-user local mode, labelled in the sidebar.
"""

import logging

import streamlit as st
from sqlalchemy.exc import DBAPIError

from pages import _url
from pages._auth import account_sidebar, sign_in
from pages._board import board_header
from pages._data import get_engine, waiting_up_to_date
from pages._filters import BOARD_CODEC, board_mode, publish_filters, seed_filters, sidebar_filters
from pages._nav import PAGES, TAB_OF, TRIAGE_KEYS
from pages._pack import board_pack_downloads
from pages._text import database_error, read_only_banner

_url.seed("board", BOARD_CODEC, False)  # the link says whether this is a slide (the rest: seed_filters below)
BOARD = board_mode()  # a presentation mode: no sidebar, no input, selection or edit control
st.set_page_config(page_title="Remediation oversight", page_icon=":material/shield_person:", layout="wide",
                   initial_sidebar_state="collapsed" if BOARD else "auto")

try:
    get_engine()
except Exception as exc:  # unreachable or unmigratable database: say so, never a traceback
    database_error(exc)
    st.stop()
read_only_banner()  # a read-only SQLite file that is set up: every page can be read, every change is refused
try:
    waiting_up_to_date()  # the first rerun of the day: overdue reports into the stored state (pages._data)
except DBAPIError:  # a read-only or busy database: the pages show the state as last saved, tried again next rerun
    logging.getLogger(__name__).warning("Could not refresh what incidents wait for", exc_info=True)

try:
    user = sign_in()  # with [auth]: only a sign-in screen (and stop) until someone with a role signs in
except DBAPIError as exc:
    database_error(exc)
    st.stop()

navigation = st.navigation([
    st.Page(PAGES["portfolio"], title="Portfolio", icon=":material/table_view:", default=True),
    st.Page(PAGES["incident"], title="Incident", icon=":material/folder_open:", url_path="incident"),
    st.Page(PAGES["plans"], title="Level 2 plans", icon=":material/account_balance_wallet:", url_path="plans"),
    st.Page(PAGES["lessons"], title="Lessons learned", icon=":material/school:", url_path="lessons"),
    st.Page(PAGES["reporting"], title="Reporting", icon=":material/event_note:", url_path="reporting"),
    st.Page(PAGES["supply_chain"], title="Supply chain", icon=":material/account_tree:",
            url_path="supply_chain"),  # = the file name, as for imports below
    st.Page(PAGES["followups"], title="Follow-ups", icon=":material/campaign:", url_path="followups"),
    st.Page(PAGES["triage"], title="What-if triage", icon=":material/rule:", url_path="triage"),
    st.Page(PAGES["policy"], title="Level policy", icon=":material/policy:", url_path="policy"),
    st.Page(PAGES["imports"], title="Import and export", icon=":material/upload_file:", url_path="imports"),  # = the file name: a fresh server resolves a first deep link by it
    *([st.Page(PAGES["admin"], title="Admin", icon=":material/admin_panel_settings:", url_path="admin")]
      if user.can("admin") else []),
], position="hidden" if BOARD else "sidebar")
FILTERED_PAGES = {"", "plans", "lessons", "reporting", "imports", "supply_chain", "followups"}  # url paths whose content the sidebar filters narrow
try:
    seed_filters()  # from the link (or this session's last choice): every page, so none loses them
    if navigation.url_path != "triage":  # its inputs belong to its link only
        _url.drop(TRIAGE_KEYS)
    if navigation.url_path != "incident":
        st.session_state.pop(TAB_OF, None)
    if BOARD:  # nothing in the sidebar, so there is none: a slide, with a link back above it
        publish_filters()
        board_header(navigation)
    else:
        with st.sidebar:
            account_sidebar()
            sidebar_filters(applies=navigation.url_path in FILTERED_PAGES)
            board_pack_downloads()
        publish_filters()  # the address holds every filter, whichever page the sidebar came through
    navigation.run()
except DBAPIError as exc:  # the database went away, is locked or mid-migration: say so, never a traceback
    database_error(exc)
