"""People: who a product's events are about, their traits (age or birth date, gender), and forgetting one.

A person is named by an external id, text chosen by the app that sends events (a Segment `userId`, a PostHog
`distinct_id`, the native API's `user`). Traits come from identify calls (`Traits`); an event takes its person's age
group and gender when it is written (db/writer.py), `unknown` while a trait is not known. Nothing is recomputed
later: an event keeps the demographics it was written with.

The outcomes, all decided here and tested (tests/db/test_people.py):
- An identify without traits makes the person known (and is otherwise a no-op); it never clears traits.
- An identify sets only the traits it carries. `age` and `birth_date` are one trait: giving one clears the other
  (with both in one call, the birth date is kept). A birth date gives each event the age on the event's local day.
- Traits that change apply to events written from then on; events already written keep their demographics.
- Several identify calls for one person in one batch (or one commit of the writer) merge in order: for each trait the
  last call that carries it wins.
- Identify calls and events written in the same commit: the traits apply first, whatever the order in the batch, so a
  batch `[track, identify]` gives the track the traits. An event for an id never seen makes the person (no traits).

Person ids and dashboard accounts share one id space (people's ids come from the `users` id sequence): an event's
`user_id` is either an account's id (the dashboard's own analysts, and the native API's numeric `user_id`) or a
person's id, never ambiguous. That is how `forget` finds a person's events without another column on `events`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, text

from db import audit, rollup
from domain import GENDERS, MAX_AGE, MIN_AGE, PERSON_ID_RULE, age_group_of, is_person_id

EARLIEST_BIRTH_DATE = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class Traits:
    """One identify call: the person's external id and the traits it carries (None = not given, keep as it is)."""

    external_id: str
    age: int | None = None
    birth_date: date | None = None
    gender: str | None = None

    @property
    def gives_age(self) -> bool:
        return self.age is not None or self.birth_date is not None


@dataclass(frozen=True)
class Person:
    id: int
    external_id: str
    age: int | None
    birth_date: date | None
    gender: str | None
    created_at: datetime
    updated_at: datetime

    def age_on(self, day: date) -> int | None:
        """The person's age in whole years on `day` (None when unknown or born after `day`)."""
        if self.birth_date is not None:
            if self.birth_date > day:
                return None
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - before_birthday
        return self.age

    def age_group_on(self, day: date) -> str:
        """The age group an event of `day` is written with ('unknown' without an age)."""
        age = self.age_on(day)
        return "unknown" if age is None else age_group_of(max(MIN_AGE, min(age, MAX_AGE)))


def check_traits(traits: Iterable[Traits]) -> None:
    """Raise ValueError for an identify call the database would refuse."""
    for t in traits:
        problem = _problem(t)
        if problem:
            raise ValueError(problem)


def _problem(t: Traits) -> str | None:
    if not is_person_id(t.external_id):
        return f"a person's id must be {PERSON_ID_RULE}"
    if t.age is not None and (type(t.age) is not int or not MIN_AGE <= t.age <= MAX_AGE):
        return f"age must be a whole number between {MIN_AGE} and {MAX_AGE}"
    if t.birth_date is not None:
        if type(t.birth_date) is not date:
            return "birth_date must be a date"
        if not EARLIEST_BIRTH_DATE <= t.birth_date <= datetime.now(UTC).date():
            return f"birth_date must be between {EARLIEST_BIRTH_DATE} and today"
    if t.gender is not None and t.gender not in GENDERS:
        return f"gender must be one of {', '.join(GENDERS)}"
    return None


_GENDER_WORDS = {
    "male": "Male",
    "m": "Male",
    "man": "Male",
    "female": "Female",
    "f": "Female",
    "woman": "Female",
    "other": "Other",
    "non-binary": "Other",
    "nonbinary": "Other",
    "non binary": "Other",
    "diverse": "Other",
}


def gender_from_text(value: object) -> str | None:
    """A gender trait as other tools' SDKs send it ("male", "F", "Non-binary") read as one of GENDERS, or None when it
    is not a text we recognise (the trait is then treated as not given)."""
    if type(value) is not str:
        return None
    return _GENDER_WORDS.get(value.strip().lower())


def merge(traits: Iterable[Traits]) -> list[tuple[str, int | None, date | None, str | None, bool, bool]]:
    """The identify calls merged per person in order, one row each, sorted by external id:
    (external_id, age, birth_date, gender, age given, gender given). For each trait the last call carrying it wins."""
    merged: dict[str, list] = {}
    for t in traits:
        row = merged.setdefault(t.external_id, [None, None, None, False, False])
        if t.birth_date is not None:
            row[0], row[1], row[3] = None, t.birth_date, True
        elif t.age is not None:
            row[0], row[1], row[3] = t.age, None, True
        if t.gender is not None:
            row[2], row[4] = t.gender, True
    return [(external_id, *merged[external_id]) for external_id in sorted(merged)]


# Both statements take psycopg's %(name)s parameters: the event writer runs them on its own connection, identify()
# through SQLAlchemy's driver-level execute.

# Make sure every id has a person, and lock those rows until commit (in id order, so that concurrent writers cannot
# deadlock): a `forget` waits for a commit that writes events of the person, and the events it deletes include them.
# ON CONFLICT DO UPDATE ... WHERE false locks the existing row without writing it.
ENSURE_SQL = """
INSERT INTO people AS p (external_id)
SELECT DISTINCT external_id FROM unnest(%(ids)s::text[]) AS t(external_id) ORDER BY 1
ON CONFLICT (external_id) DO UPDATE SET external_id = EXCLUDED.external_id WHERE false
"""

UPDATE_TRAITS_SQL = """
UPDATE people AS p SET
    age = CASE WHEN t.age_given THEN t.age ELSE p.age END,
    birth_date = CASE WHEN t.age_given THEN t.birth_date ELSE p.birth_date END,
    gender = CASE WHEN t.gender_given THEN t.gender ELSE p.gender END,
    updated_at = now()
FROM unnest(%(ids)s::text[], %(ages)s::smallint[], %(births)s::date[], %(genders)s::text[], %(age_given)s::bool[],
            %(gender_given)s::bool[]) AS t(external_id, age, birth_date, gender, age_given, gender_given)
WHERE p.external_id = t.external_id AND (t.age_given OR t.gender_given)
"""


def ensure_params(external_ids: Iterable[str]) -> dict:
    """Parameters of ENSURE_SQL."""
    return {"ids": sorted(set(external_ids))}


def traits_params(merged: Sequence[tuple]) -> dict:
    """Parameters of UPDATE_TRAITS_SQL from `merge()`'s rows."""
    columns = list(zip(*merged)) if merged else [()] * 6
    names = ("ids", "ages", "births", "genders", "age_given", "gender_given")
    return {name: list(column) for name, column in zip(names, columns)}


def apply_sql(cursor, traits: Sequence[Traits], event_people: Iterable[str] = ()) -> None:
    """On a psycopg cursor, in the caller's transaction: make every person of `traits` and `event_people` known (and
    lock them), then apply `traits` (merged in order). Called by the event writer before it inserts events."""
    merged = merge(traits)
    ids = {row[0] for row in merged}
    ids.update(event_people)
    if not ids:
        return
    cursor.execute(ENSURE_SQL, ensure_params(ids))
    if any(row[4] or row[5] for row in merged):
        cursor.execute(UPDATE_TRAITS_SQL, traits_params(merged))


def identify_many(conn: Connection, traits: Sequence[Traits]) -> None:
    """Apply identify calls in the caller's transaction (ValueError before anything is written for a bad one).

    Events for these people written through the event writer after the commit get the new traits. To apply traits
    and events atomically (one commit), pass them together to `EventWriter.submit(events, traits)`.
    """
    check_traits(traits)
    cursor = conn.connection.driver_connection.cursor()
    try:
        apply_sql(cursor, traits)
    finally:
        cursor.close()


def identify(
    conn: Connection,
    external_id: str,
    *,
    age: int | None = None,
    birth_date: date | None = None,
    gender: str | None = None,
) -> Person:
    """Make the person known and set the traits given (see the module's rules); return the person as stored."""
    identify_many(conn, [Traits(external_id, age, birth_date, gender)])
    found = person(conn, external_id)
    assert found is not None
    return found


def person(conn: Connection, external_id: str) -> Person | None:
    """The person with this external id, or None."""
    row = conn.execute(
        text(
            "SELECT id, external_id, age, birth_date, gender, created_at, updated_at FROM people"
            " WHERE external_id = :external_id"
        ),
        {"external_id": external_id},
    ).one_or_none()
    return None if row is None else Person(*row)


class UnknownPerson(LookupError):
    """No person has this external id (nothing was changed)."""

    def __init__(self, external_id: str):
        super().__init__(f"no person has the id {external_id!r}; nothing was changed")


@dataclass(frozen=True)
class Forgotten:
    person_id: int
    events: int  # raw events deleted (and subtracted from the rollup)


def forget(conn: Connection, external_id: str, timezone: str, *, actor: audit.Actor | None = None) -> Forgotten | None:
    """Delete the person, their traits and every event of theirs, subtract those events from the rollup, and write the
    audit entry, all in the caller's transaction. None when no person has this id (nothing written).

    The audit entry says that a person was forgotten and how many events went, never their id: keeping it would keep
    what was asked to be deleted. Events for the same id sent later make a new person.
    """
    person_id = conn.execute(
        text("DELETE FROM people WHERE external_id = :external_id RETURNING id"), {"external_id": external_id}
    ).scalar_one_or_none()
    if person_id is None:
        return None
    # READ COMMITTED: this statement sees every event committed by a writer that held the person's row (ENSURE_SQL)
    removed = rollup.subtract(conn, "DELETE FROM events WHERE user_id = :person_id", {"person_id": person_id}, timezone)
    audit.record(conn, actor or audit.command_line(), "person.forget", "a person", f"{removed} events deleted")
    return Forgotten(person_id, removed)


def forget_or_raise(
    conn: Connection, external_id: str, timezone: str, *, actor: audit.Actor | None = None
) -> Forgotten:
    """`forget`, raising UnknownPerson instead of returning None (the command line and the settings page)."""
    forgotten = forget(conn, external_id, timezone, actor=actor)
    if forgotten is None:
        raise UnknownPerson(external_id)
    return forgotten
