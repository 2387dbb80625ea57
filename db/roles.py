"""Roles: every user is an analyst (the dashboards, their own account) or an admin (also API keys and invitations,
on the settings page). New users are analysts; `uv run app.py promote EMAIL` / `demote EMAIL` change a role.

There is always at least one admin once there has been one: demoting the last admin is refused. Concurrent demotions
lock every admin row first, so two admins demoting each other at once cannot both succeed. Each change writes its
audit-log entry in the same transaction; a user's sessions read the role on every request, so a change applies to
the very next request.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, update

from db import audit
from db.schema import users
from domain import ADMIN, ANALYST


class RoleError(ValueError):
    """A role could not be changed; the message says why."""


def _find(conn: Connection, email: str):
    email = (email or "").strip()
    row = conn.execute(
        select(users.c.id, users.c.email, users.c.role).where(func.lower(users.c.email) == email.lower())
    ).first()
    if row is None:
        raise RoleError(f"no user with the email {email[:254]!r}")
    return row


def promote(conn: Connection, email: str, *, actor: audit.Actor | None = None) -> bool:
    """Make the user with `email` (any letter case) an admin; False when they were one already (nothing written).
    RoleError for an unknown email. The caller commits."""
    row = _find(conn, email)
    if row.role == ADMIN:
        return False
    conn.execute(update(users).where(users.c.id == row.id).values(role=ADMIN))
    audit.record(conn, actor or audit.command_line(), "role.promote", row.email)
    return True


def demote(conn: Connection, email: str, *, actor: audit.Actor | None = None) -> bool:
    """Make the admin with `email` an analyst; False when they were an analyst already (nothing written). RoleError
    for an unknown email and for the last admin. The caller commits."""
    admins = conn.execute(select(users.c.id).where(users.c.role == ADMIN).order_by(users.c.id).with_for_update())
    admin_ids = set(admins.scalars())
    row = _find(conn, email)
    if row.role != ADMIN:
        return False
    if admin_ids == {row.id}:
        raise RoleError(f"{row.email} is the last admin; promote someone else first")
    conn.execute(update(users).where(users.c.id == row.id).values(role=ANALYST))
    audit.record(conn, actor or audit.command_line(), "role.demote", row.email)
    return True


def admins(conn: Connection) -> list[str]:
    """The admins' emails, in the order they registered."""
    return list(conn.execute(select(users.c.email).where(users.c.role == ADMIN).order_by(users.c.id)).scalars())
