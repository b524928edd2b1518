"""Bulk loading (the demo generator's path; COPY on PostgreSQL) stores exactly what was generated."""

from datetime import date

from sqlalchemy import func, select

from remediation.services.admin import ensure_default_policy
from remediation.services.demo import generate, generate_into, load_records_into
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.records import COPY_THRESHOLD, load_records

TODAY = date(2026, 6, 30)


def _stored(engine):
    with engine.connect() as conn:
        ids = list(conn.execute(select(t.incidents.c.id)).scalars())
        return {r.incident.code: r for r in load_records(conn, ids).values()}


def test_a_bulk_load_round_trips_exactly(engine):
    generated = list(generate(400, seed=11, today=TODAY))
    load_records_into(engine, generated, batch=150, today=TODAY)  # several batches, several transactions
    with engine.connect() as conn:  # large enough that PostgreSQL takes the COPY path
        assert conn.execute(select(func.count()).select_from(t.budget_lines)).scalar_one() > COPY_THRESHOLD
    stored = _stored(engine)
    assert len(stored) == 400
    for record in generated:
        assert stored[record.incident.code].model_dump() == record.model_dump(), record.incident.code


def test_ids_continue_after_a_bulk_load(engine):
    """A later single insert must not collide with ids allocated in bulk (sequence kept in step)."""
    from remediation.domain.models import IncidentIn
    from remediation.services.incidents import create_incident

    load_records_into(engine, generate(120, seed=5, today=TODAY), today=TODAY)
    create_incident(engine, IncidentIn(
        code="INC-2026-900", title="Later intake", mineral="gold", country="Ghana", smelter_refiner="Tallis Bullion",
        audit_programme="lbma", violation_types=["forced_labour"], allegation_source="Worker hotline report",
        date_received=date(2026, 1, 10), incident_date=date(2025, 12, 1), affected_persons=4))
    assert len(_stored(engine)) == 121


def test_shards_together_equal_the_whole_portfolio():
    whole = {r.incident.code: r.model_dump() for r in generate(90, seed=3, today=TODAY)}
    shards = {}
    for k in range(3):
        shards.update({r.incident.code: r.model_dump() for r in generate(90, seed=3, today=TODAY, shard=(k, 3))})
    assert shards == whole


def test_parallel_generation_into_sqlite(database_url_factory):
    url, engine = database_url_factory("sqlite")
    from remediation.services.admin import ensure_default_policy
    from remediation.storage import engine as db

    db.migrate(engine)
    ensure_default_policy(engine)
    assert generate_into(url, 4000, seed=9, today=TODAY, workers=2) == 4000
    stored = _stored(engine)
    expected = {r.incident.code: r.model_dump() for r in generate(4000, seed=9, today=TODAY)}
    assert {code: r.model_dump() for code, r in stored.items()} == expected


def test_loading_leaves_the_engines_connections_with_their_own_busy_timeout(tmp_path):
    """The generator's shards wait minutes for each other's batch (wait_ms), but only on their own engines: a load
    through the app's engine (the demo at first start) must leave its pooled connections at the usual 10 s, or a
    later save waits ten minutes for a lock instead of saying the database is busy."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    db.migrate(engine)
    ensure_default_policy(engine)
    records = list(generate(5, seed=3, today=date(2026, 1, 1)))
    load_records_into(engine, records[:3], today=date(2026, 1, 1))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    load_records_into(engine, records[3:], today=date(2026, 1, 1), wait_ms=60_000)
    with engine.connect() as conn:  # the pool keeps a connection: with wait_ms it keeps the longer wait
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60_000
    engine.dispose()
