"""Server-side sessions: a random token per login, of which only the SHA-256 is stored.

A session is valid while
- its row exists (logout deletes it; a password change deletes every session of the user),
- its user still exists with the same `login_key` (a user re-created with the same numeric id after a reset has a new
  key, so old sessions do not carry over),
- it was used within IDLE_LIFETIME (7 days), and
- ABSOLUTE_LIFETIME (30 days) since the login has not passed, however often it is used.
`last_seen_at` is written at most once per TOUCH_INTERVAL, so a busy dashboard does not write on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from db.schema import sessions, users
from db.users import User

IDLE_LIFETIME = timedelta(days=7)
ABSOLUTE_LIFETIME = timedelta(days=30)
TOUCH_INTERVAL = timedelta(minutes=5)
TOKEN_BYTES = 32  # 256 random bits


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def start(conn: Connection, user_id: int) -> str:
    """Create a session for the user and return its token (the caller commits). Forgets sessions that ended."""
    conn.execute(
        delete(sessions).where(
            (sessions.c.expires_at <= func.now()) | (sessions.c.last_seen_at <= func.now() - IDLE_LIFETIME)
        )
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    key = select(users.c.login_key).where(users.c.id == user_id).scalar_subquery()
    conn.execute(
        insert(sessions).values(
            token_hash=token_hash(token),
            user_id=user_id,
            user_key=key,
            expires_at=func.now() + ABSOLUTE_LIFETIME,
        )
    )
    return token


def resume(conn: Connection, token: str) -> User | None:
    """The user of a valid session `token`, or None; records the use (at most every TOUCH_INTERVAL)."""
    digest = token_hash(token)
    row = conn.execute(
        select(
            users.c.id,
            users.c.email,
            users.c.display_name,
            users.c.age,
            users.c.gender,
            users.c.role,
            (sessions.c.last_seen_at < func.now() - TOUCH_INTERVAL).label("stale"),
        )
        .select_from(
            sessions.join(users, (users.c.id == sessions.c.user_id) & (users.c.login_key == sessions.c.user_key))
        )
        .where(
            sessions.c.token_hash == digest,
            sessions.c.expires_at > func.now(),
            sessions.c.last_seen_at > func.now() - IDLE_LIFETIME,
        )
    ).first()
    if row is None:
        return None
    if row.stale:
        conn.execute(update(sessions).where(sessions.c.token_hash == digest).values(last_seen_at=func.now()))
    return User(row.id, row.email, row.display_name, row.age, row.gender, row.role)


def end(conn: Connection, token: str) -> None:
    """End one session (logout)."""
    conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))


def end_all(conn: Connection, user_id: int) -> int:
    """End every session of the user (password change); return how many there were."""
    return conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount
