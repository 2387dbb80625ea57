"""The monthly partitions of `events`: one table per calendar month (UTC) of `occurred_at`, made when first needed.

`events` is range-partitioned by `occurred_at` so that a new event's duplicate check and index insert touch only the
small, recent partition its time falls in, never one index over every event ever stored; retention drops whole
months (db/retention.py). A partition is named `events_YYYY_MM` and covers [first of the month, first of the next)
in UTC.

A partition is made as a plain table and then attached: ATTACH PARTITION takes only a SHARE UPDATE EXCLUSIVE lock on
`events`, so event writers and readers never wait behind it (CREATE TABLE ... PARTITION OF would lock them all out).
Creators serialize on an advisory lock and check the catalog first, so any number of writers may ask at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

PARTITION_LOCK = 727277  # advisory lock key (migrations 727274, seed 727275, retention 727276)
NAME_PATTERN = re.compile(r"^events_(\d{4})_(\d{2})$")
LOCK_TIMEOUT = "5s"  # a creator waits at most this long for a lock (a pg_dump in progress, say), then fails

# Every month of `events` that has a partition: (first day, name).
EXISTING_SQL = """
SELECT c.relname FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relname = 'events' AND p.relnamespace = current_schema()::regnamespace
"""


def month_of(moment: datetime) -> date:
    """The first day of the UTC month `moment` falls in."""
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: datetime, last: datetime) -> list[date]:
    """Every month from the one of `first` to the one of `last`, in order."""
    month, end = month_of(first), month_of(last)
    months = []
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def partition_name(month: date) -> str:
    return f"events_{month.year:04d}_{month.month:02d}"


def month_of_name(name: str) -> date | None:
    """The month a partition's name stands for, or None for a name that is not a partition's."""
    found = NAME_PATTERN.match(name)
    return date(int(found[1]), int(found[2]), 1) if found else None


def bounds(month: date) -> tuple[str, str]:
    """The partition's range as timestamptz literals: [first of the month, first of the next) in UTC."""
    return f"{month.isoformat()} 00:00:00+00", f"{next_month(month).isoformat()} 00:00:00+00"


def create_statements(month: date) -> list[str]:
    """The statements that make and attach the partition of `month` (run them holding PARTITION_LOCK)."""
    name = partition_name(month)
    low, high = bounds(month)
    return [
        f"CREATE TABLE {name} (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
        # the check lets ATTACH skip its scan of the (empty) table; it is redundant afterwards, so it goes
        f"ALTER TABLE {name} ADD CONSTRAINT {name}_range CHECK (occurred_at >= '{low}' AND occurred_at < '{high}')",
        f"ALTER TABLE events ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')",
        f"ALTER TABLE {name} DROP CONSTRAINT {name}_range",
    ]


def missing(known: Iterable[date], wanted: Iterable[date]) -> list[date]:
    have = set(known)
    return sorted({m for m in wanted if m not in have})


class PsycopgPartitions:
    """Make sure partitions exist, over a psycopg connection (the event writer's), caching what it has seen."""

    def __init__(self) -> None:
        self.known: set[date] = set()

    def forget(self) -> None:
        """Drop the cache (a partition may have been dropped by retention)."""
        self.known.clear()

    def ensure(self, conn, first: datetime, last: datetime) -> None:
        """Make the partitions of every month from `first` to `last`, and of the month after, exist (own transaction,
        before the caller's). The month after is made ahead, so the first events of a new month find it waiting."""
        wanted = [*months_between(first, last), next_month(month_of(last))]
        if not missing(self.known, wanted):
            return
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
            cur.execute(EXISTING_SQL)
            self.known = {m for (name,) in cur.fetchall() if (m := month_of_name(name)) is not None}
            for month in missing(self.known, wanted):
                for statement in create_statements(month):
                    cur.execute(statement)
                self.known.add(month)


def ensure_partitions(conn, first: datetime, last: datetime) -> list[date]:
    """Make the partitions of every month from `first` to `last` exist, in the caller's SQLAlchemy transaction
    (the demo seed, the move command, tests); return the months made."""
    from sqlalchemy import text

    wanted = months_between(first, last)
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK})
    known = {m for (name,) in conn.execute(text(EXISTING_SQL)) if (m := month_of_name(name)) is not None}
    made = missing(known, wanted)
    for month in made:
        for statement in create_statements(month):
            conn.execute(text(statement))
    return made


def existing_months(conn) -> list[date]:
    """The months that have a partition, oldest first (SQLAlchemy connection)."""
    from sqlalchemy import text

    return sorted(m for (name,) in conn.execute(text(EXISTING_SQL)) if (m := month_of_name(name)) is not None)
