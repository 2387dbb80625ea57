"""The view's tools under the filter bar (auto-refresh, export, and later sharing) and the theme choice in the
header: small pure functions that return component trees."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from view_codec.theme import DARK, LIGHT, SYSTEM

THEME_OPTIONS = [
    {"label": "Light", "value": LIGHT},
    {"label": "Dark", "value": DARK},
    {"label": "System", "value": SYSTEM},
]
AUTO_REFRESH_OFF = "off"
# choice -> milliseconds between two automatic updates (tests may use a shorter table: see auto_refresh_periods)
AUTO_REFRESH_PERIODS_MS: dict[str, int] = {"30s": 30_000, "1m": 60_000, "5m": 300_000}
AUTO_REFRESH_OPTIONS = [
    {"label": "Off", "value": AUTO_REFRESH_OFF},
    {"label": "Every 30 s", "value": "30s"},
    {"label": "Every minute", "value": "1m"},
    {"label": "Every 5 min", "value": "5m"},
]
EXPORT_TABLES = {"features": "Feature table", "series": "Time series"}


def theme_toggle(theme: str) -> html.Div:
    """The theme choice (a native select, labelled), for the dark header."""
    return html.Div(
        [
            dbc.Label("Theme", html_for=ids.THEME_TOGGLE, className="small text-white-50 mb-0 me-2"),
            dbc.Select(id=ids.THEME_TOGGLE, options=THEME_OPTIONS, value=theme, size="sm", className="theme-toggle"),
            dcc.Store(id=ids.THEME_APPLIED),
        ],
        className="d-flex align-items-center me-3",
    )


def toolbar(periods_ms: dict[str, int] | None = None) -> html.Div:
    """Auto-refresh (off by default) and the CSV export buttons, in one row under the filters."""
    auto = html.Div(
        [
            dbc.Label("Auto-refresh", html_for=ids.AUTO_REFRESH, className="small text-muted mb-0 me-2 text-nowrap"),
            dbc.Select(
                id=ids.AUTO_REFRESH, options=AUTO_REFRESH_OPTIONS, value=AUTO_REFRESH_OFF, size="sm", className="w-auto"
            ),
            dcc.Interval(id=ids.AUTO_REFRESH_TIMER, interval=AUTO_REFRESH_PERIODS_MS["1m"], disabled=True),
            dcc.Store(id=ids.AUTO_REFRESH_PERIODS, data=periods_ms or AUTO_REFRESH_PERIODS_MS),
        ],
        className="d-flex align-items-center",
    )
    export = html.Div(
        [
            html.Span("Export CSV", className="small text-muted me-2", id=ids.EXPORT_CSV_LABEL),
            html.Div(
                [
                    dbc.Button(
                        label,
                        id=ids.export_choice(table),
                        color="secondary",
                        outline=True,
                        size="sm",
                        n_clicks=0,
                        title=f"Download the {label.lower()} of this view as a CSV file",
                    )
                    for table, label in EXPORT_TABLES.items()
                ],
                id=ids.EXPORT_CSV,
                className="btn-group",
                role="group",
                **{"aria-labelledby": ids.EXPORT_CSV_LABEL},
            ),
            dcc.Download(id=ids.EXPORT_DOWNLOAD),
        ],
        className="d-flex align-items-center",
    )
    return html.Div([auto, export], className="view-toolbar d-flex flex-wrap align-items-center gap-3 mb-4")
