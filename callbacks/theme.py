"""The theme choice: applied in the browser at once (assets/theme.js, a clientside callback) and remembered for the
analyst by the server (a cookie, view_codec/theme.py), which renders it with the next page. The choice itself is a
tracked control (`theme_toggle`, callbacks/tracking.py); loading the page records nothing."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, ctx, no_update

from callbacks.session import current_user_id, request_is_https
from layouts import ids
from view_codec.theme import THEMES, set_theme_cookie


def register(app) -> None:
    # Two steps, because Dash identifies a callback without outputs by its inputs, and the theme-toggle's recorder
    # (callbacks/tracking.py) already listens to its value: the browser applies the choice and passes it on ...
    app.clientside_callback(
        ClientsideFunction(namespace="clickboard", function_name="applyTheme"),
        Output(ids.THEME_APPLIED, "data"),
        Input(ids.THEME_TOGGLE, "value"),
        prevent_initial_call=True,
    )

    # ... and the server remembers it (an answer with an output: Dash drops the cookies of an answer without one)
    @app.callback(Output(ids.THEME_SAVED, "data"), Input(ids.THEME_APPLIED, "data"), prevent_initial_call=True)
    def remember(theme):
        user_id = current_user_id()
        if user_id is None or theme not in THEMES:
            return no_update
        set_theme_cookie(ctx.response, user_id, theme, secure=request_is_https())
        return theme
