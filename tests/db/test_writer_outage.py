"""The event writer when PostgreSQL goes away: a clear, bounded error, nothing written, and recovery on its own."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import text

from db.engine import make_engine
from db.writer import DatabaseUnavailable, Event, EventWriter
from tests.api.owned_pg import owned_postgres, start_again, stop_now

pytestmark = pytest.mark.processes  # starts servers of its own: run once in CI, not per database

NO_COMMIT = "no commit within"  # the start of the error a caller gets when it stops waiting (submit_timeout)


def _counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            events = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
            clicks = conn.execute(text("SELECT coalesce(sum(clicks), 0) FROM feature_daily")).scalar_one()
        return events, int(clicks)
    finally:
        engine.dispose()


def test_writer_fails_fast_while_the_database_is_down_and_recovers(tmp_path):
    with owned_postgres(tmp_path) as (pgdata, url):
        writer = EventWriter(url, "UTC", submit_timeout=10)
        try:
            before = [Event("before", "api") for _ in range(10)]
            assert writer.submit(before).accepted == 10

            stop_now(pgdata)
            during = [Event("during", "api") for _ in range(10)]
            for _ in range(3):  # the broken connection, then refused reconnects: each a clear error
                with pytest.raises(DatabaseUnavailable) as exc:
                    writer.submit(during)
                # the flusher's own failure, not the caller giving up after submit_timeout (that would be a hang)
                assert NO_COMMIT not in str(exc.value)
                assert "unavailable" in str(exc.value).lower()

            start_again(pgdata)
            deadline = time.monotonic() + 30
            while True:  # the writer reconnects by itself
                try:
                    result = writer.submit(during)
                    break
                except DatabaseUnavailable:
                    assert time.monotonic() < deadline, "the writer did not recover"
                    time.sleep(0.2)
            assert (result.accepted, result.duplicates) == (10, 0)  # nothing of the failed tries was written
            assert writer.submit(during).duplicates == 10
            assert _counts(url) == (20, 20)
        finally:
            writer.close()


def test_writer_with_no_database_at_all_errors_within_its_timeouts():
    writer = EventWriter("postgresql+psycopg://nobody:x@127.0.0.1:1/none", "UTC", submit_timeout=10)
    try:
        with pytest.raises(DatabaseUnavailable) as exc:
            writer.submit([Event("x", "api", event_id=uuid.uuid4())])
        assert NO_COMMIT not in str(exc.value)  # refused at connect, not a timeout
    finally:
        writer.close()
