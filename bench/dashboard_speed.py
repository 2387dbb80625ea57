"""Dashboard callback latency: server time to answer a filter change, at 10 thousand to 10 million events.

    uv run bench/dashboard_speed.py [--sizes 10000,1000000,10000000] [--requests 500] [--days 365]

For each size: bulk-seed a dedicated database with the demo seed (`seed_demo`, binary COPY), start the real app
(create_app, served by werkzeug in a thread, threaded), log in through the /login form with `requests`, then POST
/_dash-update-component with exactly the payload the browser sends for the data callback (the one request that
updates the four cards, the chip and every panel of the page, read from /_dash-dependencies), varying the filters:
ranges of 1 to 365 days ending on random days, every age group, gender and selected feature. Server time is
measured inside the app (first before_request to after_request, reported in a response header); client time is the
loopback round trip. Prints p50 / p95 / max.

Database: DATABASE_URL's server (database `clickboard_bench_dash`, dropped and re-created), else an embedded
PostgreSQL in a temporary folder; either is deleted at the end (--keep keeps the server database).
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
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

BENCH_DB = "clickboard_bench_dash"
TIMING_HEADER = "X-Bench-Server-Ms"


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


def random_filters(rng: random.Random, first: date, last: date, features: list[str]) -> tuple[dict, str]:
    """The data callback's input values ("component.property" -> value) for a random view, and the changed input."""
    days = rng.choice([1, 7, 14, 30, 30, 30, 90, 180, 365])
    end = last - timedelta(days=rng.randrange(0, max(1, (last - first).days - days + 2)))
    start = max(first, end - timedelta(days=days - 1))
    age = rng.choice(["all", "all", "<18", "18-40", ">40"])
    gender = rng.choice(["all", "all", "Male", "Female", "Other"])
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
    return values, rng.choice([name for name in values if name != "refresh-button.n_clicks"])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def bench_login(engine) -> tuple[str, str]:
    """A new analyst in an existing database: (email, password)."""
    import secrets

    from db.users import NewUser, create_users

    email, password = f"bench-{os.getpid()}-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(16)
    with engine.begin() as conn:
        create_users(conn, [NewUser(email, "Bench", 30, "Other")], password)
    return email, password


def run_size(
    url: str, workdir: Path, events: int, days: int, requests_n: int, seed: int, existing: bool = False
) -> dict:
    import requests
    from sqlalchemy import text
    from tqdm import tqdm

    from app import create_app
    from appstate import state
    from config import Settings
    from db.migrate import upgrade
    from demo.seeding import seed_demo
    from layouts.ids import FEATURE_NAMES
    from layouts.placement import BOARD

    settings = Settings(database_url=url, secret_key="bench", data_dir=workdir)
    app = create_app(settings)
    appstate = state(app.server)
    engine = appstate.database.engine
    upgrade(engine)
    began = time.perf_counter()
    if existing:
        email, password = bench_login(engine)
    else:
        with tqdm(total=events, unit=" events", unit_scale=True, disable=events <= 1_000_000) as bar:
            report = seed_demo(engine, settings, events=events, days=days, seed=seed, reset=True, progress=bar.update)
        email, password = report.demo_email, report.demo_password
    seed_seconds = time.perf_counter() - began
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))  # a loaded machine analyzes 10 M rows slowly
        conn.execute(text("ANALYZE feature_daily" if existing else "ANALYZE"))
    with engine.connect() as conn:
        # a big existing table is not counted row by row: the rollup counts every event
        count = "SELECT coalesce(sum(clicks), 0) FROM feature_daily" if existing else "SELECT count(*) FROM events"
        stored = conn.execute(text(count)).scalar_one()
        rollup_rows = conn.execute(text("SELECT count(*) FROM feature_daily")).scalar_one()
        first, last = conn.execute(text("SELECT min(day), max(day) FROM feature_daily")).one()
        features = [r[0] for r in conn.execute(text("SELECT DISTINCT feature FROM feature_daily"))]
    add_server_timing(app.server)
    server, base = serve_in_thread(app.server)
    try:
        from devtools.forms import csrf_token

        session = requests.Session()
        token = csrf_token(session.get(f"{base}/login").text)
        response = session.post(
            f"{base}/login",
            data={"csrf_token": token, "email": email, "password": password},
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise SystemExit(f"login failed: {response.status_code} {response.text[:200]}")
        session.get(f"{base}/")  # the page sets the `_csrf_token` cookie that the renderer sends with each callback
        session.headers["X-CSRFToken"] = session.cookies["_csrf_token"]
        dep = data_callback(session, base)
        panel_ids = [panel.id for panel in BOARD.panels]
        rng = random.Random(seed)
        server_ms, client_ms = [], []
        for i in range(requests_n + 30):
            values, changed = random_filters(rng, first, last, features or FEATURE_NAMES)
            t0 = time.perf_counter()
            response = session.post(f"{base}/_dash-update-component", json=payload(dep, values, changed))
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != 200:
                raise SystemExit(f"callback failed: {response.status_code} {response.text[:300]}")
            body = response.json()["response"]
            missing = [name for name in ("stat-total-clicks", *panel_ids) if name not in body]
            if missing:
                raise SystemExit(f"the data callback did not answer for {missing}")
            if i >= 30:  # warm-up excluded
                server_ms.append(float(response.headers[TIMING_HEADER]))
                client_ms.append(elapsed)
    finally:
        server.shutdown()
        appstate.writer.close()
        appstate.database.dispose()
    return {
        "events": stored,
        "rollup_rows": rollup_rows,
        "seed_seconds": seed_seconds,
        "server": server_ms,
        "client": client_ms,
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
    parser.add_argument("--sizes", default="10000,1000000,10000000", help="comma-separated event counts")
    parser.add_argument("--requests", type=int, default=500, help="timed requests per size (after 30 warm-up)")
    parser.add_argument("--days", type=int, default=365, help="days of demo data")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database on DATABASE_URL's server")
    parser.add_argument("--existing-database-url", default=None, help="measure this database as it is (kept)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.existing_database_url:
        from config import normalize_database_url

        url = normalize_database_url(args.existing_database_url)
        print(f"machine: {machine()}")
        print(f"load before: {load()}")
        with tempfile.TemporaryDirectory(prefix="clickboard-bench-dash-") as tmp:
            result = run_size(url, Path(tmp), 0, args.days, args.requests, args.seed, existing=True)
        return summarize([result])

    print(f"machine: {machine()}")
    print(f"load before: {load()}")
    results = []
    from db.scratch import scratch_database

    with (
        tempfile.TemporaryDirectory(prefix="clickboard-bench-dash-") as tmp,
        scratch_database(BENCH_DB, keep=args.keep) as scratch,
    ):
        workdir = Path(tmp)
        url = scratch.url
        for size in sizes:
            print(f"\n== {size:,} events: seeding ...", flush=True)
            result = run_size(url, workdir, size, args.days, args.requests, args.seed)
            results.append(result)
            s, c = result["server"], result["client"]
            print(
                f"   stored {result['events']:,} events, {result['rollup_rows']:,} rollup rows "
                f"(seeded in {result['seed_seconds']:.1f} s)"
            )
            print(
                f"   server time  p50 {statistics.median(s):6.2f} ms   p95 {percentile(s, 0.95):6.2f} ms   "
                f"max {max(s):6.2f} ms   ({len(s)} requests)"
            )
            print(
                f"   round trip   p50 {statistics.median(c):6.2f} ms   p95 {percentile(c, 0.95):6.2f} ms   "
                f"max {max(c):6.2f} ms"
            )
            print(f"   load: {load()}", flush=True)
    return summarize(results)


def summarize(results: list[dict]) -> int:
    for r in results:
        s = r["server"]
        print(f"\n{r['events']:,} events: server p50 {statistics.median(s):.2f} ms, p95 {percentile(s, 0.95):.2f} ms")
    print(f"load after: {load()}")
    print("\n| events | rollup rows | server p50 | server p95 | round trip p50 | round trip p95 |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        s, c = r["server"], r["client"]
        print(
            f"| {r['events']:,} | {r['rollup_rows']:,} | {statistics.median(s):.1f} ms | {percentile(s, 0.95):.1f} ms"
            f" | {statistics.median(c):.1f} ms | {percentile(c, 0.95):.1f} ms |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
