"""The settings page over HTTP, as an admin: API keys made there work with exactly their scopes, are listed with their
last use, and are revoked at once; invitation links made there register one account and can be withdrawn; every
action lands in the audit log and records one meta-analytics event; refused forms change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text

from tests.api.conftest import new_event, post_events
from tests.conftest import ADMIN_EMAIL, form_token

_TODAY = datetime.now(UTC).date()
STATS = f"/api/v1/stats?start={_TODAY - timedelta(days=1)}&end={_TODAY + timedelta(days=1)}"  # the settings use UTC


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def settings_post(client, path: str, data: dict):
    """Submit a form of the settings page like a browser: with the page's CSRF token, from this site."""
    token = form_token(client, "/settings")
    return client.post(path, data={"csrf_token": token, **data}, headers={"Sec-Fetch-Site": "same-origin"})


def create_key(client, name: str, scopes=("ingest",)):
    return settings_post(client, "/settings/api-keys", {"name": name, "scope": list(scopes)})


def shown_key(response) -> str:
    element = soup(response).find(id="new-api-key")
    assert element is not None, response.get_data(as_text=True)
    return element["value"]


def key_rows(response) -> dict[str, list[str]]:
    """The keys table: name -> its cells' text (name, prefix, scopes, created, last used)."""
    rows = soup(response).find(id="api-keys").select("tbody tr[data-name]")
    return {row["data-name"]: [cell.get_text(strip=True) for cell in row.find_all("td")[:5]] for row in rows}


def audit_rows(engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        return [
            tuple(row) for row in conn.execute(text("SELECT actor, action, target, detail FROM audit_log ORDER BY id"))
        ]


def settings_events(engine) -> dict[str, tuple[int, set]]:
    """Meta-analytics events of the settings page: name -> (count, user ids)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT feature, count(*), array_agg(DISTINCT user_id) FROM events"
                " WHERE source = 'dashboard' AND feature LIKE 'settings_%' GROUP BY feature"
            )
        ).all()
    return {name: (count, set(users)) for name, count, users in rows}


def key_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM api_keys")).scalar_one()


def test_the_page_lists_keys_invitations_and_the_audit_log(admin_client, admin):
    page = admin_client.get("/settings")
    assert page.status_code == 200
    html = soup(page)
    for element_id in ("api-key-name", "api-key-scope-ingest", "api-key-scope-read", "api-keys", "invite-days",
                       "pending-invites", "audit-log"):  # fmt: skip
        assert html.find(id=element_id) is not None, element_id
    assert html.find(id="api-key-scope-ingest").has_attr("checked")  # new keys: ingestion only by default
    assert not html.find(id="api-key-scope-read").has_attr("checked")
    assert [row.get_text(" ", strip=True) for row in html.find(id="audit-log").select("tbody tr")][0].endswith(
        f"made administrator {ADMIN_EMAIL}"
    )
    assert page.headers["Cache-Control"] == "no-store"
    scripts = [tag.get("src") for tag in html.find_all("script")]
    assert scripts == ["/assets/settings.js"]  # no inline script


def test_an_ingest_only_key_sends_events_and_may_not_read(admin_client, admin, client, engine):
    created = create_key(admin_client, "mobile-app")
    assert created.status_code == 200
    key = shown_key(created)
    assert key.startswith("cb_")
    auth = {"Authorization": f"Bearer {key}"}
    assert post_events(client, auth, [new_event()]).status_code == 202
    refused = client.get(STATS, headers=auth)
    assert refused.status_code == 403
    assert "read" in refused.get_json()["error"]
    page = admin_client.get("/settings")
    assert key not in page.get_data(as_text=True)  # shown once
    name, prefix, scopes, created_at, last_used = key_rows(page)["mobile-app"]
    assert (name, prefix, scopes) == ("mobile-app", key[:10] + "…", "ingest")
    assert created_at.endswith("UTC") and last_used.endswith("UTC")  # used once: no longer "never"
    assert audit_rows(engine)[-1] == (ADMIN_EMAIL, "api_key.create", "mobile-app", "scopes: ingest")
    assert settings_events(engine) == {"settings_create_key": (1, {admin.id})}


def test_a_read_only_key_reads_and_may_not_send_events(admin_client, client, engine):
    key = shown_key(create_key(admin_client, "reporting", ["read"]))
    auth = {"Authorization": f"Bearer {key}"}
    refused = post_events(client, auth, [new_event()])
    assert refused.status_code == 403
    assert "ingest" in refused.get_json()["error"]
    assert client.get(STATS, headers=auth).status_code == 200
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events WHERE source = 'api'")).scalar_one() == 0
    assert key_rows(admin_client.get("/settings"))["reporting"][2] == "read"


def test_a_key_with_both_scopes_does_both(admin_client, client):
    key = shown_key(create_key(admin_client, "etl", ["ingest", "read"]))
    auth = {"Authorization": f"Bearer {key}"}
    assert post_events(client, auth, [new_event()]).status_code == 202
    by_feature = client.get(STATS, headers=auth).get_json()["by_feature"]
    assert {row["feature"]: row["clicks"] for row in by_feature} == {"export_csv": 1, "settings_create_key": 1}


def test_revoking_on_the_page_refuses_the_key_at_once_and_frees_its_name(admin_client, admin, client, engine):
    key = shown_key(create_key(admin_client, "etl"))
    auth = {"Authorization": f"Bearer {key}"}
    assert post_events(client, auth, [new_event()]).status_code == 202  # verified, and remembered by this app
    key_id = soup(admin_client.get("/settings")).select_one("tr[data-name=etl] input[name=key_id]")["value"]
    revoked = settings_post(admin_client, "/settings/api-keys/revoke", {"name": "etl", "key_id": key_id})
    assert revoked.status_code == 200
    assert "etl" not in key_rows(revoked)
    assert post_events(client, auth, [new_event()]).status_code == 401
    again = shown_key(create_key(admin_client, "etl"))  # a revoked key's name can be used again
    assert again != key
    assert post_events(client, {"Authorization": f"Bearer {again}"}, [new_event()]).status_code == 202
    assert post_events(client, auth, [new_event()]).status_code == 401  # the old one stays dead
    assert [row[1:3] for row in audit_rows(engine)[1:]] == [
        ("api_key.create", "etl"),
        ("api_key.revoke", "etl"),
        ("api_key.create", "etl"),
    ]
    assert settings_events(engine) == {
        "settings_create_key": (2, {admin.id}),
        "settings_revoke_key": (1, {admin.id}),
    }


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "scope": ["ingest"]}, "The key name must be 1 to 100 characters."),
        ({"name": "x" * 101, "scope": ["ingest"]}, "The key name must be 1 to 100 characters."),
        ({"name": "tab\there", "scope": ["ingest"]}, "The key name must not contain control characters."),
        ({"name": "etl"}, "Choose at least one scope."),
        ({"name": "etl", "scope": ["ingest", "admin"]}, "Unknown scope 'admin'; the scopes are ingest, read."),
        ({"name": "taken", "scope": ["read"]}, "An API key named 'taken' already exists and is in use"),
    ],
    ids=["empty", "too-long", "control-character", "no-scope", "unknown-scope", "name-in-use"],
)
def test_a_refused_key_form_is_400_with_its_message_and_changes_nothing(admin_client, engine, form, message):
    shown_key(create_key(admin_client, "taken"))
    before = (key_count(engine), audit_rows(engine))
    response = settings_post(admin_client, "/settings/api-keys", form)
    assert response.status_code == 400
    assert soup(response).find(id="auth-error").get_text(strip=True).startswith(message)
    assert soup(response).find(id="new-api-key") is None
    assert (key_count(engine), audit_rows(engine)) == before


def test_revoking_a_key_that_is_gone_is_400_and_changes_nothing(admin_client, engine):
    before = audit_rows(engine)
    response = settings_post(admin_client, "/settings/api-keys/revoke", {"name": "nobody", "key_id": "1"})
    assert response.status_code == 400
    assert soup(response).find(id="auth-error").get_text(strip=True) == "No API key named 'nobody' is in use."
    assert audit_rows(engine) == before


def test_an_invitation_made_on_the_page_registers_one_account_and_can_be_withdrawn(make_app, engine, admin):
    from tests.conftest import ADMIN_PASSWORD, login

    app = make_app(registration="invite")
    admin_client = app.server.test_client()
    assert login(admin_client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 302
    made = settings_post(admin_client, "/settings/invites", {"days": "3"})
    assert made.status_code == 200
    link = soup(made).find(id="new-invite-link")["value"]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost", "/register")
    token = parse_qs(parts.query)["invite"][0]
    pending = soup(made).find(id="pending-invites").select("tbody tr[data-number]")
    assert len(pending) == 1
    number = pending[0]["data-number"]

    visitor = app.server.test_client()
    form = {"name": "Ivy Invited", "email": "ivy@example.com", "password": "invited and welcome", "age": "29"}
    registered = visitor.post(
        "/register",
        data={"csrf_token": form_token(visitor, link), **form, "gender": "Female", "invite": token},
    )
    assert registered.status_code == 200, registered.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT role FROM users WHERE email = 'ivy@example.com'")).scalar_one() == "analyst"
    assert soup(admin_client.get("/settings")).find(id="pending-invites").select("tr[data-number]") == []

    second = settings_post(admin_client, "/settings/invites", {"days": "7"})
    second_token = parse_qs(urlsplit(soup(second).find(id="new-invite-link")["value"]).query)["invite"][0]
    second_number = soup(second).find(id="pending-invites").select_one("tr[data-number]")["data-number"]
    withdrawn = settings_post(admin_client, "/settings/invites/withdraw", {"invite_id": second_number})
    assert withdrawn.status_code == 200
    assert soup(withdrawn).find(id="pending-invites").select("tr[data-number]") == []
    refused = visitor.get(f"/register?invite={second_token}")
    assert "This invitation link cannot be used" in refused.get_data(as_text=True)
    again = settings_post(admin_client, "/settings/invites/withdraw", {"invite_id": second_number})
    assert again.status_code == 400
    assert [row[1:] for row in audit_rows(engine)[1:]] == [
        ("invite.create", f"invitation #{number}", "valid 3 days"),
        ("invite.create", f"invitation #{second_number}", "valid 7 days"),
        ("invite.withdraw", f"invitation #{second_number}", ""),
    ]
    assert settings_events(engine) == {
        "settings_create_invite": (2, {admin.id}),
        "settings_withdraw_invite": (2, {admin.id}),
    }


@pytest.mark.parametrize("days", ["0", "91", "seven", ""])
def test_an_invitation_outside_1_to_90_days_is_400_and_makes_nothing(admin_client, engine, days):
    response = settings_post(admin_client, "/settings/invites", {"days": days})
    assert response.status_code == 400
    assert soup(response).find(id="auth-error").get_text(strip=True) == "An invitation is valid for 1 to 90 days."
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM invites")).scalar_one() == 0


def test_the_dashboard_links_admins_to_the_settings_page_and_not_analysts(admin_client, logged_in_client):
    assert 'id="settings-link"' not in logged_in_client.get("/_dash-layout").get_data(as_text=True)
    assert '"id":"settings-link"' in admin_client.get("/_dash-layout").get_data(as_text=True).replace(" ", "")


def test_every_id_of_the_settings_page_is_in_the_registry(admin_client):
    """With a new key and a new link shown, a key row and an invitation row: the page has every registered id, and
    each id of its forms and tables is registered (layouts/ids.py; the header's ids are the dashboard's)."""
    from layouts import ids

    created = create_key(admin_client, "etl")
    assert created.status_code == 200
    page = soup(settings_post(admin_client, "/settings/invites", {"days": "7"}))
    on_page = {element["id"] for element in page.find_all(id=True)}
    expected = set(ids.SETTINGS_IDS) - {ids.NEW_API_KEY, ids.COPY_API_KEY, ids.SETTINGS_ERROR, ids.API_KEY_REVOKE}
    expected -= {ids.INVITE_WITHDRAW}
    assert expected <= on_page
    assert soup(created).find(id=ids.NEW_API_KEY) and soup(created).find(id=ids.COPY_API_KEY)
    header = {ids.HEADER, ids.ANALYST_NAME, ids.LOGOUT_FORM, ids.LOGOUT_BUTTON}
    # the sections' headings (aria-labelledby)
    header |= {"keys-heading", "invites-heading", "people-heading", "audit-heading"}
    per_row = {i for i in on_page if i.startswith((ids.API_KEY_REVOKE + "-", ids.INVITE_WITHDRAW + "-"))}
    assert len(per_row) == 2
    assert on_page - per_row - header <= set(ids.SETTINGS_IDS)
