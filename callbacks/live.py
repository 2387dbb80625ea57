"""Auto-refresh: the `auto-refresh` choice (off, 30s, 1m, 5m) sets the timer whose ticks are an input of the data
callback, so the figures and "Updated hh:mm:ss" follow new events without a click. It all runs in the browser
(assets/live.js, which also pauses the timer while the tab is hidden); choosing is recorded once as `auto_refresh`
(callbacks/tracking.py), the ticks and the updates they cause record nothing."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State

from layouts import ids


def register(app) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="clickboard", function_name="autoRefresh"),
        Output(ids.AUTO_REFRESH_TIMER, "interval"),
        Output(ids.AUTO_REFRESH_TIMER, "disabled"),
        Input(ids.AUTO_REFRESH, "value"),
        State(ids.AUTO_REFRESH_PERIODS, "data"),
        prevent_initial_call=True,
    )
