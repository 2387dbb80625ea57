"""The one path every click takes into the database: grouped, idempotent, acknowledged only after commit.

Callers `submit()` a list of events and block. A flusher thread takes whatever submissions are waiting (up to
`max_batch_rows` events), and in one transaction COPYs them into a staging table, inserts them into `events` with
ON CONFLICT (event_id) DO NOTHING, adds the rows actually inserted to the `feature_daily` rollup, and commits.
Only then does each caller get its (accepted, duplicates). Any failure rolls the whole group back and every caller
in it gets an exception, so nothing is ever half-written or acknowledged early (a submission the database refuses as
malformed is retried alone, so it cannot fail the others).

Throughput: each caller's thread formats its own COPY text lines (tagged with its submission id) before queueing, so
the single flusher only concatenates blocks and sends them; `submit_checked()` takes rows the HTTP API has already
validated and skips the per-event checks. The queue is bounded in submissions and in events (WriterOverloaded).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from sqlalchemy import make_url

from db import rollup
from domain import SOURCES, UNKNOWN, age_group_sql

log = logging.getLogger(__name__)


class WriterError(RuntimeError):
    """Base of the errors a caller of EventWriter.submit can get; nothing of the submission was written."""


class DatabaseUnavailable(WriterError):
    """The database could not commit (down, unreachable or too slow); retrying later with the same ids is safe."""


class WriterOverloaded(WriterError):
    """The queue is full; retry shortly."""


class WriterClosed(WriterError):
    """The writer is shutting down."""


@dataclass(frozen=True)
class Event:
    feature: str
    source: str
    user_id: int | None = None
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


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
    """One caller's events as ready-made COPY text lines (tagged with the submission's id), and their ids."""

    __slots__ = ("sid", "block", "ids", "count", "done", "result", "error")

    def __init__(self, sid: int, block: str, ids: list[str], count: int):
        self.sid = sid
        self.block = block  # "sid\tevent_id\tfeature\tuser_id\toccurred_at\tsource\n" per distinct event
        self.ids = ids  # distinct event ids (canonical text), in order
        self.count = count  # events the caller submitted, repeats included
        self.done = _Done()
        self.result: WriteResult | None = None
        self.error: BaseException | None = None


_STOP = object()

STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS writer_stage (
    caller bigint NOT NULL,
    event_id uuid NOT NULL,
    feature text NOT NULL,
    user_id bigint,
    occurred_at timestamptz NOT NULL,
    source text NOT NULL
) ON COMMIT DELETE ROWS
"""

# Text COPY: the request threads format their own lines (cheap f-strings, in parallel with the flusher), and the
# flusher sends whole blocks: no per-row Python work in the one flusher thread.
COPY_SQL = "COPY writer_stage (caller, event_id, feature, user_id, occurred_at, source) FROM STDIN"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# Age group and gender are captured from the user at write time; the rollup is fed only by rows actually
# inserted (RETURNING), through the one rollup writer (db/rollup.py).
INSERT_SQL = f"""
WITH inserted AS (
    INSERT INTO events (event_id, feature, user_id, occurred_at, received_at, age_group, gender, source)
    SELECT s.event_id, s.feature, s.user_id, s.occurred_at, now(), {age_group_sql("u.age")},
           coalesce(u.gender, '{UNKNOWN}'), s.source
    FROM writer_stage s LEFT JOIN users u ON u.id = s.user_id
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id, feature, occurred_at, age_group, gender
), rollup AS (
    {rollup.upsert_sql("inserted", "%(tz)s")}
)
SELECT s.caller, count(*) FROM inserted JOIN writer_stage s USING (event_id) GROUP BY s.caller
"""


def check_event(event: Event) -> None:
    """Raise ValueError for an event the schema would refuse, so that one bad caller never fails a whole group."""
    if event.source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {event.source!r}")
    if not isinstance(event.feature, str) or not 1 <= len(event.feature) <= 100:
        raise ValueError("feature must be a string of 1 to 100 characters")
    if event.occurred_at.tzinfo is None:
        raise ValueError("occurred_at must carry a time zone offset")
    if event.user_id is not None and not isinstance(event.user_id, int):
        raise ValueError("user_id must be an integer or None")


def libpq_url(sqlalchemy_url: str) -> str:
    """postgresql+psycopg://... -> postgresql://... for a plain psycopg connection."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class EventWriter:
    """Thread-safe group-commit writer with a bounded queue. Start is lazy: the first submit starts the flusher."""

    def __init__(
        self,
        url: str | callable,
        timezone_name: str = "UTC",
        *,
        max_batch_rows: int = 20_000,
        queue_size: int = 20_000,
        max_queued_events: int = 250_000,
        submit_timeout: float = 10.0,
        connect_timeout: int = 3,
    ):
        self._url = url
        self.timezone_name = timezone_name
        self.max_batch_rows = max_batch_rows
        self.submit_timeout = submit_timeout
        self.connect_timeout = connect_timeout
        self._queue: queue.Queue = queue.Queue(maxsize=queue_size)  # bounds the waiting submissions ...
        self.max_queued_events = max_queued_events  # ... and the events in them (a few seconds of work)
        self._queued_events = 0
        self._count_lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        self._sids = itertools.count(1)  # submission ids: unique for the writer's life, tag every COPY line

    # -- public -------------------------------------------------------------------------------------------
    def submit(self, events: Sequence[Event], timeout: float | None = None) -> WriteResult:
        """Write `events`; return after commit. Raises a WriterError subclass if it could not be committed."""
        if not events:
            return WriteResult(0, 0)
        for event in events:
            check_event(event)
        sid = next(self._sids)
        seen: set[str] = set()
        ids: list[str] = []
        lines: list[str] = []
        for e in events:
            event_id = str(e.event_id)
            if event_id in seen:  # the same id twice in one submission: the first one wins
                continue
            seen.add(event_id)
            ids.append(event_id)
            user = "\\N" if e.user_id is None else str(int(e.user_id))
            feature = e.feature.translate(_COPY_ESCAPES)
            lines.append(f"{sid}\t{event_id}\t{feature}\t{user}\t{e.occurred_at.isoformat()}\t{e.source}\n")
        return self._submit(_Submission(sid, "".join(lines), ids, len(events)), timeout)

    def submit_checked(
        self, rows: Sequence[tuple[str, str, str, str]], source: str, timeout: float | None = None
    ) -> WriteResult:
        """Like submit(), for rows a caller has already validated to the letter (the HTTP API does):
        (event_id, feature, user_id, occurred_at) as text, where event_id is a lower-case hyphenated UUID, feature
        1 to 100 characters free of tab, newline, carriage return and backslash, user_id decimal digits or "\\N",
        and occurred_at an ISO-8601 timestamp with an offset. Same result and errors as submit().
        """
        if not rows:
            return WriteResult(0, 0)
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        sid = next(self._sids)
        tail = f"\t{source}\n"
        ids = [row[0] for row in rows]
        if len(set(ids)) != len(ids):  # the same id twice in one submission: the first one wins
            first: dict[str, tuple] = {}
            for row in rows:
                first.setdefault(row[0], row)
            distinct = list(first.values())
            ids = list(first)
        else:
            distinct = rows
        block = "".join([f"{sid}\t{i}\t{f}\t{u}\t{o}{tail}" for i, f, u, o in distinct])
        return self._submit(_Submission(sid, block, ids, len(rows)), timeout)

    def _submit(self, submission: _Submission, timeout: float | None) -> WriteResult:
        if self._closed:
            raise WriterClosed("the event writer is shut down")
        self._ensure_started()
        size = len(submission.ids)
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
            group, rows = [first], len(first.ids)
            while rows < self.max_batch_rows:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                group.append(item)
                rows += len(item.ids)
            with self._count_lock:
                self._queued_events -= rows
            self._flush(group)
        self._disconnect()

    def _flush(self, group: list[_Submission]) -> None:
        try:
            counts = self._write_with_retry(group)
        except psycopg.DataError as exc:
            if len(group) > 1:  # one caller's bad data must not fail the others: write each on its own
                for submission in group:
                    self._flush([submission])
                return
            self._fail(group, ValueError(f"the database refused these events: {str(exc).strip()}"))
            return
        except Exception as exc:  # every caller in the group learns of the failure
            error = exc if isinstance(exc, WriterError) else DatabaseUnavailable(f"could not write events: {exc}")
            self._fail(group, error)
            return
        for submission in group:
            accepted = counts.get(submission.sid, 0)
            submission.result = WriteResult(accepted, submission.count - accepted)
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
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                log.warning("event write hit a deadlock; retrying (attempt %d)", attempt + 1)
                time.sleep(0.01 * (attempt + 1))
            except psycopg.OperationalError as exc:
                self._disconnect()
                raise DatabaseUnavailable(f"database unavailable: {str(exc).strip()}") from exc
            except psycopg.DataError:
                raise  # the connection is fine: the transaction was rolled back
            except psycopg.Error:
                self._disconnect()
                raise
        return self._write(group)

    def _write(self, group: list[_Submission]) -> dict[int, int]:
        """One transaction: COPY the group into the stage, insert new events, add them to the rollup, commit.

        Returns {submission id: events actually inserted}. The same id in two submissions of one group: the first
        one wins (the later one's copy is left out of the stage and so counts as a duplicate).
        """
        seen: set[str] = set()
        blocks: list[str] = []
        for submission in group:
            if seen.isdisjoint(submission.ids):
                blocks.append(submission.block)
            else:
                blocks.append(
                    "".join(
                        line + "\n"
                        for line, event_id in zip(submission.block.split("\n"), submission.ids)
                        if event_id not in seen
                    )
                )
            seen.update(submission.ids)
        data = "".join(blocks).encode()
        conn = self._connect()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(COPY_SQL) as copy:
                copy.write(data)
            cur.execute(INSERT_SQL, {"tz": self.timezone_name})
            counts = {caller: count for caller, count in cur.fetchall()}
        return counts

    def _connect(self) -> psycopg.Connection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        url = self._url() if callable(self._url) else self._url
        conn = psycopg.connect(
            libpq_url(url),
            connect_timeout=self.connect_timeout,
            options="-c statement_timeout=15000 -c lock_timeout=10000",
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=2,
        )
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
