"""JSON error bodies: {"error": "...", "details": [...]}, and API-wide error handlers.

Under /api/ and /healthz every error is JSON: HTTP errors keep their status, a database that cannot answer is a 503
with Retry-After, and anything unexpected is a JSON 500 (logged) rather than an HTML page.
"""

from __future__ import annotations

import logging

import flask
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "2"  # when the database cannot answer
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="clickboard"'}  # with every 401 of the API


def error_response(status: int, message: str, details: list | None = None, headers: dict | None = None):
    """A JSON error response with the house shape."""
    response = flask.jsonify({"error": message, "details": details or []})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unavailable(message: str):
    return error_response(503, message, headers={"Retry-After": RETRY_AFTER_SECONDS})


def _is_api_request() -> bool:
    path = flask.request.path
    return path.startswith("/api/") or path == "/healthz"


def register(server: flask.Flask) -> None:
    """JSON errors for the API paths; other paths keep Flask's and Dash's own handling."""

    @server.before_request
    def _api_not_found():
        """Dash's catch-all GET route would answer unknown /api/ paths with its HTML page: make them JSON 404s."""
        rule = flask.request.url_rule
        if flask.request.path.startswith("/api/") and (rule is None or not rule.rule.startswith("/api/")):
            return error_response(404, f"no API endpoint {flask.request.path}")
        return None

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not _is_api_request():
            return exc
        headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
        return error_response(exc.code or 500, exc.description or exc.name, headers=headers)

    @server.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        if not _is_api_request():
            raise exc
        log.warning("database error on %s: %s", flask.request.path, exc)
        return unavailable("the database is unavailable; retry later")
