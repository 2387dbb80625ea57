"""Fixtures for the API tests: API keys created through the real command line, a real database outage, and small
request helpers."""

from __future__ import annotations

import contextlib
import io
import time
import uuid

import pytest
from sqlalchemy import make_url, text

from db.engine import make_engine


def run_cli(monkeypatch, db_url: str, *argv: str) -> tuple[int, str, str]:
    """Run `cli.main(argv)` (what `uv run app.py ...` runs) in-process against `db_url`; return (exit code, stdout,
    stderr)."""
    import cli

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def api_key(monkeypatch, db_url) -> str:
    """A fresh API key with both scopes (ingest, read), created by `app.py create-api-key` (the key is the last line
    it prints)."""
    code, out, err = run_cli(
        monkeypatch, db_url, "create-api-key", "test-client", "--scope", "ingest", "--scope", "read"
    )
    assert code == 0, err
    return out.strip().splitlines()[-1]


@pytest.fixture
def database_down(db_url, pg_server_url):
    """Make this test's database refuse every connection (a real outage, no mock); undone afterwards."""
    name = make_url(db_url).database
    admin = make_engine(pg_server_url, isolation_level="AUTOCOMMIT")

    def stop():
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})

    yield stop
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    admin.dispose()


@pytest.fixture
def auth(api_key) -> dict:
    return {"Authorization": f"Bearer {api_key}"}


def post_events(client, headers: dict, events, **kwargs):
    return client.post("/api/v1/events", json={"events": events}, headers=headers, **kwargs)


def new_event(feature: str = "export_csv", **fields) -> dict:
    return {"event_id": str(uuid.uuid4()), "feature": feature, **fields}


def counts(engine) -> tuple[int, int]:
    """(rows in events, sum of clicks in feature_daily)."""
    with engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        clicks = conn.execute(text("SELECT coalesce(sum(clicks), 0) FROM feature_daily")).scalar_one()
    return events, int(clicks)


def wait_until_the_flusher_blocks(engine, deadline: float) -> None:
    """Wait until a session waits for a lock on `events` (the flusher's INSERT behind a test's LOCK TABLE), at the
    latest until time.monotonic() reaches `deadline`."""
    with engine.connect() as watcher:
        waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'events'::regclass")
        while watcher.execute(waiting).scalar_one() == 0:
            assert time.monotonic() < deadline, "the flusher never blocked on the lock"
            watcher.rollback()
            time.sleep(0.01)
