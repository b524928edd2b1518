"""The Follow-ups page on a later day (issue 13, the reporting cadence): a monitoring report that fell overdue since
the incident was last saved is what the page lists the incident as owing, as the incident page says, without
anyone saving it (the app brings the stored state up to the day on its first rerun: pages._data.waiting_up_to_date)."""

from __future__ import annotations

import threading

from datetime import date, timedelta

from sqlalchemy import select

from remediation.domain.followups import CHASED_PARTIES
from remediation.domain.workflow import evaluate
from pages import _data
from remediation.services import bootstrap
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.records import load_records, replace_record

PAGE = "pages/followups.py"


def _saved_before_its_report_was_due(engine, today: date):
    """An open Step 4 incident of the demo whose first item today is an overdue report owed by a chased party,
    rewritten as last saved the day after implementation started (no report due yet); its code, party and item."""
    c = t.incidents.c
    with engine.begin() as conn:
        rows = conn.execute(select(c.id, c.version).where(c.status == "open", c.step == 4).order_by(c.code)).all()
        records = load_records(conn, [r.id for r in rows])
        for row in rows:
            record = records[row.id]
            live = evaluate(record, today)
            started = [p.implementation_started_on for p in record.plans if p.implementation_started_on]
            if not started or "a monitoring report from" not in live.waiting_for or live.owed_by not in CHASED_PARTIES:
                continue
            then = evaluate(record, max(started) + timedelta(days=1))
            if "a monitoring report from" in then.waiting_for:
                continue
            replace_record(conn, row.id, row.version, record, max(started) + timedelta(days=1))
            return record.incident.code, live.owed_by, live.waiting_for, then.waiting_for
    raise AssertionError("the demo portfolio has no Step 4 incident with a report overdue today")


def test_the_page_lists_a_report_overdue_since_the_last_save(run_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = bootstrap.bootstrap(db.get_engine(url))  # the demo portfolio, loaded before the app's first rerun
    code, party, late, before = _saved_before_its_report_was_due(engine, date.today())
    with engine.connect() as conn:
        assert conn.execute(select(t.incidents.c.waiting_for).where(t.incidents.c.code == code)).scalar_one() == before

    at = run_app(page=PAGE, database_url=url, query={"party": party})
    assert not at.exception
    owed = next(df.value for df in at.dataframe if "item" in df.value.columns)
    assert owed.loc[owed["code"] == code, "item"].tolist() == [late]


def test_more_incidents_due_than_a_viewer_should_wait_for_are_refreshed_in_the_background(monkeypatch, tmp_path):
    """A quarter's reports falling due at once in a large portfolio, or the first day after an upgrade: the first
    rerun of the day starts a thread instead of waiting, and the thread brings the stored state up to the day."""
    url = f"sqlite:///{tmp_path / 'big.db'}"
    engine = bootstrap.bootstrap(db.get_engine(url))
    today = date.today()
    code, _party, late, before = _saved_before_its_report_was_due(engine, today)
    monkeypatch.setattr(_data, "SYNC_REFRESH_LIMIT", 0)  # as if thousands were due
    started = _data._waiting_refreshed(url, today)
    assert isinstance(started, threading.Thread)
    started.join(120)
    assert not started.is_alive()
    with engine.connect() as conn:
        assert conn.execute(select(t.incidents.c.waiting_for).where(t.incidents.c.code == code)).scalar_one() == late
    assert late != before
