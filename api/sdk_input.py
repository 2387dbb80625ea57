"""What the Segment- and PostHog-compatible endpoints share: reading a (gzip) JSON body within limits, finding the key,
stable event ids, times, and the traits `age`/`birthday`/`gender` read leniently from what the SDKs send.

Limits: at most MAX_WIRE_BYTES on the wire and MAX_INFLATED_BYTES once a gzip body is inflated (inflated in chunks
and abandoned at the limit, so a small "zip bomb" costs at most that much memory), at most MAX_MESSAGES messages.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
import zlib
from datetime import UTC, date, datetime

from api.errors import ApiError
from api.event_decoder import detail
from api.events import authenticate_key
from api.ingestion import IngestRequest
from api.rate_limit import refuse_if_empty
from appstate import AppState
from db.api_keys import VerifiedKey
from db.people import EARLIEST_BIRTH_DATE, gender_from_text
from domain import MAX_AGE, MIN_AGE, is_person_id

MAX_WIRE_BYTES = 6 << 20  # PostHog's SDK sends batches of up to 5 MiB plus one event; Segment's up to 500 KB
MAX_INFLATED_BYTES = 6 << 20
MAX_MESSAGES = 1000  # as the native API
INFLATE_CHUNK = 64 << 10

# Stable ids for message ids that are not UUIDs: uuid5 in one namespace per tool, so that the same id sent twice is
# one event, and the same text sent through both tools is two.
SEGMENT_NAMESPACE = uuid.UUID("6c0f5c1e-2d7b-5b4e-9d0e-5e9f3c1a7b21")
POSTHOG_NAMESPACE = uuid.UUID("0e7a3f52-9b1d-5c8e-8a4f-2d6b1c9e7f30")

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def read_json_body(request: IngestRequest) -> bytes:
    """The body, JSON (else 415), inflated when `Content-Encoding: gzip`, within the limits (else 413)."""
    mimetype = (request.content_type or "").split(";", 1)[0].strip().lower()
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "the body must be JSON", [detail(None, None, "send Content-Type: application/json")])
    encoding = (request.environ.get("HTTP_CONTENT_ENCODING") or "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise ApiError(415, f"unsupported Content-Encoding {encoding!r}", [detail(None, None, "send gzip or nothing")])
    length = request.content_length
    if length is not None and length > MAX_WIRE_BYTES:
        raise too_large(MAX_WIRE_BYTES, "on the wire")
    data = request.read(MAX_WIRE_BYTES + 1)
    if len(data) > MAX_WIRE_BYTES:
        raise too_large(MAX_WIRE_BYTES, "on the wire")
    return inflate(data) if encoding == "gzip" else data


def inflate(data: bytes, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """The gzip member `data` inflated, refusing (413) as soon as it would exceed `limit` bytes; 400 when not gzip."""
    inflater = zlib.decompressobj(wbits=31)
    parts, size = [], 0
    try:
        chunk = inflater.decompress(data, INFLATE_CHUNK)
        while chunk:
            size += len(chunk)
            if size > limit:
                raise too_large(limit, "once inflated")
            parts.append(chunk)
            chunk = inflater.decompress(inflater.unconsumed_tail, INFLATE_CHUNK)
        if not inflater.eof:
            raise zlib.error("truncated")
    except zlib.error:
        problem = [detail(None, None, "Content-Encoding: gzip was sent")]
        raise ApiError(400, "the body is not valid gzip", problem) from None
    return b"".join(parts)


def json_object(data: bytes) -> dict:
    """The JSON object `data` holds; ApiError 400 for anything else."""
    try:
        body = json.loads(data)
    except ValueError as exc:
        raise ApiError(400, "the body is not valid JSON", [detail(None, None, str(exc))]) from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid request body", [detail(None, None, "the body must be a JSON object")])
    return body


def messages_of(body: dict, field: str) -> list:
    """`body[field]`, an array of 1 to MAX_MESSAGES messages; ApiError 400 otherwise."""
    messages = body.get(field)
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        message = f"{field} must be an array of 1 to {MAX_MESSAGES} messages"
        raise ApiError(400, "invalid request body", [detail(None, field, message)])
    return messages


def too_large(limit: int, where: str) -> ApiError:
    message = f"the body must be at most {limit} bytes {where}"
    return ApiError(413, "request body too large", [detail(None, None, message)])


def basic_auth_key(header: str | None) -> str | None:
    """The user name of `Authorization: Basic base64(key:)` (Segment's write key), or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user or password or None


def verified_key(appstate: AppState, key: object, how: str) -> VerifiedKey:
    """The API key `key` once checked as the native endpoint checks it: ApiError 401 unless it is a valid key (`how`
    says where to send it), 403 without the scope ingest, 429 while the key is over its rate limit."""
    if not isinstance(key, str) or not key.strip():
        raise ApiError(401, "a valid API key is required", [detail(None, None, how)])
    try:
        found = authenticate_key(appstate, key.strip())
    except ApiError as exc:
        if exc.status == 401:
            raise ApiError(401, exc.message, [detail(None, None, how)]) from None
        raise
    refuse_if_empty(appstate, found)
    return found


def event_uuid(value: object, namespace: uuid.UUID) -> uuid.UUID | None:
    """The stored id of a message id: a UUID as it is, any other text mapped by uuid5 in `namespace`; None when
    absent. ValueError for an id that is neither (a number, an object, an empty text)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError("must be a non-empty text of at most 200 characters")
    if _UUID_RE.match(value):
        return uuid.UUID(value)
    return uuid.uuid5(namespace, value)


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 date and time (no offset: UTC), as an aware datetime; None when absent. ValueError otherwise."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("must be an ISO-8601 date and time")
    text = value.strip()
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if len(text) <= 10:  # a date alone is not a time
        raise ValueError("must be an ISO-8601 date and time")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# -- traits ------------------------------------------------------------------------------------------------------


def gender_trait(value: object) -> str | None:
    """Male, Female or Other from the usual spellings (any case), or None: an unrecognised value is not a gender."""
    return gender_from_text(value)


def age_trait(value: object) -> int | None:
    """A whole age from MIN_AGE to MAX_AGE (a number or a text of digits), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and MIN_AGE <= value <= MAX_AGE:
        return value
    return None


def birthday_trait(value: object) -> date | None:
    """A birth date from `YYYY-MM-DD` or an ISO date and time (its date) from 1900 to today, or None for anything
    else."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return day if EARLIEST_BIRTH_DATE <= day <= datetime.now(UTC).date() else None


def person_id(value: object) -> str | None:
    """A person's external id from a text or a number (as its text), or None when it cannot be one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return value if is_person_id(value) else None
