"""Login timing: does a failed login take as long for an unknown email as for a wrong password?

    uv run bench/login_timing.py [--tries 50] [--rounds 3]

An attacker who can tell the two apart learns which emails have accounts. Both paths should do the same work: one
throttle reservation, one lookup, one argon2id verification (against a dummy hash when there is no account) and the
same 401 page. This script times both through the real app (create_app at the production hash cost, the Flask test
client: server work only, no network): `--tries` failed logins of each kind, alternating, each from its own client
address (one trusted proxy, X-Forwarded-For) and for its own account, so that throttling never steps in. Prints the
median and p90 of each and the ratio of the medians (slower / faster; target: within 1.2), per round.

Database: DATABASE_URL's server (database `clickboard_bench_login`, dropped and re-created, dropped at the end), else
an embedded PostgreSQL in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=50, help="failed logins of each kind per round (default 50)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args(argv)

    from app import create_app
    from appstate import state
    from config import Settings
    from db.migrate import upgrade
    from db.scratch import scratch_database
    from db.users import create_user
    from devtools.forms import csrf_token

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with scratch_database("clickboard_bench_login") as scratch:
        print(f"database: {scratch.description}")
        settings = Settings(
            database_url=scratch.url,
            secret_key="bench-login-timing",
            trusted_proxies=1,
            password_hash_cost="standard",
        )
        app = create_app(settings)
        engine = state(app.server).database.engine
        upgrade(engine)
        import passwords

        accounts = args.tries * args.rounds + 10
        stored = passwords.hash_password("the right password for every account")
        print(f"hash: {stored.split('$')[1]} {stored.split('$')[3]}")
        with engine.begin() as conn:
            for i in range(accounts):
                create_user(conn, f"user{i}@example.com", None, f"User {i}", 30, "Other", password_hash=stored)
        client = app.server.test_client()
        counter = iter(range(10**6))

        def attempt(email: str) -> float:
            n = next(counter)
            headers = {"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}
            token = csrf_token(client.get("/login", headers=headers).get_data(as_text=True))
            form = {"csrf_token": token, "email": email, "password": "a wrong password"}
            began = time.perf_counter()
            response = client.post("/login", data=form, headers=headers)
            elapsed = (time.perf_counter() - began) * 1000
            if response.status_code != 401:
                raise SystemExit(f"expected 401, got {response.status_code}")
            return elapsed

        for i in range(5):  # warm-up: first requests, pools, the dummy hash
            attempt(f"warm{i}@example.com")
            attempt(f"user{accounts - 1 - i}@example.com")
        ratios = []
        for round_ in range(args.rounds):
            unknown, wrong = [], []
            load = os.getloadavg()[0]
            for i in range(args.tries):
                existing = f"user{round_ * args.tries + i}@example.com"
                absent = f"nobody{round_ * args.tries + i}@example.com"
                pair = [(wrong, existing), (unknown, absent)]
                for times, email in pair if i % 2 else reversed(pair):  # alternate which goes first
                    times.append(attempt(email))
            ratio = max(statistics.median(unknown), statistics.median(wrong)) / min(
                statistics.median(unknown), statistics.median(wrong)
            )
            ratios.append(ratio)
            print(
                f"round {round_ + 1}: unknown email median {statistics.median(unknown):.1f} ms "
                f"(p90 {_p90(unknown):.1f}), wrong password median {statistics.median(wrong):.1f} ms "
                f"(p90 {_p90(wrong):.1f}), ratio {ratio:.3f}, load {load:.2f} -> {os.getloadavg()[0]:.2f}"
            )
        met = "met" if max(ratios) <= 1.2 else "NOT met (a noisy machine, or too few tries: see --tries)"
        print(f"ratio of medians: worst {max(ratios):.3f}, best {min(ratios):.3f} (target <= 1.2: {met})")
        state(app.server).close()
    return 0  # a benchmark reports its figures; a test (tests/security/test_enumeration.py) decides


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


if __name__ == "__main__":
    sys.exit(main())
