"""Unauthenticated access: every protected endpoint refuses, the public ones answer without a login.

The list of public paths here is the specification (README, "Using the dashboard"), written independently of
auth/gate.py; `test_every_route_of_the_app_is_protected_unless_public` walks the real URL map, so a route added later
is covered.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from devtools.dash_requests import update_request

PUBLIC_EXACT = {
    "/login",
    "/register",
    "/logout",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/events",
    "/api/v1/stats",
    "/_favicon.ico",
}
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
DASH_ENDPOINTS = ["/_dash-layout", "/_dash-dependencies", "/_reload-hash"]
LAYOUT_MARKERS = ["props", "namespace", "stat-total-clicks", "date-range", "feature-bar-chart"]


def assert_redirects_to_login(response, expected_next: str):
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("", "", "/login")
    assert parse_qs(location.query)["next"] == [expected_next]


def assert_json_401_without_data(response):
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "details"}
    assert body["details"] == []
    text_ = response.get_data(as_text=True)
    for marker in LAYOUT_MARKERS:
        assert marker not in text_


# -- pages -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected_next"),
    [
        ("/", "/"),
        ("/?start=2026-01-01", "/?start=2026-01-01"),
        ("/dashboard", "/dashboard"),
        ("/some/deep/page?x=1&y=2", "/some/deep/page?x=1&y=2"),
        ("/login/", "/login/"),  # only the exact public paths are public
        ("/assets", "/assets"),
        ("/static/x.css", "/static/x.css"),
    ],
)
def test_pages_redirect_to_login_with_a_local_next(client, path, expected_next):
    assert_redirects_to_login(client.get(path), expected_next)


def test_head_of_a_page_redirects_too(client):
    assert_redirects_to_login(client.head("/"), "/")


def test_the_dashboard_page_is_served_after_login(logged_in_client):
    response = logged_in_client.get("/")
    assert response.status_code == 200
    assert "_dash-config" in response.get_data(as_text=True)


# -- Dash's own endpoints ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DASH_ENDPOINTS)
def test_dash_endpoints_answer_401_json_with_no_data(client, path):
    assert_json_401_without_data(client.get(path))


def test_dash_layout_and_dependencies_do_carry_data_once_logged_in(logged_in_client):
    """The counterpart of the 401 test: proves the markers it looks for would be there."""
    layout = logged_in_client.get("/_dash-layout")
    assert layout.status_code == 200
    assert "stat-total-clicks" in layout.get_data(as_text=True)
    dependencies = logged_in_client.get("/_dash-dependencies")
    assert dependencies.status_code == 200
    assert len(dependencies.get_json()) > 0


def _a_real_callback_request(dash_app) -> dict:
    """A POST body for the app's first callback, built from its real dependency list."""
    client = dash_app.server.test_client()
    from tests.conftest import login

    assert login(client).status_code == 302
    callback = client.get("/_dash-dependencies").get_json()[0]
    return update_request(callback, {}, [])


def test_dash_update_component_answers_401_json_and_runs_nothing(dash_app, client, analyst, engine):
    payload = _a_real_callback_request(dash_app)
    response = client.post("/_dash-update-component", json=payload)
    assert_json_401_without_data(response)
    assert "response" not in response.get_json()
    with engine.connect() as conn:  # no callback ran, so nothing was tracked either
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 0


def test_post_to_a_page_path_is_401_not_a_redirect(client):
    assert_json_401_without_data(client.post("/", data={"x": "1"}))


# -- the API -----------------------------------------------------------------------------------------------------


def test_stats_api_answers_401_json_without_a_session_or_key(client):
    response = client.get("/api/v1/stats?start=2026-01-01&end=2026-01-31")
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error", "details"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "total_clicks" not in response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["Bearer not-a-key", "Bearer ", "Basic YTpi", "not-a-scheme"])
def test_stats_api_refuses_a_bad_authorization_header(client, header):
    response = client.get("/api/v1/stats?start=2026-01-01&end=2026-01-31", headers={"Authorization": header})
    assert response.status_code == 401
    assert "total_clicks" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/stats", "/api/"])
def test_unknown_api_paths_answer_json_not_a_redirect_or_a_page(client, path):
    """api/errors.py answers unknown API paths with a JSON 404 before the login gate; either is fine, as long as it
    is JSON with no data and never Dash's HTML page."""
    response = client.get(path)
    assert response.status_code in (401, 404)
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error", "details"}


# -- public paths ------------------------------------------------------------------------------------------------


def test_login_and_register_pages_need_no_login(client):
    assert client.get("/login").status_code == 200
    assert client.get("/register").status_code == 200


def test_static_assets_need_no_login(client, logged_in_client_for_assets):
    assert client.get("/assets/vendor/bootstrap.min.css").status_code == 200
    assert client.get("/_favicon.ico").status_code == 200
    for path in logged_in_client_for_assets:  # the scripts the dashboard page really loads
        assert client.get(path).status_code == 200, path


@pytest.fixture
def logged_in_client_for_assets(dash_app, analyst) -> list[str]:
    """The /_dash-component-suites/ URLs in the dashboard page's HTML, as seen by a logged-in analyst."""
    from tests.conftest import login

    other = dash_app.server.test_client()
    assert login(other).status_code == 302
    html = other.get("/").get_data(as_text=True)
    paths = re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)
    assert paths, "the dashboard page loads no component suites?"
    return paths[:5]


def test_healthz_needs_no_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ingestion_needs_no_session_only_a_key(client, api_key):
    event = {"feature": "export_csv"}
    without_key = client.post("/api/v1/events", json={"events": [event]})
    assert without_key.status_code == 401  # the endpoint's own refusal
    assert "Location" not in without_key.headers
    with_key = client.post("/api/v1/events", json={"events": [event]}, headers={"Authorization": f"Bearer {api_key}"})
    assert with_key.status_code == 202, with_key.get_data(as_text=True)


# -- tricks ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../_dash-layout",
        "/assets/%2e%2e/_dash-layout",
        "//_dash-layout",
        "/_dash-layout/",
        "/_dash-component-suites/../_dash-layout",
        "/_DASH-LAYOUT",
    ],
)
def test_path_tricks_do_not_reach_dash_data(client, path):
    response = client.get(path)
    assert response.status_code in (302, 308, 401, 404), response.status_code
    text_ = response.get_data(as_text=True)
    for marker in LAYOUT_MARKERS:
        assert marker not in text_


# -- every route -------------------------------------------------------------------------------------------------


def _is_public(path: str) -> bool:
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def _sample_path(rule: str) -> str:
    return re.sub(r"<[^>]+>", "x", rule)


def test_every_route_of_the_app_is_protected_unless_public(dash_app, client):
    checked = []
    for rule in dash_app.server.url_map.iter_rules():
        path = _sample_path(rule.rule)
        if _is_public(path):
            continue
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            response = client.open(path, method=method, json={} if method != "GET" else None)
            if method == "GET" and not path.startswith(("/_", "/api/")):
                assert_redirects_to_login(response, path)
            else:
                assert_json_401_without_data(response)
            checked.append((method, path))
    assert ("GET", "/") in checked
    assert ("POST", "/_dash-update-component") in checked
    assert ("GET", "/_dash-layout") in checked


# -- database down -----------------------------------------------------------------------------------------------


def test_a_session_cannot_be_checked_while_the_database_is_down(logged_in_client, database_down):
    database_down()
    page = logged_in_client.get("/")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "2"
    assert page.mimetype == "text/html"  # the styled page, like the login page
    assert 'href="/assets/vendor/bootstrap.min.css"' in page.get_data(as_text=True)
    assert 'id="auth-error"' in page.get_data(as_text=True)
    assert "The database is unavailable; retry shortly." in page.get_data(as_text=True)
    layout = logged_in_client.get("/_dash-layout")
    assert layout.status_code == 503
    assert layout.headers["Retry-After"] == "2"
    assert set(json.loads(layout.get_data(as_text=True))) == {"error", "details"}


def test_login_and_register_say_the_database_is_down_instead_of_crashing(client, analyst, database_down):
    from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD, form_token

    token = form_token(client)  # the form was open before the database went away
    database_down()
    response = client.post(
        "/login", data={"csrf_token": token, "email": ANALYST_EMAIL, "password": ANALYST_PASSWORD, "next": "/x"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert "The database is unavailable; retry shortly." in response.get_data(as_text=True)
    assert 'id="auth-error"' in response.get_data(as_text=True)
    response = client.post(
        "/register",
        data={
            "csrf_token": token,
            "name": "N",
            "email": "n@example.com",
            "password": "a long enough passphrase",
            "age": "30",
            "gender": "Male",
        },
    )
    assert response.status_code == 503
    assert "The database is unavailable; retry shortly." in response.get_data(as_text=True)
    assert 'value="n@example.com"' in response.get_data(as_text=True)


# -- admins only ---------------------------------------------------------------------------------------------------

ADMIN_ONLY = "Only administrators can open this page. Ask one to make you an admin if you need it."


def _admin_routes(dash_app) -> list[tuple[str, str]]:
    """(method, path) of every route under /settings, from the live URL map."""
    routes = []
    for rule in dash_app.server.url_map.iter_rules():
        path = _sample_path(rule.rule)
        if path == "/settings" or path.startswith("/settings/"):
            routes += [(method, path) for method in sorted(rule.methods - {"OPTIONS", "HEAD"})]
    return routes


def test_every_settings_route_lives_under_the_admin_path(dash_app):
    """The gate protects by path: a route of the settings blueprint elsewhere would not be admin-only."""
    for rule in dash_app.server.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            assert rule.rule == "/settings" or rule.rule.startswith("/settings/"), rule.rule


def test_every_admin_route_is_refused_to_an_analyst_and_changes_nothing(dash_app, logged_in_client, engine):
    from tests.conftest import form_token

    routes = _admin_routes(dash_app)
    assert {("GET", "/settings"), ("POST", "/settings/api-keys"), ("POST", "/settings/api-keys/revoke")} <= set(routes)
    assert {("POST", "/settings/invites"), ("POST", "/settings/invites/withdraw")} <= set(routes)
    token = form_token(logged_in_client, "/account/password")  # a valid token of the analyst's own session
    form = {"csrf_token": token, "name": "stolen", "scope": ["ingest", "read"], "key_id": "1", "days": "7",
            "invite_id": "1"}  # fmt: skip
    for method, path in routes:
        response = logged_in_client.open(
            path, method=method, data=form if method != "GET" else None, headers={"Sec-Fetch-Site": "same-origin"}
        )
        assert response.status_code == 403, (method, path)
        assert ADMIN_ONLY in response.get_data(as_text=True)
        assert "api-keys" not in response.get_data(as_text=True)
    with engine.connect() as conn:
        for table in ("api_keys", "invites", "audit_log", "events"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table


def test_an_admin_is_let_through_and_a_demoted_one_is_refused_on_the_next_request(admin_client, admin, engine):
    assert admin_client.get("/settings").status_code == 200
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'analyst' WHERE id = :id"), {"id": admin.id})
    response = admin_client.get("/settings")
    assert response.status_code == 403
    assert ADMIN_ONLY in response.get_data(as_text=True)
