"""Start-up: migrate the database, store the default policy, and load the demo portfolio into an empty
embedded database. Safe on every start and from several servers at once."""

from __future__ import annotations

import os

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from remediation.services.admin import ensure_default_policy
from remediation.services.demo import load_demo_fixture
from remediation.storage import schema as t
from remediation.storage.engine import get_engine, migrate


def incident_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.incidents)).scalar_one()


def demo_wanted(engine: Engine) -> bool:
    """Load the demo portfolio into an empty database? ``REMEDIATION_DEMO=1``/``0`` decides; by default
    yes for SQLite (the embedded, try-it-out default) and no for a shared server database."""
    setting = os.environ.get("REMEDIATION_DEMO", "").strip().lower()
    if setting in ("1", "true", "yes", "on"):
        return True
    if setting in ("0", "false", "no", "off"):
        return False
    return engine.dialect.name == "sqlite"


def bootstrap(engine: Engine | None = None) -> Engine:
    """Migrate, store the default policy if none is stored, and load the demo portfolio into an empty
    database when :func:`demo_wanted`. Safe to call on every start, and from two servers at once."""
    engine = engine or get_engine()
    migrate(engine)
    ensure_default_policy(engine)
    if demo_wanted(engine) and incident_count(engine) == 0:
        try:
            load_demo_fixture(engine)
        except IntegrityError:
            pass  # another server loaded it at the same moment
    return engine
