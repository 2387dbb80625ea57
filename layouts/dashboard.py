"""The dashboard page, composed from the building blocks in layouts.components."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from db.filters import Filters
from layouts import ids
from layouts.components import chart_card, feature_chip, filter_bar, header, stat_cards_row

DEFAULT_RANGE_DAYS = 30


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def default_filters(today: date) -> Filters:
    """The last 30 days, ending today (both inclusive), everyone, nothing selected."""
    return Filters(start=today - timedelta(days=DEFAULT_RANGE_DAYS - 1), end=today)


def dashboard_layout(analyst_name: str | None, filters: Filters) -> html.Div:
    """The whole dashboard with the given filters already applied (the data callback fills cards and charts)."""
    return html.Div(
        [
            header(analyst_name),
            dbc.Container(
                [
                    dcc.Store(id=ids.SELECTED_FEATURE, data=filters.feature),
                    filter_bar(filters.start, filters.end, filters.age_group, filters.gender),
                    stat_cards_row(),
                    dbc.Row(
                        [
                            dbc.Col(
                                chart_card(
                                    "Clicks by feature",
                                    ids.FEATURE_BAR_CHART,
                                    extra=html.Span("click a bar to focus", className="small text-muted"),
                                ),
                                xs=12,
                                lg=5,
                            ),
                            dbc.Col(
                                chart_card(
                                    "Daily clicks",
                                    ids.DAILY_TREND_CHART,
                                    title_id=ids.DAILY_TREND_TITLE,
                                    extra=html.Div(
                                        feature_chip(filters.feature) if filters.feature else None,
                                        id=ids.CHIP_CONTAINER,
                                    ),
                                ),
                                xs=12,
                                lg=7,
                            ),
                        ],
                        className="g-3 mb-4",
                    ),
                    html.Footer(
                        "Every interaction with this dashboard is counted in it, too.",
                        className="text-muted small text-center pb-4",
                    ),
                ],
                fluid="xl",
            ),
        ],
        id=ids.PAGE,
    )
