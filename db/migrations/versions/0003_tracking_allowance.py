"""Meta-analytics rate limit: the recent recorded interactions per analyst and control.

Revision ID: 0003_tracking_allowance
Revises: 0002_auth
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_tracking_allowance"
down_revision = "0002_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one row per (analyst, control): at most a few dozen per analyst, so no clean-up is needed
    op.create_table(
        "tracking_allowance",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("control", sa.Text, primary_key=True),
        sa.Column("recent", postgresql.ARRAY(sa.DateTime(timezone=True)), nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tracking_allowance")
