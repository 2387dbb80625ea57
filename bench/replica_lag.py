"""Read-replica lag under ingestion: how long an acknowledged event takes to be counted on a streaming replica.

    uv run bench/replica_lag.py [--seconds 30] [--rate 20000] [--batch 500] [--probes-per-second 5]

Starts an embedded primary and a hot standby made from it with `pg_basebackup -R` (devtools/replica_pair.py, the
same pair the tests use), then for `--seconds`:

- load: batches of `--batch` events through the app's event writer (db/writer.py, the path the API takes) at
  `--rate` events/s in total (0: as fast as the primary takes them);
- probes: `--probes-per-second` times a second, one marker event through the same writer; once acknowledged
  (committed on the primary), the standby is polled every millisecond until the marker is there. That delay is
  what a dashboard reading the replica lags behind the API's 202;
- the lag the app itself shows: `replica_freshness` (db/replica.py) on the standby, 10 times a second, as the
  dashboard and the stats API ask it before reading figures.

Prints the events/s the primary acknowledged, the visibility delay and the reported lag (p50 / p95 / max), and the
primary's own view (`pg_stat_replication.replay_lag`) at the end. Both servers share this machine's cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    median, worst = statistics.median(ordered), ordered[-1]
    return f"p50 {median:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms ({len(values)} samples)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to load and measure (default 30)")
    parser.add_argument("--rate", type=int, default=20_000, help="events/s of background load; 0: as fast as possible")
    parser.add_argument("--batch", type=int, default=500, help="events per batch of background load (default 500)")
    parser.add_argument("--probes-per-second", type=float, default=5.0, help="marker events per second (default 5)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.rate < 0 or not 1 <= args.batch <= 20_000 or args.probes_per_second <= 0:
        parser.error("--seconds and --probes-per-second must be positive, --rate ≥ 0, --batch 1–20000")

    import psycopg
    from sqlalchemy import text

    from db.engine import libpq_url, make_engine
    from db.replica import replica_freshness
    from db.writer import Event, EventWriter
    from devtools.replica_pair import replica_pair

    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    with tempfile.TemporaryDirectory(prefix="cb-replica-bench-") as folder, replica_pair(Path(folder)) as pair:
        writer = EventWriter(pair.primary_url, "UTC")
        standby = make_engine(pair.standby_url)
        stop = threading.Event()
        loaded = [0]
        visible_ms: list[float] = []
        reported_ms: list[float] = []
        errors: list[str] = []

        def load() -> None:
            started = time.perf_counter()
            try:
                while not stop.is_set():
                    writer.submit([Event(f"bench.f{n % 20}", "api") for n in range(args.batch)])
                    loaded[0] += args.batch
                    if args.rate:
                        ahead = loaded[0] / args.rate - (time.perf_counter() - started)
                        if ahead > 0:
                            time.sleep(ahead)
            except Exception as exc:  # reported at the end
                errors.append(f"load: {exc!r}")

        def probe() -> None:
            try:
                with psycopg.connect(libpq_url(pair.standby_url), autocommit=True) as conn:
                    while not stop.is_set():
                        marker = Event("bench.marker", "api", event_id=uuid.uuid4())
                        writer.submit([marker])
                        acknowledged = time.perf_counter()
                        query = "SELECT 1 FROM events WHERE event_id = %s"
                        while conn.execute(query, (marker.event_id,)).fetchone() is None:
                            time.sleep(0.001)
                        visible_ms.append((time.perf_counter() - acknowledged) * 1000)
                        time.sleep(1 / args.probes_per_second)
            except Exception as exc:
                errors.append(f"probe: {exc!r}")

        def report() -> None:
            try:
                with standby.connect() as conn:
                    while not stop.is_set():
                        lag = replica_freshness(conn, 30).lag_seconds
                        if lag is not None:
                            reported_ms.append(lag * 1000)
                        time.sleep(0.1)
            except Exception as exc:
                errors.append(f"report: {exc!r}")

        threads = [threading.Thread(target=work) for work in (load, probe, report)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(60)
        elapsed = time.perf_counter() - began
        primary = make_engine(pair.primary_url)
        with primary.connect() as conn:
            replay_lag = conn.execute(text("SELECT replay_lag FROM pg_stat_replication")).scalar()
        primary.dispose()
        standby.dispose()
        writer.close()

    target = f"{args.rate:,} events/s" if args.rate else "as fast as possible"
    print(f"load: {args.batch}-event batches, target {target}: {loaded[0] / elapsed:,.0f} events/s acknowledged")
    print(f"an acknowledged event counted on the replica after: {percentiles(visible_ms)}")
    print(f"lag the dashboard reports (replica_freshness): {percentiles(reported_ms)}")
    print(f"primary's pg_stat_replication.replay_lag at the end: {replay_lag}")
    if errors:
        print("errors: " + "; ".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
