"""GET /healthz: 200 {"status": "ok"} when the database answers SELECT 1, else 503 {"status": "unavailable"}.

The answer says nothing about the app's internals (no error text, no address). Each check takes a fresh connection
from the pool, which pings it first, so the answer follows the database: back to 200 as soon as it answers again.
Bounded by the connect timeout and a 2 s statement timeout.
"""

from __future__ import annotations

import logging

import flask
from sqlalchemy.exc import SQLAlchemyError

from api.errors import RETRY_LATER
from appstate import state
from db.errors import is_unavailable

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
        if not is_unavailable(exc):
            raise
        log.warning("health check: the database does not answer: %s", exc)
        return _answer({"status": "unavailable"}, 503, RETRY_LATER)
    return _answer({"status": "ok"}, 200)


def _answer(body: dict, status: int, headers: dict | None = None):
    response = flask.jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
