"""Retention (db/retention.py) with a fake clock: raw events before the horizon go in bounded batches, the rollup
and every figure stay, a rebuild refuses to recount removed days, the settings refuse a max age beyond retention,
and the app's schedule purges by itself."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from config import ConfigError, Settings
from db.retention import first_kept_day, horizon, purge
from db.rollup import RebuildRefused, mismatches, rebuild
from db.writer import Event
from tests.api.conftest import run_cli

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # the fake clock: keeping 30 days keeps 2026-05-16 on


def write_days(writer, per_day: dict[date, int]) -> None:
    """`n` events at 23:59:59 UTC of each day (the last second before the next day: the boundary is exact)."""
    events = [
        Event("retained", "api", None, datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC))
        for day, n in per_day.items()
        for _ in range(n)
    ]
    assert writer.submit(events).accepted == len(events)


def raw_by_day(engine) -> dict[date, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT occurred_at::date, count(*) FROM events GROUP BY 1 ORDER BY 1")).all()
    return dict(rows)


def rollup_by_day(engine) -> dict[date, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT day, sum(clicks)::int FROM feature_daily GROUP BY 1 ORDER BY 1")).all()
    return dict(rows)


PER_DAY = {date(2026, 5, 14): 7, date(2026, 5, 15): 5, date(2026, 5, 16): 3, date(2026, 6, 15): 2}


def test_first_kept_day_counts_whole_days_in_the_analytics_time_zone():
    assert first_kept_day(NOW, 30, "UTC") == date(2026, 5, 16)
    late = datetime(2026, 6, 15, 23, 30, tzinfo=UTC)  # already 16 June in Berlin
    assert first_kept_day(late, 30, "Europe/Berlin") == date(2026, 5, 17)


def test_purge_removes_the_days_before_the_horizon_in_batches_and_keeps_every_figure(engine, writer):
    write_days(writer, PER_DAY)
    figures_before = rollup_by_day(engine)
    batches: list[int] = []
    done = purge(engine, days=30, timezone="UTC", now=NOW, batch=4, progress=batches.append)
    assert (done.raw_events_from, done.removed) == (date(2026, 5, 16), 12)
    assert batches == [4, 4, 4, 0]  # 12 events in batches of at most 4, then an empty one ends it
    assert raw_by_day(engine) == {date(2026, 5, 16): 3, date(2026, 6, 15): 2}
    assert rollup_by_day(engine) == figures_before == PER_DAY
    with engine.connect() as conn:
        assert horizon(conn) == date(2026, 5, 16)
        assert mismatches(conn, "UTC") == 0  # raw events and rollup agree from the horizon on


def test_a_later_purge_moves_the_horizon_forward_never_back(engine, writer):
    write_days(writer, PER_DAY)
    purge(engine, days=30, timezone="UTC", now=NOW)
    assert purge(engine, days=60, timezone="UTC", now=NOW).removed == 0  # a longer retention brings nothing back
    with engine.connect() as conn:
        assert horizon(conn) == date(2026, 5, 16)
    assert purge(engine, days=30, timezone="UTC", now=NOW + timedelta(days=30)).removed == 3
    with engine.connect() as conn:
        assert horizon(conn) == date(2026, 6, 15)
    assert rollup_by_day(engine) == PER_DAY


def test_a_rebuild_refuses_to_recount_removed_days(monkeypatch, db_url, engine, writer):
    write_days(writer, PER_DAY)
    with engine.begin() as conn:
        assert rebuild(conn, "UTC") == 4  # before any purge it works
    purge(engine, days=30, timezone="UTC", now=NOW)
    with pytest.raises(RebuildRefused, match="before 2026-05-16 were removed"), engine.begin() as conn:
        rebuild(conn, "UTC")
    code, _out, err = run_cli(monkeypatch, db_url, "rebuild-rollup")
    assert code == 1 and "the rollup is unchanged" in err
    assert rollup_by_day(engine) == PER_DAY


def test_the_settings_refuse_a_max_age_beyond_the_retention():
    with pytest.raises(ConfigError, match=r"EVENT_MAX_AGE_DAYS \(365\) may not exceed EVENT_RETENTION_DAYS \(30\)"):
        Settings.load({"EVENT_RETENTION_DAYS": "30"})
    assert Settings.load({"EVENT_RETENTION_DAYS": "30", "EVENT_MAX_AGE_DAYS": "30"}).event_retention_days == 30
    assert Settings.load({}).event_retention_days is None  # default: keep everything


def test_the_command_purges_now_and_needs_the_setting(monkeypatch, db_url, engine, writer):
    old = datetime.now(UTC) - timedelta(days=40)
    assert writer.submit([Event("retained", "api", None, old) for _ in range(6)]).accepted == 6
    code, _out, err = run_cli(monkeypatch, db_url, "purge-events")
    assert code == 2 and "EVENT_RETENTION_DAYS is not set" in err
    monkeypatch.setenv("EVENT_RETENTION_DAYS", "30")
    monkeypatch.setenv("EVENT_MAX_AGE_DAYS", "30")
    code, out, _err = run_cli(monkeypatch, db_url, "purge-events")
    assert code == 0 and out.startswith("\rRemoved 6 raw events from before")
    assert raw_by_day(engine) == {}
    assert sum(rollup_by_day(engine).values()) == 6


def test_the_app_purges_by_itself_once_it_serves(make_app, engine, writer):
    write_days(writer, PER_DAY)
    app = make_app(event_retention_days=30, event_max_age_days=30)
    schedule = app.server.extensions["clickboard"].retention
    schedule._clock = lambda: NOW  # the fake clock
    assert schedule.runs == 0  # building the app started nothing
    app.server.test_client().get("/healthz")
    deadline = time.monotonic() + 30  # a bound on waiting for the background run, not a timing assertion
    while schedule.runs == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert raw_by_day(engine) == {date(2026, 5, 16): 3, date(2026, 6, 15): 2}
    assert rollup_by_day(engine) == PER_DAY
