"""GET /api/v1/stats on the known dataset (tests/dataset.py), written through the real event writer.

Expected numbers are the hand counts of tests/dataset.py, and the raw-SQL oracle (tests/oracle.py, over the raw
`events` table, not the feature_daily rollup the API reads) for a grid of filters.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests import oracle
from tests.dataset import END, START


def get_stats(client, **params):
    return client.get("/api/v1/stats", query_string=params)


def ok(client, **params) -> dict:
    response = get_stats(client, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def daily(start: str, clicks: list[int]) -> list[dict]:
    first = date.fromisoformat(start)
    return [{"date": (first + timedelta(days=i)).isoformat(), "clicks": n} for i, n in enumerate(clicks)]


def ages(*clicks: int) -> list[dict]:
    return [{"age_group": g, "clicks": n} for g, n in zip(("<18", "18-40", ">40", "unknown"), clicks)]


def genders(*clicks: int) -> list[dict]:
    return [{"gender": g, "clicks": n} for g, n in zip(("Male", "Female", "Other", "unknown"), clicks)]


def trend(start: str, clicks: list[int]) -> dict:
    """What every body ends with when compare is off: daily buckets (all complete: these days are long over)."""
    days = daily(start, clicks)
    series = [{"start": d["date"], "end": d["date"], "clicks": d["clicks"], "complete": True} for d in days]
    return {"granularity": "day", "series": series, "comparison": None}


MARCH = {"start": str(START), "end": str(END)}


# -- hand-computed -----------------------------------------------------------------------------------------------


def test_all_filters_open(logged_in_client, known):
    assert ok(logged_in_client, **MARCH) == {
        "total_clicks": 11,
        "top_feature": {"name": "export", "clicks": 4},  # tie with search: alphabetical wins
        "daily_average": 2.2,  # 11 / 5 days
        "features_tracked": 3,
        "by_feature": [
            {"feature": "export", "clicks": 4},
            {"feature": "search", "clicks": 4},
            {"feature": "share", "clicks": 3},
        ],
        "daily": daily("2026-03-01", [6, 0, 2, 1, 2]),
        "by_age_group": ages(3, 4, 3, 1),  # the click without a known person is 'unknown'
        "by_gender": genders(6, 3, 1, 1),
        **trend("2026-03-01", [6, 0, 2, 1, 2]),
    }


def test_key_order_is_the_documented_one(logged_in_client, known):
    body = logged_in_client.get("/api/v1/stats?start=2026-03-01&end=2026-03-05").get_data(as_text=True)
    keys = ("total_clicks", "top_feature", "daily_average", "features_tracked", "by_feature", "daily")
    trend_keys = ("granularity", "series", "comparison")
    positions = [body.index(f'"{key}"') for key in (*keys, "by_age_group", "by_gender", *trend_keys)]
    assert positions == sorted(positions)


def test_feature_narrows_the_daily_series_and_the_breakdowns(logged_in_client, known):
    everything = ok(logged_in_client, **MARCH)
    narrowed = ok(logged_in_client, **MARCH, feature="share")
    assert narrowed["daily"] == daily("2026-03-01", [0, 0, 2, 1, 0])
    assert narrowed["by_age_group"] == ages(0, 0, 2, 1)
    assert narrowed["by_gender"] == genders(2, 0, 0, 1)
    following = ("daily", "series", "by_age_group", "by_gender")
    assert {k: v for k, v in narrowed.items() if k not in following} == {
        k: v for k, v in everything.items() if k not in following
    }
    nothing = ok(logged_in_client, **MARCH, feature="never_clicked")
    assert nothing["daily"] == daily("2026-03-01", [0, 0, 0, 0, 0])
    assert (nothing["by_age_group"], nothing["by_gender"]) == (ages(0, 0, 0), genders(0, 0, 0))
    assert nothing["total_clicks"] == 11


def test_age_group_18_to_40_includes_both_ends(logged_in_client, known):
    assert ok(logged_in_client, **MARCH, age_group="18-40") == {
        "total_clicks": 4,  # ages 18 (3) and 40 (1)
        "top_feature": {"name": "export", "clicks": 4},
        "daily_average": 0.8,
        "features_tracked": 1,
        "by_feature": [{"feature": "export", "clicks": 4}],
        "daily": daily("2026-03-01", [3, 0, 0, 0, 1]),
        "by_age_group": ages(3, 4, 3, 1),  # its own dimension is not filtered: every group stays
        "by_gender": genders(0, 3, 1),
        **trend("2026-03-01", [3, 0, 0, 0, 1]),
    }


def test_gender_male(logged_in_client, known):
    assert ok(logged_in_client, **MARCH, gender="Male") == {
        "total_clicks": 6,
        "top_feature": {"name": "search", "clicks": 4},
        "daily_average": 1.2,
        "features_tracked": 2,
        "by_feature": [{"feature": "search", "clicks": 4}, {"feature": "share", "clicks": 2}],
        "daily": daily("2026-03-01", [3, 0, 2, 0, 1]),
        "by_age_group": ages(3, 0, 3),
        "by_gender": genders(6, 3, 1, 1),
        **trend("2026-03-01", [3, 0, 2, 0, 1]),
    }


@pytest.mark.parametrize(
    ("params", "total", "top"),
    [
        ({"age_group": "<18"}, 3, "search"),
        ({"age_group": ">40"}, 3, "share"),
        ({"gender": "Female"}, 3, "export"),
        ({"gender": "Other"}, 1, "export"),
        ({"age_group": ">40", "gender": "Male"}, 3, "share"),
        ({"age_group": "<18", "gender": "Female"}, 0, None),
        ({"age_group": "all", "gender": "all"}, 11, "export"),
    ],
)
def test_demographic_filters(logged_in_client, known, params, total, top):
    body = ok(logged_in_client, **MARCH, **params)
    assert body["total_clicks"] == total
    assert (body["top_feature"] or {}).get("name") == top


def test_end_day_is_inclusive_to_23_59_59_and_the_next_midnight_is_the_next_day(logged_in_client, known):
    assert ok(logged_in_client, start="2026-03-05", end="2026-03-05")["total_clicks"] == 2  # incl. 23:59:59
    assert ok(logged_in_client, start="2026-03-06", end="2026-03-06")["by_feature"] == [
        {"feature": "share", "clicks": 5}
    ]  # 03-06 00:00:00
    assert ok(logged_in_client, start="2026-03-01", end="2026-03-01")["total_clicks"] == 6  # incl. 00:00:00
    assert ok(logged_in_client, start="2026-02-28", end="2026-02-28")["total_clicks"] == 7  # 23:59:59


def test_daily_average_divides_by_every_day_of_the_range_and_rounds_half_up(logged_in_client, known):
    # 16 clicks over 7 days (03-01 .. 03-07, two of them without clicks) = 2.285... -> 2.3
    week = ok(logged_in_client, start="2026-03-01", end="2026-03-07")
    assert (week["total_clicks"], week["daily_average"]) == (16, 2.3)
    assert week["daily"] == daily("2026-03-01", [6, 0, 2, 1, 2, 5, 0])
    # 1 click over 4 days = 0.25 -> 0.3
    assert ok(logged_in_client, start="2026-03-02", end="2026-03-05", gender="Other")["daily_average"] == 0.3


def test_an_empty_range_is_all_zeros_not_an_error(logged_in_client, known):
    assert ok(logged_in_client, start="2026-04-01", end="2026-04-03") == {
        "total_clicks": 0,
        "top_feature": None,
        "daily_average": 0.0,
        "features_tracked": 0,
        "by_feature": [],
        "daily": daily("2026-04-01", [0, 0, 0]),
        "by_age_group": ages(0, 0, 0),
        "by_gender": genders(0, 0, 0),
        **trend("2026-04-01", [0, 0, 0]),
    }


def test_the_response_is_not_cached(logged_in_client, known):
    assert get_stats(logged_in_client, **MARCH).headers["Cache-Control"] == "no-store"


# -- cross-check against the raw events table --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "feature"),
    [
        (START, END, None),
        (date(2026, 2, 27), date(2026, 3, 7), "export"),
        (END, date(2026, 3, 6), "share"),
    ],
)
def test_matches_sql_over_the_raw_events(logged_in_client, known, engine, start, end, feature):
    for age_group in ("all", "<18", "18-40", ">40", "unknown"):
        for gender in ("all", "Male", "Female", "Other", "unknown"):
            params = {"start": str(start), "end": str(end), "age_group": age_group, "gender": gender}
            if feature:
                params["feature"] = feature
            expected = oracle.stats(engine, start, end, age_group, gender, feature)
            assert ok(logged_in_client, **params) == expected, params


@pytest.mark.parametrize("source", ["all", "api", "dashboard"])
def test_source_matches_sql_over_the_raw_events(logged_in_client, known, engine, source):
    for start, end, feature in ((START, END, None), (date(2026, 2, 27), date(2026, 3, 7), "export")):
        for age_group in ("all", "<18", "unknown"):
            for gender in ("all", "Male", "unknown"):
                params = {"start": str(start), "end": str(end), "age_group": age_group, "gender": gender}
                params |= {"source": source} | ({"feature": feature} if feature else {})
                expected = oracle.stats(engine, start, end, age_group, gender, feature, source=source)
                assert ok(logged_in_client, **params) == expected, params


def test_unknown_and_source_by_hand(logged_in_client, known):
    # the one click without a known person: share on 03-04, sent by the API
    cards = ("total_clicks", "top_feature", "daily_average", "features_tracked", "by_feature", "daily")
    by_age = ok(logged_in_client, **MARCH, age_group="unknown")
    by_gender = ok(logged_in_client, **MARCH, gender="unknown")
    assert {k: by_age[k] for k in cards} == {k: by_gender[k] for k in cards}
    assert by_age["by_age_group"] == ages(3, 4, 3, 1)
    assert by_age["by_gender"] == genders(0, 0, 0, 1)
    nobody = ok(logged_in_client, **MARCH, gender="unknown")
    assert (nobody["total_clicks"], nobody["top_feature"], nobody["daily_average"]) == (
        1,
        {"name": "share", "clicks": 1},
        0.2,
    )
    assert nobody["by_gender"] == genders(6, 3, 1, 1)  # a breakdown ignores its own filter
    assert nobody["by_age_group"] == ages(0, 0, 0, 1)
    # the dashboard's own use: search by teen 3 (03-01), export by forty 1 (03-05); the API sent the other 7
    dashboard = ok(logged_in_client, **MARCH, source="dashboard")
    assert dashboard["by_feature"] == [{"feature": "search", "clicks": 3}, {"feature": "export", "clicks": 1}]
    assert dashboard["daily"] == daily("2026-03-01", [3, 0, 0, 0, 1])
    assert (dashboard["total_clicks"], dashboard["daily_average"], dashboard["features_tracked"]) == (4, 0.8, 2)
    api = ok(logged_in_client, **MARCH, source="api")
    assert api["by_feature"] == [
        {"feature": "export", "clicks": 3},
        {"feature": "share", "clicks": 3},
        {"feature": "search", "clicks": 1},
    ]
    assert api["by_gender"] == genders(3, 3, 0, 1)


# -- bad parameters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"end": "2026-03-05"}, "start"),
        ({"start": "2026-03-01"}, "end"),
        ({"start": "", "end": "2026-03-05"}, "start"),
        ({"start": "2026-13-01", "end": "2026-03-05"}, "start"),
        ({"start": "yesterday", "end": "2026-03-05"}, "start"),
        ({"start": "2026-03-01", "end": "2026-02-30"}, "end"),
        ({"start": "2026-03-05", "end": "2026-03-01"}, "end"),
        ({**MARCH, "age_group": "teen"}, "age_group"),
        ({**MARCH, "gender": "x"}, "gender"),
        ({**MARCH, "gender": "male"}, "gender"),
        ({**MARCH, "gender": "Unknown"}, "gender"),
        ({**MARCH, "source": "seed"}, "source"),
        ({**MARCH, "source": "API"}, "source"),
        ({**MARCH, "feature": "f" * 101}, "feature"),
        ({**MARCH, "colour": "red"}, "colour"),
        ({**MARCH, "Start": "2026-03-01"}, "Start"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(logged_in_client, known, query, param):
    response = get_stats(logged_in_client, **query)
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "details"}
    assert param in body["error"]
    assert len(body["details"]) == 1
    assert body["details"][0]["param"] == param
    assert body["details"][0]["message"]
    assert "total_clicks" not in body


def test_a_parameter_given_twice_is_400(logged_in_client, known):
    response = logged_in_client.get("/api/v1/stats?start=2026-03-01&end=2026-03-05&gender=Male&gender=Female")
    assert response.status_code == 400
    assert response.get_json()["details"][0]["param"] == "gender"


def test_authentication_comes_before_validation(client, known):
    response = get_stats(client, start="nonsense")
    assert response.status_code == 401


# -- API key and database outage ---------------------------------------------------------------------------------


def test_an_api_key_gives_the_same_numbers_as_a_session(client, logged_in_client, known, api_key):
    from_session = ok(logged_in_client, **MARCH)
    other = client.application.test_client()
    response = other.get("/api/v1/stats", query_string=MARCH, headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 200
    assert response.get_json() == from_session


def test_database_down_is_503_with_retry_after(logged_in_client, known, database_down):
    assert ok(logged_in_client, **MARCH)["total_clicks"] == 11
    database_down()
    response = get_stats(logged_in_client, **MARCH)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert set(response.get_json()) == {"error", "details"}
