"""The view is the URL: whenever the page shows another view, the data callback (callbacks/dashboard.py, in the same
answer as the figures) puts its query string and page title in the view-url store, and assets/url.js writes them to
the address bar and the tab (no reload). The page itself is served with the
URL's view (callbacks/page.py), so a copied link, a reload, Back and Forward show that view and record nothing.
The share-link button copies the address (in the browser) and is recorded once as `share_link`."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output

from layouts import ids


def register(app) -> None:
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
