"""Remediation oversight dashboard: the entry point.

Routes between pages with ``st.navigation``; opens the database (``DATABASE_URL``, default SQLite
under ``data/``), migrates it, and loads the demo portfolio on first start.
"""

import streamlit as st

from pages._ui import database_error, get_engine

st.set_page_config(page_title="Remediation oversight", page_icon=":material/shield_person:", layout="wide")

try:
    get_engine()
except Exception as exc:  # unreachable or unmigratable database: say so, never a traceback
    database_error(exc)
    st.stop()

navigation = st.navigation([
    st.Page("pages/portfolio.py", title="Portfolio", icon=":material/table_view:", default=True),
])
navigation.run()
