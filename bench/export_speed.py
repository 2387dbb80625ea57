"""CSV export speed: server time of GET /api/v1/export for ten years of daily data at up to 10 million events.

    uv run bench/export_speed.py [--events 10000000] [--days 3650] [--repeat 20]

Bulk-seeds a dedicated database with the demo seed (`seed_demo`, binary COPY) over `--days` days, starts the real app
(create_app, werkzeug in a thread), logs in through /login with `requests`, then asks GET /api/v1/export for the
whole seeded range (custom start and end, granularity `day`: one series row per day) in four forms: each table,
without and with `compare=previous_period`, plus one with a gender filter. Server time is measured inside the app
(first before_request to after_request); prints p50 and max per form. Exactness check (exit 1 on a mismatch): the
features file's clicks add up to the events counted in the raw `events` table for the range, and the series file
has one row per day whose clicks add up to the same.

Database: DATABASE_URL's server (database `clickboard_bench_export`, dropped and re-created), else an embedded
PostgreSQL in a temporary folder; either is deleted at the end (--keep keeps the server database).
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.dashboard_speed import TIMING_HEADER, add_server_timing, load, machine, serve_in_thread  # noqa: E402

BENCH_DB = "clickboard_bench_export"


def rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def run(url: str, workdir: Path, events: int, days: int, repeat: int, seed: int) -> int:
    import requests
    from sqlalchemy import text
    from tqdm import tqdm

    from app import create_app
    from appstate import state
    from config import Settings
    from db.migrate import upgrade
    from demo.seeding import seed_demo
    from devtools.forms import csrf_token

    settings = Settings(database_url=url, secret_key="bench", data_dir=workdir)
    app = create_app(settings)
    appstate = state(app.server)
    engine = appstate.database.engine
    upgrade(engine)
    began = time.perf_counter()
    with tqdm(total=events, unit=" events", unit_scale=True, disable=events <= 1_000_000) as bar:
        report = seed_demo(engine, settings, events=events, days=days, seed=seed, reset=True, progress=bar.update)
    print(f"seeded {events:,} events over {days} days in {time.perf_counter() - began:.1f} s", flush=True)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    with engine.connect() as conn:
        first, last = conn.execute(text("SELECT min(day), max(day) FROM feature_daily")).one()
        rollup_rows = conn.execute(text("SELECT count(*) FROM feature_daily")).scalar_one()
        raw = conn.execute(
            text("SELECT count(*) FROM events WHERE (occurred_at AT TIME ZONE :tz)::date BETWEEN :first AND :last"),
            {"tz": settings.timezone, "first": first, "last": last},
        ).scalar_one()
    print(f"range {first} .. {last} ({(last - first).days + 1} days), {rollup_rows:,} rollup rows")
    add_server_timing(app.server)
    server, base = serve_in_thread(app.server)
    failures = 0
    try:
        session = requests.Session()
        token = csrf_token(session.get(f"{base}/login").text)
        session.post(
            f"{base}/login",
            data={"csrf_token": token, "email": report.demo_email, "password": report.demo_password},
            allow_redirects=False,
        )
        view = {"start": first.isoformat(), "end": last.isoformat(), "granularity": "day"}
        forms = {
            "features": {**view, "table": "features"},
            "series": {**view, "table": "series"},
            "features, compare": {**view, "table": "features", "compare": "previous_period"},
            "series, compare": {**view, "table": "series", "compare": "previous_period"},
            "features, gender Female": {**view, "table": "features", "gender": "Female"},
        }
        print(f"\n| export ({(last - first).days + 1} days, day rows) | rows | bytes | server p50 | server max |")
        print("|---|---:|---:|---:|---:|")
        for name, params in forms.items():
            times, body = [], b""
            for _ in range(repeat + 2):
                response = session.get(f"{base}/api/v1/export", params=params)
                if response.status_code != 200:
                    raise SystemExit(f"export failed: {response.status_code} {response.text[:300]}")
                times.append(float(response.headers[TIMING_HEADER]))
                body = response.content
            times = times[2:]  # warm-up excluded
            table = rows(body)
            if name == "features":
                total = sum(int(r[1]) for r in table[1:])
                if total != raw:
                    print(f"MISMATCH: features add up to {total:,}, the raw events to {raw:,}", file=sys.stderr)
                    failures += 1
            if name == "series":
                total = sum(int(r[2]) for r in table[1:])
                if total != raw or len(table) - 1 != (last - first).days + 1:
                    print(f"MISMATCH: series {len(table) - 1} rows adding up to {total:,}", file=sys.stderr)
                    failures += 1
            print(
                f"| {name} | {len(table) - 1:,} | {len(body):,} | {statistics.median(times):.1f} ms "
                f"| {max(times):.1f} ms |",
                flush=True,
            )
    finally:
        server.shutdown()
        appstate.writer.close()
        appstate.database.dispose()
    print(f"\nexactness: {'ok' if not failures else f'{failures} mismatches'} ({raw:,} events in the range)")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=3650, help="days of demo data (ten years: 3650)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per form (after 2 warm-up)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database on DATABASE_URL's server")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"load before: {load()}")
    from db.scratch import scratch_database

    with (
        tempfile.TemporaryDirectory(prefix="clickboard-bench-export-") as tmp,
        scratch_database(BENCH_DB, keep=args.keep) as scratch,
    ):
        code = run(scratch.url, Path(tmp), args.events, args.days, args.repeat, args.seed)
    print(f"load after: {load()}")
    return code


if __name__ == "__main__":
    sys.exit(main())
