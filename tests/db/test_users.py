"""Users: one at a time (registration) and many at once (the demo data) go through the same validation and hashing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.users import (
    DuplicateEmail,
    NewUser,
    UserError,
    authenticate,
    create_user,
    create_users,
    set_password,
    users_by_email,
)

PEOPLE = [
    NewUser("Zoe@Example.com ", " Zoe Z. ", 16, "Female"),
    NewUser("ari@example.com", "Ari A.", "41", "Other"),
    NewUser("liam@example.com", "Liam L.", 18, "Male"),
]


def rows(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT id, email, display_name, age, gender FROM users ORDER BY id")).all()


def test_many_users_are_created_in_order_sharing_one_password_hashed_once(engine):
    with engine.begin() as conn:
        created = create_users(conn, PEOPLE, "shared secret")
    assert [(u.email, u.display_name, u.age, u.gender) for u in created] == [
        ("Zoe@Example.com", "Zoe Z.", 16, "Female"),
        ("ari@example.com", "Ari A.", 41, "Other"),
        ("liam@example.com", "Liam L.", 18, "Male"),
    ]
    assert [tuple(r) for r in rows(engine)] == [(u.id, u.email, u.display_name, u.age, u.gender) for u in created]
    with engine.connect() as conn:
        hashes = conn.execute(text("SELECT count(DISTINCT password_hash) FROM users")).scalar_one()
        assert authenticate(conn, "zoe@example.com", "shared secret").id == created[0].id
        assert authenticate(conn, "liam@example.com", "shared secret!") is None
    assert hashes == 1


@pytest.mark.parametrize(
    "bad, field",
    [
        (NewUser("not-an-email", "Bad", 30, "Male"), "email"),
        (NewUser("old@example.com", "Old", 121, "Male"), "age"),
        (NewUser("who@example.com", "Who", 30, "male"), "gender"),
        (NewUser("blank@example.com", "  ", 30, "Male"), "name"),
    ],
)
def test_one_invalid_user_refuses_the_whole_batch_like_registration_would(engine, bad, field):
    with engine.begin() as conn, pytest.raises(UserError) as error:
        create_users(conn, [*PEOPLE, bad], "shared secret")
    with engine.begin() as conn, pytest.raises(UserError) as single:
        create_user(conn, bad.email, "shared secret", bad.display_name, bad.age, bad.gender)
    assert error.value.field == single.value.field == field
    assert str(error.value) == str(single.value)
    assert rows(engine) == []


def test_a_missing_or_unhashably_long_password_is_refused(engine):
    # the rules for a password a person chooses (length 12+, not guessable) belong to the pages where one is chosen
    with engine.begin() as conn:
        with pytest.raises(UserError, match="1 to 1,024 characters"):
            create_users(conn, PEOPLE, "")
        with pytest.raises(UserError, match="1 to 1,024 characters"):
            create_users(conn, PEOPLE, None)
        with pytest.raises(UserError, match="1 to 1,024 characters"):
            create_users(conn, PEOPLE, "x" * 1025)
    assert rows(engine) == []


def test_an_email_taken_in_any_case_refuses_the_batch_and_names_the_email(engine):
    with engine.begin() as conn:
        create_user(conn, "ARI@example.com", "password-1", "Ari", 30, "Other")
    with engine.begin() as conn, pytest.raises(DuplicateEmail, match="ari@example.com already exists"):
        create_users(conn, PEOPLE, "shared secret")
    with engine.begin() as conn, pytest.raises(DuplicateEmail, match="LIAM@example.com already exists"):
        create_users(conn, [PEOPLE[2], NewUser("LIAM@example.com", "Liam", 20, "Male")], "shared secret")
    assert [r.email for r in rows(engine)] == ["ARI@example.com"]


def test_a_failed_batch_leaves_the_callers_transaction_usable(engine):
    with engine.begin() as conn:
        create_user(conn, "ari@example.com", "password-1", "Ari", 30, "Other")
        with pytest.raises(DuplicateEmail):
            create_users(conn, PEOPLE, "shared secret")
        create_users(conn, [PEOPLE[0]], "shared secret")
    assert [r.email for r in rows(engine)] == ["ari@example.com", "Zoe@Example.com"]


def test_set_password_changes_exactly_the_given_users(engine):
    with engine.begin() as conn:
        zoe, ari, liam = create_users(conn, PEOPLE, "old password")
        assert set_password(conn, [zoe.id, liam.id, liam.id], "new password") == 2
        with pytest.raises(UserError, match="1 to 1,024 characters"):
            set_password(conn, [ari.id], "")
    with engine.connect() as conn:
        assert authenticate(conn, "zoe@example.com", "new password") is not None
        assert authenticate(conn, "zoe@example.com", "old password") is None
        assert authenticate(conn, "ari@example.com", "old password") is not None
        assert authenticate(conn, "liam@example.com", "new password") is not None


def test_users_by_email_finds_users_in_any_letter_case(engine):
    with engine.begin() as conn:
        zoe, ari, _ = create_users(conn, PEOPLE, "shared secret")
    with engine.connect() as conn:
        found = users_by_email(conn, ["ZOE@example.COM", "ari@example.com", "nobody@example.com"])
    assert found == {"zoe@example.com": zoe, "ari@example.com": ari}


def test_set_password_ends_every_session_of_those_users_only(engine):
    from db import sessions

    with engine.begin() as conn:
        zoe, ari, _ = create_users(conn, PEOPLE, "old password")
        zoe_token, ari_token = sessions.start(conn, zoe.id), sessions.start(conn, ari.id)
    with engine.begin() as conn:
        set_password(conn, [zoe.id], "new password")
    with engine.begin() as conn:
        assert sessions.resume(conn, zoe_token) is None
        assert sessions.resume(conn, ari_token).id == ari.id
