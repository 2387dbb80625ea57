"""The page: the layout function Dash calls for every page load, wired to the request, and the HTML shell around it.

The page shows the view its address names (`/?preset=last_7_days&gender=Female`, view_codec/url.py; bad parameters
are dropped and listed in url-notice), else the analyst's saved-filters cookie, so the page arrives with them applied
(no flash of defaults, and loading records nothing); a preset is resolved against today, so it rolls forward. The tab's
title names the view. It reads the analyst's theme cookie so the shell (Dash's index
page) already carries the theme on its <html> element (no flash of the other theme). Without a request (Dash may call
it at start-up) it returns the defaults. The layout itself is a pure function (layouts/).

Only `/` is the dashboard: any other path Dash would answer with its page (its catch-all route) is a 404 page with a
link back. A request for a file Dash does not serve (`/_dash-component-suites/<package>/<path>` naming an
unregistered package or file) is a plain 404: Dash raises DependencyException for it, which would otherwise be a 500
listing every registered path.
"""

from __future__ import annotations

import html

import flask
from dash.exceptions import DependencyException

import clock
from appstate import state
from auth import pages
from callbacks.session import current_user_id, current_user_is_admin, current_user_name
from db.filters import InvalidFilter
from layouts.dashboard import dashboard_layout
from layouts.toolbar import page_title
from panels.board import Board
from view import View
from view_codec.cookie import saved_view_from_cookies
from view_codec.theme import DEFAULT_THEME, html_attributes, saved_theme
from view_codec.url import view_from_pairs, view_from_url

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


def page_view(today) -> tuple[View, tuple[str, ...]]:
    """The view the page being loaded shows, and the link's parameters that were dropped: the view in the page's
    query string when it names one (the URL wins), else the analyst's saved view, else the default. In the layout
    request the page's address is the Referer (Dash fetches the layout separately); in the page request itself it
    is the request's own URL."""
    request = flask.request
    if request.path == "/":
        from_url = view_from_pairs(request.args.items(multi=True), today)
    else:
        from_url = view_from_url(request.referrer, today, path=request.script_root + "/")
    if from_url.view is not None:
        return from_url.view, from_url.dropped
    saved = saved_view_from_cookies(flask.current_app.secret_key, current_user_id(), request.cookies)
    try:
        if saved is not None:
            saved.resolve(today)
            return saved, from_url.dropped
    except InvalidFilter:  # a saved custom range that ends after today (the clock was turned back)
        pass
    return View(), from_url.dropped


def register(app, board: Board) -> None:
    def serve_layout():
        today = clock.today(state(app.server).settings)
        if not flask.has_request_context():
            return dashboard_layout(None, View().resolve(today), board, view=View())
        view, dropped = page_view(today)
        return dashboard_layout(
            current_user_name(),
            view.resolve(today),
            board,
            today=today,
            is_admin=current_user_is_admin(),
            view=view,
            theme=current_theme(),
            refresh_periods_ms=flask.current_app.config.get(AUTO_REFRESH_PERIODS_CONFIG),
            dropped=dropped,
        )

    app.layout = serve_layout
    interpolate = app.interpolate_index

    def interpolate_index(**kwargs) -> str:
        if flask.has_request_context() and flask.request.path == "/":
            kwargs["title"] = html.escape(page_title(page_view(clock.today(state(app.server).settings))[0]))
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
