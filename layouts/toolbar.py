"""The view's tools under the filter bar (auto-refresh, export, and later sharing) and the theme choice in the
header: small pure functions that return component trees."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from domain import AGE_GROUP_LABELS, ALL, GENDER_LABELS
from layouts import ids
from periods import COMPARE_MODES, CUSTOM, OFF, PRESET_LABELS
from view import View
from view_codec.theme import DARK, LIGHT, SYSTEM
from view_codec.url import query_string

COMPARE_LABELS = dict(COMPARE_MODES)
SOURCE_LABELS = {"api": "Product (API)", "dashboard": "Dashboard use"}

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
            dcc.Store(id=ids.THEME_SAVED),
        ],
        className="d-flex align-items-center me-3",
    )


def page_title(view: View) -> str:
    """The browser tab's title for `view`: "Last 7 days · 18 – 40 · Female · Clickboard"."""
    if view.preset == CUSTOM:
        parts = [f"{view.start.isoformat()} to {view.end.isoformat()}"]
    else:
        parts = [PRESET_LABELS[view.preset]]
    if view.age_group != ALL:
        parts.append(AGE_GROUP_LABELS.get(view.age_group, view.age_group))
    if view.gender != ALL:
        parts.append(GENDER_LABELS.get(view.gender, view.gender))
    if view.source != ALL:
        parts.append(SOURCE_LABELS[view.source])
    if view.feature:
        parts.append(view.feature)
    if view.compare != OFF:
        parts.append(COMPARE_LABELS[view.compare].lower())
    return " · ".join([*parts, "Clickboard"])


def view_url_data(view: View) -> dict:
    """What assets/url.js needs to show `view` in the address bar and the tab's title."""
    return {"search": query_string(view), "title": page_title(view)}


def url_notice(dropped: tuple[str, ...]) -> html.Div:
    """The link's dropped parameters, in words (hidden when none were)."""
    text = "Some parts of this link were ignored: " + "; ".join(dropped) + "." if dropped else ""
    return html.Div(
        text, id=ids.URL_NOTICE, className="alert alert-warning shadow-sm mb-3", role="status", hidden=not dropped
    )


def share_controls(view: View) -> html.Div:
    """ "Copy link" (the address bar always holds the current view) and where it says it copied."""
    return html.Div(
        [
            dbc.Button(
                "Copy link",
                id=ids.SHARE_LINK,
                color="secondary",
                outline=True,
                size="sm",
                n_clicks=0,
                title="Copy the address of this view to share it",
            ),
            html.Span(id=ids.SHARE_LINK_STATUS, className="small text-muted ms-2", role="status"),
            dcc.Store(id=ids.VIEW_URL, data=view_url_data(view)),
        ],
        className="d-flex align-items-center",
    )


def toolbar(periods_ms: dict[str, int] | None = None, view: View | None = None) -> html.Div:
    """Auto-refresh (off by default), the CSV export buttons and the share link, in one row under the filters."""
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
    return html.Div(
        [auto, export, share_controls(view or View())],
        className="view-toolbar d-flex flex-wrap align-items-center gap-3 mb-4",
    )
