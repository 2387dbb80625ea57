"""Login, registration, logout and the one gate in front of every protected URL.

`register(server)` wires it all onto the Flask server:

- flask-login's LoginManager; the logged-in analyst is loaded per request with db.users.get_user.
- The pages /login and /register (plain Flask + Jinja, not Dash) and POST /logout (blueprint in auth/views.py).
- One `before_request` (auth/gate.py) that refuses unauthenticated requests to everything except the public paths.
- The session cookie: HttpOnly, SameSite=Lax, Secure whenever the request arrived over HTTPS (see
  `request_is_https`), a sliding lifetime of SESSION_LIFETIME.

Other parts of the app ask `current_analyst()` for the logged-in db.users.User (None when nobody is logged in).
"""

from __future__ import annotations

from datetime import timedelta

import flask
import flask_login
from flask.sessions import SecureCookieSessionInterface

from db.users import User

SESSION_LIFETIME = timedelta(days=7)  # sliding: every request by a logged-in analyst renews it


class SessionUser(flask_login.UserMixin):
    """What flask-login holds for the logged-in analyst: the db.users.User plus the flask-login protocol."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)

    def __getattr__(self, name: str):  # current_user.display_name, .email, .age_group ...
        if name == "user":
            raise AttributeError(name)
        return getattr(self.user, name)


def current_analyst() -> User | None:
    """The logged-in analyst of the current request, or None (also outside a request)."""
    if not flask.has_request_context():
        return None
    current = flask_login.current_user
    if current is None or not current.is_authenticated:
        return None
    return current.user


def request_is_https() -> bool:
    """True when the browser talks HTTPS to us: TLS on this server, or a proxy saying `X-Forwarded-Proto: https`.

    Trusting the header without a proxy is safe here because it is only used to *add* the Secure flag to cookies;
    a client that fakes it only keeps its own cookie off plain HTTP.
    """
    if not flask.has_request_context():
        return False
    request = flask.request
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.is_secure or forwarded == "https"


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with Secure set per request (or always, if SESSION_COOKIE_SECURE is on)."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request_is_https()


def register(server: flask.Flask) -> None:
    """Attach login, registration, logout, the session cookie policy and the access gate to `server`."""
    from auth import gate, views

    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        SESSION_REFRESH_EACH_REQUEST=True,
    )
    server.session_interface = HttpsAwareSessionInterface()

    manager = flask_login.LoginManager()
    manager.session_protection = "basic"
    manager.user_loader(_load_user)
    manager.init_app(server)

    server.register_blueprint(views.blueprint)
    gate.register(server)


def _load_user(user_id: str) -> SessionUser | None:
    from appstate import state
    from db.users import get_user

    try:
        ident = int(user_id)
    except (TypeError, ValueError):
        return None
    with state().database.engine.connect() as conn:
        user = get_user(conn, ident)
    return SessionUser(user) if user else None
