"""Clicking a breakdown segment sets that filter: a bar of the age group chart sets the age group, a bar of the gender
chart the gender; clicking the active segment again resets the filter to `all`.

The click is one interaction, recorded once under the chart's own name (`chart_age_group`, `chart_gender`) by the
chart's recorder (callbacks/tracking.py). The filter control it sets has a recorder too, so the change is marked
with RESET_PENDING exactly as the reset button does: the control's recorder sees the mark and records nothing, and
the data callback clears the mark when the new figures arrive.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update

from callbacks.selection import clicked_feature
from db.filters import AGE_GROUP_CHOICES, GENDER_CHOICES
from domain import ALL
from layouts import ids
from panels.board import Board

# chart id -> (the filter control it sets, the values that control takes)
BREAKDOWN_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    ids.AGE_GROUP_CHART: (ids.FILTER_AGE_GROUP, AGE_GROUP_CHOICES),
    ids.GENDER_CHART: (ids.FILTER_GENDER, GENDER_CHOICES),
}


def next_filter(click_data: dict | None, active: str | None, choices: tuple[str, ...]) -> str | None:
    """The filter value after a click on a segment: the segment's value, or `all` when it was already the active one.
    None when the click names no valid segment (nothing changes)."""
    value = clicked_feature(click_data)  # the segment's value is the bar's customdata
    if value is None or value == ALL or value not in choices:
        return None
    return ALL if value == active else value


def _register_chart(app, chart_id: str, filter_id: str, choices: tuple[str, ...]) -> None:
    @app.callback(
        Output(filter_id, "value", allow_duplicate=True),
        Output(ids.RESET_PENDING, "data", allow_duplicate=True),
        Input(chart_id, "clickData"),
        State(filter_id, "value"),
        prevent_initial_call=True,
    )
    def set_filter(click_data, active):
        new = next_filter(click_data, active, choices)
        if new is None or new == active:
            return no_update, no_update
        return new, True  # the mark: this change is the chart click's, not the filter control's own


def register(app, board: Board) -> None:
    """Wire the breakdown charts that are on `board`."""
    for panel in board.panels:
        if panel.id in BREAKDOWN_FILTERS:
            filter_id, choices = BREAKDOWN_FILTERS[panel.id]
            _register_chart(app, panel.id, filter_id, choices)
