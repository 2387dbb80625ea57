"""Retention: raw events older than EVENT_RETENTION_DAYS are removed; the rollup, and so every figure, is kept.

`purge` removes the events of every day before `today - days` (days in ANALYTICS_TIMEZONE). A monthly partition of
`events` (db/partitions.py) that lies wholly before that day is detached (DETACH ... CONCURRENTLY: ingestion and
dashboards never wait for it) and dropped; the month the day falls in, and the old `events_legacy` table while it
still holds rows, lose theirs in bounded batches of BATCH rows, each its own short transaction, found by the BRIN
index on occurred_at without reading the rest of the table. Never one long transaction. Before deleting anything it
records
that day as the retention horizon (table retention_horizon): the raw events of the days before it are no longer
complete, so `db.rollup.rebuild` refuses to recount them. One purge at a time per database (an advisory lock);
every worker and instance may try, the others skip.

Why nothing is ever counted twice: the API refuses events older than EVENT_MAX_AGE_DAYS, which may not exceed
EVENT_RETENTION_DAYS (config.py refuses it at start), so an event the API accepts is never older than the horizon,
and its id, if it was seen before, is still in the table.

`forget_undated` removes the ids of events sent without a time (undated_event_ids) once they are older than
EVENT_MAX_AGE_DAYS: that is how long such an id is recognised (the idempotency rule, db/writer.py), and what keeps
that table bounded whether or not raw events are purged.

`RetentionSchedule` runs both in a background thread of the app (no external cron): at start and then every
`interval` seconds; `purge` only when EVENT_RETENTION_DAYS is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, text

from db.partitions import existing_months, next_month, partition_name

log = logging.getLogger(__name__)

BATCH = 10_000
PURGE_LOCK = 727276  # advisory lock key (migrations 727274, seed 727275)
INTERVAL_SECONDS = 3600.0


@dataclass(frozen=True)
class Purged:
    raw_events_from: date  # the first day whose raw events are all kept
    removed: int  # events removed by this run


def first_kept_day(now: datetime, days: int, timezone: str) -> date:
    """The first day (in `timezone`) whose raw events are kept when keeping `days` days before today."""
    return now.astimezone(ZoneInfo(timezone)).date() - timedelta(days=days)


def horizon(conn: Connection) -> date | None:
    """The first day whose raw events are all kept, or None when no purge ever removed anything."""
    return conn.execute(text("SELECT raw_events_from FROM retention_horizon")).scalar_one_or_none()


def purge(
    engine: Engine,
    *,
    days: int,
    timezone: str,
    now: datetime,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> Purged | None:
    """Remove the raw events of the days before `now`'s day minus `days`; None when another purge holds the lock."""
    kept_from = first_kept_day(now, days, timezone)
    boundary = datetime.combine(kept_from, time(0), ZoneInfo(timezone))
    with engine.connect() as lock:
        if not lock.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": PURGE_LOCK}).scalar_one():
            return None
        lock.commit()
        try:
            with engine.begin() as conn:  # first the horizon: a rebuild from now on leaves those days alone
                conn.execute(
                    text(
                        "INSERT INTO retention_horizon (id, raw_events_from) VALUES (true, :day) ON CONFLICT (id)"
                        " DO UPDATE SET raw_events_from = greatest(retention_horizon.raw_events_from, :day)"
                    ),
                    {"day": kept_from},
                )
            removed = 0
            for table, whole in _tables_to_purge(engine, boundary):
                if whole:
                    dropped = _drop_partition(engine, table)
                    removed += dropped
                    if progress:
                        progress(dropped)
                else:
                    removed += _delete_in_batches(engine, table, boundary, batch, progress)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PURGE_LOCK})
            lock.commit()
    return Purged(kept_from, removed)


def _tables_to_purge(engine: Engine, boundary: datetime) -> list[tuple[str, bool]]:
    """(table, wholly before `boundary`) for each table that may hold raw events before `boundary`: the monthly
    partitions up to the one `boundary` falls in, and events_legacy while it holds rows."""
    with engine.connect() as conn:
        months = existing_months(conn)
        legacy_rows = conn.execute(text("SELECT EXISTS (SELECT FROM events_legacy)")).scalar_one()
    tables = []
    for month in months:
        if datetime.combine(month, time(0), UTC) >= boundary:
            break
        tables.append((partition_name(month), datetime.combine(next_month(month), time(0), UTC) <= boundary))
    if legacy_rows:
        tables.append(("events_legacy", False))
    return tables


def _drop_partition(engine: Engine, name: str) -> int:
    """Detach the partition `name` without blocking readers or writers, drop it; return how many rows it held."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET statement_timeout = 0"))
        pending = conn.execute(
            text("SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = to_regclass(:name)"), {"name": name}
        ).scalar_one_or_none()
        if pending:  # an earlier detach was interrupted half-way
            conn.execute(text(f"ALTER TABLE events DETACH PARTITION {name} FINALIZE"))
        elif pending is not None:
            conn.execute(text(f"ALTER TABLE events DETACH PARTITION {name} CONCURRENTLY"))
        count = conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
        conn.execute(text(f"DROP TABLE {name}"))
    return count


def _delete_in_batches(
    engine: Engine, table: str, boundary: datetime, batch: int, progress: Callable[[int], None] | None
) -> int:
    """Delete the rows of `table` (one plain table) before `boundary`, `batch` rows per transaction."""
    delete = (
        f"DELETE FROM {table} WHERE ctid = ANY(ARRAY("
        f"SELECT ctid FROM {table} WHERE occurred_at < :boundary LIMIT :batch))"
    )
    return _batches(engine, delete, {"boundary": boundary}, batch, progress)


def forget_undated(engine: Engine, *, max_age_days: int, now: datetime, batch: int = BATCH) -> int:
    """Forget the ids of events sent without a time that were received more than `max_age_days` before `now`, in
    batches; return how many."""
    delete = (
        "DELETE FROM undated_event_ids WHERE event_id = ANY(ARRAY("
        "SELECT event_id FROM undated_event_ids WHERE received_at < :cutoff LIMIT :batch))"
    )
    return _batches(engine, delete, {"cutoff": now - timedelta(days=max_age_days)}, batch, None)


def _batches(engine: Engine, delete: str, params: dict, batch: int, progress: Callable[[int], None] | None) -> int:
    """Run `delete` (which removes at most :batch rows) in one short transaction after another until it removes
    fewer than `batch`; return how many rows it removed in all."""
    removed = 0
    while True:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL statement_timeout = '60s'"))
            deleted = conn.execute(text(delete), {**params, "batch": batch}).rowcount
        removed += deleted
        if progress:
            progress(deleted)
        if deleted < batch:
            return removed


class RetentionSchedule:
    """Run `purge` (when `days` is set) and `forget_undated` at start and every `interval` seconds in a daemon
    thread, until `stop()`."""

    def __init__(
        self,
        engine: Callable[[], Engine],
        *,
        days: int | None,
        max_age_days: int,
        timezone: str,
        clock: Callable[[], datetime],
        interval: float = INTERVAL_SECONDS,
    ):
        self._engine, self._days, self._timezone, self._clock = engine, days, timezone, clock
        self._max_age_days = max_age_days
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0  # completed runs, for the curious (tests wait on it)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                now = self._clock()
                forget_undated(self._engine(), max_age_days=self._max_age_days, now=now)
                if self._days is not None:
                    done = purge(self._engine(), days=self._days, timezone=self._timezone, now=now)
                    if done and done.removed:
                        log.info("retention: removed %d raw events before %s", done.removed, done.raw_events_from)
            except Exception as exc:  # the database may be away; the next run tries again
                log.warning("retention: purge failed, trying again later: %s", exc)
            self.runs += 1
            self._stop.wait(self._interval)
