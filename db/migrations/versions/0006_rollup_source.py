"""The rollup knows the source: feature_daily's key becomes (day, feature, age_group, gender, source), so the
dashboard and the stats API can show the product's events (`api`) apart from the dashboard's own use (`dashboard`).

Backfill: the rollup is recounted from the raw events, grouped by the new key with days in ANALYTICS_TIMEZONE (read
from the environment like every setting), under an EXCLUSIVE lock (dashboards keep reading, event writers wait).
Days before a retention horizon have no raw events any more: their rows are kept as they were, counted as `api`
(the source of those old clicks is not known).

Revision ID: 0006_rollup_source
Revises: 0005_retention
Create Date: 2026-11-30
"""

from alembic import op
from sqlalchemy import text

revision = "0006_rollup_source"
down_revision = "0005_retention"
branch_labels = None
depends_on = None

# The rollup's grouping as of this revision (db/rollup.py holds the live one; a migration keeps its own copy so that
# later changes there do not change what this revision did).
_BACKFILL = """
INSERT INTO feature_daily (day, feature, age_group, gender, source, clicks)
SELECT (occurred_at AT TIME ZONE :tz)::date, feature, age_group, gender, source, count(*)
FROM events GROUP BY 1, 2, 3, 4, 5
"""


def _timezone() -> str:
    from config import Settings

    return Settings.load().timezone


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("LOCK TABLE feature_daily IN EXCLUSIVE MODE"))
    op.execute("ALTER TABLE feature_daily ADD COLUMN source text NOT NULL DEFAULT 'api'")
    op.execute("ALTER TABLE feature_daily ALTER COLUMN source DROP DEFAULT")
    op.create_check_constraint("feature_daily_source_valid", "feature_daily", "source IN ('api', 'dashboard')")
    op.drop_constraint("feature_daily_pkey", "feature_daily", type_="primary")
    op.create_primary_key("feature_daily_pkey", "feature_daily", ["day", "feature", "age_group", "gender", "source"])
    kept_from = conn.execute(text("SELECT raw_events_from FROM retention_horizon")).scalar()
    if kept_from is None:
        conn.execute(text("TRUNCATE feature_daily"))
    else:
        conn.execute(text("DELETE FROM feature_daily WHERE day >= :kept_from"), {"kept_from": kept_from})
    conn.execute(text(_BACKFILL), {"tz": _timezone()})


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(text("LOCK TABLE feature_daily IN EXCLUSIVE MODE"))
    op.drop_constraint("feature_daily_pkey", "feature_daily", type_="primary")
    # the sources of one (day, feature, age_group, gender) merge back into one row
    op.execute(
        "CREATE TEMPORARY TABLE feature_daily_merged ON COMMIT DROP AS"
        " SELECT day, feature, age_group, gender, sum(clicks)::bigint AS clicks FROM feature_daily GROUP BY 1, 2, 3, 4"
    )
    op.execute("TRUNCATE feature_daily")
    op.drop_constraint("feature_daily_source_valid", "feature_daily", type_="check")
    op.drop_column("feature_daily", "source")
    op.execute(
        "INSERT INTO feature_daily (day, feature, age_group, gender, clicks)"
        " SELECT day, feature, age_group, gender, clicks FROM feature_daily_merged"
    )
    op.create_primary_key("feature_daily_pkey", "feature_daily", ["day", "feature", "age_group", "gender"])
