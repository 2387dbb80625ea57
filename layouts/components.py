"""Building blocks of the dashboard: small pure functions that return component trees (no queries, no callbacks)."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from db.filters import Filters
from domain import AGE_GROUP_LABELS, AGE_GROUPS, ALL, API, DASHBOARD, GENDER_LABELS, GENDERS, UNKNOWN
from layouts import ids
from layouts.theme import GRAPH_CONFIG
from panels.board import Board
from panels.panel import Panel
from periods import COMPARE_MODES, GRANULARITIES, PRESETS
from view import View

AGE_GROUP_OPTIONS = [{"label": "All ages", "value": ALL}] + [
    {"label": AGE_GROUP_LABELS[group], "value": group} for group in (*AGE_GROUPS, UNKNOWN)
]
GENDER_OPTIONS = [{"label": "All genders", "value": ALL}] + [
    {"label": GENDER_LABELS[g], "value": g} for g in (*GENDERS, UNKNOWN)
]
SOURCE_OPTIONS = [
    {"label": "All sources", "value": ALL},
    {"label": "Product (API)", "value": API},
    {"label": "Dashboard use", "value": DASHBOARD},
]

PRESET_OPTIONS = [{"label": label, "value": value} for value, label in PRESETS]
COMPARE_OPTIONS = [
    {"label": "No comparison" if value == "off" else label, "value": value} for value, label in COMPARE_MODES
]
GRANULARITY_OPTIONS = [{"label": label, "value": value} for value, label in GRANULARITIES]


def header(name: str | None, is_admin: bool = False) -> html.Header:
    """Brand, the analyst's name, a link to the settings page for admins, and the logout button (a plain POST form
    to /logout)."""
    account = []
    if name:
        account.append(html.Span(["Signed in as ", html.Strong(name, id=ids.ANALYST_NAME)], className="me-3 small"))
    if is_admin:
        account.append(html.A("Settings", id=ids.SETTINGS_LINK, href="/settings", className="link-light small me-3"))
    account.append(
        html.Form(
            html.Button("Log out", id=ids.LOGOUT_BUTTON, type="submit", className="btn btn-outline-light btn-sm"),
            id=ids.LOGOUT_FORM,
            method="POST",
            action="/logout",
            className="d-inline",
        )
    )
    return html.Header(
        dbc.Container(
            [
                html.Div(
                    [
                        html.Span("◆", className="brand-mark me-2", **{"aria-hidden": "true"}),
                        html.H1("Clickboard", className="brand-title fw-semibold mb-0"),
                    ],
                    className="navbar-brand text-white d-flex align-items-center",
                ),
                html.Div(account, className="d-flex align-items-center text-white-50"),
            ],
            fluid="xl",
            className="d-flex justify-content-between align-items-center",
        ),
        id=ids.HEADER,
        className="navbar navbar-dark bg-dark mb-4 py-2",
    )


def labelled(label: str, control, html_for: str | None = None, label_id: str | None = None) -> html.Div:
    """A label above its control; `html_for` links it to the control's focusable element (by its DOM id)."""
    extra = {"id": label_id} if label_id else {}
    return html.Div(
        [dbc.Label(label, html_for=html_for, className="form-label small text-muted mb-1", **extra), control]
    )


def filter_bar(filters: Filters, today: date | None = None, view: View | None = None) -> dbc.Card:
    """Date preset and range (both dates required, none after `today`), compare, granularity, age group, gender,
    source, refresh, and the selected feature's chip. `view` gives the preset, compare mode and granularity (default:
    the dates as a custom range)."""
    view = view or View.from_filters(filters)
    latest = {"max_date_allowed": today.isoformat()} if today else {}
    date_picker = dcc.DatePickerRange(
        **latest,
        id=ids.DATE_RANGE,
        start_date=filters.start.isoformat(),
        end_date=filters.end.isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
        minimum_nights=0,
        clearable=False,  # Dash's clear control is a link without a target (not keyboard-usable): type to clear
        updatemode="singledate",
        start_date_placeholder_text="Start date",
        end_date_placeholder_text="End date",
        className="w-100",
    )
    # native <select>s: labelled by their <label for>, reachable and usable by keyboard like any form control
    age = dbc.Select(id=ids.FILTER_AGE_GROUP, options=AGE_GROUP_OPTIONS, value=filters.age_group)
    gender_dropdown = dbc.Select(id=ids.FILTER_GENDER, options=GENDER_OPTIONS, value=filters.gender)
    source = dbc.Select(id=ids.FILTER_SOURCE, options=SOURCE_OPTIONS, value=filters.source)
    preset = dbc.Select(id=ids.DATE_PRESET, options=PRESET_OPTIONS, value=view.preset)
    compare = dbc.Select(id=ids.COMPARE_MODE, options=COMPARE_OPTIONS, value=view.compare)
    granularity = dbc.Select(id=ids.GRANULARITY, options=GRANULARITY_OPTIONS, value=view.granularity)
    refresh = dbc.Button(
        "↻ Refresh", id=ids.REFRESH_BUTTON, color="primary", outline=True, className="w-100", n_clicks=0
    )
    return dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        dbc.Col(labelled("Period", preset, ids.DATE_PRESET), xs=12, md=4, lg=2),
                        dbc.Col(labelled("Date range", date_picker, ids.DATE_RANGE), xs=12, md=8, lg=4),
                        dbc.Col(labelled("Compare with", compare, ids.COMPARE_MODE), xs=6, md=4, lg=2),
                        dbc.Col(labelled("Trend by", granularity, ids.GRANULARITY), xs=6, md=4, lg=2),
                        dbc.Col(labelled("\u00a0", refresh), xs=12, md=4, lg=2),
                        dbc.Col(labelled("Age group", age, ids.FILTER_AGE_GROUP), xs=6, md=4, lg=2),
                        dbc.Col(labelled("Gender", gender_dropdown, ids.FILTER_GENDER), xs=6, md=4, lg=2),
                        dbc.Col(labelled("Source", source, ids.FILTER_SOURCE), xs=12, md=4, lg=2),
                    ],
                    className="g-3 align-items-end",
                ),
                html.Div(
                    [
                        html.Div(feature_chip(filters.feature) if filters.feature else None, id=ids.CHIP_CONTAINER),
                        html.Div(id=ids.DATE_RANGE_MESSAGE, className="small text-muted", role="status"),
                        html.Div(id=ids.LAST_UPDATED, className="small text-muted ms-auto", role="status"),
                    ],
                    className="d-flex flex-wrap align-items-center gap-3 mt-2",
                ),
            ]
        ),
        className="filter-bar shadow-sm border-0 mb-4",
    )


def stat_card(
    value_id: str, label: str, *, detail_id: str | None = None, change_id: str | None = None, icon: str = ""
) -> dbc.Card:
    """A number with a label. The element `value_id` holds the value alone as its text; `change_id` its change
    against the comparison range (empty while compare is off)."""
    body = [
        html.Div([html.Span(icon, className="me-1") if icon else None, label], className="stat-label"),
        html.Div("…", id=value_id, className="stat-value text-truncate"),
    ]
    if detail_id:
        body.append(html.Div(id=detail_id, className="stat-detail"))
    if change_id:
        body.append(html.Div(id=change_id, className="stat-change"))
    return dbc.Card(dbc.CardBody(body), className="stat-card shadow-sm border-0 h-100")


def panel_card(panel: Panel, filters: Filters) -> dbc.Card:
    """A panel's titled card: its dcc.Graph (id = the panel's id) with a loading indicator while the data callback
    runs. The figure, and the title when it follows the filters, come from the data callback."""
    heading = [html.H2(panel.title_for(filters), id=panel.title_id, className="h6 mb-0")]
    if panel.hint:
        heading.append(html.Span(panel.hint, className="small text-muted"))
    return dbc.Card(
        [
            dbc.CardHeader(heading, className="d-flex justify-content-between align-items-center bg-white border-0"),
            dbc.CardBody(
                dcc.Loading(
                    dcc.Graph(id=panel.id, config=GRAPH_CONFIG, style={"height": f"{panel.height}px"}),
                    type="dot",
                    delay_show=250,
                    color="#0d6efd",
                ),
                className="pt-0",
            ),
        ],
        className="chart-card shadow-sm border-0 h-100",
    )


def panel_rows(board: Board, filters: Filters) -> list[dbc.Row]:
    """The board's panels, row by row, each in a column of its width (full width on small screens)."""
    return [
        dbc.Row(
            [dbc.Col(panel_card(place.panel, filters), xs=12, lg=place.width) for place in row],
            className="g-3 mb-4",
        )
        for row in board.rows
    ]


def feature_chip(feature: str) -> dbc.Button:
    """The selected feature with an ×; clicking it clears the selection. Exists only while a feature is selected; it
    sits in the filter bar because the daily chart and both breakdowns follow it. A long name is cut with an ellipsis
    (the chip never leaves the screen); the whole name is in its text and its tooltip."""
    return dbc.Button(
        [html.Span(feature, className="feature-chip-name"), html.Span(" ×", **{"aria-hidden": "true"})],
        id=ids.CLEAR_FEATURE_CHIP,
        color="warning",
        size="sm",
        className="feature-chip rounded-pill",
        title=f"{feature}: the daily clicks and the breakdowns show only this feature. Click to show all again.",
        n_clicks=0,
    )


def stat_cards_row() -> dbc.Row:
    cards = [
        stat_card(ids.STAT_TOTAL_CLICKS, "Total clicks", change_id=ids.STAT_TOTAL_CLICKS_CHANGE),
        stat_card(
            ids.STAT_TOP_FEATURE,
            "Top feature",
            detail_id=ids.STAT_TOP_FEATURE_CLICKS,
            change_id=ids.STAT_TOP_FEATURE_CHANGE,
        ),
        stat_card(ids.STAT_DAILY_AVERAGE, "Daily average", change_id=ids.STAT_DAILY_AVERAGE_CHANGE),
        stat_card(ids.STAT_FEATURES_TRACKED, "Features tracked", change_id=ids.STAT_FEATURES_TRACKED_CHANGE),
    ]
    return dcc.Loading(
        html.Div(
            [
                dbc.Row([dbc.Col(card, xs=6, lg=3) for card in cards], className="g-3"),
                html.Div(id=ids.STAT_COMPARISON_RANGE, className="small text-muted mt-1"),
            ],
            className="mb-4",
        ),
        type="default",
        delay_show=250,
        color="#0d6efd",
        overlay_style={"visibility": "visible", "opacity": 0.6},
    )


def status_banner() -> html.Div:
    """Hidden while the figures are current; shown when the database does not answer, saying since when the figures
    are stale (the time of the last successful update, filled in by the data callback)."""
    return html.Div(
        [
            html.Strong("The database is not answering. "),
            "The figures below are from the last successful update",
            html.Span(id=ids.STATUS_BANNER_TIME),
            ". Use Refresh to try again.",
        ],
        id=ids.STATUS_BANNER,
        className="alert alert-warning shadow-sm mb-3",
        role="alert",
        hidden=True,
    )


def empty_state() -> html.Div:
    """Shown when the filters leave no click: which filters are active, and a button that resets them."""
    return html.Div(
        html.Div(
            [
                html.Div(
                    [html.Strong("No clicks match these filters. "), html.Span(id=ids.EMPTY_STATE_FILTERS)],
                    className="me-3",
                ),
                dbc.Button("Reset filters", id=ids.RESET_FILTERS, color="primary", size="sm", n_clicks=0),
            ],
            className="d-flex flex-wrap align-items-center gap-2",
        ),
        id=ids.EMPTY_STATE,
        className="alert alert-info shadow-sm mb-4",
        role="status",
        hidden=True,
    )


def feature_table_card() -> dbc.Card:
    """Every feature under the filters, ranked, with its clicks and share of the total; a search box narrows the
    rows, and each feature's button selects it like a click on its bar (usable by keyboard). Rows come from
    feature_table_rows (a callback fills them)."""
    search = dcc.Input(
        id=ids.FEATURE_TABLE_SEARCH,
        type="search",
        placeholder="Search features",
        debounce=False,
        className="form-control form-control-sm feature-table-search",
        autoComplete="off",
    )
    table = html.Table(
        [
            html.Caption(id=ids.FEATURE_TABLE_COUNT, className="small text-muted"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(
                            sort_button(ids.FEATURE_TABLE_SORT_FEATURE, "Feature"),
                            id=ids.FEATURE_TABLE_HEAD_FEATURE,
                            scope="col",
                            **{"aria-sort": "none"},
                        ),
                        html.Th(
                            sort_button(ids.FEATURE_TABLE_SORT_CLICKS, "Clicks ↓"),
                            id=ids.FEATURE_TABLE_HEAD_CLICKS,
                            scope="col",
                            className="text-end",
                            **{"aria-sort": "descending"},
                        ),
                        html.Th("Share", scope="col", className="text-end"),
                        html.Th(
                            "Change", id=ids.FEATURE_TABLE_HEAD_CHANGE, scope="col", className="text-end", hidden=True
                        ),
                    ]
                )
            ),
            html.Tbody(id=ids.FEATURE_TABLE_BODY),
        ],
        id=ids.FEATURE_TABLE,
        className="table table-sm table-hover align-middle mb-0 feature-table",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H2("All features", className="h6 mb-0", id=ids.FEATURE_TABLE_TITLE),
                    html.Div(
                        [
                            dbc.Label(
                                "Search features", html_for=ids.FEATURE_TABLE_SEARCH, className="visually-hidden"
                            ),
                            search,
                        ]
                    ),
                ],
                className="d-flex flex-wrap justify-content-between align-items-center gap-2 bg-white border-0",
            ),
            dbc.CardBody(
                html.Div(
                    table,
                    className="feature-table-scroll",
                    role="region",
                    **{"aria-labelledby": ids.FEATURE_TABLE_TITLE},
                ),
                className="pt-0",
            ),
        ],
        className="chart-card shadow-sm border-0 mb-4",
    )


def sort_button(button_id: str, label: str) -> html.Button:
    """A column header's button: sorts the table by that column (again: the other way round)."""
    return html.Button(
        label,
        id=button_id,
        type="button",
        className="btn btn-link btn-sm p-0 fw-bold text-reset text-nowrap sort-button",
        n_clicks=0,
    )


def share_text(clicks: int, total: int) -> str:
    return f"{clicks / total * 100:.1f}%" if total else "—"


def feature_table_rows(
    rows: list[tuple[str, int]], total: int, selected: str | None, changes: dict[str, str] | None = None
) -> list[html.Tr]:
    """One row per feature (rank order kept): a button with the whole name (pressed when selected), clicks, share,
    and with compare on (`changes`: feature -> change text) its change against the comparison range."""
    return [
        html.Tr(
            [
                html.Td(
                    html.Button(
                        feature,
                        id=ids.feature_table_choice(feature),
                        type="button",
                        className="btn btn-link btn-sm p-0 text-start feature-table-choice",
                        n_clicks=0,
                        **{"aria-pressed": "true" if feature == selected else "false"},
                    )
                ),
                html.Td(f"{clicks:,}", className="text-end"),
                html.Td(share_text(clicks, total), className="text-end"),
                *([html.Td(changes.get(feature, ""), className="text-end text-nowrap")] if changes is not None else []),
            ],
            className="table-warning" if feature == selected else None,
        )
        for feature, clicks in rows
    ]
