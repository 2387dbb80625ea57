"""Ingestion endpoints as a small WSGI app of their own, mounted in front of Flask and Dash.

Ingestion endpoints authenticate with an API key, keep no session, set no cookie and render no page, so Flask's
per-request machinery (request context, the login gate and Dash's hooks, sessions) is pure cost there: measured at
about half the app CPU of a one-event request. `mount()` puts an `IngestionApp` per mount point in front of the Flask
server with werkzeug's DispatcherMiddleware; every other path reaches Flask untouched.

An `IngestionApp` maps paths below its mount point to `Route`s (allowed methods and a handler). It answers an unknown
sub-path with a JSON 404 and a method the route does not take with a JSON 405 and `Allow`. A handler takes the
AppState and an `IngestRequest` and returns a `Reply`, or raises `ApiError`; database errors are mapped by kind
(api/errors.py) and anything else is a logged JSON 500. Every response leaves through `respond()`: headers that all
ingestion responses must carry go there, once.

To add endpoints (another tool's tracking API, say), give `mount()` another mount point and its routes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

import flask
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wsgi import get_input_stream

import metrics
from api.errors import ApiError, database_error
from appstate import AppState
from headers import ingestion_headers

log = logging.getLogger(__name__)

STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
JSON = ("Content-Type", "application/json")


@dataclass(frozen=True)
class Reply:
    """A response: status, JSON body, extra headers."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class IngestRequest:
    """What an ingestion handler may read of a request."""

    __slots__ = ("environ", "method")

    def __init__(self, environ: dict):
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET")

    @property
    def authorization(self) -> str | None:
        return self.environ.get("HTTP_AUTHORIZATION")

    @property
    def content_type(self) -> str | None:
        return self.environ.get("CONTENT_TYPE")

    @property
    def content_length(self) -> int | None:
        """The declared body length, or None when absent or malformed."""
        text = self.environ.get("CONTENT_LENGTH")
        try:
            return int(text) if text else None
        except ValueError:
            return None

    def read(self, limit: int) -> bytes:
        """At most `limit` bytes of the body (never more than the declared length)."""
        return get_input_stream(self.environ).read(limit)


Handler = Callable[[AppState, IngestRequest], Reply]


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    handler: Handler
    wrong_method: str  # the 405 message


class IngestionApp:
    """The ingestion routes below one mount point (paths relative to it: "" is the mount point itself)."""

    def __init__(self, appstate: AppState, routes: Mapping[str, Route]):
        self.appstate = appstate
        self.routes = dict(routes)

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        https = environ.get("wsgi.url_scheme") == "https" or self.appstate.settings.secure_cookies
        reply = self.answer(environ)
        if reply.status >= 400:
            metrics.count_ingestion_rejection(reply.status)
        return respond(start_response, reply, head=environ.get("REQUEST_METHOD") == "HEAD", https=https)

    def answer(self, environ: dict) -> Reply:
        request = IngestRequest(environ)
        route = self.routes.get(environ.get("PATH_INFO", ""))
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        try:
            if route is None:
                raise ApiError(404, f"no API endpoint {path}")
            if request.method not in route.methods:
                allow = ", ".join((*route.methods, "OPTIONS"))
                if request.method == "OPTIONS":
                    return Reply(204, b"", (("Allow", allow),))
                raise ApiError(405, route.wrong_method, headers={"Allow": allow})
            return route.handler(self.appstate, request)
        except ApiError as exc:
            return error_reply(exc)
        except HTTPException as exc:  # from reading the body: too slow (408, body_deadline.py), client gone (400)
            return error_reply(ApiError(exc.code or 400, exc.description or "bad request"))
        except Exception as exc:  # never an HTML page or a dropped connection
            mapped = database_error(exc)
            if mapped is not None:
                log.warning("database error on %s: %s", path, exc)
                return error_reply(mapped)
            log.exception("%s %s failed", request.method, path)
            return error_reply(ApiError(500, "internal error; retry later (sending the same events again is safe)"))


def error_reply(error: ApiError) -> Reply:
    return Reply(error.status, error.body(), tuple(error.headers.items()))


def respond(start_response, reply: Reply, *, head: bool = False, https: bool = False) -> list[bytes]:
    """Send `reply` (its headers only for HEAD): the one place every ingestion response's status line and headers
    are written, the security headers (headers.py) included."""
    headers = [JSON, ("Content-Length", str(len(reply.body))), *reply.headers, *_security_headers(https)]
    start_response(STATUS_LINES[reply.status], headers)
    return [] if head else [reply.body]


def _security_headers(https: bool) -> list[tuple[str, str]]:
    return _HTTPS_HEADERS if https else _HTTP_HEADERS


_HTTP_HEADERS = ingestion_headers(https=False)
_HTTPS_HEADERS = ingestion_headers(https=True)


def mount(server: flask.Flask, mounts: Mapping[str, IngestionApp]) -> None:
    """Answer the paths under each mount point with its IngestionApp, in front of the Flask server."""
    server.wsgi_app = DispatcherMiddleware(server.wsgi_app, dict(mounts))
