"""The native API's people (`user`) and the one feature-name rule, end to end: POST, then SQL, stats and export."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from db import people
from tests.api.conftest import new_event, post_events

WHEN = datetime.now(UTC).replace(microsecond=0).isoformat()
DAY = WHEN[:10]


def query(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(text(sql)))


def test_real_event_names_are_stored_stripped_and_case_sensitive(client, auth, engine):
    names = [
        "Order Completed",
        "  Order Completed\t",  # the same feature once stripped
        "order completed",  # another one: names are case-sensitive
        "Button Clicked",
        "Café ☕ 日本語",
        "é" * 100,  # 100 code points (200 bytes): allowed
        "<b>bold</b> & co",
    ]
    response = post_events(client, auth, [new_event(name, occurred_at=WHEN) for name in names])
    assert response.status_code == 202, response.get_data(as_text=True)
    expected = sorted(
        [
            ("Order Completed", 2),
            ("order completed", 1),
            ("Button Clicked", 1),
            ("Café ☕ 日本語", 1),
            ("é" * 100, 1),
            ("<b>bold</b> & co", 1),
        ]
    )
    assert query(engine, "SELECT feature, count(*) FROM events GROUP BY 1") == expected
    assert query(engine, "SELECT feature, sum(clicks)::int FROM feature_daily GROUP BY 1") == expected


def test_101_code_points_and_control_characters_are_refused(client, auth, engine):
    for bad in ["é" * 101, "Order\x00Completed", "Order\nCompleted", "bell\x07", "in\u2028side", "soft\u00adhyphen"]:
        response = post_events(client, auth, [new_event("fine"), new_event(bad)])
        assert response.status_code == 400, bad
        assert [(d["index"], d["field"]) for d in response.get_json()["details"]] == [(1, "feature")]
    assert query(engine, "SELECT count(*) FROM events") == [(0,)]


def test_stats_take_a_name_with_spaces(client, auth, logged_in_client, engine):
    events = [new_event(name, occurred_at=WHEN) for name in ["Order Completed"] * 3 + ["=1+1 attack", "Other"]]
    assert post_events(client, auth, events).status_code == 202
    for given in ["Order Completed", "  Order Completed "]:  # read like the API reads it
        body = logged_in_client.get("/api/v1/stats", query_string={"start": DAY, "end": DAY, "feature": given})
        assert body.status_code == 200, body.get_data(as_text=True)
        assert [d["clicks"] for d in body.get_json()["daily"]] == [3]
    refused = logged_in_client.get("/api/v1/stats", query_string={"start": DAY, "end": DAY, "feature": "a\tb"})
    assert refused.status_code == 400 and refused.get_json()["details"][0]["param"] == "feature"
    everything = logged_in_client.get("/api/v1/stats", query_string={"start": DAY, "end": DAY}).get_json()
    assert everything["by_feature"] == [
        {"feature": "Order Completed", "clicks": 3},
        {"feature": "=1+1 attack", "clicks": 1},
        {"feature": "Other", "clicks": 1},
    ]


def test_user_names_a_person_whose_traits_the_events_take(client, auth, engine, analyst):
    with engine.begin() as conn:
        people.identify(conn, "customer-42", age=67, gender="Male")
    events = [
        new_event("Order Completed", user="customer-42"),
        new_event("Order Completed", user="never-identified"),  # becomes a person with unknown traits
        new_event("Order Completed", user_id=analyst.id),  # an account, as before (age 30, Female)
    ]
    response = post_events(client, auth, events)
    assert response.status_code == 202, response.get_data(as_text=True)
    assert query(engine, "SELECT age_group, gender, count(*) FROM events GROUP BY 1, 2") == sorted(
        [(">40", "Male", 1), ("unknown", "unknown", 1), ("18-40", "Female", 1)]
    )
    assert query(engine, "SELECT external_id, age, gender FROM people") == [
        ("customer-42", 67, "Male"),
        ("never-identified", None, None),
    ]


def test_user_and_user_id_together_or_a_bad_user_is_400_and_nothing_is_written(client, auth, engine, analyst):
    events = [
        new_event(user="ok"),
        new_event(user="both", user_id=analyst.id),
        new_event(user=""),
        new_event(user=42),
        new_event(user="x" * 256),
    ]
    response = post_events(client, auth, events)
    assert response.status_code == 400
    assert [(d["index"], d["field"]) for d in response.get_json()["details"]] == [
        (1, "user"),
        (2, "user"),
        (3, "user"),
        (4, "user"),
    ]
    assert query(engine, "SELECT count(*) FROM events") == [(0,)]
    assert query(engine, "SELECT count(*) FROM people") == [(0,)]
