"""The event writer: idempotent, grouped, rollup always equal to the raw events, nothing lost under concurrency."""

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from db.rollup import mismatches as rollup_mismatches
from db.users import create_user
from db.writer import Event, EventWriter, WriteResult


def rollup_differences(engine, tz: str = "UTC") -> int:
    with engine.connect() as conn:
        return rollup_mismatches(conn, tz)


def count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def make_users(engine, specs):
    with engine.begin() as conn:
        return [
            create_user(conn, f"u{i}@example.com", None, f"U{i}", age, gender, password_hash="x").id
            for i, (age, gender) in enumerate(specs)
        ]


def test_same_event_id_twice_is_counted_once(engine, writer):
    event = Event("chart_bar", "api")
    assert writer.submit([event]) == WriteResult(1, 0)
    assert writer.submit([event]) == WriteResult(0, 1)
    assert count(engine, "SELECT count(*) FROM events") == 1
    assert count(engine, "SELECT sum(clicks) FROM feature_daily") == 1


def test_repeated_id_inside_one_submission_is_one_accepted_one_duplicate(engine, writer):
    event_id = uuid.uuid4()
    result = writer.submit(
        [Event("chart_bar", "api", event_id=event_id), Event("filter_age", "api", event_id=event_id)]
    )
    assert result == WriteResult(1, 1)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT feature FROM events")).scalars().all() == ["chart_bar"]


def test_demographics_are_captured_at_write_time(engine, writer):
    (user,) = make_users(engine, [(40, "Female")])
    writer.submit([Event("chart_bar", "dashboard", user)])
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET age = 41, gender = 'Other' WHERE id = :id"), {"id": user})
    writer.submit([Event("chart_bar", "dashboard", user)])
    writer.submit([Event("chart_bar", "api", None)])
    # the writer does not check users (the API refuses unknown ids before submitting): no such user is "unknown"
    writer.submit([Event("chart_bar", "api", 999_999)])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT age_group, gender, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2")).all()
    assert [tuple(r) for r in rows] == [("18-40", "Female", 1), (">40", "Other", 1), ("unknown", "unknown", 2)]
    assert rollup_differences(engine) == 0


def test_rollup_equals_events_grouped_after_any_sequence_of_writes(engine, db_url):
    tz = "Asia/Kolkata"  # a half-hour offset makes day boundaries differ from UTC
    users = make_users(engine, [(12, "Male"), (25, "Female"), (60, "Other"), (18, "Other")])
    rng = random.Random(7)
    features = ["date_picker", "filter_age", "chart_bar", "refresh_button"]
    base = datetime(2026, 5, 1, tzinfo=UTC)
    written: list[Event] = []
    writer = EventWriter(db_url, tz)
    try:
        for _ in range(40):
            batch = []
            for _ in range(rng.randint(1, 30)):
                if written and rng.random() < 0.2:
                    batch.append(rng.choice(written))  # a retry of an earlier event
                else:
                    batch.append(
                        Event(
                            rng.choice(features),
                            rng.choice(["api", "dashboard"]),
                            rng.choice(users + [None]),
                            base + timedelta(minutes=rng.randint(0, 60 * 24 * 10)),
                        )
                    )
            writer.submit(batch)
            written.extend(batch)
    finally:
        writer.close()
    distinct = len({e.event_id for e in written})
    assert count(engine, "SELECT count(*) FROM events") == distinct
    assert count(engine, "SELECT sum(clicks) FROM feature_daily") == distinct
    assert rollup_differences(engine, tz) == 0


def test_many_threads_submitting_at_once_lose_nothing(engine, writer):
    threads_n, rounds, size = 12, 25, 8
    shared_ids = [uuid.uuid4() for _ in range(50)]  # every thread also retries these
    results: list[WriteResult] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(rounds):
                batch = [Event("chart_bar", "api") for _ in range(size)]
                batch.append(Event("filter_age", "api", event_id=rng.choice(shared_ids)))
                result = writer.submit(batch)
                with lock:
                    results.append(result)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    submitted = threads_n * rounds * (size + 1)
    accepted = sum(r.accepted for r in results)
    assert accepted + sum(r.duplicates for r in results) == submitted
    stored = count(engine, "SELECT count(*) FROM events")
    assert stored == accepted
    assert count(engine, "SELECT count(*) FROM events WHERE feature = 'chart_bar'") == threads_n * rounds * size
    shared_stored = count(engine, "SELECT count(*) FROM events WHERE feature = 'filter_age'")
    assert shared_stored <= len(shared_ids)
    assert accepted == threads_n * rounds * size + shared_stored
    assert count(engine, "SELECT sum(clicks) FROM feature_daily") == stored
    assert rollup_differences(engine) == 0


def test_close_flushes_what_is_queued(engine, db_url):
    writer = EventWriter(db_url, "UTC")
    done: list[WriteResult] = []
    threads = [
        threading.Thread(target=lambda: done.append(writer.submit([Event("chart_bar", "api")]))) for _ in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    assert len(done) == 20
    assert count(engine, "SELECT count(*) FROM events") == 20


def test_submit_rejects_an_unknown_source_and_writes_nothing(engine, writer):
    with pytest.raises(ValueError, match="source"):
        writer.submit([Event("chart_bar", "api"), Event("chart_bar", "mobile")])
    assert count(engine, "SELECT count(*) FROM events") == 0


@pytest.mark.parametrize(
    "bad",
    [
        Event("", "api"),
        Event("x" * 101, "api"),
        Event("chart_bar", "api", occurred_at=datetime(2026, 1, 1)),  # no offset
        Event("chart_bar", "api", user_id="7"),
    ],
)
def test_events_the_schema_would_refuse_are_rejected_before_queueing(engine, writer, bad):
    with pytest.raises(ValueError):
        writer.submit([Event("chart_bar", "api"), bad])
    assert writer.submit([Event("filter_age", "api")]) == WriteResult(1, 0)
    assert count(engine, "SELECT count(*) FROM events") == 1
