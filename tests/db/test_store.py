"""The mapping between records and rows, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage import schema as t
from remediation.storage.records import ConflictError, load_records, replace_record


def test_demo_fixture_round_trips_exactly(demo_engine):
    fixture = {r.incident.code: r for r in read_fixture()}
    with demo_engine.connect() as conn:
        ids = list(conn.execute(select(t.incidents.c.id)).scalars())
        loaded = load_records(conn, ids)
    assert len(loaded) == len(fixture) >= 40
    for record in loaded.values():
        assert record.model_dump() == fixture[record.incident.code].model_dump(), record.incident.code


def test_stored_workflow_state_equals_a_fresh_evaluation(demo_engine):
    c = t.incidents.c
    with demo_engine.connect() as conn:
        rows = conn.execute(select(c.id, c.step, c.status, c.step_entered_on, c.waiting_for, c.owed_by)).all()
        records = load_records(conn, [r.id for r in rows])
    for row in rows:
        state = evaluate(records[row.id])
        assert (row.step, row.status, row.step_entered_on, row.waiting_for, row.owed_by) == (
            state.step, state.status, state.step_entered_on, state.waiting_for, state.owed_by)


def test_replace_refuses_a_stale_version_and_writes_nothing(demo_engine):
    with demo_engine.connect() as conn:
        incident_id, version = conn.execute(select(t.incidents.c.id, t.incidents.c.version).limit(1)).one()
        record = load_records(conn, [incident_id])[incident_id]
    changed = record.model_copy(deep=True)
    changed.incident.title = "Edited title"
    with demo_engine.begin() as conn:
        replace_record(conn, incident_id, version, changed)
    stale = record.model_copy(deep=True)
    stale.incident.title = "A second editor's title"
    with pytest.raises(ConflictError):
        with demo_engine.begin() as conn:
            replace_record(conn, incident_id, version, stale)
    with demo_engine.connect() as conn:
        assert conn.execute(select(t.incidents.c.title).where(t.incidents.c.id == incident_id)).scalar_one() \
            == "Edited title"


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(t.incident_violations.insert().values(incident_id=999_999, violation_type="debt_bondage"))


def test_deleting_an_incident_cascades_to_its_records(demo_engine):
    with demo_engine.begin() as conn:
        plan_incident = conn.execute(select(t.plans.c.incident_id).limit(1)).scalar_one()
        conn.execute(t.audit_log.delete().where(t.audit_log.c.incident_id == plan_incident))
        conn.execute(t.incidents.delete().where(t.incidents.c.id == plan_incident))
        assert conn.execute(select(func.count()).select_from(t.plans)
                            .where(t.plans.c.incident_id == plan_incident)).scalar_one() == 0


def _rich_record(engine):
    """A demo incident with plans, initiatives and a corrective action: rows in most child tables."""
    with engine.connect() as conn:
        ids = conn.execute(select(t.incidents.c.id, t.incidents.c.version)).all()
        records = load_records(conn, [i for i, _ in ids])
    versions = dict(ids)
    incident_id = next(i for i, r in records.items() if r.plans and any(p.initiatives for p in r.plans)
                       and r.response.corrective_action is not None and r.assessments)
    return incident_id, versions[incident_id], records[incident_id]


def _statements(engine):
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, stmt, *a: seen.append(stmt))
    return seen


def test_given_the_stored_record_only_the_tables_that_changed_are_rewritten(demo_engine):
    """Issue #15: a write rewrote all twenty tables below the incident (a delete and inserts each: round trips on
    PostgreSQL). Given the record as read, a change to the incident's own facts rewrites none of them, a new
    assessment only its table; what is read back is the record written, either way."""
    incident_id, version, stored = _rich_record(demo_engine)
    seen = _statements(demo_engine)
    changed = stored.model_copy(deep=True)
    changed.incident.title = "Edited title"
    with demo_engine.begin() as conn:
        replace_record(conn, incident_id, version, changed, stored=stored)
    assert not [s for s in seen if s.lstrip().upper().startswith(("DELETE", "INSERT"))], seen
    with demo_engine.connect() as conn:
        assert load_records(conn, [incident_id])[incident_id].model_dump() == changed.model_dump()
        plan_ids = conn.execute(select(t.plans.c.id).where(t.plans.c.incident_id == incident_id)
                                .order_by(t.plans.c.id)).scalars().all()

    assessed = changed.model_copy(deep=True)
    assessed.assessments.append(assessed.assessments[-1].model_copy(update={"scenario": "past_trading_recent"}))
    seen.clear()
    with demo_engine.begin() as conn:
        replace_record(conn, incident_id, version + 1, assessed, stored=changed)
    rewritten = {s.split()[2].strip('"') for s in seen if s.lstrip().upper().startswith("DELETE")}
    assert rewritten == {"assessments"}, seen
    with demo_engine.connect() as conn:
        assert load_records(conn, [incident_id])[incident_id].model_dump() == assessed.model_dump()
        assert conn.execute(select(t.plans.c.id).where(t.plans.c.incident_id == incident_id)
                            .order_by(t.plans.c.id)).scalars().all() == plan_ids  # the plans were not rewritten

    funded = assessed.model_copy(deep=True)
    next(p for p in funded.plans if p.initiatives).initiatives[0].title = "Retitled initiative"
    seen.clear()
    with demo_engine.begin() as conn:
        replace_record(conn, incident_id, version + 2, funded, stored=assessed)
    assert {s.split()[2].strip('"') for s in seen if s.lstrip().upper().startswith("DELETE")} == {"plans"}
    with demo_engine.connect() as conn:
        assert load_records(conn, [incident_id])[incident_id].model_dump() == funded.model_dump()
