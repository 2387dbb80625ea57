"""rollup_mismatches: 0 on an exact rollup, and it counts every kind of real difference, in the base table and in
each level (so a 0 elsewhere means something)."""

from __future__ import annotations

from sqlalchemy import text

from db.rollup import DAY, MONTH, base_mismatches, level_mismatches
from db.rollup import mismatches as rollup_mismatches
from demo.seeding import seed_demo


def mismatches(engine, tz: str = "UTC") -> int:
    """The base table's mismatches (the levels are checked against it below)."""
    with engine.connect() as conn:
        return base_mismatches(conn, tz)


def levels(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return level_mismatches(conn, DAY), level_mismatches(conn, MONTH)


def test_counts_changed_missing_and_extra_rollup_rows(engine, settings):
    seed_demo(engine, settings, events=2000, days=7, seed=5)
    assert mismatches(engine) == 0
    with engine.begin() as conn:
        keys = "SELECT day, feature, age_group, gender, source FROM feature_daily ORDER BY 1, 2, 3, 4, 5"
        rows = conn.execute(text(keys))
        first, second = [r._asdict() for r in rows.fetchmany(2)]
        conn.execute(
            text(
                "UPDATE feature_daily SET clicks = clicks + 1 WHERE day = :day AND feature = :feature"
                " AND age_group = :age_group AND gender = :gender AND source = :source"
            ),
            first,
        )
    assert mismatches(engine) == 1  # a count that differs
    with engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM feature_daily WHERE day = :day AND feature = :feature"
                " AND age_group = :age_group AND gender = :gender AND source = :source"
            ),
            second,
        )
    assert mismatches(engine) == 2  # a group of events with no rollup row
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feature_daily (day, feature, age_group, gender, source, clicks)"
                " VALUES ('2000-01-01', 'never_clicked', 'unknown', 'unknown', 'api', 3)"
            )
        )
    assert mismatches(engine) == 3  # a rollup row with no events


def test_days_are_counted_in_the_given_time_zone(engine, settings):
    seed_demo(engine, settings, events=2000, days=7, seed=6)  # rollup written in UTC
    assert mismatches(engine, "UTC") == 0
    assert mismatches(engine, "Asia/Kolkata") > 0


def test_each_level_is_checked_against_the_base_table(engine, settings):
    seed_demo(engine, settings, events=2000, days=7, seed=7)
    with engine.connect() as conn:
        assert rollup_mismatches(conn, "UTC") == 0
        months = conn.execute(
            text(
                "SELECT count(DISTINCT date_trunc('month', day)) FROM feature_daily WHERE feature = 'chart_bar'"
                " AND day <= (SELECT through FROM rollup_closed)"
            )
        ).scalar_one()
    assert levels(engine) == (0, 0)
    first_day_total = (
        "WHERE (feature, age_group, gender, source) = ('', '', '', 'dashboard')"
        " AND day = (SELECT min(day) FROM rollup_day)"
    )
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE rollup_day SET clicks = clicks + 1 {first_day_total}"))
    assert levels(engine) == (1, 0)  # the all-features, all-segments row of one day differs
    with engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM rollup_month"
                " WHERE (feature, age_group, gender, source) = ('chart_bar', '', '', 'dashboard')"
            )
        )
    assert levels(engine) == (1, months)  # the months with chart_bar clicks lost their row
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO rollup_day (feature, age_group, gender, source, day, clicks)"
                " VALUES ('never_clicked', '', '', 'api', '2000-01-01', 3)"
            )
        )
    assert levels(engine) == (2, months)  # a level row with nothing under it
    with engine.connect() as conn:
        assert rollup_mismatches(conn, "UTC") == 2 + months  # the total counts every level
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE rollup_day SET clicks = clicks - 1 {first_day_total}"))
        conn.execute(text("DELETE FROM feature_daily WHERE feature = 'filter_age'"))
    # base rows gone: each one's 8 combinations of one or every value are off in each level
    day_rows, month_rows = levels(engine)
    assert day_rows > 8 and month_rows > 8
