"""What a running app holds: its settings, database, event writer and the board of panels it shows (kept on the
Flask server, one per app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import flask

from config import Settings
from db.engine import Database
from db.writer import EventWriter

if TYPE_CHECKING:
    from panels.board import Board

EXTENSION = "clickboard"


@dataclass
class AppState:
    settings: Settings
    database: Database
    writer: EventWriter
    board: Board  # the dashboard's panels; the stats API answers with the same ones

    def close(self) -> None:
        """Flush the writer's queue and close the database connections (on shutdown, and after each test)."""
        self.writer.close()
        self.database.dispose()


def state(server: flask.Flask | None = None) -> AppState:
    """The AppState of `server`, or of the Flask app handling the current request."""
    return (server or flask.current_app).extensions[EXTENSION]
