"""PostHog's capture API: POST /batch/, /capture/ and /e/ (JSON bodies, plain or gzip).

What PostHog's server SDKs send (posthog-python, posthog-node, any client of https://us.i.posthog.com pointed here):

- `api_key` in the body: an API key of ours with the scope `ingest` (PostHog's "project API key");
- a body `{"api_key", "batch": [event, ...]}`, or one event with `api_key` beside its fields (on any of the paths);
- an event `{"event", "distinct_id", "properties", "timestamp", "uuid"}`: the person is `distinct_id` (or
  `properties.distinct_id`); `uuid` is the idempotency key (a UUID is the event's id, any other text maps to one id
  by uuid5); `timestamp` (else the time of arrival) is when it happened;
- traits: `$set` (top level, as posthog-python's `set()` sends it, or in `properties`, as `$identify` and
  `capture(..., properties={"$set": ...})` do) gives the person `age` (or `birthday`) and `gender`; the traits of a
  request apply before any of its events is written (db/people.py), so its events carry them;
- an event named by the app counts as a feature; one of PostHog's own events (named `$...`) counts only when listed in
  the setting POSTHOG_FEATURE_EVENTS (default `$pageview,$screen`), so `$identify`, `$set` and what the SDK sends by
  itself (`$feature_flag_called`, `$exception`, ...) are never counted;
- answered `200 {"status": 1}` once every event of the request is committed, or an error that the SDKs retry (429,
  503 with `Retry-After`) or drop (400 with nothing written: any bad event refuses the whole request).

Not supported: the browser SDK's encodings (`compression=lz64`/`gzip-js` in the query, form-encoded `data=` base64),
so posthog-js cannot send here; the v1 capture protocol (`/i/v1/analytics/events`).
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

MOUNTS = ("/batch", "/capture", "/e")
OK = b'{"status": 1}'
KEY_HINT = "send api_key in the body: an API key of this dashboard with the scope ingest"


def decode(messages: list, *, features: frozenset[str], now: datetime, max_age_days: int) -> SdkBatch:
    """The batch of PostHog `messages`; ApiError 400 listing every bad event."""
    return decode_all(
        messages,
        lambda m, b: _decode_one(m, b, features, now),
        time_field="timestamp",
        now=now,
        max_age_days=max_age_days,
    )


def _decode_one(message: object, batch: SdkBatch, features: frozenset[str], now: datetime) -> None:
    if not isinstance(message, dict):
        raise BadMessage(None, "each event must be a JSON object")
    properties = message.get("properties")
    if properties is None:
        properties = {}
    elif not isinstance(properties, dict):
        raise BadMessage("properties", "properties must be an object")
    name = message.get("event")
    feature = clean_feature(name)
    if feature is None:
        raise BadMessage("event", f"event must be {FEATURE_RULE}")
    person = _person(message, properties)
    traits = message.get("$set", properties.get("$set"))
    if traits is not None:
        if not isinstance(traits, dict):
            raise BadMessage("$set", "$set must be an object")
        batch.traits.append(_traits(person, traits))
    if feature.startswith("$") and feature not in features:
        batch.ignored += 1
        return
    try:
        event_id = sdk_input.event_uuid(message.get("uuid"), sdk_input.POSTHOG_NAMESPACE) or uuid.uuid4()
    except ValueError as exc:
        raise BadMessage("uuid", f"uuid {exc}") from None
    try:
        occurred_at = sdk_input.parse_time(message.get("timestamp")) or received_now()  # no time: by id alone
    except ValueError:
        message = "timestamp must be an ISO-8601 date and time, e.g. 2026-11-25T10:00:00+00:00"
        raise BadMessage("timestamp", message) from None
    batch.events.append(Event(feature=feature, source=API, occurred_at=occurred_at, event_id=event_id, person=person))


def _person(message: dict, properties: dict) -> str:
    value = message.get("distinct_id", properties.get("distinct_id"))
    if value is None or value == "":
        raise BadMessage("distinct_id", "distinct_id is required")
    person = sdk_input.person_id(value)
    if person is None:
        raise BadMessage("distinct_id", f"distinct_id must be {PERSON_ID_RULE}")
    return person


def _traits(person: str, traits: dict) -> Traits:
    return Traits(
        person,
        age=sdk_input.age_trait(traits.get("age")),
        birth_date=sdk_input.birthday_trait(traits.get("birthday", traits.get("birth_date"))),
        gender=sdk_input.gender_trait(traits.get("gender")),
    )


# -- the endpoints -----------------------------------------------------------------------------------------------


def _handle(appstate: AppState, request: IngestRequest) -> Reply:
    with tool_errors(lambda exc: {"type": _TYPES.get(exc.status, "server_error"), "detail": exc.message}):
        data = sdk_input.read_json_body(request)
        settings = appstate.settings
        now, max_age_days = datetime.now(UTC), settings.event_max_age_days
        fast = sdk_fast.posthog(data)
        body = None if fast is not None else sdk_input.json_object(data)
        key = sdk_input.verified_key(appstate, fast[1] if fast is not None else body.get("api_key"), KEY_HINT)
        if fast is not None and in_window(fast[0], now, max_age_days):
            batch = SdkBatch(events=fast[0])
        else:  # the Python decoder: every kind of event, and a detail for each bad one
            body = body or sdk_input.json_object(data)
            messages = [body] if "batch" not in body else sdk_input.messages_of(body, "batch")  # one event, or a batch
            batch = decode(messages, features=settings.posthog_features, now=now, max_age_days=max_age_days)
        write(appstate, key, batch)
    return Reply(200, OK)


_TYPES = {400: "validation_error", 401: "authentication_error", 403: "authentication_error", 413: "validation_error"}
_TYPES[429] = "throttled"


def app(appstate: AppState) -> IngestionApp:
    """The WSGI app for each of MOUNTS: the path with or without its trailing slash."""
    route = Route(("POST",), _handle, "use POST to send events")
    return IngestionApp(appstate, {"": route, "/": route})
