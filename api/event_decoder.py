"""The one decoder of POST /api/v1/events: a JSON body to typed events, or a 400 listing every bad event.

One pydantic-core schema parses and validates the whole body in Rust and builds the `Event` dataclasses there:
`event_id` a `uuid.UUID`, `occurred_at` an aware `datetime`, `user_id` an `int` (an account), `user` a person's
external id (text, db/people.py; stored on the event as `person`), `feature` stripped (domain.clean_feature),
`source` always "api". The spellings
accepted are pinned by patterns checked before the typed parse (hyphen-less and upper-case UUIDs, `t`/`z`, comma
fractions, `+hhmm` offsets; not unix times or braced UUIDs). Then Python checks what the schema cannot: the
`occurred_at` window, that an event names a `user_id` or a `user` but not both, and that every `user_id` names a user
(one lookup per batch, through a cache).

When some events are bad, the good ones are validated one by one as well, so that the client learns of every bad
event at once: one detail (`index`, `field`, `message`) per bad event, its first problem.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from pydantic_core import SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from api.errors import ApiError
from db.events import BIGINT_MAX, Event, received_now
from domain import FEATURE_MAX_LENGTH, FEATURE_RULE, PERSON_ID_RULE, clean_feature, is_person_id

MAX_EVENTS = 1000
MAX_FUTURE = timedelta(hours=1)
SOURCE = "api"

UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
# ISO-8601 date and time WITH an offset (Z or +hh[:mm]); the values themselves are checked by the typed parse.
OCCURRED_AT_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"

MESSAGES = {
    "event_id": "event_id must be a UUID string, e.g. 0b6f1a52-8c4e-4f57-9d1c-3f0a7e5b2c11",
    "feature": f"feature must be {FEATURE_RULE}",
    "user_id": "user_id must be a whole number, the id of an existing user",
    "user": f"user must be a person's id: {PERSON_ID_RULE}",
    "occurred_at": "occurred_at must be an ISO-8601 date and time with an offset, e.g. 2026-11-25T10:00:00+00:00",
}
FIELD_ORDER = {"event_id": 0, "feature": 1, "user_id": 2, "user": 3, "occurred_at": 4}


def _python_iso(text: str) -> datetime:
    """Python's reading, for the few spellings the Rust parser does not take (an offset of hours only, `+02`)."""
    value = datetime.fromisoformat(text.upper())
    if value.tzinfo is None:
        raise ValueError("no offset")
    return value


def _null_is_missing(schema: cs.CoreSchema, make: Callable[[], object]) -> cs.CoreSchema:
    """`schema`, or `make()` for a JSON null (null means "not given")."""
    made = cs.chain_schema([cs.none_schema(), cs.no_info_plain_validator_function(lambda _: make())])
    return cs.union_schema([schema, made], mode="left_to_right")


def _field(name: str, schema: cs.CoreSchema, *, alias: str | None = None, **default) -> cs.DataclassField:
    """A field whose every refusal carries the field's one message (`alias`: its name in the JSON body)."""
    key = alias or name
    checked = cs.custom_error_schema(schema, custom_error_type=key, custom_error_message=MESSAGES[key])
    return cs.dataclass_field(
        name, cs.with_default_schema(checked, **default) if default else checked, validation_alias=alias
    )


# The common case in Rust: printable ASCII with no space at either end is a name exactly as stored (domain.clean_feature
# would return it unchanged). Anything else (non-ASCII, surrounding whitespace, a bad name) goes through the rule.
ASCII_FEATURE_PATTERN = rf"^[\x21-\x7e](?:[\x20-\x7e]{{0,{FEATURE_MAX_LENGTH - 2}}}[\x21-\x7e])?$"


def _feature(value: str) -> str:
    name = clean_feature(value)
    if name is None:
        raise ValueError(FEATURE_RULE)
    return name


def _person(value: str) -> str:
    if not is_person_id(value):
        raise ValueError(PERSON_ID_RULE)
    return value


_occurred_at = cs.chain_schema(
    [
        cs.str_schema(strict=True, pattern=OCCURRED_AT_PATTERN),
        cs.union_schema(
            [cs.datetime_schema(tz_constraint="aware"), cs.no_info_plain_validator_function(_python_iso)],
            mode="left_to_right",
        ),
    ]
)
_event_id = cs.chain_schema([cs.str_schema(strict=True, pattern=UUID_PATTERN), cs.uuid_schema()])
_EVENT_SCHEMA = cs.dataclass_schema(
    Event,
    cs.dataclass_args_schema(
        "Event",
        [
            _field(
                "feature",
                cs.union_schema(
                    [
                        cs.str_schema(strict=True, pattern=ASCII_FEATURE_PATTERN),
                        cs.no_info_after_validator_function(_feature, cs.str_schema(strict=True)),
                    ],
                    mode="left_to_right",
                ),
            ),
            # not in the body: every event of this API is an "api" event
            cs.dataclass_field("source", cs.with_default_schema(cs.str_schema(), default=SOURCE), init=False),
            _field("user_id", cs.nullable_schema(cs.int_schema(strict=True, ge=1, le=BIGINT_MAX)), default=None),
            # a missing time is the receipt time, marked so: such an event is deduplicated by its id alone
            _field("occurred_at", _null_is_missing(_occurred_at, received_now), default_factory=received_now),
            _field("event_id", _null_is_missing(_event_id, uuid.uuid4), default_factory=uuid.uuid4),
            _field(
                "person",
                cs.nullable_schema(cs.no_info_after_validator_function(_person, cs.str_schema(strict=True))),
                alias="user",
                default=None,
            ),
        ],
        extra_behavior="forbid",
    ),
    ["feature", "source", "user_id", "occurred_at", "event_id", "person"],
    frozen=True,
    slots=True,
)
BATCH = SchemaValidator(
    cs.typed_dict_schema(
        {"events": cs.typed_dict_field(cs.list_schema(_EVENT_SCHEMA, min_length=1, max_length=MAX_EVENTS))},
        extra_behavior="forbid",
    )
)
EVENT = SchemaValidator(_EVENT_SCHEMA)

# Comparing two aware datetimes is a cheap field-by-field comparison when both carry the same tzinfo object, and
# two utcoffset() calls otherwise. pydantic-core gives every UTC time it parses one shared tzinfo: bounds in that
# same tzinfo make the window check of a typical batch (UTC times) cost next to nothing.
_PARSED_UTC = SchemaValidator(cs.datetime_schema()).validate_json(b'"2000-01-01T00:00:00Z"').tzinfo


def detail(index: int | None, field: str | None, message: str) -> dict:
    return {"index": index, "field": field, "message": message}


def decode_events(data: bytes, *, max_age_days: int, unknown_users: Callable[[set[int]], set[int]]) -> list[Event]:
    """The events of a JSON body, in order. Raises ApiError 400 with one detail per bad event, or for the body.

    `unknown_users(ids)` returns which of `ids` name no user (it may raise a database error).
    """
    try:
        events = BATCH.validate_json(data)["events"]
        indexes: Sequence[int] = range(len(events))
        details: list[dict] = []
    except ValidationError as exc:
        indexes, events, details = _after_validation_error(exc, data)
    details.extend(_outside_window(indexes, events, datetime.now(UTC), max_age_days))
    details.extend(_both_users(indexes, events))
    details.extend(_unknown_users(indexes, events, {d["index"] for d in details}, unknown_users))
    if details:
        details.sort(key=lambda d: d["index"])
        raise ApiError(400, "invalid events; nothing was written", details)
    return events


def _after_validation_error(exc: ValidationError, data: bytes) -> tuple[list[int], list[Event], list[dict]]:
    """(indexes of the good events, the good events, details of the bad ones); ApiError when the body as a whole is
    wrong."""
    message, details = validation_details(exc)
    if not details or details[0]["index"] is None:
        raise ApiError(400, message, details) from None
    flagged = {d["index"] for d in details}
    try:
        raw = json.loads(data)["events"]
        good = [(i, EVENT.validate_json(json.dumps(item))) for i, item in enumerate(raw) if i not in flagged]
    except (ValueError, TypeError, KeyError):  # the two JSON readers disagree: report what we have
        raise ApiError(400, message, details) from None
    return [i for i, _ in good], [event for _, event in good], details


def _outside_window(indexes: Sequence[int], events: Sequence[Event], now: datetime, max_age_days: int) -> list[dict]:
    latest = (now + MAX_FUTURE).astimezone(UTC).replace(tzinfo=_PARSED_UTC)
    earliest = (now - timedelta(days=max_age_days)).astimezone(UTC).replace(tzinfo=_PARSED_UTC)
    details = []
    for index, event in zip(indexes, events):
        occurred = event.occurred_at
        if occurred > latest:
            details.append(detail(index, "occurred_at", "occurred_at is more than 1 hour in the future"))
        elif occurred < earliest:
            details.append(detail(index, "occurred_at", f"occurred_at is older than {max_age_days} days"))
    return details


def _both_users(indexes: Sequence[int], events: Sequence[Event]) -> list[dict]:
    return [
        detail(index, "user", "send user_id (an account) or user (a person), not both")
        for index, event in zip(indexes, events)
        if event.person is not None and event.user_id is not None
    ]


def _unknown_users(
    indexes: Sequence[int],
    events: Sequence[Event],
    flagged: set[int],
    unknown_users: Callable[[set[int]], set[int]],
) -> list[dict]:
    ids = {event.user_id for event in events}
    ids.discard(None)
    unknown = unknown_users(ids) if ids else set()
    if not unknown:
        return []
    return [
        detail(index, "user_id", f"no user with id {event.user_id}")
        for index, event in zip(indexes, events)
        if event.user_id in unknown and index not in flagged
    ]


def validation_details(exc: ValidationError) -> tuple[str, list[dict]]:
    """(error message, details): one detail per bad event (its first problem), or one for the body as a whole."""
    per_event: dict[int, tuple[int, dict]] = {}
    body: list[dict] = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        loc, kind = error["loc"], error["type"]
        if kind == "json_invalid":
            return "the body is not valid JSON", [detail(None, None, error["msg"])]
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            index = loc[1]
            if len(loc) == 2:
                field, message, rank = None, "each event must be a JSON object", -1
            else:
                field = str(loc[2])
                if kind in ("extra_forbidden", "unexpected_keyword_argument"):
                    message, rank = f"unknown field {field!r}", 10
                elif kind in ("missing", "missing_argument"):
                    message, rank = f"{field} is required", FIELD_ORDER.get(field, 9)
                else:
                    message, rank = MESSAGES.get(field, error["msg"]), FIELD_ORDER.get(field, 9)
            if index not in per_event or rank < per_event[index][0]:
                per_event[index] = (rank, detail(index, field, message))
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
        body.append(detail(None, field, message))
    if body:
        return "invalid request body", body
    return "invalid events; nothing was written", [d for _, (_, d) in sorted(per_event.items())]
