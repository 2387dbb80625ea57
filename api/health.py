"""Liveness and readiness, for load balancers and orchestrators; no login needed.

GET /healthz (liveness): 200 {"status": "ok"} when the database answers SELECT 1, else 503 {"status": "unavailable"}.
GET /readyz (readiness: send traffic here?): 200 {"status": "ready"} when the database answers and its schema is at
the revision this code expects; 503 {"status": "unavailable"} or {"status": "migrations pending"} otherwise (an
instance of a newer version started before `uv run app.py migrate` ran, say).

The answers say nothing about the app's internals (no error text, no address, no revision). Each check takes a fresh
connection from the pool, which pings it first, so the answer follows the database: back to 200 as soon as it
answers again. Bounded by the connect timeout and a 2 s statement timeout.
"""

from __future__ import annotations

import functools
import logging

import flask
from sqlalchemy.exc import SQLAlchemyError

from api.errors import RETRY_LATER
from appstate import state
from db.errors import is_unavailable
from db.migrate import current_revision_on, head_revision

log = logging.getLogger(__name__)
bp = flask.Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with state().database.engine.connect() as conn:
            conn.exec_driver_sql("SET LOCAL statement_timeout = '2s'")
            conn.exec_driver_sql("SELECT 1").scalar()
            conn.rollback()
    except SQLAlchemyError as exc:
        return _unavailable(exc)
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz():
    try:
        with state().database.engine.connect() as conn:
            conn.exec_driver_sql("SET LOCAL statement_timeout = '2s'")
            current = current_revision_on(conn)
            conn.rollback()
    except SQLAlchemyError as exc:
        return _unavailable(exc)
    if current != _expected_revision():
        log.warning("readiness: the database is at revision %s, this code expects %s", current, _expected_revision())
        return _answer({"status": "migrations pending"}, 503, RETRY_LATER)
    return _answer({"status": "ready"}, 200)


@functools.cache
def _expected_revision() -> str:
    return head_revision()


def _unavailable(exc: SQLAlchemyError):
    if not is_unavailable(exc):
        raise exc
    log.warning("health check: the database does not answer: %s", exc)
    return _answer({"status": "unavailable"}, 503, RETRY_LATER)


def _answer(body: dict, status: int, headers: dict | None = None):
    response = flask.jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
