"""Forged form posts, replayed over HTTP: every state-changing form needs this site's token and this site's origin.

(The same attacks from a real page on another origin, in Chromium: test_csrf_browser.py.)
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from sqlalchemy import text

from devtools.dash_requests import update_request
from layouts.ids import REFRESH_BUTTON
from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD, form_token
from tests.dash_client import callback_for, csrf_header, post_callback
from tests.security.conftest import auth_error, is_logged_in, session_count, user_count

FORGED = "This form did not come from this Clickboard page, or it has expired. Please submit it again."
SITE = "http://localhost"  # the test client's origin
NEW_ACCOUNT = {"name": "Mallory", "email": "mallory@example.com", "password": "mallory owns nothing", "age": "30"}


def registration_form(**extra) -> dict:
    return {**NEW_ACCOUNT, "gender": "Other", **extra}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": SITE},  # Fetch Metadata wins: browsers set it, pages cannot
    ],
    ids=["other-origin", "null-origin", "lookalike-origin", "cross-site", "same-site", "cross-site-despite-origin"],
)
def test_a_cross_site_login_is_refused_403_even_with_a_valid_token(client, analyst, headers):
    token = form_token(client)
    response = client.post(
        "/login", data={"csrf_token": token, "email": ANALYST_EMAIL, "password": ANALYST_PASSWORD}, headers=headers
    )
    assert response.status_code == 403
    assert auth_error(response) == FORGED
    assert not is_logged_in(client)


def test_a_login_without_the_token_is_refused_403(client, analyst):
    client.get("/login")
    response = client.post("/login", data={"email": ANALYST_EMAIL, "password": ANALYST_PASSWORD})
    assert response.status_code == 403
    assert not is_logged_in(client)


def test_the_right_origin_alone_is_not_enough(client, analyst):
    """Origin and Fetch Metadata only ever refuse; the token is still required."""
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": ANALYST_EMAIL, "password": ANALYST_PASSWORD},
        headers={"Origin": SITE, "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 403
    assert not is_logged_in(client)


def test_a_token_from_another_browser_session_is_refused(dash_app, client, analyst):
    attacker = dash_app.server.test_client()
    attackers_token = form_token(attacker)  # valid, but bound to the attacker's own session cookie
    form_token(client)
    response = client.post(
        "/login", data={"csrf_token": attackers_token, "email": ANALYST_EMAIL, "password": ANALYST_PASSWORD}
    )
    assert response.status_code == 403
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    "headers", [{"Origin": SITE}, {"Sec-Fetch-Site": "same-origin"}, {}], ids=["origin", "fetch-metadata", "neither"]
)
def test_same_origin_with_the_token_logs_in_and_out(client, analyst, headers):
    token = form_token(client)
    response = client.post(
        "/login", data={"csrf_token": token, "email": ANALYST_EMAIL, "password": ANALYST_PASSWORD}, headers=headers
    )
    assert response.status_code == 302
    assert is_logged_in(client)
    token = form_token(client)  # the login started a new session, with a new token
    assert client.post("/logout", data={"csrf_token": token}, headers=headers).status_code == 302
    assert not is_logged_in(client)


def test_a_forged_logout_leaves_the_victim_logged_in(logged_in_client, engine):
    assert logged_in_client.post("/logout").status_code == 403  # no token
    token = form_token(logged_in_client)
    cross = logged_in_client.post("/logout", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert is_logged_in(logged_in_client)
    assert session_count(engine) == 1


def test_a_refused_post_never_replaces_the_browsers_session_cookie(client, analyst):
    """A cross-site POST arrives without the SameSite=Lax cookie; answering it with a new session would log the
    victim out through the back door."""
    for path in ("/logout", "/login", "/register"):
        response = client.post(path, data={"email": ANALYST_EMAIL}, headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 403
        assert response.headers.getlist("Set-Cookie") == []


def test_a_forged_registration_creates_nothing(client, engine):
    assert client.post("/register", data=registration_form()).status_code == 403
    token = form_token(client, "/register")
    cross = client.post(
        "/register", data=registration_form(csrf_token=token), headers={"Origin": "http://evil.example"}
    )
    assert cross.status_code == 403
    assert user_count(engine) == 0


def test_a_forged_password_change_changes_nothing(logged_in_client, engine):
    with engine.connect() as conn:
        before = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    form = {"current_password": ANALYST_PASSWORD, "new_password": "x" * 8 + " fresh start", "new_password_again": ""}
    form["new_password_again"] = form["new_password"]
    assert logged_in_client.post("/account/password", data=form).status_code == 403
    with engine.connect() as conn:
        assert conn.execute(text("SELECT password_hash FROM users")).scalar_one() == before


def test_the_dashboard_page_hands_its_scripts_the_token_in_a_strict_cookie(logged_in_client):
    page = logged_in_client.get("/")
    cookie = SimpleCookie()
    for header in page.headers.getlist("Set-Cookie"):
        cookie.load(header)
    morsel = cookie["_csrf_token"]
    assert morsel["samesite"] == "Strict" and morsel["path"] == "/" and not morsel["httponly"]
    # what assets/csrf.js (a form field) and Dash's renderer (an X-CSRFToken header) send back is accepted
    assert logged_in_client.post("/logout", headers={"X-CSRFToken": morsel.value}).status_code == 302
    assert not is_logged_in(logged_in_client)


def test_key_authenticated_api_needs_no_csrf_token(client, api_key):
    response = client.post(
        "/api/v1/events",
        json={"events": [{"feature": "export_csv"}]},
        headers={"Authorization": f"Bearer {api_key}", "Origin": "http://other-app.example"},
    )
    assert response.status_code == 202


def refresh_tracker(client) -> dict:
    """The Refresh button's meta-analytics recorder: a callback that writes one event each time it runs."""
    return callback_for(client, [f"{REFRESH_BUTTON}.n_clicks"])[0]


def dashboard_events(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM events WHERE source = 'dashboard'")).scalar_one()


def test_a_dash_callback_with_the_renderers_token_runs(logged_in_client, engine):
    response = post_callback(
        logged_in_client,
        refresh_tracker(logged_in_client),
        {f"{REFRESH_BUTTON}.n_clicks": 1},
        [f"{REFRESH_BUTTON}.n_clicks"],
    )
    assert response.status_code == 204, response.get_data(as_text=True)[:300]
    assert dashboard_events(engine) == 1


@pytest.mark.parametrize(
    ("headers", "with_the_real_token"),
    [
        pytest.param({}, False, id="no-token"),
        pytest.param({"X-CSRFToken": "forged"}, False, id="forged-token"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, True, id="cross-site-with-the-token"),
        pytest.param({"Origin": "http://evil.example"}, True, id="foreign-origin-with-the-token"),
    ],
)
def test_a_forged_dash_callback_is_refused_403_and_records_nothing(
    logged_in_client, engine, headers, with_the_real_token
):
    tracker = refresh_tracker(logged_in_client)
    values = {f"{REFRESH_BUTTON}.n_clicks": 1}
    token = csrf_header(logged_in_client) if with_the_real_token else {}
    body = update_request(tracker, values, list(values))
    response = logged_in_client.post("/_dash-update-component", json=body, headers=token | headers)
    assert response.status_code == 403
    assert dashboard_events(engine) == 0


def test_a_burst_of_tracking_callbacks_stores_at_most_ten_events(logged_in_client, engine):
    """Was: 500 forged tracking callbacks from one session wrote 500 events in one second. Now the same session (with
    a valid token: the analyst's own browser, scripted) stores LIMIT per control in the window."""
    from db.tracking_allowance import LIMIT

    tracker = refresh_tracker(logged_in_client)
    values = {f"{REFRESH_BUTTON}.n_clicks": 1}
    token = csrf_header(logged_in_client)
    body = update_request(tracker, values, list(values))
    statuses = [
        logged_in_client.post("/_dash-update-component", json=body, headers=token).status_code for _ in range(60)
    ]
    assert statuses == [204] * 60  # the dashboard keeps answering; only the recording stops
    assert dashboard_events(engine) == LIMIT
