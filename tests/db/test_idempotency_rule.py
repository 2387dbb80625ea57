"""The idempotency rule at its edges: an event is stored once per (event_id, occurred_at) whichever monthly partition
it falls in; an event sent without occurred_at once per event_id for EVENT_MAX_AGE_DAYS; two writers racing on one
id store it once."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import text

from db.events import ReceivedAt
from db.partitions import partition_name
from db.retention import forget_undated
from db.writer import Event, EventWriter, WriteResult

EDGE = datetime(2026, 11, 1, tzinfo=UTC)  # a partition boundary: October's last microsecond, November's first
JUST_BEFORE = EDGE - timedelta(microseconds=1)


def stored(engine) -> list[tuple[uuid.UUID, datetime, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT event_id, occurred_at, tableoid::regclass::text FROM events ORDER BY 2"))
        return [tuple(row) for row in rows]


def rollup_total(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(sum(clicks), 0) FROM feature_daily")).scalar_one()


def test_a_retry_with_the_same_time_is_a_duplicate_on_both_sides_of_a_partition_boundary(engine, writer):
    a, b = uuid.uuid4(), uuid.uuid4()
    first = [
        Event("edge", "api", occurred_at=JUST_BEFORE, event_id=a),
        Event("edge", "api", occurred_at=EDGE, event_id=b),
    ]
    assert writer.submit(first) == WriteResult(2, 0)
    # the same instants spelled in another offset are the same times
    plus_two = timezone(timedelta(hours=2))
    retry = [
        Event("edge", "api", occurred_at=JUST_BEFORE.astimezone(plus_two), event_id=a),
        Event("edge", "api", occurred_at=EDGE.astimezone(plus_two), event_id=b),
    ]
    assert writer.submit(retry) == WriteResult(0, 2)
    assert stored(engine) == [(a, JUST_BEFORE, "events_2026_10"), (b, EDGE, "events_2026_11")]
    assert rollup_total(engine) == 2


def test_the_same_id_with_another_time_is_another_event(engine, writer):
    same = uuid.uuid4()
    events = [
        Event("edge", "api", occurred_at=JUST_BEFORE, event_id=same),
        Event("edge", "api", occurred_at=EDGE, event_id=same),
    ]
    assert writer.submit(events) == WriteResult(2, 0)  # in one group, as in two
    assert writer.submit([Event("edge", "api", occurred_at=EDGE + timedelta(days=40), event_id=same)]) == WriteResult(
        1, 0
    )
    assert len(stored(engine)) == 3 and rollup_total(engine) == 3


def test_an_event_at_the_oldest_accepted_age_is_still_recognised(engine, writer):
    oldest = datetime.now(UTC) - timedelta(days=365) + timedelta(minutes=1)  # EVENT_MAX_AGE_DAYS' default
    event = Event("old", "api", occurred_at=oldest)
    assert writer.submit([event]) == WriteResult(1, 0)
    assert writer.submit([event]) == WriteResult(0, 1)
    assert stored(engine)[0][2] == partition_name(oldest.date().replace(day=1))


def test_an_undated_retry_is_a_duplicate_even_when_it_lands_in_another_month(engine, writer):
    same = uuid.uuid4()
    first = Event("undated", "api", occurred_at=ReceivedAt(2026, 10, 31, 23, 59, 59, tzinfo=UTC), event_id=same)
    retry = Event("undated", "api", occurred_at=ReceivedAt(2026, 11, 1, 0, 0, 1, tzinfo=UTC), event_id=same)
    assert writer.submit([first]) == WriteResult(1, 0)
    assert writer.submit([retry]) == WriteResult(0, 1)
    assert writer.submit([first, retry]) == WriteResult(0, 2)
    assert [row[2] for row in stored(engine)] == ["events_2026_10"]
    # an event built without a time is an undated one: the API's missing occurred_at
    assert writer.submit([Event("undated", "api", event_id=same)]) == WriteResult(0, 1)
    assert rollup_total(engine) == 1


def test_an_undated_id_is_forgotten_after_the_max_age_and_not_before(engine, writer):
    same = uuid.uuid4()
    assert writer.submit([Event("undated", "api", event_id=same)]) == WriteResult(1, 0)
    with engine.connect() as conn:
        received = conn.execute(text("SELECT received_at FROM undated_event_ids")).scalar_one()
    assert forget_undated(engine, max_age_days=30, now=received + timedelta(days=30)) == 0  # exactly 30 days: kept
    assert writer.submit([Event("undated", "api", event_id=same)]) == WriteResult(0, 1)
    assert forget_undated(engine, max_age_days=30, now=received + timedelta(days=30, microseconds=1)) == 1
    # past the rule's reach: the same id without a time is a new event (the API would refuse a dated copy by now)
    assert writer.submit([Event("undated", "api", event_id=same)]) == WriteResult(1, 0)


def test_two_writers_racing_on_the_same_ids_store_each_event_once(db_url, engine):
    dated = [Event("race", "api", occurred_at=EDGE + timedelta(seconds=i)) for i in range(300)]
    undated = [Event("race", "api") for _ in range(300)]
    writers = [EventWriter(db_url, "UTC"), EventWriter(db_url, "UTC")]
    results: list[WriteResult] = []
    start = threading.Barrier(len(writers) * 2)

    def send(writer: EventWriter, events: list[Event]) -> None:
        start.wait()
        for i in range(0, len(events), 50):
            results.append(writer.submit(events[i : i + 50]))

    try:
        threads = [
            threading.Thread(target=send, args=(w, batch))
            for w in writers
            for batch in (
                dated,
                [Event(e.feature, e.source, occurred_at=ReceivedAt.now(UTC), event_id=e.event_id) for e in undated],
            )
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for w in writers:
            w.close()
    assert sum(r.accepted for r in results) == 600
    assert sum(r.duplicates for r in results) == 600
    assert len(stored(engine)) == 600 and rollup_total(engine) == 600


def test_the_api_counts_a_retried_event_without_a_time_once(client, api_key, engine):
    event_id = str(uuid.uuid4())
    body = {"events": [{"event_id": event_id, "feature": "no_time"}, {"feature": "no_id_either"}]}
    headers = {"Authorization": f"Bearer {api_key}"}
    first = client.post("/api/v1/events", json=body, headers=headers)
    retry = client.post("/api/v1/events", json=body, headers=headers)
    assert first.get_json() == {"accepted": 2, "duplicates": 0}
    # the event without an id has nothing to recognise it by: each sending is a new event (send ids to retry)
    assert retry.get_json() == {"accepted": 1, "duplicates": 1}
    with engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT feature, count(*) FROM events GROUP BY 1")).all())
    assert counts == {"no_time": 1, "no_id_either": 2}
