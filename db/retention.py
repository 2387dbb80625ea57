"""Retention: raw events older than EVENT_RETENTION_DAYS are removed; the rollup, and so every figure, is kept.

`purge` removes the events of every day before `today - days` (days in ANALYTICS_TIMEZONE) in bounded batches of
BATCH rows, each its own short transaction, so ingestion and dashboards never wait behind one long delete; the
BRIN index on occurred_at finds them without reading the rest of the table. Before deleting anything it records
that day as the retention horizon (table retention_horizon): the raw events of the days before it are no longer
complete, so `db.rollup.rebuild` refuses to recount them. One purge at a time per database (an advisory lock);
every worker and instance may try, the others skip.

Why nothing is ever counted twice: the API refuses events older than EVENT_MAX_AGE_DAYS, which may not exceed
EVENT_RETENTION_DAYS (config.py refuses it at start), so an event the API accepts is never older than the horizon,
and its id, if it was seen before, is still in the table.

`RetentionSchedule` runs `purge` in a background thread of the app (no external cron): at start and then every
`interval` seconds, only when EVENT_RETENTION_DAYS is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, text

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
            while True:
                with engine.begin() as conn:
                    conn.execute(text("SET LOCAL statement_timeout = '60s'"))
                    deleted = conn.execute(
                        text(
                            "DELETE FROM events WHERE ctid = ANY(ARRAY("
                            "SELECT ctid FROM events WHERE occurred_at < :boundary LIMIT :batch))"
                        ),
                        {"boundary": boundary, "batch": batch},
                    ).rowcount
                removed += deleted
                if progress:
                    progress(deleted)
                if deleted < batch:
                    break
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PURGE_LOCK})
            lock.commit()
    return Purged(kept_from, removed)


class RetentionSchedule:
    """Run `purge` at start and every `interval` seconds in a daemon thread, until `stop()`."""

    def __init__(
        self,
        engine: Callable[[], Engine],
        *,
        days: int,
        timezone: str,
        clock: Callable[[], datetime],
        interval: float = INTERVAL_SECONDS,
    ):
        self._engine, self._days, self._timezone, self._clock = engine, days, timezone, clock
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
                done = purge(self._engine(), days=self._days, timezone=self._timezone, now=self._clock())
                if done and done.removed:
                    log.info("retention: removed %d raw events before %s", done.removed, done.raw_events_from)
            except Exception as exc:  # the database may be away; the next run tries again
                log.warning("retention: purge failed, trying again later: %s", exc)
            self.runs += 1
            self._stop.wait(self._interval)
