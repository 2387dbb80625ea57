"""Server-side sessions, login/registration throttling, invitations; users gain a random login_key.

Revision ID: 0002_auth
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_auth"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # sessions are bound to this random identity, not to the numeric id that a reset (RESTART IDENTITY) reuses
    op.add_column("users", sa.Column("login_key", sa.Uuid, nullable=False, server_default=sa.text("gen_random_uuid()")))

    # no foreign key to users on purpose: `TRUNCATE users` must keep working without naming this table
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.LargeBinary, primary_key=True),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("user_key", sa.Uuid, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("sessions_user_id", "sessions", ["user_id"])

    op.create_table(
        "auth_throttle",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("subject", sa.LargeBinary, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
    )

    op.create_table(
        "invites",
        sa.Column("token_hash", sa.LargeBinary, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("invites")
    op.drop_table("auth_throttle")
    op.drop_index("sessions_user_id", table_name="sessions")
    op.drop_table("sessions")
    op.drop_column("users", "login_key")
