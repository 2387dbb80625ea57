"""The one writer of the rollup, which every dashboard and API number is read from.

The rollup has three tables of clicks and a mark, kept consistent with each other and with the raw events in the
same transaction:
- `feature_daily (day, feature, age_group, gender, source) -> clicks`: the base level, the events counted by their
  local day and every dimension.
- `rollup_day (feature, age_group, gender, source, day) -> clicks` and `rollup_month (..., month)`: the levels. Each
  holds the base level summed over every combination of "one value or every value" of feature, age group and
  gender (a `GROUP BY CUBE`), per source, EVERY ('') standing for "every value" (never a stored feature, age group
  or gender). So any filter combination reads at most two rows (one per source) per day (or month) and grouped
  value: the total of a year for "all features, all age groups, gender Female" is 24 month rows, not the ~540 k
  base rows of that year. `month` is the first day of the local month. The source is not summed over: it has only
  two values, and each summed dimension multiplies the rows every write touches.

Days are closed once (`close`, run by the event writer on its first write of a new day, for every day before
today): the levels count exactly the base rows of the days up to the mark `rollup_closed.through` (one row); later
days, in practice today, are counted in the base alone, and readers add those few base rows (db/levels.py). So live
traffic, which lands on today, writes one base row per group as it always did, and the summing into the levels is
paid once per day, for the whole day; an event for a closed day (a late one) is added to the levels as it is
written.

There are exactly four ways the rollup's clicks change, all written here:
- `upsert_ctes(rows)`: add the events of `rows` (a CTE of rows just inserted into `events`) to every table. The
  event writer uses it on its `INSERT ... RETURNING` rows and the demo-data loader (`upsert_sql`) on the id range it
  just copied, in the same transaction as the events, so raw events and rollup never disagree. The events are
  grouped once by the base key; the levels are computed from those few groups (of closed days), not from the
  events. Every writer runs HOLD_SQL first in its transaction.
- `subtract(conn, delete_sql, params, timezone)`: delete raw events (a person forgotten, db/people.py) and take
  exactly those events off every rollup table (the base level, and the levels for closed days), in the caller's
  transaction; rows that reach 0 clicks are removed.
- `rebuild(conn, timezone)`: recount the whole rollup from the raw events (after ANALYTICS_TIMEZONE changed);
  refused once retention removed raw events (db/retention.py): it would lose those days' figures.
- `mismatches(conn, timezone)`: not a change, the check that the base level equals the events grouped the same way
  (from the retention horizon on, when there is one) and that each level equals the cube of the base level's closed
  days.
(`close` moves counts between the levels and "base only", which changes no number.)

A base row is one (day, feature, age_group, gender, source) with its clicks; `day` is the event's local date in the
analytics time zone, passed as the bind parameter `tz`.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, text

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
    """One statement that adds the events in `rows` (a table, or a parenthesised subquery with an alias) to every
    rollup table. Run HOLD_SQL first in the same transaction."""
    return f"WITH {upsert_ctes(rows, tz_param)} SELECT 1"


def upsert_ctes(rows: str, tz_param: str = ":tz") -> str:
    """The WITH items (after the caller's own, e.g. the `inserted` CTE) that add the events in `rows` to every rollup
    table: the base level from the events grouped once; the levels, from those groups, only for closed days (late
    events: the days of live traffic are open and counted in the base alone until `close`).

    Rows are written in key order, table after table, so concurrent writers lock rollup rows in the same order and
    cannot deadlock. The caller must hold the closed mark (HOLD_SQL, an earlier statement of its transaction), so
    that no `close` runs between its reading which days are closed and its commit.
    """
    ctes = [
        f"rollup_delta AS ({grouped_sql(rows, tz_param)})",
        f"rollup_base AS (INSERT INTO feature_daily AS t ({_KEY}, clicks) SELECT {_KEY}, clicks FROM rollup_delta"
        f" ORDER BY {_KEY} ON CONFLICT ({_KEY}) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks)",
        "rollup_late AS (SELECT * FROM rollup_delta WHERE day <= (SELECT through FROM rollup_closed))",
    ]
    ctes += [f"rollup_{level.table} AS ({level_insert_sql(level, 'rollup_late', add=True)})" for level in LEVELS]
    return ",\n".join(ctes)


# Every writer of the rollup runs this first in its transaction: it keeps `close` away until the commit, and says
# through which day the levels count.
HOLD_SQL = "SELECT through FROM rollup_closed FOR SHARE"


def close_sql(tz_param: str = ":tz") -> list[str]:
    """The statements, in one transaction, that close every day before today (in the time zone of `tz_param`): each
    level gets the cube of the base rows of the days after the old mark up to yesterday, and the mark moves. The
    first statement waits for the writers holding the mark (HOLD_SQL) to commit, so the second sees their rows."""
    target = f"((now() AT TIME ZONE {tz_param})::date - 1)"
    days = (
        "(SELECT b.* FROM feature_daily b WHERE b.day > (SELECT through FROM rollup_closed)"
        f" AND b.day <= {target}) AS closing"
    )
    return [
        "SELECT through FROM rollup_closed FOR UPDATE",
        *(level_insert_sql(level, days, add=True) for level in LEVELS),
        f"UPDATE rollup_closed SET through = {target} WHERE through < {target}",
    ]


def close(conn: Connection, timezone: str) -> None:
    """Close every day before today in `timezone` (see close_sql), in the caller's transaction."""
    for statement in close_sql():
        conn.execute(text(statement), {"tz": timezone})


def closed_through(conn: Connection):
    """The last day the levels count (every later day is counted in the base only)."""
    return conn.execute(text("SELECT through FROM rollup_closed")).scalar_one()


class Level(NamedTuple):
    """A rollup level: its table, its period column and that period as SQL from a base row's `day`."""

    table: str
    period: str
    period_of_day: str


EVERY = ""  # in a level's key: every value of that dimension
DIMENSIONS = ("feature", "age_group", "gender", "source")  # a level's key, before its period
SUMMED = ("feature", "age_group", "gender")  # the dimensions a level also holds EVERY for (not the source)
DAY = Level("rollup_day", "day", "day")
MONTH = Level("rollup_month", "month", "date_trunc('month', day)::date")
LEVELS = (DAY, MONTH)
TABLES = ("feature_daily", *(level.table for level in LEVELS))  # every table of the rollup with clicks


def level_key(level: Level) -> str:
    """The level's primary key columns, in order."""
    return ", ".join((*DIMENSIONS, level.period))


def cube_sql(level: Level, base: str) -> str:
    """SELECT the level's rows (key and clicks) from `base` rows (day, feature, age_group, gender, source,
    clicks): per source, every combination of one or every value of feature, age group and gender, in key order."""
    dims = ", ".join(f"coalesce({d}, '{EVERY}') AS {d}" for d in SUMMED)  # base dimensions are never NULL
    return (
        f"SELECT {dims}, source, {level.period_of_day} AS {level.period}, sum(clicks)::bigint AS clicks FROM {base}"
        f" GROUP BY {level.period_of_day}, source, CUBE ({', '.join(SUMMED)}) ORDER BY {level_key(level)}"
    )


def level_insert_sql(level: Level, base: str, *, add: bool) -> str:
    """INSERT the cube of `base` into the level; `add`: add to existing rows (else the level must be empty)."""
    on_conflict = f" ON CONFLICT ({level_key(level)}) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks" if add else ""
    return f"INSERT INTO {level.table} AS t ({level_key(level)}, clicks) {cube_sql(level, base)}{on_conflict}"


def subtract(conn: Connection, delete_sql: str, params: dict, timezone: str) -> int:
    """Run `delete_sql` (a `DELETE FROM events ...` without RETURNING) and subtract the deleted events from every
    rollup row that counted them, in the caller's transaction; return the number of events deleted.

    The deleted rows are kept in a temporary table for the length of the call, so that each rollup level is one
    UPDATE (and one clean-up of emptied rows) from it. Rollup rows are locked in key order first, like the writers'
    upserts, so a concurrent writer cannot deadlock with this.
    """
    conn.execute(
        text(
            "CREATE TEMPORARY TABLE rollup_removed (occurred_at timestamptz, feature text, age_group text,"
            " gender text, source text) ON COMMIT DROP"
        )
    )
    removed = conn.execute(
        text(
            f"WITH deleted AS ({delete_sql} RETURNING occurred_at, feature, age_group, gender, source)"
            " INSERT INTO rollup_removed SELECT * FROM deleted"
        ),
        params,
    ).rowcount
    if removed:
        conn.execute(text(HOLD_SQL))  # no day closes until the commit
        grouped = grouped_sql("rollup_removed", ":tz")
        match = " AND ".join(f"fd.{column} = g.{column}" for column in KEY)
        conn.execute(
            text(
                f"SELECT 1 FROM feature_daily fd JOIN ({grouped}) g ON {match}"
                f" ORDER BY {', '.join(f'fd.{column}' for column in KEY)} FOR UPDATE OF fd"
            ),
            {"tz": timezone},
        )
        conn.execute(
            text(f"UPDATE feature_daily fd SET clicks = fd.clicks - g.clicks FROM ({grouped}) g WHERE {match}"),
            {"tz": timezone},
        )
        conn.execute(
            text(f"DELETE FROM feature_daily fd USING ({grouped}) g WHERE {match} AND fd.clicks = 0"), {"tz": timezone}
        )
        # the levels count the closed days only (the mark is held since HOLD_SQL above)
        closed = f"(SELECT * FROM ({grouped}) g WHERE day <= (SELECT through FROM rollup_closed)) AS removed"
        for level in LEVELS:
            delta = cube_sql(level, closed)
            on = " AND ".join(f"t.{column} = d.{column}" for column in (*DIMENSIONS, level.period))
            conn.execute(
                text(f"UPDATE {level.table} t SET clicks = t.clicks - d.clicks FROM ({delta}) d WHERE {on}"),
                {"tz": timezone},
            )
            conn.execute(
                text(f"DELETE FROM {level.table} t USING ({delta}) d WHERE {on} AND t.clicks = 0"), {"tz": timezone}
            )
    conn.execute(text("DROP TABLE rollup_removed"))
    return removed


class RebuildRefused(Exception):
    """Raw events of some days were removed by retention: recounting would lose those days."""


def rebuild(conn: Connection, timezone: str) -> int:
    """Recount the whole rollup from the raw events with days in `timezone`; return the number of base rows.

    Runs in the caller's transaction. It takes an EXCLUSIVE lock on the rollup tables first: dashboards keep reading
    the old figures until the commit, while event writers wait (and answer 503 + Retry-After if it takes longer than
    their lock timeout; clients retry with the same ids).
    """
    from db.retention import horizon

    kept_from = horizon(conn)
    if kept_from is not None:
        raise RebuildRefused(
            f"the raw events before {kept_from} were removed by retention (EVENT_RETENTION_DAYS): a recount would"
            " lose those days' figures"
        )
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text(f"LOCK TABLE {', '.join(TABLES)}, rollup_closed IN EXCLUSIVE MODE"))
    for table in TABLES:
        conn.execute(text(f"DELETE FROM {table}"))
    inserted = conn.execute(
        text(f"INSERT INTO feature_daily ({_KEY}, clicks) {grouped_sql('events', ':tz')}"), {"tz": timezone}
    )
    for level in LEVELS:
        conn.execute(text(level_insert_sql(level, CLOSED_BASE, add=False)))
    return inserted.rowcount


CLOSED_BASE = "(SELECT * FROM feature_daily WHERE day <= (SELECT through FROM rollup_closed)) AS closed"


def mismatches(conn: Connection, timezone: str) -> int:
    """Number of rollup keys whose clicks differ from what they count (a key missing on either side counts): base
    rows against the raw events grouped by the same key, level rows against the base level's cube. 0 means the
    rollup is exact."""
    return base_mismatches(conn, timezone) + sum(level_mismatches(conn, level) for level in LEVELS)


def base_mismatches(conn: Connection, timezone: str) -> int:
    """Number of feature_daily keys whose clicks differ from the raw events grouped by the same key (from the
    retention horizon on)."""
    from db.retention import horizon

    query = text(
        f"WITH grouped AS ({grouped_sql('events', ':tz')})"
        f" SELECT count(*) FROM grouped g FULL JOIN feature_daily f USING ({_KEY})"
        " WHERE g.clicks IS DISTINCT FROM f.clicks AND (CAST(:kept_from AS date) IS NULL OR day >= :kept_from)"
    )
    return conn.execute(query, {"tz": timezone, "kept_from": horizon(conn)}).scalar_one()


def level_mismatches(conn: Connection, level: Level) -> int:
    """Number of the level's keys whose clicks differ from the cube of feature_daily's closed days."""
    query = (
        f"WITH cube AS ({cube_sql(level, CLOSED_BASE)}) SELECT count(*) FROM cube c"
        f" FULL JOIN {level.table} l USING ({level_key(level)}) WHERE c.clicks IS DISTINCT FROM l.clicks"
    )
    return conn.execute(text(query)).scalar_one()
