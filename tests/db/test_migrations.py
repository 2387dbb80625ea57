from sqlalchemy import inspect, text

from db.engine import make_engine
from db.migrate import current_revision, upgrade


def test_upgrade_from_an_empty_database_creates_every_table(pg_server_url, tmp_path):
    from tests.conftest import _admin_engine, _with_database

    admin = _admin_engine(pg_server_url)
    name = "cb_empty_migration_test"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(_with_database(pg_server_url, name))
    try:
        assert inspect(engine).get_table_names() == []
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) == {
            "alembic_version", "users", "events", "feature_daily", "api_keys"
        }
        assert current_revision(engine) == "0001"
        upgrade(engine)  # running again on start is a no-op
        assert current_revision(engine) == "0001"
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
