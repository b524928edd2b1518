"""`python -m remediation` as a user runs it."""

import subprocess
import sys
from pathlib import Path

from remediation.storage import engine as db

REPO = Path(__file__).resolve().parents[2]


def run(*args, url):
    return subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_init_db_then_demo_then_refuse_a_second_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    init = run("init-db", url=url)
    assert init.returncode == 0 and f"schema at revision {db.head_revision()}" in init.stdout
    demo = run("demo", "--incidents", "3000", "--seed", "2", url=url)
    assert demo.returncode == 0, demo.stderr
    assert "3000 incidents generated and stored" in demo.stdout
    again = run("demo", "--incidents", "10", url=url)
    assert again.returncode == 1 and "already stored" in again.stderr


def test_demo_rejects_a_non_positive_size(tmp_path):
    result = run("demo", "--incidents", "0", url=f"sqlite:///{tmp_path / 'cli.db'}")
    assert result.returncode == 2 and "at least 1" in result.stderr


def test_check_dates_lists_records_out_of_order_and_changes_nothing(tmp_path):
    """A record stored before the rule (written directly, as an old database holds it) is listed with both dates;
    the database is left as it was; a database in order passes."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from remediation.services.demo import read_fixture
    from remediation.storage import schema as t
    from remediation.storage.records import insert_records

    url = f"sqlite:///{tmp_path / 'dates.db'}"
    assert run("init-db", url=url).returncode == 0
    engine = db.make_engine(url)
    good, bad = (r.model_copy(deep=True) for r in read_fixture()[-2:])
    bad.incident.became_public_date = bad.incident.incident_date - timedelta(days=3)
    with engine.begin() as conn:
        insert_records(conn, [good])
    clean = run("check-dates", "--today", "2026-11-01", url=url)
    assert clean.returncode == 0 and "in the guideline's order" in clean.stdout, clean.stderr
    with engine.begin() as conn:
        insert_records(conn, [bad])

    def state():
        with engine.connect() as conn:
            return (conn.execute(select(t.incidents.c.code, t.incidents.c.version, t.incidents.c.became_public_date)
                                 .order_by(t.incidents.c.code)).all(),
                    conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one())

    before = state()
    result = run("check-dates", "--today", "2026-11-01", url=url)
    assert result.returncode == 1
    public, incident = bad.incident.became_public_date, bad.incident.incident_date
    assert (f"{bad.incident.code}: became_public_date: The date the incident became public {public} is before the "
            f"incident took place on {incident} (Step 1).") in result.stdout
    assert good.incident.code not in result.stdout
    assert "1 incident with dates out of the guideline's order; nothing was changed." in result.stderr
    assert state() == before
    engine.dispose()


def test_check_dates_refuses_a_database_not_yet_migrated(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db.make_engine(url).dispose()
    result = run("check-dates", url=url)
    assert result.returncode == 2 and "run init-db first" in result.stderr, result.stderr
