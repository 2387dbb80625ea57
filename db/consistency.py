"""Consistency checks between the raw events and the feature_daily rollup."""

from __future__ import annotations

from sqlalchemy import Connection, text

ROLLUP_MISMATCHES = text("""
WITH grouped AS (
    SELECT (occurred_at AT TIME ZONE :tz)::date AS day, feature, age_group, gender, count(*) AS clicks
    FROM events GROUP BY 1, 2, 3, 4
)
SELECT count(*) FROM grouped g FULL JOIN feature_daily f USING (day, feature, age_group, gender)
WHERE g.clicks IS DISTINCT FROM f.clicks
""")


def rollup_mismatches(conn: Connection, timezone: str) -> int:
    """Number of (day, feature, age_group, gender) rows where feature_daily differs from the events grouped by
    (local day in `timezone`, feature, age_group, gender): a row missing on either side counts, as does a row whose
    clicks differ. 0 means the rollup is exact."""
    return conn.execute(ROLLUP_MISMATCHES, {"tz": timezone}).scalar_one()
