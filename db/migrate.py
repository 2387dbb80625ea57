"""Apply Alembic migrations programmatically (on start and by `uv run app.py migrate`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run on every start (a no-op when up to date).

    An advisory lock keeps concurrent starters (several gunicorn workers, say) from racing.
    """
    config = alembic_config()
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_lock(727274)")
        conn.commit()  # the session-level lock stays; Alembic then runs each migration in a transaction of its own
        try:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            conn.commit()
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(727274)")
            conn.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return current_revision_on(conn)


def head_revision() -> str:
    """The revision the code expects (the single Alembic head)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision_on(conn) -> str | None:
    """The revision the database is at, read on an open connection."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()
