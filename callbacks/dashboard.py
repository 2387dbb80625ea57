"""The data callback: one request per filter change updates the four cards (and, with compare on, their changes),
the chip and every panel, computed on one database connection (panels.board.compute).

The controls make one View (view.py): the preset select names the range while the picker shows its dates; once the
dates differ from the preset's range (a date was edited) the view is a custom range. The comparison range, the trend's
granularity and "today" (clock.py) come with it.

The work is done by plain functions (`read_filters`, `update_dashboard`) that tests call directly; the registered
callback only wires component properties to them, sets the saved-filters cookie and returns the values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import flask
from dash import Input, Output, ctx, no_update
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

import clock
import periods
from appstate import state
from auth.gate import CALLBACK_UNAVAILABLE_ANSWER
from callbacks.session import current_user_id, request_is_https
from db.errors import RETRY_AFTER_SECONDS, bad_value_message, is_bad_value, is_unavailable
from db.filters import ALL, Filters, InvalidFilter
from db.queries import CARD_KEYS, StatCards
from domain import AGE_GROUP_LABELS, GENDER_LABELS
from layouts import ids
from layouts.components import feature_chip
from panels.board import Board, View, compute
from panels.panel import Timeline
from view import View as Choice
from view_codec.cookie import set_view_cookie

log = logging.getLogger(__name__)
AFTER_TODAY = "The end date {end} is after today ({today}). The figures below are for the last valid filters."
BOTH_DATES_NEEDED = "Choose both a start and an end date. The figures below are for the last complete range."
NO_VALUE = "—"

CARD_OUTPUTS = [
    Output(ids.STAT_TOTAL_CLICKS, "children"),
    Output(ids.STAT_TOP_FEATURE, "children"),
    Output(ids.STAT_TOP_FEATURE_CLICKS, "children"),
    Output(ids.STAT_DAILY_AVERAGE, "children"),
    Output(ids.STAT_FEATURES_TRACKED, "children"),
]
CHIP_OUTPUT = Output(ids.CHIP_CONTAINER, "children")
STATE_OUTPUTS = [
    Output(ids.LAST_UPDATED, "children"),
    Output(ids.STATUS_BANNER_TIME, "children"),
    Output(ids.EMPTY_STATE, "hidden"),
    Output(ids.EMPTY_STATE_FILTERS, "children"),
    Output(ids.FEATURE_TABLE_DATA, "data"),
]
CHANGE_OUTPUTS = [
    Output(ids.STAT_TOTAL_CLICKS_CHANGE, "children"),
    Output(ids.STAT_TOP_FEATURE_CHANGE, "children"),
    Output(ids.STAT_DAILY_AVERAGE_CHANGE, "children"),
    Output(ids.STAT_FEATURES_TRACKED_CHANGE, "children"),
    Output(ids.STAT_COMPARISON_RANGE, "children"),
    Output(ids.FEATURE_TABLE_HEAD_CHANGE, "hidden"),
]
BANNER_OUTPUT = Output(ids.STATUS_BANNER, "hidden")
RESET_OUTPUT = Output(ids.RESET_PENDING, "data", allow_duplicate=True)
MESSAGE_CLASS_OUTPUT = Output(ids.DATE_RANGE_MESSAGE, "className")
MESSAGE_CLASSES = {"hint": "small text-muted", "error": "small text-danger"}
MESSAGE_OUTPUT = Output(ids.DATE_RANGE_MESSAGE, "children")
INPUTS = [
    Input(ids.DATE_RANGE, "start_date"),
    Input(ids.DATE_RANGE, "end_date"),
    Input(ids.FILTER_AGE_GROUP, "value"),
    Input(ids.FILTER_GENDER, "value"),
    Input(ids.FILTER_SOURCE, "value"),
    Input(ids.SELECTED_FEATURE, "data"),
    Input(ids.REFRESH_BUTTON, "n_clicks"),
    Input(ids.DATE_PRESET, "value"),
    Input(ids.COMPARE_MODE, "value"),
    Input(ids.GRANULARITY, "value"),
]
COMPARE_NAMES = {
    periods.PREVIOUS_PERIOD: "the previous period",
    periods.YEAR_OVER_YEAR: "the same dates a year earlier",
}


def key(output: Output) -> str:
    """ "component.property", the key of an output's value in Update.values."""
    return f"{output.component_id}.{output.component_property}"


def outputs(board: Board) -> list[Output]:
    """The data callback's outputs for `board`: the cards, the chip, each panel's figure (and its title when the
    title follows the filters), then the message."""
    panel_outputs = []
    for panel in board.panels:
        panel_outputs.append(Output(panel.id, "figure"))
        if panel.title_follows_filters:
            panel_outputs.append(Output(panel.title_id, "children"))
    return [
        *CARD_OUTPUTS,
        CHIP_OUTPUT,
        *panel_outputs,
        *STATE_OUTPUTS,
        *CHANGE_OUTPUTS,
        BANNER_OUTPUT,
        RESET_OUTPUT,
        MESSAGE_CLASS_OUTPUT,
        MESSAGE_OUTPUT,
    ]


def read_filters(
    start: str | None,
    end: str | None,
    age_group: str | None,
    gender: str | None,
    feature: str | None,
    source: str | None = None,
) -> Filters:
    """Component values -> validated Filters. Raises InvalidFilter (e.g. a date cleared)."""
    return Filters.parse(start, end, age_group, gender, feature, source)


def read_view(
    preset: str | None,
    filters: Filters,
    compare: str | None,
    granularity: str | None,
    today: date | None,
    dates_edited: bool = True,
) -> Choice:
    """The view the controls show: the preset when the picker's dates are its range as of `today`, or when the dates
    were not what changed (a preset rolled over since the page was loaded: its range as of today wins); else a custom
    range of the picker's dates. Raises InvalidFilter for a compare mode or granularity that does not exist."""
    choice = Choice.from_filters(
        filters, compare=compare or periods.DEFAULT_COMPARE, granularity=granularity or periods.DEFAULT_GRANULARITY
    )
    named = today is not None and preset in periods.PRESET_VALUES and preset != periods.CUSTOM
    if named and (not dates_edited or periods.preset_range(preset, today) == (filters.start, filters.end)):
        return replace(choice, preset=preset, start=None, end=None)
    return choice


def waiting_for_dates(preset: str | None, start: str | None, end: str | None, today: date) -> bool:
    """True when the picker does not show the preset's dates as of today: after a preset choice, or a Refresh once
    the preset rolled over, callbacks/presets.py sets them (the figures follow when they arrive)."""
    if preset not in periods.PRESET_VALUES or preset == periods.CUSTOM:
        return False
    first, last = periods.preset_range(preset, today)
    return (start, end) != (first.isoformat(), last.isoformat())


def change_values(view: View) -> dict[str, Any]:
    """The four change texts, the comparison range's description and the change column's visibility, by key."""
    changes = view.card_changes
    texts = [changes[name] for name in CARD_KEYS] if changes else [""] * 4
    values = dict(zip(map(key, CHANGE_OUTPUTS[:4]), texts))
    described = ""
    if view.previous is not None and view.timeline is not None:
        f = view.previous.filters
        described = f"Changes against {f.start.isoformat()} to {f.end.isoformat()}."
    values[key(CHANGE_OUTPUTS[4])] = described
    values[key(CHANGE_OUTPUTS[5])] = changes is None
    return values


def filter_message(error: InvalidFilter) -> str:
    if error.param in ("start", "end") and "required" in error.message:
        return BOTH_DATES_NEEDED
    return f"{error.message[0].upper()}{error.message[1:]}. The figures below are for the last valid filters."


def bad_value_text(error: BaseException) -> str:
    reason = bad_value_message(error)
    return f"The database refused a value ({reason}). The figures below are for the last valid filters."


def card_texts(cards: StatCards) -> list[str]:
    """The five card texts, in CARD_OUTPUTS order (counts with thousands separators: 12,345)."""
    top = cards.top_feature
    return [
        f"{cards.total_clicks:,}",
        top.feature if top else NO_VALUE,
        f"{top.clicks:,} clicks" if top else "no clicks in this range",
        f"{cards.daily_average:,.1f}",
        f"{cards.features_tracked:,}",
    ]


def active_filters_text(f: Filters) -> str:
    """Which filters are active, in words: "From 2026-03-01 to 2026-03-05, age group 18 – 40, gender Male, source
    api." """
    parts = [f"From {f.start.isoformat()} to {f.end.isoformat()}"]
    if f.age_group != ALL:
        parts.append(f"age group {AGE_GROUP_LABELS[f.age_group]}")
    if f.gender != ALL:
        parts.append(f"gender {GENDER_LABELS[f.gender]}")
    if f.source != ALL:
        parts.append(f"source {f.source}")
    return ", ".join(parts) + "."


def updated_at(timezone: str, now: datetime | None = None) -> str:
    """The time of an update as shown: "2026-03-05 14:02:07 UTC" (in the analytics time zone)."""
    moment = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone))
    return moment.strftime("%Y-%m-%d %H:%M:%S ") + (moment.tzname() or timezone)


def view_values(board: Board, view: View) -> dict[str, Any]:
    """Every output's value but the message, by key (pure)."""
    values = dict(zip(map(key, CARD_OUTPUTS), card_texts(view.cards)))
    feature = view.filters.feature
    values[key(CHIP_OUTPUT)] = feature_chip(feature) if feature else None
    values[f"{ids.EMPTY_STATE}.hidden"] = view.cards.total_clicks > 0
    values[f"{ids.EMPTY_STATE_FILTERS}.children"] = active_filters_text(view.filters)
    values[f"{ids.FEATURE_TABLE_DATA}.data"] = {
        "rows": [[row.feature, row.clicks] for row in view.by_feature],
        "total": view.cards.total_clicks,
        "changes": view.feature_changes,
    }
    values.update(change_values(view))
    for panel in board.panels:
        rendered = view.panels[panel.id]
        values[f"{panel.id}.figure"] = rendered.figure
        if panel.title_follows_filters:
            values[f"{panel.title_id}.children"] = rendered.title
    return values


@dataclass(frozen=True)
class Update:
    values: dict[str, Any] | None  # "component.property" -> value; None: keep showing the last results
    message: str
    filters: Filters | None
    view: Choice | None = None  # the view shown (what the saved-filters cookie keeps)
    database_down: bool = False  # the figures are stale because the database does not answer: show the banner
    hint: bool = False  # the message is a hint (a range being picked), not an error: never shown in red

    def outputs(self, declared: list[Output], now: str = "") -> list:
        """The values in the order of `declared`: when nothing was computed, no_update everywhere but the message,
        the banner and the reset mark; else every value, with `now` as the time of the last update."""
        always = {
            key(MESSAGE_OUTPUT): self.message,
            key(BANNER_OUTPUT): not self.database_down,
            key(RESET_OUTPUT): False,  # a reset's filter changes have arrived
            key(MESSAGE_CLASS_OUTPUT): MESSAGE_CLASSES["hint" if self.hint else "error"],
        }
        if self.values is None:
            return [always.get(key(o), no_update) for o in declared]
        times = {f"{ids.LAST_UPDATED}.children": f"Updated {now}", f"{ids.STATUS_BANNER_TIME}.children": f" ({now})"}
        values = {**self.values, **times, **always}
        return [values[key(o)] for o in declared]


def update_dashboard(
    connect: Callable[[], Connection],
    board: Board,
    start,
    end,
    age_group,
    gender,
    feature,
    today: date | None = None,
    source=None,
    *,
    preset: str | None = None,
    compare: str | None = None,
    granularity: str | None = None,
    dates_edited: bool = True,
) -> Update:
    """Validate the filter values and compute the whole view on one connection, with the comparison range when
    `compare` is on and the trend in buckets of `granularity`. Invalid or incomplete filters (an end after `today`,
    when given), a database that does not answer and a value the database refuses keep the last results, with a
    message. A range still being picked (one date missing) is a hint, never an error. `dates_edited` False: the
    dates were not what changed, so a named preset's range as of `today` wins over the picker's (it rolled over)."""
    try:
        filters = read_filters(start, end, age_group, gender, feature, source)
        choice = read_view(preset, filters, compare, granularity, today, dates_edited)
        if choice.preset != periods.CUSTOM:
            filters = choice.resolve(today)
    except InvalidFilter as error:
        message = filter_message(error)
        return Update(None, message, None, hint=message == BOTH_DATES_NEEDED)
    if today is not None and filters.end > today:
        return Update(None, AFTER_TODAY.format(end=filters.end, today=today), None)
    clock_today = today or filters.end + timedelta(days=1)
    comparison = periods.comparison_range(choice.preset, filters.start, filters.end, choice.compare)
    timeline = Timeline(
        today=clock_today,
        granularity=choice.granularity,
        comparison=None if comparison is None else Filters(*comparison, *_rest(filters)),
    )
    try:
        with connect() as conn:
            view = compute(board, conn, filters, timeline)
    except SQLAlchemyError as error:
        if is_unavailable(error):  # down, unreachable, restarting, too slow, pool exhausted
            log.warning("dashboard query failed: %s", error)
            return Update(None, "", None, database_down=True)
        if is_bad_value(error):
            return Update(None, bad_value_text(error), None)
        raise
    return Update(view_values(board, view), "", filters, choice)


def _rest(f: Filters) -> tuple:
    """Everything of `f` but its dates, in Filters' field order."""
    return f.age_group, f.gender, f.feature, f.source


def unavailable_answer() -> flask.Response:
    """A Dash callback's answer while the database is down and the session cannot even be checked (auth/gate.py):
    it changes no output and carries no data, it only shows the status banner (Dash applies `sideUpdate` to any
    component). 200, because Dash's renderer drops the body of any other status."""
    body = {"multi": True, "response": {}, "sideUpdate": {f"{ids.STATUS_BANNER}.hidden": False}}
    response = flask.jsonify(body)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register(app, board: Board) -> None:
    declared = outputs(board)
    app.server.config[CALLBACK_UNAVAILABLE_ANSWER] = unavailable_answer

    # "initial_duplicate": runs on page load although it shares the reset mark with the reset callback
    @app.callback(*declared, *INPUTS, prevent_initial_call="initial_duplicate")
    def update(start, end, age_group, gender, source, feature, _refresh_clicks, preset, compare, granularity):
        appstate = state()
        today = clock.today(appstate.settings)
        trigger = ctx.triggered_id
        if trigger in (ids.DATE_PRESET, ids.REFRESH_BUTTON) and waiting_for_dates(preset, start, end, today):
            return [no_update] * len(declared)  # the preset's dates follow (callbacks/presets.py): compute then
        result = update_dashboard(
            appstate.database.engine.connect,
            board,
            start,
            end,
            age_group,
            gender,
            feature,
            today=today,
            source=source,
            preset=preset,
            compare=compare,
            granularity=granularity,
            dates_edited=trigger in (ids.DATE_RANGE, None),
        )
        user_id = current_user_id()
        if result.view is not None and user_id is not None:
            set_view_cookie(
                ctx.response,
                flask.current_app.secret_key,
                user_id,
                result.view,
                secure=request_is_https(),
            )
        return result.outputs(declared, updated_at(appstate.settings.timezone))
