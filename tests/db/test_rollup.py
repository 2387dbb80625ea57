"""rollup_mismatches: 0 on an exact rollup, and it counts every kind of real difference (so a 0 elsewhere means
something)."""

from __future__ import annotations

from sqlalchemy import text

from db.rollup import mismatches as rollup_mismatches
from demo.seeding import seed_demo


def mismatches(engine, tz: str = "UTC") -> int:
    with engine.connect() as conn:
        return rollup_mismatches(conn, tz)


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
