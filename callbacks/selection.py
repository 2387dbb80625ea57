"""Selecting a feature: a click on a bar or on a feature table row's button selects it (or clears it when it is
already selected); the chip clears it.

The selection lives in a dcc.Store; the data callback reacts to it. Nothing here writes to a tracked property.
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from layouts import ids


def clicked_feature(click_data: dict | None) -> str | None:
    """The category of the clicked bar. clickData carries a timestamp since Dash 4.2: read points[0] only."""
    try:
        point = click_data["points"][0]
    except (TypeError, KeyError, IndexError):
        return None
    feature = point.get("customdata")
    if feature is None:  # the category axis: y for the horizontal bar chart
        feature = next((point.get(axis) for axis in ("y", "x") if isinstance(point.get(axis), str)), None)
    if isinstance(feature, list):  # customdata given per point as a list
        feature = feature[0] if feature else None
    return feature if isinstance(feature, str) and feature else None


def next_selection(click_data: dict | None, selected: str | None) -> str | None:
    """Clicking a bar selects its feature; clicking the selected bar again clears the selection."""
    feature = clicked_feature(click_data)
    if feature is None:
        return selected
    return None if feature == selected else feature


def register(app) -> None:
    @app.callback(
        Output(ids.SELECTED_FEATURE, "data"),
        Input(ids.FEATURE_BAR_CHART, "clickData"),
        State(ids.SELECTED_FEATURE, "data"),
        prevent_initial_call=True,
    )
    def select_feature(click_data, selected):
        new = next_selection(click_data, selected)
        return no_update if new == selected else new

    @app.callback(
        Output(ids.SELECTED_FEATURE, "data", allow_duplicate=True),
        Input(ids.CLEAR_FEATURE_CHIP, "n_clicks"),
        prevent_initial_call=True,
    )
    def clear_feature(n_clicks):
        return None if n_clicks else no_update

    @app.callback(
        Output(ids.SELECTED_FEATURE, "data", allow_duplicate=True),
        Input(ids.PATTERN_CONTROLS[ids.FEATURE_TABLE], "n_clicks"),
        State(ids.SELECTED_FEATURE, "data"),
        prevent_initial_call=True,
    )
    def choose_in_table(_clicks, selected):
        chosen = table_choice(ctx.triggered_id, ctx.triggered[0]["value"] if ctx.triggered else None)
        if chosen is None:  # rows re-rendered, not clicked
            return no_update
        return None if chosen == selected else chosen


def table_choice(triggered_id, n_clicks) -> str | None:
    """The feature of the feature table button that was clicked (None when the firing was not a click)."""
    if not n_clicks or not isinstance(triggered_id, dict):
        return None
    feature = triggered_id.get("feature")
    return feature if isinstance(feature, str) and feature else None
