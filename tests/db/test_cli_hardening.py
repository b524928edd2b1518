"""The command line, tried from outside (issue #16): ``import --user`` names only someone who may import, and a
database fault is a plain message with a non-zero exit code — never a traceback — with nothing written."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from remediation.cli import commands
from remediation.services import access
from remediation.services import transfer as tr
from remediation.storage import engine as db
from remediation.storage import schema as t

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "data" / "imports" / "good.xlsx"


def migrated(backend, database_url_factory):
    url, engine = database_url_factory(backend)
    db.migrate(engine)
    return url, engine


def cli(*args, url):
    return subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, *args], check=False, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(t.incidents)).scalar_one(),
                conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one())


def _import_actors(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(t.audit_log.c.actor).where(t.audit_log.c.incident_code.is_not(None))).scalars())


def test_without_users_the_operator_imports_and_no_one_else_can_be_named(backend, database_url_factory):
    url, engine = migrated(backend, database_url_factory)
    named = cli("import", str(GOOD), "--user", "someone@example.org", url=url)
    assert named.returncode == 1 and "no users are configured" in named.stderr and "Traceback" not in named.stderr
    assert _counts(engine)[0] == 0
    plain = cli("import", str(GOOD), url=url)
    assert plain.returncode == 0, plain.stderr
    assert _import_actors(engine) == {"command line"}


def test_with_users_only_a_stored_editor_or_admin_is_named(backend, database_url_factory):
    url, engine = migrated(backend, database_url_factory)
    access.set_role(engine, "viewer@example.org", "viewer", access.COMMAND_LINE)
    access.set_role(engine, "editor@example.org", "editor", access.COMMAND_LINE)
    before = _counts(engine)
    for args, message in ((("--user", "viewer@example.org"), "is a viewer: importing incidents needs the editor role"),
                          (("--user", "stranger@example.org"), "not a user here"),
                          ((), "give --user EMAIL")):
        refused = cli("import", str(GOOD), *args, url=url)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
        assert _counts(engine) == before  # nothing written, not even an audit entry
    done = cli("import", str(GOOD), "--user", "Editor@Example.org", url=url)
    assert done.returncode == 0, done.stderr
    assert _import_actors(engine) == {"editor@example.org"}


def test_a_connection_dropped_mid_import_is_a_plain_message(backend, database_url_factory, monkeypatch, capsys):
    url, engine = migrated(backend, database_url_factory)
    before = _counts(engine)

    def dropped(*args, **kwargs):
        raise OperationalError("INSERT INTO incidents (code, title) VALUES (%(code)s, %(title)s)",
                               {"code": "INC-2019-001", "title": "secret"},
                               Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(tr, "apply_import", dropped)
    code = commands.main(["--database-url", url, "import", str(GOOD)])
    err = capsys.readouterr().err
    assert code == 3
    assert "cannot be reached, or the connection was lost" in err and "Nothing was written" in err
    assert not any(leak in err for leak in ("INSERT", "[SQL", "secret", "Traceback"))
    assert _counts(engine) == before
    db.dispose_engines()


def test_a_postgresql_connection_killed_mid_import_is_a_plain_message(database_url_factory, capsys):
    """Not a stand-in exception: the server ends the import's own connection as it writes its first incident."""
    url, engine = migrated("postgresql", database_url_factory)
    before = _counts(engine)
    cli_engine = db.get_engine(url)  # the engine the command will use
    killed = []

    def kill_own_connection(conn, cursor, statement, parameters, context, executemany):
        if not killed and statement.lstrip().upper().startswith("INSERT INTO INCIDENTS"):
            killed.append(conn.connection.dbapi_connection.info.backend_pid)
            with engine.connect() as other:  # another connection: the server ends this one
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed[0]})

    event.listen(cli_engine, "before_cursor_execute", kill_own_connection)
    try:
        code = commands.main(["--database-url", url, "import", str(GOOD)])
    finally:
        event.remove(cli_engine, "before_cursor_execute", kill_own_connection)
        db.dispose_engines()
    err = capsys.readouterr().err
    assert killed, "the import never wrote an incident"
    assert code == 3, err
    assert "cannot be reached, or the connection was lost" in err and "Nothing was written" in err
    assert not any(leak in err for leak in ("INSERT", "[SQL", "Traceback", "parameters")), err
    assert _counts(engine) == before


def test_an_unreachable_database_is_a_plain_message():
    result = cli("import", str(GOOD), url="postgresql+psycopg://nobody:pw@127.0.0.1:9/none?connect_timeout=2")
    assert result.returncode == 3
    assert "cannot be reached" in result.stderr and "127.0.0.1:9/none" in result.stderr
    assert "Traceback" not in result.stderr and "pw@" not in result.stderr


def test_a_locked_sqlite_during_an_import_says_busy_and_writes_nothing(database_url_factory):
    url, engine = migrated("sqlite", database_url_factory)
    before = _counts(engine)
    blocker = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        result = cli("import", str(GOOD), url=url)
    finally:
        blocker.rollback()
        blocker.close()
    assert result.returncode == 3 and "The database is busy" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert _counts(engine) == before


@pytest.mark.parametrize("user", [None, "editor@example.org"])
def test_command_line_actor(engine, user):
    if user:
        access.set_role(engine, user, "editor", access.COMMAND_LINE)
    actor = access.command_line_actor(engine, user)
    assert actor.user == (user or "command line") and access.allowed(actor.access, "edit")


def test_declarations_import_names_only_a_stored_editor(backend, database_url_factory, tmp_path):
    url, engine = migrated(backend, database_url_factory)
    access.set_role(engine, "viewer@example.org", "viewer", access.COMMAND_LINE)
    refused = cli("declarations", "import", str(tmp_path / "none.xlsx"), "--user", "viewer@example.org", url=url)
    assert refused.returncode == 1 and "is a viewer: importing suppliers' declarations needs the editor role" \
        in refused.stderr and "Traceback" not in refused.stderr
