"""People and their traits, and the per-API-key rate limit's token buckets.

`people`: who a product's events are about (db/people.py), named by an external id; its ids are drawn from the users'
id sequence so that an event's `user_id` names either an account or a person. `api_key_allowance`: one token bucket
per API key (db/key_allowance.py). The feature-name rule widened (printable text, 1-100 characters, stored stripped)
needs no constraint change: `events_feature_length` already checks 1-100 characters.

Revision ID: 0008_people
Revises: 0006_rollup_source
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_people"
down_revision = "0007_rollup_levels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.BigInteger, primary_key=True, server_default=sa.text("nextval('users_id_seq'::regclass)")),
        sa.Column("external_id", sa.Text, nullable=False, unique=True),
        sa.Column("age", sa.SmallInteger, nullable=True),
        sa.Column("birth_date", sa.Date, nullable=True),
        sa.Column("gender", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint("length(external_id) BETWEEN 1 AND 255", name="people_external_id_length"),
        sa.CheckConstraint("age BETWEEN 1 AND 120", name="people_age_range"),
        sa.CheckConstraint("age IS NULL OR birth_date IS NULL", name="people_one_age"),
        sa.CheckConstraint("gender IN ('Male', 'Female', 'Other')", name="people_gender_valid"),
    )
    op.create_table(
        "api_key_allowance",
        sa.Column("key_id", sa.Integer, primary_key=True),
        sa.Column("tokens", sa.Double, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_key_allowance")
    op.drop_table("people")
