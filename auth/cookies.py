"""Cookie policy: Secure and the `__Host-` name prefix whenever the site is served over HTTPS.

"Over HTTPS" means: TLS on this server, or a trusted reverse proxy saying so (TRUSTED_PROXIES > 0: werkzeug's
ProxyFix turns its X-Forwarded-Proto into the request's scheme; without it the header is ignored), or
SECURE_COOKIES=true (a TLS proxy that sends no X-Forwarded-Proto). Plain-HTTP local use keeps the plain names
(browsers refuse Secure and __Host- cookies over http://).
"""

from __future__ import annotations

import flask
from flask.sessions import SecureCookieSessionInterface

SESSION_COOKIE = "session"
HOST_PREFIX = "__Host-"  # sent only to the host that set it, over HTTPS, for path / (no Domain attribute allowed)


def request_is_https() -> bool:
    """True when this request reached us over HTTPS (directly, via the trusted proxy, or forced by a setting)."""
    if not flask.has_request_context():
        return False
    from appstate import state

    return flask.request.is_secure or state().settings.secure_cookies


def cookie_name(base: str) -> str:
    """`__Host-<base>` over HTTPS, `<base>` over plain HTTP."""
    return HOST_PREFIX + base if request_is_https() else base


def set_cookie(
    response: flask.Response, base: str, value: str, *, max_age: int | None, httponly: bool = True, samesite="Lax"
) -> None:
    """Set cookie `base` (named and flagged per the HTTPS policy) on `response`, for the whole site."""
    response.set_cookie(
        cookie_name(base),
        value,
        max_age=max_age,
        path="/",
        secure=request_is_https(),
        httponly=httponly,
        samesite=samesite,
    )


def delete_cookie(response: flask.Response, base: str) -> None:
    response.delete_cookie(cookie_name(base), path="/", secure=request_is_https(), samesite="Lax")


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, named `__Host-session` and Secure over HTTPS, `session` over plain HTTP.

    The cookie holds the server-side session token (flask-login's user id, see auth/__init__.py) and the raw CSRF
    token; it grants nothing once the server-side session has ended.
    """

    def get_cookie_name(self, app: flask.Flask) -> str:
        return cookie_name(SESSION_COOKIE)

    def get_cookie_path(self, app: flask.Flask) -> str:
        return "/"  # __Host- cookies must have path /

    def get_cookie_domain(self, app: flask.Flask) -> None:
        return None  # host-only (and required for __Host-)

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        return request_is_https()


def has_session_cookie() -> bool:
    return cookie_name(SESSION_COOKIE) in flask.request.cookies
