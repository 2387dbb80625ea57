"""HTTP API: ingestion, stats and health (JSON in, JSON out)."""

from __future__ import annotations

import flask


def register(server: flask.Flask) -> None:
    """Attach the API blueprints to the Flask server."""
    from api import errors, events, health

    errors.register(server)
    server.register_blueprint(events.bp)
    server.wsgi_app = events.IngestFastPath(server.wsgi_app, server)  # POST /api/v1/events without Flask's overhead
    server.register_blueprint(health.bp)
    from api import stats

    server.register_blueprint(stats.bp)
