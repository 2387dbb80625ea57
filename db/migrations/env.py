"""Alembic environment: run with a connection given by db.migrate, or DATABASE_URL for the alembic CLI."""

from alembic import context

from db.partitions import month_of_name
from db.schema import metadata

config = context.config
connection = config.attributes.get("connection")


def include_name(name, type_, parent_names) -> bool:
    """Leave the monthly partitions of `events` (db/partitions.py, made at run time) out of `alembic check`."""
    return not (type_ == "table" and name is not None and month_of_name(name) is not None)


def run(conn) -> None:
    context.configure(
        connection=conn, target_metadata=metadata, transaction_per_migration=True, include_name=include_name
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:  # `alembic` command line
    from sqlalchemy import create_engine

    from config import Settings

    url = Settings.load().database_url
    if url is None:
        raise SystemExit("Set DATABASE_URL to run alembic directly, or use `uv run app.py migrate`")
    with create_engine(url).connect() as conn:
        run(conn)
        conn.commit()
