"""How current the figures read on a streaming replica are.

A hot standby replays the primary's write-ahead log: it holds every transaction committed on the primary up to the
last one it replayed. `replica_freshness` asks the server it is connected to:

- not in recovery (the primary itself, or a promoted replica): the data is live;
- its WAL receiver is running and everything received is replayed: caught up, the data is as of now;
- otherwise (replay behind what was received, replay paused, or no connection to the primary): the data is as of the
  commit time of the last replayed transaction (`pg_last_xact_replay_timestamp()`, the primary's clock), and
  unknown while nothing has been replayed since the replica started.

The lag is the replica's clock minus that time, so the two machines' clocks must agree (NTP). Asked before the
figures are read on the same connection, the time is a lower bound: replay only moves forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

FRESHNESS_QUERY = text(
    """
    SELECT pg_is_in_recovery() AS in_recovery,
           clock_timestamp() AS now,
           pg_last_xact_replay_timestamp() AS replayed_at,
           coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false)
             AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) AS caught_up
    """
)


@dataclass(frozen=True)
class Freshness:
    """How current the figures read on one connection are."""

    replica: bool  # read on the read replica (False: on the primary, live)
    data_as_of: datetime | None  # every change committed up to this moment is in the figures; None: unknown
    lag_seconds: float | None  # now - data_as_of; None: unknown
    behind: bool  # the lag exceeds the warning threshold, or is unknown: the figures may be behind


LIVE = Freshness(replica=False, data_as_of=None, lag_seconds=0.0, behind=False)


def replica_freshness(conn: Connection, warn_after_seconds: float) -> Freshness:
    """How far behind the primary the server behind `conn` is (see the module's docstring); `behind` when the lag
    exceeds `warn_after_seconds` or cannot be known."""
    row = conn.execute(FRESHNESS_QUERY).one()
    conn.rollback()  # end the implicit transaction: the figures' read starts its own snapshot, no older
    if not row.in_recovery or row.caught_up:
        return Freshness(replica=True, data_as_of=row.now, lag_seconds=0.0, behind=False)
    if row.replayed_at is None:
        return Freshness(replica=True, data_as_of=None, lag_seconds=None, behind=True)
    lag = max(0.0, (row.now - row.replayed_at).total_seconds())
    return Freshness(replica=True, data_as_of=row.replayed_at, lag_seconds=lag, behind=lag > warn_after_seconds)
