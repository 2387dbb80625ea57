"""Writes the demo data in the caller's transaction: users, events and their rollup commit together or not at all.

- Users go through `db.users` like a registration (same validation, same password hashing); demo users that exist
  already are reused, matched by email, and get the run's password, like every other demo user left by an earlier
  run with more users.
- Events stream into `events` with one binary COPY, the next chunk built in a thread while PostgreSQL ingests the
  current one. This bulk loader is the second way events are written (the event writer in `db/writer.py` is the
  first): it skips the writer's staging table and duplicate check because its ids are new by construction, and
  `seed_demo` refuses a rerun that would repeat them.
- The rollup (every level) gets the copied events through `db.rollup.upsert_sql`, the same SQL the event writer
  uses, over the id range just copied.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Connection, select, text

from db.partitions import ensure_partitions
from db.rollup import HOLD_SQL, upsert_sql
from db.rollup import TABLES as ROLLUP_TABLES
from db.schema import users
from db.users import NewUser, User, create_users, set_password, users_by_email
from demo.encoder import COLUMNS, SIGNATURE, TRAILER
from demo.window import PG_EPOCH, Window

SEED_LOCK = 727275  # advisory lock: one seed at a time per database (migrations use 727274)
LOCK_WAIT_SECONDS = 30
DEMO_EMAIL_PATTERN = r"^demo[0-9]{2,}@example\.com$"  # demo/plan.py's DEMO_EMAIL
T = TypeVar("T")


def start(conn: Connection) -> None:
    """Take the seed lock for this transaction (waiting up to LOCK_WAIT_SECONDS) and lift the statement timeout:
    a bulk run takes longer than the engine's."""
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'"))
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEED_LOCK})


def is_empty(conn: Connection) -> bool:
    """True when there are no users and no events."""
    return conn.execute(
        text("SELECT NOT EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM events)")
    ).scalar_one()


def wipe(conn: Connection) -> None:
    """Delete every user, event and rollup row, every level (API keys stay)."""
    conn.execute(text(f"TRUNCATE users, people, events, {', '.join(ROLLUP_TABLES)} RESTART IDENTITY"))


def any_event_between(conn: Connection, first: uuid.UUID, last: uuid.UUID) -> bool:
    """True when an event id lies in [first, last]."""
    return conn.execute(
        text("SELECT EXISTS (SELECT 1 FROM events WHERE event_id BETWEEN :first AND :last)"),
        {"first": first, "last": last},
    ).scalar_one()


@dataclass(frozen=True)
class WrittenUsers:
    accounts: list[User]  # the planned users, in plan order
    created: int  # how many of them were new
    others: int  # demo users of earlier, bigger runs (not in this plan) that got the same password


def write_users(conn: Connection, planned: Sequence[NewUser], password_hash: str) -> WrittenUsers:
    """Create the planned users that do not exist yet, and give every demo user that exists already the password
    (those of the plan, and those left by an earlier run with more users: all demo users share one password)."""
    existing = users_by_email(conn, [u.email for u in planned])
    missing = [u for u in planned if u.email.lower() not in existing]
    created = {u.email.lower(): u for u in create_users(conn, missing, None, password_hash=password_hash)}
    others = other_demo_user_ids(conn, [u.id for u in (existing | created).values()])
    set_password(conn, [*(u.id for u in existing.values()), *others], None, password_hash=password_hash)
    by_email = existing | created
    return WrittenUsers([by_email[u.email.lower()] for u in planned], len(created), len(others))


def other_demo_user_ids(conn: Connection, known: Sequence[int]) -> list[int]:
    """Ids of the demo users (demoNN@example.com, any letter case) other than `known`."""
    query = (
        select(users.c.id)
        .where(users.c.email.regexp_match(DEMO_EMAIL_PATTERN, flags="i"), users.c.id.not_in(list(known)))
        .order_by(users.c.id)
    )
    return list(conn.execute(query).scalars())


def make_partitions(conn: Connection, window: Window) -> None:
    """Make the monthly partitions of `events` (db/partitions.py) that the window's events fall in."""
    first = PG_EPOCH + timedelta(microseconds=int(window.start_us[0]))
    last = PG_EPOCH + timedelta(microseconds=int(window.limit_us[-1]))
    ensure_partitions(conn, first, last)


def copy_events(
    conn: Connection, chunks: Iterable[tuple[bytes, int]], *, progress: Callable[[int], None] | None
) -> None:
    """COPY the binary rows of `chunks` ((rows, how many)) into `events`, calling `progress` with each count.

    PostgreSQL routes each row to its month's partition (COPY FREEZE is not allowed on a partitioned table).
    """
    raw = conn.connection.driver_connection
    with (
        closing(ahead(chunks)) as rows,
        raw.cursor() as cur,
        cur.copy(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.write(SIGNATURE)
        for data, count in rows:
            copy.write(memoryview(data))
            if progress is not None:
                progress(count)
        copy.write(TRAILER)


def add_to_rollup(conn: Connection, timezone: str, first: uuid.UUID, last: uuid.UUID) -> None:
    """Add the events with ids in [first, last] to the rollup, days in `timezone`."""
    copied = "(SELECT * FROM events WHERE event_id BETWEEN :first AND :last) AS copied"
    conn.execute(text(HOLD_SQL))
    conn.execute(text(upsert_sql(copied)), {"tz": timezone, "first": first, "last": last})


_DONE = object()


def ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield `items`, produced by a thread up to `depth` items ahead (numpy releases the GIL while the caller waits
    for PostgreSQL). An exception in the thread is raised here; stopping early stops the thread."""
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():  # the consumer sets `stop` when it gives up; never block on it forever
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                put(item)
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)

    producer = threading.Thread(target=produce, name="demo-producer", daemon=True)
    producer.start()
    try:
        while True:
            item = out.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()
