"""POST /api/v1/events: batched, validated, idempotent ingestion, acknowledged only after commit.

The hot path is kept short: one pydantic TypeAdapter parses and validates the whole body in Rust (no intermediate
Python JSON tree, TypedDicts instead of model objects), `occurred_at` is checked by a precompiled pattern there and
converted with the C `datetime.fromisoformat`, users are looked up with one query per batch, and the batch goes to the
shared group-commit writer, which answers after the transaction that holds it has committed.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Annotated

import flask
from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError
from typing_extensions import NotRequired, TypedDict

from api.auth import bearer_key_valid
from api.errors import error_response, unauthorized, unavailable
from appstate import state
from db.users import existing_user_ids
from db.writer import DatabaseUnavailable, WriterClosed, WriterOverloaded

bp = flask.Blueprint("events_api", __name__)

MAX_BODY_BYTES = 1 << 20  # 1 MiB
MAX_EVENTS = 1000
MAX_FUTURE = timedelta(hours=1)
SUBMIT_TIMEOUT = 5.0  # seconds a request waits for its commit before answering 503
RETRY_AFTER_OVERLOADED = "1"
RETRY_AFTER_UNAVAILABLE = "2"
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
                message = "events is required: send {\"events\": [...]}"
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


def _read_body() -> bytes | flask.Response:
    request = flask.request
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        return error_response(
            415, "the body must be JSON", [_detail(None, None, "send Content-Type: application/json")]
        )
    length = request.content_length
    if (length is None or length <= MAX_BODY_BYTES) and len(data := request.stream.read(MAX_BODY_BYTES + 1)) <= (
        MAX_BODY_BYTES
    ):
        return data
    return error_response(
        413, "request body too large", [_detail(None, None, f"the body must be at most {MAX_BODY_BYTES} bytes")]
    )


def _check_events(pairs, settings, database) -> tuple[list[tuple[str, str, str, str]], list[dict]]:
    """Rows for EventWriter.submit_checked from validated (index, item) pairs, and the details of bad events.

    Checks what the schema cannot: the occurred_at window and that every user_id names an existing user (one query).
    Raises sqlalchemy DBAPIError when the user lookup cannot reach the database.
    """
    now = datetime.now(timezone.utc)
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


@bp.post("/api/v1/events")
def post_events():
    try:
        if not bearer_key_valid():
            return unauthorized()
    except DBAPIError:
        return unavailable("the database is unavailable; retry later")
    data = _read_body()
    if isinstance(data, flask.Response):
        return data
    appstate = state()
    details: list[dict] = []
    try:
        pairs = list(enumerate(BATCH.validate_json(data)["events"]))
    except ValidationError as exc:
        message, details = _validation_details(exc)
        if not details or details[0]["index"] is None:  # the body as a whole is wrong
            return error_response(400, message, details)
        # Some events are bad: check the others too, so that the client learns of every bad event at once.
        flagged = {d["index"] for d in details}
        try:
            raw = json.loads(data)["events"]
            pairs = [(i, EVENT.validate_json(json.dumps(item))) for i, item in enumerate(raw) if i not in flagged]
        except (ValueError, TypeError, KeyError):  # pydantic's and Python's JSON readers disagree: report what we have
            return error_response(400, message, details)
    try:
        rows, more = _check_events(pairs, appstate.settings, appstate.database)
    except DBAPIError:
        return unavailable("the database is unavailable; retry later")
    if more:
        details.extend(more)
    if details:
        details.sort(key=lambda d: d["index"])
        return error_response(400, "invalid events; nothing was written", details)

    try:
        result = appstate.writer.submit_checked(rows, "api", timeout=SUBMIT_TIMEOUT)
    except WriterOverloaded:
        return error_response(
            429,
            "too many events queued; retry shortly with the same event ids",
            headers={"Retry-After": RETRY_AFTER_OVERLOADED},
        )
    except (DatabaseUnavailable, WriterClosed) as exc:
        return unavailable(f"the events could not be committed ({exc}); retry with the same event ids")
    return flask.Response(
        f'{{"accepted": {result.accepted}, "duplicates": {result.duplicates}}}',
        status=202,
        mimetype="application/json",
    )
