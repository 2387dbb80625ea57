"""The dashboard page, composed from the building blocks in layouts.components and the panels of a board."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from db.filters import Filters
from layouts import ids
from layouts.components import (
    empty_state,
    feature_table_card,
    filter_bar,
    header,
    panel_rows,
    stat_cards_row,
    status_banner,
)
from layouts.placement import BOARD
from panels.board import Board
from view import View

DEFAULT_SORT = {"by": "clicks", "descending": True}  # the feature table: most clicked first


def default_filters(today: date) -> Filters:
    """The default view's filters: the last 30 days, ending today (both inclusive), everyone, nothing selected."""
    return View().resolve(today)


def dashboard_layout(
    analyst_name: str | None,
    filters: Filters,
    board: Board = BOARD,
    today: date | None = None,
    *,
    is_admin: bool = False,
    view: View | None = None,
) -> html.Div:
    """The whole dashboard with the given filters already applied (the data callback fills cards and panels); no
    date after `today` can be picked; an admin's header links to the settings page. `view` (whose resolved filters
    are `filters`) sets the preset, compare and granularity controls; without it the dates show as a custom range."""
    return html.Div(
        [
            header(analyst_name, is_admin),
            html.Main(
                dbc.Container(
                    [
                        dcc.Store(id=ids.SELECTED_FEATURE, data=filters.feature),
                        dcc.Store(id=ids.RESET_PENDING, data=False),
                        dcc.Store(id=ids.FEATURE_TABLE_DATA),
                        dcc.Store(id=ids.FEATURE_TABLE_SORT, data=DEFAULT_SORT),
                        status_banner(),
                        filter_bar(filters, today, view),
                        empty_state(),
                        stat_cards_row(),
                        *panel_rows(board, filters),
                        feature_table_card(),
                    ],
                    fluid="xl",
                )
            ),
            html.Footer(
                "Every interaction with this dashboard is counted in it, too.",
                className="text-muted small text-center pb-4",
            ),
        ],
        id=ids.PAGE,
    )
