"""CI check: every script in bench/ runs to the end with each of its modes, at a tiny size.

    uv run python -m devtools.bench_smoke [--only NAME] [--server postgresql+psycopg://postgres@127.0.0.1:5432/test]

The benchmarks are not part of the test suite (their figures come from real sizes, recorded in bench/RESULTS.md), but
a benchmark that no longer runs is a broken tool: this runs each one briefly and fails when one exits non-zero. A
script in bench/ without an entry in RUNS fails the check too, so a new benchmark cannot be forgotten here. With
--server, the scripts that can use a PostgreSQL server instead of their own embedded one run once more on it. A mode
that measures an existing database (`{scratch}` in its arguments) gets a small seeded one made for it. Two runs go
at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BENCH = PROJECT / "bench"

# script -> the argument lists to run it with (every mode and option that changes what it does, at a tiny size)
RUNS: dict[str, list[list[str]]] = {
    "bulk_seed.py": [["--events", "3000", "--users", "9", "--days", "3", "--seed", "7"]],
    "dashboard_speed.py": [
        ["--sizes", "2000", "--requests", "3", "--days", "40", "--ranges", "1,35,3650"],
        ["--sizes", "2000", "--requests", "3", "--days", "14", "--dataset", "demo", "--compare", "off"],
        ["--existing-database-url", "{scratch}", "--requests", "3", "--ranges", "7"],
    ],
    "export_speed.py": [["--events", "3000", "--days", "400", "--repeat", "2"]],
    "insert_cost.py": [
        ["--batches", "3", "--batch-size", "50"],
        ["--existing-database-url", "{scratch}", "--batches", "3"],
    ],
    "load.py": [
        ["--mode", "both", "--duration", "2", "--processes", "1"],
        ["--mode", "compat", "--duration", "2", "--processes", "1"],
        ["--mode", "batch", "--duration", "2", "--processes", "1", "--spread-days", "0"],
        ["--mode", "batch", "--duration", "6", "--processes", "1", "--fault", "pg-stop"],
        ["--mode", "single", "--duration", "6", "--processes", "1", "--fault", "kill-worker"],
        # a key rate the load exceeds: 429 + Retry-After answers are retried, and every event still counted once
        ["--mode", "batch", "--duration", "3", "--processes", "1", "--key-rate", "2000"],
        ["--mode", "batch", "--duration", "2", "--processes", "1", "--existing-database-url", "{scratch}"],
    ],
    "login_attack.py": [["--attackers", "2", "--seconds", "2", "--accounts", "5"]],
    "login_timing.py": [["--tries", "3", "--rounds", "1"]],
    "page_weight.py": [["--events", "200"]],
    "replica_lag.py": [["--seconds", "2", "--rate", "1000", "--batch", "100"], ["--seconds", "2", "--rate", "0"]],
    "random_ids.py": [["--seed-events", "3000"]],
}
# the same on a server: (script, arguments, environment), "{server}" replaced by --server's URL
SERVER_RUNS: list[tuple[str, list[str], dict[str, str]]] = [
    ("bulk_seed.py", ["--events", "3000", "--users", "9", "--days", "3", "--seed", "7"], {"DATABASE_URL": "{server}"}),
    (
        "dashboard_speed.py",
        ["--sizes", "2000", "--requests", "3", "--days", "14", "--features", "5", "--ranges", "7"],
        {"DATABASE_URL": "{server}"},
    ),
    ("export_speed.py", ["--events", "3000", "--days", "400", "--repeat", "2"], {"DATABASE_URL": "{server}"}),
    ("load.py", ["--mode", "batch", "--duration", "2", "--processes", "1", "--database-url", "{server}"], {}),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only this script (e.g. load.py)")
    parser.add_argument("--server", help="also run the server-capable scripts on this PostgreSQL server")
    args = parser.parse_args(argv)
    scripts = sorted(path.name for path in BENCH.glob("*.py"))
    missing = [name for name in scripts if name not in RUNS]
    if missing:
        print(f"error: no smoke run for {', '.join(missing)}: add it to RUNS in {__file__}", file=sys.stderr)
        return 1
    plan = [(name, run, {}) for name in scripts for run in RUNS[name]]
    if args.server:
        plan += [
            (
                name,
                [a.replace("{server}", args.server) for a in run],
                {k: v.format(server=args.server) for k, v in e.items()},
            )
            for name, run, e in SERVER_RUNS
        ]
    plan = [(name, run, extra) for name, run, extra in plan if not args.only or name == args.only]
    base = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}  # each makes its own
    # Two at a time (most of each run is starting its own PostgreSQL and gunicorn, not computing). The runs that
    # touch the server, and the ones measuring a seeded scratch database, go one after another in one lane: some
    # share database names there, and seeded_scratch sets DATABASE_URL for this process while it seeds.
    shared = [step for step in plan if uses_server(step, args.server) or "{scratch}" in step[1]]
    alone = [step for step in plan if step not in shared]
    alone.sort(key=lambda step: step[0] != "load.py")  # the longest (load.py's) first
    with ThreadPoolExecutor(max_workers=2) as pool:
        lanes = [pool.submit(run_lane, shared, base, args.server)]
        lanes += [pool.submit(run_lane, [step], base, args.server) for step in alone]
        failed = [name for lane in lanes for name in lane.result()]
    return 1 if failed else 0


def uses_server(step: tuple[str, list[str], dict[str, str]], server: str | None) -> bool:
    """Whether this run works on the server given by --server (else on an embedded PostgreSQL of its own)."""
    _, run, extra = step
    return "DATABASE_URL" in extra or bool(server and any(server in a for a in run))


def run_lane(steps: list[tuple[str, list[str], dict[str, str]]], base: dict[str, str], server: str | None) -> list[str]:
    """Run `steps` one after another; return the names of the scripts that failed."""
    failed = []
    for name, run, extra in steps:
        if "{scratch}" in run:  # a mode that measures an existing database: a small seeded one, made here
            with seeded_scratch(server) as url:
                failed += smoke(name, [a.replace("{scratch}", url) for a in run], base | extra, server)
        else:
            failed += smoke(name, run, base | extra, server)
    return failed


@contextlib.contextmanager
def seeded_scratch(server: str | None):
    """The URL of a migrated database holding a few thousand demo events, for the duration of the block."""
    from config import Settings
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.scratch import scratch_database
    from demo.seeding import seed_demo

    saved = os.environ.get("DATABASE_URL")
    if server:
        os.environ["DATABASE_URL"] = server
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        with tempfile.TemporaryDirectory() as tmp, scratch_database(f"cb_smoke_{os.getpid()}") as scratch:
            engine = make_engine(scratch.url)
            upgrade(engine)
            settings = Settings(database_url=scratch.url, secret_key="smoke", data_dir=Path(tmp))
            seed_demo(engine, settings, events=3000, users=9, days=14, seed=3, reset=True)
            engine.dispose()
            yield scratch.url
    finally:
        if saved is not None:
            os.environ["DATABASE_URL"] = saved


def smoke(name: str, run: list[str], env: dict[str, str], server: str | None) -> list[str]:
    """Run one script with `run`; return [name] when it failed."""
    command = [sys.executable, str(BENCH / name), *run]
    started = time.monotonic()
    result = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    took = time.monotonic() - started
    status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    where = " (server)" if uses_server((name, run, env), server) else ""
    print(f"bench/{name} {' '.join(run)}{where}: {status} in {took:.0f} s", flush=True)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
        return [name]
    return []


if __name__ == "__main__":
    sys.exit(main())
