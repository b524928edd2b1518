"""The database: an engine from ``DATABASE_URL``, migrations, and the first-start bootstrap.

``DATABASE_URL`` selects the database. Without it the app uses a SQLite file under ``data/``,
created on first use. PostgreSQL (``postgresql+psycopg://user@host:5432/db``) is for shared
deployments. Every schema change goes through the Alembic migrations in ``remediation/migrations``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "remediation.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
_read_only_urls: set[str] = set()


def read_only(url: str | None = None) -> bool:
    """Whether the SQLite file at ``url`` (default :func:`database_url`) was found read-only when its engine was
    made: its pages can be read, and every change is refused."""
    return (url or database_url()) in _read_only_urls


def database_url() -> str:
    """``DATABASE_URL`` if set, else the default SQLite file under ``data/``."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite leaves them off unless asked, per connection
    cursor.execute("PRAGMA busy_timeout=10000")  # wait for a writer instead of failing at once
    cursor.close()


def _not_writable(parsed) -> bool:
    """A SQLite file opened read-only (``?mode=ro``, ``immutable``) or that this process may not write (the file
    or its folder, where SQLite keeps its journal). SQLite opens such a file and reads it; only writes fail."""
    query = {k: str(v).lower() for k, v in parsed.query.items()}
    if query.get("mode") == "ro" or query.get("immutable") in ("1", "true"):
        return True
    path = _sqlite_path(parsed)
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _sqlite_path(parsed) -> Path:
    """The file of a SQLite URL, also when it is a URI (``sqlite:///file:/path?mode=ro&uri=true``)."""
    if str(parsed.query.get("uri", "")).lower() == "true":
        return Path(parsed.database.removeprefix("file:"))
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """A new engine for ``url``; SQLite gets enforced foreign keys and a write-ahead log."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _sqlite_path(parsed).parent.mkdir(parents=True, exist_ok=True)  # not a folder "file:" for a URI
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        if parsed.database and parsed.database != ":memory:":
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # readers don't block the writer
            except OperationalError as exc:
                if "readonly" not in str(exc).lower():
                    raise
                # A read-only file (or one opened with ?mode=ro) can still be read: it keeps its journal mode,
                # and every write is refused by SQLite (a message that names the file, pages._text). A database
                # not yet set up fails later, at the migration, with the same message.
                _read_only_urls.add(url)
            if _not_writable(parsed):
                _read_only_urls.add(url)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def get_engine(url: str | None = None, create: bool = True) -> Engine | None:
    """The process-wide engine for ``url`` (default :func:`database_url`).

    With ``create=False`` a SQLite file that does not exist yet is not created: ``None`` comes back.
    """
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is not None:
            return engine
        parsed = make_url(url)
        if (not create and parsed.get_backend_name() == "sqlite" and parsed.database
                and parsed.database != ":memory:" and not Path(parsed.database).exists()):
            return None
        engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _read_only_urls.clear()


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (creates every table on an empty database)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    with get_engine("sqlite://").connect() as connection:  # ScriptDirectory needs only the config
        return ScriptDirectory.from_config(_alembic_config(connection)).get_current_head()
