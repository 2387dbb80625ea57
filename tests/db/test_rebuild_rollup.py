"""`uv run app.py rebuild-rollup`: after ANALYTICS_TIMEZONE changes, the rollup is recounted with the new day
boundaries, through the real command line."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from db.rollup import mismatches
from db.users import create_user
from db.writer import Event
from tests.api.conftest import run_cli

# around midnight UTC, which is 19:00 the day before in New York (UTC-5 in November)
MIDNIGHT = datetime(2026, 11, 20, tzinfo=UTC)
MOMENTS = [
    MIDNIGHT - timedelta(microseconds=1),
    MIDNIGHT,
    MIDNIGHT + timedelta(minutes=30),
    MIDNIGHT + timedelta(hours=4, minutes=59, seconds=59, microseconds=999_999),  # 23:59:59.999999 in New York
    MIDNIGHT + timedelta(hours=5),  # 00:00 in New York
    MIDNIGHT + timedelta(hours=23, minutes=59),
]


def rollup(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT day, feature, age_group, gender, clicks FROM feature_daily")).all()
    return {(r.day, r.feature, r.age_group, r.gender): r.clicks for r in rows}


def test_rebuild_recounts_the_rollup_with_the_new_time_zones_day_boundaries(engine, db_url, writer, monkeypatch):
    with engine.begin() as conn:
        ana = create_user(conn, "ana@example.com", "password-123", "Ana", 30, "Female")
        tom = create_user(conn, "tom@example.com", "password-123", "Tom", 15, "Male")
    people = {None: ("unknown", "unknown"), ana.id: ("18-40", "Female"), tom.id: ("<18", "Male")}
    events = [
        Event(feature, "api", user_id=user, occurred_at=moment)
        for moment in MOMENTS
        for feature, user in (("checkout.pay", ana.id), ("search", tom.id), ("search", None))
    ]
    writer.submit(events)  # the writer counts days in UTC
    assert len(events) == 18

    def expected(zone: str) -> dict:
        return Counter((e.occurred_at.astimezone(ZoneInfo(zone)).date(), e.feature, *people[e.user_id]) for e in events)

    assert rollup(engine) == expected("UTC")
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "America/New_York")
    code, out, err = run_cli(monkeypatch, db_url, "rebuild-rollup")

    assert (code, err) == (0, "")
    new_york = expected("America/New_York")
    assert rollup(engine) == new_york
    assert new_york != expected("UTC")
    assert f"Rebuilt feature_daily in America/New_York: {len(new_york)} rollup rows" in out
    with engine.connect() as conn:
        assert mismatches(conn, "America/New_York") == 0
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 18


def test_rebuild_exits_1_with_one_clear_line_when_the_database_cannot_be_reached(monkeypatch):
    code, out, err = run_cli(monkeypatch, "postgresql+psycopg://postgres@127.0.0.1:1/nowhere", "rebuild-rollup")
    assert code == 1
    assert out == ""
    assert err.startswith("error: cannot reach the database; the rollup is unchanged")
    assert len(err.strip().splitlines()) == 1
