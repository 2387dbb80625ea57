"""The writer's text-COPY paths used by the API: escaping, duplicates inside a group, and one bad submission not
failing the others committed with it. Real writer, real PostgreSQL; a table lock holds the flusher so that several
submissions land in one group."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from db.writer import Event
from tests.api.conftest import wait_until_the_flusher_blocks


def _rows(conn_engine):
    with conn_engine.connect() as conn:
        return conn.execute(text("SELECT event_id, feature, user_id, occurred_at, source FROM events")).all()


def test_generic_submit_keeps_awkward_features_verbatim(writer, engine):
    features = ["tab\there", "back\\slash", "new\nline", "cr\rhere", "quote'\"", "ünïcødé", "\\N"]
    result = writer.submit([Event(f, "dashboard") for f in features])
    assert (result.accepted, result.duplicates) == (len(features), 0)
    assert sorted(r.feature for r in _rows(engine)) == sorted(features)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sum(clicks) FROM feature_daily")).scalar_one() == len(features)


def test_submit_checked_writes_rows_and_counts_repeats_as_duplicates(writer, engine):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    rows = [
        (a, "export_csv", "\\N", "2026-11-20T10:00:00+02:00"),
        (b, "share", "\\N", "2026-11-20T23:30:00-02:00"),
        (a, "export_csv", "\\N", "2026-11-20T10:00:00+02:00"),  # repeated inside the submission
    ]
    result = writer.submit_checked(rows, "api")
    assert (result.accepted, result.duplicates) == (2, 1)
    stored = {str(r.event_id): r for r in _rows(engine)}
    assert stored[a].occurred_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert stored[b].occurred_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert stored[b].source == "api" and stored[b].user_id is None
    assert writer.submit_checked(rows, "api").duplicates == 3
    with pytest.raises(ValueError):
        writer.submit_checked(rows, "elsewhere")


def _hold_flusher(engine, writer, submit_calls):
    """Lock `events`, let a first submission block the flusher, queue `submit_calls` behind it, then release.

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
        for t in threads:
            t.start()
        while writer.queued < len(submit_calls):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        blocker.rollback()
    first.join(10)
    for t in threads:
        t.join(10)
    return results


def test_same_id_in_two_submissions_of_one_group_counts_once(writer, engine):
    shared = str(uuid.uuid4())
    own = [str(uuid.uuid4()) for _ in range(2)]
    first = [(shared, "f", "\\N", "2026-11-20T10:00:00Z"), (own[0], "f", "\\N", "2026-11-20T10:00:00Z")]
    second = [(own[1], "f", "\\N", "2026-11-20T10:00:00Z"), (shared, "f", "\\N", "2026-11-20T10:00:00Z")]
    results = _hold_flusher(
        engine, writer, [lambda: writer.submit_checked(first, "api"), lambda: writer.submit_checked(second, "api")]
    )
    assert sorted((r.accepted, r.duplicates) for r in results) == [(1, 1), (2, 0)]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events WHERE feature = 'f'")).scalar_one() == 3
        assert conn.execute(text("SELECT sum(clicks) FROM feature_daily WHERE feature = 'f'")).scalar_one() == 3


def test_a_submission_the_database_refuses_fails_alone(writer, engine):
    good = [(str(uuid.uuid4()), "good", "\\N", "2026-11-20T10:00:00Z")]
    bad = [(str(uuid.uuid4()), "bad", "\\N", "not a time")]
    results = _hold_flusher(
        engine, writer, [lambda: writer.submit_checked(good, "api"), lambda: writer.submit_checked(bad, "api")]
    )
    assert (results[0].accepted, results[0].duplicates) == (1, 0)
    assert isinstance(results[1], ValueError)
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
