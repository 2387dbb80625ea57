"""A small known dataset, written through the real event writer, with its expected numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from db.users import create_user
from db.writer import Event, EventWriter

START, END = date(2026, 3, 1), date(2026, 3, 5)  # five days, both inclusive


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write_known_dataset(engine: Engine, writer: EventWriter) -> dict[str, int]:
    """Users: teen (17, Male), young (18, Female), forty (40, Other), older (41, Male). Returns their ids."""
    with engine.begin() as conn:
        hash_ = "scrypt:32768:8:1$fixed$0"  # these users never log in; skip the slow hash
        ids = {
            name: create_user(conn, f"{name}@example.com", None, name, age, gender, password_hash=hash_).id
            for name, age, gender in [
                ("teen", 17, "Male"),
                ("young", 18, "Female"),
                ("forty", 40, "Other"),
                ("older", 41, "Male"),
            ]
        }
    events = [
        ("filter_age", "teen", "2026-03-01 10:00:00"),
        ("filter_age", "young", "2026-03-01 11:00:00"),
        ("chart_bar", "young", "2026-03-02 09:00:00"),
        ("chart_bar", "older", "2026-03-02 09:30:00"),
        ("filter_gender", None, "2026-03-03 08:00:00"),
        ("date_picker", "forty", "2026-03-04 12:00:00"),
        ("date_picker", "older", "2026-03-05 23:59:59"),  # last second of the end day: counts
        ("refresh_button", "teen", "2026-03-06 00:00:00"),  # first second after the range: does not
        ("refresh_button", "young", "2026-02-28 23:59:59"),  # last second before the range: does not
    ]
    writer.submit([Event(feature, "dashboard", ids.get(user), utc(at)) for feature, user, at in events])
    return ids
