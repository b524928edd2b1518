"""What incidents wait for, kept up with the calendar (issue 13, the reporting cadence), on SQLite and PostgreSQL: a
monitoring report that falls overdue as days pass, or after a cadence change, reaches the stored state that the
portfolio, the Follow-ups page and the digest read, without anyone saving the incident; closed incidents are never
touched; a second run changes nothing; the data versions move so cached figures are read again."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from test_services import AP, CODE, SR, TODAY, run_until  # the path from intake to lessons

from remediation.cli.commands import main
from remediation.domain.models import ReportForwarding
from remediation.domain.workflow import evaluate
from remediation.services import company_work as work
from remediation.services.admin import ensure_default_policy, update_settings
from remediation.services.digest import compose
from remediation.services.waiting import ACTION, refresh_waiting, stale_count
from remediation.storage import queries, versions
from remediation.storage import schema as t
from remediation.storage.followups import owed_items
from remediation.storage.records import derived_columns, find_incident, load_records, replace_record

SAVED = date(2025, 1, 25)  # every hop of the chain made in January: nothing overdue yet
LATER = date(2025, 4, 15)  # the facilitator's next report was due 2025-04-10 (quarterly)
LATE = "Level 1 plan: a monitoring report from the remediation facilitator to the smelter/refiner, due 2025-04-10"


def _forwarded_then_saved_on(engine, day: date) -> None:
    """The standard path to both plans' monitoring reports, each passed along the whole chain in January, the
    incident last saved on ``day``."""
    run_until(engine, "monitoring_l2")
    for level in (1, 2):
        work.record_report_forwarding(engine, CODE, level, 0, ReportForwarding(
            sent_to_smelter_on=date(2025, 1, 10), sent_to_audit_programme_on=date(2025, 1, 14)), SR, today=TODAY)
        work.record_report_forwarding(engine, CODE, level, 0, ReportForwarding(
            sent_to_company_on=date(2025, 1, 21)), AP, today=TODAY)
    with engine.begin() as conn:
        incident_id, version = find_incident(conn, CODE)
        replace_record(conn, incident_id, version, load_records(conn, [incident_id])[incident_id], day)


def _stored(engine) -> tuple:
    c = t.incidents.c
    with engine.connect() as conn:
        return conn.execute(select(c.waiting_for, c.owed_by, c.state_as_of, c.state_until, c.version)
                            .where(c.code == CODE)).one()


def _audits(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.audit_log).where(t.audit_log.c.action == ACTION)
                            ).scalar_one()


def test_a_report_overdue_by_the_date_alone_reaches_portfolio_followups_and_digest(engine):
    _forwarded_then_saved_on(engine, SAVED)
    before = _stored(engine)
    assert not before.waiting_for.startswith(LATE) and before.state_as_of == SAVED
    assert before.state_until == date(2025, 4, 11)  # the day after the facilitator's next report was due

    digest = compose(engine, LATER)  # the digest brings the state up to its day before it reads
    assert any(LATE in line and "owed by Remediation facilitator" in line for line in digest.reports_missing), \
        digest.reports_missing
    after = _stored(engine)
    assert after.waiting_for.startswith(LATE) and after.owed_by == "remediation_facilitator"
    assert after.state_as_of == LATER and after.version == before.version  # a user's open form is not made stale
    assert refresh_waiting(engine, LATER).evaluated == 0  # the same day again: nothing to do
    df, _ = queries.portfolio(engine, today=LATER)
    assert df.loc[df["code"] == CODE, "waiting_for"].iloc[0].startswith(LATE)
    owed = owed_items(engine, today=LATER)
    assert owed.loc[owed["code"] == CODE, "item"].iloc[0].startswith(LATE)
    rec, live, _ = queries.incident(engine, CODE, LATER)  # the incident page's live evaluation agrees
    assert live.waiting_for == after.waiting_for
    assert _audits(engine) == 1
    with engine.connect() as conn:
        entry = conn.execute(select(t.audit_log).where(t.audit_log.c.action == ACTION)).one()
    assert entry.incident_code is None and entry.actor.startswith("system")
    assert [(c["field"], c["after"]) for c in entry.changes] == [
        ("evaluated for", LATER.isoformat()), ("incidents whose state moved", 1), ("codes", CODE)]


def test_a_second_run_changes_nothing_and_writes_no_audit_entry(engine):
    _forwarded_then_saved_on(engine, SAVED)
    assert refresh_waiting(engine, LATER).changed == 1
    with engine.connect() as conn:
        rows = conn.execute(select(t.incidents).order_by(t.incidents.c.id)).all()
    again = refresh_waiting(engine, LATER)
    assert (again.evaluated, again.changed) == (0, 0)
    with engine.connect() as conn:
        assert conn.execute(select(t.incidents).order_by(t.incidents.c.id)).all() == rows
    assert _audits(engine) == 1
    # a new day on which nothing falls due: nothing evaluated
    assert refresh_waiting(engine, date(2025, 4, 16)).evaluated == 0
    # the day the next hop falls due (the company's report, 2025-04-21): evaluated again, the first item is still
    # the facilitator's report, so only the days are written, and no audit entry
    with engine.connect() as conn:
        until = conn.execute(select(t.incidents.c.state_until).where(t.incidents.c.code == CODE)).scalar_one()
    assert until == date(2025, 4, 22)
    nothing = refresh_waiting(engine, until)
    assert (nothing.evaluated, nothing.changed) == (1, 0) and _audits(engine) == 1
    assert _stored(engine).state_as_of == until and _stored(engine).waiting_for.startswith(LATE)


def test_the_count_of_stale_incidents_is_what_a_refresh_would_evaluate(engine):
    """stale_count decides whether the first page of the day waits for the refresh or leaves it to a thread
    (pages._data): it must count exactly the incidents refresh_waiting evaluates, and none once it ran."""
    _forwarded_then_saved_on(engine, SAVED)
    due = stale_count(engine, LATER)
    assert due >= 1
    assert refresh_waiting(engine, LATER).evaluated == due
    assert stale_count(engine, LATER) == 0


def test_a_state_evaluated_for_a_later_day_is_not_moved_back(engine):
    _forwarded_then_saved_on(engine, LATER)
    assert refresh_waiting(engine, SAVED).evaluated == 0
    assert _stored(engine).waiting_for.startswith(LATE)


def test_a_cadence_change_shows_at_once(engine):
    _forwarded_then_saved_on(engine, SAVED)
    refresh_waiting(engine, LATER)
    assert _stored(engine).waiting_for.startswith(LATE)
    settings = queries.settings(engine)
    update_settings(engine, settings.model_copy(update={"reporting_cadence": "half_yearly"}), today=LATER)
    stored = _stored(engine)
    assert "a monitoring report from" not in stored.waiting_for  # next due 2025-07-10
    assert stored.waiting_for == queries.incident(engine, CODE, LATER)[1].waiting_for
    update_settings(engine, queries.settings(engine).model_copy(update={"reporting_cadence": "monthly"}), today=LATER)
    assert _stored(engine).waiting_for.startswith(
        "Level 1 plan: a monitoring report from the remediation facilitator to the smelter/refiner, due 2025-02-10")


def test_closed_incidents_are_never_touched_and_every_open_one_agrees_with_a_fresh_evaluation(demo_engine):
    c = t.incidents.c
    day = date(2031, 1, 1)  # years on: every open implementation owes a report
    with demo_engine.begin() as conn:  # a closed row's stored state marked, to see that nothing rewrites it
        conn.execute(update(t.incidents).where(c.status != "open").values(waiting_for="marked", state_as_of=None))
        closed = conn.execute(select(t.incidents).where(c.status != "open").order_by(c.id)).all()
    done = refresh_waiting(demo_engine, day, batch=7)  # several batches
    assert done.changed > 0
    with demo_engine.connect() as conn:
        assert conn.execute(select(t.incidents).where(c.status != "open").order_by(c.id)).all() == closed
        rows = conn.execute(select(t.incidents).where(c.status == "open")).mappings().all()
        records = load_records(conn, [r["id"] for r in rows])
    for row in rows:
        fresh = derived_columns(records[row["id"]], evaluate(records[row["id"]], day))
        assert {k: row[k] for k in fresh} == fresh, row["code"]
    assert 1 <= _audits(demo_engine) <= -(-done.evaluated // 7)  # one entry per batch that moved something


def test_a_refresh_moves_the_records_version_but_leaves_lessons_learned_warm(demo_engine):
    tracker = versions.VersionTracker()
    first, reference = tracker.refresh(demo_engine), versions.versions(demo_engine)
    assert refresh_waiting(demo_engine, date(2031, 1, 1)).changed > 0
    second, again = tracker.refresh(demo_engine), versions.versions(demo_engine)
    assert second[versions.RECORDS] > first[versions.RECORDS] and second[versions.SUPPLY] == first[versions.SUPPLY]
    assert again[versions.RECORDS] == second[versions.RECORDS] > reference[versions.RECORDS]
    assert second[versions.CLOSED] == first[versions.CLOSED] and again[versions.CLOSED] == reference[versions.CLOSED]


def test_the_refresh_command_brings_the_state_up_to_its_day(database_url_factory, backend, capsys):
    url, engine = database_url_factory(backend)
    assert main(["--database-url", url, "init-db"]) == 0
    ensure_default_policy(engine)
    _forwarded_then_saved_on(engine, SAVED)
    assert main(["--database-url", url, "refresh", "--today", LATER.isoformat()]) == 0
    assert f"1 open incidents evaluated for {LATER}, 1 changed" in capsys.readouterr().out
    assert _stored(engine).waiting_for.startswith(LATE)
