"""Alembic migrations build exactly the schema the code maps, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from remediation.services import bootstrap
from remediation.storage import engine as db
from remediation.storage import schema as t


def test_migrated_schema_matches_the_mapping(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, t.metadata)
    assert differences == []


def test_database_is_at_head_and_migrating_again_is_a_no_op(engine):
    assert db.current_revision(engine) == db.head_revision()
    db.migrate(engine)
    assert db.current_revision(engine) == db.head_revision()
    assert set(inspect(engine).get_table_names()) >= set(t.metadata.tables)


def test_bootstrap_seeds_once_even_when_called_again(backend, database_url_factory, monkeypatch):
    monkeypatch.setenv("REMEDIATION_DEMO", "1")
    _, engine = database_url_factory(backend)
    bootstrap.bootstrap(engine)
    first = bootstrap.incident_count(engine)
    bootstrap.bootstrap(engine)
    assert first >= 40 and bootstrap.incident_count(engine) == first
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.policy_versions)).scalar_one() == 1


def test_demo_is_not_loaded_into_a_server_database_unless_asked(backend, database_url_factory, monkeypatch):
    monkeypatch.delenv("REMEDIATION_DEMO", raising=False)
    _, engine = database_url_factory(backend)
    bootstrap.bootstrap(engine)
    assert bootstrap.incident_count(engine) == (48 if backend == "sqlite" else 0)
