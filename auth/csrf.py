"""Cross-site request forgery: every state-changing form is refused unless it comes from this site.

Two checks, in this order, on every POST/PUT/PATCH/DELETE that can act with a browser's login: the auth forms
(/login, /register, /logout, /account/password: they create or end sessions, so they are checked even without a
session cookie) and any other request that carries the session cookie.

1. Where the request comes from, as the browser reports it: `Sec-Fetch-Site` must be `same-origin` (or `none`: typed
   by the user). Browsers without Fetch Metadata: `Origin`, when sent, must be this site's origin. A cross-site or
   same-site (another subdomain) request is refused with 403. These headers cannot be set by a page on another site.
2. A token (Flask-WTF's CSRFProtect): a random value kept in the signed session cookie, and a signed copy of it in the
   form (`csrf_token`, rendered into every auth form) or in an `X-CSRFToken` header. Missing or wrong: 403.

Dash's callbacks (`POST /_dash-update-component`) are checked the same way: Dash's renderer sends the `_csrf_token`
cookie set below as an `X-CSRFToken` header with every callback. (Their JSON-only bodies would already need a CORS
preflight from another origin, which is never granted; the token makes that a rule instead of a side effect: a
forged callback would write a meta-analytics event in the victim's name.)

Not checked here: `/api/...`, key-authenticated (Authorization: Bearer), no cookies involved; nor the Segment and
PostHog endpoints (`/v1/...`, `/batch/`, `/capture/`, `/e/`), mounted in front of Flask, which ignore cookies and need
an API key.

For the dashboard page (a React page whose logout form is built by Dash), every logged-in page load sets the
`_csrf_token` cookie: readable by this site's scripts only (SameSite=Strict), it is where Dash's renderer looks for a
token, and `assets/csrf.js` copies it into any same-site POST form that has none.
"""

from __future__ import annotations

import flask
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import Forbidden

from auth import cookies

__all__ = ["CSRFError", "CrossSiteRequest", "register", "token"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
UNCHECKED_PREFIXES = ("/api/",)
TOKEN_COOKIE = "_csrf_token"  # the name Dash's renderer reads (Dash(csrf_token_name=...) default)
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})

csrf = CSRFProtect()


class CrossSiteRequest(Forbidden):
    """A state-changing request sent by a page of another site."""


def register(server: flask.Flask) -> None:
    server.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # `guard` decides what is checked
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session that holds its secret
        WTF_CSRF_SSL_STRICT=False,  # replaced by the Origin / Sec-Fetch-Site check, which also covers plain HTTP
    )
    csrf.init_app(server)
    server.before_request(guard)
    server.after_request(_token_cookie)


def token() -> str:
    """The CSRF token for a form of the current request."""
    return generate_csrf()


def guard() -> None:
    """Raise CrossSiteRequest or CSRFError for a state-changing request that did not come from this site."""
    request = flask.request
    if request.method in SAFE_METHODS or request.path.startswith(UNCHECKED_PREFIXES):
        return
    if request.blueprint != "auth" and not cookies.has_session_cookie():
        return  # no login to abuse
    refusal = cross_site_refusal()
    if refusal:
        raise CrossSiteRequest(refusal)
    csrf.protect()


def cross_site_refusal() -> str | None:
    """Why the browser's own headers say this request comes from another site, or None."""
    headers = flask.request.headers
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site.strip().lower() in ALLOWED_FETCH_SITES:
            return None
        return f"Sec-Fetch-Site: {fetch_site[:40]}"
    origin = headers.get("Origin")
    if origin is None:
        return None  # not a browser, or a very old one: the token alone decides
    expected = f"{flask.request.scheme}://{flask.request.host}".lower()
    if origin.strip().lower() != expected:
        return f"Origin: {origin[:100]}"
    return None


def mark_page_for_token() -> None:
    """Called by the gate for a logged-in page load: that response carries the `_csrf_token` cookie."""
    flask.g.csrf_cookie = True


def _token_cookie(response: flask.Response) -> flask.Response:
    if flask.g.get("csrf_cookie") and response.mimetype == "text/html":
        response.set_cookie(
            TOKEN_COOKIE,
            generate_csrf(),
            path="/",
            secure=cookies.request_is_https(),
            httponly=False,  # read by Dash's renderer and assets/csrf.js
            samesite="Strict",
        )
    return response
