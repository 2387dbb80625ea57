"""GET /api/v1/export: the current view's feature table or time series as a CSV file (export.py), for a logged-in
session or an API key with the scope `read` (as GET /api/v1/stats).

Query: the view's parameters, as in the dashboard's address bar and the stats API (preset or start and end,
age_group, gender, source, feature, compare, granularity; view.py), and `table` = features | series (required). Any
other parameter, a parameter given twice or a bad value is a 400 whose message names it. The answer is `text/csv`
(UTF-8, no byte-order mark) with `Content-Disposition: attachment; filename="clickboard-<table>-<start>_<end>.csv"`.
"""

from __future__ import annotations

import flask

import clock
import export
from api.stats import bad_request, query_refusal, read_refusal
from appstate import state
from db.filters import InvalidFilter
from view import PARAMS as VIEW_PARAMS
from view import View

bp = flask.Blueprint("export", __name__)

PATH = "/api/v1/export"
PARAMS = (*VIEW_PARAMS, "table")


@bp.get(PATH)
def export_view():
    refusal = read_refusal() or query_refusal(PARAMS)
    if refusal is not None:
        return refusal
    args = flask.request.args
    table = args.get("table")
    if table not in export.TABLES:
        return bad_request("table", f"required, one of {', '.join(export.TABLES)}")
    appstate = state()
    today = clock.today(appstate.settings)
    try:
        choice = View.parse({name: args.get(name) for name in VIEW_PARAMS})
        choice.resolve(today)
    except InvalidFilter as exc:
        return bad_request(exc.param, exc.message)
    with appstate.database.read_connect() as conn:  # the read replica when there is one
        file = export.export_csv(appstate.board, conn, choice, today, table)
    return csv_response(file)


def csv_response(file: export.CsvFile) -> flask.Response:
    response = flask.Response(file.content, mimetype="text/csv")
    response.headers["Content-Type"] = export.MEDIA_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
