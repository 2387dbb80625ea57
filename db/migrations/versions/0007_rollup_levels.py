"""Rollup levels: `rollup_day` and `rollup_month` hold feature_daily summed over every combination of one or every
value ('') of feature, age group and gender, per source, per day and per month, so any filter reads at most one row
per source, day or month and grouped value (db/rollup.py). Created and backfilled from feature_daily (which is kept
past a retention horizon, so old days are counted too) for every day before today in ANALYTICS_TIMEZONE (read from
the environment like every setting), marked closed in `rollup_closed`; today stays in feature_daily only until the
event writer closes it. Under an EXCLUSIVE lock on feature_daily: dashboards keep reading, event writers wait.

Revision ID: 0007_rollup_levels
Revises: 0006_rollup_source
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

revision = "0007_rollup_levels"
down_revision = "0006_rollup_source"
branch_labels = None
depends_on = None

# The levels' grouping as of this revision (db/rollup.py holds the live one; a migration keeps its own copy so that
# later changes there do not change what this revision did).
_BACKFILL = """
INSERT INTO {table} (feature, age_group, gender, source, {period}, clicks)
SELECT coalesce(feature, ''), coalesce(age_group, ''), coalesce(gender, ''), source, {period_of_day},
       sum(clicks)::bigint
FROM feature_daily WHERE day <= (SELECT through FROM rollup_closed)
GROUP BY {period_of_day}, source, CUBE (feature, age_group, gender)
"""
LEVELS = (("rollup_day", "day", "day"), ("rollup_month", "month", "date_trunc('month', day)::date"))


def _timezone() -> str:
    from config import Settings

    return Settings.load().timezone


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("LOCK TABLE feature_daily IN EXCLUSIVE MODE"))
    op.create_table(
        "rollup_closed",
        sa.Column("id", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.CheckConstraint("id", name="rollup_closed_one_row"),
        sa.PrimaryKeyConstraint("id", name="rollup_closed_pkey"),
    )
    # every day before today is closed: the levels count it; today is counted in feature_daily only
    conn.execute(
        text("INSERT INTO rollup_closed (through) VALUES ((now() AT TIME ZONE :tz)::date - 1)"), {"tz": _timezone()}
    )
    for table, period, period_of_day in LEVELS:
        op.create_table(
            table,
            sa.Column("feature", sa.Text(), nullable=False),
            sa.Column("age_group", sa.Text(), nullable=False),
            sa.Column("gender", sa.Text(), nullable=False),
            sa.Column("source", sa.Text(), nullable=False),
            sa.Column(period, sa.Date(), nullable=False),
            sa.Column("clicks", sa.BigInteger(), nullable=False),
            sa.CheckConstraint("clicks >= 0", name=f"{table}_clicks_nonnegative"),
            sa.PrimaryKeyConstraint("feature", "age_group", "gender", "source", period, name=f"{table}_pkey"),
        )
        op.create_index(f"{table}_by_feature", table, ["age_group", "gender", "source", period])
        conn.execute(text(_BACKFILL.format(table=table, period=period, period_of_day=period_of_day)))
        conn.execute(text(f"ANALYZE {table}"))  # the planner's statistics now, not at autovacuum's next visit


def downgrade() -> None:
    for table, _period, _period_of_day in LEVELS:
        op.drop_table(table)
    op.drop_table("rollup_closed")
