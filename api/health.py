"""GET /healthz: 200 when the database answers SELECT 1, else 503 (bounded by the connect and statement timeouts)."""

from __future__ import annotations

import flask
from sqlalchemy.exc import DBAPIError

from api.errors import unavailable
from appstate import state

bp = flask.Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with state().database.engine.connect() as conn:
            conn.exec_driver_sql("SET LOCAL statement_timeout = '2s'")
            conn.exec_driver_sql("SELECT 1").scalar()
            conn.rollback()
    except DBAPIError as exc:
        return unavailable(f"the database does not answer: {str(exc.orig or exc).strip().splitlines()[0]}")
    response = flask.jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response
