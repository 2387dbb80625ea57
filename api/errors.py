"""Every JSON error of the API, built here: {"error": "...", "details": [...]}, for Flask routes and the ingestion app.

An endpoint raises `ApiError` (or returns `error_response`); a database error is mapped by kind (db/errors.py) with
`database_error`: the database cannot answer → 503 with Retry-After; it refused a value the client sent → 400 with
its reason; anything else is a bug of ours, a logged JSON 500. Under /api/ and /healthz every error is JSON, never
Flask's or Dash's HTML page.
"""

from __future__ import annotations

import json
import logging

import flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from db import errors as db_errors

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = str(db_errors.RETRY_AFTER_SECONDS)  # when the database cannot answer
RETRY_LATER = {"Retry-After": RETRY_AFTER_SECONDS}
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="clickboard"'}  # with every 401 of the API


class ApiError(Exception):
    """An error answer: HTTP status, message, details, extra headers."""

    def __init__(self, status: int, message: str, details: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.headers = status, message, details or [], headers or {}

    def body(self) -> bytes:
        return error_body(self.message, self.details)


def error_body(message: str, details: list | None = None) -> bytes:
    """The JSON bytes of an error: {"error": message, "details": details}."""
    return json.dumps({"error": message, "details": details or []}).encode()


def error_response(status: int, message: str, details: list | None = None, headers: dict | None = None):
    """A Flask response carrying an error body."""
    return flask.Response(error_body(message, details), status=status, headers=headers, mimetype="application/json")


def unavailable() -> ApiError:
    """The database cannot answer now: 503, retry later."""
    return ApiError(503, db_errors.UNAVAILABLE_MESSAGE, headers=RETRY_LATER)


def database_error(error: BaseException) -> ApiError | None:
    """The answer for a database error: 503 when it cannot answer, 400 when it refused a value, None for a bug."""
    if db_errors.is_unavailable(error):
        return unavailable()
    if db_errors.is_bad_value(error):
        reason = db_errors.bad_value_message(error)
        return ApiError(400, f"the database refused a value: {reason}", [{"message": reason}])
    return None


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

    @server.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.message, exc.details, exc.headers)

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not _is_api_request():
            return exc
        headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
        return error_response(exc.code or 500, exc.description or exc.name, headers=headers)

    @server.errorhandler(SQLAlchemyError)  # DBAPIError, and the pool's TimeoutError (no connection free)
    def _database_error(exc: SQLAlchemyError):
        answer = database_error(exc) if _is_api_request() else None
        if answer is None:  # a page (the login gate answers those), or a bug: Flask's 500, JSON under /api/
            raise exc
        log.warning("database error on %s: %s", flask.request.path, exc)
        return error_response(answer.status, answer.message, answer.details, answer.headers)
