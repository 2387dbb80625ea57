"""What a running app holds (kept on the Flask server, one per app): its settings, database and event writer, the
board of panels it shows, and its caches: verified API keys, the user ids known to exist, and the per-key rate
limit's leases. Nothing of it lives in
module globals, so two apps in one process (tests) share nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import flask
from sqlalchemy import Connection

from config import Settings
from db.api_keys import VerifiedKeys
from db.engine import Database
from db.key_allowance import KeyAllowance
from db.retention import RetentionSchedule
from db.users import KnownUsers
from db.writer import EventWriter

if TYPE_CHECKING:
    from panels.board import Board

EXTENSION = "clickboard"


@dataclass
class AppState:
    settings: Settings
    database: Database
    writer: EventWriter
    api_keys: VerifiedKeys
    known_users: KnownUsers
    key_allowance: KeyAllowance  # the per-API-key rate limit
    board: Board  # the dashboard's panels; the stats API answers with the same ones
    retention: RetentionSchedule | None = None  # purges and forgets old undated ids; started at the first request

    def close(self) -> None:
        """Flush the writer's queue and close the database connections (on shutdown, and after each test)."""
        if self.retention is not None:
            self.retention.stop()
        self.writer.close()
        self.database.dispose()


def state(server: flask.Flask | None = None) -> AppState:
    """The AppState of `server`, or of the Flask app handling the current request."""
    return (server or flask.current_app).extensions[EXTENSION]


def read_connect(server: flask.Flask | None = None) -> Connection:
    """A connection for reading figures (the dashboard's data, the stats API, the export): the read replica
    (DATABASE_READ_URL) when set and answering, else the primary. Never for writes, logins or anything a user just
    changed and must see at once: those use `state().database.engine`."""
    return state(server).database.read_connect()
