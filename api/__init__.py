"""HTTP API: ingestion, stats, health and metrics."""

from __future__ import annotations

import flask


def register(server: flask.Flask) -> None:
    """Attach the API to the Flask server: its error handlers and routes, and the ingestion app in front of it."""
    from api import errors, events, export, health, ingestion, metrics, posthog, segment, stats
    from appstate import state

    errors.register(server)
    server.register_blueprint(health.bp)
    server.register_blueprint(stats.bp)
    server.register_blueprint(export.bp)
    metrics.register(server)
    appstate = state(server)
    mounts = {events.PATH: events.app(appstate), segment.MOUNT: segment.app(appstate)}
    mounts |= {path: posthog.app(appstate) for path in posthog.MOUNTS}  # other tools' SDKs: api/segment.py, posthog.py
    ingestion.mount(server, mounts)
