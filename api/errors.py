"""JSON error bodies: {"error": "...", "details": [...]}."""

from __future__ import annotations

import flask


def error_response(status: int, message: str, details: list | None = None, headers: dict | None = None):
    """A JSON error response with the house shape."""
    response = flask.jsonify({"error": message, "details": details or []})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register(server: flask.Flask) -> None:
    """Placeholder for API-wide error handlers (filled by the ingestion work)."""
