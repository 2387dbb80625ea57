"""The online move of the old events table into the monthly partitions: `uv run app.py migrate-events [--batch N]`.

Migration 0009_events_layout renamed the old one-table `events` to `events_legacy` and made the partitioned `events`
(db/partitions.py) without reading a row, so the app starts at once whatever the size. This moves the rows while the
app keeps serving and ingesting: `events_legacy` is walked in physical order (ranges of pages, a TID range scan: no
index, no re-reading of emptied pages), and each range is deleted from `events_legacy` and inserted into `events` in
one short transaction of about `batch` rows. The rollup already counts these events and is left alone.

Why nothing is lost or counted twice meanwhile: the event writer treats an id still in `events_legacy` as a
duplicate, and a moved row is in `events` in the same commit that takes it out of `events_legacy`; a statement sees
either the one or the other (a writer's statement that began before the move's commit still sees the old row).

Interrupting is safe (each range is all or nothing) and running it again carries on. Once `events_legacy` is empty
it is truncated, which gives its disk space back. Until then the database holds both tables: plan for the old
table's size again in free space.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, text

from db.partitions import ensure_partitions

BATCH = 10_000
COLUMNS = "event_id, feature, user_id, occurred_at, received_at, age_group, gender, source"
TRUNCATE_LOCK_TIMEOUT = "5s"

MOVE_SQL = f"""
WITH moved AS (
    DELETE FROM events_legacy WHERE ctid >= CAST(:low AS tid) AND ctid < CAST(:high AS tid) RETURNING {COLUMNS}
), inserted AS (
    INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM moved
    ON CONFLICT (event_id, occurred_at) DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM inserted)
"""


@dataclass(frozen=True)
class Moved:
    moved: int  # rows taken out of events_legacy
    already_there: int  # of those, rows events already held (none, unless something wrote both tables)
    left: int  # rows still in events_legacy (0 when done)
    truncated: bool  # events_legacy was emptied and its space given back


def _pages(engine: Engine) -> tuple[int, float]:
    """(pages of events_legacy, rows per page as the statistics estimate them)."""
    with engine.connect() as conn:
        pages, tuples, relpages = conn.execute(
            text(
                "SELECT pg_relation_size('events_legacy') / current_setting('block_size')::int, reltuples, relpages"
                " FROM pg_class WHERE oid = 'events_legacy'::regclass"
            )
        ).one()
    per_page = tuples / relpages if relpages > 0 and tuples > 0 else 50.0
    return int(pages), per_page


def move_events(engine: Engine, *, batch: int = BATCH, progress: Callable[[int], None] | None = None) -> Moved:
    """Move every row of events_legacy into events, about `batch` rows per transaction; see the module's text."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    pages, per_page = _pages(engine)
    step = max(1, int(batch / per_page))
    moved = already = 0
    for first_page in range(0, pages, step):
        low, high = f"({first_page},0)", f"({first_page + step},0)"
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL statement_timeout = '120s'"))
            span = conn.execute(
                text(
                    "SELECT min(occurred_at), max(occurred_at) FROM events_legacy"
                    " WHERE ctid >= CAST(:low AS tid) AND ctid < CAST(:high AS tid)"
                ),
                {"low": low, "high": high},
            ).one()
            if span[0] is None:
                continue
            ensure_partitions(conn, span[0], span[1])
            out, into = conn.execute(text(MOVE_SQL), {"low": low, "high": high}).one()
        moved += out
        already += out - into
        if progress:
            progress(out)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM events_legacy")).scalar_one()
    truncated = False
    if left == 0 and pages:
        truncated = _truncate_empty(engine)
    return Moved(moved, already, left, truncated)


def _truncate_empty(engine: Engine) -> bool:
    """Give the emptied table's space back, if it is still empty and its lock comes within a few seconds."""
    from sqlalchemy.exc import OperationalError

    with engine.connect() as conn:
        conn.execute(text(f"SET lock_timeout = '{TRUNCATE_LOCK_TIMEOUT}'"))
        try:
            conn.execute(text("LOCK TABLE events_legacy IN ACCESS EXCLUSIVE MODE"))
        except OperationalError:  # busy: the dead rows stay until autovacuum; running the command again retries
            conn.rollback()
            return False
        if conn.execute(text("SELECT EXISTS (SELECT FROM events_legacy)")).scalar_one():
            conn.rollback()
            return False
        conn.execute(text("TRUNCATE events_legacy"))
        conn.commit()
    return True
