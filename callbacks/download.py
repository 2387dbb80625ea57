"""The export buttons: a click downloads the current view's feature table or time series as CSV (dcc.Download),
the same bytes as GET /api/v1/export for the view's parameters (both call export.py). The view is read from the
controls as the data callback reads it. The click is recorded once as `export_csv` (callbacks/tracking.py)."""

from __future__ import annotations

import base64

from dash import Input, Output, State, ctx, no_update

import clock
import export
from appstate import state
from callbacks.dashboard import read_filters, read_view
from db.filters import InvalidFilter
from layouts import ids


def download(file: export.CsvFile) -> dict:
    """dcc.Download's data for `file`: its bytes base64-encoded, so the browser saves exactly these bytes."""
    return {
        "content": base64.b64encode(file.content).decode("ascii"),
        "filename": file.filename,
        "type": "text/csv",
        "base64": True,
    }


def register(app) -> None:
    @app.callback(
        Output(ids.EXPORT_DOWNLOAD, "data"),
        Input({"type": ids.EXPORT_CSV, "table": "features"}, "n_clicks"),
        Input({"type": ids.EXPORT_CSV, "table": "series"}, "n_clicks"),
        State(ids.DATE_RANGE, "start_date"),
        State(ids.DATE_RANGE, "end_date"),
        State(ids.FILTER_AGE_GROUP, "value"),
        State(ids.FILTER_GENDER, "value"),
        State(ids.FILTER_SOURCE, "value"),
        State(ids.SELECTED_FEATURE, "data"),
        State(ids.DATE_PRESET, "value"),
        State(ids.COMPARE_MODE, "value"),
        State(ids.GRANULARITY, "value"),
        prevent_initial_call=True,
    )
    def export_current_view(_features, _series, start, end, age, gender, source, feature, preset, compare, grain):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
            return no_update
        table = trigger["table"]
        appstate = state()
        today = clock.today(appstate.settings)
        try:
            filters = read_filters(start, end, age, gender, feature, source)
            choice = read_view(preset, filters, compare, grain, today)
            choice.resolve(today)
        except InvalidFilter:
            return no_update  # the filters are being edited: the page shows why; nothing to export yet
        with appstate.database.read_connect() as conn:  # the read replica when there is one
            file = export.export_csv(appstate.board, conn, choice, today, table)
        return download(file)
