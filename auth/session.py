"""The logged-in analyst, as flask-login sees it, backed by a server-side session (db/sessions.py).

flask-login keeps `current_user`; what it stores in the signed session cookie as the "user id" is the random session
token. Each request resumes the session from the database (one query), so logout, a password change or a reset of
the users table end it everywhere at once: a copied cookie is worth nothing after that.
"""

from __future__ import annotations

import flask
import flask_login

from db import sessions
from db.users import User

USER_ID_KEY = "_user_id"  # where flask-login keeps the id (here: the session token) in the Flask session


class SessionUser(flask_login.UserMixin):
    """What flask-login holds for the logged-in analyst: the db.users.User and the session token."""

    def __init__(self, user: User, token: str):
        self.user = user
        self.token = token

    def get_id(self) -> str:
        return self.token

    def __getattr__(self, name: str):  # current_user.display_name, .email ...
        if name in ("user", "token"):
            raise AttributeError(name)
        return getattr(self.user, name)


def load(token: str) -> SessionUser | None:
    """flask-login's user loader: the analyst of a valid session token, else None (anonymous)."""
    from appstate import state

    if not isinstance(token, str) or not token:
        return None
    with state().database.engine.begin() as conn:
        user = sessions.resume(conn, token)
    return SessionUser(user, token) if user else None


def log_in(user: User, token: str) -> None:
    """Make this browser's session the new server-side session `token` (nothing of an earlier session survives)."""
    flask.session.clear()
    flask_login.login_user(SessionUser(user, token))
    flask.session.permanent = True


def log_out() -> None:
    """End this browser's server-side session, then forget it locally."""
    from appstate import state

    token = flask.session.get(USER_ID_KEY)
    if isinstance(token, str) and token:
        with state().database.engine.begin() as conn:
            sessions.end(conn, token)
    flask_login.logout_user()
    flask.session.clear()
