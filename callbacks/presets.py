"""The date preset and the date picker keep each other in step.

- Choosing a preset sets the picker's dates to the preset's range as of today. It is one interaction, recorded once
  as `date_preset`: the callback sets the RESET_PENDING mark with the dates, so the picker's recorder
  (callbacks/tracking.py) records no `date_picker` for them. Refresh does the same when the preset rolled over since
  the page was loaded (a new day): the picker moves on, recorded only as `refresh_button`.
- Editing a date in the picker (one `date_picker` event per changed date) turns the preset into `custom` when the
  dates no longer are the preset's range, silently: the mark keeps the preset's recorder from counting it.

The decisions are plain functions (`dates_for_preset`, `preset_after_edit`) that tests call directly.
"""

from __future__ import annotations

from datetime import date

from dash import Input, Output, State, no_update

import clock
import periods
from appstate import state
from db.filters import InvalidFilter, parse_date
from layouts import ids


def dates_for_preset(preset: str | None, start: str | None, end: str | None, today: date) -> list:
    """[start, end, mark] for a preset choice: the preset's dates and the mark, or no_update where nothing changes
    (custom keeps the dates the picker shows)."""
    if preset not in periods.PRESET_VALUES or preset == periods.CUSTOM:
        return [no_update] * 3
    new_start, new_end = (day.isoformat() for day in periods.preset_range(preset, today))
    changed = [new_start if new_start != start else no_update, new_end if new_end != end else no_update]
    if all(value is no_update for value in changed):
        return [no_update] * 3
    return [*changed, True]


def preset_after_edit(preset: str | None, start: str | None, end: str | None, today: date) -> list:
    """[preset, mark] after the picker's dates changed: `custom` (and the mark) when they are no longer the preset's
    range, else no_update (the change came from the preset itself, a reset, or a date still being picked)."""
    if preset not in periods.PRESET_VALUES or preset == periods.CUSTOM:
        return [no_update, no_update]
    try:
        picked = (parse_date("start", start), parse_date("end", end))
    except InvalidFilter:
        return [no_update, no_update]  # a range being picked: wait for both dates
    if picked == periods.preset_range(preset, today):
        return [no_update, no_update]
    return [periods.CUSTOM, True]


def register(app) -> None:
    @app.callback(
        Output(ids.DATE_RANGE, "start_date", allow_duplicate=True),
        Output(ids.DATE_RANGE, "end_date", allow_duplicate=True),
        Output(ids.RESET_PENDING, "data", allow_duplicate=True),
        Input(ids.DATE_PRESET, "value"),
        Input(ids.REFRESH_BUTTON, "n_clicks"),
        State(ids.DATE_RANGE, "start_date"),
        State(ids.DATE_RANGE, "end_date"),
        prevent_initial_call=True,
    )
    def preset_chosen(preset, _refresh_clicks, start, end):
        return dates_for_preset(preset, start, end, clock.today(state().settings))

    @app.callback(
        Output(ids.DATE_PRESET, "value", allow_duplicate=True),
        Output(ids.RESET_PENDING, "data", allow_duplicate=True),
        Input(ids.DATE_RANGE, "start_date"),
        Input(ids.DATE_RANGE, "end_date"),
        State(ids.DATE_PRESET, "value"),
        prevent_initial_call=True,
    )
    def dates_edited(start, end, preset):
        return preset_after_edit(preset, start, end, clock.today(state().settings))
