"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when TEST_DATABASE_URL is set.

Each PostgreSQL test gets a schema of its own (dropped afterwards), so tests never see each other's
rows and never touch anything else in the database. With REQUIRE_POSTGRES=1 (set by .ci/run) a
missing or unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from remediation.services.admin import ensure_default_policy
from remediation.storage import engine as db

REPO_ROOT = Path(__file__).resolve().parent.parent


def _postgres_url_or_skip() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        reason = "PostgreSQL tests skipped: set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but " + reason)
        pytest.skip(reason)
    return url


def _postgres_engine(url: str, schema: str):
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True)
    return engine


@pytest.fixture
def database_url_factory(tmp_path):
    """Make empty databases: ``factory("sqlite")`` or ``factory("postgresql")`` → (url, engine)."""
    schemas: list[tuple[str, str]] = []
    engines = []

    def make(backend: str):
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.db'}"
            engine = db.make_engine(url)
        else:
            base = _postgres_url_or_skip()
            schema = f"t_{uuid.uuid4().hex[:12]}"
            admin = create_engine(base)
            try:
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            except Exception as exc:  # unreachable server
                if os.environ.get("REQUIRE_POSTGRES") == "1":
                    raise
                pytest.skip(f"PostgreSQL at TEST_DATABASE_URL unreachable: {exc}")
            finally:
                admin.dispose()
            schemas.append((base, schema))
            engine = _postgres_engine(base, schema)
            url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
        engines.append(engine)
        return url, engine

    yield make
    for engine in engines:
        engine.dispose()
    for base, schema in schemas:
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def engine(backend, database_url_factory):
    """A migrated, empty database (default policy stored), on each backend."""
    _, engine = database_url_factory(backend)
    db.migrate(engine)
    ensure_default_policy(engine)
    return engine


@pytest.fixture
def demo_engine(engine):
    """The same, with the demo portfolio loaded."""
    from remediation.services.demo import load_demo_fixture

    load_demo_fixture(engine)
    return engine
