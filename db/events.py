"""One click as the event writer takes it (`Event`), the check every event passes, and its one encoding into COPY.

Events are typed: `event_id` a `uuid.UUID`, `occurred_at` an aware `datetime`, `user_id` an `int` or None (an
account's id), `person` a `str` or None (a person's external id, db/people.py; at most one of the two). The writer
stages them with a binary COPY (psycopg's C encoders: no text formatting or parsing of ids and timestamps on either
side) into a temporary table, one row per event tagged with the id of the submission it came from.

An event whose sender left out its time carries a `ReceivedAt` (the server's clock at receipt, a `datetime`
subclass) as `occurred_at`: the writer then deduplicates it by its id alone (table undated_event_ids), since a
retry of it gets another receipt time. Any other `occurred_at` makes (event_id, occurred_at) the event's identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from domain import FEATURE_MAX_LENGTH, PERSON_ID_RULE, SOURCES, is_person_id

BIGINT_MAX = 2**63 - 1


class ReceivedAt(datetime):
    """The time an event was received, standing in for the occurred_at its sender did not give."""

    __slots__ = ()


def received_now() -> datetime:
    """Now, marked as a stand-in for a missing occurred_at (see ReceivedAt)."""
    return ReceivedAt.now(UTC)


def is_undated(event: Event) -> bool:
    return type(event.occurred_at) is ReceivedAt


@dataclass(frozen=True, slots=True)  # slots: no per-event __dict__ for the garbage collector to track
class Event:
    feature: str
    source: str
    user_id: int | None = None
    occurred_at: datetime = field(default_factory=received_now)  # not given: deduplicated by event_id alone
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    person: str | None = None  # a person's external id (db/people.py); the writer resolves it to the person's id


def check_events(events: Sequence[Event]) -> None:
    """Raise ValueError for an event the schema or the encoder would refuse, before it can share a transaction."""
    for event in events:
        problem = _problem(event)
        if problem:
            raise ValueError(problem)


def _problem(event: Event) -> str | None:
    if event.source not in SOURCES:
        return f"source must be one of {SOURCES}, not {event.source!r}"
    feature = event.feature  # the name rule (domain.clean_feature) is applied where names come in, not here
    if type(feature) is not str or not 0 < len(feature) <= FEATURE_MAX_LENGTH:
        return f"feature must be a string of 1 to {FEATURE_MAX_LENGTH} characters"
    user_id = event.user_id
    if user_id is not None and (type(user_id) is not int or not 0 < user_id <= BIGINT_MAX):
        return "user_id must be a positive integer (a user's id) or None"
    if event.person is not None:
        if not is_person_id(event.person):
            return f"person must be {PERSON_ID_RULE}"
        if user_id is not None:
            return "an event names its user_id or its person, not both"
    if not isinstance(event.occurred_at, datetime) or event.occurred_at.tzinfo is None:
        return "occurred_at must be a datetime with a time zone"
    if type(event.event_id) is not uuid.UUID:
        return "event_id must be a uuid.UUID"
    return None


STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS writer_stage (
    caller bigint NOT NULL,
    event_id uuid NOT NULL,
    feature text NOT NULL,
    user_id bigint,
    occurred_at timestamptz NOT NULL,
    source text NOT NULL,
    person text,
    undated boolean NOT NULL
) ON COMMIT DELETE ROWS
"""
COPY_SQL = (
    "COPY writer_stage (caller, event_id, feature, user_id, occurred_at, source, person, undated)"
    " FROM STDIN (FORMAT BINARY)"
)
COPY_TYPES = ("int8", "uuid", "text", "int8", "timestamptz", "text", "text", "bool")

# What encoding a value that slipped past check_events raises on our side (a surrogate in a text, say): like a
# psycopg.DataError from the server, the fault of the submission's data, not of the connection.
ENCODING_ERRORS = (ValueError, TypeError, OverflowError)


def copy_events(cursor: psycopg.Cursor, submissions: Sequence[tuple[int, Sequence[Event]]]) -> set[str]:
    """COPY every (caller, events) pair into writer_stage, each row tagged with its caller; return the people named
    (their external ids)."""
    people: set[str] = set()
    with cursor.copy(COPY_SQL) as copy:
        copy.set_types(COPY_TYPES)
        write = copy.write_row
        for caller, events in submissions:
            for e in events:
                person = e.person
                if person is not None:
                    people.add(person)
                occurred = e.occurred_at
                write(
                    (caller, e.event_id, e.feature, e.user_id, occurred, e.source, person, type(occurred) is ReceivedAt)
                )
    return people
