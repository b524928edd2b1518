"""Administration, for admins only: who may sign in and with which role, and the audit log of every
change, filterable by incident, user and date."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from pages import _company_work, _evidence
from pages._auth import current_actor, is_admin, local_mode
from pages._data import _changes_text, after_write, get_engine
from pages._filters import board_mode
from pages._nav import ensure_entry_script
from pages._text import data_table, link_text_problem, md
from remediation.domain.vocab import ROLES
from remediation.services import access
from remediation.services.base import Refused

ensure_entry_script()

st.title("Administration")
if not is_admin():  # app.py lists this page for admins only; a deep link still gets no further
    st.error("This page is for admins.", icon=":material/lock:")
    st.stop()

engine = get_engine()
actor = current_actor()


def _iso(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# --- users --------------------------------------------------------------------------------------------
st.subheader("Users and roles", anchor=False)
if local_mode():
    st.info("Local mode: nobody signs in, and the single local user has every right. The roles below count once "
            "an identity provider is configured (`[auth]` in `.streamlit/secrets.toml`).", icon=":material/person:")
st.caption("Viewers see everything a board sees; editors record steps, plans, money and lessons; admins also adopt "
           "policy versions, change settings, manage users and read the audit log. Someone whose e-mail is not "
           "listed cannot sign in.")
users = access.list_users(engine, actor)
if users:
    data_table(pd.DataFrame(users), hide_index=True, width="stretch",
               column_config={"email": "E-mail", "role": "Role",
                              "created_at": st.column_config.DatetimeColumn("Added", format="YYYY-MM-DD HH:mm"),
                              "created_by": "Added by"})
else:
    st.caption("No users yet. Add the first admin here or with `python -m remediation user add EMAIL --role admin`.")

if not board_mode():  # a slide: the users and the log, no form
    left, right = st.columns(2)
    with left.form("user_role"):
        st.markdown("**Add a user or change a role**")
        email = st.text_input("E-mail", max_chars=200, placeholder="name@example.org")
        role = st.radio("Role", options=list(access.PERMISSION_ROLES), index=None,
                        format_func=access.PERMISSION_ROLES.get)
        if st.form_submit_button("Save role", type="primary"):
            try:
                if role is None:
                    raise Refused("role: choose a role.")
                before = access.set_role(engine, email, role, actor)
            except Refused as exc:
                st.error(md(str(exc)), icon=":material/error:")
            else:
                after_write()
                st.toast(f"{md(access.normalise_email(email))}: {role}" + (f" (was {before})" if before else " (added)"),
                         icon=":material/check:")
                st.rerun()
    if users:
        with right.form("user_remove"):
            st.markdown("**Remove a user**")
            gone = st.selectbox("E-mail", options=[u["email"] for u in users], index=None)
            if st.form_submit_button("Remove access") and gone:
                try:
                    access.remove_user(engine, gone, actor)
                except Refused as exc:
                    st.error(md(str(exc)), icon=":material/error:")
                else:
                    after_write()
                    st.rerun()

if not board_mode():
    _evidence.settings_editor()
    _company_work.cadence_editor()

# --- audit log ----------------------------------------------------------------------------------------
st.subheader("Audit log", anchor=False)
if board_mode():  # the filters of the link, no input
    code, who = st.query_params.get("audit_incident", ""), st.query_params.get("audit_user") or None
    days = tuple(date.fromisoformat(d) for d in st.query_params.get_all("audit_days") if _iso(d))
else:
    cols = st.columns(3)
    code = cols[0].text_input("Incident code", key="audit_incident", bind="query-params", placeholder="Every incident")
    known = sorted({u["email"] for u in users} | {access.LOCAL_ADMIN.email, access.COMMAND_LINE.user})
    who = cols[1].selectbox("User", options=known, index=None, key="audit_user", bind="query-params",
                            accept_new_options=True, placeholder="Everyone",
                            help="Choose or type who made the change (the e-mail they signed in with).")
    days = cols[2].date_input("Between", value=(), key="audit_days", bind="query-params", format="YYYY-MM-DD",
                              help="Days in UTC, both ends included.")
since = days[0] if len(days) > 0 else None
until = days[1] if len(days) > 1 else since

for value, label in ((code, "Incident code"), (who, "User")):  # the text rule at the edge: a NUL never reaches SQL
    if value and (problem := link_text_problem(value, label)):
        st.warning(problem, icon=":material/link_off:")
        st.stop()
log, more = access.audit_log(engine, actor, incident_code=code or None, user=who, since=since, until=until)
if log.empty:
    st.info("No audit entry matches these filters." if code or who or days else
            "Nothing recorded yet: every change made in the app appears here.", icon=":material/filter_alt_off:")
    st.stop()
st.caption(f"The newest {access.AUDIT_LOG_LIMIT:,} matching entries; narrow the filters to see older ones."
           if more else f"{len(log):,} matching entries, newest first.")
log["role"] = log["role"].map(ROLES).fillna("")
log["changes"] = [_changes_text(c) for c in log["changes"]]
data_table(log, hide_index=True, width="stretch", key="audit_table",
           column_config={"at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                          "actor": "Who", "role": "For role", "incident_code": "Incident", "action": "What",
                          "changes": st.column_config.TextColumn("Changes", width="large")})
