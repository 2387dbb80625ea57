"""Reading the auth forms: a size limit on every form body, and what the visitor typed, to show it again.

Form bodies (application/x-www-form-urlencoded, multipart/form-data) of any path, and any body sent to an auth page,
may be at most FORM_LIMIT bytes: Werkzeug stops reading there and the request is a 413 (the auth pages answer it on the
page). Any other body Flask reads (Dash's callbacks: a few KiB of JSON) may be at most BODY_LIMIT bytes. The ingestion
API is not behind Flask and enforces its own 1 MiB limit.
"""

from __future__ import annotations

import re

import flask
from werkzeug.exceptions import RequestEntityTooLarge

FORM_LIMIT = 64 * 1024  # a 1,024-character password, percent-encoded, is at most 12 KiB
BODY_LIMIT = 1024 * 1024  # the largest callback body of the dashboard is under 10 KiB
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
ECHO_LIMIT = 300  # characters of a typed value shown again
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def limit_bodies() -> None:
    """before_request: cap the body of form posts and of anything sent to an auth page, and every other body."""
    request = flask.request
    if request.mimetype in FORM_MIMETYPES or request.blueprint == "auth":
        request.max_content_length = FORM_LIMIT
        request.max_form_memory_size = FORM_LIMIT
        request.max_form_parts = 50
    else:
        request.max_content_length = BODY_LIMIT


def field(name: str) -> str:
    """The raw value of form field `name` ("" when absent)."""
    return flask.request.form.get(name) or ""


def typed(name: str) -> str:
    """Form field `name` as it may be shown again: stripped, control characters removed, at most ECHO_LIMIT
    characters; "" when absent or when the body could not be read (too large)."""
    try:
        value = flask.request.form.get(name) or ""
    except RequestEntityTooLarge:
        return ""
    return _CONTROL.sub("", value).strip()[:ECHO_LIMIT]
