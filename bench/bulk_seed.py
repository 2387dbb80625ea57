"""Bulk seed benchmark: write N demo events (default 10,000,000) into a fresh database and print the rate.

    uv run bench/bulk_seed.py [--events N] [--users 55] [--days 30] [--seed S]

The database is created for the run and dropped afterwards: `clickboard_bench_seed` on the server of DATABASE_URL
when it is set, else an embedded PostgreSQL in a temporary folder. The rate counts the whole `seed_demo` call
(demo users, COPY of the events, the rollup upsert over the copied id range, commit). Afterwards it checks that the
rollup counts every event: sum(feature_daily.clicks) == count(*) from events, and that the rollup equals the events
grouped by (local day, feature, age group, gender).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from tqdm import tqdm  # noqa: E402

from config import Settings  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.rollup import mismatches as rollup_mismatches  # noqa: E402
from db.scratch import scratch_database  # noqa: E402
from demo.options import DEFAULT_DAYS, DEFAULT_USERS, SeedError, check_options  # noqa: E402
from demo.seeding import seed_demo  # noqa: E402

BENCH_DB = "clickboard_bench_seed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/bulk_seed.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=DEFAULT_USERS)
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        check_options(args.users, args.events, args.days, args.seed)
    except SeedError as exc:
        parser.error(str(exc))

    with scratch_database(BENCH_DB) as scratch:
        url, where = scratch
        engine = make_engine(url)
        try:
            upgrade(engine)
            env = Settings.load()
            settings = Settings(database_url=url, secret_key="bench", timezone=env.timezone, data_dir=env.data_dir)
            with engine.connect() as conn:
                pg_version = conn.execute(text("SHOW server_version")).scalar_one()
            load_before = os.getloadavg()
            print(f"Seeding {args.events:,} events into {where} (PostgreSQL {pg_version}) ...", flush=True)
            with tqdm(total=args.events, unit=" events", unit_scale=True, desc="events") as bar:
                report = seed_demo(
                    engine,
                    settings,
                    users=args.users,
                    events=args.events,
                    days=args.days,
                    seed=args.seed,
                    reset=True,
                    progress=bar.update,
                )
            load_after = os.getloadavg()
            peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            started = time.perf_counter()
            with engine.connect() as conn:
                conn.execute(text("SET statement_timeout = 0"))
                total = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
                clicks = conn.execute(text("SELECT coalesce(sum(clicks), 0) FROM feature_daily")).scalar_one()
                mismatches = rollup_mismatches(conn, settings.timezone)
                future = conn.execute(text("SELECT count(*) FROM events WHERE occurred_at > now()")).scalar_one()
                size = conn.execute(
                    text("SELECT pg_size_pretty(pg_table_size('events')), pg_size_pretty(pg_indexes_size('events'))")
                ).one()
            check_seconds = time.perf_counter() - started
        finally:
            engine.dispose()

    rate = report.events_written / report.seconds
    ok = total == clicks == args.events and mismatches == 0 and future == 0
    print()
    print(f"date           {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine        {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    print(f"PostgreSQL     {pg_version} ({where.split(' in ')[0]})")
    print(f"load average   {load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min)")
    print(f"events         {report.events_written:,} over {args.days} days, {report.users} users, seed {args.seed}")
    print(f"elapsed        {report.seconds:.1f} s (users, COPY, rollup upsert, commit)")
    print(f"rate           {rate:,.0f} events/s")
    print(f"peak RSS       {peak_rss_mb:,.0f} MB")
    print(f"table / index  {size[0]} / {size[1]}")
    print(
        f"check          count(*) = {total:,}, sum(feature_daily.clicks) = {clicks:,}, rollup rows differing = "
        f"{mismatches}, events in the future = {future} ({check_seconds:.1f} s) -> {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
