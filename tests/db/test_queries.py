"""The stat cards' queries (db/queries.py) and the filters, on the known dataset (tests/dataset.py), checked by hand
and against the raw-SQL oracle (tests/oracle.py)."""

from datetime import date

import pytest

from db.filters import Filters, InvalidFilter
from db.queries import FeatureClicks, cards_json, clicks_by_feature, daily_average, stat_cards
from db.writer import Event, EventWriter
from panels.daily_trend import daily_clicks
from tests import oracle
from tests.dataset import END, START, utc

AGE_GROUPS = ("all", "<18", "18-40", ">40")
GENDERS = ("all", "Male", "Female", "Other")


def cards(engine, f: Filters):
    with engine.connect() as conn:
        return stat_cards(clicks_by_feature(conn, f), f.days)


def test_cards_count_both_ends_to_the_second_and_nothing_outside(engine, known):
    assert cards_json(cards(engine, Filters(START, END))) == {
        "total_clicks": 11,  # not the 7 at 02-28 23:59:59 nor the 5 at 03-06 00:00:00
        "top_feature": {"name": "export", "clicks": 4},
        "daily_average": 2.2,
        "features_tracked": 3,
    }


def test_top_feature_ties_are_broken_alphabetically(engine, known):
    with engine.connect() as conn:
        by_feature = clicks_by_feature(conn, Filters(START, END))
    assert by_feature == [FeatureClicks("export", 4), FeatureClicks("search", 4), FeatureClicks("share", 3)]


def test_daily_average_divides_by_every_day_of_the_range(engine, known):
    # ten days with clicks on five of them: 16 / 10, not 16 / 5 (the 03-06 clicks are inside this range)
    wide = cards(engine, Filters(START, date(2026, 3, 10)))
    assert (wide.total_clicks, wide.daily_average) == (16, 1.6)


def test_age_group_filter_uses_the_group_bounds(engine, known):
    young = cards(engine, Filters(START, END, age_group="18-40"))  # ages 18 and 40
    teen = cards(engine, Filters(START, END, age_group="<18"))  # age 17
    older = cards(engine, Filters(START, END, age_group=">40"))  # age 41
    assert (young.total_clicks, young.top_feature) == (4, FeatureClicks("export", 4))
    assert (teen.total_clicks, teen.top_feature) == (3, FeatureClicks("search", 3))
    assert (older.total_clicks, older.top_feature, older.features_tracked) == (3, FeatureClicks("share", 2), 2)
    # the click without a known person counts under "all" only
    assert young.total_clicks + teen.total_clicks + older.total_clicks == 11 - 1


def test_gender_and_age_filters_combine(engine, known):
    male = cards(engine, Filters(START, END, gender="Male"))
    assert (male.total_clicks, male.top_feature, male.daily_average) == (6, FeatureClicks("search", 4), 1.2)
    assert cards(engine, Filters(START, END, age_group="<18", gender="Male")).total_clicks == 3
    nobody = cards(engine, Filters(START, END, age_group=">40", gender="Other"))
    assert cards_json(nobody) == {"total_clicks": 0, "top_feature": None, "daily_average": 0.0, "features_tracked": 0}


def test_the_selected_feature_does_not_narrow_the_cards(engine, known):
    assert cards(engine, Filters(START, END, feature="share")) == cards(engine, Filters(START, END))


@pytest.mark.parametrize(("start", "end"), [(START, END), (date(2026, 2, 27), date(2026, 3, 7)), (END, END)])
def test_cards_equal_the_raw_sql_oracle_for_every_demographic(engine, known, start, end):
    for age_group in AGE_GROUPS:
        for gender in GENDERS:
            f = Filters(start, end, age_group, gender)
            assert cards_json(cards(engine, f)) == oracle.cards(engine, start, end, age_group, gender), f
            with engine.connect() as conn:
                by_feature = [(row.feature, row.clicks) for row in clicks_by_feature(conn, f)]
            assert by_feature == oracle.by_feature(engine, start, end, age_group, gender), f


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
    assert cards(engine, Filters(START, END)).total_clicks == 2
    with engine.connect() as conn:
        assert [day.clicks for day in daily_clicks(conn, Filters(START, END))] == [1, 0, 0, 0, 1]


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
        (dict(gender="Unknown"), "gender"),  # 'unknown' is a value; case matters
        (dict(age_group="UNKNOWN"), "age_group"),
        (dict(source="seed"), "source"),
        (dict(source="API"), "source"),
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
