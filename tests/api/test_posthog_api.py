"""Contract of the PostHog-compatible endpoints (/batch/, /capture/, /e/): api_key in the body, batches and single
events, uuid as the idempotency key, which "$" events count (POSTHOG_FEATURE_EVENTS), gzip bodies, and the native
API's guarantees, against PostgreSQL."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from api import sdk_input
from tests.api.conftest import counts, run_cli

NOW = datetime.now(UTC).replace(microsecond=0)


def post(client, path: str, body: dict, headers: dict | None = None):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers or {})


def event(name: str = "Button Clicked", **fields) -> dict:
    return {"event": name, "distinct_id": "user-1", "uuid": str(uuid.uuid4()), "properties": {}, **fields}


def features(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(text("SELECT feature FROM events")).scalars())


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body["error"], str) and isinstance(body["details"], list)
    assert body["detail"] == body["error"] and isinstance(body["type"], str)  # what PostHog's SDKs read
    return body


@pytest.mark.parametrize("path", ["/batch/", "/batch", "/capture/", "/capture", "/e/", "/e"])
def test_a_batch_on_every_path_is_200_status_1(client, api_key, engine, path):
    given = str(uuid.uuid4())
    batch = [event("Button Clicked", uuid=given, timestamp="2026-11-20T23:30:00-02:00"), event("Order Completed")]
    response = post(client, path, {"api_key": api_key, "batch": batch})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"status": 1}
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM events WHERE feature = 'Button Clicked'")).one()
    assert str(row.event_id) == given and row.source == "api"
    assert row.occurred_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert counts(engine) == (2, 2)


def test_one_event_with_the_key_beside_it(client, api_key, engine):
    body = {"api_key": api_key, "event": "Signed Up", "properties": {"distinct_id": 7}}
    assert post(client, "/capture/", body).status_code == 200
    assert post(client, "/e/", {**body, "event": "Logged In", "distinct_id": "x"}).status_code == 200
    assert features(engine) == ["Logged In", "Signed Up"]


def test_which_dollar_events_count_by_default(client, api_key, engine):
    batch = [
        event("$pageview"),
        event("$screen"),
        event("$identify", properties={"$set": {"age": 30}}),
        event("$set", **{"$set": {"gender": "male"}}),
        event("$feature_flag_called"),
        event("$exception"),
        event("$autocapture"),
        event("Mine"),
    ]
    assert post(client, "/batch/", {"api_key": api_key, "batch": batch}).status_code == 200
    assert features(engine) == ["$pageview", "$screen", "Mine"]


def test_the_setting_chooses_the_dollar_events(make_app, api_key, engine):
    app = make_app(posthog_feature_events="$autocapture")
    client = app.server.test_client()
    batch = [event("$pageview"), event("$autocapture"), event("Mine")]
    assert post(client, "/batch/", {"api_key": api_key, "batch": batch}).status_code == 200
    assert features(engine) == ["$autocapture", "Mine"]


def test_the_setting_is_validated():
    from config import ConfigError, Settings

    assert Settings.load({"POSTHOG_FEATURE_EVENTS": "none"}).posthog_features == frozenset()
    assert Settings.load({"POSTHOG_FEATURE_EVENTS": " $pageview , $x"}).posthog_features == {"$pageview", "$x"}
    assert Settings.load({}).posthog_features == {"$pageview", "$screen"}
    with pytest.raises(ConfigError, match="POSTHOG_FEATURE_EVENTS"):
        Settings.load({"POSTHOG_FEATURE_EVENTS": "pageview"})


def test_retries_count_once_and_ids_map_stably(client, api_key, engine):
    batch = [event(f"f{i % 4}") for i in range(30)] + [event("text id", uuid="evt-17")]
    for _ in range(3):
        assert post(client, "/batch/", {"api_key": api_key, "batch": batch}).status_code == 200
    assert counts(engine) == (31, 31)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT event_id FROM events WHERE feature = 'text id'")).scalar_one()
    assert stored == uuid.uuid5(sdk_input.POSTHOG_NAMESPACE, "evt-17")


@pytest.mark.parametrize("body_key", [None, "", "cb_nope", 5])
def test_no_valid_key_is_401(client, engine, body_key):
    body = {"batch": [event()], **({"api_key": body_key} if body_key is not None else {})}
    assert_error(post(client, "/batch/", body), 401)
    assert counts(engine) == (0, 0)


def test_a_read_only_key_is_403(client, engine, monkeypatch, db_url):
    code, out, _ = run_cli(monkeypatch, db_url, "create-api-key", "reader", "--scope", "read")
    assert code == 0
    assert_error(post(client, "/batch/", {"api_key": out.strip().splitlines()[-1], "batch": [event()]}), 403)
    assert counts(engine) == (0, 0)


BAD_EVENTS = [
    ({"distinct_id": "u"}, "event"),
    ({"event": "", "distinct_id": "u"}, "event"),
    ({"event": "tab\there", "distinct_id": "u"}, "event"),
    ({"event": "x" * 101, "distinct_id": "u"}, "event"),
    ({"event": "x"}, "distinct_id"),
    ({"event": "x", "distinct_id": ""}, "distinct_id"),
    ({"event": "x", "distinct_id": "u", "properties": []}, "properties"),
    ({"event": "x", "distinct_id": "u", "uuid": 5}, "uuid"),
    ({"event": "x", "distinct_id": "u", "timestamp": "soon"}, "timestamp"),
    ({"event": "x", "distinct_id": "u", "timestamp": (NOW - timedelta(days=400)).isoformat()}, "timestamp"),
    ({"event": "x", "distinct_id": "u", "$set": "age=3"}, "$set"),
    (["x"], None),
]


@pytest.mark.parametrize("bad, field", BAD_EVENTS)
def test_a_bad_event_refuses_the_whole_batch(client, api_key, engine, bad, field):
    body = assert_error(post(client, "/batch/", {"api_key": api_key, "batch": [event(), bad]}), 400)
    assert [(d["index"], d["field"]) for d in body["details"]] == [(1, field)]
    assert counts(engine) == (0, 0)


def test_gzip_bodies_and_their_limit(client, api_key, engine):
    data = gzip.compress(json.dumps({"api_key": api_key, "batch": [event("zipped")]}).encode())
    headers = {"Content-Encoding": "gzip"}
    response = client.post("/batch/", data=data, content_type="application/json", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    bomb = gzip.compress(b" " * (sdk_input.MAX_INFLATED_BYTES + 1))
    response = client.post("/batch/", data=bomb, content_type="application/json", headers=headers)
    assert_error(response, 413)
    assert features(engine) == ["zipped"]


def test_the_browser_encodings_are_refused(client, api_key, engine):
    """posthog-js's form-encoded base64 and lz64 bodies are not read (documented as unsupported)."""
    response = client.post("/e/?compression=lz64", data="data=abc", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415)
    assert counts(engine) == (0, 0)


def test_no_login_redirect_and_json_errors(logged_in_client, api_key):
    assert logged_in_client.get("/batch/").status_code == 405
    response = post(logged_in_client, "/batch/", {"batch": [event()]}, {"Origin": "https://evil.example"})
    assert_error(response, 401)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
