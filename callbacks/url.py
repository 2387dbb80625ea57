"""The view is the URL: whenever the controls show another view, the view-url store gets its query string and page
title, and assets/url.js puts them in the address bar and the tab (no reload). The page itself is served with the
URL's view (callbacks/page.py), so a copied link, a reload, Back and Forward show that view and record nothing.
The share-link button copies the address (in the browser) and is recorded once as `share_link`."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, no_update

import clock
from appstate import state
from callbacks.dashboard import read_filters, read_view, waiting_for_dates
from db.filters import InvalidFilter
from layouts import ids
from layouts.toolbar import view_url_data


def register(app) -> None:
    @app.callback(
        Output(ids.VIEW_URL, "data"),
        Input(ids.DATE_RANGE, "start_date"),
        Input(ids.DATE_RANGE, "end_date"),
        Input(ids.FILTER_AGE_GROUP, "value"),
        Input(ids.FILTER_GENDER, "value"),
        Input(ids.FILTER_SOURCE, "value"),
        Input(ids.SELECTED_FEATURE, "data"),
        Input(ids.DATE_PRESET, "value"),
        Input(ids.COMPARE_MODE, "value"),
        Input(ids.GRANULARITY, "value"),
        prevent_initial_call=True,
    )
    def follow(start, end, age_group, gender, source, feature, preset, compare, granularity):
        today = clock.today(state().settings)
        if waiting_for_dates(preset, start, end, today):
            return no_update  # a preset was just chosen: its dates are on their way
        try:
            filters = read_filters(start, end, age_group, gender, feature, source)
            view = read_view(preset, filters, compare, granularity, today)
            view.resolve(today)
        except InvalidFilter:
            return no_update  # the filters are being edited: the address keeps the last valid view
        return view_url_data(view)

    app.clientside_callback(
        ClientsideFunction(namespace="clickboard", function_name="syncUrl"),
        Input(ids.VIEW_URL, "data"),  # on page load too: a bare "/" then shows the saved view's address
    )
    app.clientside_callback(
        ClientsideFunction(namespace="clickboard", function_name="copyLink"),
        Output(ids.SHARE_LINK_STATUS, "children"),
        Input(ids.SHARE_LINK, "n_clicks"),
        prevent_initial_call=True,
    )
