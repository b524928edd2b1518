"""Two admins at once, on SQLite and PostgreSQL: settings and policy adoptions are checked against what each
admin saw, so the second is refused with who got there first, and nothing is overwritten or lost.

The races are real: a competing write is committed from another connection at the moment the service is
about to write (an engine event just before its statement), so the service's own check is what catches it.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, insert, select, update

from remediation.domain.policy import DEFAULT_POLICY
from remediation.domain.settings import Settings
from remediation.services import admin
from remediation.services.base import Actor
from remediation.storage import queries
from remediation.storage import schema as t
from remediation.storage.records import ConflictError

ADA, BEN = Actor("ada@brand.example", access="admin"), Actor("ben@brand.example", access="admin")


def frames(**changes: int) -> dict[int, int]:
    base = dict(Settings().time_frames)
    return base | {int(k.removeprefix("step")): v for k, v in changes.items()}


def audit_actions(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.audit_log.c.action).order_by(t.audit_log.c.id)).scalars())


@contextmanager
def just_before(engine, statement_start: str, competing):
    """Run ``competing(conn)`` in its own committed transaction the first time ``engine`` is about to execute
    a statement starting with ``statement_start``."""
    fired = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        if not fired and statement.lstrip().upper().startswith(statement_start):
            fired.append(statement)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
                competing(other)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", hook)


# --- settings -----------------------------------------------------------------------------------------

def test_the_second_admin_saving_time_frames_is_refused_and_the_first_stands(engine):
    seen = queries.settings_versions(engine)  # both admins open the form
    assert seen == {}  # nothing stored yet: the defaults apply
    admin.update_settings(engine, Settings(time_frames=frames(step2=45)), ADA, expected_versions=seen)

    with pytest.raises(ConflictError, match=r"'time_frames' was changed by ada@brand\.example since you opened"):
        admin.update_settings(engine, Settings(time_frames=frames(step3=200)), BEN, expected_versions=seen)
    stored = queries.settings(engine).time_frames
    assert (stored[2], stored[3]) == (45, Settings().time_frames[3])  # Ada's save stands, Ben's wrote nothing
    assert audit_actions(engine).count("updated settings") == 1

    admin.update_settings(engine, Settings(time_frames=frames(step2=45, step3=200)), BEN,
                             expected_versions=queries.settings_versions(engine))  # Ben, after reloading
    assert queries.settings(engine).time_frames[3] == 200
    assert queries.settings_versions(engine) == {"time_frames": 2}


def test_a_save_that_changes_nothing_writes_nothing(engine):
    admin.update_settings(engine, Settings(small_count_threshold=3), ADA, expected_versions={})
    before = queries.settings_versions(engine), audit_actions(engine)
    admin.update_settings(engine, Settings(small_count_threshold=3), BEN, expected_versions={})
    assert (queries.settings_versions(engine), audit_actions(engine)) == before


def test_settings_saved_between_the_check_and_the_write_are_not_overwritten(engine):
    admin.update_settings(engine, Settings(time_frames=frames(step1=80)), ADA)
    seen = queries.settings_versions(engine)

    def ada_saves(conn):
        conn.execute(update(t.settings).where(t.settings.c.key == "time_frames")
                     .values(value={str(k): v for k, v in frames(step1=70).items()}, version=t.settings.c.version + 1,
                             updated_by=ADA.user))

    with just_before(engine, "UPDATE SETTINGS", ada_saves) as fired, pytest.raises(ConflictError):
        admin.update_settings(engine, Settings(time_frames=frames(step1=60)), BEN, expected_versions=seen)
    assert fired
    assert queries.settings(engine).time_frames[1] == 70  # Ada's concurrent save, not Ben's


def test_a_setting_first_stored_by_two_admins_at_once_keeps_the_first(engine):
    def ada_saves(conn):
        conn.execute(insert(t.settings).values(key="small_count_threshold", value=4, updated_by=ADA.user))

    with just_before(engine, "INSERT INTO SETTINGS", ada_saves) as fired, pytest.raises(ConflictError):
        admin.update_settings(engine, Settings(small_count_threshold=7), BEN, expected_versions={})
    assert fired
    assert queries.settings(engine).small_count_threshold == 4


# --- policy -------------------------------------------------------------------------------------------

def draft(threshold: int):
    return DEFAULT_POLICY.model_copy(update={"name": f"Severe from {threshold}", "severe_affected_persons": threshold})


def versions(engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.policy_versions.c.version, t.policy_versions.c.adopted_by)
                                               .order_by(t.policy_versions.c.version))]


def test_a_draft_made_from_a_version_no_longer_in_force_is_not_adopted(engine):
    admin.adopt_policy(engine, draft(5), ADA, based_on=1)
    with pytest.raises(ConflictError, match=r"version 2 was adopted by ada@brand\.example since this draft was "
                                            r"made from version 1"):
        admin.adopt_policy(engine, draft(20), BEN, based_on=1)
    assert versions(engine) == [(1, DEFAULT_POLICY.adopted_by), (2, ADA.user)]
    assert audit_actions(engine).count("adopted policy v2") == 1 and "adopted policy v3" not in audit_actions(engine)


def test_two_adoptions_at_the_same_moment_keep_one_and_refuse_the_other(engine):
    def ada_adopts(conn):
        body = draft(5).model_copy(update={"version": 2, "adopted_by": ADA.user}).model_dump(mode="json")
        conn.execute(insert(t.policy_versions).values(version=2, name=body["name"], adopted_on=func.current_date(),
                                                      adopted_by=ADA.user, body=body))

    with just_before(engine, "INSERT INTO POLICY_VERSIONS", ada_adopts) as fired, \
            pytest.raises(ConflictError, match=r"version 2 was adopted by ada@brand\.example"):
        admin.adopt_policy(engine, draft(20), BEN, based_on=1)
    assert fired
    assert versions(engine) == [(1, DEFAULT_POLICY.adopted_by), (2, ADA.user)]
