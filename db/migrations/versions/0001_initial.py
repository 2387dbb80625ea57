"""Initial schema: users, events, feature_daily rollup, api_keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("age", sa.SmallInteger, nullable=False),
        sa.Column("gender", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint("age BETWEEN 1 AND 120", name="users_age_range"),
        sa.CheckConstraint("gender IN ('Male', 'Female', 'Other')", name="users_gender_valid"),
        sa.CheckConstraint("length(btrim(display_name)) BETWEEN 1 AND 100", name="users_display_name_length"),
        sa.CheckConstraint("position('@' in email) > 1", name="users_email_shape"),
    )
    # emails are unique regardless of case
    op.create_index("users_email_lower_key", "users", [sa.text("lower(email)")], unique=True)

    # events: an append-only log. Its primary key on event_id is the idempotency key; no other index,
    # because every dashboard number is read from feature_daily. user_id has no foreign key on purpose:
    # the demographics are captured at write time, and a per-row FK check would halve bulk ingestion.
    op.create_table(
        "events",
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("feature", sa.Text, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("age_group", sa.Text, nullable=False),
        sa.Column("gender", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.CheckConstraint("length(feature) BETWEEN 1 AND 100", name="events_feature_length"),
        sa.CheckConstraint("age_group IN ('<18', '18-40', '>40', 'unknown')", name="events_age_group_valid"),
        sa.CheckConstraint("gender IN ('Male', 'Female', 'Other', 'unknown')", name="events_gender_valid"),
        sa.CheckConstraint("source IN ('dashboard', 'api')", name="events_source_valid"),
    )

    # the rollup every dashboard number comes from; its primary key serves the date-range scans
    op.create_table(
        "feature_daily",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("feature", sa.Text, primary_key=True),
        sa.Column("age_group", sa.Text, primary_key=True),
        sa.Column("gender", sa.Text, primary_key=True),
        sa.Column("clicks", sa.BigInteger, nullable=False),
        sa.CheckConstraint("clicks >= 0", name="feature_daily_clicks_nonnegative"),
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("key_hash", sa.Text, nullable=False, unique=True),
        sa.Column("prefix", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("feature_daily")
    op.drop_table("events")
    op.drop_index("users_email_lower_key", table_name="users")
    op.drop_table("users")
