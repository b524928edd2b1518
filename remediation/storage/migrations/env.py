"""Alembic environment: runs on the connection handed over by :func:`remediation.storage.engine.migrate`,
or on ``DATABASE_URL`` when invoked from the ``alembic`` command line."""

from alembic import context

from remediation.storage.schema import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from remediation.storage.engine import get_engine

    with get_engine().begin() as conn:
        _run(conn)
