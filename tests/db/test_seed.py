"""Demo seed against PostgreSQL: determinism, coverage, time window, exact rollup, reruns, --reset, the command line.

Every check runs against the real PostgreSQL of the test session; expected values are computed in SQL from the
stored events (never from the seed's own arithmetic).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

import seed
from db.rollup import mismatches as rollup_mismatches
from db.users import authenticate, create_user
from demo import seeding, store
from demo.options import SeedConflict, SeedError
from demo.plan import demo_password_for
from demo.seeding import seed_demo, seed_if_empty

# the dashboard's meta-analytics names written out here independently of layouts/ids.py and demo/plan.py
DESIGN_FEATURES = {
    "date_preset",
    "date_picker",
    "compare_mode",
    "granularity",
    "filter_age",
    "filter_gender",
    "filter_source",
    "chart_bar",
    "clear_feature_chip",
    "refresh_button",
    "feature_table",
    "reset_filters",
    "chart_age_group",
    "chart_gender",
    "theme_toggle",
    "auto_refresh",
    "export_csv",
    "share_link",
}
CELLS = {(a, g) for a in ("<18", "18-40", ">40") for g in ("Male", "Female", "Other")}

EVENTS_HASH = """
SELECT count(*), md5(coalesce(string_agg(
    concat_ws('|', event_id, feature, user_id, extract(epoch FROM occurred_at), age_group, gender, source),
    ',' ORDER BY event_id), ''))
FROM events
"""
USERS_HASH = """
SELECT count(*), md5(coalesce(string_agg(concat_ws('|', id, email, display_name, age, gender), ',' ORDER BY id), ''))
FROM users
"""


def one(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def scalar(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def db_now(engine) -> datetime:
    return scalar(engine, "SELECT now()")


def test_same_seed_gives_identical_users_and_events(engine, settings):
    now = db_now(engine)
    first = seed_demo(engine, settings, seed=42, now=now)
    users_1, events_1 = one(engine, USERS_HASH), one(engine, EVENTS_HASH)
    rollup_1 = one(
        engine,
        "SELECT count(*), sum(clicks), md5(string_agg(concat_ws('|', day, feature, age_group, "
        "gender, clicks), ',' ORDER BY day, feature, age_group, gender)) FROM feature_daily",
    )

    again = seed_demo(engine, settings, seed=42, now=now, reset=True)
    assert one(engine, USERS_HASH) == users_1
    assert one(engine, EVENTS_HASH) == events_1
    assert (
        one(
            engine,
            "SELECT count(*), sum(clicks), md5(string_agg(concat_ws('|', day, feature, age_group, "
            "gender, clicks), ',' ORDER BY day, feature, age_group, gender)) FROM feature_daily",
        )
        == rollup_1
    )
    assert users_1[0] == 55 and events_1[0] == 500
    assert again.demo_password == first.demo_password
    assert (first.users_created, first.users_reused, first.events_written) == (55, 0, 500)

    seed_demo(engine, settings, seed=43, now=now, reset=True)
    assert one(engine, EVENTS_HASH)[1] != events_1[1]
    assert one(engine, EVENTS_HASH)[0] == 500


def test_all_nine_cells_have_a_user_even_with_only_nine_users(engine, settings):
    seed_demo(engine, settings, users=9, events=90, seed=5)
    with engine.connect() as conn:
        rows = conn.execute(
            text("""
            SELECT CASE WHEN age <= 17 THEN '<18' WHEN age <= 40 THEN '18-40' ELSE '>40' END, gender, count(*)
            FROM users GROUP BY 1, 2
        """)
        ).all()
    assert {(a, g): n for a, g, n in rows} == {cell: 1 for cell in CELLS}


def test_default_seed_covers_every_cell_and_logs_in_with_the_printed_password(engine, settings):
    report = seed_demo(engine, settings, seed=11)
    with engine.connect() as conn:
        cells = conn.execute(
            text("""
            SELECT DISTINCT CASE WHEN age <= 17 THEN '<18' WHEN age <= 40 THEN '18-40' ELSE '>40' END, gender
            FROM users
        """)
        ).all()
        emails = conn.execute(text("SELECT email FROM users ORDER BY id")).scalars().all()
        hashes = conn.execute(text("SELECT count(DISTINCT password_hash) FROM users")).scalar_one()
        user = authenticate(conn, "DEMO37@example.com", report.demo_password)
        wrong = authenticate(conn, "demo37@example.com", report.demo_password + "x")
    assert set(map(tuple, cells)) == CELLS
    assert emails == [f"demo{i:02d}@example.com" for i in range(1, 56)]
    assert hashes == 1
    assert user is not None and user.email == "demo37@example.com"
    assert wrong is None
    assert report.demo_email == "demo01@example.com"


def test_only_the_dashboards_own_feature_names_appear_with_a_realistic_spread(engine, settings):
    seed_demo(engine, settings, events=20_000, days=28, seed=3)
    tz = settings.timezone
    with engine.connect() as conn:
        by_feature = dict(conn.execute(text("SELECT feature, count(*) FROM events GROUP BY 1")).all())
        # weekdays vs weekend days (ISO dow 6, 7), per day of each kind present in the window
        weekday, weekend = conn.execute(
            text("""
            WITH days AS (
                SELECT (occurred_at AT TIME ZONE :tz)::date AS day, count(*)::float AS n FROM events
                WHERE (occurred_at AT TIME ZONE :tz)::date < (now() AT TIME ZONE :tz)::date  -- today is partial
                GROUP BY 1
            )
            SELECT avg(n) FILTER (WHERE extract(isodow FROM day) < 6),
                   avg(n) FILTER (WHERE extract(isodow FROM day) >= 6) FROM days
        """),
            {"tz": tz},
        ).one()
        office_hours = conn.execute(
            text("""
            SELECT count(*) FILTER (WHERE extract(hour FROM occurred_at AT TIME ZONE :tz) BETWEEN 9 AND 17)
                   / count(*)::float FROM events
        """),
            {"tz": tz},
        ).scalar_one()
        per_user = conn.execute(
            text(
                "SELECT max(n), percentile_cont(0.5) WITHIN GROUP (ORDER BY n) "
                "FROM (SELECT count(*) AS n FROM events GROUP BY user_id) x"
            )
        ).one()
        sources = conn.execute(text("SELECT array_agg(DISTINCT source) FROM events")).scalar_one()
    assert set(by_feature) == DESIGN_FEATURES
    assert sum(by_feature.values()) == 20_000
    # not uniform noise: popular and rare controls, busy weekdays, office hours, power users
    assert max(by_feature.values()) > 2.5 * min(by_feature.values())
    assert by_feature["clear_feature_chip"] < by_feature["chart_bar"]
    assert weekday > 1.8 * weekend
    assert office_hours > 0.6
    assert per_user[0] > 3 * per_user[1]
    assert sources == ["dashboard"]


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata", "America/Los_Angeles"])
def test_events_lie_within_the_last_days_ending_today_and_never_in_the_future(engine, settings, tz):
    settings = settings.model_copy(update={"timezone": tz})
    report = seed_demo(engine, settings, events=3000, days=7, seed=8)
    with engine.connect() as conn:
        first, last, latest, future, today = conn.execute(
            text("""
            SELECT min((occurred_at AT TIME ZONE :tz)::date), max((occurred_at AT TIME ZONE :tz)::date),
                   max(occurred_at), count(*) FILTER (WHERE occurred_at > now()), (now() AT TIME ZONE :tz)::date
            FROM events
        """),
            {"tz": tz},
        ).one()
        mismatches = rollup_mismatches(conn, tz)
    assert future == 0
    assert first >= today - timedelta(days=6)
    assert last <= today
    assert latest <= db_now(engine)
    assert (report.first_day, report.last_day) == (today - timedelta(days=6), today)
    assert mismatches == 0


def test_events_carry_their_users_demographics_and_the_rollup_equals_the_events(engine, settings):
    seed_demo(engine, settings, users=30, events=5000, days=14, seed=21)
    with engine.connect() as conn:
        wrong = conn.execute(
            text("""
            SELECT count(*) FROM events e LEFT JOIN users u ON u.id = e.user_id
            WHERE u.id IS NULL
               OR e.age_group <> CASE WHEN u.age <= 17 THEN '<18' WHEN u.age <= 40 THEN '18-40' ELSE '>40' END
               OR e.gender <> u.gender
        """)
        ).scalar_one()
        mismatches = rollup_mismatches(conn, "UTC")
        total = conn.execute(text("SELECT sum(clicks) FROM feature_daily")).scalar_one()
    assert wrong == 0
    assert mismatches == 0
    assert total == 5000


@pytest.mark.parametrize(
    "tz, now",
    [
        # the window holds a 25-hour day (US daylight saving time ended on 2026-11-01)
        ("America/New_York", datetime(2026, 11, 3, 15, 30, tzinfo=UTC)),
        # Chile skips local midnight when its daylight saving time starts (2026-09-06)
        ("America/Santiago", datetime(2026, 9, 8, 15, 30, tzinfo=UTC)),
        # Cuba repeats the hour after midnight when its daylight saving time ends (2026-11-01): local midnight is
        # ambiguous
        ("America/Havana", datetime(2026, 11, 5, 15, 0, tzinfo=UTC)),
    ],
)
def test_rollup_is_exact_across_daylight_saving_changes(engine, settings, tz, now):
    settings = settings.model_copy(update={"timezone": tz})
    seed_demo(engine, settings, events=4000, days=10, seed=9, now=now)
    with engine.connect() as conn:
        mismatches = rollup_mismatches(conn, tz)
        days, latest = conn.execute(
            text("SELECT count(DISTINCT (occurred_at AT TIME ZONE :tz)::date), max(occurred_at) FROM events"),
            {"tz": tz},
        ).one()
    assert mismatches == 0
    assert days == 10
    assert latest < now


def test_today_stops_at_the_start_of_the_current_hour(engine, settings):
    tz = ZoneInfo("UTC")
    now = datetime(2026, 11, 20, 14, 42, 7, tzinfo=tz)
    seed_demo(engine, settings, events=3000, days=1, seed=4, now=now)
    first, last, count = one(engine, "SELECT min(occurred_at), max(occurred_at), count(*) FROM events")
    assert count == 3000
    assert first >= datetime(2026, 11, 20, tzinfo=tz)
    assert last < datetime(2026, 11, 20, 14, tzinfo=tz)


def test_second_run_without_reset_reuses_the_demo_users(engine, settings):
    first = seed_demo(engine, settings, seed=1)
    second = seed_demo(engine, settings, seed=2)
    assert (second.users_created, second.users_reused, second.events_written) == (0, 55, 500)
    assert scalar(engine, "SELECT count(*) FROM users") == 55
    assert scalar(engine, "SELECT count(*) FROM events") == 1000
    assert scalar(engine, "SELECT sum(clicks) FROM feature_daily") == 1000
    with engine.connect() as conn:
        assert rollup_mismatches(conn, "UTC") == 0
    assert first.demo_password != second.demo_password  # each seed's own password (no kept one given)
    with engine.connect() as conn:  # every demo user now has the password printed last
        assert authenticate(conn, "demo55@example.com", second.demo_password) is not None
        assert authenticate(conn, "demo55@example.com", first.demo_password) is None

    third = seed_demo(engine, settings, users=60, events=0, seed=3)
    assert (third.users_created, third.users_reused, third.events_written) == (5, 55, 0)
    assert scalar(engine, "SELECT count(*) FROM users") == 60


def demo_users_with_password(engine, password: str) -> list[str]:
    with engine.connect() as conn:
        emails = conn.execute(text("SELECT email FROM users ORDER BY id")).scalars().all()
        return [email for email in emails if authenticate(conn, email, password) is not None]


def test_a_smaller_run_gives_every_demo_user_the_one_password_the_kept_one_when_given(engine, settings):
    first = seed_demo(engine, settings, users=20, events=50, seed=1)
    twenty = [f"demo{n:02d}@example.com" for n in range(1, 21)]
    assert demo_users_with_password(engine, first.demo_password) == twenty

    kept = seed_demo(engine, settings, users=9, events=50, seed=2, password=first.demo_password)
    assert (kept.users_created, kept.users_reused, kept.other_demo_users) == (0, 9, 11)
    assert kept.demo_password == first.demo_password
    assert demo_users_with_password(engine, first.demo_password) == twenty

    rotated = seed_demo(engine, settings, users=9, events=50, seed=3)  # no kept password: the seed's own
    assert rotated.demo_password == demo_password_for(3) != first.demo_password
    assert rotated.other_demo_users == 11
    assert demo_users_with_password(engine, rotated.demo_password) == twenty
    assert demo_users_with_password(engine, first.demo_password) == []


def test_other_accounts_keep_their_password(engine, settings):
    with engine.begin() as conn:
        create_user(conn, "ana@example.com", "correct horse battery", "Ana", 30, "Female")
        create_user(conn, "demo@example.org", "correct horse battery", "Not Demo", 30, "Other")
    report = seed_demo(engine, settings, users=9, events=0, seed=5)
    assert report.other_demo_users == 0
    with engine.connect() as conn:
        assert authenticate(conn, "ana@example.com", "correct horse battery") is not None
        assert authenticate(conn, "demo@example.org", "correct horse battery") is not None
        assert authenticate(conn, "ana@example.com", report.demo_password) is None


def test_same_seed_again_without_reset_is_refused_and_writes_nothing(engine, settings):
    first = seed_demo(engine, settings, seed=77)
    before = one(engine, EVENTS_HASH), one(engine, USERS_HASH)
    with pytest.raises(SeedConflict, match="--reset"):
        seed_demo(engine, settings, seed=77)
    assert (one(engine, EVENTS_HASH), one(engine, USERS_HASH)) == before
    with engine.connect() as conn:
        assert authenticate(conn, "demo01@example.com", first.demo_password) is not None
    # other options with the same seed are another data set, with other ids
    seed_demo(engine, settings, seed=77, events=200)
    assert scalar(engine, "SELECT count(*) FROM events") == 700


def test_event_ids_are_version_8_uuids_counting_up_within_a_run(engine, settings, monkeypatch):
    monkeypatch.setattr(seeding, "CHUNK_ROWS", 97)  # many chunks
    seed_demo(engine, settings, events=1000, seed=12)
    seed_demo(engine, settings, events=1000, seed=13)
    with engine.connect() as conn:
        ids = [uuid.UUID(str(x)) for x in conn.execute(text("SELECT event_id FROM events ORDER BY event_id")).scalars()]
        mismatches = rollup_mismatches(conn, "UTC")
    assert len(ids) == len(set(ids)) == 2000
    assert {u.version for u in ids} == {8}
    assert {u.variant for u in ids} == {uuid.RFC_4122}
    assert all(str(u).startswith("ff") for u in ids)
    runs = {}
    for u in ids:
        runs.setdefault(u.int >> 32, []).append(u.int & 0xFFFF_FFFF)
    assert len(runs) == 2
    for counters in runs.values():  # ascending by uuid order = counting up from 0 without gaps
        assert counters == list(range(1000))
    assert mismatches == 0


def test_a_later_hour_appends_after_earlier_ids_and_is_another_data_set(engine, settings):
    now = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
    seed_demo(engine, settings, events=300, seed=31, now=now)
    seed_demo(engine, settings, events=300, seed=30, now=now + timedelta(hours=1))
    with pytest.raises(SeedConflict):
        seed_demo(engine, settings, events=300, seed=30, now=now + timedelta(hours=1, minutes=50))
    seed_demo(engine, settings, events=300, seed=30, now=now + timedelta(hours=2))
    with engine.connect() as conn:
        ranges = conn.execute(
            text("""
            SELECT min(occurred_at), max(occurred_at), min(event_id::text), max(event_id::text), count(*)
            FROM events GROUP BY substr(event_id::text, 1, 11) ORDER BY 3
        """)
        ).all()
        # a random v4 id, as the API would write, sorts before every seeded id
        before_all = conn.execute(
            text("SELECT count(*) FROM events WHERE event_id < CAST('fe000000-0000-4000-8000-000000000000' AS uuid)")
        ).scalar_one()
    assert [r[4] for r in ranges] == [300, 300, 300]
    assert ranges[0][3] < ranges[1][2] and ranges[1][3] < ranges[2][2]  # hour by hour, ids only grow
    assert [r[1] < now + timedelta(hours=h) for h, r in zip((0, 1, 2), ranges)] == [True, True, True]
    assert before_all == 0
    with engine.connect() as conn:
        assert rollup_mismatches(conn, "UTC") == 0


def test_in_the_first_hour_of_the_day_today_has_events_only_when_the_window_is_today(engine, settings):
    now = datetime(2026, 11, 20, 0, 20, tzinfo=UTC)
    seed_demo(engine, settings, events=400, days=3, seed=6, now=now)
    midnight = datetime(2026, 11, 20, tzinfo=UTC)
    assert scalar(engine, "SELECT max(occurred_at) FROM events") < midnight
    seed_demo(engine, settings, events=400, days=1, seed=6, now=now, reset=True)
    first, last = one(engine, "SELECT min(occurred_at), max(occurred_at) FROM events")
    assert midnight <= first <= last < now


def test_reset_wipes_users_events_and_rollup_first(engine, settings, writer):
    with engine.begin() as conn:
        analyst = create_user(conn, "ana@example.com", "correct horse battery", "Ana", 30, "Female")
    from db.writer import Event

    writer.submit([Event("some_other_feature", "api", user_id=analyst.id) for _ in range(3)])
    seed_demo(engine, settings, seed=1)
    assert scalar(engine, "SELECT count(*) FROM users") == 56

    report = seed_demo(engine, settings, users=12, events=250, seed=2, reset=True)
    assert (report.users_created, report.users_reused, report.events_written) == (12, 0, 250)
    assert scalar(engine, "SELECT count(*) FROM users WHERE email NOT LIKE 'demo%'") == 0
    assert scalar(engine, "SELECT count(*) FROM users") == 12
    assert scalar(engine, "SELECT min(id) FROM users") == 1
    assert scalar(engine, "SELECT count(*) FROM events") == 250
    assert scalar(engine, "SELECT sum(clicks) FROM feature_daily") == 250
    assert scalar(engine, "SELECT count(*) FROM feature_daily WHERE feature = 'some_other_feature'") == 0


def test_seed_if_empty_seeds_only_an_empty_database(engine, settings):
    report = seed_if_empty(engine, settings)
    assert report is not None
    assert (report.users_created, report.events_written) == (55, 500)
    assert seed_if_empty(engine, settings) is None
    assert scalar(engine, "SELECT count(*) FROM users") == 55
    assert scalar(engine, "SELECT count(*) FROM events") == 500


def test_seed_if_empty_leaves_a_database_with_a_user_alone(engine, settings):
    with engine.begin() as conn:
        create_user(conn, "ana@example.com", "correct horse battery", "Ana", 30, "Female")
    assert seed_if_empty(engine, settings) is None
    assert scalar(engine, "SELECT count(*) FROM events") == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"users": 8}, "--users must be between 9"),
        ({"events": -1}, "--events must be between 0"),
        ({"days": 0}, "--days must be between 1"),
        ({"seed": -5}, "--seed must be between 0"),
        ({"events": 2.5}, "--events must be a whole number"),
    ],
)
def test_seed_demo_rejects_bad_options_before_writing(engine, settings, kwargs, message):
    with pytest.raises(SeedError, match=message):
        seed_demo(engine, settings, **kwargs)
    assert scalar(engine, "SELECT count(*) FROM users") == 0


@pytest.fixture
def cli_env(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ANALYTICS_TIMEZONE", raising=False)


def test_command_line_seeds_and_refuses_the_same_seed_twice(engine, cli_env, capsys):
    assert seed.main(["--users", "12", "--events", "300", "--days", "5", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    password = demo_password_for(3)
    assert f"password: {password}" in out
    assert "demo01@example.com" in out and "demo12@example.com" in out
    assert "Demo users: 12 created." in out
    assert scalar(engine, "SELECT count(*) FROM users") == 12
    assert scalar(engine, "SELECT count(*) FROM events") == 300
    with engine.connect() as conn:
        assert authenticate(conn, "demo12@example.com", password) is not None

    assert seed.main(["--users", "12", "--events", "300", "--days", "5", "--seed", "3"]) == 1
    err = capsys.readouterr().err
    assert "already in the database" in err and "--reset" in err
    assert scalar(engine, "SELECT count(*) FROM events") == 300

    assert seed.main(["--users", "12", "--events", "100", "--days", "5"]) == 0
    out = capsys.readouterr().out
    assert "12 already existed and were reused, not doubled" in out
    assert "events/s" not in out  # a run under a second shows no speed: it would measure the start-up
    assert "(new: every demo user has it now)" in out  # DATABASE_URL: nothing kept on disk
    assert scalar(engine, "SELECT count(*) FROM users") == 12

    assert seed.main(["--users", "10", "--events", "40", "--seed", "3", "--reset"]) == 0
    assert "Wiped users, events and feature_daily first" in capsys.readouterr().out
    assert scalar(engine, "SELECT count(*) FROM users") == 10
    assert scalar(engine, "SELECT count(*) FROM events") == 40


def test_command_line_gives_a_clear_error_when_another_seed_holds_the_lock(engine, cli_env, capsys, monkeypatch):
    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 1)
    with engine.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(:key)"), {"key": store.SEED_LOCK})
        try:
            assert seed.main(["--events", "10", "--seed", "1"]) == 1
        finally:
            other.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": store.SEED_LOCK})
            other.commit()
    assert "held the tables for over 1 s; nothing was written" in capsys.readouterr().err
    assert scalar(engine, "SELECT count(*) FROM users") == 0


def test_command_line_shows_a_progress_bar_from_the_threshold_on(engine, cli_env, capsys, monkeypatch):
    monkeypatch.setattr(seed, "PROGRESS_THRESHOLD", 300)
    assert seed.main(["--events", "299", "--seed", "1"]) == 0
    assert "events:" not in capsys.readouterr().err
    assert seed.main(["--events", "300", "--seed", "2"]) == 0
    assert "300/300" in capsys.readouterr().err
    assert scalar(engine, "SELECT count(*) FROM events") == 599


def test_command_line_gives_one_clear_line_when_the_database_cannot_be_reached(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    assert seed.main(["--events", "10"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("seed.py: error: cannot reach the database; nothing was written")
    assert len(err.splitlines()) == 1


def test_app_start_seeds_an_empty_embedded_database_and_shows_the_kept_login_later(engine, tmp_path, capsys):
    import cli
    from config import Settings

    embedded = Settings(database_url=None, secret_key="k", data_dir=tmp_path)  # as `uv run app.py` without a URL
    cli._print_demo_login(engine, embedded)
    first = capsys.readouterr().out
    login = (tmp_path / "demo_login.txt").read_text().strip()
    assert first == f"Seeded demo data: 55 users, 500 clicks\nDemo login: {login}\n"
    assert scalar(engine, "SELECT count(*) FROM users") == 55

    cli._print_demo_login(engine, embedded)
    assert capsys.readouterr().out == f"Demo login: {login}\n"
    assert scalar(engine, "SELECT count(*) FROM events") == 500
    email, password = login.split(" / ")
    with engine.connect() as conn:
        assert authenticate(conn, email, password) is not None
