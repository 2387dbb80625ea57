"""Migration 0009 and `migrate-events`: the old events table is renamed without reading a row, then moved into the
monthly partitions in short transactions while events keep arriving, none lost and none counted twice (retries of
events still in the old table included); retention drops whole months."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from db.engine import make_engine
from db.events_move import move_events
from db.migrate import current_revision, upgrade
from db.partitions import existing_months
from db.retention import purge
from db.rollup import mismatches
from db.scratch import create_database, drop_database
from db.writer import Event, EventWriter
from tests.api.conftest import run_cli

OLD_DAYS = [datetime(2026, 8, 20, 10, tzinfo=UTC) + timedelta(days=d, minutes=d) for d in range(60)]


def old_layout_database(pg_server_url: str, name: str, per_day: int):
    """A database at 0006 (one events table keyed by event_id) holding `per_day` events on each of OLD_DAYS, with
    their rollup; then upgraded to the head. Returns (url, engine, the old events as (id, time))."""
    url = create_database(pg_server_url, name)
    engine = make_engine(url)
    upgrade(engine, "0006_rollup_source")
    old = [(uuid.uuid4(), day + timedelta(seconds=i)) for day in OLD_DAYS for i in range(per_day)]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (event_id, feature, occurred_at, age_group, gender, source)"
                " VALUES (:id, 'old', :at, 'unknown', 'unknown', 'api')"
            ),
            [{"id": i, "at": at} for i, at in old],
        )
        conn.execute(
            text(
                "INSERT INTO feature_daily (day, feature, age_group, gender, source, clicks)"
                " SELECT occurred_at::date, feature, age_group, gender, source, count(*) FROM events GROUP BY 1, 2, 3,"
                " 4, 5"
            )
        )
    upgrade(engine)
    return url, engine, old


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM events_legacy),"
                    " (SELECT coalesce(sum(clicks), 0) FROM feature_daily)"
                )
            ).one()
        )


def test_the_migration_renames_and_keeps_every_old_event_where_it_was(pg_server_url):
    name = "cb_events_layout_migration_test"
    _url, engine, old = old_layout_database(pg_server_url, name, per_day=2)
    try:
        assert current_revision(engine) == "0009_events_layout"
        assert counts(engine) == (0, len(old), len(old))  # nothing read or copied: renamed
        with engine.connect() as conn:
            assert conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'events'")).scalar_one() == "p"
    finally:
        engine.dispose()
        drop_database(pg_server_url, name)


def test_the_move_runs_while_events_arrive_and_loses_or_doubles_none(pg_server_url):
    name = "cb_events_move_test"
    url, engine, old = old_layout_database(pg_server_url, name, per_day=50)
    writer = EventWriter(url, "UTC")
    results = []
    stop = threading.Event()
    now = datetime.now(UTC).replace(microsecond=0)

    def ingest() -> None:
        """New events, and retries of old ones (same id and time) while they may be in either table."""
        n = 0
        while not stop.is_set() or n < 10:
            batch = [Event("new", "api", occurred_at=now - timedelta(seconds=n * 10 + i)) for i in range(10)]
            batch += [Event("old", "api", occurred_at=at, event_id=i) for i, at in old[n * 25 : n * 25 + 5]]
            results.append((writer.submit(batch), len(batch) - 10))
            n += 1

    thread = threading.Thread(target=ingest)
    try:
        thread.start()
        moved = []
        done = move_events(engine, batch=100, progress=moved.append)
        stop.set()
        thread.join()
        # every event of the old table retried once more, now that all are moved: all duplicates
        retried = writer.submit([Event("old", "api", occurred_at=at, event_id=i) for i, at in old])
    finally:
        stop.set()
        writer.close()
    assert done.moved == len(old) and done.already_there == 0 and done.left == 0 and done.truncated
    assert len(moved) > 10 and max(moved) <= 200  # many short transactions of about the batch size
    new = sum(r.accepted for r, _ in results)
    assert new == 10 * len(results)  # every new event accepted ...
    assert sum(r.duplicates for r, _ in results) == sum(retries for _, retries in results)  # ... every retry not
    assert (retried.accepted, retried.duplicates) == (0, len(old))
    assert counts(engine) == (len(old) + new, 0, len(old) + new)
    with engine.connect() as conn:
        assert mismatches(conn, "UTC") == 0
        assert existing_months(conn)[:3] == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    engine.dispose()
    drop_database(pg_server_url, name)


def test_the_command_moves_and_says_so(monkeypatch, pg_server_url):
    name = "cb_events_move_cli_test"
    url, engine, old = old_layout_database(pg_server_url, name, per_day=3)
    try:
        code, out, _err = run_cli(monkeypatch, url, "migrate-events", "--batch", "50")
        assert code == 0 and f"Moved {len(old):,} events into the monthly partitions" in out
        assert counts(engine) == (len(old), 0, len(old))
        code, out, _err = run_cli(monkeypatch, url, "migrate-events")  # again: nothing left, fine
        assert code == 0 and "Moved 0 events" in out
        with pytest.raises(SystemExit) as refused:
            run_cli(monkeypatch, url, "migrate-events", "--batch", "0")
        assert refused.value.code == 2
    finally:
        engine.dispose()
        drop_database(pg_server_url, name)


def test_retention_drops_whole_months_and_trims_the_one_the_horizon_falls_in(engine, writer):
    days = {
        date(2026, 3, 10): 4,
        date(2026, 4, 30): 6,
        date(2026, 5, 15): 5,
        date(2026, 5, 16): 3,
        date(2026, 6, 15): 2,
    }
    events = [
        Event("kept", "api", occurred_at=datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=UTC))
        for d, n in days.items()
        for _ in range(n)
    ]
    assert writer.submit(events).accepted == 20
    progress: list[int] = []
    done = purge(engine, days=30, timezone="UTC", now=datetime(2026, 6, 15, 12, tzinfo=UTC), progress=progress.append)
    assert done.removed == 15 and progress == [4, 6, 5]  # March and April dropped whole, May trimmed in one batch
    with engine.connect() as conn:
        assert existing_months(conn) == [date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)]  # July made ahead
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 5
        assert conn.execute(text("SELECT sum(clicks) FROM feature_daily")).scalar_one() == 20
    # the writer's cached partitions do not stop an event of a dropped month (a backfill) from being written
    back = writer.submit([Event("late", "api", occurred_at=datetime(2026, 4, 2, tzinfo=UTC))])
    assert back.accepted == 1
