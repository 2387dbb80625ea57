"""Every query function against a small known dataset; expected numbers are worked out by hand in dataset.py."""

from datetime import date

import pytest

from db.filters import Filters, InvalidFilter
from db.queries import (
    DayClicks,
    FeatureClicks,
    clicks_by_feature,
    daily_average,
    daily_clicks,
    dashboard_stats,
    stats_json,
    total_clicks,
)
from db.writer import Event, EventWriter
from tests.db.dataset import END, START, utc, write_known_dataset


@pytest.fixture
def known(engine, writer):
    return write_known_dataset(engine, writer)


def days(*counts: int) -> list[DayClicks]:
    return [DayClicks(date(2026, 3, 1 + i), n) for i, n in enumerate(counts)]


def test_totals_count_the_end_day_up_to_its_last_second_and_nothing_outside(engine, known):
    with engine.connect() as conn:
        stats = dashboard_stats(conn, Filters(START, END))
        assert total_clicks(conn, Filters(START, END)) == 7
    assert stats.cards.total_clicks == 7
    assert stats.cards.features_tracked == 4
    assert stats.daily == days(2, 2, 1, 1, 1)


def test_top_feature_ties_are_broken_alphabetically(engine, known):
    with engine.connect() as conn:
        stats = dashboard_stats(conn, Filters(START, END))
    # chart_bar, date_picker and filter_age have 2 clicks each
    assert stats.cards.top_feature == FeatureClicks("chart_bar", 2)
    assert stats.by_feature == [
        FeatureClicks("chart_bar", 2),
        FeatureClicks("date_picker", 2),
        FeatureClicks("filter_age", 2),
        FeatureClicks("filter_gender", 1),
    ]


def test_daily_average_divides_by_every_day_of_the_range(engine, known):
    with engine.connect() as conn:
        assert dashboard_stats(conn, Filters(START, END)).cards.daily_average == 1.4  # 7 / 5
        # a 10-day range with clicks on only 5 of its days: 7 / 10, not 7 / 5
        wide = dashboard_stats(conn, Filters(START, date(2026, 3, 10)))
    assert wide.cards.total_clicks == 8  # the 03-06 00:00:00 event is inside this range
    assert wide.cards.daily_average == 0.8


def test_days_without_clicks_appear_as_zero(engine, known):
    with engine.connect() as conn:
        series = daily_clicks(conn, Filters(date(2026, 2, 27), date(2026, 3, 8)))
    assert [d.day for d in series] == [date(2026, 2, 27), date(2026, 2, 28)] + [date(2026, 3, d) for d in range(1, 9)]
    assert [d.clicks for d in series] == [0, 1, 2, 2, 1, 1, 1, 1, 0, 0]


def test_age_group_filter_uses_the_group_bounds(engine, known):
    with engine.connect() as conn:
        young = dashboard_stats(conn, Filters(START, END, age_group="18-40"))  # ages 18 and 40
        teen = dashboard_stats(conn, Filters(START, END, age_group="<18"))  # age 17
        older = dashboard_stats(conn, Filters(START, END, age_group=">40"))  # age 41
    assert young.cards.total_clicks == 3
    assert young.by_feature == [
        FeatureClicks("chart_bar", 1),
        FeatureClicks("date_picker", 1),
        FeatureClicks("filter_age", 1),
    ]
    assert young.cards.daily_average == 0.6
    assert teen.cards.total_clicks == 1 and teen.daily == days(1, 0, 0, 0, 0)
    assert older.cards.total_clicks == 2 and older.daily == days(0, 1, 0, 0, 1)
    # the event without a user counts under "all" only
    assert young.cards.total_clicks + teen.cards.total_clicks + older.cards.total_clicks == 6


def test_gender_and_age_filters_combine(engine, known):
    with engine.connect() as conn:
        male = dashboard_stats(conn, Filters(START, END, gender="Male"))
        male_teen = dashboard_stats(conn, Filters(START, END, age_group="<18", gender="Male"))
        other_older = dashboard_stats(conn, Filters(START, END, age_group=">40", gender="Other"))
    assert male.cards.total_clicks == 3
    assert male.cards.top_feature == FeatureClicks("chart_bar", 1)
    assert male_teen.cards.total_clicks == 1
    assert male_teen.cards.daily_average == 0.2
    assert other_older.cards.total_clicks == 0
    assert other_older.cards.top_feature is None
    assert other_older.cards.features_tracked == 0
    assert other_older.by_feature == []
    assert other_older.daily == days(0, 0, 0, 0, 0)


def test_selected_feature_narrows_only_the_daily_series(engine, known):
    with engine.connect() as conn:
        stats = dashboard_stats(conn, Filters(START, END, feature="chart_bar"))
        unknown = daily_clicks(conn, Filters(START, END, feature="never_clicked"))
    assert stats.daily == days(0, 2, 0, 0, 0)
    assert stats.cards.total_clicks == 7
    assert len(stats.by_feature) == 4
    assert unknown == days(0, 0, 0, 0, 0)


def test_end_day_boundary_follows_the_analytics_time_zone(engine, db_url):
    # 2026-03-05 is in EST (UTC-5): the day ends at 2026-03-06 04:59:59 UTC
    writer = EventWriter(db_url, "America/New_York")
    try:
        writer.submit(
            [
                Event("chart_bar", "api", None, utc("2026-03-06 04:59:59")),  # 23:59:59 local on the end day
                Event("chart_bar", "api", None, utc("2026-03-06 05:00:00")),  # 00:00:00 local the next day
                Event("chart_bar", "api", None, utc("2026-03-01 05:00:00")),  # 00:00:00 local on the first day
                Event("chart_bar", "api", None, utc("2026-03-01 04:59:59")),  # 23:59:59 local the day before
            ]
        )
    finally:
        writer.close()
    with engine.connect() as conn:
        stats = dashboard_stats(conn, Filters(START, END))
    assert stats.cards.total_clicks == 2
    assert stats.daily == days(1, 0, 0, 0, 1)


def test_empty_range_gives_zeros_not_errors(engine, known):
    with engine.connect() as conn:
        stats = dashboard_stats(conn, Filters(date(2025, 1, 1), date(2025, 1, 31)))
    assert stats_json(stats) == {
        "total_clicks": 0,
        "top_feature": None,
        "daily_average": 0.0,
        "features_tracked": 0,
        "by_feature": [],
        "daily": [{"date": f"2025-01-{d:02d}", "clicks": 0} for d in range(1, 32)],
    }


def test_single_day_range(engine, known):
    with engine.connect() as conn:
        stats = dashboard_stats(conn, Filters(END, END))
        features = clicks_by_feature(conn, Filters(END, END))
    assert features == [FeatureClicks("date_picker", 1)]
    assert stats.cards.daily_average == 1.0
    assert stats.daily == [DayClicks(END, 1)]


@pytest.mark.parametrize(
    "total, n_days, expected",
    [(7, 5, 1.4), (2, 3, 0.7), (1, 6, 0.2), (1, 4, 0.3), (3, 8, 0.4), (0, 30, 0.0), (500, 30, 16.7)],
)
def test_daily_average_rounds_half_up_to_one_decimal(total, n_days, expected):
    assert daily_average(total, n_days) == expected


@pytest.mark.parametrize(
    "kwargs, param",
    [
        (dict(age_group="teen"), "age_group"),
        (dict(age_group=""), "age_group"),
        (dict(gender="male"), "gender"),
        (dict(gender="unknown"), "gender"),
        (dict(feature=""), "feature"),
        (dict(feature="x" * 101), "feature"),
    ],
)
def test_invalid_filter_values_raise_instead_of_meaning_all(kwargs, param):
    with pytest.raises(InvalidFilter) as info:
        Filters(START, END, **kwargs)
    assert info.value.param == param


def test_end_before_start_is_rejected():
    with pytest.raises(InvalidFilter) as info:
        Filters(END, START)
    assert info.value.param == "end"


@pytest.mark.parametrize(
    "start, end, param",
    [(None, "2026-03-05", "start"), ("2026-03-01", "", "end"), ("03/01/2026", "2026-03-05", "start")],
)
def test_parse_requires_both_dates_in_iso_form(start, end, param):
    with pytest.raises(InvalidFilter) as info:
        Filters.parse(start, end)
    assert info.value.param == param


def test_parse_defaults_demographics_to_all_and_accepts_picker_timestamps():
    f = Filters.parse("2026-03-01T00:00:00", "2026-03-05")
    assert f == Filters(START, END, "all", "all", None)
    assert f.days == 5
