"""GET /api/v1/stats with presets, compare and granularity, "today" pinned by the TODAY setting (clock.py).

The comparison ranges are written out by hand here; every number is checked against tests/oracle.py (raw events,
buckets by date_trunc, change texts rounded by PostgreSQL) and the most telling ones by hand (tests/dataset.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests import oracle

MINUS = "\u2212"


@pytest.fixture
def at(make_app, known, api_key):
    """at(today) -> a function GET /api/v1/stats?… on an app whose today is pinned; returns the JSON body."""

    def pinned(today: date):
        client = make_app(today=today).server.test_client()

        def get(**params):
            response = client.get("/api/v1/stats", query_string=params, headers={"Authorization": f"Bearer {api_key}"})
            assert response.status_code == 200, response.get_data(as_text=True)
            return response.get_json()

        return get

    return pinned


def test_custom_range_against_the_previous_period_by_hand(at, engine):
    # 03-03..03-05 (5 clicks: share 3, export 1, search 1) against 02-28..03-02 (13 clicks: alerts 7, export 3,
    # search 3)
    body = at(date(2026, 3, 6))(start="2026-03-03", end="2026-03-05", compare="previous_period")
    comparison = body["comparison"]
    assert (comparison["start"], comparison["end"]) == ("2026-02-28", "2026-03-02")
    assert (comparison["total_clicks"], comparison["features_tracked"]) == (13, 3)
    assert comparison["top_feature"] == {"name": "alerts", "clicks": 7}
    assert comparison["changes"] == {
        "total_clicks": f"{MINUS}62%",  # (5 − 13) / 13 = −61.5 %
        "top_feature": "new",  # share: 3 now, none before
        "daily_average": f"{MINUS}62%",  # 5/3 against 13/3
        "features_tracked": "0",
    }
    assert comparison["by_feature"] == [
        {"feature": "share", "clicks": 3, "previous_clicks": 0, "change": "new"},
        {"feature": "export", "clicks": 1, "previous_clicks": 3, "change": f"{MINUS}67%"},
        {"feature": "search", "clicks": 1, "previous_clicks": 3, "change": f"{MINUS}67%"},
    ]
    assert [(b["clicks"], b["previous_start"], b["previous_clicks"]) for b in body["series"]] == [
        (2, "2026-02-28", 7),
        (1, "2026-03-01", 6),
        (2, "2026-03-02", 0),
    ]
    expected = oracle.stats(
        engine,
        date(2026, 3, 3),
        date(2026, 3, 5),
        today=date(2026, 3, 6),
        compare=(date(2026, 2, 28), date(2026, 3, 2)),
    )
    assert body == expected


def test_preset_last_7_days_rolls_with_today_and_compares_with_the_week_before(at, engine):
    body = at(date(2026, 3, 5))(preset="last_7_days", compare="previous_period")
    # 02-27..03-05: alerts 7 (02-28) + the 11 of 03-01..03-05; the week before has nothing
    assert (body["total_clicks"], body["features_tracked"]) == (18, 4)
    assert body["comparison"]["changes"] == {
        "total_clicks": "new",
        "top_feature": "new",
        "daily_average": "new",
        "features_tracked": "+4",
    }
    assert body["series"][-1] == {
        "start": "2026-03-05",
        "end": "2026-03-05",
        "clicks": 2,
        "complete": False,  # today is not over
        "previous_start": "2026-02-26",
        "previous_end": "2026-02-26",
        "previous_clicks": 0,
    }
    expected = oracle.stats(
        engine,
        date(2026, 2, 27),
        date(2026, 3, 5),
        today=date(2026, 3, 5),
        compare=(date(2026, 2, 20), date(2026, 2, 26)),
    )
    assert body == expected
    a_day_later = at(date(2026, 3, 6))(preset="last_7_days")
    assert (a_day_later["series"][0]["start"], a_day_later["series"][-1]["start"]) == ("2026-02-28", "2026-03-06")
    assert a_day_later["total_clicks"] == 7 + 11 + 5  # 03-06 brings the 5 shares
    assert a_day_later["comparison"] is None


@pytest.mark.parametrize(
    ("today", "params", "current", "previous"),
    [
        # yesterday against the day before
        (date(2026, 3, 6), {"preset": "yesterday"}, (date(2026, 3, 5), date(2026, 3, 5)), (date(2026, 3, 4),) * 2),
        # today against yesterday
        (date(2026, 3, 1), {"preset": "today"}, (date(2026, 3, 1),) * 2, (date(2026, 2, 28),) * 2),
        # month to date on day 5: days 1..5 of February
        (
            date(2026, 3, 5),
            {"preset": "month_to_date"},
            (date(2026, 3, 1), date(2026, 3, 5)),
            (date(2026, 2, 1), date(2026, 2, 5)),
        ),
        # last month (February) against January
        (
            date(2026, 3, 20),
            {"preset": "last_month"},
            (date(2026, 2, 1), date(2026, 2, 28)),
            (date(2026, 1, 1), date(2026, 1, 31)),
        ),
        # year to date against 1 January..the same date of 2025
        (
            date(2026, 3, 5),
            {"preset": "year_to_date"},
            (date(2026, 1, 1), date(2026, 3, 5)),
            (date(2025, 1, 1), date(2025, 3, 5)),
        ),
        # a custom range against the same dates a year earlier
        (
            date(2026, 3, 20),
            {"start": "2026-03-01", "end": "2026-03-05", "compare": "year_over_year"},
            (date(2026, 3, 1), date(2026, 3, 5)),
            (date(2025, 3, 1), date(2025, 3, 5)),
        ),
        # the 12 months ending today against the 12 before, in ISO weeks
        (
            date(2026, 3, 5),
            {"preset": "last_12_months"},
            (date(2025, 3, 6), date(2026, 3, 5)),
            (date(2024, 3, 6), date(2025, 3, 5)),
        ),
    ],
)
def test_presets_and_their_comparison_match_sql(at, engine, today, params, current, previous):
    params = {"compare": "previous_period", **params}
    body = at(today)(**params)
    assert body == oracle.stats(engine, *current, today=today, compare=previous)


def test_feature_and_filters_apply_to_the_comparison_too(at, engine):
    params = {"start": "2026-03-03", "end": "2026-03-05", "compare": "previous_period", "feature": "export"}
    body = at(date(2026, 3, 6))(**params, age_group="18-40", source="api")
    f = dict(age_group="18-40", feature="export", source="api")
    current, previous = (date(2026, 3, 3), date(2026, 3, 5)), (date(2026, 2, 28), date(2026, 3, 2))
    assert body == oracle.stats(engine, *current, **f, today=date(2026, 3, 6), compare=previous)
    # the series follows the feature: export by 18-40 through the API: 3 on 03-01 (young), none in 03-03..03-05
    assert [b["previous_clicks"] for b in body["series"]] == [0, 3, 0]


@pytest.mark.parametrize(
    ("today", "granularity", "buckets"),
    [
        # Monday 02-23 .. Sunday 03-08 in ISO weeks: 7 alerts + 6 on 03-01, then 2 + 1 + 2 + 5
        (date(2026, 3, 9), "week", [("2026-02-23", "2026-03-01", 13, True), ("2026-03-02", "2026-03-08", 10, True)]),
        # the same on 03-08: the second week is not over
        (date(2026, 3, 8), "week", [("2026-02-23", "2026-03-01", 13, True), ("2026-03-02", "2026-03-08", 10, False)]),
        # by month: February cut by the range, March cut too
        (date(2026, 3, 9), "month", [("2026-02-23", "2026-02-28", 7, False), ("2026-03-01", "2026-03-08", 16, False)]),
    ],
)
def test_granularity(at, engine, today, granularity, buckets):
    body = at(today)(start="2026-02-23", end="2026-03-08", granularity=granularity)
    assert body["granularity"] == granularity
    assert [(b["start"], b["end"], b["clicks"], b["complete"]) for b in body["series"]] == buckets
    expected = oracle.stats(engine, date(2026, 2, 23), date(2026, 3, 8), today=today, granularity=granularity)
    assert body == expected


def test_auto_granularity_by_range_length(at):
    get = at(date(2026, 3, 5))
    assert get(preset="last_90_days")["granularity"] == "day"
    assert get(start="2025-12-01", end="2026-03-05")["granularity"] == "week"  # 95 days
    assert get(start="2023-01-01", end="2026-03-05")["granularity"] == "month"


def test_no_range_is_the_last_30_days(at, engine):
    body = at(date(2026, 3, 5))()
    assert body == oracle.stats(engine, date(2026, 2, 4), date(2026, 3, 5), today=date(2026, 3, 5))
    assert body["total_clicks"] == 18


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"preset": "last_31_days"}, "preset"),
        ({"preset": "custom"}, "start"),
        ({"compare": "yes"}, "compare"),
        ({"granularity": "hour"}, "granularity"),
        ({"start": "2026-03-01", "end": "2026-03-06"}, "end"),  # after today
    ],
)
def test_bad_view_parameters_are_400_naming_them(make_app, known, api_key, query, param):
    client = make_app(today=date(2026, 3, 5)).server.test_client()
    response = client.get("/api/v1/stats", query_string=query, headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 400
    assert response.get_json()["details"][0]["param"] == param
