"""HTTP API: ingestion, stats and health (JSON in, JSON out)."""

from __future__ import annotations

import flask


def register(server: flask.Flask) -> None:
    """Attach the API blueprints to the Flask server."""
    from api import errors

    errors.register(server)
