"""The demo plan without a database: who the demo users are, how events are sampled, the time window and the ids.

Expected values are computed here independently (zoneinfo for local days, the uuid module for ids), never from the
plan's own arithmetic.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from demo.ids import event_id, event_id_range
from demo.options import SeedError
from demo.plan import COMBOS, EventSampler, cell_of, demo_password_for, plan_users
from demo.window import make_window
from domain import age_group_of

CELLS = {(a, g) for a in ("<18", "18-40", ">40") for g in ("Male", "Female", "Other")}
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def local_window(tz: str, today: date, days: int, now: datetime):
    """The window of the last `days` days ending `today` in `tz`, with midnights from zoneinfo."""
    zone = ZoneInfo(tz)
    dates = [today - timedelta(days=k) for k in reversed(range(days))]
    starts = [datetime.combine(d, time(), zone) for d in dates]
    stops = [datetime.combine(d + timedelta(days=1), time(), zone) for d in dates]
    return make_window(dates, starts, stops, now)


def moment(us: int) -> datetime:
    return PG_EPOCH + timedelta(microseconds=int(us))


def sampler_for(window, seed: int = 7, users: int = 55, events: int = 50_000) -> EventSampler:
    cells = [cell_of(age_group_of(u.age), u.gender) for u in plan_users(users, seed)]
    return EventSampler([seed, users, events, len(window.days)], window, np.array(cells))


def test_the_same_seed_plans_the_same_users_and_another_seed_other_ones():
    assert plan_users(55, 42) == plan_users(55, 42)
    assert plan_users(55, 42) != plan_users(55, 43)


def test_the_first_nine_users_cover_the_nine_cells_and_emails_count_up():
    users = plan_users(55, 5)
    assert {(age_group_of(u.age), u.gender) for u in users[:9]} == CELLS
    assert [u.email for u in users] == [f"demo{i:02d}@example.com" for i in range(1, 56)]
    assert all(13 <= u.age <= 78 and re.fullmatch(r"\w+ [A-Z]\.", u.display_name) for u in users)
    assert {(age_group_of(u.age), u.gender) for u in plan_users(9, 6)} == CELLS


def test_the_demo_password_depends_only_on_the_seed():
    assert demo_password_for(3) == demo_password_for(3)
    assert demo_password_for(3) != demo_password_for(4)
    assert re.fullmatch(r"demo-[a-z2-9]{4}-[a-z2-9]{4}", demo_password_for(3))


def test_the_same_options_sample_the_same_events_and_other_options_other_ones():
    window = local_window("UTC", date(2026, 11, 20), 30, datetime(2026, 11, 20, 14, 42, tzinfo=UTC))
    first, again = sampler_for(window).sample(10_000), sampler_for(window).sample(10_000)
    other = sampler_for(window, events=50_001).sample(10_000)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first.occurred_us, other.occurred_us)


@pytest.mark.parametrize(
    "tz, now",
    [
        ("UTC", datetime(2026, 11, 20, 14, 42, 7, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 11, 3, 15, 30, tzinfo=UTC)),  # 1 Nov 2026 has 25 hours there
        ("Asia/Kolkata", datetime(2026, 3, 8, 23, 10, tzinfo=UTC)),  # already 9 March there
    ],
)
def test_each_event_lies_on_its_local_day_and_before_the_current_hour(tz, now):
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    window = local_window(tz, today, 10, now)
    sample = sampler_for(window).sample(50_000)
    local = [moment(us).astimezone(zone) for us in sample.occurred_us]
    assert [t.date() for t in local] == [window.days[d] for d in sample.day]
    assert max(local) < now.replace(minute=0, second=0, microsecond=0)
    assert {t.date() for t in local} == {today - timedelta(days=k) for k in range(10)}


def test_sampled_events_have_a_realistic_spread():
    now = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # a Monday: 28 whole days before it, today has no events yet
    window = local_window("UTC", date(2026, 11, 30), 29, now)
    sample = sampler_for(window, events=100_000).sample(100_000)
    days = [window.days[d] for d in sample.day]
    per_day = Counter(days)
    weekday = np.mean([n for d, n in per_day.items() if d.weekday() < 5])
    weekend = np.mean([n for d, n in per_day.items() if d.weekday() >= 5])
    hours = Counter(moment(us).hour for us in sample.occurred_us)
    features = Counter(COMBOS[c][0] for c in sample.combo)
    per_user = Counter(sample.user.tolist())
    assert weekday > 1.8 * weekend
    assert sum(hours[h] for h in range(9, 18)) > 0.6 * len(days)
    assert max(features.values()) > 2.5 * min(features.values())
    assert features["clear_feature_chip"] < features["chart_bar"]
    assert max(per_user.values()) > 3 * np.median(list(per_user.values()))


def test_events_carry_the_age_group_and_gender_of_their_user():
    window = local_window("UTC", date(2026, 11, 20), 7, datetime(2026, 11, 20, 12, tzinfo=UTC))
    users = plan_users(30, 9)
    sample = sampler_for(window, seed=9, users=30).sample(5_000)
    assert all(
        COMBOS[c][1:] == (age_group_of(users[u].age), users[u].gender) for c, u in zip(sample.combo, sample.user)
    )


def test_today_ends_at_the_start_of_the_current_hour():
    now = datetime(2026, 11, 20, 14, 42, 7, tzinfo=UTC)
    window = local_window("UTC", date(2026, 11, 20), 3, now)
    assert moment(window.limit_us[-1]) == datetime(2026, 11, 20, 14, tzinfo=UTC)
    assert [moment(x) for x in window.limit_us[:-1]] == [datetime(2026, 11, d, tzinfo=UTC) for d in (19, 20)]


def test_in_the_first_hour_of_the_day_today_has_room_only_when_the_window_is_today():
    now = datetime(2026, 11, 20, 0, 20, tzinfo=UTC)
    three = local_window("UTC", date(2026, 11, 20), 3, now)
    one = local_window("UTC", date(2026, 11, 20), 1, now)
    assert three.limit_us[-1] == three.start_us[-1]
    assert moment(one.limit_us[-1]) == now


def test_daylight_saving_days_have_their_real_length():
    window = local_window("America/New_York", date(2026, 11, 3), 5, datetime(2026, 11, 3, 15, 30, tzinfo=UTC))
    hours = dict(zip(window.days, (window.length_us / 3_600_000_000).tolist()))
    assert hours[date(2026, 11, 1)] == 25
    assert hours[date(2026, 10, 31)] == hours[date(2026, 11, 2)] == 24


def test_a_window_needs_an_aware_clock():
    with pytest.raises(SeedError, match="timezone-aware"):
        local_window("UTC", date(2026, 11, 20), 1, datetime(2026, 11, 20, 10))


def test_event_ids_are_version_8_and_sort_after_earlier_hours_and_random_ids():
    hour = (datetime(2026, 11, 20, 10, tzinfo=UTC) - PG_EPOCH) // timedelta(hours=1)
    hi, lo = event_id_range(1, 55, 500, 30, hour)
    first, last = event_id(hi, lo), event_id(hi, lo + 499)
    later_hi, later_lo = event_id_range(99, 55, 500, 30, hour + 1)
    assert (first.version, first.variant) == (8, uuid.RFC_4122)
    assert (last.version, last.variant) == (8, uuid.RFC_4122)
    assert last.int - first.int == 499
    assert str(first).startswith("ff")
    assert event_id(later_hi, later_lo) > last
    assert uuid.UUID("feffffff-ffff-4fff-bfff-ffffffffffff") < first  # e.g. a random v4 id from the API
    assert event_id_range(1, 55, 500, 30, hour) == (hi, lo)
    assert event_id_range(1, 55, 501, 30, hour) != (hi, lo)
