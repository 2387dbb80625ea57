"""What one batch insert of new events costs PostgreSQL, in counts a busy machine cannot blur: buffers and WAL.

    uv run bench/insert_cost.py --existing-database-url postgresql://postgres@127.0.0.1:5432/big [--batches 200]
    uv run bench/insert_cost.py      # a fresh, empty database: on DATABASE_URL's server, else an embedded one

Stages batches of --batch-size events (random uuid ids, times spread over the last 20 days like bench/load.py) the
way the event writer does and runs the writer's own INSERT statement under EXPLAIN (ANALYZE, BUFFERS, WAL), after a
CHECKPOINT. Prints per event of the events insert (the rollup upsert, the same for any layout, left out): shared
buffers hit, read (missed PostgreSQL's cache), dirtied, WAL bytes and full-page
images, and the statement's time. Timings move with the machine's load; the counts do not, which is what makes an
empty database and a 100-million-event one comparable on a shared machine. The inserted events are rolled back.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FEATURES = [f"feature_{i:02d}" for i in range(40)]
COUNTERS = ("Shared Hit Blocks", "Shared Read Blocks", "Shared Dirtied Blocks", "WAL Bytes", "WAL FPI")


def batches(n: int, size: int, rng: random.Random):
    from db.writer import Event

    now = datetime.now(UTC)
    span = 20 * 86400 * 10**6
    for _ in range(n):
        yield [
            Event(
                rng.choice(FEATURES),
                "api",
                None,
                now - timedelta(microseconds=rng.randrange(span)),
                uuid.UUID(int=rng.getrandbits(128), version=4),
            )
            for _ in range(size)
        ]


def measure(url: str, n: int, size: int, seed: int) -> dict:
    import psycopg

    from db.engine import libpq_url
    from db.events import STAGE_DDL, copy_events
    from db.writer import INSERT_SQL

    try:  # the partitioned layout makes a month's partition before its first event; the old one has none
        from db.partitions import PsycopgPartitions

        partitions = PsycopgPartitions()
    except ImportError:
        partitions = None
    totals = dict.fromkeys(COUNTERS, 0)
    seconds = 0.0
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute(STAGE_DDL)
        conn.execute("SET statement_timeout = 0")
        conn.commit()
        conn.autocommit = True
        conn.execute("CHECKPOINT")
        conn.autocommit = False
        size_before = conn.execute("SELECT pg_total_relation_size('events')").fetchone()[0]
        for events in batches(n, size, random.Random(seed)):
            if partitions is not None:
                partitions.ensure(conn, min(e.occurred_at for e in events), max(e.occurred_at for e in events))
            with conn.transaction(force_rollback=True), conn.cursor() as cur:
                copy_events(cur, [(1, events)])
                started = time.perf_counter()
                cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) {INSERT_SQL}", {"tz": "UTC"})
                seconds += time.perf_counter() - started
                plan = cur.fetchone()[0][0]["Plan"]
            for name in COUNTERS:
                totals[name] += _sum(plan, name)
    events_n = n * size
    return {
        "events": events_n,
        "per_event": {name: round(value / events_n, 2) for name, value in totals.items()},
        "ms_per_batch": round(seconds / n * 1000, 2),
        "events_table_bytes": size_before,
    }


def _sum(plan: dict, name: str) -> int:
    """A counter of the events insert: the writer's `inserted` (and `undated`) CTE, children included; the rollup
    upsert is left out (the same for any layout)."""
    return sum(
        int(node.get(name, 0))
        for node in plan.get("Plans", [])
        if node.get("Subplan Name") in ("CTE inserted", "CTE undated")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing-database-url", help="measure this database as it is (nothing is kept)")
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from config import normalize_database_url

    if args.existing_database_url:
        result = measure(normalize_database_url(args.existing_database_url), args.batches, args.batch_size, args.seed)
    else:
        from db.engine import make_engine
        from db.migrate import upgrade
        from db.scratch import scratch_database

        with scratch_database(f"cb_insert_cost_{os.getpid()}") as scratch:
            engine = make_engine(scratch.url)
            upgrade(engine)
            engine.dispose()
            result = measure(scratch.url, args.batches, args.batch_size, args.seed)
    result["date"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    result["load"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
