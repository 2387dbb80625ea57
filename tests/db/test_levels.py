"""The rollup levels (db/rollup.py, read by db/levels.py): every number read from them equals the raw-SQL oracle for
ranges inside a month, crossing month and year boundaries, made of whole months, of one day and of ten years, under
filters and a selected feature; open days (today) are read from the base and closing them changes no number; and
every level stays equal to the raw events after writes with duplicates, late events and a close."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from db.filters import Filters
from db.levels import Split, split
from db.queries import clicks_by_feature
from db.rollup import close, closed_through, mismatches
from db.users import create_user
from db.writer import Event
from panels.age_group import clicks_by_age_group
from panels.daily_trend import daily_clicks
from panels.gender import clicks_by_gender
from tests import oracle

PEOPLE = [(15, "Female"), (30, "Male"), (30, "Other"), (64, "Female")]
FEATURES = ["search", "export", "share", "x" * 100]
# around the turn of the year 2025/2026 and the end of February, seconds from each boundary
BOUNDARIES = ["2025-11-30 23:59:59", "2025-12-01 00:00:00", "2025-12-31 23:59:59", "2026-01-01 00:00:00",
              "2026-01-31 23:59:59", "2026-02-01 00:00:00", "2026-02-28 23:59:59", "2026-03-01 00:00:00"]  # fmt: skip
RANGES = [
    (date(2026, 1, 10), date(2026, 1, 20)),  # inside one month
    (date(2025, 12, 31), date(2026, 1, 1)),  # two days across the new year
    (date(2025, 12, 1), date(2025, 12, 31)),  # exactly one month
    (date(2025, 12, 1), date(2026, 2, 28)),  # exactly three months, across the new year
    (date(2025, 11, 30), date(2026, 3, 1)),  # whole months with one edge day on each side
    (date(2025, 12, 15), date(2026, 2, 14)),  # edge days, one whole month, edge days
    (date(2026, 2, 1), date(2026, 2, 1)),  # one day, the first of a month
    (date(2016, 3, 2), date(2026, 3, 1)),  # ten years ending on a month's first day
]


@pytest.fixture
def across_months(engine, writer) -> None:
    """About 600 events from 2025-11-20 to 2026-03-10 (people of every age group, clicks without a person, both
    sources, a 100-character feature), some at the second before or after a month boundary."""
    with engine.begin() as conn:
        ids = [
            create_user(conn, f"p{i}@example.com", None, f"P{i}", age, gender, password_hash="x").id
            for i, (age, gender) in enumerate(PEOPLE)
        ]
    rng = random.Random(8)
    first = datetime(2025, 11, 20, tzinfo=UTC)
    moments = [first + timedelta(seconds=rng.randrange(0, 110 * 86400)) for _ in range(540)]
    moments += [datetime.fromisoformat(at).replace(tzinfo=UTC) for at in BOUNDARIES for _ in range(8)]
    events = [
        Event(rng.choice(FEATURES), rng.choice(["api", "api", "dashboard"]), rng.choice([*ids, None]), at)
        for at in moments
    ]
    assert writer.submit(events).accepted == len(events)


def test_split_gives_whole_months_and_the_edge_days():
    assert split(date(2026, 1, 10), date(2026, 1, 20)) == Split(None, None, ((date(2026, 1, 10), date(2026, 1, 20)),))
    assert split(date(2025, 12, 1), date(2025, 12, 31)) == Split(date(2025, 12, 1), date(2026, 1, 1), ())
    assert split(date(2025, 11, 30), date(2026, 3, 1)) == Split(
        date(2025, 12, 1),
        date(2026, 3, 1),
        ((date(2025, 11, 30), date(2025, 11, 30)), (date(2026, 3, 1), date(2026, 3, 1))),
    )
    assert split(date(2024, 2, 29), date(2024, 3, 31)) == Split(
        date(2024, 3, 1), date(2024, 4, 1), ((date(2024, 2, 29), date(2024, 2, 29)),)
    )
    assert split(date(2026, 1, 31), date(2026, 2, 27)) == Split(None, None, ((date(2026, 1, 31), date(2026, 2, 27)),))


@pytest.mark.parametrize("start,end", RANGES, ids=[f"{s}..{e}" for s, e in RANGES])
def test_every_panel_equals_the_oracle_across_month_and_year_boundaries(engine, across_months, start, end):
    combinations = [
        ("all", "all", None, "all"),
        ("<18", "all", None, "all"),
        ("unknown", "unknown", None, "api"),
        ("all", "Female", "search", "all"),
        (">40", "Female", FEATURES[-1], "dashboard"),
        ("18-40", "all", "export", "api"),
    ]
    compared = 0
    for age_group, gender, feature, source in combinations:
        f = Filters(start, end, age_group, gender, feature, source)
        expected_kw = dict(age_group=age_group, gender=gender, feature=feature, source=source)
        with engine.connect() as conn:
            by_feature = [(row.feature, row.clicks) for row in clicks_by_feature(conn, f)]
            daily = [(row.day, row.clicks) for row in daily_clicks(conn, f)]
            ages = [(row.value, row.clicks) for row in clicks_by_age_group(conn, f)]
            genders = [(row.value, row.clicks) for row in clicks_by_gender(conn, f)]
        assert by_feature == oracle.by_feature(engine, start, end, **expected_kw)
        assert daily == oracle.daily(engine, start, end, **expected_kw)
        assert ages == oracle.by_age_group(engine, start, end, **expected_kw)
        assert genders == oracle.by_gender(engine, start, end, **expected_kw)
        compared += sum(clicks for _feature, clicks in by_feature)
    assert compared > 0 or start == end  # the ranges hold data (a one-day range may be quiet under the filters)


def test_the_ten_year_range_counts_every_event(engine, across_months):
    with engine.connect() as conn:
        total = sum(row.clicks for row in clicks_by_feature(conn, Filters(date(2016, 3, 11), date(2026, 3, 10))))
    assert total == 540 + 8 * len(BOUNDARIES)


def test_every_level_equals_the_raw_events_after_writes_with_duplicates(engine, writer, across_months):
    again = [Event("search", "api", None, datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC), uuid.uuid4())]
    assert writer.submit(again * 2).accepted == 1  # a repeat inside one submission
    assert writer.submit(again).duplicates == 1  # and a later one
    with engine.connect() as conn:
        assert mismatches(conn, "UTC") == 0


def test_open_days_come_from_the_base_and_the_writer_closes_the_days_before_today(engine, writer):
    today = datetime.now(UTC).date()
    with engine.begin() as conn:  # as if nothing had been closed for three days (no events yet, levels empty)
        conn.execute(text("UPDATE rollup_closed SET through = :day"), {"day": today - timedelta(days=3)})
    at = [
        datetime.combine(today - timedelta(days=back), datetime.min.time(), UTC) + timedelta(hours=1)
        for back in (2, 1, 0)
    ]
    events = [Event(feature, "api", None, moment) for moment in at for feature in ("search", "search", "export")]
    assert writer.submit(events).accepted == 9
    with engine.connect() as conn:
        # the write itself was for three open days; then the writer closed the two before today
        assert closed_through(conn) == today - timedelta(days=1)
        assert mismatches(conn, "UTC") == 0
        assert (
            conn.execute(
                text("SELECT sum(clicks) FROM rollup_day WHERE feature = '' AND age_group = '' AND gender = ''")
            ).scalar_one()
            == 6
        )  # today is not in the levels
    check_against_oracle(engine, today - timedelta(days=40), today)
    late = Event("share", "dashboard", None, at[0] + timedelta(hours=3))  # a closed day: straight into the levels
    assert writer.submit([late]).accepted == 1
    with engine.begin() as conn:
        assert mismatches(conn, "UTC") == 0
        close(conn, "UTC")  # nothing left to close: a no-op
        assert closed_through(conn) == today - timedelta(days=1)
    check_against_oracle(engine, today - timedelta(days=1), today)
    check_against_oracle(engine, today.replace(day=1), today)


def check_against_oracle(engine, start: date, end: date) -> None:
    for age_group, feature, source in [("all", None, "all"), ("unknown", "search", "api"), ("all", "share", "all")]:
        f = Filters(start, end, age_group, "all", feature, source)
        kw = dict(age_group=age_group, gender="all", feature=feature, source=source)
        with engine.connect() as conn:
            assert [(r.feature, r.clicks) for r in clicks_by_feature(conn, f)] == oracle.by_feature(
                engine, start, end, **kw
            )
            assert [(r.day, r.clicks) for r in daily_clicks(conn, f)] == oracle.daily(engine, start, end, **kw)
            assert [(r.value, r.clicks) for r in clicks_by_age_group(conn, f)] == oracle.by_age_group(
                engine, start, end, **kw
            )
            assert [(r.value, r.clicks) for r in clicks_by_gender(conn, f)] == oracle.by_gender(
                engine, start, end, **kw
            )
