"""serve_layout: the layout function Dash calls for every page load.

It reads the analyst's saved-filters cookie from the request so the page arrives with them applied (no flash of
defaults). Without a request (Dash may call it at start-up) it returns the defaults.
"""

from __future__ import annotations

import flask

from appstate import state
from layouts.dashboard import dashboard_layout, default_filters, today_in


def serve_layout():
    from callbacks.saved_filters import saved_filters_from_cookies
    from callbacks.session import current_user_id, current_user_name

    if not flask.has_request_context():
        return dashboard_layout(None, default_filters(today_in("UTC")))
    settings = state().settings
    user_id = current_user_id()
    saved = saved_filters_from_cookies(flask.current_app.secret_key, user_id, flask.request.cookies)
    return dashboard_layout(current_user_name(), saved or default_filters(today_in(settings.timezone)))
