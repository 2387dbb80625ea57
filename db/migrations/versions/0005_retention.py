"""Retention: where the raw events begin after a purge, and a BRIN index to find old events cheaply.

Revision ID: 0005_retention
Revises: 0004_roles
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_retention"
down_revision = "0004_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one row at most: the first day whose raw events are all kept (the rollup keeps the days before it)
    op.create_table(
        "retention_horizon",
        sa.Column("id", sa.Boolean, primary_key=True, server_default=sa.text("true")),
        sa.Column("raw_events_from", sa.Date, nullable=False),
        sa.CheckConstraint("id", name="retention_horizon_one_row"),
    )
    # BRIN: a few pages for the whole table, next to nothing per insert; CONCURRENTLY, so a large events table keeps
    # taking writes while it is built
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS events_occurred_at_brin ON events USING brin (occurred_at)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS events_occurred_at_brin")
    op.drop_table("retention_horizon")
