"""Passwords, replayed: weak ones are refused, hashes are argon2id at OWASP's parameters and are upgraded on login,
and a password can be changed (with the current one).

Was: `12345678`, `password` and eight spaces were accepted; there was no way to change a password.
"""

from __future__ import annotations

import hashlib

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from werkzeug.security import generate_password_hash

import passwords
from config import Settings
from db.users import create_user
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD, login, post_form
from tests.security.conftest import auth_error, is_logged_in, user_count

STRONG = "granite otter waltzes slowly"


def registration(password: str, email: str = "pat@example.com") -> dict:
    return {"name": "Pat Person", "email": email, "password": password, "age": "44", "gender": "Male"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678", "password must be at least 12 characters"),
        ("password", "password must be at least 12 characters"),
        (" " * 8, "password must be at least 12 characters"),
        (" " * 40, "password must be at least 12 characters"),  # runs of spaces count as one
        ("abc" + " " * 20 + "defgh", "password must be at least 12 characters"),
        ("123456789012", "password is too easy to guess"),
        ("passwordpassword", "password is too easy to guess"),
        ("qwertyuiopasdfgh", "password is too easy to guess"),
        ("iloveyou2024!", "password is too easy to guess"),
        ("pat@example.com1", "password is too easy to guess"),  # the account's own email
        ("tab\tinside the password", "password must not contain control characters"),
        ("x" * 1025, "password must be at most 1,024 characters"),
    ],
    ids=[
        "8-digits",
        "password",
        "8-spaces",
        "40-spaces",
        "spaces-collapse",
        "12-digits",
        "repeated-word",
        "keyboard-walk",
        "common-with-year",
        "own-email",
        "control-character",
        "1025-chars",
    ],
)
def test_weak_or_unusable_passwords_are_refused_at_registration(client, engine, hashes, password, message):
    response = post_form(client, "/register", registration(password))
    assert response.status_code == 400
    assert message in auth_error(response).lower()
    assert user_count(engine) == 0
    assert hashes == []  # refused before any hashing


@pytest.mark.parametrize(
    "password",
    [STRONG, "Zürich ☕ Ölfass Bäckerei", "x7#Kq!p2@Lm9", "w" + "ord " * 255 + "end"],
    ids=["words", "unicode-and-emoji", "random-12", "1024-chars"],
)
def test_strong_passwords_of_any_characters_up_to_1024_are_accepted(client, engine, password):
    assert len(password) <= 1024
    assert post_form(client, "/register", registration(password)).status_code == 200
    assert login(client, "pat@example.com", password).status_code == 302


def test_a_password_over_1024_characters_is_refused_at_login_before_any_hashing(client, analyst, hashes):
    response = login(client, ANALYST_EMAIL, "x" * 1025)
    assert response.status_code == 400
    assert auth_error(response) == "Passwords are at most 1,024 characters."
    assert hashes == []


def test_hashes_are_argon2id_at_the_owasp_parameters_by_default():
    assert Settings.model_fields["password_hash_cost"].default == "standard"
    passwords.configure("standard")
    try:
        stored = passwords.hash_password(STRONG)
    finally:
        passwords.configure("test")  # the suite's documented low cost
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")  # OWASP: 19 MiB, 2 iterations, 1 lane
    assert passwords.verify(stored, STRONG).ok


@pytest.mark.parametrize(
    "old_hash",
    [
        generate_password_hash(ANALYST_PASSWORD, method="scrypt"),  # what earlier versions stored
        PasswordHasher(time_cost=3, memory_cost=65_536, parallelism=4).hash(ANALYST_PASSWORD),  # other parameters
    ],
    ids=["scrypt", "argon2-other-parameters"],
)
def test_an_old_hash_still_works_and_is_upgraded_on_the_next_login(client, engine, old_hash):
    with engine.begin() as conn:
        create_user(conn, ANALYST_EMAIL, None, "Ana", 30, "Female", password_hash=old_hash)
    assert login(client).status_code == 302
    with engine.connect() as conn:
        upgraded = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert upgraded.startswith("$argon2id$v=19$m=1024,t=1,p=1$")  # the configured (here: test) parameters
    assert PasswordHasher().verify(upgraded, ANALYST_PASSWORD)


def change(client, current: str, new: str, again: str | None = None):
    form = {"current_password": current, "new_password": new, "new_password_again": new if again is None else again}
    return post_form(client, "/account/password", form)


def stored_hash(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT password_hash FROM users")).scalar_one()


def test_the_change_password_page_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount%2Fpassword"


def test_the_change_password_page_has_its_fields(logged_in_client):
    html = logged_in_client.get("/account/password").get_data(as_text=True)
    for element_id in ("password-current", "password-new", "password-new-again", "password-submit"):
        assert f'id="{element_id}"' in html


@pytest.mark.parametrize(
    ("current", "new", "again", "message"),
    [
        ("not my password", STRONG, None, "Your current password is not correct."),
        (ANALYST_PASSWORD, STRONG, STRONG + "x", "The two new passwords are not the same."),
        (ANALYST_PASSWORD, "short", None, "Password must be at least 12 characters."),
        (ANALYST_PASSWORD, "ana analyst ana", None, "Password is too easy to guess"),
    ],
    ids=["wrong-current", "mismatch", "too-short", "own-name"],
)
def test_a_refused_password_change_changes_nothing(logged_in_client, engine, current, new, again, message):
    before = stored_hash(engine)
    response = change(logged_in_client, current, new, again)
    assert response.status_code == 400
    assert auth_error(response).startswith(message)
    assert stored_hash(engine) == before
    assert is_logged_in(logged_in_client)


def test_a_password_change_form_shows_every_mistake_at_once_before_checking_anything(logged_in_client, engine, hashes):
    from tests.api.test_auth import focused, marks, page

    before = stored_hash(engine)
    response = change(logged_in_client, "", "short", "other")
    assert response.status_code == 400
    assert auth_error(response) == "2 fields need a change: Current password and New password."
    html = page(response)
    assert marks(html, "password-current") == ("Enter your current password.", "true")
    assert marks(html, "password-new") == ("Password must be at least 12 characters.", "true")
    assert marks(html, "password-new-again") == (None, None)  # the rules come first; then whether they match
    assert focused(html) == ["password-current"]
    assert hashes == []  # nothing was checked against the stored hash: no attempt counted
    assert stored_hash(engine) == before

    wrong = change(logged_in_client, "not my password", STRONG)
    assert marks(page(wrong), "password-current") == ("Your current password is not correct.", "true")
    assert focused(page(wrong)) == ["password-current"]


def test_a_password_change_takes_effect_at_once(dash_app, logged_in_client, engine):
    response = change(logged_in_client, ANALYST_PASSWORD, STRONG)
    assert response.status_code == 200
    assert "Your password has been changed." in response.get_data(as_text=True)
    fresh = dash_app.server.test_client()
    assert login(fresh, ANALYST_EMAIL, ANALYST_PASSWORD).status_code == 401
    assert login(fresh, ANALYST_EMAIL, STRONG).status_code == 302


def test_wrong_current_passwords_are_throttled_like_logins(logged_in_client):
    statuses = [change(logged_in_client, f"wrong guess {i}", STRONG).status_code for i in range(6)]
    assert statuses == [400] * 5 + [429]


def test_a_long_password_is_never_truncated(client):
    long_password = " ".join(hashlib.sha256(bytes([i])).hexdigest()[:6] for i in range(140)) + " ending-A"
    assert 900 < len(long_password) <= 1024
    assert post_form(client, "/register", registration(long_password)).status_code == 200
    assert login(client, "pat@example.com", long_password[:-1] + "B").status_code == 401  # the last character counts
    assert login(client, "pat@example.com", long_password).status_code == 302


def test_password_managers_and_paste_are_welcome(client):
    for path, fields in (
        ("/login", {"login-email": "username", "login-password": "current-password"}),
        ("/register", {"register-email": "email", "register-password": "new-password"}),
    ):
        html = client.get(path).get_data(as_text=True)
        for element_id, autocomplete in fields.items():
            assert f'id="{element_id}"' in html
            tag = html.split(f'id="{element_id}"', 1)[1].split(">", 1)[0]
            assert f'autocomplete="{autocomplete}"' in tag
        assert "onpaste" not in html.lower()
