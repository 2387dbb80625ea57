"""Account enumeration, replayed: the answers for an existing and an unknown email cannot be told apart.

Was: login for an unknown email answered in 5 ms, for a wrong password in 92 ms (it skipped hashing); /register said
"An account with DEMO01@EXAMPLE.COM already exists". (The timing itself is measured by bench/login_timing.py.)
"""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import ANALYST_EMAIL
from tests.security.conftest import OWNER, auth_error, is_logged_in, login_from, register_from, user_count

UNKNOWN = "nobody-here@example.com"


def answer_shape(response, email: str) -> tuple:
    """Status, headers that matter and the body with the echoed email and the form's token taken out."""
    body = response.get_data(as_text=True).replace(email, "EMAIL")
    body = body.split('name="csrf_token" value="')[0] + body.split('name="csrf_token" value="')[1].split('"', 1)[1]
    return response.status_code, response.headers.get("Cache-Control"), response.mimetype, body


def test_unknown_email_and_wrong_password_hash_exactly_once_and_answer_alike(client, analyst, hashes):
    wrong_password = login_from(client, OWNER, ANALYST_EMAIL, "a wrong password here")
    assert len(hashes) == 1
    unknown_email = login_from(client, "198.51.100.9", UNKNOWN, "a wrong password here")
    assert len(hashes) == 2  # exactly one hash each: against the stored hash, and against the dummy hash
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert auth_error(wrong_password) == auth_error(unknown_email) == "Incorrect email or password."
    assert answer_shape(wrong_password, ANALYST_EMAIL) == answer_shape(unknown_email, UNKNOWN)
    assert "Set-Cookie" not in wrong_password.headers or "device" not in wrong_password.headers["Set-Cookie"]


def registration(email: str, password: str) -> dict:
    return {"name": "Eve Prober", "email": email, "password": password, "age": "40", "gender": "Female"}


def test_registering_a_taken_email_answers_exactly_like_a_new_one_and_changes_nothing(client, analyst, engine, hashes):
    with engine.connect() as conn:
        before = conn.execute(text("SELECT password_hash, display_name FROM users")).one()
    taken = register_from(client, OWNER, registration(ANALYST_EMAIL.upper(), "eve guesses nothing here"))
    new = register_from(client, "198.51.100.9", registration("new-person@example.com", "eve guesses nothing here"))
    assert answer_shape(taken, ANALYST_EMAIL.upper()) == answer_shape(new, "new-person@example.com")
    assert taken.status_code == 200
    assert "already" not in taken.get_data(as_text=True).lower()
    assert len(hashes) == 2  # the same work on both paths
    assert user_count(engine) == 2  # the analyst and the new person
    with engine.connect() as conn:
        after = conn.execute(text("SELECT password_hash, display_name FROM users WHERE id = :id"), {"id": analyst.id})
        assert after.one() == before  # the existing account is untouched
    assert not is_logged_in(client)  # registration never logs anyone in, so both answers stay the same
