"""Known demo data for the dashboard tests: users with chosen demographics, events on chosen days (written through
the real event writer). The expected figures in the tests are worked out by hand from this table."""

from __future__ import annotations

from datetime import UTC, date, datetime

from db.users import create_user
from db.writer import Event

START = date(2026, 3, 1)
END = date(2026, 3, 10)

USERS = {  # key: (email, age, gender) -> age group
    "teen_m": ("teen@example.com", 16, "Male"),  # <18
    "mid_f": ("mid@example.com", 30, "Female"),  # 18-40
    "forty_o": ("forty@example.com", 40, "Other"),  # 18-40 (boundary)
    "senior_m": ("senior@example.com", 41, "Male"),  # >40 (boundary)
}

# (feature, user key or None, occurred_at UTC, count)
EVENTS = [
    ("search", "teen_m", datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC), 3),
    ("search", "mid_f", datetime(2026, 3, 2, 12, 0, tzinfo=UTC), 2),
    ("search", "senior_m", datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC), 1),
    ("export", "mid_f", datetime(2026, 3, 1, 9, 30, tzinfo=UTC), 4),
    ("export", "forty_o", datetime(2026, 3, 5, 18, 0, tzinfo=UTC), 1),
    ("share", "senior_m", datetime(2026, 3, 3, 8, 0, tzinfo=UTC), 2),
    ("share", None, datetime(2026, 3, 4, 8, 0, tzinfo=UTC), 1),
    ("share", "teen_m", datetime(2026, 3, 11, 0, 0, 0, tzinfo=UTC), 5),  # the day after END
    ("alerts", "mid_f", datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC), 7),  # the day before START
]


def seed_known_data(engine, writer) -> dict[str, int]:
    """Create the users and write the events; return user ids by key."""
    user_ids = {}
    with engine.begin() as conn:
        for key, (email, age, gender) in USERS.items():
            user_ids[key] = create_user(conn, email, "password-123", key, age, gender).id
    events = [
        Event(feature=feature, source="api", user_id=user_ids[user] if user else None, occurred_at=at)
        for feature, user, at, count in EVENTS
        for _ in range(count)
    ]
    result = writer.submit(events)
    assert result.accepted == len(events)
    return user_ids
