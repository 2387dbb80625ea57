"""Composition root: create_app(settings) -> Dash, and the module-level `app`/`server` for `gunicorn app:server`.

Importing this module builds the app but writes nothing, starts no database and no server; the command line
(`uv run app.py ...`, in cli.py) does that.
"""

from __future__ import annotations

import secrets
import sys
from typing import TYPE_CHECKING

import flask
from dash import Dash
from werkzeug.middleware.proxy_fix import ProxyFix

from appstate import EXTENSION, AppState
from body_deadline import BodyDeadline
from config import Settings
from db.api_keys import VerifiedKeys
from db.engine import Database
from db.key_allowance import KeyAllowance
from db.users import KnownUsers
from db.writer import EventWriter

if TYPE_CHECKING:
    from panels.board import Board


# Dash's page without its Internet Explorer warning, in English (screen readers pick their voice from `lang`)
INDEX_PAGE = """<!DOCTYPE html>
<html lang="en" {%theme%}>
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>
"""


def create_app(settings: Settings | None = None, board: Board | None = None) -> Dash:
    """Build the Flask server and the Dash app on it, showing `board`'s panels (default: layouts/placement.py).
    Nothing connects to the database until it is needed."""
    from layouts.placement import BOARD

    settings = settings or Settings.load()
    board = board or BOARD
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
        key_allowance=KeyAllowance(
            lambda: database.engine, settings.api_key_events_per_second, settings.api_key_burst_events
        ),
        board=board,
    )

    app = Dash(
        __name__,
        server=server,
        title="Clickboard",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.index_string = INDEX_PAGE
    from callbacks import register as register_callbacks

    register_callbacks(app, board)  # the page (layout function) and every callback
    import api

    api.register(server)
    import auth
    import passwords

    passwords.configure(settings.password_hash_cost)
    auth.register(server)
    from callbacks.page import register_not_found

    register_not_found(app)  # after the login gate: a visitor who is not logged in goes to the login page first
    import admin

    admin.register(server)  # the settings page (admins only: the gate refuses /settings to analysts)
    import compression
    import headers

    headers.register(server, headers.content_security_policy(app.csp_hashes()))  # after every callback is defined
    compression.register(server)  # after the headers: its after_request runs first, so theirs see the final answer
    if settings.trusted_proxies:
        # the client address and scheme come from the last TRUSTED_PROXIES hops of X-Forwarded-For/-Proto, written
        # by our own proxies; without this setting those headers are ignored (anyone can send them)
        hops = settings.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops)
    _schedule_retention(server)
    server.wsgi_app = BodyDeadline(server.wsgi_app, settings.body_timeout_seconds)  # every body, ingestion included
    if settings.log_format == "json":
        from request_log import RequestLog, configure_json_logging

        configure_json_logging()
        server.wsgi_app = RequestLog(server.wsgi_app)  # outermost: it times and logs everything, 408s included
    return app


def _schedule_retention(server: flask.Flask) -> None:
    """Purge old raw events (when EVENT_RETENTION_DAYS is set) and forget old ids of events sent without a time in
    the background (db/retention.py), from the first request on: building the app starts nothing."""
    from datetime import UTC, datetime

    from db.retention import RetentionSchedule

    appstate = server.extensions[EXTENSION]
    appstate.retention = RetentionSchedule(
        lambda: appstate.database.engine,
        days=appstate.settings.event_retention_days,
        max_age_days=appstate.settings.event_max_age_days,
        timezone=appstate.settings.timezone,
        clock=lambda: datetime.now(UTC),
    )
    server.before_request(appstate.retention.start)


if __name__ == "__main__":  # `uv run app.py ...`: the command line validates the settings before building anything
    from cli import main

    sys.exit(main())

app = create_app()
server = app.server
