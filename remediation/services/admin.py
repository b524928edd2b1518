"""The company's own settings and level policy: changed by admins, each change compare-and-set (a second
admin is told, never overwritten) and audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from remediation.domain.policy import DEFAULT_POLICY, Policy
from remediation.domain.settings import Settings
from remediation.services.access import require
from remediation.services.base import LOCAL_USER, Actor, ConflictError, diff, write_audit
from remediation.services.waiting import refresh_waiting
from remediation.storage import schema as t
from remediation.storage.queries import settings as current_settings

# --- settings ------------------------------------------------------------------------------------

def update_settings(engine: Engine, new: Settings, actor: Actor = LOCAL_USER,
                    expected_versions: dict[str, int] | None = None, today: date | None = None) -> Settings:
    """Store the company's settings (time frames, small-count threshold), with an audit entry.

    A new reporting cadence moves when reports are due: what every open Step 4 incident waits for is evaluated
    again at once, for ``today`` (:func:`remediation.services.waiting.refresh_waiting`).

    Only settings whose value changes are written. With ``expected_versions`` (from
    :func:`remediation.storage.queries.settings_versions` when the form was drawn), a setting saved by someone else
    since then raises :class:`ConflictError` naming it and who saved it, and nothing is written; the check
    is a compare-and-set on the row's version, so it holds between servers."""
    before = current_settings(engine).model_dump(mode="json")
    wanted = new.model_dump(mode="json")
    changed = {k: v for k, v in wanted.items() if v != before.get(k)}
    try:
        with engine.begin() as conn:
            require(actor, "admin", "changing settings", conn)
            stored = {r.key: r for r in conn.execute(select(t.settings)).all()}
            for key, value in changed.items():
                row = stored.get(key)
                seen = (expected_versions or {}).get(key, 0)
                if expected_versions is not None and (row.version if row else 0) != seen:
                    raise ConflictError(_settings_conflict(key, row))
                if row is None:
                    conn.execute(insert(t.settings).values(key=key, value=value, updated_by=actor.user, version=1))
                    continue
                done = conn.execute(update(t.settings).where(t.settings.c.key == key,
                                                             t.settings.c.version == row.version)
                                    .values(value=value, version=row.version + 1, updated_by=actor.user,
                                            updated_at=func.now()))
                if done.rowcount != 1:  # saved by someone else between our read and this write
                    raise ConflictError(_settings_conflict(key, None))
            if changed:
                write_audit(conn, actor, "updated settings", diff(before, wanted))
    except IntegrityError as exc:  # both stored a setting never saved before: the second one loses
        raise ConflictError(_settings_conflict(next(iter(changed)), None)) from exc
    if "reporting_cadence" in changed:
        refresh_waiting(engine, today, everything=True)
    return new


def _settings_conflict(key: str, row) -> str:
    who = f" by {row.updated_by}" if row is not None and row.updated_by else ""
    return (f"Not saved: the setting '{key}' was changed{who} since you opened it. Nothing you entered was "
            f"written; the page now shows the stored values.")


# --- policy --------------------------------------------------------------------------------------

def _store_policy(conn: Connection, policy: Policy) -> None:
    conn.execute(insert(t.policy_versions).values(
        version=policy.version, name=policy.name, adopted_on=policy.adopted_on, adopted_by=policy.adopted_by,
        body=policy.model_dump(mode="json")))


def ensure_default_policy(engine: Engine) -> None:
    """Store the shipped default as version 1 where no policy is stored yet."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(t.policy_versions)).scalar_one():
            return
    try:
        with engine.begin() as conn:
            _store_policy(conn, DEFAULT_POLICY)
    except IntegrityError:
        pass  # another server stored it first


def adopt_policy(engine: Engine, draft: Policy, actor: Actor = LOCAL_USER, adopted_on: date | None = None,
                 based_on: int | None = None) -> Policy:
    """Adopt ``draft`` as a new version (the next number); earlier assessments keep theirs.

    ``based_on``: the version in force when the draft was made. If another version was adopted since
    (or is adopted at the same moment: the version number is the key), :class:`ConflictError` says which
    and by whom, and nothing is adopted: the draft was judged against a policy no longer in force."""
    try:
        with engine.begin() as conn:
            require(actor, "admin", "adopting a level policy", conn)
            latest = conn.execute(select(func.max(t.policy_versions.c.version))).scalar_one() or 0
            if based_on is not None and latest != based_on:
                raise ConflictError(_policy_conflict(conn, latest, based_on))
            policy = Policy(**(draft.model_dump() | {
                "version": latest + 1, "adopted_on": adopted_on or date.today(), "adopted_by": actor.user}))
            _store_policy(conn, policy)
            write_audit(conn, actor, f"adopted policy v{policy.version}", diff({}, policy.model_dump(mode="json")))
    except IntegrityError as exc:  # another adoption took the same version number first
        with engine.connect() as conn:
            latest = conn.execute(select(func.max(t.policy_versions.c.version))).scalar_one()
            raise ConflictError(_policy_conflict(conn, latest, latest - 1)) from exc
    return policy


def _policy_conflict(conn: Connection, latest: int, based_on: int) -> str:
    by = conn.execute(select(t.policy_versions.c.adopted_by)
                      .where(t.policy_versions.c.version == latest)).scalar_one_or_none()
    return (f"Not adopted: version {latest} was adopted{f' by {by}' if by else ''} since this draft was made "
            f"from version {based_on}. Nothing was changed; make the draft again from version {latest} and "
            f"check its impact before adopting it.")

