"""The one known dataset of the dashboard, stats API and browser tests, written through the real event writer.

Four people at the age-group boundaries plus clicks without a known person, in and around the range
START..END = 2026-03-01..2026-03-05 (UTC, the tests' analytics time zone), and a few recent clicks so that the default
range (the last 30 days) has data. tests/oracle.py computes every number from the raw events; the hand counts below
check the oracle itself (tests/db/test_oracle.py) and are quoted by tests that want a number spelled out.

In START..END (11 clicks, 5 days):
    feature   export 4 (young 3, forty 1)   search 4 (teen 3, older 1)   share 3 (older 2, nobody 1)
              -> top feature export (tie with search: alphabetical), 3 features, daily average 11 / 5 = 2.2
    day       03-01: 6 (one at 00:00:00)   03-02: 0   03-03: 2   03-04: 1   03-05: 2 (one at 23:59:59)
    age group <18: 3   18-40: 4 (ages 18 and 40)   >40: 3   unknown: 1
    gender    Male: 6   Female: 3   Other: 1   unknown: 1
Just outside: 7 alerts by young at 02-28 23:59:59 and 5 share by teen at 03-06 00:00:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine

from db.users import create_user
from db.writer import Event, EventWriter

START, END = date(2026, 3, 1), date(2026, 3, 5)  # five days, both inclusive

PEOPLE = {  # name: (age, gender)
    "teen": (17, "Male"),  # <18, its upper bound
    "young": (18, "Female"),  # 18-40, its lower bound
    "forty": (40, "Other"),  # 18-40, its upper bound
    "older": (41, "Male"),  # >40, its lower bound
}

EVENTS = [  # (feature, person or None, occurred_at in UTC, how many, source)
    ("alerts", "young", "2026-02-28 23:59:59", 7, "api"),  # the last second before START: outside
    ("export", "young", "2026-03-01 00:00:00", 1, "api"),  # the first second of START: inside
    ("export", "young", "2026-03-01 09:30:00", 2, "api"),
    ("search", "teen", "2026-03-01 10:00:00", 3, "dashboard"),
    ("share", "older", "2026-03-03 08:00:00", 2, "api"),
    ("share", None, "2026-03-04 08:00:00", 1, "api"),  # nobody known: age group and gender 'unknown'
    ("export", "forty", "2026-03-05 18:00:00", 1, "dashboard"),
    ("search", "older", "2026-03-05 23:59:59", 1, "api"),  # the last second of END: inside
    ("share", "teen", "2026-03-06 00:00:00", 5, "api"),  # the first second after END: outside
]

RECENT = [  # (feature, person or None, days before today, how many), at 00:30 UTC
    ("search", "young", 0, 2),
    ("search", "teen", 3, 4),
    ("alerts", None, 5, 1),
    ("export", "older", 12, 3),
    ("share", "forty", 29, 2),  # the first day of the default 30-day range
    ("export", "young", 30, 9),  # the day before it: outside
]
PASSWORD_HASH = "scrypt:32768:8:1$fixed$0"  # these people never log in; skip the slow hash


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def today_utc() -> date:
    return datetime.now(UTC).date()


def write_dataset(engine: Engine, writer: EventWriter, today: date | None = None) -> dict[str, int]:
    """Create the people and write every event (RECENT relative to `today`, default today in UTC); return the
    people's user ids by name."""
    with engine.begin() as conn:
        ids = {
            name: create_user(conn, f"{name}@example.com", None, name, age, gender, password_hash=PASSWORD_HASH).id
            for name, (age, gender) in PEOPLE.items()
        }
    recent_at = datetime.combine(today or today_utc(), time(0, 30), tzinfo=UTC)
    events = [
        Event(feature, source, ids.get(person), utc(at))
        for feature, person, at, count, source in EVENTS
        for _ in range(count)
    ] + [
        Event(feature, "api", ids.get(person), recent_at - timedelta(days=back))
        for feature, person, back, count in RECENT
        for _ in range(count)
    ]
    result = writer.submit(events)
    assert (result.accepted, result.duplicates) == (len(events), 0)
    return ids


# -- many features: the charts at real-product scale ---------------------------------------------------------------
# 60 features over MANY_START..MANY_END (14 months, so the daily axis crosses a new year), one of them with a
# 100-character name (the longest a feature name may be) and the most clicks (1,500: thousands separators), the
# others 59, 58, ... 1 clicks. The numbers the tests expect come from tests/oracle.py.
MANY_START, MANY_END = date(2025, 1, 1), date(2026, 2, 28)
LONG_FEATURE = ("checkout.payment_method.credit_card.three_d_secure.challenge_completed_successfully_after_retry_x")[
    :100
].ljust(100, "x")
MANY_FEATURES = [LONG_FEATURE] + [f"feature_{n:02d}" for n in range(1, 60)]


def many_feature_clicks() -> dict[str, int]:
    """Clicks per feature of the many-features dataset."""
    return {LONG_FEATURE: 1500} | {f"feature_{n:02d}": 60 - n for n in range(1, 60)}


def write_many_features(engine: Engine, writer: EventWriter) -> None:
    """The 60 features' clicks, spread over the days of MANY_START..MANY_END at noon UTC (no known person)."""
    days = (MANY_END - MANY_START).days + 1
    events = []
    position = 0
    for feature, clicks in many_feature_clicks().items():
        for _ in range(clicks):
            day = MANY_START + timedelta(days=(position * 7) % days)
            events.append(Event(feature, "api", None, datetime.combine(day, time(12, 0), tzinfo=UTC)))
            position += 1
    result = writer.submit(events)
    assert (result.accepted, result.duplicates) == (len(events), 0)
