"""Give every event of a bulk-seeded database a random uuid, like ids made by real clients.

    uv run bench/random_ids.py --database-url postgresql://postgres@127.0.0.1:5432/big
    uv run bench/random_ids.py --seed-events 5000   # a self-check on a scratch database (DATABASE_URL's or embedded)

The demo seed's ids count up from one prefix (demo/ids.py), so in a seeded table new random ids all land at the two
ends of the primary-key index, and an insert benchmark would never see the index outgrow memory. This rewrites each
events table (the old single table, or every monthly partition) with gen_random_uuid() ids into a new table, builds
its keys there (a sort, not 100 million random inserts) and swaps it in. The rollup is unchanged: the same events,
other ids. For benchmarks only: it takes the database for itself while it runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COLUMNS = "feature, user_id, occurred_at, received_at, age_group, gender, source"


def rewrite(conn, table: str, key: str) -> None:
    """Copy `table` into `<table>_r` with random ids, add its key and BRIN index there."""
    conn.execute(f"DROP TABLE IF EXISTS {table}_r")
    conn.execute(f"CREATE TABLE {table}_r (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    conn.execute(f"INSERT INTO {table}_r (event_id, {COLUMNS}) SELECT gen_random_uuid(), {COLUMNS} FROM {table}")
    conn.execute(f"ALTER TABLE {table}_r ADD PRIMARY KEY ({key})")
    conn.execute(f"CREATE INDEX ON {table}_r USING brin (occurred_at)")


def main(argv: list[str] | None = None) -> int:
    from config import normalize_database_url
    from db.engine import libpq_url

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the database to rewrite")
    parser.add_argument("--seed-events", type=int, help="instead: seed a scratch database with this many, rewrite it")
    args = parser.parse_args(argv)
    if args.seed_events is not None:
        return self_check(args.seed_events)
    if not args.database_url:
        parser.error("give --database-url or --seed-events")
    rewrite_database(libpq_url(normalize_database_url(args.database_url)))
    return 0


def self_check(events: int) -> int:
    """Seed a scratch database, rewrite its ids, and check that the events, apart from their ids, and the rollup
    are unchanged and the ids are new."""
    import psycopg

    from config import Settings
    from db.engine import libpq_url, make_engine
    from db.migrate import upgrade
    from db.scratch import scratch_database
    from demo.seeding import seed_demo

    with scratch_database("cb_random_ids_check") as scratch:
        engine = make_engine(scratch.url)
        upgrade(engine)
        settings = Settings(database_url=scratch.url, secret_key="bench", data_dir=Path("/tmp"))
        seed_demo(engine, settings, events=events, days=60, seed=1, reset=True)
        engine.dispose()
        url = libpq_url(scratch.url)
        summary = f"SELECT count(*), count(DISTINCT ({COLUMNS})), min(event_id::text) FROM events"
        with psycopg.connect(url) as conn:
            before = conn.execute(summary).fetchone()
        rewrite_database(url)
        with psycopg.connect(url) as conn:
            after = conn.execute(summary).fetchone()
            rollup = conn.execute("SELECT sum(clicks) FROM feature_daily").fetchone()[0]
    ok = before[:2] == after[:2] and before[2] != after[2] and rollup == events
    print(f"{events:,} events: before {before}, after {after}, rollup {rollup} -> {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


def rewrite_database(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")
        conn.execute("SET maintenance_work_mem = '512MB'")
        partitioned = conn.execute("SELECT relkind = 'p' FROM pg_class WHERE relname = 'events'").fetchone()[0]
        started = time.perf_counter()
        if not partitioned:
            rewrite(conn, "events", "event_id")
            with conn.transaction():
                conn.execute("DROP TABLE events")
                conn.execute("ALTER TABLE events_r RENAME TO events")
            print(f"events: random ids ({time.perf_counter() - started:.0f} s)", flush=True)
            return
        from db.partitions import EXISTING_SQL, bounds, month_of_name

        names = sorted(row[0] for row in conn.execute(EXISTING_SQL))
        for name in names:
            low, high = bounds(month_of_name(name))
            rewrite(conn, name, "event_id, occurred_at")
            conn.execute(f"ALTER TABLE {name}_r ADD CHECK (occurred_at >= '{low}' AND occurred_at < '{high}')")
            with conn.transaction():
                conn.execute(f"ALTER TABLE events DETACH PARTITION {name}")
                conn.execute(f"DROP TABLE {name}")
                conn.execute(f"ALTER TABLE {name}_r RENAME TO {name}")
                conn.execute(f"ALTER TABLE events ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')")
            print(f"{name}: random ids ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
