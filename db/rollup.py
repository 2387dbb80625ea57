"""The one writer of the `feature_daily` rollup, which every dashboard and API number is read from.

There are exactly three ways the rollup changes, all written here:
- `upsert_sql(rows)`: add the events of `rows` (a subquery or CTE of rows just inserted into `events`) to the
  rollup. The event writer uses it on its `INSERT ... RETURNING` rows and the demo-data loader on the id range it
  just copied, in the same transaction as the events, so raw events and rollup never disagree.
- `rebuild(conn, timezone)`: recount the whole rollup from the raw events (after ANALYTICS_TIMEZONE changed);
  refused once retention removed raw events (db/retention.py): it would lose those days' figures.
- `mismatches(conn, timezone)`: not a change, the check that the rollup equals the events grouped the same way
  (from the retention horizon on, when there is one).

A rollup row is one (day, feature, age_group, gender, source) with its clicks; `day` is the event's local date in the
analytics time zone, passed as the bind parameter `tz`.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

TABLES = ("feature_daily",)  # every table of the rollup
KEY = ("day", "feature", "age_group", "gender", "source")
_KEY = ", ".join(KEY)
_ORDINALS = ", ".join(str(i + 1) for i in range(len(KEY)))


def day_sql(tz_param: str) -> str:
    """The local day of `occurred_at` in the time zone given by the bind parameter `tz_param` (e.g. ':tz')."""
    return f"(occurred_at AT TIME ZONE {tz_param})::date"


def grouped_sql(rows: str, tz_param: str) -> str:
    """SELECT rollup key and clicks from `rows` (a table, CTE name or parenthesised subquery with an alias)."""
    return (
        f"SELECT {day_sql(tz_param)} AS day, feature, age_group, gender, source, count(*) AS clicks"
        f" FROM {rows} GROUP BY {_ORDINALS}"
    )


def upsert_sql(rows: str, tz_param: str = ":tz") -> str:
    """INSERT ... ON CONFLICT that adds the events in `rows` to the rollup.

    Rows are written in key order, so concurrent writers lock rollup rows in the same order and cannot deadlock.
    """
    return (
        f"INSERT INTO feature_daily AS fd ({_KEY}, clicks) {grouped_sql(rows, tz_param)} ORDER BY {_ORDINALS}"
        f" ON CONFLICT ({_KEY}) DO UPDATE SET clicks = fd.clicks + EXCLUDED.clicks"
    )


class RebuildRefused(Exception):
    """Raw events of some days were removed by retention: recounting would lose those days."""


def rebuild(conn: Connection, timezone: str) -> int:
    """Recount the whole rollup from the raw events with days in `timezone`; return the number of rollup rows.

    Runs in the caller's transaction. It takes an EXCLUSIVE lock on feature_daily first: dashboards keep reading the
    old figures until the commit, while event writers wait (and answer 503 + Retry-After if it takes longer than their
    lock timeout; clients retry with the same ids).
    """
    from db.retention import horizon

    kept_from = horizon(conn)
    if kept_from is not None:
        raise RebuildRefused(
            f"the raw events before {kept_from} were removed by retention (EVENT_RETENTION_DAYS): a recount would"
            " lose those days' figures"
        )
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("LOCK TABLE feature_daily IN EXCLUSIVE MODE"))
    conn.execute(text("DELETE FROM feature_daily"))
    inserted = conn.execute(
        text(f"INSERT INTO feature_daily ({_KEY}, clicks) {grouped_sql('events', ':tz')}"), {"tz": timezone}
    )
    return inserted.rowcount


def mismatches(conn: Connection, timezone: str) -> int:
    """Number of rollup keys whose clicks differ from the raw events grouped by the same key (a key missing on
    either side counts). 0 means the rollup is exact."""
    from db.retention import horizon

    query = text(
        f"WITH grouped AS ({grouped_sql('events', ':tz')})"
        f" SELECT count(*) FROM grouped g FULL JOIN feature_daily f USING ({_KEY})"
        " WHERE g.clicks IS DISTINCT FROM f.clicks AND (CAST(:kept_from AS date) IS NULL OR day >= :kept_from)"
    )
    return conn.execute(query, {"tz": timezone, "kept_from": horizon(conn)}).scalar_one()
