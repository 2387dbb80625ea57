"""Composition root: create_app(settings) -> Dash, and the module-level `app`/`server` for `gunicorn app:server`.

Importing this module builds the app but writes nothing, starts no database and no server; the command line
(`uv run app.py ...`, in cli.py) does that.
"""

from __future__ import annotations

import secrets
import sys

import flask
from dash import Dash
from werkzeug.middleware.proxy_fix import ProxyFix

from appstate import EXTENSION, AppState
from config import Settings
from db.engine import Database
from db.writer import EventWriter


def create_app(settings: Settings | None = None) -> Dash:
    """Build the Flask server and the Dash app on it. Nothing connects to the database until it is needed."""
    settings = settings or Settings.load()
    database = Database(settings)
    writer = EventWriter(lambda: database.url, settings.timezone, queue_size=settings.writer_queue_size)

    server = flask.Flask(__name__)
    # without SECRET_KEY (an import, a test): a key for this process only; `uv run app.py` and gunicorn set one
    server.config.update(SECRET_KEY=settings.secret_key or secrets.token_urlsafe(48))
    server.extensions[EXTENSION] = AppState(settings=settings, database=database, writer=writer)

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
    import passwords

    passwords.configure(settings.password_hash_cost)
    auth.register(server)
    if settings.trusted_proxies:
        # the client address and scheme come from the last TRUSTED_PROXIES hops of X-Forwarded-For/-Proto, written
        # by our own proxies; without this setting those headers are ignored (anyone can send them)
        hops = settings.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops)
    return app


if __name__ == "__main__":  # `uv run app.py ...`: the command line validates the settings before building anything
    from cli import main

    sys.exit(main())

app = create_app()
server = app.server
