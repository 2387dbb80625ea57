"""The settings page for administrators: API keys, invitations and the audit log (plain Flask + Jinja, like the auth
pages).

Everything lives under /settings, which the access gate (auth/gate.py) refuses to anyone not logged in (login
redirect or 401) and to analysts (403); every form carries the CSRF token and is refused cross-site (auth/csrf.py).
Each action is written with its audit-log entry in one transaction (db/api_keys.py, db/invites.py) and recorded once
as a meta-analytics event (source "dashboard", named in layouts/ids.py SETTINGS_ACTIONS).
"""

from __future__ import annotations

import flask


def register(server: flask.Flask) -> None:
    from admin import views

    server.register_blueprint(views.blueprint)
