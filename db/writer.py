"""The one path every click takes into the database: grouped, idempotent, acknowledged only after commit.

Callers `submit()` a list of typed `Event`s (and optionally identify calls, db/people.Traits) and block. A flusher
thread takes whatever submissions are waiting (up to `max_batch_rows` events) and, in one transaction, COPYs them into
a staging table (db/events.py encodes them), makes the people they name known and applies the identify calls
(db/people.py: traits first, so every event of the commit gets them), inserts them into `events` (monthly partitions,
made when first needed: db/partitions.py) leaving out duplicates, adds the rows actually inserted to the rollup
(db/rollup.py), and commits. Only then does each caller get its (accepted, duplicates). Any failure rolls the whole
group back and every caller in it gets an exception, so nothing is ever half-written or acknowledged early; a
submission whose values the database refuses is retried alone, so it cannot fail the others (its caller gets
EventsRefused).

The idempotency rule: an event is stored once per (event_id, occurred_at); an event sent without occurred_at
(db.events.ReceivedAt) once per event_id among those sent without one within EVENT_MAX_AGE_DAYS (undated_event_ids,
forgotten after that by db/retention.py); and an id still in `events_legacy` (rows not yet moved to the partitioned
layout) is a duplicate whatever its time. Repeats within a group are resolved in one place, the flusher: the first
occurrence wins (within a submission and across submissions), every later one is left out of the stage and counts
as a duplicate of its caller. The queue is bounded in submissions and in events (WriterOverloaded).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

import metrics
from db import people, rollup
from db.engine import CONNECT_ARGS, libpq_url
from db.errors import bad_value_message
from db.events import ENCODING_ERRORS, STAGE_DDL, Event, ReceivedAt, check_events, copy_events
from db.partitions import PsycopgPartitions
from db.people import Traits, check_traits
from domain import UNKNOWN, age_group_sql

__all__ = [
    "DatabaseUnavailable",
    "Event",
    "EventWriter",
    "EventsRefused",
    "Traits",
    "WriteResult",
    "WriterClosed",
    "WriterError",
    "WriterOverloaded",
]

log = logging.getLogger(__name__)


class WriterError(RuntimeError):
    """Base of the errors a caller of EventWriter.submit can get; nothing of the submission was written."""


class DatabaseUnavailable(WriterError):
    """The database could not commit (down, unreachable or too slow); retrying later with the same ids is safe."""


class WriterOverloaded(WriterError):
    """The queue is full; retry shortly."""


class WriterClosed(WriterError):
    """The writer is shutting down."""


class EventsRefused(WriterError):
    """The database refused a value in these events (a NUL byte in a text, say); sending them again will not help."""


@dataclass(frozen=True)
class WriteResult:
    accepted: int
    duplicates: int


class _Done:
    """A one-shot signal, cheaper than threading.Event: a lock created held, released once by the flusher."""

    __slots__ = ("_lock",)

    def __init__(self):
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        self._lock.release()

    def wait(self, timeout: float) -> bool:
        return self._lock.acquire(timeout=timeout)


class _Submission:
    """One caller's events, waiting for the flusher."""

    __slots__ = ("sid", "events", "traits", "done", "result", "error")

    def __init__(self, sid: int, events: Sequence[Event], traits: Sequence[Traits] = ()):
        self.sid = sid  # tags the caller's rows in the stage
        self.events = events
        self.traits = traits
        self.done = _Done()
        self.result: WriteResult | None = None
        self.error: BaseException | None = None


_STOP = object()

# Age group and gender are captured from the account or the person at write time; the rollup is fed only by rows
# actually inserted (RETURNING), through the one rollup writer (db/rollup.py). Two forms: without people (accounts
# only, the common native batch) and with them, so the people join costs nothing when no event names a person. An
# undated event goes in only when its id is new to undated_event_ids; concurrent writers of one id wait for each other
# on that key (and on events' key).
_INSERT = """
WITH undated AS (
    INSERT INTO undated_event_ids (event_id)
    SELECT event_id FROM writer_stage WHERE undated
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
), inserted AS (
    INSERT INTO events (event_id, feature, user_id, occurred_at, received_at, age_group, gender, source)
    SELECT s.event_id, s.feature, {user_id}, s.occurred_at, now(), {age_group}, {gender}, s.source
    FROM writer_stage s LEFT JOIN users u ON u.id = s.user_id {people_join}
    WHERE (NOT s.undated OR s.event_id IN (SELECT event_id FROM undated))
      AND NOT EXISTS (SELECT FROM events_legacy l WHERE l.event_id = s.event_id)
    ON CONFLICT (event_id, occurred_at) DO NOTHING
    RETURNING event_id, feature, occurred_at, age_group, gender, source
),
{rollup}
SELECT s.caller, count(*) FROM inserted JOIN writer_stage s USING (event_id, occurred_at) GROUP BY s.caller
"""
INSERT_SQL = _INSERT.format(
    user_id="s.user_id",
    age_group=age_group_sql("u.age"),
    gender=f"coalesce(u.gender, '{UNKNOWN}')",
    people_join="",
    rollup=rollup.upsert_ctes("inserted", "%(tz)s"),
)
# A person's age: as given, or from the birth date on the event's local day (unknown for a day before the birth).
_LOCAL_DAY = "(s.occurred_at AT TIME ZONE %(tz)s)::date"
_PERSON_AGE = (
    f"CASE WHEN p.birth_date <= {_LOCAL_DAY} THEN date_part('year', age({_LOCAL_DAY}, p.birth_date)) ELSE p.age END"
)
INSERT_WITH_PEOPLE_SQL = _INSERT.format(
    user_id="coalesce(s.user_id, p.id)",
    age_group=age_group_sql(f"coalesce(u.age, {_PERSON_AGE})"),
    gender=f"coalesce(u.gender, p.gender, '{UNKNOWN}')",
    people_join="LEFT JOIN people p ON p.external_id = s.person",
    rollup=rollup.upsert_ctes("inserted", "%(tz)s"),
)


class EventWriter:
    """Thread-safe group-commit writer with a bounded queue. Start is lazy: the first submit starts the flusher."""

    def __init__(
        self,
        url: str | Callable[[], str],
        timezone_name: str = "UTC",
        *,
        max_batch_rows: int = 20_000,
        queue_size: int = 20_000,
        max_queued_events: int = 250_000,
        submit_timeout: float = 10.0,
    ):
        self._url = url
        self.timezone_name = timezone_name
        self.max_batch_rows = max_batch_rows
        self.submit_timeout = submit_timeout
        self._queue: queue.Queue = queue.Queue(maxsize=queue_size)  # bounds the waiting submissions ...
        self.max_queued_events = max_queued_events  # ... and the events in them (a few seconds of work)
        self._queued_events = 0
        self._count_lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        self._sids = itertools.count(1)  # submission ids: unique for the writer's life, tag every staged row
        self._partitions = PsycopgPartitions()  # the months known to have a partition

    # -- public -------------------------------------------------------------------------------------------
    def submit(
        self, events: Sequence[Event], traits: Sequence[Traits] = (), timeout: float | None = None
    ) -> WriteResult:
        """Write `events` and apply the identify calls `traits` in one commit; return after it with (accepted,
        duplicates) of the events.

        The traits apply before the events of the same commit are written (db/people.py has every rule). Raises
        ValueError (before queueing) for an event or identify call the schema would refuse, else a WriterError
        subclass when nothing could be committed: nothing of them was written.
        """
        if not events and not traits:
            return WriteResult(0, 0)
        check_events(events)
        check_traits(traits)
        if self._closed:
            raise WriterClosed("the event writer is shut down")
        self._ensure_started()
        submission = _Submission(next(self._sids), events, traits)
        size = len(events) + len(traits)
        with self._count_lock:
            if self._queued_events and self._queued_events + size > self.max_queued_events:
                raise WriterOverloaded("too many events are waiting to be written; retry in a second")
            try:
                self._queue.put_nowait(submission)
            except queue.Full:
                raise WriterOverloaded("the event queue is full; retry in a second") from None
            self._queued_events += size
        wait = self.submit_timeout if timeout is None else timeout
        if not submission.done.wait(wait):
            raise DatabaseUnavailable(
                f"no commit within {wait:.0f} s; the database may be down or overloaded. Retrying with the same"
                " event ids is safe"
            )
        if submission.error is not None:
            raise submission.error
        assert submission.result is not None
        return submission.result

    def close(self, timeout: float = 30.0) -> None:
        """Flush everything queued, then stop the flusher and close the connection."""
        with self._start_lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    # -- flusher ------------------------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._closed:
                raise WriterClosed("the event writer is shut down")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="event-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            group, rows = [first], len(first.events) + len(first.traits)
            while rows < self.max_batch_rows:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                group.append(item)
                rows += len(item.events) + len(item.traits)
            with self._count_lock:
                self._queued_events -= rows
                metrics.WRITER_QUEUE.set(self._queued_events)
            self._flush(group)
        self._disconnect()

    def _flush(self, group: list[_Submission]) -> None:
        started = time.perf_counter()
        try:
            counts = self._write_with_retry(group)
        except (psycopg.DataError, *ENCODING_ERRORS) as exc:
            if len(group) > 1:  # one caller's bad data must not fail the others: write each on its own
                for submission in group:
                    self._flush([submission])
                return
            message = bad_value_message(exc) if isinstance(exc, psycopg.DataError) else str(exc)
            self._fail(group, EventsRefused(f"the database refused these events: {message}"))
            return
        except Exception as exc:  # every caller in the group learns of the failure
            error = exc if isinstance(exc, WriterError) else DatabaseUnavailable(f"could not write events: {exc}")
            self._fail(group, error)
            return
        rows = sum(len(submission.events) for submission in group)
        accepted_in_group = sum(counts.values())
        metrics.observe_commit(time.perf_counter() - started, rows, accepted_in_group, rows - accepted_in_group)
        for submission in group:
            accepted = counts.get(submission.sid, 0)
            submission.result = WriteResult(accepted, len(submission.events) - accepted)
            submission.done.set()

    @staticmethod
    def _fail(group: list[_Submission], error: BaseException) -> None:
        for submission in group:
            submission.error = error
            submission.done.set()

    def _write_with_retry(self, group: list[_Submission]) -> dict[int, int]:
        for attempt in range(3):
            try:
                return self._write(group)
            except psycopg.errors.CheckViolation:  # "no partition found": retention dropped a month we had cached
                log.warning("event write found no partition; looking again (attempt %d)", attempt + 1)
                self._partitions.forget()
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                log.warning("event write hit a deadlock; retrying (attempt %d)", attempt + 1)
                time.sleep(0.01 * (attempt + 1))
            except psycopg.OperationalError as exc:
                self._disconnect()
                raise DatabaseUnavailable(f"database unavailable: {str(exc).strip()}") from exc
            except (psycopg.DataError, *ENCODING_ERRORS):
                raise  # the connection is fine: the transaction was rolled back
            except psycopg.Error:
                self._disconnect()
                raise
        return self._write(group)

    def _write(self, group: list[_Submission]) -> dict[int, int]:
        """One transaction: COPY the group into the stage, apply identify calls and make the events' people known,
        insert new events, add them to the rollup, commit.

        Returns {submission id: events actually inserted}.
        """
        staged = first_occurrences([(submission.sid, submission.events) for submission in group])
        traits = [t for submission in group for t in submission.traits]
        conn = self._connect()
        times = [e.occurred_at for _, events in staged for e in events]
        if times:
            self._partitions.ensure(conn, min(times), max(times))
        with conn.transaction(), conn.cursor() as cur:
            named = copy_events(cur, staged)
            people.apply_sql(cur, traits, named)
            closed_through = cur.execute(rollup.HOLD_SQL).fetchone()[0]
            cur.execute(INSERT_WITH_PEOPLE_SQL if named else INSERT_SQL, {"tz": self.timezone_name})
            counts = {caller: count for caller, count in cur.fetchall()}
        if closed_through < datetime.now(ZoneInfo(self.timezone_name)).date() - timedelta(days=1):
            self._close_days(conn)
        return counts

    def _close_days(self, conn: psycopg.Connection) -> None:
        """A new day began since the rollup levels were last closed: close the days before today (db/rollup.py),
        once, after the events are committed. A failure only postpones it (the numbers are right either way)."""
        try:
            with conn.transaction(), conn.cursor() as cur:
                for statement in rollup.close_sql("%(tz)s"):
                    cur.execute(statement, {"tz": self.timezone_name})
        except psycopg.Error as exc:
            log.warning("closing the rollup's days failed, trying again on the next write: %s", exc)

    def _connect(self) -> psycopg.Connection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        url = self._url() if callable(self._url) else self._url
        conn = psycopg.connect(libpq_url(url), **CONNECT_ARGS)
        conn.execute(STAGE_DDL)
        conn.commit()
        self._conn = conn
        return conn

    def _disconnect(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already broken
                pass
            self._conn = None


def identity(event: Event) -> tuple[int, object]:
    """What makes two events the same one: the id and the time, or the id alone for an event sent without a time."""
    occurred = event.occurred_at
    return event.event_id.int, None if type(occurred) is ReceivedAt else occurred


def first_occurrences(
    submissions: Sequence[tuple[int, Sequence[Event]]],
) -> list[tuple[int, Sequence[Event]]]:
    """The (caller, events) pairs with every event (by `identity`) kept only where it first occurs, in order.

    The one place repeats are resolved: a later copy (in the same submission or a later one of the group) is left
    out, so it is not inserted and counts as a duplicate of its caller.
    """
    seen: set[int] = set()
    identities: set[tuple[int, object]] | None = None  # built only once some id repeats
    kept: list[tuple[int, Sequence[Event]]] = []
    for caller, events in submissions:
        if identities is None:
            keys = [e.event_id.int for e in events]  # ints hash in C; UUID.__hash__ is Python code
            if seen.isdisjoint(keys) and len(set(keys)) == len(keys):  # the common case: all new
                seen.update(keys)
                kept.append((caller, events))
                continue
            identities = {identity(e) for _, earlier in kept for e in earlier}
        fresh = []
        for event in events:
            key = identity(event)
            if key not in identities:
                identities.add(key)
                fresh.append(event)
        kept.append((caller, fresh))
    return kept
