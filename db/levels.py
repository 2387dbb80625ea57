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

from sqlalchemy import Connection, Table, desc, func, select, union_all

from db.filters import Filters
from db.rollup import EVERY
from db.schema import feature_daily, rollup_closed, rollup_day, rollup_month
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


def _conditions(table: Table, f: Filters, group: str | None, follow_feature: bool) -> list:
    """Equality on every dimension: the filter's value, EVERY for `all` (or an ignored selection), each value for the
    grouped one and for the source at `all` (one index scan per value, each reading one period range)."""
    chosen = {
        "feature": f.feature if follow_feature and f.feature is not None else EVERY,
        "age_group": EVERY if f.age_group == ALL else f.age_group,
        "gender": EVERY if f.gender == ALL else f.gender,
        "source": None if f.source == ALL else f.source,  # None: both sources (a level has no EVERY for it)
    }
    conditions = []
    for dimension, value in chosen.items():
        column = table.c[dimension]
        if dimension == group and dimension == "feature":
            conditions.append(column != EVERY)
        elif dimension == group or value is None:
            conditions.append(column.in_(VALUES[dimension]))
        else:
            conditions.append(column == value)
    return conditions


def _open_days(f: Filters, group: str | None, follow_feature: bool, column: str):
    """The base rows of the range's days after the closed mark, under the filters (the grouped dimension free),
    as (`column` AS value, clicks)."""
    b = feature_daily
    conditions = [b.c.day >= f.start, b.c.day <= f.end, b.c.day > select(rollup_closed.c.through).scalar_subquery()]
    chosen = {"age_group": f.age_group, "gender": f.gender, "source": f.source}
    conditions += [b.c[name] == value for name, value in chosen.items() if value != ALL and name != group]
    if follow_feature and f.feature is not None and group != "feature":
        conditions.append(b.c.feature == f.feature)
    return select(b.c[column].label("value"), b.c.clicks).where(*conditions)


def clicks_by_day(conn: Connection, f: Filters) -> dict[date, int]:
    """{day: clicks} under every filter, the selected feature included, for the days with a row: closed days from the
    day level, later ones from the base."""
    d = rollup_day
    closed = select(d.c.day.label("value"), d.c.clicks).where(
        *_conditions(d, f, None, True), d.c.day >= f.start, d.c.day <= f.end
    )
    query = union_all(closed, _open_days(f, None, True, "day"))
    counted: dict[date, int] = {}
    for day, clicks in conn.execute(query):  # one row per source and day when the source is `all`
        counted[day] = counted.get(day, 0) + int(clicks)
    return counted


def clicks_grouped(conn: Connection, f: Filters, group: str, *, follow_feature: bool = True) -> list[tuple[str, int]]:
    """(value of the dimension `group`, clicks) under the filters, for the values with clicks, most clicked first,
    ties in the database's text order. `follow_feature` False ignores the selected feature."""
    parts = []
    s = split(f.start, f.end)
    if s.months_from is not None:
        m = rollup_month
        parts.append(
            select(m.c[group].label("value"), m.c.clicks).where(
                *_conditions(m, f, group, follow_feature), m.c.month >= s.months_from, m.c.month < s.months_to
            )
        )
    d = rollup_day
    for first, last in s.days:
        parts.append(
            select(d.c[group].label("value"), d.c.clicks).where(
                *_conditions(d, f, group, follow_feature), d.c.day >= first, d.c.day <= last
            )
        )
    parts.append(_open_days(f, group, follow_feature, group))
    sub = union_all(*parts).subquery()
    clicks = func.sum(sub.c.clicks).label("clicks")
    query = select(sub.c.value, clicks).group_by(sub.c.value).having(clicks > 0).order_by(desc("clicks"), sub.c.value)
    return [(value, int(n)) for value, n in conn.execute(query)]
