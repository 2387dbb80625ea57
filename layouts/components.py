"""Building blocks of the dashboard: small pure functions that return component trees (no queries, no callbacks)."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from domain import AGE_GROUP_LABELS, AGE_GROUPS, ALL, GENDERS
from layouts import ids
from layouts.theme import GRAPH_CONFIG

AGE_GROUP_OPTIONS = [{"label": "All ages", "value": ALL}] + [
    {"label": AGE_GROUP_LABELS[group], "value": group} for group in AGE_GROUPS
]
GENDER_OPTIONS = [{"label": "All genders", "value": ALL}] + [{"label": g, "value": g} for g in GENDERS]


def header(name: str | None) -> html.Header:
    """Brand, the analyst's name and the logout button (a plain POST form to /logout)."""
    account = []
    if name:
        account.append(html.Span(["Signed in as ", html.Strong(name, id=ids.ANALYST_NAME)], className="me-3 small"))
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
                    [html.Span("◆", className="brand-mark me-2"), html.Span("Clickboard", className="fw-semibold")],
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


def labelled(label: str, control, html_for: str | None = None) -> html.Div:
    return html.Div([dbc.Label(label, html_for=html_for, className="form-label small text-muted mb-1"), control])


def filter_bar(start: date, end: date, age_group: str = ALL, gender: str = ALL) -> dbc.Card:
    """Date range (both dates required), age group, gender and refresh."""
    date_picker = dcc.DatePickerRange(
        id=ids.DATE_RANGE,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
        minimum_nights=0,
        clearable=True,
        updatemode="singledate",
        start_date_placeholder_text="Start date",
        end_date_placeholder_text="End date",
        className="w-100",
    )
    age = dcc.Dropdown(
        id=ids.FILTER_AGE_GROUP,
        options=AGE_GROUP_OPTIONS,
        value=age_group,
        clearable=False,
        searchable=False,
    )
    gender_dropdown = dcc.Dropdown(
        id=ids.FILTER_GENDER,
        options=GENDER_OPTIONS,
        value=gender,
        clearable=False,
        searchable=False,
    )
    refresh = dbc.Button(
        "↻ Refresh", id=ids.REFRESH_BUTTON, color="primary", outline=True, className="w-100", n_clicks=0
    )
    return dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        dbc.Col(labelled("Date range", date_picker), xs=12, lg=4),
                        dbc.Col(labelled("Age group", age), xs=6, md=4, lg=3),
                        dbc.Col(labelled("Gender", gender_dropdown), xs=6, md=4, lg=3),
                        dbc.Col(labelled("\u00a0", refresh), xs=12, md=4, lg=2),
                    ],
                    className="g-3 align-items-end",
                ),
                html.Div(id=ids.DATE_RANGE_MESSAGE, className="small text-danger mt-2", role="alert"),
            ]
        ),
        className="filter-bar shadow-sm border-0 mb-4",
    )


def stat_card(value_id: str, label: str, *, detail_id: str | None = None, icon: str = "") -> dbc.Card:
    """A number with a label. The element `value_id` holds the value alone as its text."""
    body = [
        html.Div([html.Span(icon, className="me-1") if icon else None, label], className="stat-label"),
        html.Div("…", id=value_id, className="stat-value text-truncate"),
    ]
    if detail_id:
        body.append(html.Div(id=detail_id, className="stat-detail"))
    return dbc.Card(dbc.CardBody(body), className="stat-card shadow-sm border-0 h-100")


def chart_card(title, graph_id: str, *, extra=None, title_id: str | None = None, height: int = 380) -> dbc.Card:
    """A titled card holding one dcc.Graph, with a loading indicator while its callback runs."""
    heading = [html.H2(title, id=title_id, className="h6 mb-0") if title_id else html.H2(title, className="h6 mb-0")]
    if extra is not None:
        heading.append(extra)
    return dbc.Card(
        [
            dbc.CardHeader(heading, className="d-flex justify-content-between align-items-center bg-white border-0"),
            dbc.CardBody(
                dcc.Loading(
                    dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": f"{height}px"}),
                    type="dot",
                    delay_show=250,
                    color="#0d6efd",
                ),
                className="pt-0",
            ),
        ],
        className="chart-card shadow-sm border-0 h-100",
    )


def feature_chip(feature: str) -> dbc.Button:
    """The selected feature with an ×; clicking it clears the selection. Exists only while a feature is selected."""
    return dbc.Button(
        f"{feature} ×",
        id=ids.CLEAR_FEATURE_CHIP,
        color="warning",
        size="sm",
        className="feature-chip rounded-pill",
        title="Clear the selection",
        n_clicks=0,
    )


def stat_cards_row() -> dbc.Row:
    cards = [
        stat_card(ids.STAT_TOTAL_CLICKS, "Total clicks"),
        stat_card(ids.STAT_TOP_FEATURE, "Top feature", detail_id=ids.STAT_TOP_FEATURE_CLICKS),
        stat_card(ids.STAT_DAILY_AVERAGE, "Daily average"),
        stat_card(ids.STAT_FEATURES_TRACKED, "Features tracked"),
    ]
    return dcc.Loading(
        dbc.Row([dbc.Col(card, xs=6, lg=3) for card in cards], className="g-3 mb-4"),
        type="default",
        delay_show=250,
        color="#0d6efd",
        overlay_style={"visibility": "visible", "opacity": 0.6},
    )
