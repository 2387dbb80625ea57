"""The data callback: one request per filter change updates the four cards, both charts and the chip.

The work is done by plain functions (`read_filters`, `build_view`, `update_dashboard`) that tests call directly; the
registered callback only wires component properties to them, sets the saved-filters cookie and returns the values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask
from dash import Input, Output, ctx, no_update
from sqlalchemy import Connection
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from appstate import state
from callbacks.saved_filters import set_filters_cookie
from callbacks.session import current_user_id, request_is_https
from db.filters import Filters, InvalidFilter
from db.queries import Stats, dashboard_stats
from layouts import ids
from layouts.components import feature_chip
from layouts.figures import bar_figure, line_figure, trend_title

log = logging.getLogger(__name__)
BOTH_DATES_NEEDED = "Choose both a start and an end date. The figures below are for the last complete range."
DATABASE_DOWN = "The database is not answering right now. The figures below are from the last successful update."
NO_VALUE = "—"


@dataclass(frozen=True)
class DashboardView:
    """Everything the data callback writes, in output order."""

    total_clicks: str
    top_feature: str
    top_feature_clicks: str
    daily_average: str
    features_tracked: str
    bar_figure: dict
    line_figure: dict
    trend_title: str
    chip: Any
    message: str


OUTPUTS = [
    Output(ids.STAT_TOTAL_CLICKS, "children"),
    Output(ids.STAT_TOP_FEATURE, "children"),
    Output(ids.STAT_TOP_FEATURE_CLICKS, "children"),
    Output(ids.STAT_DAILY_AVERAGE, "children"),
    Output(ids.STAT_FEATURES_TRACKED, "children"),
    Output(ids.FEATURE_BAR_CHART, "figure"),
    Output(ids.DAILY_TREND_CHART, "figure"),
    Output(ids.DAILY_TREND_TITLE, "children"),
    Output(ids.CHIP_CONTAINER, "children"),
    Output(ids.DATE_RANGE_MESSAGE, "children"),
]
INPUTS = [
    Input(ids.DATE_RANGE, "start_date"),
    Input(ids.DATE_RANGE, "end_date"),
    Input(ids.FILTER_AGE_GROUP, "value"),
    Input(ids.FILTER_GENDER, "value"),
    Input(ids.SELECTED_FEATURE, "data"),
    Input(ids.REFRESH_BUTTON, "n_clicks"),
]


def read_filters(
    start: str | None, end: str | None, age_group: str | None, gender: str | None, feature: str | None
) -> Filters:
    """Component values -> validated Filters. Raises InvalidFilter (e.g. a date cleared)."""
    return Filters.parse(start, end, age_group, gender, feature)


def filter_message(error: InvalidFilter) -> str:
    if error.param in ("start", "end") and "required" in error.message:
        return BOTH_DATES_NEEDED
    return f"{error.message[0].upper()}{error.message[1:]}. The figures below are for the last valid filters."


def format_count(value: int) -> str:
    return str(value)


def build_view(stats: Stats, filters: Filters) -> DashboardView:
    """Card texts, figures and chip for one query result (pure)."""
    cards = stats.cards
    top = cards.top_feature
    empty = cards.total_clicks == 0
    return DashboardView(
        total_clicks=format_count(cards.total_clicks),
        top_feature=top.feature if top else NO_VALUE,
        top_feature_clicks=f"{top.clicks} clicks" if top else "no clicks in this range",
        daily_average=f"{cards.daily_average:.1f}",
        features_tracked=format_count(cards.features_tracked),
        bar_figure=bar_figure(stats.by_feature, filters.feature),
        line_figure=line_figure(stats.daily, filters.feature, empty=empty),
        trend_title=trend_title(filters.feature),
        chip=feature_chip(filters.feature) if filters.feature else None,
        message="",
    )


@dataclass(frozen=True)
class Update:
    view: DashboardView | None  # None: keep showing the last results
    message: str
    filters: Filters | None

    def outputs(self) -> list:
        if self.view is None:
            return [no_update] * (len(OUTPUTS) - 1) + [self.message]
        return [getattr(self.view, name) for name in DashboardView.__dataclass_fields__]


def update_dashboard(connect: Callable[[], Connection], start, end, age_group, gender, feature) -> Update:
    """Validate the filter values and query once; invalid or incomplete filters keep the last results."""
    try:
        filters = read_filters(start, end, age_group, gender, feature)
    except InvalidFilter as error:
        return Update(None, filter_message(error), None)
    try:
        with connect() as conn:
            stats = dashboard_stats(conn, filters)
    except (OperationalError, InterfaceError, PoolTimeout) as error:  # down, unreachable, pool exhausted
        log.warning("dashboard query failed: %s", error)
        return Update(None, DATABASE_DOWN, None)
    return Update(build_view(stats, filters), "", filters)


def register(app) -> None:
    @app.callback(*OUTPUTS, *INPUTS)
    def update(start, end, age_group, gender, feature, _refresh_clicks):
        appstate = state()
        result = update_dashboard(appstate.database.engine.connect, start, end, age_group, gender, feature)
        user_id = current_user_id()
        if result.filters is not None and user_id is not None:
            set_filters_cookie(
                ctx.response,
                flask.current_app.secret_key,
                user_id,
                result.filters,
                secure=request_is_https(),
            )
        return result.outputs()
