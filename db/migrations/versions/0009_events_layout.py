"""Events in monthly partitions: the old `events` table becomes `events_legacy`, a new `events` is partitioned by
`occurred_at` (one table per UTC month, key (event_id, occurred_at)), and `undated_event_ids` remembers the ids of
events sent without a time.

Instant whatever the size of the old table: renames and empty tables only, no row is read or copied (the brief
ACCESS EXCLUSIVE lock of the rename waits for transactions using `events` to end). The rows move afterwards, while
the app runs, with `uv run app.py migrate-events` (db/events_move.py); until then the event writer also treats an id
found in `events_legacy` as a duplicate, so no retry is counted twice across the change.

Revision ID: 0009_events_layout
Revises: 0006_rollup_source
Create Date: 2026-11-30
"""

from alembic import op

revision = "0009_events_layout"
down_revision = "0008_people"
branch_labels = None
depends_on = None

_COLUMNS = """
    event_id uuid NOT NULL,
    feature text NOT NULL,
    user_id bigint,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    age_group text NOT NULL,
    gender text NOT NULL,
    source text NOT NULL,
    CONSTRAINT events_feature_length CHECK (length(feature) BETWEEN 1 AND 100),
    CONSTRAINT events_age_group_valid CHECK (age_group IN ('<18', '18-40', '>40', 'unknown')),
    CONSTRAINT events_gender_valid CHECK (gender IN ('Male', 'Female', 'Other', 'unknown')),
    CONSTRAINT events_source_valid CHECK (source IN ('api', 'dashboard'))
"""


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '60s'")
    op.execute("ALTER TABLE events RENAME TO events_legacy")
    op.execute("ALTER INDEX events_pkey RENAME TO events_legacy_pkey")
    op.execute("ALTER INDEX events_occurred_at_brin RENAME TO events_legacy_occurred_at_brin")
    op.execute(
        f"CREATE TABLE events ({_COLUMNS}, CONSTRAINT events_pkey PRIMARY KEY (event_id, occurred_at))"
        " PARTITION BY RANGE (occurred_at)"
    )
    op.execute("CREATE INDEX events_occurred_at_brin ON events USING brin (occurred_at)")
    op.execute(
        "CREATE TABLE undated_event_ids (event_id uuid PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now())"
    )
    op.execute("CREATE INDEX undated_event_ids_received_at_brin ON undated_event_ids USING brin (received_at)")


def downgrade() -> None:
    # not instant: every row goes back into the one table
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute("LOCK TABLE events, events_legacy IN EXCLUSIVE MODE")
    op.execute("INSERT INTO events_legacy SELECT * FROM events ON CONFLICT (event_id) DO NOTHING")
    op.execute("DROP TABLE events")  # and its partitions
    op.execute("DROP TABLE undated_event_ids")
    op.execute("ALTER TABLE events_legacy RENAME TO events")
    op.execute("ALTER INDEX events_legacy_pkey RENAME TO events_pkey")
    op.execute("ALTER INDEX events_legacy_occurred_at_brin RENAME TO events_occurred_at_brin")
