"""Sign-in and roles on the page: who is using the app, and what this page may show them. (The services
enforce the roles; hiding a control is for the user's sake.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import streamlit as st

from pages._data import get_engine
from pages._filters import board_mode
from pages._text import md
from remediation.services import access
from remediation.services.access import PERMISSION_ROLES
from remediation.services.base import Actor


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
    """The session's :class:`remediation.services.access.User` (set by :func:`sign_in`); None if nobody is signed in.
    In local mode, the local user."""
    user = st.session_state.get(SESSION_USER)
    if user is None and not auth_configured():
        return access.LOCAL_ADMIN
    return user


def current_actor(role: str | None = None):
    """The :class:`remediation.services.incidents.Actor` for a write by this session's user, recorded for the process
    ``role``. The services look the permission role up themselves (the database is the authority), so a
    role changed by an admin counts from the next write."""
    return Actor(current_actor_name(), role)


def sign_in():
    """Call from app.py on every run, before drawing anything else: the signed-in user, kept in the
    session for the pages. In local mode, the local user. With ``[auth]`` configured, a visitor who has not
    signed in, whose provider gave no (verified) e-mail, or whose e-mail has no role here sees only a
    screen saying so, with a button to sign in or out, and the run stops."""
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
    user = current_user()
    if local_mode():
        st.caption(":material/person: **Local mode: single user, no sign-in.** Configure `[auth]` in "
                   "`.streamlit/secrets.toml` to have people sign in with roles.")
    elif user is not None:
        st.caption(f":material/account_circle: Signed in as **{md(user.email)}** ({user.role})",
                   help=PERMISSION_ROLES[user.role])
        _sign_out_button()


