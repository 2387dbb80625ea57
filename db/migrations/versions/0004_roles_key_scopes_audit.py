"""Roles (admin, analyst), API key scopes and last use, reusable names of revoked keys, invitations that can be
listed and withdrawn, and the audit log of administrators' actions.

Existing users become analysts (promote the first administrator with `uv run app.py promote EMAIL`); existing API
keys keep both scopes (they could read and write before), new keys default to ingestion only.

Revision ID: 0004_roles
Revises: 0003_tracking_allowance
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_roles"
down_revision = "0003_tracking_allowance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("role", sa.Text, nullable=False, server_default=sa.text("'analyst'")))
    op.create_check_constraint("users_role_valid", "users", "role IN ('admin', 'analyst')")

    # keys made before scopes existed could send events and read stats: they keep both
    op.add_column(
        "api_keys",
        sa.Column(
            "scopes", sa.ARRAY(sa.Text), nullable=False, server_default=sa.text("ARRAY['ingest', 'read']::text[]")
        ),
    )
    op.alter_column("api_keys", "scopes", server_default=sa.text("ARRAY['ingest']::text[]"))
    op.create_check_constraint(
        "api_keys_scopes_valid", "api_keys", "cardinality(scopes) >= 1 AND scopes <@ ARRAY['ingest', 'read']::text[]"
    )
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint("api_keys_name_key", "api_keys", type_="unique")
    op.create_index(
        "api_keys_active_name_key", "api_keys", ["name"], unique=True, postgresql_where=sa.text("revoked_at IS NULL")
    )

    op.add_column("invites", sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False))
    op.create_unique_constraint("invites_id_key", "invites", ["id"])
    op.add_column("invites", sa.Column("created_by", sa.Text, nullable=True))
    op.add_column("invites", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_id", sa.BigInteger, nullable=True),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=sa.text("''")),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_column("invites", "withdrawn_at")
    op.drop_column("invites", "created_by")
    op.drop_constraint("invites_id_key", "invites", type_="unique")
    op.drop_column("invites", "id")
    op.drop_index("api_keys_active_name_key", table_name="api_keys")
    op.execute(
        "DELETE FROM api_keys WHERE revoked_at IS NOT NULL"
        " AND name IN (SELECT name FROM api_keys GROUP BY name HAVING count(*) > 1)"
    )
    op.create_unique_constraint("api_keys_name_key", "api_keys", ["name"])
    op.drop_column("api_keys", "last_used_at")
    op.drop_constraint("api_keys_scopes_valid", "api_keys", type_="check")
    op.drop_column("api_keys", "scopes")
    op.drop_constraint("users_role_valid", "users", type_="check")
    op.drop_column("users", "role")
