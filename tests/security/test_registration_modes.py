"""Who may create an account: REGISTRATION=open (the demo default), invite (one-time links from the command line)
or closed.

Was: anyone who could reach /register could read all analytics.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from config import Settings
from tests.api.conftest import run_cli
from tests.conftest import form_token
from tests.security.conftest import auth_error, user_count

NEEDS_INVITE = "Registration needs an invitation link. Ask an administrator for one."
BAD_INVITE = "This invitation link cannot be used: it was used already, has expired, or is mistyped."


def registration(email: str, **extra) -> dict:
    return {"name": "Ivy Invited", "email": email, "password": "invited and welcome", "age": "29", "gender": "Female"}


def create_invite(monkeypatch, db_url, *args: str) -> str:
    """`uv run app.py create-invite ...`; returns the link it prints alone on its last line."""
    code, out, err = run_cli(monkeypatch, db_url, "create-invite", "--url", "https://clickboard.example", *args)
    assert code == 0, err
    return out.strip().splitlines()[-1]


def invite_of(link: str) -> str:
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "clickboard.example", "/register")
    return parse_qs(parts.query)["invite"][0]


def post_register(client, form: dict, token_from: str = "/login"):
    return client.post("/register", data={"csrf_token": form_token(client, token_from), **form})


def test_open_is_the_default():
    assert Settings.model_fields["registration"].default == "open"


def test_closed_registration_refuses_the_page_and_the_form(make_app, engine):
    client = make_app(registration="closed").server.test_client()
    page = client.get("/register")
    assert page.status_code == 403
    assert "Registration is closed" in auth_error(page)
    assert post_register(client, registration("c@example.com")).status_code == 403
    assert user_count(engine) == 0
    assert 'href="/register"' not in client.get("/login").get_data(as_text=True)


def test_invite_only_registration_needs_a_one_time_link(make_app, engine, monkeypatch, db_url):
    client = make_app(registration="invite").server.test_client()
    assert auth_error(client.get("/register")) == NEEDS_INVITE
    assert client.get("/register").status_code == 403
    assert post_register(client, registration("nolink@example.com")).status_code == 403
    assert 'href="/register"' not in client.get("/login").get_data(as_text=True)

    link = create_invite(monkeypatch, db_url)
    token = invite_of(link)
    page = client.get(f"/register?invite={token}")
    assert page.status_code == 200
    assert f'name="invite" value="{token}"' in page.get_data(as_text=True)
    created = post_register(client, registration("ivy@example.com") | {"invite": token}, f"/register?invite={token}")
    assert created.status_code == 200
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT u.email, i.used_at IS NOT NULL FROM invites i JOIN users u ON u.id = i.used_by")
        )
        assert row.all() == [("ivy@example.com", True)]

    # one use only
    assert auth_error(client.get(f"/register?invite={token}")) == BAD_INVITE
    again = post_register(client, registration("second@example.com") | {"invite": token})
    assert again.status_code == 403
    assert user_count(engine) == 1


def test_an_invitation_is_not_used_up_by_an_email_that_is_taken(make_app, analyst, engine, monkeypatch, db_url):
    client = make_app(registration="invite").server.test_client()
    token = invite_of(create_invite(monkeypatch, db_url))
    taken = post_register(client, registration(analyst.email) | {"invite": token})
    assert taken.status_code == 200  # the same answer as for a new account
    assert post_register(client, registration("fresh@example.com") | {"invite": token}).status_code == 200
    assert user_count(engine) == 2


def test_expired_and_mistyped_invitations_are_refused(make_app, engine, monkeypatch, db_url):
    client = make_app(registration="invite").server.test_client()
    token = invite_of(create_invite(monkeypatch, db_url, "--days", "1"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE invites SET expires_at = now() - interval '1 second'"))
    for value in (token, token[:-1] + ("A" if token[-1] != "A" else "B"), "short", "bad\x00token-" * 3):
        response = client.get("/register", query_string={"invite": value})
        assert response.status_code == 403
    assert post_register(client, registration("late@example.com") | {"invite": token}).status_code == 403
    assert user_count(engine) == 0


@pytest.mark.parametrize("days", ["0", "91"])
def test_create_invite_refuses_a_lifetime_outside_1_to_90_days(monkeypatch, db_url, engine, days):
    code, _out, err = run_cli(monkeypatch, db_url, "create-invite", "--days", days)
    assert code == 2
    assert err == "error: --days must be between 1 and 90\n"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM invites")).scalar_one() == 0
