"""One-time registration links (REGISTRATION=invite): made on the settings page or by `uv run app.py create-invite`,
used once, then dead; a pending one can be withdrawn.

Only the SHA-256 of a token is stored; the link is shown once, when it is made. An invitation is named by its number
(`id`) on the settings page. Making and withdrawing one writes its audit-log entry in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update

from db import audit
from db.schema import invites

DEFAULT_LIFETIME = timedelta(days=7)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def well_formed(token: str | None) -> bool:
    return bool(token) and TOKEN_SHAPE.fullmatch(token) is not None


MIN_DAYS, MAX_DAYS = 1, 90


class InviteError(ValueError):
    """An invitation could not be made or withdrawn; the message says why."""


@dataclass(frozen=True)
class Pending:
    """An invitation that can still be used (never its token)."""

    id: int
    created_at: datetime
    expires_at: datetime
    created_by: str | None


def check_days(days: object) -> int:
    """`days` as a whole number of days from MIN_DAYS to MAX_DAYS, else InviteError."""
    try:
        value = int(str(days).strip())
    except (TypeError, ValueError):
        value = 0
    if not MIN_DAYS <= value <= MAX_DAYS:
        raise InviteError(f"an invitation is valid for {MIN_DAYS} to {MAX_DAYS} days")
    return value


def create(conn: Connection, lifetime: timedelta = DEFAULT_LIFETIME, *, actor: audit.Actor | None = None) -> str:
    """Store a new invitation and return its token (the caller commits)."""
    token = secrets.token_urlsafe(24)
    actor = actor or audit.command_line()
    number = conn.execute(
        insert(invites)
        .values(token_hash=_hash(token), expires_at=func.now() + lifetime, created_by=actor.name)
        .returning(invites.c.id)
    ).scalar_one()
    audit.record(conn, actor, "invite.create", f"invitation #{number}", f"valid {lifetime.days} days")
    return token


def pending(conn: Connection) -> list[Pending]:
    """The invitations that can still be used, newest first."""
    rows = conn.execute(
        select(invites.c.id, invites.c.created_at, invites.c.expires_at, invites.c.created_by)
        .where(_open())
        .order_by(invites.c.id.desc())
    )
    return [Pending(*row) for row in rows]


def withdraw(conn: Connection, number: int, *, actor: audit.Actor | None = None) -> None:
    """Make the pending invitation `number` unusable (InviteError when there is no such pending one). The caller
    commits."""
    done = conn.execute(
        update(invites).where(invites.c.id == number, _open()).values(withdrawn_at=func.now()).returning(invites.c.id)
    ).first()
    if done is None:
        raise InviteError(f"there is no pending invitation #{number}")
    audit.record(conn, actor or audit.command_line(), "invite.withdraw", f"invitation #{number}")


def _open():
    return invites.c.used_at.is_(None) & invites.c.withdrawn_at.is_(None) & (invites.c.expires_at > func.now())


def _usable(token: str):
    return (invites.c.token_hash == _hash(token)) & _open()


def is_usable(conn: Connection, token: str | None) -> bool:
    """True for a well-formed token of an unused, unexpired invitation."""
    if not well_formed(token):
        return False
    return conn.execute(select(invites.c.token_hash).where(_usable(token))).first() is not None


def claim(conn: Connection, token: str | None) -> bool:
    """Mark the invitation used (in the caller's transaction: roll back to give it back); False if not usable."""
    if not well_formed(token):
        return False
    claim_it = update(invites).where(_usable(token)).values(used_at=func.now()).returning(invites.c.token_hash)
    return conn.execute(claim_it).first() is not None


def record_user(conn: Connection, token: str, user_id: int) -> None:
    conn.execute(update(invites).where(invites.c.token_hash == _hash(token)).values(used_by=user_id))
