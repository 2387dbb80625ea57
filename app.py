"""Composition root: create_app(settings) -> Dash, and the module-level `app`/`server` for `gunicorn app:server`.

Importing this module builds the app but writes nothing, starts no database and no server; the command line
(`uv run app.py ...`, in cli.py) does that.
"""

from __future__ import annotations

import secrets
import sys

import flask
from dash import Dash

from appstate import EXTENSION, AppState
from config import Settings
from db.api_keys import VerifiedKeys
from db.engine import Database
from db.users import KnownUsers
from db.writer import EventWriter


def create_app(settings: Settings | None = None) -> Dash:
    """Build the Flask server and the Dash app on it. Nothing connects to the database until it is needed."""
    settings = settings or Settings.load()
    database = Database(settings)
    writer = EventWriter(lambda: database.url, settings.timezone, queue_size=settings.writer_queue_size)

    server = flask.Flask(__name__)
    # without SECRET_KEY (an import, a test): a key for this process only; `uv run app.py` and gunicorn set one
    server.config.update(SECRET_KEY=settings.secret_key or secrets.token_urlsafe(48))
    server.extensions[EXTENSION] = AppState(
        settings=settings,
        database=database,
        writer=writer,
        api_keys=VerifiedKeys(lambda: database.engine),
        known_users=KnownUsers(lambda: database.engine),
    )

    app = Dash(
        __name__,
        server=server,
        title="Clickboard",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    from callbacks import register as register_callbacks
    from layouts.page import serve_layout

    app.layout = serve_layout
    register_callbacks(app)
    import api

    api.register(server)
    import auth

    auth.register(server)
    return app


if __name__ == "__main__":  # `uv run app.py ...`: the command line validates the settings before building anything
    from cli import main

    sys.exit(main())

app = create_app()
server = app.server
