"""The audit log of administrators' actions: who did what to what, and when.

Every change to API keys, roles and invitations, and every forgotten person, writes one row here in the same transaction
as the change itself (so a change is never without its record, and a refused change leaves none). The settings page
shows the latest rows; nothing updates or deletes them.

`Actor` says who acted: an administrator on the settings page (their email and user id), or the command line on the
server (the operating-system user running it).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from db.schema import audit_log

# action -> how the settings page describes it
ACTIONS: dict[str, str] = {
    "api_key.create": "created API key",
    "api_key.revoke": "revoked API key",
    "role.promote": "made administrator",
    "role.demote": "made analyst",
    "invite.create": "created invitation",
    "invite.withdraw": "withdrew invitation",
    "person.forget": "forgot a person (their traits and events)",
}


@dataclass(frozen=True)
class Actor:
    name: str  # as shown: an email, or "command line (<user>)"
    user_id: int | None = None


def command_line() -> Actor:
    """The person running `uv run app.py ...` on the server, as far as the operating system says."""
    try:
        who = getpass.getuser()
    except Exception:  # no user name in this environment (a bare container)
        who = "unknown user"
    return Actor(f"command line ({who})")


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str

    @property
    def what(self) -> str:
        return ACTIONS.get(self.action, self.action)


def record(conn: Connection, actor: Actor, action: str, target: str, detail: str = "") -> None:
    """Write one entry (in the caller's transaction). `action` is one of ACTIONS."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    conn.execute(
        insert(audit_log).values(actor=actor.name, actor_id=actor.user_id, action=action, target=target, detail=detail)
    )


def latest(conn: Connection, limit: int = 100) -> list[Entry]:
    """The newest `limit` entries, newest first."""
    rows = conn.execute(
        select(audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.target, audit_log.c.detail)
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    return [Entry(*row) for row in rows]
