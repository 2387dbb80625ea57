"""Segment's HTTP Tracking API: POST /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/screen.

What Segment's SDKs send (analytics-python, analytics-node, any client of https://api.segment.io pointed here):

- the write key: an API key of ours with the scope `ingest`, as `Authorization: Basic base64(<key>:)` or as
  `writeKey` in the body (the header wins when both are sent);
- `track` → one event named by `event`; `page`/`screen` → one event named by `name` (without a name: not stored);
  `identify` → the person's traits `age` (or `birthday`) and `gender`, applied before any event of the same request
  is written (db/people.py), so its events carry them; `alias` and `group` are accepted and not stored;
- the person is `userId`, else `anonymousId`; `messageId` is the idempotency key (a UUID is the event's id, any other
  text maps to one id by uuid5); `timestamp` (else `originalTimestamp`, else the time of arrival) is when it happened;
- answered `200 {"success": true}` once every event of the request is committed, or an error that the SDKs retry
  (429, 503 with `Retry-After`) or drop (400 with nothing written: any bad message refuses the whole request).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from api import sdk_fast, sdk_input
from api.ingestion import IngestionApp, IngestRequest, Reply, Route
from api.sdk_batch import BadMessage, SdkBatch, decode_all, in_window, tool_errors, write
from appstate import AppState
from db.events import Event, received_now
from db.people import Traits
from domain import API, FEATURE_RULE, PERSON_ID_RULE, clean_feature

MOUNT = "/v1"
OK = b'{"success": true}'
STORED_KINDS = ("track", "page", "screen", "identify")
IGNORED_KINDS = ("alias", "group")
KEY_HINT = "send Authorization: Basic base64(<write key>:) or writeKey in the body; the write key is an API key"


def decode(messages: list, *, now: datetime, max_age_days: int) -> SdkBatch:
    """The batch of Segment `messages`; ApiError 400 listing every bad message."""
    return decode_all(
        messages, lambda m, b: _decode_one(m, b, now), time_field="timestamp", now=now, max_age_days=max_age_days
    )


def _decode_one(message: object, batch: SdkBatch, now: datetime) -> None:
    if not isinstance(message, dict):
        raise BadMessage(None, "each message must be a JSON object")
    kind = message.get("type")
    if kind in IGNORED_KINDS:
        batch.ignored += 1
        return
    if kind not in STORED_KINDS:
        raise BadMessage("type", f"type must be one of {', '.join(STORED_KINDS + IGNORED_KINDS)}")
    person = _person(message)
    if kind == "identify":
        traits = message.get("traits")
        if traits is not None and not isinstance(traits, dict):
            raise BadMessage("traits", "traits must be an object")
        batch.traits.append(_traits(person, traits or {}))
        return
    name_field = "event" if kind == "track" else "name"
    name = message.get(name_field)
    if name is None and kind != "track":
        batch.ignored += 1  # a page or screen without a name: nothing to count it as
        return
    feature = clean_feature(name)
    if feature is None:
        raise BadMessage(name_field, f"{name_field} must be {FEATURE_RULE}")
    try:
        event_id = sdk_input.event_uuid(message.get("messageId"), sdk_input.SEGMENT_NAMESPACE) or uuid.uuid4()
    except ValueError as exc:
        raise BadMessage("messageId", f"messageId {exc}") from None
    stamp = "timestamp" if message.get("timestamp") is not None else "originalTimestamp"
    try:
        occurred_at = sdk_input.parse_time(message.get(stamp)) or received_now()  # no time: by id alone
    except ValueError:
        raise BadMessage(stamp, f"{stamp} must be an ISO-8601 date and time, e.g. 2026-11-25T10:00:00.000Z") from None
    batch.events.append(Event(feature=feature, source=API, occurred_at=occurred_at, event_id=event_id, person=person))


def _person(message: dict) -> str:
    for name in ("userId", "anonymousId"):
        value = message.get(name)
        if value is None or value == "":
            continue
        person = sdk_input.person_id(value)
        if person is None:
            raise BadMessage(name, f"{name} must be {PERSON_ID_RULE}")
        return person
    raise BadMessage("userId", "userId or anonymousId is required")


def _traits(person: str, traits: dict) -> Traits:
    return Traits(
        person,
        age=sdk_input.age_trait(traits.get("age")),
        birth_date=sdk_input.birthday_trait(traits.get("birthday")),
        gender=sdk_input.gender_trait(traits.get("gender")),
    )


# -- the endpoints -----------------------------------------------------------------------------------------------


def _handle(appstate: AppState, request: IngestRequest, kind: str | None) -> Reply:
    with tool_errors(lambda exc: {"code": _CODES.get(exc.status, "error"), "message": exc.message}):
        header_key = sdk_input.basic_auth_key(request.authorization)
        # a bad key is refused before the body is read (the write key in the body is read with it)
        key = None if header_key is None else sdk_input.verified_key(appstate, header_key, KEY_HINT)
        data = sdk_input.read_json_body(request)
        now, max_age_days = datetime.now(UTC), appstate.settings.event_max_age_days
        fast = sdk_fast.segment(data) if kind is None else None
        body = None if fast is not None else sdk_input.json_object(data)
        if key is None:
            key = sdk_input.verified_key(appstate, fast[1] if fast else body.get("writeKey"), KEY_HINT)
        if fast is not None and in_window(fast[0], now, max_age_days):
            batch = SdkBatch(events=fast[0])
        else:  # the Python decoder: every kind of message, and a detail for each bad one
            body = body or sdk_input.json_object(data)
            messages = sdk_input.messages_of(body, "batch") if kind is None else [{**body, "type": kind}]
            batch = decode(messages, now=now, max_age_days=max_age_days)
        write(appstate, key, batch)
    return Reply(200, OK)


_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 413: "too_large", 415: "invalid_request"}
_CODES[429] = "rate_limited"


def _route(kind: str | None) -> Route:
    return Route(("POST",), lambda appstate, request: _handle(appstate, request, kind), "use POST")


def app(appstate: AppState) -> IngestionApp:
    """The WSGI app mounted at MOUNT: /batch (and its alias /import) and one path per message type."""
    routes = {"/batch": _route(None), "/import": _route(None)}
    routes |= {f"/{kind}": _route(kind) for kind in STORED_KINDS + IGNORED_KINDS}
    return IngestionApp(appstate, routes)
