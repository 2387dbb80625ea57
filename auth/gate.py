"""The one `before_request` that keeps everything but the public paths behind a login.

Deny by default: a path is public only if listed here. Unauthenticated requests get
- pages (GET/HEAD of anything else): 302 to /login?next=<this path>;
- Dash's own endpoints (/_dash-layout, /_dash-dependencies, /_dash-update-component, /_reload-hash, any other
  /_... route) and anything under /api/: 401 with a JSON error body and no data;
- any other method (POST to a page path ...): the same 401 JSON.
/api/v1/stats and /api/v1/export are public *here* because they accept an API key as well as a session and answer
401 themselves.
The ingestion endpoints (/api/v1/events, Segment's /v1/..., PostHog's /batch/, /capture/, /e/) never reach this gate:
they are WSGI apps mounted in front of Flask (api/ingestion.py) that check the API key themselves.
The admin paths (/settings and everything below it) are refused to logged-in analysts with a 403 page: a route added
there is admin-only before anyone thinks of it.
When the session cannot be checked because the database is unavailable: 503 + Retry-After, as a page (the same
builder as the auth pages, auth/pages.py) or as JSON; a Dash callback gets the app's CALLBACK_UNAVAILABLE_ANSWER
instead when one is configured (an answer that updates no figure, only shows the dashboard's banner: no data).
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote, urlencode

import flask
import flask_login
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from auth import csrf, pages
from db.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, is_unavailable

PUBLIC_PATHS = frozenset(
    {
        "/login",
        "/register",
        "/logout",  # POST only; logging out without a session just goes back to /login
        "/healthz",
        "/readyz",
        "/metrics",  # its own token (METRICS_TOKEN), checked by the endpoint
        "/api/v1/events",  # API key checked by the ingestion endpoint itself
        "/api/v1/stats",  # API key or session, checked by the stats endpoint itself
        "/api/v1/export",  # API key or session, checked by the export endpoint itself
        "/_favicon.ico",
    }
)
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
ADMIN_PATH = "/settings"  # this path and every path below it: admins only
ADMIN_ONLY = "Only administrators can open this page. Ask one to make you an admin if you need it."
PAGE_METHODS = frozenset({"GET", "HEAD"})
CALLBACK_PATH = "/_dash-update-component"
# config key: a function answering a Dash callback when the session cannot be checked (the database is down); the
# dashboard uses it to show its banner, which a plain 503 would never reach (the renderer ignores error answers)
CALLBACK_UNAVAILABLE_ANSWER = "CLICKBOARD_CALLBACK_UNAVAILABLE_ANSWER"


def is_public(path: str) -> bool:
    """Exact public paths, and the static prefixes for already-normalized paths only (no "..", ".", "//")."""
    if path in PUBLIC_PATHS:
        return True
    return path.startswith(PUBLIC_PREFIXES) and posixpath.normpath(path) == path


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PATH or path.startswith(ADMIN_PATH + "/")


def wants_json(path: str, method: str) -> bool:
    """Dash internals, the API and non-page methods get a JSON 401 rather than a redirect."""
    return path.startswith(("/_", "/api/")) or method not in PAGE_METHODS


def login_url_for_current_request() -> str:
    """/login?next=<the current local path and query string>."""
    request = flask.request
    target = quote(request.script_root + request.path, safe="/-._~!$&'()*+,;=:@")
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return flask.url_for("auth.login") + "?" + urlencode({"next": target})


def require_login():
    request = flask.request
    path = request.path
    if is_public(path):
        return None
    try:
        authenticated = flask_login.current_user.is_authenticated
    except (DBAPIError, PoolTimeout) as exc:
        if not is_unavailable(exc):
            raise
        return _database_unavailable(path, request.method)
    if authenticated:
        if is_admin_path(path) and not flask_login.current_user.user.is_admin:
            flask.current_app.logger.info("refused %s %s to a non-admin", request.method, path)
            return pages.render(pages.MESSAGE_PAGE, 403, heading="Administrators only", error=ADMIN_ONLY)
        if not wants_json(path, request.method):
            csrf.mark_page_for_token()
        return None
    if wants_json(path, request.method):
        from api.errors import error_response

        return error_response(401, "authentication required: log in at /login")
    return flask.redirect(login_url_for_current_request(), code=302)


def _database_unavailable(path: str, method: str):
    answer = flask.current_app.config.get(CALLBACK_UNAVAILABLE_ANSWER)
    if path == CALLBACK_PATH and method == "POST" and answer is not None:
        return answer()
    if wants_json(path, method):
        from api.errors import error_response

        return error_response(503, UNAVAILABLE_MESSAGE, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    from auth.views import safe_next

    return pages.database_unavailable(retry_url=safe_next(flask.request.full_path.rstrip("?")) or "/")


def register(server: flask.Flask) -> None:
    server.before_request(require_login)
