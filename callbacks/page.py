"""The page: the layout function Dash calls for every page load, wired to the request, and the HTML shell around it.

It reads the analyst's saved-filters cookie so the page arrives with them applied (no flash of defaults); a saved
preset is resolved against today, so it rolls forward. It reads the analyst's theme cookie so the shell (Dash's index
page) already carries the theme on its <html> element (no flash of the other theme). Without a request (Dash may call
it at start-up) it returns the defaults. The layout itself is a pure function (layouts/).

Only `/` is the dashboard: any other path Dash would answer with its page (its catch-all route) is a 404 page with a
link back. A request for a file Dash does not serve (`/_dash-component-suites/<package>/<path>` naming an
unregistered package or file) is a plain 404: Dash raises DependencyException for it, which would otherwise be a 500
listing every registered path.
"""

from __future__ import annotations

import flask
from dash.exceptions import DependencyException

import clock
from appstate import state
from auth import pages
from callbacks.session import current_user_id, current_user_is_admin, current_user_name
from db.filters import InvalidFilter
from layouts.dashboard import dashboard_layout
from panels.board import Board
from view import View
from view_codec.cookie import saved_view_from_cookies
from view_codec.theme import DEFAULT_THEME, html_attributes, saved_theme

THEME_PLACEHOLDER = "{%theme%}"  # in app.INDEX_PAGE's <html> element
# config key: {auto-refresh choice: milliseconds} replacing layouts.toolbar.AUTO_REFRESH_PERIODS_MS, for tests only
# (a browser test waits one second, not thirty)
AUTO_REFRESH_PERIODS_CONFIG = "CLICKBOARD_AUTO_REFRESH_PERIODS_MS"
NOT_FOUND = "There is no page at this address. The dashboard is at the start page."


def current_theme() -> str:
    """The logged-in analyst's theme choice (the default without a request or an analyst)."""
    if not flask.has_request_context():
        return DEFAULT_THEME
    return saved_theme(current_user_id(), flask.request.cookies)


def register(app, board: Board) -> None:
    def serve_layout():
        today = clock.today(state(app.server).settings)
        if not flask.has_request_context():
            return dashboard_layout(None, View().resolve(today), board, view=View())
        user_id = current_user_id()
        view = saved_view_from_cookies(flask.current_app.secret_key, user_id, flask.request.cookies) or View()
        try:
            filters = view.resolve(today)
        except InvalidFilter:  # a saved custom range that ends after today (the clock was turned back)
            view, filters = View(), View().resolve(today)
        return dashboard_layout(
            current_user_name(),
            filters,
            board,
            today=today,
            is_admin=current_user_is_admin(),
            view=view,
            theme=current_theme(),
            refresh_periods_ms=flask.current_app.config.get(AUTO_REFRESH_PERIODS_CONFIG),
        )

    app.layout = serve_layout
    interpolate = app.interpolate_index

    def interpolate_index(**kwargs) -> str:
        return interpolate(**kwargs).replace(THEME_PLACEHOLDER, html_attributes(current_theme()), 1)

    app.interpolate_index = interpolate_index  # Dash's index() calls self.interpolate_index
    app.server.register_error_handler(DependencyException, _no_such_file)


def register_not_found(app) -> None:
    """Answer 404 (a page with a link back) for every path Dash's catch-all route would answer with the dashboard.
    Register it after the login gate, so that a visitor who is not logged in is sent to the login page first."""
    catch_all = app.config.routes_pathname_prefix + "<path:path>"

    def unknown_path():
        rule = flask.request.url_rule
        if rule is not None and rule.endpoint == catch_all:
            return pages.render(pages.MESSAGE_PAGE, 404, heading="Page not found", error=NOT_FOUND, back_url="/")
        return None

    app.server.before_request(unknown_path)


def _no_such_file(_exc: DependencyException) -> flask.Response:
    return flask.Response("No such file.\n", status=404, mimetype="text/plain")
