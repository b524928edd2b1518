"""The mapping between records and rows, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import func, select
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
