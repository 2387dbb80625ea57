"""The empty state's "Reset filters": back to the default view (the preset last 30 days, everyone, all sources, no
selected feature; compare and granularity stay as they are).

It is one interaction, recorded once as `reset_filters`. It sets the filter controls itself, so it also sets the
RESET_PENDING mark: the recorders of those controls (callbacks/tracking.py) see the mark and record nothing for the
changes it made, and the data callback clears it when the new figures arrive. Controls already at their default are
left alone; when nothing changes, nothing is marked.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update

import clock
import periods
from appstate import state
from layouts import ids
from layouts.dashboard import default_filters


def reset_values(current: list, defaults: list) -> list:
    """no_update for every value already at its default; then the mark (True when something changes)."""
    changed = [default if value != default else no_update for value, default in zip(current, defaults)]
    return [*changed, any(value is not no_update for value in changed) or no_update]


def register(app) -> None:
    @app.callback(
        Output(ids.DATE_PRESET, "value", allow_duplicate=True),
        Output(ids.DATE_RANGE, "start_date"),
        Output(ids.DATE_RANGE, "end_date"),
        Output(ids.FILTER_AGE_GROUP, "value"),
        Output(ids.FILTER_GENDER, "value"),
        Output(ids.FILTER_SOURCE, "value"),
        Output(ids.SELECTED_FEATURE, "data", allow_duplicate=True),
        Output(ids.RESET_PENDING, "data"),
        Input(ids.RESET_FILTERS, "n_clicks"),
        State(ids.DATE_PRESET, "value"),
        State(ids.DATE_RANGE, "start_date"),
        State(ids.DATE_RANGE, "end_date"),
        State(ids.FILTER_AGE_GROUP, "value"),
        State(ids.FILTER_GENDER, "value"),
        State(ids.FILTER_SOURCE, "value"),
        State(ids.SELECTED_FEATURE, "data"),
        prevent_initial_call=True,
    )
    def reset(n_clicks, preset, start, end, age_group, gender, source, feature):
        if not n_clicks:
            return [no_update] * 8
        f = default_filters(clock.today(state().settings))
        defaults = [periods.DEFAULT_PRESET, f.start.isoformat(), f.end.isoformat(), f.age_group, f.gender, f.source]
        return reset_values([preset, start, end, age_group, gender, source, feature], [*defaults, f.feature])
