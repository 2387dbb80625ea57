"""Who is looking at the dashboard: the flask-login user of the current request, if any."""

from __future__ import annotations

import flask


def _user():
    if not flask.has_request_context() or not hasattr(flask.current_app, "login_manager"):
        return None
    from flask_login import current_user

    user = current_user._get_current_object()
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def current_user_id() -> int | None:
    user = _user()
    return int(user.id) if user is not None else None


def current_user_name() -> str | None:
    user = _user()
    return getattr(user, "display_name", None) if user is not None else None


def request_is_https() -> bool:
    """True when the browser talks HTTPS to us (TLS here, or a proxy saying X-Forwarded-Proto: https)."""
    if not flask.has_request_context():
        return False
    forwarded = flask.request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return flask.request.is_secure or forwarded == "https"
