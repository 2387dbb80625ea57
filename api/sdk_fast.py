"""The fast path of the Segment and PostHog endpoints: the common batch decoded to `Event`s in Rust, in one pass.

What the SDKs send most — a batch of plain events (Segment `track` messages; PostHog events named by the app,
without `$set`), each with a UUID id, a person and a time with an offset — is validated and turned into `Event`s by
one pydantic-core schema, as the native API's decoder does, without building a Python object for the rest of each
message (`context`, `properties`, ...). Anything else (an identify, a page, a text id that is not a UUID, a time
without an offset, any mistake) does not match: the endpoint then decodes the body with its Python decoder, which
knows every rule and names every bad message. The two must agree on every batch the fast path takes; the tests send
the same batches both ways.
"""

from __future__ import annotations

from pydantic_core import SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from api.event_decoder import _event_id, _feature, _occurred_at, _person
from api.sdk_input import MAX_MESSAGES
from db.events import Event
from domain import API

_FIELDS = ["feature", "source", "user_id", "occurred_at", "event_id", "person"]


def _event_schema(feature: str, event_id: str, occurred_at: str, person: list[list[str | int]]) -> cs.CoreSchema:
    """An Event from a message whose fields have these names (`person`: alias paths, the first present wins)."""
    return cs.dataclass_schema(
        Event,
        cs.dataclass_args_schema(
            "Event",
            [
                cs.dataclass_field(
                    "feature",
                    cs.no_info_after_validator_function(_feature, cs.str_schema(strict=True)),
                    validation_alias=feature,
                ),
                cs.dataclass_field("source", cs.with_default_schema(cs.str_schema(), default=API), init=False),
                cs.dataclass_field("user_id", cs.with_default_schema(cs.none_schema(), default=None), init=False),
                cs.dataclass_field("occurred_at", _occurred_at, validation_alias=occurred_at),
                cs.dataclass_field("event_id", _event_id, validation_alias=event_id),
                cs.dataclass_field(
                    "person",
                    cs.no_info_after_validator_function(_person, cs.str_schema(strict=True)),
                    validation_alias=person,
                ),
            ],
            extra_behavior="ignore",
        ),
        _FIELDS,
        frozen=True,
        slots=True,
    )


def _batch(message: cs.CoreSchema, key_field: str) -> SchemaValidator:
    return SchemaValidator(
        cs.typed_dict_schema(
            {
                "batch": cs.typed_dict_field(cs.list_schema(message, min_length=1, max_length=MAX_MESSAGES)),
                key_field: cs.typed_dict_field(cs.str_schema(strict=True), required=False),
            },
            extra_behavior="ignore",
        )
    )


_SEGMENT_TRACK = _event_schema("event", "messageId", "timestamp", [["userId"], ["anonymousId"]])
SEGMENT = _batch(cs.tagged_union_schema({"track": _SEGMENT_TRACK}, discriminator="type"), "writeKey")
_POSTHOG_EVENT = _event_schema("event", "uuid", "timestamp", [["distinct_id"], ["properties", "distinct_id"]])
POSTHOG = _batch(_POSTHOG_EVENT, "api_key")


def segment(data: bytes) -> tuple[list[Event], str | None] | None:
    """(events, writeKey) of a Segment batch of `track` messages only, or None: use the Python decoder."""
    try:
        body = SEGMENT.validate_json(data)
    except ValidationError:
        return None
    return body["batch"], body.get("writeKey")


def posthog(data: bytes) -> tuple[list[Event], str | None] | None:
    """(events, api_key) of a PostHog batch of the app's own events without traits, or None: use the Python
    decoder (also for any `$` event, counted or not by the setting, and for any `$set` or escaped character)."""
    if b'"$set' in data or b"\\u0024" in data:  # traits ($set, $set_once), or a "$" spelled as an escape
        return None
    try:
        body = POSTHOG.validate_json(data)
    except ValidationError:
        return None
    events = body["batch"]
    if any(event.feature.startswith("$") for event in events):  # PostHog's own events: the setting decides
        return None
    return events, body.get("api_key")
