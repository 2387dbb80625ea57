"""GET /metrics: the app's metrics (metrics.py) in Prometheus' text format, for a scraper holding METRICS_TOKEN.

Off (404) unless METRICS_TOKEN is set; then `Authorization: Bearer <METRICS_TOKEN>` is required (401 otherwise,
compared in constant time). Also here: the Flask side of the counting — every 429 and 503 answer, and the server
time of each dashboard callback.
"""

from __future__ import annotations

import hmac
import time

import flask

import metrics
from api.errors import error_response
from appstate import state

bp = flask.Blueprint("metrics", __name__)
CALLBACK_PATH = "/_dash-update-component"


@bp.get("/metrics")
def scrape():
    token = state().settings.metrics_token
    if token is None:
        return error_response(404, "metrics are off: set METRICS_TOKEN to turn them on")
    sent = flask.request.headers.get("Authorization", "")
    expected = f"Bearer {token.get_secret_value()}"
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        return error_response(401, "send Authorization: Bearer <METRICS_TOKEN>", headers={"WWW-Authenticate": "Bearer"})
    response = flask.Response(metrics.exposition(), mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    return response


def _start_timer() -> None:
    if flask.request.path == CALLBACK_PATH:
        flask.g.metrics_started = time.perf_counter()


def _count(response: flask.Response) -> flask.Response:
    metrics.count_refusal(response.status_code)
    started = flask.g.get("metrics_started")
    if started is not None:
        metrics.DASHBOARD_CALLBACK.observe(time.perf_counter() - started)
    return response


def register(server: flask.Flask) -> None:
    server.register_blueprint(bp)
    server.before_request(_start_timer)
    server.after_request(_count)
