"""Database faults show a clear message and the app recovers when the database is back."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from remediation.storage import engine as db


def test_a_database_that_loses_its_tables_mid_session_says_so_and_recovers(run_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    at = run_app(database_url=url)
    assert not at.exception and at.title[0].value == "Portfolio"

    engine = db.get_engine(url)
    with engine.begin() as conn:  # as if a migration had renamed the table under the running app
        conn.execute(text("ALTER TABLE incidents RENAME TO incidents_during_migration"))
    at.sidebar.segmented_control(key="status").set_value("all").run()  # a new query, past the caches
    assert not at.exception
    message = at.error[0].value
    assert "being migrated" in message and "python -m remediation init-db" in message

    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE incidents_during_migration RENAME TO incidents"))
    at.sidebar.segmented_control(key="status").set_value("closed").run()
    assert not at.exception and not at.error and at.title[0].value == "Portfolio"


def test_messages_say_what_happened_and_what_to_do(monkeypatch, tmp_path):
    import sys
    sys.path.insert(0, str(db.REPO_ROOT))
    from pages._text import database_problem

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://secret_user:secret_password@db.example:5432/x")
    locked = OperationalError("UPDATE incidents", {}, Exception("database is locked"))
    assert database_problem(locked)[0] == "The database is busy."
    gone = OperationalError("SELECT 1", {}, Exception("connection refused"))
    what, advice = database_problem(gone)
    assert what == "The database cannot be reached."
    assert "secret_password" not in advice and "secret_user" not in advice and "db.example:5432/x" in advice
