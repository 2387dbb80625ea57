"""Contract of the Segment-compatible endpoints (/v1/batch, /v1/track, /v1/identify, /v1/page, /v1/screen): the
key in Basic auth or the body, every kind of message, message ids as idempotency keys, gzip bodies within a limit,
and the native API's guarantees (400 with nothing written, 429/503 with Retry-After), against PostgreSQL."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from api import sdk_input
from tests.api.conftest import counts, run_cli

NOW = datetime.now(UTC).replace(microsecond=0)


def basic(key: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def post(client, path: str, body: dict, headers: dict | None = None, **kwargs):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers or {}, **kwargs)


def track(event: str = "Order Completed", **fields) -> dict:
    return {"type": "track", "event": event, "userId": "user-1", "messageId": str(uuid.uuid4()), **fields}


def rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT event_id, feature, occurred_at, source FROM events ORDER BY feature")).all()


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body["error"], str) and isinstance(body["details"], list)
    assert body["message"] == body["error"] and isinstance(body["code"], str)  # what Segment's SDKs log
    return body


@pytest.fixture
def key(api_key) -> str:
    return api_key


# -- what is stored ------------------------------------------------------------------------------------------------


def test_a_batch_of_every_kind_is_200_success_after_commit(client, key, engine):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    batch = [
        track("Order Completed", messageId=ids[0], timestamp="2026-11-20T23:30:00.000-02:00"),
        {"type": "page", "name": "Pricing", "anonymousId": "anon-9", "messageId": ids[1]},
        {"type": "screen", "name": "Settings", "userId": 42, "messageId": ids[2]},
        {"type": "page", "anonymousId": "anon-9"},  # no name: nothing to count
        {"type": "identify", "userId": "user-1", "traits": {"age": 30}},
        {"type": "alias", "previousId": "anon-9", "userId": "user-1"},
        {"type": "group", "userId": "user-1", "groupId": "acme"},
    ]
    response = post(client, "/v1/batch", {"batch": batch}, basic(key))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"success": True}
    stored = {r.feature: r for r in rows(engine)}
    assert sorted(stored) == ["Order Completed", "Pricing", "Settings"]
    assert [str(stored[f].event_id) for f in ("Order Completed", "Pricing", "Settings")] == ids
    assert stored["Order Completed"].occurred_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert {r.source for r in stored.values()} == {"api"}
    assert counts(engine) == (3, 3)


def test_write_key_in_the_body_and_the_single_message_paths(client, key, engine):
    assert post(client, "/v1/track", {"writeKey": key, "event": "Signed Up", "userId": "u"}).status_code == 200
    assert post(client, "/v1/page", {"writeKey": key, "name": "Home", "userId": "u"}).status_code == 200
    assert post(client, "/v1/screen", {"writeKey": key, "name": "Cart", "anonymousId": "a"}).status_code == 200
    response = post(client, "/v1/identify", {"writeKey": key, "userId": "u", "traits": {"gender": "female"}})
    assert response.status_code == 200 and response.get_json() == {"success": True}
    assert post(client, "/v1/alias", {"writeKey": key, "previousId": "a", "userId": "u"}).status_code == 200
    assert sorted(r.feature for r in rows(engine)) == ["Cart", "Home", "Signed Up"]


def test_timestamp_then_original_timestamp_then_arrival(client, key, engine):
    batch = [
        track("a", timestamp="2026-11-25T10:00:00Z", originalTimestamp="2026-11-24T10:00:00Z"),
        track("b", originalTimestamp="2026-11-24T10:00:00+01:00"),
        track("c"),
        track("d", timestamp="2026-11-25T08:00:00"),  # no offset: UTC
    ]
    before = datetime.now(UTC)
    assert post(client, "/v1/batch", {"batch": batch}, basic(key)).status_code == 200
    stored = {r.feature: r.occurred_at for r in rows(engine)}
    assert stored["a"] == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert stored["b"] == datetime(2026, 11, 24, 9, tzinfo=UTC)
    assert before - timedelta(seconds=1) <= stored["c"] <= datetime.now(UTC) + timedelta(seconds=1)
    assert stored["d"] == datetime(2026, 11, 25, 8, tzinfo=UTC)


# -- idempotency ---------------------------------------------------------------------------------------------------


def test_a_retried_batch_is_counted_once(client, key, engine):
    batch = [track(f"f{i % 3}") for i in range(20)] + [track("text id", messageId="ajs-next-1764-abc")]
    for _ in range(3):
        assert post(client, "/v1/batch", {"batch": batch}, basic(key)).status_code == 200
    assert counts(engine) == (21, 21)


def test_a_non_uuid_message_id_is_one_stable_id(client, key, engine):
    assert post(client, "/v1/batch", {"batch": [track("x", messageId="order-17")]}, basic(key)).status_code == 200
    (row,) = rows(engine)
    assert row.event_id == uuid.uuid5(sdk_input.SEGMENT_NAMESPACE, "order-17")
    # the same text as a PostHog uuid is another event: the tools' ids do not collide
    body = {"api_key": key, "batch": [{"event": "x", "distinct_id": "u", "uuid": "order-17"}]}
    assert post(client, "/batch/", body).status_code == 200
    assert counts(engine) == (2, 2)


def test_a_message_without_id_gets_a_new_one(client, key, engine):
    message = {"type": "track", "event": "no id", "userId": "u"}
    for _ in range(2):
        assert post(client, "/v1/batch", {"batch": [message]}, basic(key)).status_code == 200
    assert counts(engine) == (2, 2)


# -- keys ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, body_key",
    [
        ({}, None),
        ({}, "cb_not_a_key"),
        ({"Authorization": "Basic !!!"}, None),
        ({"Authorization": "Bearer cb_nope"}, None),
    ],
)
def test_no_valid_key_is_401_and_nothing_written(client, engine, headers, body_key):
    body = {"batch": [track()], **({"writeKey": body_key} if body_key else {})}
    response = post(client, "/v1/batch", body, headers)
    assert_error(response, 401)
    assert counts(engine) == (0, 0)


def test_the_header_key_wins_over_the_body_key(client, key, engine):
    response = post(client, "/v1/batch", {"writeKey": key, "batch": [track()]}, basic("cb_wrong"))
    assert_error(response, 401)
    assert counts(engine) == (0, 0)


def test_a_read_only_key_is_403_and_an_ingest_only_key_is_accepted(client, engine, monkeypatch, db_url):
    code, out, _ = run_cli(monkeypatch, db_url, "create-api-key", "reader", "--scope", "read")
    reader = out.strip().splitlines()[-1]
    code2, out2, _ = run_cli(monkeypatch, db_url, "create-api-key", "sender")  # default scope: ingest only
    sender = out2.strip().splitlines()[-1]
    assert code == code2 == 0
    assert_error(post(client, "/v1/batch", {"batch": [track()]}, basic(reader)), 403)
    assert_error(post(client, "/v1/track", {"writeKey": reader, "event": "x", "userId": "u"}), 403)
    assert counts(engine) == (0, 0)
    assert post(client, "/v1/batch", {"batch": [track()]}, basic(sender)).status_code == 200
    assert counts(engine) == (1, 1)


# -- 400: nothing written ------------------------------------------------------------------------------------------

BAD_MESSAGES = [
    ({"type": "track", "userId": "u"}, "event"),
    ({"type": "track", "event": "", "userId": "u"}, "event"),
    ({"type": "track", "event": "x" * 101, "userId": "u"}, "event"),
    ({"type": "track", "event": "bell\x07", "userId": "u"}, "event"),
    ({"type": "track", "event": 5, "userId": "u"}, "event"),
    ({"type": "page", "name": "", "userId": "u"}, "name"),
    ({"type": "track", "event": "x"}, "userId"),
    ({"type": "track", "event": "x", "userId": ""}, "userId"),
    ({"type": "track", "event": "x", "userId": "u", "messageId": 17}, "messageId"),
    ({"type": "track", "event": "x", "userId": "u", "timestamp": "yesterday"}, "timestamp"),
    ({"type": "track", "event": "x", "userId": "u", "timestamp": "2026-11-25"}, "timestamp"),
    ({"type": "track", "event": "x", "userId": "u", "timestamp": (NOW - timedelta(days=400)).isoformat()}, "timestamp"),
    ({"type": "track", "event": "x", "userId": "u", "timestamp": (NOW + timedelta(hours=2)).isoformat()}, "timestamp"),
    ({"type": "identify", "userId": "u", "traits": [1]}, "traits"),
    ({"type": "launch", "userId": "u"}, "type"),
    ({"event": "x", "userId": "u"}, "type"),
    ("track", None),
]


@pytest.mark.parametrize("bad, field", BAD_MESSAGES)
def test_a_bad_message_refuses_the_whole_batch(client, key, engine, bad, field):
    response = post(client, "/v1/batch", {"batch": [track("good"), bad]}, basic(key))
    body = assert_error(response, 400)
    assert [(d["index"], d["field"]) for d in body["details"]] == [(1, field)]
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize(
    "body",
    [{}, {"batch": []}, {"batch": {}}, {"batch": [track()] * (sdk_input.MAX_MESSAGES + 1)}, [track()]],
)
def test_malformed_batches_are_400(client, key, engine, body):
    assert_error(post(client, "/v1/batch", body, basic(key)), 400)
    assert counts(engine) == (0, 0)


def test_not_json_is_415_and_bad_json_is_400(client, key):
    assert_error(client.post("/v1/batch", data="batch=1", headers=basic(key), content_type="text/plain"), 415)
    assert_error(client.post("/v1/batch", data="{", headers=basic(key), content_type="application/json"), 400)


# -- gzip and size limits ------------------------------------------------------------------------------------------


def test_a_gzip_body_is_accepted(client, key, engine):
    data = gzip.compress(json.dumps({"batch": [track("zipped")]}).encode())
    response = client.post(
        "/v1/batch", data=data, content_type="application/json", headers={**basic(key), "Content-Encoding": "gzip"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r.feature for r in rows(engine)] == ["zipped"]


def test_a_zip_bomb_is_413_without_inflating_it_all(client, key, engine):
    """A 64 KiB body that would inflate to 64 MiB: refused once the inflated size passes the limit."""
    bomb = gzip.compress(b"[" + b" " * (64 << 20) + b"]", compresslevel=9)
    assert len(bomb) < 100_000
    response = client.post(
        "/v1/batch", data=bomb, content_type="application/json", headers={**basic(key), "Content-Encoding": "gzip"}
    )
    body = assert_error(response, 413)
    assert "inflated" in body["details"][0]["message"]
    assert counts(engine) == (0, 0)


def test_bad_gzip_is_400_and_other_encodings_415(client, key):
    headers = {**basic(key), "Content-Encoding": "gzip"}
    assert_error(client.post("/v1/batch", data=b"not gzip", content_type="application/json", headers=headers), 400)
    truncated = gzip.compress(json.dumps({"batch": [track()]}).encode())[:-10]
    assert_error(client.post("/v1/batch", data=truncated, content_type="application/json", headers=headers), 400)
    headers["Content-Encoding"] = "br"
    assert_error(client.post("/v1/batch", data=b"{}", content_type="application/json", headers=headers), 415)


def test_a_body_over_the_wire_limit_is_413(client, key, engine):
    big = {"batch": [track(properties={"pad": "x" * (sdk_input.MAX_WIRE_BYTES)})]}
    assert_error(post(client, "/v1/batch", big, basic(key)), 413)
    assert counts(engine) == (0, 0)


# -- the dashboard around it ---------------------------------------------------------------------------------------


def test_no_login_redirect_no_csrf_check_and_security_headers(logged_in_client, key, engine):
    """A browser's session cookie and a cross-site origin change nothing: the key decides, the answer is JSON."""
    cross_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    response = post(logged_in_client, "/v1/batch", {"batch": [track()]}, cross_site)
    assert_error(response, 401)  # the session does not authenticate
    response = post(logged_in_client, "/v1/batch", {"batch": [track()]}, {**cross_site, **basic(key)})
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers
    response = logged_in_client.get("/v1/batch")
    assert response.status_code == 405 and response.mimetype == "application/json"
    assert logged_in_client.post("/v1/nothing", headers=basic(key)).status_code == 404


def test_database_down_is_503_with_retry_after(client, key, engine, database_down):
    batch = [track("after the outage")]
    assert post(client, "/v1/batch", {"batch": batch}, basic(key)).status_code == 200  # the key is now remembered
    database_down()
    response = post(client, "/v1/batch", {"batch": batch + [track("new")]}, basic(key))
    assert_error(response, 503)
    assert int(response.headers["Retry-After"]) >= 1


def test_a_full_writer_queue_is_429_with_retry_after_for_both_tools(make_app, key, engine):
    """The flusher is held by a table lock and one submission waits in a queue of size 1: the next request of
    either tool gets 429 with Retry-After (both SDKs retry it), and nothing of it is written."""
    import threading
    import time

    from appstate import state
    from tests.api.conftest import wait_until_the_flusher_blocks

    app = make_app(writer_queue_size=1)
    writer = state(app.server).writer
    results: list[int] = []

    def send(feature: str) -> None:
        client = app.server.test_client()
        results.append(post(client, "/v1/batch", {"batch": [track(feature)]}, basic(key)).status_code)

    with engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
        first = threading.Thread(target=send, args=("held",))
        first.start()
        deadline = time.monotonic() + 10
        wait_until_the_flusher_blocks(engine, deadline)
        second = threading.Thread(target=send, args=("queued",))
        second.start()
        while writer.queued < 1:
            assert time.monotonic() < deadline, "the second request never reached the queue"
            time.sleep(0.01)
        client = app.server.test_client()
        refused = post(client, "/v1/batch", {"batch": [track("refused")]}, basic(key))
        assert_error(refused, 429)
        assert int(refused.headers["Retry-After"]) >= 1
        ph = post(client, "/batch/", {"api_key": key, "batch": [{"event": "refused", "distinct_id": "u"}]})
        assert ph.status_code == 429 and ph.get_json()["detail"] and int(ph.headers["Retry-After"]) >= 1
        blocker.rollback()
    first.join(10)
    second.join(10)
    assert sorted(results) == [200, 200]
    assert sorted(r.feature for r in rows(engine)) == ["held", "queued"]


def test_the_per_key_rate_limit_holds_for_the_sdk_endpoints(monkeypatch, db_url, engine, make_app):
    """One bucket per key whatever the endpoint: the native API, Segment and PostHog spend from it together; a key
    over its limit gets 429 with Retry-After (both SDKs retry it) and another key is still accepted."""
    client = make_app(api_key_events_per_second=1.0, api_key_burst_events=1000).server.test_client()
    keys = []
    for name in ("noisy", "quiet"):
        code, out, err = run_cli(monkeypatch, db_url, "create-api-key", name, "--quiet")
        assert code == 0, err
        keys.append(out.strip())
    noisy, quiet = keys
    assert post(client, "/v1/batch", {"batch": [track("s") for _ in range(600)]}, basic(noisy)).status_code == 200
    body = {"api_key": noisy, "batch": [{"event": "p", "distinct_id": "u"} for _ in range(400)]}
    assert post(client, "/batch/", body).status_code == 200
    refused = post(client, "/v1/batch", {"batch": [track("s") for _ in range(100)]}, basic(noisy))
    assert_error(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    refused = post(client, "/capture/", {**body, "batch": body["batch"][:100]})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert post(client, "/v1/batch", {"batch": [track("q")]}, basic(quiet)).status_code == 200
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT feature, count(*) FROM events GROUP BY 1")).all())
    assert stored == {"s": 600, "p": 400, "q": 1}
