"""What `seed.py` prints after a run: speeds only for runs long enough to mean something, and what happened to the
demo password."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from demo.seeding import SeedReport
from seed import summary

REPORT = SeedReport(
    users_created=0,
    users_reused=9,
    other_demo_users=11,
    events_written=500,
    demo_password="demo-abcd-2345",
    demo_email="demo01@example.com",
    seconds=0.4,
    seed=7,
    first_day=date(2026, 11, 1),
    last_day=date(2026, 11, 30),
    timezone="UTC",
)


def test_a_short_run_prints_no_speed_a_long_one_does():
    assert summary(REPORT, False).splitlines()[0] == (
        "Wrote 500 click events over 2026-11-01 .. 2026-11-30 (UTC) in 0.4 s, seed 7."
    )
    long = replace(REPORT, events_written=3_000_000, seconds=2.0)
    assert summary(long, False).splitlines()[0] == (
        "Wrote 3,000,000 click events over 2026-11-01 .. 2026-11-30 (UTC) in 2.0 s (1,500,000 events/s), seed 7."
    )


def test_the_summary_names_every_demo_user_that_has_the_password_and_where_it_is_kept():
    lines = summary(REPORT, False, kept=True, where=True).splitlines()
    assert lines[1:] == [
        "Demo users: 9 (0 created, 9 already existed and were reused, not doubled).",
        "11 more demo users from an earlier run (after demo09@example.com) were kept and have the same password.",
        "Demo login: demo01@example.com (... demo20@example.com)  password: demo-abcd-2345  (the same as before, kept"
        " in DATA_DIR; --new-password or --reset picks a new one)",
    ]
    fresh = replace(REPORT, users_created=9, users_reused=0, other_demo_users=0)
    assert summary(fresh, True, where=True).splitlines() == [
        "Wiped users, events and feature_daily first (--reset).",
        "Wrote 500 click events over 2026-11-01 .. 2026-11-30 (UTC) in 0.4 s, seed 7.",
        "Demo users: 9 created.",
        "Demo login: demo01@example.com (... demo09@example.com)  password: demo-abcd-2345  (new; kept in DATA_DIR"
        " for the next runs)",
    ]
