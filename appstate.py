"""What a running app holds: its settings, database and event writer (kept on the Flask server, one per app)."""

from __future__ import annotations

from dataclasses import dataclass

import flask

from config import Settings
from db.engine import Database
from db.writer import EventWriter

EXTENSION = "clickboard"


@dataclass
class AppState:
    settings: Settings
    database: Database
    writer: EventWriter

    def close(self) -> None:
        """Flush the writer's queue and close the database connections (on shutdown, and after each test)."""
        self.writer.close()
        self.database.dispose()


def state(server: flask.Flask | None = None) -> AppState:
    """The AppState of `server`, or of the Flask app handling the current request."""
    return (server or flask.current_app).extensions[EXTENSION]
