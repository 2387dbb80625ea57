"""Dashboard callback latency: server time to answer a filter change, per range length, at up to 10 million events.

    uv run bench/dashboard_speed.py [--sizes 10000000] [--dataset product] [--features 60] [--days 365]
                                    [--ranges 1,7,30,90,365,3650] [--requests 200] [--compare simulated]

For each size: bulk-seed a dedicated database, start the real app (create_app, served by werkzeug in a thread,
threaded), log in through the /login form with `requests`, then POST /_dash-update-component with exactly the payload
the browser sends for the data callback (the one request that updates the four cards, the chip, every panel and the
feature table, read from /_dash-dependencies). For each range length in --ranges, --requests timed requests (after
warm-up) with ranges of that length ending on random days of the data, and random age group, gender (`unknown`
included), source and selected feature. Server time is measured inside the app (first before_request to
after_request, reported in a response header); client time is the loopback round trip. Prints p50 / p95 / max per
range.

Data sets (--dataset):
- `product` (default): like a real product's events: --features features (one of them 100 characters long) with a
  long-tailed popularity, every age group and gender including `unknown`, both sources, over the last --days days;
  written with the demo seed's fast path (one binary COPY and the rollup from the copied id range, demo/store.py).
- `demo`: the demo seed itself (`seed_demo`: the dashboard's own meta-analytics names, 55 users).

Compare (--compare): `previous_period` (default) and `year_over_year` send that compare mode with the request, as
the dashboard's compare control does: the callback computes the comparison range's cards, feature table and trend
too. `simulated` sends compare off but makes the callback compute the whole view (every panel, breakdowns included)
for the previous period as well: more work than a real comparison. `off` computes the current range only. Every
request sends preset `custom` and granularity `auto`.

Database: DATABASE_URL's server (database --db-name, default `clickboard_bench_dash`, dropped and re-created), else
an embedded PostgreSQL in a temporary folder; either is deleted at the end (--keep keeps the server database;
--reuse skips the seeding when that kept database already holds the data set).
`--existing-database-url URL` measures a database as it is instead (say one seeded with 100 million events by
`seed.py`): nothing is seeded or dropped; a bench analyst is added to log in with.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

BENCH_DB = "clickboard_bench_dash"
TIMING_HEADER = "X-Bench-Server-Ms"
WARM_UP = 20
DEFAULT_RANGES = "1,7,30,90,365,3650"


# -- the product-like data set ---------------------------------------------------------------------------------


def product_features(count: int) -> list[str]:
    """`count` feature names like a real product's, the last one exactly 100 characters long."""
    areas = ("checkout", "search", "profile", "feed", "settings", "cart")
    actions = ("open", "submit", "cancel", "share", "filter", "scroll", "tap", "save", "load", "close")
    base = [f"{area}.{action}" for area in areas for action in actions]
    names = [base[i % len(base)] + (f".{i // len(base)}" if i >= len(base) else "") for i in range(max(0, count - 1))]
    long_name = ("onboarding.wizard.step_" + "x" * 100)[:100]
    return [*names, long_name] if count else []


def seed_product(engine, settings, *, events: int, days: int, features: int, seed: int, progress=None) -> None:
    """Add `events` product events over the last `days` days, events and rollup in one transaction (run after
    `seed_demo(..., events=0, reset=True)`, which leaves the demo login and empty tables)."""
    import numpy as np

    from demo import store
    from demo.encoder import Encoder, _template
    from demo.ids import event_id
    from demo.window import load_window
    from domain import AGE_GROUPS, GENDERS, SOURCES, UNKNOWN

    ages, genders = (*AGE_GROUPS, UNKNOWN), (*GENDERS, UNKNOWN)
    age_shares, gender_shares, source_shares = [0.10, 0.45, 0.30, 0.15], [0.42, 0.40, 0.03, 0.15], [0.9, 0.1]
    names = product_features(features)
    combos = [(f, a, g, s) for f in names for a in ages for g in genders for s in SOURCES]

    class ProductEncoder(Encoder):
        def __init__(self, id_hi: int):  # every (feature, age, gender, source) of this data set, in `combos` order
            self.templates = [_template(f, a, g, s, id_hi) for f, a, g, s in combos]

    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, len(names) + 1) ** 0.9  # a long tail; the long name lands somewhere in it
    popularity = rng.permutation(popularity / popularity.sum())
    id_hi = 0xFE << 56 | int(rng.integers(0, 2**40)) << 16 | 0x8 << 12 | 0x123
    first_lo = 0x8000_0000_0000_0000
    encoder = ProductEncoder(id_hi)
    with engine.connect() as conn, conn.begin():
        store.start(conn)
        window = load_window(conn, settings.timezone, days, None)
        weights = np.linspace(0.85, 1.15, len(window.days)) * (window.limit_us - window.start_us)
        weights = weights / weights.sum()

        def chunks() -> Iterator[tuple[bytes, int]]:
            written = 0
            while written < events:
                m = min(250_000, events - written)
                day = rng.choice(len(window.days), size=m, p=weights)
                at = window.start_us[day] + (rng.random(m) * (window.limit_us[day] - window.start_us[day])).astype(
                    np.int64
                )
                f = rng.choice(len(names), size=m, p=popularity)
                a = rng.choice(len(ages), size=m, p=age_shares)
                g = rng.choice(len(genders), size=m, p=gender_shares)
                s = rng.choice(len(SOURCES), size=m, p=source_shares)
                combo = ((f * len(ages) + a) * len(genders) + g) * len(SOURCES) + s
                yield encoder.rows(combo, rng.integers(1, 10_000, size=m), at, first_lo + written), m
                written += m

        store.make_partitions(conn, window)
        store.copy_events(conn, chunks(), progress=progress)
        last = first_lo + events - 1
        store.add_to_rollup(conn, settings.timezone, event_id(id_hi, first_lo), event_id(id_hi, last))


# -- measuring --------------------------------------------------------------------------------------------------


def add_server_timing(server) -> None:
    """Time every request from the first before_request to after_request (auth gate and Dash included)."""
    import flask

    def started():
        flask.g.bench_started = time.perf_counter()

    def finished(response):
        began = getattr(flask.g, "bench_started", None)
        if began is not None:
            response.headers[TIMING_HEADER] = f"{(time.perf_counter() - began) * 1000:.3f}"
        return response

    server.before_request_funcs.setdefault(None, []).insert(0, started)
    server.after_request(finished)


def simulate_compare() -> Callable[[], None]:
    """Make the data callback compute the view for the previous period too (the comparison's database work);
    returns the undo."""
    import callbacks.dashboard as dashboard

    real = dashboard.compute

    def with_previous(board, conn, filters, *args, **kwargs):
        previous_end = filters.start - timedelta(days=1)
        previous = replace(filters, start=previous_end - timedelta(days=filters.days - 1), end=previous_end)
        real(board, conn, previous, *args, **kwargs)
        return real(board, conn, filters, *args, **kwargs)

    dashboard.compute = with_previous

    def undo() -> None:
        dashboard.compute = real

    return undo


def serve_in_thread(flask_app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def data_callback(session, base: str) -> dict:
    from callbacks.dashboard import INPUTS
    from devtools.dash_requests import callbacks_with_inputs

    wanted = [f"{i.component_id}.{i.component_property}" for i in INPUTS]
    matches = callbacks_with_inputs(session.get(f"{base}/_dash-dependencies").json(), wanted)
    if not matches:
        raise SystemExit("the data callback is not registered")
    return matches[0]


def payload(dep: dict, values: dict, changed: str) -> dict:
    from devtools.dash_requests import update_request

    return update_request(dep, values, [changed])


def random_filters(
    rng: random.Random, days: int, first: date, last: date, features: list[str], compare: str
) -> tuple[dict, str]:
    """The data callback's input values ("component.property" -> value) for a random view of `days` days ending on
    a day of the data, and the changed input."""
    end = last - timedelta(days=rng.randrange(0, max(1, (last - first).days - days + 2)))
    start = end - timedelta(days=days - 1)
    age = rng.choice(["all", "all", "all", "<18", "18-40", ">40", "unknown"])
    gender = rng.choice(["all", "all", "all", "Male", "Female", "Other", "unknown"])
    source = rng.choice(["all", "all", "all", "api", "dashboard"])
    feature = rng.choice([None, None, None, *features])
    values = {
        "date-range.start_date": start.isoformat(),
        "date-range.end_date": end.isoformat(),
        "filter-age-group.value": age,
        "filter-gender.value": gender,
        "filter-source.value": source,
        "selected-feature.data": feature,
        "refresh-button.n_clicks": 0,
    }
    changed = rng.choice(list(values)[:-1])
    values |= {
        "date-preset.value": "custom",
        "compare-mode.value": compare if compare in ("previous_period", "year_over_year") else "off",
        "granularity.value": "auto",
    }
    return values, changed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def seed(engine, settings, args, events: int):
    """Seed the data set; return the demo login's (email, password)."""
    from tqdm import tqdm

    from demo.seeding import seed_demo

    product = args.dataset == "product"
    with tqdm(total=events, unit=" events", unit_scale=True, disable=events <= 1_000_000) as bar:
        report = seed_demo(
            engine,
            settings,
            events=0 if product else events,
            days=args.days,
            seed=args.seed,
            reset=True,
            progress=bar.update,
            password="bench-password",
        )
        if product:
            seed_product(
                engine, settings, events=events, days=args.days, features=args.features, seed=args.seed,
                progress=bar.update,
            )  # fmt: skip
    return report.demo_email, report.demo_password


def bench_login(engine) -> tuple[str, str]:
    """A new analyst in an existing database: (email, password)."""
    import secrets

    from db.users import NewUser, create_users

    email, password = f"bench-{os.getpid()}-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(16)
    with engine.begin() as conn:
        create_users(conn, [NewUser(email, "Bench", 30, "Other")], password)
    return email, password


def vacuum_rollup(engine) -> None:
    """VACUUM ANALYZE the rollup tables (what autovacuum does soon after a bulk load), ANALYZE the rest."""
    from sqlalchemy import text

    from db.rollup import TABLES

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET statement_timeout = 0"))  # a loaded machine analyzes 10 M rows slowly
        for table in TABLES:
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
        conn.execute(text("ANALYZE"))


def run_size(url: str, workdir: Path, events: int, args) -> dict:
    import requests
    from sqlalchemy import text

    from app import create_app
    from appstate import state
    from config import Settings
    from db.migrate import upgrade
    from layouts.placement import BOARD

    settings = Settings(database_url=url, secret_key="bench", data_dir=workdir)
    app = create_app(settings)
    appstate = state(app.server)
    engine = appstate.database.engine
    upgrade(engine)
    existing = bool(args.existing_database_url)
    # a big existing table is not counted row by row: the rollup counts every event
    count = "SELECT coalesce(sum(clicks), 0) FROM feature_daily" if existing else "SELECT count(*) FROM events"
    with engine.connect() as conn:
        stored = conn.execute(text(count)).scalar_one()
    began = time.perf_counter()
    if existing:
        email, password, seed_seconds = *bench_login(engine), 0.0
        vacuum_rollup(engine)
    elif args.reuse and stored == events:
        email, password, seed_seconds = "demo01@example.com", "bench-password", 0.0
        vacuum_rollup(engine)  # a migration may just have filled new rollup tables
    else:
        email, password = seed(engine, settings, args, events)
        seed_seconds = time.perf_counter() - began
        vacuum_rollup(engine)
    with engine.connect() as conn:
        stored = conn.execute(text(count)).scalar_one()
        rollup_rows = conn.execute(text("SELECT count(*) FROM feature_daily")).scalar_one()
        first, last = conn.execute(text("SELECT min(day), max(day) FROM feature_daily")).one()
        features = [r[0] for r in conn.execute(text("SELECT DISTINCT feature FROM feature_daily"))]
    add_server_timing(app.server)
    undo = simulate_compare() if args.compare == "simulated" else (lambda: None)
    server, base = serve_in_thread(app.server)
    by_range: dict[int, tuple[list[float], list[float]]] = {}
    try:
        from devtools.forms import csrf_token

        session = requests.Session()
        token = csrf_token(session.get(f"{base}/login").text)
        response = session.post(
            f"{base}/login", data={"csrf_token": token, "email": email, "password": password}, allow_redirects=False
        )
        if response.status_code != 302:
            raise SystemExit(f"login failed: {response.status_code} {response.text[:200]}")
        session.get(f"{base}/")  # the page sets the `_csrf_token` cookie that the renderer sends with each callback
        session.headers["X-CSRFToken"] = session.cookies["_csrf_token"]
        dep = data_callback(session, base)
        panel_ids = [panel.id for panel in BOARD.panels]
        rng = random.Random(args.seed)
        for days in args.ranges:
            server_ms, client_ms = [], []
            for i in range(args.requests + WARM_UP):
                values, changed = random_filters(rng, days, first, last, features, args.compare)
                t0 = time.perf_counter()
                response = session.post(f"{base}/_dash-update-component", json=payload(dep, values, changed))
                elapsed = (time.perf_counter() - t0) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"callback failed: {response.status_code} {response.text[:300]}")
                body = response.json()["response"]
                missing = [name for name in ("stat-total-clicks", *panel_ids) if name not in body]
                if missing:
                    raise SystemExit(f"the data callback did not answer for {missing}")
                if i >= WARM_UP:
                    server_ms.append(float(response.headers[TIMING_HEADER]))
                    client_ms.append(elapsed)
            by_range[days] = (server_ms, client_ms)
            s = server_ms
            print(
                f"   {days:5d} days: server p50 {statistics.median(s):6.2f} ms  p95 {percentile(s, 0.95):6.2f} ms  "
                f"max {max(s):6.2f} ms   round trip p95 {percentile(client_ms, 0.95):6.2f} ms",
                flush=True,
            )
    finally:
        undo()
        server.shutdown()
        appstate.writer.close()
        appstate.database.dispose()
    return {
        "events": stored,
        "rollup_rows": rollup_rows,
        "seed_seconds": seed_seconds,
        "by_range": by_range,
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores, {system}, Python {platform.python_version()}"


def load() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000000", help="comma-separated event counts")
    parser.add_argument("--dataset", choices=["product", "demo"], default="product")
    parser.add_argument("--features", type=int, default=60, help="features of the product data set")
    parser.add_argument("--days", type=int, default=365, help="days of data")
    parser.add_argument("--ranges", default=DEFAULT_RANGES, help="comma-separated range lengths in days")
    parser.add_argument("--requests", type=int, default=200, help=f"timed requests per range (after {WARM_UP} warm-up)")
    parser.add_argument(
        "--compare", choices=["previous_period", "year_over_year", "simulated", "off"], default="previous_period"
    )
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--db-name", default=BENCH_DB, help="the database's name on DATABASE_URL's server")
    parser.add_argument("--keep", action="store_true", help="keep the database on DATABASE_URL's server")
    parser.add_argument("--reuse", action="store_true", help="with --keep: use the kept data set when it is there")
    parser.add_argument("--existing-database-url", default=None, help="measure this database as it is (kept)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.ranges = [int(r) for r in args.ranges.split(",") if r.strip()]

    print(f"machine: {machine()}")
    print(f"load before: {load()}")
    print(f"data set: {args.dataset}, {args.days} days" + (f", {args.features} features" * (args.dataset == "product")))
    print(f"compare: {args.compare}")
    results = []
    if args.existing_database_url:
        from config import normalize_database_url

        with tempfile.TemporaryDirectory(prefix="clickboard-bench-dash-") as tmp:
            result = run_size(normalize_database_url(args.existing_database_url), Path(tmp), 0, args)
        return summarize([result])
    from db.scratch import scratch_database

    with (
        tempfile.TemporaryDirectory(prefix="clickboard-bench-dash-") as tmp,
        scratch_database(args.db_name, keep=args.keep, reuse=args.reuse) as scratch,
    ):
        workdir = Path(tmp)
        for size in sizes:
            print(f"\n== {size:,} events ...", flush=True)
            result = run_size(scratch.url, workdir, size, args)
            results.append(result)
            print(
                f"   stored {result['events']:,} events, {result['rollup_rows']:,} rollup rows "
                f"(seeded in {result['seed_seconds']:.1f} s)"
            )
            print(f"   load: {load()}", flush=True)
    return summarize(results)


def summarize(results: list[dict]) -> int:
    print(f"load after: {load()}")
    print("\n| events | rollup rows | range (days) | server p50 | server p95 | server max | round trip p95 |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for days, (s, c) in r["by_range"].items():
            print(
                f"| {r['events']:,} | {r['rollup_rows']:,} | {days:,} | {statistics.median(s):.1f} ms"
                f" | {percentile(s, 0.95):.1f} ms | {max(s):.1f} ms | {percentile(c, 0.95):.1f} ms |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
