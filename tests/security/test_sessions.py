"""Sessions, replayed: a copied cookie dies with logout, a password change and a reset of the users; sessions end
after 7 idle days and 30 days after login; cookies are Secure with a __Host- name over HTTPS.

Was: a cookie copied before logout still worked after it (and was renewed); a cookie used weekly never expired; the
session held only the numeric user id, so after `seed.py --reset` an old cookie logged in as whoever got that id next.
"""

from __future__ import annotations

import hashlib
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import text

from db.users import create_user
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD, login, logout, post_form
from tests.security.conftest import is_logged_in, session_count

NEW_PASSWORD = "seven blue pelicans dancing"


def copy_session_cookie(source, target, name: str = "session") -> None:
    """What a thief does with a stolen cookie: present it from another browser."""
    target.set_cookie(name, source.get_cookie(name).value)


def session_token(dash_app, client) -> str:
    """The server-side session token inside the browser's signed session cookie."""
    cookie = client.get_cookie("session").value
    return dash_app.server.session_interface.get_signing_serializer(dash_app.server).loads(cookie)["_user_id"]


def assert_refused_everywhere(client) -> None:
    assert client.get("/_dash-layout").status_code == 401
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert not is_logged_in(client)


def test_a_cookie_copied_before_logout_is_refused_after_it(dash_app, logged_in_client, engine):
    thief = dash_app.server.test_client()
    copy_session_cookie(logged_in_client, thief)
    assert is_logged_in(thief)  # the copy works while the session lives
    assert logout(logged_in_client).status_code == 302
    assert_refused_everywhere(thief)
    assert session_count(engine) == 0


def test_a_password_change_ends_every_other_session_and_keeps_this_browser(dash_app, logged_in_client, engine):
    other_browser = dash_app.server.test_client()
    assert login(other_browser).status_code == 302
    thief = dash_app.server.test_client()
    copy_session_cookie(logged_in_client, thief)
    assert session_count(engine) == 2

    changed = post_form(
        logged_in_client,
        "/account/password",
        {"current_password": ANALYST_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert changed.status_code == 200
    assert is_logged_in(logged_in_client)  # on a new session
    assert_refused_everywhere(other_browser)
    assert_refused_everywhere(thief)
    assert session_count(engine) == 1


def test_the_session_row_holds_only_a_hash_of_the_random_token(dash_app, logged_in_client, analyst, engine):
    token = session_token(dash_app, logged_in_client)
    assert len(token) >= 43  # 256 random bits, URL-safe base64
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT token_hash, user_id FROM sessions")).all()
    assert rows == [(hashlib.sha256(token.encode()).digest(), analyst.id)]


def test_every_login_starts_a_new_session_token(dash_app, client, analyst):
    assert login(client).status_code == 302
    first = session_token(dash_app, client)
    assert login(client).status_code == 302
    assert session_token(dash_app, client) != first


def test_sessions_end_after_seven_idle_days(logged_in_client, engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE sessions SET last_seen_at = now() - interval '7 days 1 second'"))
    assert_refused_everywhere(logged_in_client)


def test_sessions_end_thirty_days_after_login_however_often_used(logged_in_client, engine):
    with engine.connect() as conn:
        lifetime = conn.execute(text("SELECT expires_at - created_at FROM sessions")).scalar_one()
    assert lifetime.days == 30 and lifetime.seconds == 0
    with engine.begin() as conn:  # used a minute ago, but logged in 30 days and a second ago
        conn.execute(
            text(
                "UPDATE sessions SET created_at = now() - interval '30 days 1 second',"
                " expires_at = now() - interval '1 second', last_seen_at = now() - interval '1 minute'"
            )
        )
    assert_refused_everywhere(logged_in_client)


def test_use_keeps_a_session_alive_without_a_write_per_request(logged_in_client, engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE sessions SET last_seen_at = now() - interval '6 days'"))
    assert is_logged_in(logged_in_client)
    with engine.connect() as conn:
        idle = conn.execute(text("SELECT now() - last_seen_at FROM sessions")).scalar_one()
    assert idle.total_seconds() < 60  # touched: the idle clock starts again
    with engine.begin() as conn:
        conn.execute(text("UPDATE sessions SET last_seen_at = now() - interval '1 minute'"))
    assert is_logged_in(logged_in_client)
    with engine.connect() as conn:
        idle = conn.execute(text("SELECT now() - last_seen_at FROM sessions")).scalar_one()
    assert idle.total_seconds() >= 60  # touched at most every 5 minutes


def test_a_reset_of_the_users_does_not_hand_old_sessions_to_the_next_user_with_that_id(
    logged_in_client, analyst, engine
):
    with engine.begin() as conn:
        # what `seed.py --reset` runs
        conn.execute(text("TRUNCATE users, people, events, feature_daily RESTART IDENTITY"))
        newcomer = create_user(conn, "someone.else@example.com", "x", "Someone Else", 50, "Male")
    assert newcomer.id == analyst.id  # the numeric id is reused ...
    assert_refused_everywhere(logged_in_client)  # ... the session is not


def set_cookies(response) -> dict:
    cookie = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookie.load(header)
    return cookie


@pytest.mark.parametrize(
    ("overrides", "request_kwargs"),
    [
        ({}, {"base_url": "https://localhost"}),
        ({"trusted_proxies": 1}, {"headers": {"X-Forwarded-Proto": "https"}}),
        ({"secure_cookies": True}, {}),
    ],
    ids=["tls", "trusted-proxy", "setting"],
)
def test_over_https_every_cookie_is_secure_with_a_host_prefix(make_app, analyst, overrides, request_kwargs):
    client = make_app(**overrides).server.test_client()
    cookies = set_cookies(login(client, **request_kwargs))
    assert sorted(cookies) == ["__Host-device", "__Host-session"]
    for morsel in cookies.values():
        assert morsel["secure"] and morsel["httponly"] and morsel["path"] == "/" and not morsel["domain"]
    assert is_logged_in(client, **request_kwargs)


def test_plain_http_keeps_plain_cookies_and_a_forged_forwarded_proto_changes_nothing(client, analyst):
    cookies = set_cookies(login(client, headers={"X-Forwarded-Proto": "https"}))  # no trusted proxy: ignored
    assert sorted(cookies) == ["device", "session"]
    assert not cookies["session"]["secure"]
    assert cookies["session"]["samesite"] == "Lax" and cookies["session"]["httponly"]
    assert is_logged_in(client)


def test_logging_out_and_in_again_works_and_leaves_one_session(client, analyst, engine):
    assert login(client, ANALYST_EMAIL, ANALYST_PASSWORD).status_code == 302
    assert logout(client).status_code == 302
    assert login(client).status_code == 302
    assert session_count(engine) == 1
