"""Reading the rollup levels (db/rollup.py): clicks for one set of filters, grouped by one column, in one query.

Each level row already sums every value of the dimensions it marks EVERY, so a filter picks rows by equality: a
dimension filtered on reads its value, one left at `all` reads EVERY, the grouped one reads each of its values; the
source, never summed in a level, reads both of its values when it is `all`. A
range is read as its whole months from `rollup_month` and the days before and after them from `rollup_day`: a
year is 12 month rows per group instead of 365 day rows, and a range without a whole month reads days only. The
levels count closed days only (db/rollup.py): the days after the mark, in practice today, are read from the base
table `feature_daily` in the same statement (one snapshot), a day's worth of rows at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection

from db.filters import Filters
from db.rollup import EVERY
from domain import AGE_GROUPS, ALL, GENDERS, SOURCES, UNKNOWN

# the values a grouped dimension can have (the feature, being free text, is read as "not EVERY")
VALUES = {"age_group": (*AGE_GROUPS, UNKNOWN), "gender": (*GENDERS, UNKNOWN), "source": SOURCES}


@dataclass(frozen=True)
class Split:
    """A date range as whole months [months_from, months_to) and the days outside them, both ends inclusive."""

    months_from: date | None
    months_to: date | None
    days: tuple[tuple[date, date], ...]


def first_of_next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def split(start: date, end: date) -> Split:
    """The whole calendar months of [start, end] and the edge days before and after them."""
    months_from = start if start.day == 1 else first_of_next_month(start)
    after = end + timedelta(days=1)
    months_to = after if after.day == 1 else end.replace(day=1)
    if months_from >= months_to:
        return Split(None, None, ((start, end),))
    days = []
    if start < months_from:
        days.append((start, months_from - timedelta(days=1)))
    if months_to <= end:
        days.append((months_to, end))
    return Split(months_from, months_to, tuple(days))


# Each question is one SQL statement per shape (which parts a range has, which filters are set), written once and
# run with bind parameters: building and compiling SQLAlchemy Core unions per call cost more app time than the
# database spent answering them.
_STATEMENTS: dict[tuple, str] = {}
_LEVEL_DIMENSIONS = ("feature", "age_group", "gender")  # never "all" in a level row's key: a value or EVERY


def _values(dimension: str) -> str:
    return ", ".join(f"'{value}'" for value in VALUES[dimension])  # domain constants, never user input


def _level_part(table: str, period: str, group: str, source_all: bool, bounds: tuple[str, str, str]) -> str:
    """A level's rows of one period range under the filters, as (value, clicks)."""
    conditions = []
    for dimension in _LEVEL_DIMENSIONS:
        if dimension == group:
            conditions.append("feature <> ''" if dimension == "feature" else f"{dimension} IN ({_values(dimension)})")
        else:
            conditions.append(f"{dimension} = %({dimension})s")
    conditions.append(f"source IN ({_values('source')})" if source_all else "source = %(source)s")
    low, high, high_op = bounds
    column = period if group == "day" else group
    return (
        f"SELECT {column} AS value, clicks FROM {table} WHERE {' AND '.join(conditions)}"
        f" AND {period} >= %({low})s AND {period} {high_op} %({high})s"
    )


def _open_part(group: str, filtered: tuple[str, ...]) -> str:
    """The base rows of the range's days after the closed mark (today, in practice), as (value, clicks)."""
    conditions = "".join(f" AND {dimension} = %({dimension})s" for dimension in filtered)
    return (
        f"SELECT {group} AS value, clicks FROM feature_daily WHERE day >= %(start)s AND day <= %(end)s"
        f" AND day > (SELECT through FROM rollup_closed){conditions}"
    )


def _statement(group: str, has_months: bool, edges: int, source_all: bool, filtered: tuple[str, ...]) -> str:
    key = (group, has_months, edges, source_all, filtered)
    if key not in _STATEMENTS:
        parts = []
        if has_months:
            parts.append(_level_part("rollup_month", "month", group, source_all, ("months_from", "months_to", "<")))
        for i in range(edges):
            parts.append(_level_part("rollup_day", "day", group, source_all, (f"from{i}", f"to{i}", "<=")))
        parts.append(_open_part(group, filtered))
        rows = " UNION ALL ".join(parts)
        if group == "day":
            _STATEMENTS[key] = rows
        else:
            _STATEMENTS[key] = (
                f"SELECT value, sum(clicks) AS clicks FROM ({rows}) AS counted GROUP BY value"
                " HAVING sum(clicks) > 0 ORDER BY clicks DESC, value"
            )
    return _STATEMENTS[key]


def _run(conn: Connection, f: Filters, group: str, follow_feature: bool, use_months: bool):
    feature = f.feature if follow_feature and f.feature is not None and group != "feature" else None
    s = split(f.start, f.end) if use_months else Split(None, None, ((f.start, f.end),))
    params: dict = {
        "feature": feature if feature is not None else EVERY,
        "age_group": EVERY if f.age_group == ALL else f.age_group,
        "gender": EVERY if f.gender == ALL else f.gender,
        "source": f.source,
        "start": f.start,
        "end": f.end,
        "months_from": s.months_from,
        "months_to": s.months_to,
    }
    for i, (first, last) in enumerate(s.days):
        params[f"from{i}"], params[f"to{i}"] = first, last
    filtered = tuple(
        dimension
        for dimension, on in (
            ("feature", feature is not None),
            ("age_group", f.age_group != ALL and group != "age_group"),
            ("gender", f.gender != ALL and group != "gender"),
            ("source", f.source != ALL),
        )
        if on
    )
    sql = _statement(group, s.months_from is not None, len(s.days), f.source == ALL, filtered)
    return conn.exec_driver_sql(sql, params)


def clicks_by_day(conn: Connection, f: Filters) -> dict[date, int]:
    """{day: clicks} under every filter, the selected feature included, for the days with a row: closed days from the
    day level, later ones from the base."""
    counted: dict[date, int] = {}
    for day, clicks in _run(conn, f, "day", True, use_months=False):  # a row per source and day for source `all`
        counted[day] = counted.get(day, 0) + int(clicks)
    return counted


def clicks_grouped(conn: Connection, f: Filters, group: str, *, follow_feature: bool = True) -> list[tuple[str, int]]:
    """(value of the dimension `group`, clicks) under the filters, for the values with clicks, most clicked first,
    ties in the database's text order. `follow_feature` False ignores the selected feature."""
    return [(value, int(n)) for value, n in _run(conn, f, group, follow_feature, use_months=True)]
