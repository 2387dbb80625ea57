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
            "tracking_allowance",
            "retention_horizon",
            "audit_log",
        }
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()  # raises if there are two heads
        assert current_revision(engine) == head
        upgrade(engine)  # running again on start is a no-op
        assert current_revision(engine) == head
    finally:
        engine.dispose()
        drop_database(pg_server_url, name)


def test_keys_made_before_scopes_keep_both_and_users_become_analysts(pg_server_url):
    """0003: existing keys could send and read: they still can; existing users are analysts; new keys default to
    ingestion only; a revoked key's name can be reused."""
    from sqlalchemy import text

    name = "cb_scopes_migration_test"
    engine = make_engine(create_database(pg_server_url, name))
    try:
        upgrade(engine, "0002_auth")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO api_keys (name, key_hash, prefix) VALUES ('old', 'h1', 'cb_old')"))
            conn.execute(
                text(
                    "INSERT INTO users (email, password_hash, display_name, age, gender)"
                    " VALUES ('old@example.com', 'x', 'Old', 30, 'Other')"
                )
            )
            conn.execute(text("INSERT INTO invites (token_hash, expires_at) VALUES ('\\x01', now())"))
        upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT scopes FROM api_keys WHERE name = 'old'")).scalar_one() == [
                "ingest",
                "read",
            ]
            assert conn.execute(text("SELECT role FROM users")).scalar_one() == "analyst"
            assert conn.execute(text("SELECT id FROM invites")).scalar_one() == 1
            conn.execute(text("UPDATE api_keys SET revoked_at = now()"))
            conn.execute(text("INSERT INTO api_keys (name, key_hash, prefix) VALUES ('old', 'h2', 'cb_new')"))
            assert conn.execute(text("SELECT scopes FROM api_keys WHERE key_hash = 'h2'")).scalar_one() == ["ingest"]
    finally:
        engine.dispose()
        drop_database(pg_server_url, name)
