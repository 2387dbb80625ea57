"""Forged posts to the settings page's forms, replayed over HTTP: a page on another site cannot make, revoke or
withdraw API keys or invitations, or forget a person, with an admin's browser, even with a token stolen from the
page, and a same-site post without the token is refused too. Nothing changes, and nothing is audited or tracked."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import form_token
from tests.security.conftest import auth_error

FORGED = "This form did not come from this Clickboard page, or it has expired. Please submit it again."
CROSS_SITE = [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
]
FORMS = [
    ("/settings/api-keys", {"name": "attacker", "scope": ["ingest", "read"]}),
    ("/settings/api-keys/revoke", {"name": "victim", "key_id": "1"}),
    ("/settings/invites", {"days": "90"}),
    ("/settings/invites/withdraw", {"invite_id": "1"}),
    ("/settings/people/forget", {"external_id": "victim", "confirm": "yes"}),
]
IDS = ["create-key", "revoke-key", "create-invite", "withdraw", "forget-person"]


def state_of(engine) -> tuple:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT name, revoked_at FROM api_keys ORDER BY id")).all(),
            conn.execute(text("SELECT id, withdrawn_at FROM invites ORDER BY id")).all(),
            conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM events")).scalar_one(),
            conn.execute(text("SELECT external_id FROM people ORDER BY id")).all(),
        )


@pytest.fixture
def victim_state(admin_client, engine):
    """A key named "victim" (number 1), a pending invitation (number 1) and a person "victim" for the forged forms to
    aim at."""
    from db import invites, people
    from db.api_keys import create_key

    with engine.begin() as conn:
        create_key(conn, "victim")
        invites.create(conn)
        people.identify(conn, "victim", age=30)
    return state_of(engine)


@pytest.mark.parametrize(("path", "form"), FORMS, ids=IDS)
@pytest.mark.parametrize("headers", CROSS_SITE, ids=["origin", "null-origin", "cross-site", "same-site", "both"])
def test_a_cross_site_post_to_a_settings_form_is_refused_even_with_a_valid_token(
    admin_client, engine, victim_state, path, form, headers
):
    token = form_token(admin_client, "/settings")
    response = admin_client.post(path, data={"csrf_token": token, **form}, headers=headers)
    assert response.status_code == 403
    assert auth_error(response) == FORGED
    assert "cb_" not in response.get_data(as_text=True) and "invite=" not in response.get_data(as_text=True)
    assert state_of(engine) == victim_state


@pytest.mark.parametrize(("path", "form"), FORMS, ids=IDS)
def test_a_settings_form_without_the_token_or_with_another_sessions_token_is_refused(
    dash_app, admin_client, analyst, engine, victim_state, path, form
):
    from tests.conftest import login

    same_site = {"Sec-Fetch-Site": "same-origin"}
    assert admin_client.post(path, data=form, headers=same_site).status_code == 403
    other = dash_app.server.test_client()  # the attacker's own session (an analyst account would do as well)
    assert login(other).status_code == 302
    foreign = form_token(other, "/account/password")
    assert admin_client.post(path, data={"csrf_token": foreign, **form}, headers=same_site).status_code == 403
    assert state_of(engine) == victim_state


def test_the_same_forms_from_this_site_go_through(admin_client, engine, victim_state):
    """The counterpart: proves the refusals above come from the CSRF checks, not from a broken form."""
    same_site = {"Sec-Fetch-Site": "same-origin"}
    for path, form in FORMS:
        token = form_token(admin_client, "/settings")
        assert admin_client.post(path, data={"csrf_token": token, **form}, headers=same_site).status_code == 200, path
    keys, invitations, audited, _events, persons = state_of(engine)
    assert [name for name, _ in keys] == ["victim", "attacker"] and keys[0][1] is not None
    assert len(invitations) == 2 and invitations[0][1] is not None
    assert persons == []
    assert audited == victim_state[2] + 5
