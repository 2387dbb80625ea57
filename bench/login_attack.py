"""A password-guessing flood against `gunicorn app:server`: does it slow down everyone else?

    uv run bench/login_attack.py [--attackers 16] [--seconds 20] [--accounts 400]

Starts the production server (the repository's gunicorn.conf.py: 2 gevent workers) on a fresh database with
TRUSTED_PROXIES=1, then measures GET /healthz and a one-event POST /api/v1/events, one request at a time: first on
an idle server, then while `--attackers` threads post wrong passwords as fast as they can. Each guess names another
account and comes from another X-Forwarded-For address, so throttling never answers for the hash: every guess costs
a full argon2id verification (the worst case for the server; a real attacker is blocked far sooner). Prints p50/p95
of both probes idle and under attack, the guesses per second and their statuses. The load average is printed too:
other work on the machine shows in every figure.

Database: DATABASE_URL's server (database `clickboard_bench_attack`, dropped and re-created, dropped at the end),
else an embedded PostgreSQL in a temporary folder.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workdir: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-attack", PORT=str(port), DATA_DIR=str(workdir))
    env.update(TRUSTED_PROXIES="1", GUNICORN_LOG_LEVEL="warning", PASSWORD_HASH_COST="standard")
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 (lives as long as the server)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:server"], cwd=PROJECT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.time() > deadline:
            raise SystemExit(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")
        time.sleep(0.2)
    time.sleep(1.0)  # every worker up
    return server


def probe(base: str, key: str, seconds: float) -> dict[str, list[float]]:
    """Alternate GET /healthz and a one-event ingest for `seconds`; milliseconds of each."""
    import requests

    session = requests.Session()
    times: dict[str, list[float]] = {"healthz": [], "ingest": []}
    headers = {"Authorization": f"Bearer {key}"}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        began = time.perf_counter()
        assert session.get(f"{base}/healthz").status_code == 200
        times["healthz"].append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        response = session.post(f"{base}/api/v1/events", json={"events": [{"feature": "bench_probe"}]}, headers=headers)
        assert response.status_code == 202, response.text
        times["ingest"].append((time.perf_counter() - began) * 1000)
        time.sleep(0.02)
    return times


def attack(base: str, accounts: int, stop: threading.Event, statuses: collections.Counter, offset: int) -> None:
    import requests

    from devtools.forms import csrf_token

    session = requests.Session()
    token = csrf_token(session.get(f"{base}/login").text)
    n = offset
    while not stop.is_set():
        n += 1
        headers = {"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}
        form = {"csrf_token": token, "email": f"user{n % accounts}@example.com", "password": f"guess {n}"}
        statuses[session.post(f"{base}/login", data=form, headers=headers, allow_redirects=False).status_code] += 1


def summary(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)
    return f"p50 {statistics.median(values):6.1f} ms  p95 {p95:7.1f} ms  ({len(values)} requests)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attackers", type=int, default=16, help="threads guessing passwords (default 16)")
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase (default 20)")
    parser.add_argument("--accounts", type=int, default=400, help="accounts the guesses spread over (default 400)")
    args = parser.parse_args(argv)

    import passwords
    from db.api_keys import create_key
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.scratch import scratch_database
    from db.users import create_user

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with scratch_database("clickboard_bench_attack") as scratch, tempfile.TemporaryDirectory() as workdir:
        print(f"database: {scratch.description}")
        engine = make_engine(scratch.url)
        upgrade(engine)
        stored = passwords.hash_password("the right password, never guessed")
        print(f"hash: {stored.split('$')[1]} {stored.split('$')[3]}")
        with engine.begin() as conn:
            for i in range(args.accounts):
                create_user(conn, f"user{i}@example.com", None, f"User {i}", 30, "Other", password_hash=stored)
            key = create_key(conn, "bench-attack")
        engine.dispose()
        port = free_port()
        server = start_gunicorn(scratch.url, port, Path(workdir))
        base = f"http://127.0.0.1:{port}"
        try:
            load = os.getloadavg()[0]
            idle = probe(base, key, args.seconds)
            print(f"idle server (load {load:.2f} -> {os.getloadavg()[0]:.2f}):")
            for name, values in idle.items():
                print(f"  {name:8s} {summary(values)}")
            stop, statuses = threading.Event(), collections.Counter()
            threads = [
                threading.Thread(target=attack, args=(base, args.accounts, stop, statuses, i * 100_003), daemon=True)
                for i in range(args.attackers)
            ]
            load = os.getloadavg()[0]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            time.sleep(1.0)  # the flood is under way
            busy = probe(base, key, args.seconds)
            stop.set()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - began
            guesses = sum(statuses.values())
            print(
                f"under attack by {args.attackers} threads (load {load:.2f} -> {os.getloadavg()[0]:.2f}): "
                f"{guesses} guesses, {guesses / elapsed:.0f}/s, statuses {dict(sorted(statuses.items()))}"
            )
            for name, values in busy.items():
                print(f"  {name:8s} {summary(values)}")
        finally:
            server.terminate()
            server.wait(30)
        log = (Path(workdir) / "gunicorn.log").read_text()
        errors = [line for line in log.splitlines() if re.search(r"Traceback|ERROR", line)]
        if errors:
            print(f"gunicorn logged {len(errors)} error lines, e.g. {errors[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
