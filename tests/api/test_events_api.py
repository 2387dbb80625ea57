"""Contract of POST /api/v1/events: every status code, every validation rule, idempotency, all against PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.api.conftest import counts, new_event, post_events, wait_until_the_flusher_blocks

URL = "/api/v1/events"


def iso(dt: datetime) -> str:
    return dt.isoformat()


def now() -> datetime:
    return datetime.now(UTC)


def assert_error(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["details"], list)
    return body


# -- 202 ------------------------------------------------------------------------------------------------------


def test_accepts_a_batch_after_commit_and_fills_defaults(client, auth, engine, analyst):
    given_id = str(uuid.uuid4())
    occurred = "2026-11-20T23:30:00-02:00"  # 21 Nov in UTC
    events = [
        {"event_id": given_id, "feature": "export_csv", "user_id": analyst.id, "occurred_at": occurred},
        {"feature": "a.b:c-d_E9"},  # no id, no time, no user
    ]
    before = now()
    response = post_events(client, auth, events)
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json() == {"accepted": 2, "duplicates": 0}
    with engine.connect() as conn:
        rows = {r.feature: r for r in conn.execute(text("SELECT * FROM events"))}
        rollup = conn.execute(text("SELECT day, feature, age_group, gender, clicks FROM feature_daily")).all()
    assert str(rows["export_csv"].event_id) == given_id
    assert rows["export_csv"].occurred_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert (rows["export_csv"].age_group, rows["export_csv"].gender) == ("18-40", "Female")
    assert rows["export_csv"].source == "api"
    generated = rows["a.b:c-d_E9"]
    assert generated.event_id is not None and str(generated.event_id) != given_id
    assert (generated.age_group, generated.gender, generated.user_id) == ("unknown", "unknown", None)
    assert before - timedelta(seconds=5) <= generated.occurred_at <= now() + timedelta(seconds=5)
    assert ("2026-11-21", "export_csv", "18-40", "Female", 1) in [(str(r[0]), *r[1:]) for r in rollup]
    assert counts(engine) == (2, 2)


def test_accepts_1000_events_and_nulls_for_optional_fields(client, auth, engine):
    events = [new_event(f"f{i % 7}", user_id=None, occurred_at=None) for i in range(1000)]
    response = post_events(client, auth, events)
    assert response.status_code == 202
    assert response.get_json() == {"accepted": 1000, "duplicates": 0}
    assert counts(engine) == (1000, 1000)


def test_same_batch_twice_is_counted_once(client, auth, engine):
    events = [new_event("retry_me", occurred_at=iso(now())) for _ in range(50)]
    first = post_events(client, auth, events)
    second = post_events(client, auth, events)
    assert first.status_code == second.status_code == 202
    assert first.get_json() == {"accepted": 50, "duplicates": 0}
    assert second.get_json() == {"accepted": 0, "duplicates": 50}
    assert counts(engine) == (50, 50)


def test_partly_known_batch_counts_only_new_events(client, auth, engine):
    old = [new_event("x") for _ in range(3)]
    assert post_events(client, auth, old).status_code == 202
    mixed = old + [new_event("x") for _ in range(2)]
    response = post_events(client, auth, mixed)
    assert response.get_json() == {"accepted": 2, "duplicates": 3}
    assert counts(engine) == (5, 5)


def test_same_id_twice_in_one_batch_counts_once(client, auth, engine):
    event = new_event("twin")
    response = post_events(client, auth, [event, dict(event)])
    assert response.get_json() == {"accepted": 1, "duplicates": 1}
    assert counts(engine) == (1, 1)


# -- 400: validation --------------------------------------------------------------------------------------------

BAD_EVENTS = [
    ({"feature": ""}, "feature"),
    ({"feature": "x" * 101}, "feature"),
    ({"feature": "tab\there"}, "feature"),
    ({"feature": "zero\u200bwidth"}, "feature"),
    ({"feature": "   "}, "feature"),
    ({"feature": 5}, "feature"),
    ({"feature": None}, "feature"),
    ({}, "feature"),
    ({"feature": "ok", "event_id": "not-a-uuid"}, "event_id"),
    ({"feature": "ok", "event_id": 12}, "event_id"),
    ({"feature": "ok", "user_id": "5"}, "user_id"),
    ({"feature": "ok", "user_id": 1.5}, "user_id"),
    ({"feature": "ok", "user_id": True}, "user_id"),
    ({"feature": "ok", "user_id": 0}, "user_id"),
    ({"feature": "ok", "user_id": 2**70}, "user_id"),
    ({"feature": "ok", "user_id": 987654}, "user_id"),  # no such user
    ({"feature": "ok", "occurred_at": "2026-11-25T10:00:00"}, "occurred_at"),  # no offset
    ({"feature": "ok", "occurred_at": "2026-11-25"}, "occurred_at"),
    ({"feature": "ok", "occurred_at": 1764064800}, "occurred_at"),
    ({"feature": "ok", "occurred_at": "1764064800"}, "occurred_at"),
    ({"feature": "ok", "occurred_at": "2026-13-01T10:00:00Z"}, "occurred_at"),
    ({"feature": "ok", "occurred_at": "yesterday"}, "occurred_at"),
    ({"feature": "ok", "colour": "red"}, "colour"),
]


@pytest.mark.parametrize("bad, field", BAD_EVENTS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_EVENTS)])
def test_a_bad_event_rejects_the_whole_batch(client, auth, engine, bad, field):
    events = [new_event("good"), bad, new_event("good")]
    body = assert_error(post_events(client, auth, events), 400)
    assert len(body["details"]) == 1
    detail = body["details"][0]
    assert detail["index"] == 1
    assert detail["field"] == field
    assert isinstance(detail["message"], str) and detail["message"]
    assert counts(engine) == (0, 0)


def test_occurred_at_window(client, auth, engine, settings):
    too_new = iso(now() + timedelta(hours=1, minutes=5))
    too_old = iso(now() - timedelta(days=settings.event_max_age_days + 1))
    fine = [iso(now() + timedelta(minutes=50)), iso(now() - timedelta(days=settings.event_max_age_days - 1))]
    events = [
        new_event(occurred_at=fine[0]),
        new_event(occurred_at=too_new),
        new_event(occurred_at=fine[1]),
        new_event(occurred_at=too_old),
    ]
    body = assert_error(post_events(client, auth, events), 400)
    assert [(d["index"], d["field"]) for d in body["details"]] == [(1, "occurred_at"), (3, "occurred_at")]
    assert "future" in body["details"][0]["message"]
    assert str(settings.event_max_age_days) in body["details"][1]["message"]
    assert counts(engine) == (0, 0)
    assert post_events(client, auth, [events[0], events[2]]).status_code == 202


def test_one_detail_for_each_bad_event(client, auth, engine):
    events = [
        new_event(),
        {"feature": "bad\nfeature", "user_id": "x", "colour": 1},  # three problems, one detail
        new_event(),
        new_event(user_id=424242),  # valid shape, unknown user: still reported alongside the shape errors
        new_event(occurred_at="2026-11-25T10:00:00"),
    ]
    body = assert_error(post_events(client, auth, events), 400)
    assert [d["index"] for d in body["details"]] == [1, 3, 4]
    assert [d["field"] for d in body["details"]] == ["feature", "user_id", "occurred_at"]
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"events": []}, "events"),
        ({"events": [{"feature": "x"}] * 1001}, "events"),
        ({"events": "many"}, "events"),
        ({"events": {"feature": "x"}}, "events"),
        ({"events": None}, "events"),
        ({}, "events"),
        ({"events": [new_event()], "extra": True}, "extra"),
        ([new_event()], None),
        ("events", None),
        (None, None),
    ],
    ids=[
        "empty",
        "1001",
        "string",
        "object",
        "null",
        "missing",
        "extra-top-level",
        "body-list",
        "body-string",
        "body-null",
    ],
)
def test_malformed_batches(client, auth, engine, payload, field):
    response = client.post(URL, data=json.dumps(payload), content_type="application/json", headers=auth)
    body = assert_error(response, 400)
    assert body["details"] and body["details"][0]["index"] is None
    assert body["details"][0]["field"] == field
    assert counts(engine) == (0, 0)


def test_event_that_is_not_an_object(client, auth):
    body = assert_error(post_events(client, auth, [new_event(), "click", 7]), 400)
    assert [(d["index"], d["field"]) for d in body["details"]] == [(1, None), (2, None)]


@pytest.mark.parametrize("raw", [b"{", b'{"events": [', b"not json", b"\xff\xfe\x00", b"", b'{"events": [NaN]}'])
def test_malformed_json_is_400(client, auth, raw):
    response = client.post(URL, data=raw, content_type="application/json", headers=auth)
    assert_error(response, 400)


# -- 413, 415 -------------------------------------------------------------------------------------------------


def test_body_over_1_mib_is_413(client, auth, engine):
    padding = "x" * 100
    events = [{"event_id": str(uuid.uuid4()), "feature": "f", "pad": padding} for _ in range(8000)]
    data = json.dumps({"events": events}).encode()
    assert len(data) > 1 << 20
    assert_error(client.post(URL, data=data, content_type="application/json", headers=auth), 413)
    # a declared length over the limit is refused before reading
    response = client.post(
        URL,
        data=b"{}",
        content_type="application/json",
        headers=auth,
        environ_overrides={"CONTENT_LENGTH": str((1 << 20) + 1)},
    )
    assert_error(response, 413)
    assert counts(engine) == (0, 0)


def test_body_of_exactly_1_mib_is_read(client, auth):
    data = json.dumps({"events": [new_event()]}).encode()
    data = data[:-1] + b" " * ((1 << 20) - len(data)) + b"}"
    assert len(data) == 1 << 20
    assert client.post(URL, data=data, content_type="application/json", headers=auth).status_code == 202


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_non_json_is_415(client, auth, engine, content_type):
    data = json.dumps({"events": [new_event()]})
    headers = dict(auth)
    kwargs = {"content_type": content_type} if content_type else {}
    assert_error(client.post(URL, data=data, headers=headers, **kwargs), 415)
    assert counts(engine) == (0, 0)


def test_json_with_charset_is_accepted(client, auth):
    data = json.dumps({"events": [new_event()]})
    response = client.post(URL, data=data, content_type="application/json; charset=utf-8", headers=auth)
    assert response.status_code == 202


# -- 401 ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Bearer cb_not-a-real-key", "Bearer not-even-the-prefix", "Basic dXNlcjpwYXNz"],
)
def test_missing_or_bad_key_is_401(client, engine, header):
    headers = {"Authorization": header} if header is not None else {}
    body = assert_error(post_events(client, headers, [new_event()]), 401)
    assert body["error"]
    assert counts(engine) == (0, 0)


def test_key_is_checked_before_the_body(client):
    response = client.post(URL, data=b"garbage", content_type="text/plain")
    assert_error(response, 401)


def test_wrong_method_is_json_405(client, auth):
    response = client.get(URL, headers=auth)
    assert_error(response, 405)
    assert "POST" in response.headers["Allow"]


# -- 429: the writer's queue is full ----------------------------------------------------------------------------


@pytest.fixture
def small_queue_app(db_url, tmp_path):
    from app import create_app
    from appstate import state
    from config import Settings

    settings = Settings(database_url=db_url, secret_key="k", data_dir=tmp_path, writer_queue_size=1)
    app = create_app(settings)
    yield app
    state(app.server).writer.close()
    state(app.server).database.dispose()


def test_full_queue_is_429_with_retry_after(small_queue_app, auth, engine):
    """The flusher is held by a table lock, one submission waits in the queue of size 1: the next gets 429."""
    from appstate import state

    app_state = state(small_queue_app.server)
    client = small_queue_app.server.test_client()
    results: list[int] = []

    def post(feature: str) -> None:
        c = small_queue_app.server.test_client()
        results.append(post_events(c, auth, [new_event(feature)]).status_code)

    with engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
        first = threading.Thread(target=post, args=("held",))
        first.start()
        deadline = time.monotonic() + 10
        wait_until_the_flusher_blocks(engine, deadline)  # the flusher's INSERT waits for the lock
        second = threading.Thread(target=post, args=("queued",))
        second.start()
        while app_state.writer.queued < 1:
            assert time.monotonic() < deadline, "the second submission never reached the queue"
            time.sleep(0.01)
        response = post_events(client, auth, [new_event("rejected")])
        body = assert_error(response, 429)
        assert int(response.headers["Retry-After"]) >= 1
        assert "retry" in body["error"]
        blocker.rollback()  # release the lock
    first.join(10)
    second.join(10)
    assert sorted(results) == [202, 202]
    with engine.connect() as conn:
        features = sorted(conn.execute(text("SELECT feature FROM events")).scalars())
    assert features == ["held", "queued"]


def test_unknown_api_path_is_json_404(client, auth):
    assert_error(client.get("/api/v1/nothing-here", headers=auth), 404)


# -- spellings that must mean the same thing --------------------------------------------------------------------


def test_event_id_spellings_are_one_id(client, auth, engine):
    event_id = uuid.uuid4()
    spellings = [str(event_id), str(event_id).upper(), event_id.hex, event_id.hex.upper()]
    first = post_events(client, auth, [{"event_id": spellings[0], "feature": "x"}])
    assert first.get_json() == {"accepted": 1, "duplicates": 0}
    for spelling in spellings[1:]:
        response = post_events(client, auth, [{"event_id": spelling, "feature": "x"}])
        assert response.get_json() == {"accepted": 0, "duplicates": 1}, spelling
    fresh = str(uuid.uuid4()).upper()
    both = post_events(client, auth, [{"event_id": event_id.hex, "feature": "x"}, {"event_id": fresh, "feature": "x"}])
    assert both.get_json() == {"accepted": 1, "duplicates": 1}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events WHERE event_id = :i"), {"i": event_id}).scalar_one() == 1
    assert counts(engine) == (2, 2)


@pytest.mark.parametrize(
    "spelling, expected",
    [
        ("2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        ("2026-11-20t10:00:00z", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        ("2026-11-20 10:00+0200", datetime(2026, 11, 20, 8, 0, tzinfo=UTC)),
        ("2026-11-20T10:00:00,5-03:30", datetime(2026, 11, 20, 13, 30, 0, 500000, tzinfo=UTC)),
        ("2026-11-20T23:59:59.9999999+00:00", datetime(2026, 11, 20, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_occurred_at_spellings_are_stored_as_meant(client, auth, engine, spelling, expected):
    assert post_events(client, auth, [new_event("t", occurred_at=spelling)]).status_code == 202
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT occurred_at FROM events")).scalar_one()
        day = conn.execute(text("SELECT day FROM feature_daily")).scalar_one()
    assert stored == expected
    assert day == expected.date()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"events": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"events": [{"feature": "' + b"x" * 500_000 + b'"}]}',
        b'{"events": [{"feature": "x", "user_id": 1e400}]}',
        b'{"events": [{"feature": "x", "user_id": 123456789012345678901234567890}]}',
        b'{"events": [{"feature": "x"}], "events": 5}',
        b'{"events": [{"feature": "x", "occurred_at": "2026-11-20T10:00:00+99:99"}]}',
        b'{"events": [{"feature": "x", "occurred_at": "0000-01-01T00:00:00Z"}]}',
    ],
    ids=["deep-nesting", "huge-string", "float-overflow", "huge-int", "repeated-key", "bad-offset", "year-zero"],
)
def test_hostile_bodies_are_400_not_500(client, auth, engine, raw):
    response = client.post(URL, data=raw, content_type="application/json", headers=auth)
    assert_error(response, 400)
    assert counts(engine) == (0, 0)


# -- the ingestion app in front of Flask ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "HEAD"])
def test_other_methods_are_json_405_with_allow(client, auth, engine, method):
    response = client.open(URL, method=method, headers=auth, json={"events": [new_event()]})
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST, OPTIONS"
    assert response.mimetype == "application/json"
    body = response.get_data(as_text=True)
    assert (json.loads(body)["error"] if body else None) == (None if method == "HEAD" else "use POST to send events")
    assert counts(engine) == (0, 0)


def test_options_lists_the_allowed_methods(client):
    response = client.open(URL, method="OPTIONS")
    assert response.status_code == 204
    assert response.headers["Allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("path", [URL + "/x", URL + "/", URL + "/x/y"])
def test_paths_below_the_endpoint_are_json_404(client, auth, engine, path):
    body = assert_error(client.post(path, json={"events": [new_event()]}, headers=auth), 404)
    assert path in body["error"]
    assert counts(engine) == (0, 0)


def test_the_flask_server_has_no_route_of_its_own_for_the_endpoint(dash_app):
    """The ingestion app answers every method on the path; Flask never sees it."""
    assert URL not in {rule.rule for rule in dash_app.server.url_map.iter_rules()}


# -- a value the database refuses -------------------------------------------------------------------------------

REFUSING_TRIGGER = [
    """CREATE FUNCTION refuse_feature() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.feature = 'refused.by.db' THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'feature ' || NEW.feature || ' is not accepted here';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER refuse_feature BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_feature()",
]


def test_a_value_the_database_refuses_is_400_with_its_reason_and_nothing_written(client, auth, engine):
    """A data exception from PostgreSQL (SQLSTATE class 22, here raised by a trigger of this test's own database) is
    the client's mistake: 400 with the database's reason, never a 503; the other events of the batch are not
    written either."""
    with engine.begin() as conn:
        for statement in REFUSING_TRIGGER:
            conn.execute(text(statement))
    response = post_events(client, auth, [new_event("fine"), new_event("refused.by.db")])
    body = assert_error(response, 400)
    assert "Retry-After" not in response.headers
    assert "refused" in body["error"]
    assert "feature refused.by.db is not accepted here" in body["details"][0]["message"]
    assert counts(engine) == (0, 0)
    assert post_events(client, auth, [new_event("fine")]).get_json() == {"accepted": 1, "duplicates": 0}


def test_two_apps_keep_separate_memories_of_known_users(settings, engine, analyst, auth):
    """An app remembers the user ids it has seen to exist; another app on the same database asks for itself."""
    from app import create_app
    from appstate import state

    first, second = create_app(settings), create_app(settings)
    try:
        assert state(first.server).known_users.unknown({analyst.id}) == set()  # found, and now remembered
        with engine.begin() as conn:  # users are never deleted by the app; here the test removes one itself
            conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": analyst.id})
        assert state(first.server).known_users.unknown({analyst.id}) == set()  # from its memory
        assert state(second.server).known_users.unknown({analyst.id}) == {analyst.id}  # asked the database
        body = assert_error(post_events(second.server.test_client(), auth, [new_event(user_id=analyst.id)]), 400)
        assert [(d["index"], d["field"]) for d in body["details"]] == [(0, "user_id")]
    finally:
        for app in (first, second):
            state(app.server).close()
