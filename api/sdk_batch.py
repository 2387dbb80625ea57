"""What a Segment or PostHog request becomes once decoded (`SdkBatch`: traits and events, in message order), how it
is written (the one event writer, as the native API), and errors in each tool's answer shape (`ToolError`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from api.errors import ApiError, database_error
from api.event_decoder import _outside_window, detail
from api.events import submit
from api.rate_limit import spend
from appstate import AppState
from db.api_keys import VerifiedKey
from db.events import Event
from db.people import Traits
from db.writer import WriteResult

log = logging.getLogger(__name__)


@dataclass
class SdkBatch:
    """The decoded messages of one request: identify calls and events, each in the order the messages came."""

    traits: list[Traits] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # each naming its person (Event.person)
    ignored: int = 0  # messages of kinds that are not stored (alias, group, ...)


class BadMessage(Exception):
    """One message of a request is wrong: which field, and why."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def decode_all(
    messages: Sequence[object],
    decode_one: Callable[[object, SdkBatch], None],
    *,
    time_field: str,
    now: datetime,
    max_age_days: int,
) -> SdkBatch:
    """The batch `decode_one` makes of every message (it appends to the batch, or raises BadMessage); ApiError 400
    with one detail per bad message, events outside the accepted time window included (as the native API)."""
    batch, details, events_at = SdkBatch(), [], []
    for index, message in enumerate(messages):
        try:
            decode_one(message, batch)
        except BadMessage as bad:
            details.append(detail(index, bad.field, bad.message))
        events_at.extend([index] * (len(batch.events) - len(events_at)))
    late = _outside_window(events_at, batch.events, now, max_age_days)
    details.extend({**d, "field": time_field} for d in late)
    if details:
        details.sort(key=lambda d: d["index"])
        raise ApiError(400, "invalid messages; nothing was written", details)
    return batch


def in_window(events: Sequence[Event], now: datetime, max_age_days: int) -> bool:
    """True when every event's time is one the native API accepts too."""
    return not _outside_window(range(len(events)), events, now, max_age_days)


class ToolError(ApiError):
    """An ApiError whose body also carries the keys a tool's SDK reads from an error (its message, its code)."""

    def __init__(self, error: ApiError, extra: dict):
        super().__init__(error.status, error.message, error.details, error.headers)
        self.extra = extra

    def body(self) -> bytes:
        return json.dumps({"error": self.message, "details": self.details, **self.extra}).encode()


@contextmanager
def tool_errors(extra: Callable[[ApiError], dict]) -> Iterator[None]:
    """Raise every error of the block (an ApiError, or a database error mapped as the ingestion app maps it) as a
    ToolError carrying `extra(error)`: the keys the tool's SDK reads."""
    try:
        yield
    except ApiError as exc:
        raise ToolError(exc, extra(exc)) from None
    except Exception as exc:
        mapped = database_error(exc)
        if mapped is None:
            raise  # a bug: the ingestion app's logged JSON 500
        log.warning("database error on an SDK endpoint: %s", exc)
        raise ToolError(mapped, extra(mapped)) from None


def write(appstate: AppState, key: VerifiedKey, batch: SdkBatch) -> WriteResult:
    """Take the batch's events and identify calls from the key's rate limit (429), then write them through the event
    writer in one commit (traits first, db/people.py); answered after commit, errors as the native API's."""
    spend(appstate, key, len(batch.events) + len(batch.traits))
    return submit(appstate, batch.events, batch.traits, ids="message ids")
