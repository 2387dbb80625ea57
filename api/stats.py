"""GET /api/v1/stats: the numbers the dashboard shows, as JSON, for a logged-in session or an API key with the scope
`read` (a key without it: 403).

Query (the dashboard's URL names, view.py): preset (today, yesterday, last_7_days, last_28_days, last_30_days,
last_90_days, month_to_date, last_month, year_to_date, last_12_months; "today" in ANALYTICS_TIMEZONE, clock.py) or
start and end (YYYY-MM-DD, both days inclusive; they win over preset; no range at all: last_30_days; no end after
today), age_group (all, <18, 18-40, >40, unknown), gender (all, Male, Female, Other, unknown), source (all, api:
events sent by other apps, dashboard: the dashboard's own use), feature (narrows the panels that follow the selected
feature: `daily`, `series`, `by_age_group`, `by_gender`), compare (off, previous_period, year_over_year),
granularity (auto, day, week, month: the buckets of `series`). Any other parameter, or a parameter given twice, is a
400 whose message names it. The body is the cards, then one key per panel of the app's board, then `granularity`,
`series` and `comparison`, computed by panels.board.compute, as the dashboard's data callback does. A database that
cannot answer is a 503 with Retry-After (api/errors.py's DBAPIError handler).

With a read replica (DATABASE_READ_URL) the figures are read there, and the body ends with two more keys: `data_as_of`
(every change committed on the primary up to this moment is counted; ISO 8601 in UTC, or null when the replica cannot
tell) and `behind` (true when the replica lags more than REPLICA_LAG_WARNING_SECONDS, or cannot tell): what the
dashboard shows in `last-updated` and `status-banner`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import flask
import flask_login

import clock
from api.auth import bearer_key_scopes, missing_scope_message
from api.errors import BEARER_CHALLENGE, error_response
from appstate import read_connect, state
from db.filters import InvalidFilter
from domain import READ
from panels.board import compute, view_json
from panels.panel import Timeline
from view import PARAMS, View

bp = flask.Blueprint("stats", __name__)


def read_refusal() -> flask.Response | None:
    """None for a logged-in session or a valid `Authorization: Bearer <api key>` with the scope `read`; else the
    401 (no valid key) or 403 (a key without `read`)."""
    if flask_login.current_user.is_authenticated:
        return None
    scopes = bearer_key_scopes()
    if scopes is None:
        return error_response(
            401,
            "authentication required: log in, or send Authorization: Bearer <api key>",
            headers=BEARER_CHALLENGE,
        )
    if READ not in scopes:
        return error_response(403, missing_scope_message(READ))
    return None


def bad_request(param: str, message: str) -> flask.Response:
    return error_response(400, f"{param}: {message}", [{"param": param, "message": message}])


def query_refusal(allowed: tuple[str, ...]) -> flask.Response | None:
    """A 400 naming the first query parameter that is not in `allowed` or is given more than once; else None."""
    args = flask.request.args
    for name in args:
        if name not in allowed:
            return bad_request(name[:100], f"unknown parameter; allowed: {', '.join(allowed)}")
        if len(args.getlist(name)) > 1:
            return bad_request(name, "given more than once")
    return None


@bp.get("/api/v1/stats")
def stats():
    refusal = read_refusal() or query_refusal(PARAMS)
    if refusal is not None:
        return refusal
    args = flask.request.args
    appstate = state()
    today = clock.today(appstate.settings)
    try:
        view = View.parse(args)
        filters, comparison = view.resolve(today), view.comparison(today)
    except InvalidFilter as exc:
        return bad_request(exc.param, exc.message)
    database = appstate.database
    timeline = Timeline(today=today, granularity=view.granularity, comparison=comparison)
    with read_connect() as conn:
        freshness = database.freshness(conn)  # before the figures: a lower bound of what they include
        body = view_json(appstate.board, compute(appstate.board, conn, filters, timeline))
    if database.read_url is not None:
        as_of = freshness.data_as_of if freshness.replica else datetime.now(UTC)  # the primary answered: live
        body["data_as_of"] = as_of and as_of.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        body["behind"] = freshness.behind
    # In the documented key order (Flask 3's jsonify sorts keys; JSON_SORT_KEYS is no longer read).
    response = flask.Response(json.dumps(body, separators=(",", ":")) + "\n", mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
