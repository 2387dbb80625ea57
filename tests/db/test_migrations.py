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
            "rollup_day",
            "rollup_month",
            "rollup_closed",
            "api_keys",
            "sessions",
            "auth_throttle",
            "invites",
            "tracking_allowance",
            "retention_horizon",
            "audit_log",
            "people",
            "api_key_allowance",
            "events_legacy",
            "undated_event_ids",
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


def test_0006_backfills_the_rollup_by_source_from_the_raw_events(pg_server_url):
    """0006: the rollup gains the source in its key, recounted from the raw events; days before a retention horizon
    (no raw events any more) keep their clicks, counted as `api`; downgrading merges the sources back."""
    from sqlalchemy import text

    name = "cb_rollup_source_migration_test"
    engine = make_engine(create_database(pg_server_url, name))
    events = [  # (feature, occurred_at, source, how many)
        ("export", "2026-03-01 10:00:00+00", "api", 3),
        ("export", "2026-03-01 11:00:00+00", "dashboard", 2),
        ("filter_age", "2026-03-02 23:59:59+00", "dashboard", 1),
    ]
    try:
        upgrade(engine, "0005_retention")
        with engine.begin() as conn:
            for feature, at, source, count in events:
                for _ in range(count):
                    conn.execute(
                        text(
                            "INSERT INTO events (event_id, feature, occurred_at, age_group, gender, source)"
                            " VALUES (gen_random_uuid(), :feature, :at, 'unknown', 'unknown', :source)"
                        ),
                        {"feature": feature, "at": at, "source": source},
                    )
            # the rollup as 0005 kept it (no source), plus a day before the retention horizon
            conn.execute(
                text(
                    "INSERT INTO feature_daily (day, feature, age_group, gender, clicks) VALUES"
                    " ('2026-03-01', 'export', 'unknown', 'unknown', 5),"
                    " ('2026-03-02', 'filter_age', 'unknown', 'unknown', 1),"
                    " ('2026-01-15', 'export', 'unknown', 'unknown', 40)"
                )
            )
            conn.execute(text("INSERT INTO retention_horizon (raw_events_from) VALUES ('2026-02-01')"))
        upgrade(engine)
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT day::text, feature, source, clicks FROM feature_daily ORDER BY 1, 2, 3")
            ).all()
            assert [tuple(row) for row in rows] == [
                ("2026-01-15", "export", "api", 40),
                ("2026-03-01", "export", "api", 3),
                ("2026-03-01", "export", "dashboard", 2),
                ("2026-03-02", "filter_age", "dashboard", 1),
            ]
            primary_key = inspect(conn).get_pk_constraint("feature_daily")["constrained_columns"]
            assert primary_key == ["day", "feature", "age_group", "gender", "source"]
        upgrade_to_previous = "0005_retention"
        from alembic import command

        config = alembic_config()
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, upgrade_to_previous)
            conn.commit()
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT day::text, feature, clicks FROM feature_daily ORDER BY 1, 2")).all()
            assert [tuple(row) for row in rows] == [
                ("2026-01-15", "export", 40),
                ("2026-03-01", "export", 5),
                ("2026-03-02", "filter_age", 1),
            ]
    finally:
        engine.dispose()
        drop_database(pg_server_url, name)


def test_rollup_levels_are_backfilled_from_the_base_table_and_dropped_on_downgrade(pg_server_url):
    """0007: rollup_day and rollup_month hold feature_daily summed over every combination of one or every ('')
    value of feature, age group and gender, per source, per day and per (local) month, for every day before today
    (closed), including days before a retention horizon; today stays in feature_daily only."""
    from sqlalchemy import text

    from db.rollup import mismatches

    name = "cb_levels_migration_test"
    engine = make_engine(create_database(pg_server_url, name))
    try:
        upgrade(engine, "0006_rollup_source")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO feature_daily (day, feature, age_group, gender, source, clicks) VALUES"
                    " ('2025-12-31', 'export', '<18', 'Male', 'api', 4),"  # before the horizon: no raw events
                    " ('2026-01-01', 'export', '<18', 'Female', 'api', 5),"
                    " ('2026-01-31', 'search', 'unknown', 'unknown', 'dashboard', 7),"
                    " ((now() AT TIME ZONE 'UTC')::date, 'today', 'unknown', 'unknown', 'api', 1)"  # open
                )
            )
            conn.execute(text("INSERT INTO retention_horizon (raw_events_from) VALUES ('2026-01-01')"))
            conn.execute(
                text(
                    "INSERT INTO events (event_id, feature, occurred_at, age_group, gender, source)"
                    " VALUES (gen_random_uuid(), 'today', now(), 'unknown', 'unknown', 'api')"
                )
            )
            for feature, at, age, gender, source, count in [
                ("export", "2026-01-01 10:00+00", "<18", "Female", "api", 5),
                ("search", "2026-01-31 23:00+00", "unknown", "unknown", "dashboard", 7),
            ]:
                for _ in range(count):
                    conn.execute(
                        text(
                            "INSERT INTO events (event_id, feature, occurred_at, age_group, gender, source)"
                            " VALUES (gen_random_uuid(), :feature, :at, :age, :gender, :source)"
                        ),
                        {"feature": feature, "at": at, "age": age, "gender": gender, "source": source},
                    )
        upgrade(engine, "0007_rollup_levels")
        with engine.begin() as conn:
            assert mismatches(conn, "UTC") == 0

            def clicks(sql: str) -> list[tuple]:
                return [tuple(row) for row in conn.execute(text(sql))]

            everything = "feature = '' AND age_group = '' AND gender = ''"
            assert clicks(
                f"SELECT day::text, sum(clicks) FROM rollup_day WHERE {everything} GROUP BY 1 ORDER BY 1"
            ) == [
                ("2025-12-31", 4),
                ("2026-01-01", 5),
                ("2026-01-31", 7),
            ]
            assert clicks(
                f"SELECT month::text, sum(clicks) FROM rollup_month WHERE {everything} GROUP BY 1 ORDER BY 1"
            ) == [
                ("2025-12-01", 4),
                ("2026-01-01", 12),
            ]
            assert clicks(
                "SELECT feature, clicks FROM rollup_month WHERE month = '2026-01-01' AND age_group = ''"
                " AND gender = '' AND source = 'api' ORDER BY 1"
            ) == [("", 5), ("export", 5)]
            # 8 combinations of one or every feature, age group and gender per base row, each on its own day
            assert clicks("SELECT count(*) FROM rollup_day") == [(24,)]
            assert clicks("SELECT count(*) FROM rollup_day WHERE source = ''") == [(0,)]  # never summed
            assert clicks("SELECT count(*) FROM rollup_day WHERE feature = 'today'") == [(0,)]
            assert clicks("SELECT through = (now() AT TIME ZONE 'UTC')::date - 1 FROM rollup_closed") == [(True,)]
        from alembic import command

        config = alembic_config()
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0006_rollup_source")
            conn.commit()
        assert {"rollup_day", "rollup_month", "rollup_closed"}.isdisjoint(inspect(engine).get_table_names())
    finally:
        engine.dispose()
        drop_database(pg_server_url, name)
