"""The writer's one entry point as the API uses it: typed events, repeated ids resolved once per group (first
occurrence wins), and one bad submission not failing the others committed with it. Real writer, real PostgreSQL; a
table lock holds the flusher so that several submissions land in one group."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from db.writer import Event, EventsRefused
from tests.api.conftest import wait_until_the_flusher_blocks


def _rows(conn_engine):
    with conn_engine.connect() as conn:
        return conn.execute(text("SELECT event_id, feature, user_id, occurred_at, source FROM events")).all()


def test_submit_keeps_awkward_features_verbatim(writer, engine):
    features = ["tab\there", "back\\slash", "new\nline", "cr\rhere", "quote'\"", "ünïcødé", "\\N"]
    result = writer.submit([Event(f, "dashboard") for f in features])
    assert (result.accepted, result.duplicates) == (len(features), 0)
    assert sorted(r.feature for r in _rows(engine)) == sorted(features)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sum(clicks) FROM feature_daily")).scalar_one() == len(features)


def test_submit_writes_typed_events_and_counts_repeats_as_duplicates(writer, engine):
    a, b = uuid.uuid4(), uuid.uuid4()
    plus_two = timezone(timedelta(hours=2))
    minus_two = timezone(timedelta(hours=-2))
    events = [
        Event("export_csv", "api", None, datetime(2026, 11, 20, 10, 0, tzinfo=plus_two), a),
        Event("share", "api", None, datetime(2026, 11, 20, 23, 30, tzinfo=minus_two), b),
        Event("export_csv", "api", None, datetime(2026, 11, 20, 10, 0, tzinfo=plus_two), a),  # repeated inside
    ]
    result = writer.submit(events)
    assert (result.accepted, result.duplicates) == (2, 1)
    stored = {r.event_id: r for r in _rows(engine)}
    assert stored[a].occurred_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert stored[b].occurred_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert stored[b].source == "api" and stored[b].user_id is None
    assert writer.submit(events).duplicates == 3
    with pytest.raises(ValueError):
        writer.submit([Event("x", "elsewhere")])


def test_the_first_occurrence_of_a_repeated_id_is_the_one_stored(writer, engine):
    shared = uuid.uuid4()
    result = writer.submit([Event("first", "api", event_id=shared), Event("second", "dashboard", event_id=shared)])
    assert (result.accepted, result.duplicates) == (1, 1)
    assert [(r.feature, r.source) for r in _rows(engine)] == [("first", "api")]


def _hold_flusher(engine, writer, submit_calls):
    """Lock `events`, let a first submission block the flusher, queue `submit_calls` behind it in order, then release.

    Returns the results (or exceptions) of the queued calls, in order."""
    results: list = [None] * len(submit_calls)

    def run(i, call):
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            results[i] = exc

    with engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
        first = threading.Thread(target=lambda: writer.submit([Event("opener", "api")]))
        first.start()
        deadline = time.monotonic() + 10
        wait_until_the_flusher_blocks(engine, deadline)
        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(submit_calls)]
        for queued, t in enumerate(threads, start=1):  # one at a time: the queue order is the list's order
            t.start()
            while writer.queued < queued:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        blocker.rollback()
    first.join(10)
    for t in threads:
        t.join(10)
    return results


def test_same_id_in_two_submissions_of_one_group_counts_once(writer, engine):
    shared = uuid.uuid4()
    at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    first = [Event("f", "api", None, at, shared), Event("f", "api", None, at, uuid.uuid4())]
    second = [Event("f", "api", None, at, uuid.uuid4()), Event("f", "api", None, at, shared)]
    results = _hold_flusher(engine, writer, [lambda: writer.submit(first), lambda: writer.submit(second)])
    assert sorted((r.accepted, r.duplicates) for r in results) == [(1, 1), (2, 0)]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events WHERE feature = 'f'")).scalar_one() == 3
        assert conn.execute(text("SELECT sum(clicks) FROM feature_daily WHERE feature = 'f'")).scalar_one() == 3


def test_repeats_within_and_across_submissions_of_one_group_are_each_callers_duplicates(writer, engine):
    """One group, three callers: ids repeated inside a submission and across them. Each id is stored once, from its
    first occurrence in queue order, and every caller's accepted + duplicates is what it sent."""
    x, y, z = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    calls = [
        [Event("one", "api", event_id=x), Event("one", "api", event_id=x), Event("one", "api", event_id=y)],
        [Event("two", "api", event_id=y), Event("two", "api", event_id=z), Event("two", "api", event_id=z)],
        [Event("three", "api", event_id=x), Event("three", "api", event_id=z)],
    ]
    results = _hold_flusher(engine, writer, [lambda c=c: writer.submit(c) for c in calls])
    stored = {r.event_id: r.feature for r in _rows(engine)}
    assert stored[x] == stored[y] == "one" and stored[z] == "two"
    for call, result in zip(calls, results):
        assert result.accepted + result.duplicates == len(call)
    assert sum(r.accepted for r in results) == 3
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sum(clicks) FROM feature_daily")).scalar_one() == 4  # 3 + the opener


def test_a_submission_the_database_refuses_fails_alone(writer, engine):
    good = [Event("good", "api")]
    bad = [Event("nul\x00byte", "api")]  # PostgreSQL text cannot hold a NUL byte
    results = _hold_flusher(engine, writer, [lambda: writer.submit(good), lambda: writer.submit(bad)])
    assert (results[0].accepted, results[0].duplicates) == (1, 0)
    assert isinstance(results[1], EventsRefused)
    assert "0x00" in str(results[1])
    assert sorted(r.feature for r in _rows(engine)) == ["good", "opener"]


def test_queue_is_bounded_in_events_not_only_submissions(db_url, engine):
    from db.writer import EventWriter, WriterOverloaded

    writer = EventWriter(db_url, "UTC", max_queued_events=10)
    try:
        done: list = []
        with engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
            first = threading.Thread(target=lambda: done.append(writer.submit([Event("held", "api")])))
            first.start()
            deadline = time.monotonic() + 10
            wait_until_the_flusher_blocks(engine, deadline)
            second = threading.Thread(
                target=lambda: done.append(writer.submit([Event("queued", "api") for _ in range(8)]))
            )
            second.start()
            while writer.queued < 1:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            with pytest.raises(WriterOverloaded):
                writer.submit([Event("refused", "api") for _ in range(5)])
            blocker.rollback()
        first.join(10)
        second.join(10)
        assert sorted(r.accepted for r in done) == [1, 8]
        assert writer.submit([Event("later", "api") for _ in range(10)]).accepted == 10  # room again
    finally:
        writer.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events WHERE feature = 'refused'")).scalar_one() == 0
