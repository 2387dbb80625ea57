"""The days the demo events fall on: the last N local days ending today, never reaching into the future.

Times are microseconds since 2000-01-01 UTC, which is how binary COPY writes a timestamptz. The day boundaries come
from PostgreSQL's own time-zone rules (`load_window`), the same rules the rollup uses to give each event its day, so
an event placed in a day is counted on that day even around daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, text

from demo.options import SeedError

PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
HOUR_US = 3_600_000_000
_US = timedelta(microseconds=1)


@dataclass(frozen=True)
class Window:
    days: tuple[date, ...]
    start_us: np.ndarray  # local midnight of each day
    limit_us: np.ndarray  # exclusive end of each day's events: the next midnight, or the cap for today
    length_us: np.ndarray  # length of each local day (23, 24 or 25 hours)
    as_of_hour: int  # the clock hour the data set is generated for (hours since 2000-01-01 UTC)


def to_us(moment: datetime) -> int:
    """Microseconds from 2000-01-01 UTC to `moment` (timezone-aware)."""
    return (moment - PG_EPOCH) // _US


def make_window(days: Sequence[date], starts: Sequence[datetime], stops: Sequence[datetime], now: datetime) -> Window:
    """The window over `days` (each from its local midnight in `starts` to the next in `stops`) as of `now`.

    Today's events end at the start of the current hour: the same data within the hour, never in the future. In the
    first hour of the day today gets no events, unless the window is today alone: then they end at `now`.
    """
    if now.tzinfo is None:
        raise SeedError("now must be timezone-aware")
    start = np.array([to_us(s) for s in starts], dtype=np.int64)
    stop = np.array([to_us(s) for s in stops], dtype=np.int64)
    now_us = to_us(now)
    hour = now_us // HOUR_US
    cap = hour * HOUR_US
    if cap <= start[-1] and len(days) == 1:
        cap = now_us
    limit = stop.copy()
    limit[-1] = min(stop[-1], max(cap, start[-1]))
    return Window(tuple(days), start, limit, stop - start, hour)


def load_window(conn: Connection, timezone: str, days: int, now: datetime | None) -> Window:
    """The last `days` local days in `timezone` ending today (as of `now`, default the database's clock)."""
    if now is None:
        now = conn.execute(text("SELECT now()")).scalar_one()
    elif now.tzinfo is None:
        raise SeedError("now must be timezone-aware")
    today = conn.execute(
        text("SELECT (CAST(:now AS timestamptz) AT TIME ZONE :tz)::date"), {"now": now, "tz": timezone}
    ).scalar_one()
    rows = conn.execute(
        text("""
            SELECT d::date AS day, (d::date::timestamp AT TIME ZONE :tz) AS start,
                   ((d::date + 1)::timestamp AT TIME ZONE :tz) AS stop
            FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS g(d)
            ORDER BY d
        """),
        {"tz": timezone, "first": today - timedelta(days=days - 1), "last": today},
    ).all()
    return make_window([r.day for r in rows], [r.start for r in rows], [r.stop for r in rows], now)
