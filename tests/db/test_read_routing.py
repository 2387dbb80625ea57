"""Which server a read of figures goes to (db/engine.py Database.read_connect) and what it says about freshness, on
plain databases: without DATABASE_READ_URL, with one that is not a standby, and with one that does not answer. The
real streaming replica is tested in tests/api/test_read_replica.py."""

from __future__ import annotations

import logging
import socket

from prometheus_client import REGISTRY
from sqlalchemy import text

from db.engine import Database
from db.replica import LIVE, replica_freshness


def unreachable_url() -> str:
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg://nobody@127.0.0.1:{port}/nothing"


def test_without_a_read_url_the_figures_are_read_live_on_the_primary(settings):
    database = Database(settings)
    try:
        assert database.read_engine is database.engine
        with database.read_connect() as conn:
            assert conn.engine is database.engine
            assert database.freshness(conn) == LIVE
    finally:
        database.dispose()


def test_a_read_url_that_is_no_standby_is_read_as_live(settings, db_url):
    database = Database(settings.model_copy(update={"database_read_url": db_url}))
    try:
        with database.read_connect() as conn:
            assert conn.engine is database.read_engine is not database.engine
            fresh = database.freshness(conn)
            now = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        assert REGISTRY.get_sample_value("clickboard_replica_lag_seconds") == 0.0
        assert fresh.replica and not fresh.behind and fresh.lag_seconds == 0.0
        assert fresh.data_as_of <= now
        with database.engine.connect() as conn:  # a primary connection is never asked about lag
            assert database.freshness(conn) == LIVE
    finally:
        database.dispose()


def test_freshness_query_on_a_primary(engine):
    with engine.connect() as conn:
        fresh = replica_freshness(conn, 30)
    assert (fresh.replica, fresh.lag_seconds, fresh.behind) == (True, 0.0, False)


def fallbacks() -> float:
    return REGISTRY.get_sample_value("clickboard_replica_fallbacks_total") or 0.0


def test_a_replica_that_does_not_answer_sends_reads_to_the_primary_for_a_while(settings, caplog):
    database = Database(settings.model_copy(update={"database_read_url": unreachable_url()}))
    before = fallbacks()
    try:
        with caplog.at_level(logging.WARNING, logger="db.engine"), database.read_connect() as conn:
            assert conn.engine is database.engine
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            assert database.freshness(conn) == LIVE
        assert [r.getMessage().split(";")[0] for r in caplog.records] == ["the read replica does not answer"]
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="db.engine"), database.read_connect() as conn:
            assert conn.engine is database.engine  # within the retry period: not tried again, nothing logged
        assert caplog.records == []
        database.replica_retry_seconds = 0.0
        database._replica_retry_at = 0.0  # the period is over: tried again (and failing again, logged again)
        with caplog.at_level(logging.WARNING, logger="db.engine"), database.read_connect() as conn:
            assert conn.engine is database.engine
        assert len(caplog.records) == 1
        assert fallbacks() - before == 3  # every read the primary answered instead (a metric for operators)
    finally:
        database.dispose()
