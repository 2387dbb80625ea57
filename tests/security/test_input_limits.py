"""Oversized and malformed input on the auth pages, and the database going away: always an answer on the page with
the right status — never a 500, never a misleading 503.

Was: a 50 MiB password reached the hash and a 10 MiB one was registered; a NUL byte in the login email or a
registration name gave 503 "database unavailable"; the gate answered an unstyled plain-text 503.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text

from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD, form_token, post_form
from tests.security.conftest import auth_error, user_count

UNAVAILABLE = "The database is unavailable; retry shortly."
TOO_LARGE = "The form is too large (at most 64 KiB). Nothing was saved."


def registration(**overrides) -> dict:
    return {"name": "Nul Tester", "email": "nul@example.com", "password": "sturdy enough phrase", "age": "30",
            "gender": "Other"} | overrides  # fmt: skip


def styled(response) -> bool:
    html = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return html.find("link", rel="stylesheet", href="/assets/vendor/bootstrap.min.css") is not None


@pytest.mark.parametrize(("path", "megabytes"), [("/login", 50), ("/register", 10)])
def test_a_huge_form_is_413_on_the_page_before_any_hashing(client, analyst, engine, hashes, path, megabytes):
    form = registration(password="a" * (megabytes << 20)) if path == "/register" else None
    form = form or {"email": ANALYST_EMAIL, "password": "a" * (megabytes << 20)}
    response = post_form(client, path, form)
    assert response.status_code == 413
    assert auth_error(response) == TOO_LARGE
    assert styled(response)
    assert hashes == []
    assert user_count(engine) == 1


def test_the_ingestion_api_keeps_its_own_1_mib_limit_for_json(client, api_key):
    events = [{"feature": f"feature_{i:04d}_" + "x" * 60} for i in range(1000)]  # about 90 KiB: over the form limit
    response = client.post("/api/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 202, response.get_data(as_text=True)[:200]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "ana\x00@example.com", "password": ANALYST_PASSWORD}, "Enter a valid email address."),
        ({"email": "ana@exa\x07mple.com", "password": ANALYST_PASSWORD}, "Enter a valid email address."),
        ({"email": "a" * 250 + "@example.com", "password": ANALYST_PASSWORD}, "Enter a valid email address."),
    ],
    ids=["nul-email", "bell-email", "oversized-email"],
)
def test_bad_login_input_is_400_on_the_page(client, analyst, hashes, form, message):
    response = post_form(client, "/login", form)
    assert response.status_code == 400
    assert auth_error(response) == message
    assert hashes == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Nul\x00Tester"}, "Name must not contain control characters."),
        ({"name": "Line\nbreak"}, "Name must not contain control characters."),
        ({"name": "n" * 101}, "Name must be 1 to 100 characters."),
        ({"email": "nul\x00@example.com"}, "Email must not contain control characters."),
        ({"email": "e" * 250 + "@example.com"}, "Email must be at most 254 characters."),
        ({"password": "sturdy\x00enough phrase"}, "Password must not contain control characters"),
        ({"age": "3\x000"}, "Age must be a whole number between 1 and 120."),
        ({"gender": "Other\x00"}, "Gender must be one of Male, Female, Other."),
    ],
    ids=["nul-name", "newline-name", "oversized-name", "nul-email", "oversized-email", "nul-password", "nul-age",
         "nul-gender"],
)  # fmt: skip
def test_bad_registration_input_is_400_on_the_page_and_creates_nothing(client, engine, overrides, message):
    response = post_form(client, "/register", registration(**overrides))
    assert response.status_code == 400
    assert auth_error(response).startswith(message)
    assert "\x00" not in response.get_data(as_text=True)
    assert user_count(engine) == 0


def test_with_a_session_cookie_and_no_database_every_auth_page_answers_styled(logged_in_client, database_down):
    token = form_token(logged_in_client)
    database_down()
    for response in (logged_in_client.get("/login"), logged_in_client.get("/register")):
        assert response.status_code == 200  # these pages need no database to show
        assert styled(response)
    answers = {
        "login": logged_in_client.post(
            "/login", data={"csrf_token": token, "email": ANALYST_EMAIL, "password": ANALYST_PASSWORD}
        ),
        "register": logged_in_client.post("/register", data={"csrf_token": token, **registration()}),
        "logout": logged_in_client.post("/logout", data={"csrf_token": token}),
        "dashboard": logged_in_client.get("/"),
    }
    for name, response in answers.items():
        assert response.status_code == 503, name
        assert response.headers["Retry-After"] == "2", name
        assert auth_error(response) == UNAVAILABLE, name
        assert styled(response), name
    # logging out could not end the session: the page offers to try again rather than pretending it worked
    assert 'id="logout-retry"' in answers["logout"].get_data(as_text=True)


def test_sql_shaped_input_is_only_data(client, engine):
    assert post_form(client, "/login", {"email": "' OR 1=1 --@x.com", "password": "' OR '1'='1"}).status_code == 401
    name = "Robert'); DROP TABLE users;--"
    assert post_form(client, "/register", registration(name=name, email="bobby@example.com")).status_code == 200
    with engine.connect() as conn:
        assert conn.execute(text("SELECT display_name FROM users")).scalars().all() == [name]


def test_a_huge_dash_callback_is_413_and_runs_nothing(logged_in_client, engine):
    from devtools.dash_requests import update_request
    from tests.dash_client import callback_for, csrf_header

    tracker = callback_for(logged_in_client, ["refresh-button.n_clicks"])[0]
    body = update_request(tracker, {"refresh-button.n_clicks": 1}, ["refresh-button.n_clicks"])
    body["padding"] = "x" * (2 << 20)
    response = logged_in_client.post("/_dash-update-component", json=body, headers=csrf_header(logged_in_client))
    assert response.status_code == 413
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 0
    body.pop("padding")
    response = logged_in_client.post("/_dash-update-component", json=body, headers=csrf_header(logged_in_client))
    assert response.status_code == 204  # the same callback at its real size runs (and records one event)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 1
