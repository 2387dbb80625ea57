"""The page: the layout function Dash calls for every page load, wired to the request.

It reads the analyst's saved-filters cookie so the page arrives with them applied (no flash of defaults); a saved
preset is resolved against today, so it rolls forward. Without a
request (Dash may call it at start-up) it returns the defaults. The layout itself is a pure function (layouts/).

A request for a file Dash does not serve (`/_dash-component-suites/<package>/<path>` naming an unregistered package
or file) is a plain 404: Dash raises DependencyException for it, which would otherwise be a 500 listing every
registered path.
"""

from __future__ import annotations

import flask
from dash.exceptions import DependencyException

import clock
from appstate import state
from callbacks.session import current_user_id, current_user_is_admin, current_user_name
from db.filters import InvalidFilter
from layouts.dashboard import dashboard_layout
from panels.board import Board
from view import View
from view_codec.cookie import saved_view_from_cookies


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
            current_user_name(), filters, board, today=today, is_admin=current_user_is_admin(), view=view
        )

    app.layout = serve_layout
    app.server.register_error_handler(DependencyException, _no_such_file)


def _no_such_file(_exc: DependencyException) -> flask.Response:
    return flask.Response("No such file.\n", status=404, mimetype="text/plain")
