"""Load generator for POST /api/v1/events against the production server (gunicorn), with exactness checks.

    uv run bench/load.py                         # batch mode, then single-event mode, on a fresh embedded PostgreSQL
    uv run bench/load.py --mode batch --duration 20
    uv run bench/load.py --mode segment          # the same batches through Segment's /v1/batch (posthog: /batch/)
    uv run bench/load.py --mode compat --rounds 3   # batch, people, segment, posthog in turn, 3 times; median ratios
    uv run bench/load.py --mode batch --fault pg-stop      # crash-stop PostgreSQL mid-run, restart it
    uv run bench/load.py --mode batch --fault kill-worker  # kill -9 a gunicorn worker mid-run
    uv run bench/load.py --database-url postgresql://u:p@127.0.0.1:5432/postgres   # fresh database on a server
    uv run bench/load.py --mode batch --existing-database-url postgresql://u:p@127.0.0.1:5432/big   # a full one

With --existing-database-url the load goes into that database as it is (say one bulk-seeded with 100 million
events by `seed.py`), which is kept; only the events of the run are checked (those received since it started).

What it does: provides a fresh database (an embedded PostgreSQL it owns in a temporary folder, or a new database on
--database-url that it drops afterwards), migrates it, creates an API key with `app.py create-api-key`, starts
`gunicorn app:server` (the repository's gunicorn.conf.py) on a free port, and runs --processes load processes, each
with --connections keep-alive HTTP/1.1 connections (a minimal asyncio client: aiohttp costs several times more CPU per
request, and the generator shares the two cores with the server and PostgreSQL).

Every event carries an id; a request answered 429, 503, or not at all (connection error) is retried with the same
body, so the same ids, until it gets its 202. Afterwards the database must hold exactly the acknowledged events (every
acknowledged id present, nothing else) and the rollup must agree: sum(feature_daily.clicks) == count(events).
The figures printed: acknowledged events/s, requests/s (202s), p50/p99 latency of acknowledged requests (one
attempt, send to answer), and the retries, by cause.

The modes `segment` and `posthog` send the same events (same batch size, features, times and connections) in the
body the real SDKs send (their `context`/`properties` included) to the Segment- and PostHog-compatible endpoints;
every event names a person (one of --users, identified with age and gender before the run), where the native
batches name an account in half of the events. Mode `people` sends native batches naming the same people (`user`):
the like-for-like baseline. `compat` runs batch, people, segment and posthog back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

FEATURES = [f"feature_{i:02d}" for i in range(40)] + ["export.csv", "share:link", "date-picker", "chart_bar"]
RETRY_STATUSES = (429, 503)
ATTEMPT_DEADLINE = 120.0  # a batch not acknowledged within this is reported as a failure


# -- the load processes ----------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection; `post` returns (status, body) or raises OSError/EOFError on a broken one."""

    def __init__(self, host: str, port: int, head: bytes):
        self.host, self.port, self.head = host, port, head
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lower = head.lower()
            at = lower.find(b"content-length:")
            length = int(lower[at + 15 : lower.find(b"\r\n", at)]) if at >= 0 else 0
            payload = await self.reader.readexactly(length) if length else b""
            if b"connection: close" in lower:
                self.close()
            return status, payload
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self.close()
            raise EOFError(str(exc)) from None
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _ids(prefix: str, start: int, count: int) -> list[str]:
    return [f"{prefix}{n:012x}" for n in range(start, start + count)]


def _time_pool(now: datetime, rng: random.Random, size: int = 4096, days: float = 20.0) -> list[str]:
    """Random occurred_at values over the last `days` days, or within the last minute for 0 (a pool: formatting
    dates costs the generator CPU)."""
    span = timedelta(days=days) if days > 0 else timedelta(minutes=1)
    micros = span // timedelta(microseconds=1)
    return [(now - span + timedelta(microseconds=rng.randrange(micros))).isoformat() for _ in range(size)]


def _body(ids: list[str], user_ids: list[int], times: list[str], rng: random.Random, mode: str = "batch") -> bytes:
    if mode in SDK_BODIES:
        return SDK_BODIES[mode](ids, len(user_ids), times, rng)
    parts = []
    pick = rng.getrandbits
    n_features, n_users = len(FEATURES), len(user_ids)
    for event_id in ids:
        bits = pick(32)
        occurred = times[bits & 4095]
        feature = FEATURES[(bits >> 12) % n_features]
        if n_users and bits >> 31:
            user = user_ids[(bits >> 18) % n_users]
            parts.append(
                f'{{"event_id":"{event_id}","feature":"{feature}","user_id":{user},"occurred_at":"{occurred}"}}'
            )
        else:
            parts.append(f'{{"event_id":"{event_id}","feature":"{feature}","occurred_at":"{occurred}"}}')
    return ('{"events":[' + ",".join(parts) + "]}").encode()


def person(n: int) -> str:
    return f"person-{n}"


def _segment_body(ids: list[str], n_people: int, times: list[str], rng: random.Random) -> bytes:
    """A batch as segment-analytics-python sends it."""
    parts = []
    pick = rng.getrandbits
    n_features = len(FEATURES)
    for event_id in ids:
        bits = pick(32)
        parts.append(
            f'{{"integrations":{{}},"properties":{{}},"timestamp":"{times[bits & 4095]}","context":{{"library":'
            f'{{"name":"analytics-python","version":"2.4.0"}}}},"userId":"{person((bits >> 18) % max(n_people, 1))}",'
            f'"type":"track","event":"{FEATURES[(bits >> 12) % n_features]}","messageId":"{event_id}"}}'
        )
    return ('{"batch":[' + ",".join(parts) + f'],"sentAt":"{times[0]}"}}').encode()


def _posthog_body(ids: list[str], n_people: int, times: list[str], rng: random.Random) -> bytes:
    """A batch as posthog-python sends it, but for its last field: the connection appends `"api_key": ...}`."""
    parts = []
    pick = rng.getrandbits
    n_features = len(FEATURES)
    for event_id in ids:
        bits = pick(32)
        who = person((bits >> 18) % max(n_people, 1))
        parts.append(
            f'{{"event":"{FEATURES[(bits >> 12) % n_features]}","distinct_id":"{who}",'
            f'"properties":{{"$lib":"posthog-python","$lib_version":"7.91.1","$geoip_disable":true,"$is_server":true}},'
            f'"timestamp":"{times[bits & 4095]}","uuid":"{event_id}"}}'
        )
    return ('{"batch":[' + ",".join(parts) + f'],"historical_migration":false,"sent_at":"{times[0]}",').encode()


def _people_body(ids: list[str], n_people: int, times: list[str], rng: random.Random) -> bytes:
    """A native batch whose events name the same people as the SDK modes (`user`), for a like-for-like baseline."""
    parts = []
    pick = rng.getrandbits
    n_features = len(FEATURES)
    for event_id in ids:
        bits = pick(32)
        who = person((bits >> 18) % max(n_people, 1))
        parts.append(
            f'{{"event_id":"{event_id}","feature":"{FEATURES[(bits >> 12) % n_features]}","user":"{who}",'
            f'"occurred_at":"{times[bits & 4095]}"}}'
        )
    return ('{"events":[' + ",".join(parts) + "]}").encode()


SDK_BODIES = {"people": _people_body, "segment": _segment_body, "posthog": _posthog_body}
PATHS = {"batch": "/api/v1/events", "single": "/api/v1/events", "people": "/api/v1/events"}
PATHS |= {"segment": "/v1/batch", "posthog": "/batch/"}
OK_STATUS = {"batch": 202, "single": 202, "people": 202, "segment": 200, "posthog": 200}


def _head(cfg: dict) -> bytes:
    """The request head up to Content-Length's value, per mode (the key in its place)."""
    mode = cfg["mode"]
    if mode == "segment":
        auth = "Basic " + base64.b64encode(f"{cfg['key']}:".encode()).decode()
    elif mode == "posthog":
        auth = None  # in the body
    else:
        auth = f"Bearer {cfg['key']}"
    auth_line = f"Authorization: {auth}\r\n" if auth else ""
    return (
        f"POST {PATHS[mode]} HTTP/1.1\r\nHost: {cfg['host']}:{cfg['port']}\r\n{auth_line}"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()


async def _run_connection(cfg: dict, worker: int, conn_no: int, result: dict, stop_at: float) -> None:
    rng = random.Random(f"{cfg['seed']}-{worker}-{conn_no}")
    # a random uuid prefix per connection; the last 12 hex digits count up: every id unique, batches are ranges
    bits = rng.getrandbits
    prefix = f"{bits(32):08x}-{bits(16):04x}-4{bits(12):03x}-8{bits(12):03x}-"
    mode, ok_status = cfg["mode"], OK_STATUS[cfg["mode"]]
    client = Client(cfg["host"], cfg["port"], _head(cfg))
    key_tail = f'"api_key":"{cfg["key"]}"}}'.encode()
    size, counter = cfg["batch"], 0
    times = _time_pool(datetime.now(UTC), rng, days=cfg["spread_days"])
    latencies, acked, retries = result["latencies"], result["acked"], result["retries"]
    loop_time = time.perf_counter
    while time.time() < stop_at:
        ids = _ids(prefix, counter, size)
        body = _body(ids, cfg["user_ids"], times, rng, mode)
        if mode == "posthog":
            body += key_tail
        first_try = time.time()
        while True:  # the same body, the same ids, until acknowledged
            started = loop_time()
            try:
                status, payload = await client.post(body)
            except (OSError, EOFError):
                retries["connection"] = retries.get("connection", 0) + 1
                await asyncio.sleep(0.05)
                status = None
            if status == ok_status:
                latencies.append(loop_time() - started)
                answer = json.loads(payload)
                result["accepted"] += answer.get("accepted", size)  # the SDK endpoints do not count
                result["duplicates"] += answer.get("duplicates", 0)
                acked.append((prefix, counter, size))
                break
            now_s = time.time()
            if result["first_refusal"] is None:
                result["first_refusal"] = now_s
            result["last_refusal"] = now_s
            if status is not None:
                if status not in RETRY_STATUSES:
                    result["failures"].append(f"HTTP {status}: {payload[:300]!r}")
                    client.close()
                    return
                retries[str(status)] = retries.get(str(status), 0) + 1
                await asyncio.sleep(0.05 if status == 429 else 0.2)
            if time.time() - first_try > ATTEMPT_DEADLINE:
                result["failures"].append(f"batch {prefix}{counter:012x} never acknowledged")
                client.close()
                return
        counter += size
    client.close()


def _load_process(cfg: dict, worker: int, stop_at: float, out) -> None:
    result = {"latencies": [], "acked": [], "retries": {}, "accepted": 0, "duplicates": 0, "failures": []}
    result.update(first_refusal=None, last_refusal=None)

    async def main():
        await asyncio.gather(*(_run_connection(cfg, worker, c, result, stop_at) for c in range(cfg["connections"])))

    try:
        asyncio.run(main())
    except BaseException as exc:  # reported by the parent
        result["failures"].append(repr(exc))
    result["cpu_s"] = time.process_time()
    out.put(result)


def run_load(cfg: dict, duration: float, fault=None, cpu_sample=None) -> dict:
    """Run the load processes for `duration` seconds (plus the time to finish batches in flight); merge results."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    cpu_before = cpu_sample() if cpu_sample else None
    start = time.time()
    stop_at = start + duration
    procs = [ctx.Process(target=_load_process, args=(cfg, w, stop_at, out)) for w in range(cfg["processes"])]
    for p in procs:
        p.start()
    fault_log = fault(start) if fault else None
    results = [out.get(timeout=duration + ATTEMPT_DEADLINE + 60) for _ in procs]
    elapsed = time.time() - start
    cpu_after = cpu_sample() if cpu_sample else None
    for p in procs:
        p.join(10)
    merged = {"latencies": [], "acked": [], "retries": {}, "accepted": 0, "duplicates": 0, "failures": []}
    for r in results:
        merged["latencies"] += r["latencies"]
        merged["acked"] += r["acked"]
        merged["accepted"] += r["accepted"]
        merged["duplicates"] += r["duplicates"]
        merged["failures"] += r["failures"]
        for k, v in r["retries"].items():
            merged["retries"][k] = merged["retries"].get(k, 0) + v
    merged["elapsed"] = elapsed
    refusals = [(r["first_refusal"], r["last_refusal"]) for r in results if r["first_refusal"] is not None]
    if refusals:
        merged["refused_from_s"] = round(min(a for a, _ in refusals) - start, 2)
        merged["refused_until_s"] = round(max(b for _, b in refusals) - start, 2)
    merged["load_cpu_s"] = sum(r["cpu_s"] for r in results)
    if cpu_before is not None:
        merged["cpu_s"] = {k: round(cpu_after.get(k, 0) - cpu_before.get(k, 0), 2) for k in cpu_after}
        merged["cpu_s"]["load generator"] = round(merged["load_cpu_s"], 1)
    merged["fault"] = fault_log
    return merged


# -- the server and the database -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Environment:
    """A fresh database, an API key and a running gunicorn; torn down by close()."""

    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="clickboard-load-"))
        self.pgdata: Path | None = None
        self.admin_url: str | None = None
        self.db_name: str | None = None
        self.gunicorn: subprocess.Popen | None = None
        self.port = free_port()

    def start(self) -> None:
        from sqlalchemy import text

        from config import normalize_database_url
        from db.engine import make_engine
        from db.migrate import upgrade
        from db.scratch import create_database

        if self.args.existing_database_url:
            self.url = normalize_database_url(self.args.existing_database_url)
        elif self.args.database_url:
            self.admin_url = normalize_database_url(self.args.database_url)
            self.db_name = f"cb_load_{os.getpid()}"
            self.url = create_database(self.admin_url, self.db_name)
        else:
            from db.embedded import restart_embedded, start_embedded, stop_embedded

            self.pgdata = self.tmp / "pgdata"
            self.url = start_embedded(self.pgdata, cleanup="delete")
            engine = make_engine(self.url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                # sized for a bulk-ingest box; durability untouched (fsync, synchronous_commit, full_page_writes on)
                for setting in self.args.pg_setting:
                    name, _, value = setting.partition("=")
                    conn.execute(text(f"ALTER SYSTEM SET {name} = '{value}'"))
            engine.dispose()
            stop_embedded(self.pgdata, "fast")
            restart_embedded(self.pgdata)
        engine = make_engine(self.url)
        upgrade(engine)
        with engine.begin() as conn:
            self.pg_version = conn.execute(text("SHOW server_version")).scalar_one()
            self.pg_settings = {
                name: conn.execute(text(f"SHOW {name}")).scalar_one()
                for name in ("shared_buffers", "max_wal_size", "synchronous_commit", "fsync", "wal_level")
            }
            user_ids = []
            for i in range(self.args.users):
                user_ids.append(
                    conn.execute(
                        text(
                            "INSERT INTO users (email, password_hash, display_name, age, gender) "
                            "VALUES (:e, 'x', :n, :a, :g) RETURNING id"
                        ),
                        {
                            "e": f"load{os.getpid()}-{i}@example.com",
                            "n": f"Load {i}",
                            "a": 10 + i % 60,
                            "g": ("Male", "Female", "Other")[i % 3],
                        },
                    ).scalar_one()
                )
            self.user_ids = user_ids
        engine.dispose()
        env = self.env()
        key_out = subprocess.run(
            [sys.executable, "app.py", "create-api-key", f"load-generator-{os.getpid()}"],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.key = key_out.stdout.strip().splitlines()[-1]
        self.start_gunicorn()
        self.identify_people()

    def identify_people(self) -> None:
        """Give the people the SDK modes name an age and a gender, through Segment's /v1/batch."""

        def traits(i: int) -> dict:
            return {"age": 10 + i % 60, "gender": ("male", "female", "other")[i % 3]}

        batch = [{"type": "identify", "userId": person(i), "traits": traits(i)} for i in range(self.args.users)]
        if not batch:
            return
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/v1/batch",
            data=json.dumps({"batch": batch, "writeKey": self.key}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.url,
            SECRET_KEY="load-test-secret",
            PORT=str(self.port),
            DATA_DIR=str(self.tmp / "data"),
            WEB_CONCURRENCY=str(self.args.workers),
            GUNICORN_THREADS=str(self.args.threads),
            GUNICORN_WORKER_CLASS=self.args.worker_class,
            GUNICORN_LOG_LEVEL="warning",
            API_KEY_EVENTS_PER_SECOND=str(self.args.key_rate),
            API_KEY_BURST_EVENTS=str(max(1000, int(self.args.key_rate * 10))),
        )
        return env

    def start_gunicorn(self) -> None:
        self.gunicorn_log = open(self.tmp / "gunicorn.log", "w")  # noqa: SIM115 (closed in stop())
        self.gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "app:server"],
            cwd=PROJECT,
            env=self.env(),
            stdout=self.gunicorn_log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.gunicorn.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {self.tmp / 'gunicorn.log'}")
            time.sleep(0.2)
        time.sleep(1.0)  # let every worker boot

    def cpu_sample(self) -> dict:
        """CPU seconds used so far by gunicorn (master and workers) and by PostgreSQL (all its processes)."""
        import psutil

        def tree(pid: int) -> float:
            try:
                root = psutil.Process(pid)
                total = 0.0
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        t = proc.cpu_times()
                        total += t.user + t.system
                    except psutil.Error:
                        pass
                return total
            except psutil.Error:
                return 0.0

        sample = {"gunicorn": tree(self.gunicorn.pid)}
        if self.pgdata is not None:
            try:
                pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
                sample["postgres"] = tree(pid)
            except (OSError, ValueError):
                pass
        sample["whole machine"] = sum(psutil.cpu_times()[:3])  # user + nice + system, all cores
        return sample

    def worker_pids(self) -> list[int]:
        import psutil

        return [c.pid for c in psutil.Process(self.gunicorn.pid).children()]

    def baseline(self) -> None:
        """Note what an existing database holds before the run (its rollup total and the server's clock)."""
        import psycopg

        from db.engine import libpq_url

        with psycopg.connect(libpq_url(self.url)) as conn:
            self.rollup_before = int(conn.execute("SELECT coalesce(sum(clicks), 0) FROM feature_daily").fetchone()[0])
            self.started_at = conn.execute("SELECT now()").fetchone()[0]

    def verify(self, result: dict) -> dict:
        """Compare the database with what was acknowledged."""
        if self.args.existing_database_url:
            return self.verify_existing(result)
        import psycopg

        from db.engine import libpq_url

        with psycopg.connect(libpq_url(self.url)) as conn:
            conn.execute("CREATE TEMP TABLE acked (event_id uuid PRIMARY KEY)")
            with conn.cursor().copy("COPY acked (event_id) FROM STDIN") as copy:
                for prefix, start, count in result["acked"]:
                    for event_id in _ids(prefix, start, count):
                        copy.write_row((event_id,))
            acked = conn.execute("SELECT count(*) FROM acked").fetchone()[0]
            stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            stored_acked = conn.execute("SELECT count(*) FROM events JOIN acked USING (event_id)").fetchone()[0]
            rollup = conn.execute("SELECT coalesce(sum(clicks), 0) FROM feature_daily").fetchone()[0]
        return {
            "acknowledged": acked,
            "stored": stored,
            "missing": acked - stored_acked,
            "unacknowledged_stored": stored - stored_acked,
            "rollup_sum": int(rollup),
            "rollup_matches": int(rollup) == stored,
            "acknowledged_listed_twice": sum(c for _, _, c in result["acked"]) - acked,
        }

    def verify_existing(self, result: dict) -> dict:
        """As verify, for the events received since `baseline()` only (one scan of the table)."""
        import psycopg

        from db.engine import libpq_url

        with psycopg.connect(libpq_url(self.url)) as conn:
            conn.execute("SET statement_timeout = 0")
            conn.execute("CREATE TEMP TABLE acked (event_id uuid PRIMARY KEY)")
            with conn.cursor().copy("COPY acked (event_id) FROM STDIN") as copy:
                for prefix, start, count in result["acked"]:
                    for event_id in _ids(prefix, start, count):
                        copy.write_row((event_id,))
            conn.execute("ANALYZE acked")
            acked = conn.execute("SELECT count(*) FROM acked").fetchone()[0]
            stored, stored_acked = conn.execute(
                "SELECT count(*), count(a.event_id) FROM events e LEFT JOIN acked a USING (event_id)"
                " WHERE e.received_at >= %s",
                (self.started_at,),
            ).fetchone()
            rollup = conn.execute("SELECT coalesce(sum(clicks), 0) FROM feature_daily").fetchone()[0]
        added = int(rollup) - self.rollup_before
        return {
            "acknowledged": acked,
            "stored": stored,
            "missing": acked - stored_acked,
            "unacknowledged_stored": stored - stored_acked,
            "rollup_sum": added,
            "rollup_matches": added == stored,
            "acknowledged_listed_twice": sum(c for _, _, c in result["acked"]) - acked,
        }

    def reset_data(self) -> None:
        import psycopg

        from db.engine import libpq_url

        with psycopg.connect(libpq_url(self.url), autocommit=True) as conn:
            conn.execute("TRUNCATE events, feature_daily")
            conn.execute("CHECKPOINT")

    def close(self) -> None:
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            self.gunicorn.send_signal(signal.SIGTERM)
            try:
                self.gunicorn.wait(30)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
        if self.db_name:
            from db.scratch import drop_database

            drop_database(self.admin_url, self.db_name)
        if self.pgdata is not None:
            from db.embedded import _server, stop_embedded

            try:
                stop_embedded(self.pgdata, "fast")
            except Exception:
                pass
            try:
                _server(self.pgdata).cleanup()
            except Exception:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)


# -- faults ----------------------------------------------------------------------------------------------------


def pg_stop_fault(env: Environment, at: float, down: float):
    from db.embedded import restart_embedded, stop_embedded

    def fault(start: float) -> dict:
        time.sleep(max(0.0, start + at - time.time()))
        t0 = time.time()
        stop_embedded(env.pgdata, "immediate")
        time.sleep(down)
        restart_embedded(env.pgdata)
        stopped_for = round(time.time() - t0, 1)
        return {"kind": "pg-stop (immediate)", "stopped_at_s": round(t0 - start, 1), "down_s": stopped_for}

    return fault


def kill_worker_fault(env: Environment, at: float):
    def fault(start: float) -> dict:
        time.sleep(max(0.0, start + at - time.time()))
        pids = env.worker_pids()
        victim = pids[0]
        os.kill(victim, signal.SIGKILL)
        return {"kind": "kill -9 worker", "pid": victim, "at_s": round(time.time() - start, 1)}

    return fault


# -- reporting -------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(mode: str, result: dict, check: dict, cfg: dict) -> dict:
    events = sum(c for _, _, c in result["acked"])
    requests = len(result["latencies"])
    elapsed = result["elapsed"]
    summary = {
        "mode": mode,
        "batch": cfg["batch"],
        "processes": cfg["processes"],
        "connections_per_process": cfg["connections"],
        "elapsed_s": round(elapsed, 2),
        "acknowledged_events": events,
        "events_per_s": round(events / elapsed),
        "requests_per_s": round(requests / elapsed),
        "p50_ms": round(percentile(result["latencies"], 0.50) * 1000, 1),
        "p99_ms": round(percentile(result["latencies"], 0.99) * 1000, 1),
        "retries": result["retries"],
        "accepted": result["accepted"],
        "duplicates_on_retry": result["duplicates"],
        "failures": result["failures"][:5],
        "fault": result["fault"],
        "cpu_seconds": result.get("cpu_s"),
        "refused_from_s": result.get("refused_from_s"),
        "refused_until_s": result.get("refused_until_s"),
        **check,
    }
    ok = (
        not result["failures"]
        and check["missing"] == 0
        and check["unacknowledged_stored"] == 0
        and check["rollup_matches"]
        and check["acknowledged_listed_twice"] == 0
    )
    summary["exact"] = ok
    print(
        f"\n== {mode}: {summary['events_per_s']:,} acknowledged events/s, {summary['requests_per_s']:,} requests/s, "
        f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms over {summary['elapsed_s']} s "
        f"({events:,} events)"
    )
    print(
        f"   check: acknowledged {check['acknowledged']:,}, stored {check['stored']:,}, missing {check['missing']}, "
        f"stored but never acknowledged {check['unacknowledged_stored']}, rollup sum {check['rollup_sum']:,} "
        f"({'matches' if check['rollup_matches'] else 'MISMATCH'}), duplicates reported on retry "
        f"{result['duplicates']}, retries {result['retries']} -> {'EXACT' if ok else 'FAILED'}"
    )
    if result.get("cpu_s"):
        print(f"   CPU seconds during the run ({elapsed:.1f} s wall, 2 cores): {result['cpu_s']}")
    if result["fault"]:
        print(f"   fault: {result['fault']}")
    if result.get("refused_from_s") is not None:
        print(
            f"   requests refused or failed (then retried) from t={result['refused_from_s']} s "
            f"to t={result['refused_until_s']} s"
        )
    if result["failures"]:
        print(f"   failures: {result['failures'][:5]}")
    return summary


def compare_modes(summaries: list[dict]) -> dict:
    """Each mode's median events/s over its runs (and CPU per 1000 events when measured), and the SDK modes' ratios
    to the native modes; printed. Medians of modes run in turn resist a machine whose load changes over minutes."""
    by_mode: dict[str, list[dict]] = {}
    for summary in summaries:
        by_mode.setdefault(summary["mode"], []).append(summary)
    medians = {mode: statistics.median(s["events_per_s"] for s in runs) for mode, runs in by_mode.items()}
    out: dict = {"events_per_s": medians}
    if len(summaries) > 1:
        listed = ", ".join(f"{m} {v:,.0f} ({len(by_mode[m])} runs)" for m, v in medians.items())
        print(f"\n== median events/s: {listed}")
    cpu = {}
    for mode, runs in by_mode.items():
        costs = [_cpu_ms_per_1000(s) for s in runs]
        if all(c is not None for c in costs):
            cpu[mode] = statistics.median(costs)
    if cpu:
        out["server_cpu_ms_per_1000_events"] = cpu
        print(
            "   server CPU (gunicorn + PostgreSQL) per 1000 events, median: "
            + ", ".join(f"{m} {v:.0f} ms" for m, v in cpu.items())
        )
    for mode in ("segment", "posthog"):
        for base in ("batch", "people"):
            if mode in medians and medians.get(base):
                out[f"{mode}_to_{base}"] = ratio = round(medians[mode] / medians[base], 3)
                print(f"   {mode}: {ratio:.0%} of the native endpoint's events/s in mode {base}")
    return out


def _cpu_ms_per_1000(summary: dict) -> float | None:
    cpu = summary.get("cpu_seconds") or {}
    if "postgres" not in cpu or not summary["acknowledged_events"]:
        return None  # a server's PostgreSQL is not measured
    return (cpu["gunicorn"] + cpu["postgres"]) * 1e6 / summary["acknowledged_events"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--mode", choices=["batch", "single", "both", "people", "segment", "posthog", "compat"], default="both"
    )
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per mode (default 15)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--spread-days",
        type=float,
        default=20.0,
        help="events' occurred_at spread uniformly over this many past days (0: the last minute, like live traffic)",
    )
    parser.add_argument("--processes", type=int, default=2, help="load-generator processes (default 2)")
    parser.add_argument("--connections", type=int, default=None, help="connections per process (batch 8, single 32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads per worker (gthread only)")
    parser.add_argument("--worker-class", default="gevent", help="gunicorn worker class (default gevent)")
    parser.add_argument("--users", type=int, default=50, help="users to create; half the events name one (0: none)")
    parser.add_argument(
        "--key-rate",
        type=float,
        default=1_000_000,
        help="the key's rate limit, events/s (API_KEY_EVENTS_PER_SECOND; default 1,000,000: checked on every"
        " request, never reached here; 0 turns the limit off)",
    )
    parser.add_argument("--fault", choices=["none", "pg-stop", "kill-worker"], default="none")
    parser.add_argument("--database-url", default=None, help="a server to create a fresh database on")
    parser.add_argument(
        "--existing-database-url", default=None, help="load into this database as it is (kept), e.g. a 100 M one"
    )
    parser.add_argument(
        "--pg-setting",
        action="append",
        default=None,
        help="NAME=VALUE for the embedded server (default shared_buffers=1GB, max_wal_size=8GB)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the summaries to this file")
    parser.add_argument("--rounds", type=int, default=1, help="run the modes in turn this many times (medians)")
    args = parser.parse_args(argv)
    if args.pg_setting is None:
        args.pg_setting = ["shared_buffers=1GB", "max_wal_size=8GB", "checkpoint_timeout=15min"]
    if args.fault == "pg-stop" and (args.database_url or args.existing_database_url):
        parser.error("--fault pg-stop needs the embedded server the benchmark owns (leave out --database-url)")

    env = Environment(args)
    summaries = []
    try:
        threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
        workers = f"{args.workers} {args.worker_class} workers{threads}"
        which = "the given database" if args.existing_database_url else "a fresh database"
        print(f"Starting {which} and gunicorn ({workers}) ...", flush=True)
        env.start()
        print(f"PostgreSQL {env.pg_version} {env.pg_settings}; gunicorn on 127.0.0.1:{env.port}", flush=True)
        groups = {"both": ["batch", "single"], "compat": ["batch", "people", "segment", "posthog"]}
        modes = groups.get(args.mode, [args.mode]) * args.rounds  # rounds: the modes in turn, again and again
        for mode in modes:
            batch = 1 if mode == "single" else args.batch_size
            cfg = {
                "mode": mode,
                "host": "127.0.0.1",
                "port": env.port,
                "key": env.key,
                "batch": batch,
                "processes": args.processes,
                "connections": args.connections or (32 if mode == "single" else 8),
                "user_ids": env.user_ids,
                "seed": random.randrange(1 << 30),
                "spread_days": args.spread_days,
            }
            fault = None
            if args.fault == "pg-stop":
                fault = pg_stop_fault(env, at=args.duration / 3, down=3.0)
            elif args.fault == "kill-worker":
                fault = kill_worker_fault(env, at=args.duration / 3)
            if args.existing_database_url:
                env.baseline()
            print(f"Running {mode} mode for {args.duration:.0f} s ...", flush=True)
            result = run_load(cfg, args.duration, fault, env.cpu_sample)
            check = env.verify(result)
            summaries.append(report(mode, result, check, cfg))
            if not args.existing_database_url:
                env.reset_data()
    finally:
        env.close()
    ratios = compare_modes(summaries)
    if args.json:
        args.json.write_text(json.dumps({"runs": summaries, "medians": ratios}, indent=2))
    return 0 if all(s["exact"] for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
