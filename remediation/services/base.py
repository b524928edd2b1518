"""What every service shares: who acts (:class:`Actor`), how a change is refused (:class:`Refused`,
:class:`ConflictError`), and the audit log every write adds to (:func:`write_audit`, :func:`diff`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, insert

from remediation.domain.vocab import Role
from remediation.storage import schema as t
from remediation.storage import versions
from remediation.storage.records import ConflictError

__all__ = ["Actor", "Refused", "ConflictError", "LOCAL_USER", "PermissionRole", "diff", "write_audit"]

PermissionRole = Literal["viewer", "editor", "admin"]


class Refused(ValueError):
    """The guideline's order or the incident's state does not allow this change. Nothing was written."""


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the signed-in user's e-mail (or the local user), optionally the process role
    they record it for, and optionally their permission role (``viewer``, ``editor``, ``admin``).

    Without ``access`` the permission is looked up (:func:`remediation.services.access.permission_of`): every right
    in local mode, the role stored for ``user`` once sign-in is on."""
    user: str
    role: Role | None = None
    access: PermissionRole | None = None


LOCAL_USER = Actor("local user")


# --- audit ---------------------------------------------------------------------------------------

def diff(before, after, path: str = "") -> list[dict]:
    """Leaf-level differences between two JSON-like values, as ``{field, before, after}`` entries."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[dict] = []
        for key in dict.fromkeys([*before, *after]):
            out += diff(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(before, list) and isinstance(after, list) and before and after:
        out = []
        for i in range(max(len(before), len(after))):
            b = before[i] if i < len(before) else None
            a = after[i] if i < len(after) else None
            out += diff(b, a, f"{path}[{i}]")
        return out
    return [] if before == after else [{"field": path, "before": before, "after": after}]


def write_audit(conn: Connection, actor: Actor, action: str, changes, incident_id: int | None = None,
                incident_code: str | None = None, facets=None) -> None:
    """One audit entry, in the write's transaction. ``facets``: the facets of the records the write changed
    (:data:`remediation.storage.versions.FACETS`), when the writer knows them; None: every one."""
    conn.execute(insert(t.audit_log).values(
        actor=actor.user, role=actor.role, incident_id=incident_id, incident_code=incident_code,
        action=action, changes=changes, facets=versions.facets_text(facets),
    ))
