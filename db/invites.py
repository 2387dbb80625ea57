"""One-time registration links (REGISTRATION=invite): made by `uv run app.py create-invite`, used once, then dead.

Only the SHA-256 of a token is stored; the link is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import Connection, func, insert, select, update

from db.schema import invites

DEFAULT_LIFETIME = timedelta(days=7)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def well_formed(token: str | None) -> bool:
    return bool(token) and TOKEN_SHAPE.fullmatch(token) is not None


def create(conn: Connection, lifetime: timedelta = DEFAULT_LIFETIME) -> str:
    """Store a new invitation and return its token (the caller commits)."""
    token = secrets.token_urlsafe(24)
    conn.execute(insert(invites).values(token_hash=_hash(token), expires_at=func.now() + lifetime))
    return token


def _usable(token: str):
    return (invites.c.token_hash == _hash(token)) & invites.c.used_at.is_(None) & (invites.c.expires_at > func.now())


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
