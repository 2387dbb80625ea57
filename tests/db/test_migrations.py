from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from db.engine import make_engine
from db.migrate import alembic_config, current_revision, upgrade
from db.scratch import create_database, drop_database


def test_upgrade_from_an_empty_database_creates_every_table(pg_server_url):
    name = "cb_empty_migration_test"
    engine = make_engine(create_database(pg_server_url, name))
    try:
        assert inspect(engine).get_table_names() == []
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) == {
            "alembic_version",
            "users",
            "events",
            "feature_daily",
            "api_keys",
            "sessions",
            "auth_throttle",
            "invites",
            "audit_log",
        }
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()  # raises if there are two heads
        assert current_revision(engine) == head
        upgrade(engine)  # running again on start is a no-op
        assert current_revision(engine) == head
    finally:
        engine.dispose()
        drop_database(pg_server_url, name)
