"""Who may do what: the three permission roles, the check every write makes, the users who may sign in,
and the audit log read back for admins.

Two kinds of role meet in an :class:`~remediation.services.incidents.Actor`. Its ``role`` is the *process* role a
record belongs to (downstream company, audit programme… :data:`remediation.domain.vocab.ROLES`); it is part of
the record. Its ``access`` is the *permission* role of the person recording, one of:

- ``viewer``: sees everything a board sees; records nothing;
- ``editor``: records the steps, plans, money and lessons, new allegations, what-if assessments;
- ``admin``: what an editor does, and adopts level policy versions, changes settings, manages users,
  reads the audit log.

The check is made by the services (:func:`require`), not only by hiding buttons: a page that forgets to
hide a control still cannot write, and nothing is written when it refuses.

Two modes, chosen by the app from its configuration (:func:`set_signed_in_mode`):

- **local mode** (no ``[auth]`` in ``.streamlit/secrets.toml``): one user, ``"local user"``, with every
  right (:data:`LOCAL_ADMIN`); the sidebar says so. The command line and the tests run this way.
- **signed-in mode**: people sign in with an OpenID Connect provider and their role is the one stored
  in the ``users`` table for their (lower-cased) e-mail. An address that is not stored gets no access
  at all, not even viewer: a provider such as Google lets anyone with an account sign in, and the
  portfolio concerns victims of trafficking. Admins add people; the first admin is added with
  ``python -m remediation user add EMAIL --role admin``.

An actor built without ``access`` (every caller written before roles existed) is checked against the
mode: all rights in local mode; in signed-in mode, the role stored for ``actor.user``, refused when there
is none. So an unchanged caller that writes as ``"local user"`` is refused once sign-in is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from remediation.services.base import Actor, PermissionRole, Refused, write_audit
from remediation.storage import schema as t

__all__ = [
    "PermissionRole", "Need", "PERMISSION_ROLES", "USE_CASES", "User", "LOCAL_ADMIN", "COMMAND_LINE", "Forbidden",
    "allowed", "require", "permission_of", "set_signed_in_mode", "signed_in_mode", "normalise_email", "role_of",
    "set_role", "remove_user", "list_users", "audit_log", "AUDIT_LOG_LIMIT", "command_line_actor",
]

Need = Literal["edit", "admin"]

PERMISSION_ROLES: dict[PermissionRole, str] = {
    "viewer": "Viewer: sees everything a board sees",
    "editor": "Editor: records steps, plans, money and lessons",
    "admin": "Admin: policy versions, settings, users, audit log",
}
_RANK: dict[PermissionRole, int] = {"viewer": 0, "editor": 1, "admin": 2}
_NEEDS: dict[Need, PermissionRole] = {"edit": "editor", "admin": "admin"}

USE_CASES: dict[str, Need] = {
    # The permission each use case needs (a test runs every role through every one). The services call
    # require() with the need and what is being done: "recording on INC-2026-001", "changing settings"…
    "recording a new allegation": "edit",
    "recording a step": "edit",                 # verification, assessment, response, closing
    "recording a plan": "edit",                 # plans, case plans, initiatives, indicators, approvals
    "recording money": "edit",                  # budget lines, funding, expenditure
    "recording lessons learned": "edit",
    "recording a what-if assessment": "edit",
    "importing incidents": "edit",
    "attaching evidence": "edit",               # evidence documents (services.evidence)
    "downloading evidence": "edit",             # reports can identify victims: viewers see the list only
    "removing evidence": "admin",
    "adopting a level policy": "admin",
    "changing settings": "admin",
    "managing users": "admin",
    "reading the audit log": "admin",
    "locking a reporting period": "admin",      # its figures are stored as published (services.reporting)
}


def allowed(role: PermissionRole | None, need: Need) -> bool:
    """Whether ``role`` may do what needs ``need`` (no role: nothing)."""
    return role is not None and _RANK[role] >= _RANK[_NEEDS[need]]


@dataclass(frozen=True)
class User:
    """A person using the app: their e-mail (``"local user"`` in local mode) and permission role."""
    email: str
    role: PermissionRole

    def can(self, need: Need) -> bool:
        return allowed(self.role, need)

    def actor(self, process_role: str | None = None) -> Actor:
        """The actor for a write this user makes, recorded for ``process_role``."""
        return Actor(self.email, process_role, access=self.role)


LOCAL_ADMIN = User("local user", "admin")
"""Local mode's single user, with every right."""

COMMAND_LINE = Actor("command line", access="admin")
"""Whoever runs ``python -m remediation``: they hold the database's credentials anyway."""


class Forbidden(Refused):
    """The user's permission role does not allow this change. Nothing was written."""


# --- the mode ------------------------------------------------------------------------------------

_signed_in_mode = False


def set_signed_in_mode(enabled: bool) -> None:
    """Called by the app on every run: ``True`` when an identity provider is configured. Process-wide, like
    the configuration it comes from; the command line and the tests leave it off (local mode)."""
    global _signed_in_mode
    _signed_in_mode = bool(enabled)


def signed_in_mode() -> bool:
    return _signed_in_mode


# --- the check -----------------------------------------------------------------------------------

def permission_of(actor: Actor, conn: Connection | None = None) -> PermissionRole | None:
    """The permission role a write by ``actor`` is checked against: the actor's ``access`` when given;
    otherwise every right in local mode, and in signed-in mode the role stored for ``actor.user`` (read
    through ``conn``), or None."""
    if actor.access is not None:
        return actor.access
    if not _signed_in_mode:
        return LOCAL_ADMIN.role
    if conn is None:
        return None
    return _stored_role(conn, actor.user)


def require(actor: Actor, need: Need, what: str, conn: Connection | None = None) -> PermissionRole:
    """Refuse with :class:`Forbidden` unless ``actor`` may do ``what``, which needs ``need`` ("edit" or
    "admin"). Call it before writing anything; pass the transaction's connection where there is one."""
    role = permission_of(actor, conn)
    if allowed(role, need):
        return role
    needed = _NEEDS[need]
    if role is None:
        raise Forbidden(f"{actor.user} has no role here: {what} needs the {needed} role. Ask an admin to add you. "
                        "Nothing was saved.")
    raise Forbidden(f"{actor.user} is {_a(role)}: {what} needs the {needed} role. Nothing was saved.")


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


# --- users ---------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def normalise_email(email: str) -> str:
    """The address as stored: trimmed and lower-cased. Refused unless it looks like ``name@domain``."""
    text = (email or "").strip().lower()
    if not _EMAIL.fullmatch(text):
        raise Refused(f"email: {email!r} is not an e-mail address.")
    if len(text) > 200:
        raise Refused("email: at most 200 characters.")
    return text


def _stored_role(conn: Connection, email: str) -> PermissionRole | None:
    try:
        email = normalise_email(email)
    except Refused:
        return None  # "local user", "command line"…: never stored
    return conn.execute(select(t.users.c.role).where(t.users.c.email == email)).scalar_one_or_none()


def command_line_actor(engine: Engine, user: str | None, need: Need = "edit",
                       what: str = "importing incidents") -> Actor:
    """Who a write from ``python -m remediation`` is recorded as, in the audit log.

    Without ``--user``: the command line's operator (:data:`COMMAND_LINE`), but only while no users are stored
    (local mode: nobody else could be named). With ``--user EMAIL``: that stored user, when their role allows
    ``need``; a viewer, an address that is not stored, or any name while no users are stored is refused with
    :class:`Forbidden`, so the audit log never names someone who could not have made the change."""
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(t.users)).scalar_one()
        if user is None:
            if stored:
                raise Forbidden(f"Users are configured here, so the audit log names who makes each change: give "
                                f"--user EMAIL, an {_NEEDS[need]} or admin (see `python -m remediation user list`). "
                                "Nothing was written.")
            return COMMAND_LINE
        role = _stored_role(conn, user)
    if role is None:
        if not stored:
            raise Forbidden(f"--user {user}: no users are configured, so nobody can be named; leave out --user (the "
                            "audit log then says 'command line'), or add them first with `python -m remediation user "
                            "add EMAIL --role editor`. Nothing was written.")
        raise Forbidden(f"--user {user}: not a user here; {what} needs an {_NEEDS[need]} or admin (see `python -m "
                        "remediation user list`). Nothing was written.")
    if not allowed(role, need):
        raise Forbidden(f"--user {user} is {_a(role)}: {what} needs the {_NEEDS[need]} role. Nothing was written.")
    return Actor(normalise_email(user), access=role)


def role_of(engine: Engine, email: str | None) -> PermissionRole | None:
    """The role stored for ``email``, or None when it is not stored (such a person gets no access)."""
    if not email:
        return None
    with engine.connect() as conn:
        return _stored_role(conn, email)


def list_users(engine: Engine, actor: Actor) -> list[dict]:
    """Everyone who may sign in: email, role, created_at, created_by; admins first, then by e-mail."""
    u = t.users.c
    with engine.connect() as conn:
        require(actor, "admin", "managing users", conn)
        rows = conn.execute(select(u.email, u.role, u.created_at, u.created_by).order_by(u.email)).mappings().all()
    return sorted((dict(r) for r in rows), key=lambda r: (-_RANK.get(r["role"], 0), r["email"]))


def _admins_left(conn: Connection, without: str) -> int:
    return conn.execute(select(func.count()).select_from(t.users)
                        .where(t.users.c.role == "admin", t.users.c.email != without)).scalar_one()


def set_role(engine: Engine, email: str, role: PermissionRole, actor: Actor) -> PermissionRole | None:
    """Give ``email`` the permission role ``role``, adding the user if new; returns the role they had before
    (None if new). An admin cannot be demoted while they are the only one. One audit entry."""
    if role not in _RANK:
        raise Refused(f"role: {role!r} is not one of {', '.join(_RANK)}.")
    email = normalise_email(email)
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                require(actor, "admin", "managing users", conn)
                before = _stored_role(conn, email)
                if before == role:
                    return before
                if before == "admin" and not _admins_left(conn, email):
                    raise Refused(f"{email} is the only admin: make someone else admin first.")
                if before is None:
                    conn.execute(insert(t.users).values(email=email, role=role, created_by=actor.user))
                else:
                    conn.execute(update(t.users).where(t.users.c.email == email).values(role=role))
                write_audit(conn, actor, "added user" if before is None else "changed user role",
                            [{"field": f"role of {email}", "before": before, "after": role}])
                return before
        except IntegrityError:  # someone added the same address at the same moment: apply as a change
            if attempt:
                raise
    raise AssertionError("unreachable")


def remove_user(engine: Engine, email: str, actor: Actor) -> PermissionRole:
    """Take away ``email``'s access (they can no longer sign in); returns the role they had. The only admin
    cannot be removed. One audit entry."""
    email = normalise_email(email)
    with engine.begin() as conn:
        require(actor, "admin", "managing users", conn)
        before = _stored_role(conn, email)
        if before is None:
            raise Refused(f"email: {email} is not a user.")
        if before == "admin" and not _admins_left(conn, email):
            raise Refused(f"{email} is the only admin: make someone else admin first.")
        conn.execute(delete(t.users).where(t.users.c.email == email))
        write_audit(conn, actor, "removed user", [{"field": f"role of {email}", "before": before, "after": None}])
    return before


# --- the audit log -------------------------------------------------------------------------------

AUDIT_LOG_LIMIT = 500  # the newest entries matching the filters; the log grows with every write


def audit_log(engine: Engine, actor: Actor, *, incident_code: str | None = None, user: str | None = None,
              since: date | None = None, until: date | None = None,
              limit: int = AUDIT_LOG_LIMIT) -> tuple[pd.DataFrame, bool]:
    """The audit log, newest first, filtered by incident code, user (exact, case-insensitive) and a range of
    days (inclusive, UTC); at most ``limit`` entries, and whether more matched."""
    a = t.audit_log.c
    query = select(a.at, a.actor, a.role, a.incident_code, a.action, a.changes)
    if incident_code:
        query = query.where(a.incident_code == incident_code.strip().upper())
    if user:
        query = query.where(func.lower(a.actor) == user.strip().lower())
    if since:
        query = query.where(a.at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        query = query.where(a.at < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC))
    with engine.connect() as conn:
        require(actor, "admin", "reading the audit log", conn)
        # Newest first by id (ids follow the order of writes): a backward scan of the primary key, no sort.
        rows = conn.execute(query.order_by(a.id.desc()).limit(limit + 1)).mappings().all()
    frame = pd.DataFrame(rows[:limit], columns=["at", "actor", "role", "incident_code", "action", "changes"])
    return frame, len(rows) > limit
