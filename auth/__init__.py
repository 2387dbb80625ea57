"""Login, registration, logout, password change and the one gate in front of every protected URL.

`register(server)` wires it all onto the Flask server:

- flask-login's LoginManager, backed by server-side sessions (auth/session.py, db/sessions.py): the cookie carries a
  random token, the database decides whether it is still valid (logout, password change, idle 7 days, 30 days after
  login, the user gone).
- The pages /login, /register, /account/password (plain Flask + Jinja, not Dash) and POST /logout (auth/views.py,
  auth/registration.py, auth/account.py), answered on the page whatever fails (auth/pages.py).
- Throttling of logins and registrations in PostgreSQL (auth/throttle.py), CSRF protection of every form
  (auth/csrf.py), size limits on form and callback bodies (auth/forms.py).
- One `before_request` (auth/gate.py) that refuses unauthenticated requests to everything except the public paths.
- The cookies: HttpOnly, SameSite=Lax, and Secure with a `__Host-` name whenever the site is served over HTTPS
  (auth/cookies.py).

Other parts of the app ask `current_analyst()` for the logged-in db.users.User (None when nobody is logged in) and
`request_is_https()` for the cookie policy.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import flask
import flask_login

from auth.cookies import request_is_https

if TYPE_CHECKING:
    from db.users import User

__all__ = ["current_analyst", "register", "request_is_https"]

COOKIE_LIFETIME = timedelta(days=7)  # the browser keeps the session cookie this long after its last use


def current_analyst() -> User | None:
    """The logged-in analyst of the current request, or None (also outside a request)."""
    if not flask.has_request_context():
        return None
    current = flask_login.current_user
    if current is None or not current.is_authenticated:
        return None
    return current.user


def register(server: flask.Flask) -> None:
    """Attach login, registration, logout, the session cookie policy, CSRF protection and the access gate."""
    from auth import account, csrf, forms, gate, pages, registration, session, views  # noqa: F401 (routes)
    from auth.cookies import HttpsAwareSessionInterface

    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=COOKIE_LIFETIME,
        SESSION_REFRESH_EACH_REQUEST=True,
    )
    server.session_interface = HttpsAwareSessionInterface()

    manager = flask_login.LoginManager()
    manager.session_protection = "basic"
    manager.user_loader(session.load)
    manager.init_app(server, add_context_processor=False)  # pages never need current_user: no query to render

    server.register_blueprint(pages.blueprint)
    gate.register(server)  # first: an unauthenticated request to a protected path is refused before anything else
    server.before_request(forms.limit_bodies)
    csrf.register(server)
    pages.register_error_handlers(server)
