"""GET /api/v1/stats on a known dataset, written through the real event writer.

Expected numbers are worked out by hand below, and cross-checked against SQL over the raw `events` table (not the
feature_daily rollup the API reads), for a grid of filters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from appstate import state
from db.users import create_user
from db.writer import Event

UTC = UTC


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


@pytest.fixture
def dataset(dash_app, engine):
    """Four users of known demographics plus anonymous clicks, 2026-02-28 .. 2026-03-06 (UTC).

    In 2026-03-01 .. 2026-03-05:
      export_csv  : u18 (18, Female) x3 on 03-01 (one at 00:00:00), u41 (41, Male) x1 on 03-03   = 4
      share_link  : u17 (17, Male) x2 on 03-02, u40 (40, Other) x2 on 03-05 (one at 23:59:59)              = 4
      date_picker : anonymous x1 on 03-04                                                                  = 1
    Outside it: zoom by u18 at 02-28 23:59:59 and by u41 at 03-06 00:00:00.
    """
    with engine.begin() as conn:
        u17 = create_user(conn, "u17@example.com", "password17", "Seventeen", 17, "Male").id
        u18 = create_user(conn, "u18@example.com", "password18", "Eighteen", 18, "Female").id
        u40 = create_user(conn, "u40@example.com", "password40", "Forty", 40, "Other").id
        u41 = create_user(conn, "u41@example.com", "password41", "Fortyone", 41, "Male").id
    events = [
        Event("zoom", "api", u18, at("2026-02-28T23:59:59")),
        Event("export_csv", "api", u18, at("2026-03-01T00:00:00")),
        Event("export_csv", "api", u18, at("2026-03-01T09:30:00")),
        Event("export_csv", "dashboard", u18, at("2026-03-01T18:00:00")),
        Event("share_link", "api", u17, at("2026-03-02T10:00:00")),
        Event("share_link", "api", u17, at("2026-03-02T11:00:00")),
        Event("export_csv", "api", u41, at("2026-03-03T12:00:00")),
        Event("date_picker", "dashboard", None, at("2026-03-04T08:00:00")),
        Event("share_link", "api", u40, at("2026-03-05T12:00:00")),
        Event("share_link", "api", u40, at("2026-03-05T23:59:59")),
        Event("zoom", "api", u41, at("2026-03-06T00:00:00")),
    ]
    result = state(dash_app.server).writer.submit(events)
    assert (result.accepted, result.duplicates) == (len(events), 0)
    return events


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


MARCH = {"start": "2026-03-01", "end": "2026-03-05"}


# -- hand-computed -----------------------------------------------------------------------------------------------


def test_all_filters_open(logged_in_client, dataset):
    assert ok(logged_in_client, **MARCH) == {
        "total_clicks": 9,
        "top_feature": {"name": "export_csv", "clicks": 4},  # tie with share_link: alphabetical wins
        "daily_average": 1.8,  # 9 / 5 days
        "features_tracked": 3,
        "by_feature": [
            {"feature": "export_csv", "clicks": 4},
            {"feature": "share_link", "clicks": 4},
            {"feature": "date_picker", "clicks": 1},
        ],
        "daily": daily("2026-03-01", [3, 2, 1, 1, 2]),
    }


def test_key_order_is_the_documented_one(logged_in_client, dataset):
    body = logged_in_client.get("/api/v1/stats?start=2026-03-01&end=2026-03-05").get_data(as_text=True)
    positions = [
        body.index(f'"{key}"')
        for key in ("total_clicks", "top_feature", "daily_average", "features_tracked", "by_feature", "daily")
    ]
    assert positions == sorted(positions)


def test_feature_narrows_only_the_daily_series(logged_in_client, dataset):
    everything = ok(logged_in_client, **MARCH)
    narrowed = ok(logged_in_client, **MARCH, feature="share_link")
    assert narrowed["daily"] == daily("2026-03-01", [0, 2, 0, 0, 2])
    assert {k: v for k, v in narrowed.items() if k != "daily"} == {k: v for k, v in everything.items() if k != "daily"}
    nothing = ok(logged_in_client, **MARCH, feature="never_clicked")
    assert nothing["daily"] == daily("2026-03-01", [0, 0, 0, 0, 0])
    assert nothing["total_clicks"] == 9


def test_age_group_18_to_40_includes_both_ends(logged_in_client, dataset):
    assert ok(logged_in_client, **MARCH, age_group="18-40") == {
        "total_clicks": 5,
        "top_feature": {"name": "export_csv", "clicks": 3},
        "daily_average": 1.0,
        "features_tracked": 2,
        "by_feature": [{"feature": "export_csv", "clicks": 3}, {"feature": "share_link", "clicks": 2}],
        "daily": daily("2026-03-01", [3, 0, 0, 0, 2]),
    }


def test_gender_male(logged_in_client, dataset):
    assert ok(logged_in_client, **MARCH, gender="Male") == {
        "total_clicks": 3,
        "top_feature": {"name": "share_link", "clicks": 2},
        "daily_average": 0.6,
        "features_tracked": 2,
        "by_feature": [{"feature": "share_link", "clicks": 2}, {"feature": "export_csv", "clicks": 1}],
        "daily": daily("2026-03-01", [0, 2, 1, 0, 0]),
    }


@pytest.mark.parametrize(
    ("params", "total", "top"),
    [
        ({"age_group": "<18"}, 2, "share_link"),
        ({"age_group": ">40"}, 1, "export_csv"),
        ({"gender": "Female"}, 3, "export_csv"),
        ({"gender": "Other"}, 2, "share_link"),
        ({"age_group": ">40", "gender": "Male"}, 1, "export_csv"),
        ({"age_group": "<18", "gender": "Female"}, 0, None),
        ({"age_group": "all", "gender": "all"}, 9, "export_csv"),
    ],
)
def test_demographic_filters(logged_in_client, dataset, params, total, top):
    body = ok(logged_in_client, **MARCH, **params)
    assert body["total_clicks"] == total
    assert (body["top_feature"] or {}).get("name") == top


def test_end_day_is_inclusive_to_23_59_59_and_the_next_midnight_is_the_next_day(logged_in_client, dataset):
    assert ok(logged_in_client, start="2026-03-05", end="2026-03-05")["total_clicks"] == 2  # incl. 23:59:59
    assert ok(logged_in_client, start="2026-03-06", end="2026-03-06")["by_feature"] == [
        {"feature": "zoom", "clicks": 1}
    ]  # 03-06 00:00:00
    assert ok(logged_in_client, start="2026-03-01", end="2026-03-01")["total_clicks"] == 3  # incl. 00:00:00
    assert ok(logged_in_client, start="2026-02-28", end="2026-02-28")["total_clicks"] == 1  # 23:59:59


def test_daily_average_divides_by_every_day_of_the_range_and_rounds_half_up(logged_in_client, dataset):
    # 10 clicks over 7 days (03-01 .. 03-07, two of them empty) = 1.428... -> 1.4
    week = ok(logged_in_client, start="2026-03-01", end="2026-03-07")
    assert (week["total_clicks"], week["daily_average"]) == (10, 1.4)
    assert week["daily"] == daily("2026-03-01", [3, 2, 1, 1, 2, 1, 0])
    # 1 click over 4 days = 0.25 -> 0.3
    assert ok(logged_in_client, start="2026-03-02", end="2026-03-05", age_group=">40")["daily_average"] == 0.3


def test_an_empty_range_is_all_zeros_not_an_error(logged_in_client, dataset):
    assert ok(logged_in_client, start="2026-04-01", end="2026-04-03") == {
        "total_clicks": 0,
        "top_feature": None,
        "daily_average": 0.0,
        "features_tracked": 0,
        "by_feature": [],
        "daily": daily("2026-04-01", [0, 0, 0]),
    }


def test_the_response_is_not_cached(logged_in_client, dataset):
    assert get_stats(logged_in_client, **MARCH).headers["Cache-Control"] == "no-store"


# -- cross-check against the raw events table --------------------------------------------------------------------


def from_raw_events(
    engine, start: str, end: str, age_group: str = "all", gender: str = "all", feature: str | None = None
) -> dict:
    """The expected JSON computed in SQL from `events` (UTC day boundaries as a half-open timestamp range)."""
    where = (
        "occurred_at >= CAST(:start AS date)::timestamp AT TIME ZONE 'UTC'"
        " AND occurred_at < (CAST(:end AS date) + 1)::timestamp AT TIME ZONE 'UTC'"
    )
    params = {"start": start, "end": end}
    if age_group != "all":
        where += " AND age_group = :age_group"
        params["age_group"] = age_group
    if gender != "all":
        where += " AND gender = :gender"
        params["gender"] = gender
    with engine.connect() as conn:
        by_feature = [
            {"feature": row.feature, "clicks": row.clicks}
            for row in conn.execute(
                text(
                    f"SELECT feature, count(*) AS clicks FROM events WHERE {where}"
                    ' GROUP BY feature ORDER BY count(*) DESC, feature COLLATE "C"'
                ),
                params,
            )
        ]
        total = sum(item["clicks"] for item in by_feature)
        average = conn.execute(
            text("SELECT round(CAST(:total AS numeric) / (CAST(:end AS date) - CAST(:start AS date) + 1), 1)"),
            {"total": total, "start": start, "end": end},
        ).scalar_one()
        day_where = where + (" AND feature = :feature" if feature else "")
        day_params = dict(params, **({"feature": feature} if feature else {}))
        days = [
            {"date": row.day.isoformat(), "clicks": row.clicks}
            for row in conn.execute(
                text(
                    "SELECT d::date AS day, (SELECT count(*) FROM events WHERE "
                    + day_where.replace(":start", "CAST(d AS date)").replace(":end", "CAST(d AS date)")
                    + ") AS clicks FROM generate_series(CAST(:start AS date), CAST(:end AS date), interval '1 day') d"
                    " ORDER BY d"
                ),
                day_params,
            )
        ]
    return {
        "total_clicks": total,
        "top_feature": {"name": by_feature[0]["feature"], "clicks": by_feature[0]["clicks"]} if by_feature else None,
        "daily_average": float(average),
        "features_tracked": len(by_feature),
        "by_feature": by_feature,
        "daily": days,
    }


@pytest.mark.parametrize(
    ("start", "end", "feature"),
    [
        ("2026-03-01", "2026-03-05", None),
        ("2026-02-27", "2026-03-07", "export_csv"),
        ("2026-03-05", "2026-03-06", "zoom"),
    ],
)
def test_matches_sql_over_the_raw_events(logged_in_client, dataset, engine, start, end, feature):
    for age_group in ("all", "<18", "18-40", ">40"):
        for gender in ("all", "Male", "Female", "Other"):
            params = {"start": start, "end": end, "age_group": age_group, "gender": gender}
            if feature:
                params["feature"] = feature
            expected = from_raw_events(engine, start, end, age_group, gender, feature)
            assert ok(logged_in_client, **params) == expected, params


def test_the_raw_sql_cross_check_itself_agrees_with_the_hand_count(engine, dataset):
    assert from_raw_events(engine, "2026-03-01", "2026-03-05")["daily"] == daily("2026-03-01", [3, 2, 1, 1, 2])
    assert from_raw_events(engine, "2026-03-01", "2026-03-05")["total_clicks"] == 9


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
        ({**MARCH, "feature": "f" * 101}, "feature"),
        ({**MARCH, "colour": "red"}, "colour"),
        ({**MARCH, "Start": "2026-03-01"}, "Start"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(logged_in_client, dataset, query, param):
    response = get_stats(logged_in_client, **query)
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "details"}
    assert param in body["error"]
    assert len(body["details"]) == 1
    assert body["details"][0]["param"] == param
    assert body["details"][0]["message"]
    assert "total_clicks" not in body


def test_a_parameter_given_twice_is_400(logged_in_client, dataset):
    response = logged_in_client.get("/api/v1/stats?start=2026-03-01&end=2026-03-05&gender=Male&gender=Female")
    assert response.status_code == 400
    assert response.get_json()["details"][0]["param"] == "gender"


def test_authentication_comes_before_validation(client, dataset):
    response = get_stats(client, start="nonsense")
    assert response.status_code == 401


# -- API key and database outage ---------------------------------------------------------------------------------


def test_an_api_key_gives_the_same_numbers_as_a_session(client, logged_in_client, dataset, api_key):
    from_session = ok(logged_in_client, **MARCH)
    other = client.application.test_client()
    response = other.get("/api/v1/stats", query_string=MARCH, headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 200
    assert response.get_json() == from_session


def test_database_down_is_503_with_retry_after(logged_in_client, dataset, database_down):
    assert ok(logged_in_client, **MARCH)["total_clicks"] == 9
    database_down()
    response = get_stats(logged_in_client, **MARCH)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert set(response.get_json()) == {"error", "details"}
