"""Table definitions (SQLAlchemy Core). Alembic migrations in db/migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Identity,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
    text,
)

AGE_GROUPS = ("<18", "18-40", ">40")
GENDERS = ("Male", "Female", "Other")
UNKNOWN = "unknown"
SOURCES = ("dashboard", "api")

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("email", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("age", SmallInteger, nullable=False),
    Column("gender", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint("age BETWEEN 1 AND 120", name="users_age_range"),
    CheckConstraint("gender IN ('Male', 'Female', 'Other')", name="users_gender_valid"),
    CheckConstraint("length(btrim(display_name)) BETWEEN 1 AND 100", name="users_display_name_length"),
    CheckConstraint("position('@' in email) > 1", name="users_email_shape"),
)

events = Table(
    "events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("feature", Text, nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("age_group", Text, nullable=False),
    Column("gender", Text, nullable=False),
    Column("source", Text, nullable=False),
    CheckConstraint("length(feature) BETWEEN 1 AND 100", name="events_feature_length"),
    CheckConstraint("age_group IN ('<18', '18-40', '>40', 'unknown')", name="events_age_group_valid"),
    CheckConstraint("gender IN ('Male', 'Female', 'Other', 'unknown')", name="events_gender_valid"),
    CheckConstraint("source IN ('dashboard', 'api')", name="events_source_valid"),
)

feature_daily = Table(
    "feature_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("feature", Text, primary_key=True),
    Column("age_group", Text, primary_key=True),
    Column("gender", Text, primary_key=True),
    Column("clicks", BigInteger, nullable=False),
    CheckConstraint("clicks >= 0", name="feature_daily_clicks_nonnegative"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("key_hash", Text, nullable=False, unique=True),
    Column("prefix", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)


def age_group_of(age: int) -> str:
    """'<18' for 17 and under, '18-40' for 18 to 40 inclusive, '>40' for 41 and over."""
    if age <= 17:
        return "<18"
    if age <= 40:
        return "18-40"
    return ">40"
