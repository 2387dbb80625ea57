"""People and their traits: identify, demographics at write time, the documented outcomes, and forgetting a person.

Every expected number is worked out by hand from the events each test writes, then compared with SQL over the raw
events and the rollup.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from db import people
from db.people import Traits
from db.rollup import mismatches
from db.users import create_user
from db.writer import Event

DAY = datetime(2026, 11, 20, 12, tzinfo=UTC)


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def demographics(engine) -> list[tuple]:
    """(feature, age_group, gender, count) of the raw events, sorted by code point (not the server's collation)."""
    return sorted(rows(engine, "SELECT feature, age_group, gender, count(*) FROM events GROUP BY 1, 2, 3"))


def rollup(engine) -> list[tuple]:
    return sorted(rows(engine, "SELECT feature, age_group, gender, clicks FROM feature_daily"))


def exact(engine) -> bool:
    with engine.connect() as conn:
        return mismatches(conn, "UTC") == 0


def track(writer, person: str, feature: str = "Order Completed", when: datetime = DAY, traits=()):
    return writer.submit([Event(feature, "api", occurred_at=when, person=person)], traits)


def test_events_take_the_traits_known_when_they_are_written(engine, writer):
    track(writer, "anna")  # never identified: unknown, and the person now exists
    with engine.begin() as conn:
        people.identify(conn, "anna", age=30, gender="Female")
    track(writer, "anna")
    track(writer, "anna")
    with engine.begin() as conn:  # the traits change: only later events see it
        people.identify(conn, "anna", age=41)
    track(writer, "anna")
    assert demographics(engine) == sorted(
        [
            ("Order Completed", ">40", "Female", 1),
            ("Order Completed", "18-40", "Female", 2),
            ("Order Completed", "unknown", "unknown", 1),
        ]
    )
    assert rollup(engine) == demographics(engine) and exact(engine)
    with engine.connect() as conn:
        anna = people.person(conn, "anna")
    assert (anna.age, anna.birth_date, anna.gender) == (41, None, "Female")
    assert rows(engine, "SELECT DISTINCT user_id FROM events") == [(anna.id,)]


def test_identify_without_traits_makes_the_person_known_and_clears_nothing(engine, writer):
    with engine.begin() as conn:
        bare = people.identify(conn, "ben")
        assert (bare.age, bare.birth_date, bare.gender) == (None, None, None)
        people.identify(conn, "ben", gender="Male")
        again = people.identify(conn, "ben")
    assert (again.age, again.gender, again.id) == (None, "Male", bare.id)
    track(writer, "ben")
    assert demographics(engine) == [("Order Completed", "unknown", "Male", 1)]


def test_conflicting_traits_in_one_batch_last_call_carrying_each_trait_wins(engine, writer):
    batch = [
        Traits("cleo", age=20, gender="Female"),
        Traits("cleo", gender="Other"),
        Traits("cleo", age=50),
        Traits("cleo"),  # carries nothing: changes nothing
        Traits("dan", birth_date=date(1990, 1, 1)),
        Traits("dan", age=16),  # age replaces the birth date
        Traits("eve", age=16),
        Traits("eve", age=30, birth_date=date(2010, 5, 1)),  # both in one call: the birth date is kept
    ]
    result = writer.submit([], batch)
    assert (result.accepted, result.duplicates) == (0, 0)
    got = rows(engine, "SELECT external_id, age, birth_date, gender FROM people ORDER BY 1")
    assert got == [("cleo", 50, None, "Other"), ("dan", 16, None, None), ("eve", None, date(2010, 5, 1), None)]


def test_traits_apply_before_the_events_of_the_same_batch_whatever_their_order(engine, writer):
    events = [Event("Signed Up", "api", occurred_at=DAY, person="fay"), Event("Signed Up", "api", occurred_at=DAY)]
    assert writer.submit(events, [Traits("fay", age=17, gender="Female")]).accepted == 2
    assert demographics(engine) == sorted([("Signed Up", "<18", "Female", 1), ("Signed Up", "unknown", "unknown", 1)])
    assert exact(engine)


def test_a_birth_date_gives_the_age_on_the_events_local_day(engine, writer):
    with engine.begin() as conn:
        people.identify(conn, "gus", birth_date=date(2000, 6, 15), gender="Male")
    track(writer, "gus", "Opened", datetime(2018, 6, 14, 23, 59, tzinfo=UTC))  # 17 the day before the birthday
    track(writer, "gus", "Opened", datetime(2018, 6, 15, 0, 0, tzinfo=UTC))  # 18 on it
    track(writer, "gus", "Opened", datetime(1999, 1, 1, tzinfo=UTC))  # before the birth: unknown
    assert demographics(engine) == sorted(
        [
            ("Opened", "18-40", "Male", 1),
            ("Opened", "<18", "Male", 1),
            ("Opened", "unknown", "Male", 1),
        ]
    )
    with engine.connect() as conn:
        gus = people.person(conn, "gus")
    assert gus.age_group_on(date(2018, 6, 14)) == "<18" and gus.age_group_on(date(2018, 6, 15)) == "18-40"


def test_people_and_accounts_never_share_an_id(engine, writer):
    with engine.begin() as conn:
        first = create_user(conn, "a@example.com", None, "A", 35, "Other", password_hash="x").id
        person = people.identify(conn, "hal", age=70, gender="Male").id
        second = create_user(conn, "b@example.com", None, "B", 25, "Female", password_hash="x").id
    assert len({first, person, second}) == 3
    # an account's event and a person's event in one commit each take their own demographics
    writer.submit(
        [Event("x", "dashboard", user_id=first, occurred_at=DAY), Event("x", "api", occurred_at=DAY, person="hal")]
    )
    assert demographics(engine) == sorted([("x", "18-40", "Other", 1), ("x", ">40", "Male", 1)])
    assert sorted(rows(engine, "SELECT user_id FROM events")) == sorted([(first,), (person,)])


@pytest.mark.parametrize(
    "traits, message",
    [
        (Traits(""), "person's id"),
        (Traits("x" * 256), "person's id"),
        (Traits("tab\there"), "person's id"),
        (Traits("ok", age=0), "age"),
        (Traits("ok", age=121), "age"),
        (Traits("ok", birth_date=date(1899, 12, 31)), "birth_date"),
        (Traits("ok", gender="female"), "gender"),
    ],
)
def test_identify_refuses_what_cannot_be_stored_and_writes_nothing(engine, traits, message):
    with pytest.raises(ValueError, match=message), engine.begin() as conn:
        people.identify_many(conn, [Traits("fine", age=30), traits])
    assert rows(engine, "SELECT count(*) FROM people") == [(0,)]


def test_gender_words_from_other_tools_are_read_leniently():
    assert [people.gender_from_text(v) for v in ("male", " F ", "Non-Binary", "woman", "prefer not", 3, None)] == [
        "Male",
        "Female",
        "Other",
        "Female",
        None,
        None,
        None,
    ]


def test_forget_deletes_the_person_their_events_and_their_rollup_counts(engine, writer):
    with engine.begin() as conn:
        people.identify(conn, "ida", age=25, gender="Female")
        people.identify(conn, "jon", age=25, gender="Female")
    later = datetime(2026, 11, 21, 9, tzinfo=UTC)
    for feature, when in [("A", DAY), ("A", DAY), ("B", later)]:
        track(writer, "ida", feature, when)
    for feature, when in [("A", DAY), ("C", later)]:
        track(writer, "jon", feature, when)
    writer.submit([Event("A", "api", occurred_at=DAY)])  # nobody's
    with engine.begin() as conn:
        forgotten = people.forget(conn, "ida", "UTC")
    assert forgotten.events == 3
    assert rows(engine, "SELECT external_id FROM people") == [("jon",)]
    # ida's 2 clicks are off the 3 of ("A", "18-40"); her "B" row is gone, not 0
    assert sorted(rows(engine, "SELECT day, feature, age_group, clicks FROM feature_daily")) == sorted(
        [
            (DAY.date(), "A", "18-40", 1),
            (DAY.date(), "A", "unknown", 1),
            (later.date(), "C", "18-40", 1),
        ]
    )
    assert rows(engine, "SELECT count(*) FROM events WHERE user_id = :id", id=forgotten.person_id) == [(0,)]
    assert exact(engine)
    entry = rows(engine, "SELECT action, target, detail FROM audit_log")
    assert entry == [("person.forget", "a person", "3 events deleted")]  # never the forgotten id


def test_forgetting_an_unknown_id_changes_nothing_and_a_later_event_makes_a_new_person(engine, writer):
    with engine.begin() as conn:
        assert people.forget(conn, "nobody", "UTC") is None
        old = people.identify(conn, "kim", age=33, gender="Other")
        people.forget(conn, "kim", "UTC")
    assert rows(engine, "SELECT count(*) FROM audit_log") == [(1,)]
    track(writer, "kim")
    with engine.connect() as conn:
        new = people.person(conn, "kim")
    assert new.id != old.id and (new.age, new.gender) == (None, None)
    assert demographics(engine) == [("Order Completed", "unknown", "unknown", 1)]
