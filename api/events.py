"""POST /api/v1/events: batched, validated, idempotent ingestion, acknowledged only after commit.

The hot path is kept short: one pydantic TypeAdapter parses and validates the whole body in Rust (no intermediate
Python JSON tree, TypedDicts instead of model objects), `occurred_at` is checked by a precompiled pattern there and
converted with the C `datetime.fromisoformat`, users are looked up with one query per batch, and the batch goes to the
shared group-commit writer, which answers after the transaction that holds it has committed.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, NotRequired

import flask
from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError
from typing_extensions import TypedDict
from werkzeug.wsgi import get_input_stream

from api.auth import key_from_header
from api.errors import BEARER_CHALLENGE, RETRY_AFTER_SECONDS, error_response
from appstate import EXTENSION, state
from db.api_keys import verify_key
from db.users import existing_user_ids
from db.writer import DatabaseUnavailable, WriterClosed, WriterOverloaded

log = logging.getLogger(__name__)
bp = flask.Blueprint("events_api", __name__)

MAX_BODY_BYTES = 1 << 20  # 1 MiB
MAX_EVENTS = 1000
MAX_FUTURE = timedelta(hours=1)
SUBMIT_TIMEOUT = 5.0  # seconds a request waits for its commit before answering 503
RETRY_AFTER_OVERLOADED = "1"
BIGINT_MAX = 2**63 - 1

FEATURE_PATTERN = r"^[A-Za-z0-9_.:\-]{1,100}$"
# ISO-8601 date and time WITH an offset (Z or +hh[:mm]); the values themselves are checked by fromisoformat.
OCCURRED_AT_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"

Feature = Annotated[str, StringConstraints(strict=True, pattern=FEATURE_PATTERN)]
OccurredAt = Annotated[str, StringConstraints(strict=True, pattern=OCCURRED_AT_PATTERN)]
UserId = Annotated[int, Field(strict=True, ge=1, le=BIGINT_MAX)]
# event ids stay text (no UUID objects on the hot path); canonical lower-case hyphenated form before writing
EventId = Annotated[
    str,
    StringConstraints(
        strict=True,
        pattern=r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$",
    ),
]


class EventIn(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    event_id: NotRequired[EventId | None]
    feature: Feature
    user_id: NotRequired[UserId | None]
    occurred_at: NotRequired[OccurredAt | None]


class Batch(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    events: Annotated[list[EventIn], Field(min_length=1, max_length=MAX_EVENTS)]


BATCH = TypeAdapter(Batch)
EVENT = TypeAdapter(EventIn)
FIELD_ORDER = {"event_id": 0, "feature": 1, "user_id": 2, "occurred_at": 3}

MESSAGES = {
    "event_id": "event_id must be a UUID string, e.g. 0b6f1a52-8c4e-4f57-9d1c-3f0a7e5b2c11",
    "feature": "feature must be 1 to 100 characters: letters, digits and _ . : -",
    "user_id": "user_id must be a whole number, the id of an existing user",
    "occurred_at": "occurred_at must be an ISO-8601 date and time with an offset, e.g. 2026-11-25T10:00:00+00:00",
}


def _detail(index: int | None, field: str | None, message: str) -> dict:
    return {"index": index, "field": field, "message": message}


def _validation_details(exc: ValidationError) -> tuple[str, list[dict]]:
    """(error message, details): one detail per bad event (its first problem), or one for the body as a whole."""
    per_event: dict[int, tuple[int, dict]] = {}
    body: list[dict] = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        loc, kind = error["loc"], error["type"]
        if kind == "json_invalid":
            return "the body is not valid JSON", [_detail(None, None, error["msg"])]
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            index = loc[1]
            if len(loc) == 2:
                field, message, rank = None, "each event must be a JSON object", -1
            else:
                field = str(loc[2])
                if kind == "extra_forbidden":
                    message, rank = f"unknown field {field!r}", 10
                elif kind == "missing":
                    message, rank = f"{field} is required", FIELD_ORDER.get(field, 9)
                else:
                    message, rank = MESSAGES.get(field, error["msg"]), FIELD_ORDER.get(field, 9)
            if index not in per_event or rank < per_event[index][0]:
                per_event[index] = (rank, _detail(index, field, message))
            continue
        field = str(loc[0]) if loc else None
        if field == "events":
            if kind == "missing":
                message = 'events is required: send {"events": [...]}'
            elif kind in ("too_short", "too_long"):
                message = f"events must hold 1 to {MAX_EVENTS} events"
            else:
                message = "events must be an array of event objects"
        elif field is None:
            message = 'the body must be a JSON object: {"events": [...]}'
        elif kind == "extra_forbidden":
            message = f"unknown field {field!r}"
        else:
            message = error["msg"]
        body.append(_detail(None, field, message))
    if body:
        return "invalid request body", body
    return "invalid events; nothing was written", [d for _, (_, d) in sorted(per_event.items())]


class _Reply(Exception):
    """An early answer: (status, message, details, headers)."""

    def __init__(self, status: int, message: str, details: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.headers = status, message, details or [], headers or {}


def _read_body(content_type: str | None, content_length: int | None, read) -> bytes:
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise _Reply(415, "the body must be JSON", [_detail(None, None, "send Content-Type: application/json")])
    if (content_length is None or content_length <= MAX_BODY_BYTES) and len(data := read(MAX_BODY_BYTES + 1)) <= (
        MAX_BODY_BYTES
    ):
        return data
    raise _Reply(
        413, "request body too large", [_detail(None, None, f"the body must be at most {MAX_BODY_BYTES} bytes")]
    )


def _check_events(pairs, settings, database) -> tuple[list[tuple[str, str, str, str]], list[dict]]:
    """Rows for EventWriter.submit_checked from validated (index, item) pairs, and the details of bad events.

    Checks what the schema cannot: the occurred_at window and that every user_id names an existing user (one query).
    Raises sqlalchemy DBAPIError when the user lookup cannot reach the database.
    """
    now = datetime.now(UTC)
    now_text = now.isoformat()
    latest = now + MAX_FUTURE
    earliest = now - timedelta(days=settings.event_max_age_days)
    details: list[dict] = []
    rows: list[tuple[str, str, str, str]] = []
    user_ids: set[int] = set()
    append = rows.append
    fromiso = datetime.fromisoformat
    for index, item in pairs:
        text = item.get("occurred_at")
        if text is None:
            text = now_text
        else:
            try:
                occurred = fromiso(text)
            except ValueError:
                try:  # Python reads only upper-case T and Z
                    occurred = fromiso(text.upper())
                except ValueError:
                    details.append(_detail(index, "occurred_at", MESSAGES["occurred_at"]))
                    continue
            if occurred > latest:
                details.append(_detail(index, "occurred_at", "occurred_at is more than 1 hour in the future"))
                continue
            if occurred < earliest:
                message = f"occurred_at is older than {settings.event_max_age_days} days"
                details.append(_detail(index, "occurred_at", message))
                continue
            # forms PostgreSQL might read differently (comma fractions, lower-case t/z, more than 6 fraction digits
            # make a string longer than 32): send Python's reading instead
            if len(text) > 32 or "," in text or "t" in text or "z" in text:
                text = occurred.isoformat()
        event_id = item.get("event_id")
        if event_id is None:
            event_id = str(uuid.uuid4())
        elif len(event_id) != 36 or not event_id.islower():
            event_id = str(uuid.UUID(event_id))
        user_id = item.get("user_id")
        if user_id is None:
            append((event_id, item["feature"], "\\N", text))
        else:
            user_ids.add(user_id)
            append((event_id, item["feature"], str(user_id), text))
    if user_ids:
        known = _known_users(database, user_ids)
        if len(known) != len(user_ids):
            flagged = {d["index"] for d in details}
            for index, item in pairs:
                user_id = item.get("user_id")
                if user_id is not None and user_id not in known and index not in flagged:
                    details.append(_detail(index, "user_id", f"no user with id {user_id}"))
    return rows, details


# Users are never deleted, so a user id once seen to exist is remembered (per process, bounded): the common case,
# a client sending events of the same users again and again, costs no query. Unknown ids are always asked again.
_KNOWN_USERS_MAX = 200_000
_known_user_ids: dict[str, set[int]] = {}


def _known_users(database, user_ids: set[int]) -> set[int]:
    cache = _known_user_ids.setdefault(database.url, set())
    missing = user_ids - cache
    if not missing:
        return user_ids
    with database.engine.connect() as conn:
        found = existing_user_ids(conn, missing)
    if len(cache) + len(found) > _KNOWN_USERS_MAX:
        cache.clear()
    cache.update(found)
    return (user_ids - missing) | found


@bp.route("/api/v1/events", methods=["GET", "PUT", "PATCH", "DELETE"])
def events_wrong_method():
    return error_response(405, "use POST to send events", headers={"Allow": "POST, OPTIONS"})


def ingest(appstate, authorization: str | None, content_type: str | None, content_length: int | None, read):
    """The whole of POST /api/v1/events, free of any web framework.

    Returns (status, extra headers, JSON body bytes). `read(n)` reads at most n bytes of the request body.
    """
    try:
        try:
            key = key_from_header(authorization)
            if key is None or not verify_key(appstate.database.engine, key):
                raise _Reply(*UNAUTHORIZED)
        except DBAPIError:
            raise _Reply(503, "the database is unavailable; retry later", headers=RETRY_UNAVAILABLE) from None
        data = _read_body(content_type, content_length, read)
        details: list[dict] = []
        try:
            pairs = list(enumerate(BATCH.validate_json(data)["events"]))
        except ValidationError as exc:
            message, details = _validation_details(exc)
            if not details or details[0]["index"] is None:  # the body as a whole is wrong
                raise _Reply(400, message, details) from None
            # Some events are bad: check the others too, so that the client learns of every bad event at once.
            flagged = {d["index"] for d in details}
            try:
                raw = json.loads(data)["events"]
                pairs = [(i, EVENT.validate_json(json.dumps(item))) for i, item in enumerate(raw) if i not in flagged]
            except (ValueError, TypeError, KeyError):  # the JSON readers disagree: report what we have
                raise _Reply(400, message, details) from None
        try:
            rows, more = _check_events(pairs, appstate.settings, appstate.database)
        except DBAPIError:
            raise _Reply(503, "the database is unavailable; retry later", headers=RETRY_UNAVAILABLE) from None
        if more:
            details.extend(more)
        if details:
            details.sort(key=lambda d: d["index"])
            raise _Reply(400, "invalid events; nothing was written", details)
        try:
            result = appstate.writer.submit_checked(rows, "api", timeout=SUBMIT_TIMEOUT)
        except WriterOverloaded:
            raise _Reply(
                429,
                "too many events queued; retry shortly with the same event ids",
                headers={"Retry-After": RETRY_AFTER_OVERLOADED},
            ) from None
        except (DatabaseUnavailable, WriterClosed) as exc:
            raise _Reply(
                503,
                f"the events could not be committed ({exc}); retry with the same event ids",
                headers=RETRY_UNAVAILABLE,
            ) from None
    except _Reply as reply:
        body = json.dumps({"error": reply.message, "details": reply.details}).encode()
        return reply.status, reply.headers, body
    return 202, {}, f'{{"accepted": {result.accepted}, "duplicates": {result.duplicates}}}'.encode()


UNAUTHORIZED = (
    401,
    "a valid API key is required",
    [{"index": None, "field": None, "message": "send Authorization: Bearer <api key>"}],
    BEARER_CHALLENGE,
)
RETRY_UNAVAILABLE = {"Retry-After": RETRY_AFTER_SECONDS}


@bp.post("/api/v1/events")
def post_events():
    """The Flask route: reached only when the WSGI fast path below is not in front (same behaviour)."""
    request = flask.request
    status, headers, body = ingest(
        state(), request.headers.get("Authorization"), request.content_type, request.content_length, request.stream.read
    )
    return flask.Response(body, status=status, headers=headers, mimetype="application/json")


_REASONS = {
    202: "202 ACCEPTED",
    400: "400 BAD REQUEST",
    401: "401 UNAUTHORIZED",
    413: "413 REQUEST ENTITY TOO LARGE",
    415: "415 UNSUPPORTED MEDIA TYPE",
    429: "429 TOO MANY REQUESTS",
    500: "500 INTERNAL SERVER ERROR",
    503: "503 SERVICE UNAVAILABLE",
}


class IngestFastPath:
    """WSGI middleware that answers POST /api/v1/events itself, in front of Flask and Dash.

    The endpoint is public as far as the login gate goes (its API key is its authentication), has no session, no
    cookies and no templates, so Flask's per-request machinery (request context, before/after hooks, session) is pure
    cost there: about a quarter of the CPU of a one-event request. Everything else goes to Flask untouched.
    """

    def __init__(self, wsgi_app, server: flask.Flask):
        self.wsgi_app = wsgi_app
        self.server = server

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/api/v1/events" or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        try:
            length_text = environ.get("CONTENT_LENGTH")
            try:
                length = int(length_text) if length_text else None
            except ValueError:
                length = None
            stream = get_input_stream(environ)
            status, headers, body = ingest(
                self.server.extensions[EXTENSION],
                environ.get("HTTP_AUTHORIZATION"),
                environ.get("CONTENT_TYPE"),
                length,
                stream.read,
            )
        except Exception:  # never an HTML page or a dropped connection: a JSON 500, logged
            log.exception("POST /api/v1/events failed")
            status, headers = 500, {}
            body = b'{"error": "internal error; retry later with the same event ids", "details": []}'
        response_headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        response_headers.extend(headers.items())
        start_response(_REASONS.get(status, str(status)), response_headers)
        return [body]
