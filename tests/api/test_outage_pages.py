"""With the database stopped (a real outage: this test's database refuses connections), a logged-in browser gets
answers it can show: the login and registration forms, a logout page with its message, and for the dashboard's
callbacks an answer that shows the status banner and carries no data."""

from __future__ import annotations

from devtools.dash_requests import update_request
from tests.conftest import form_token
from tests.dash_client import csrf_header, data_dep, filter_values

UNAVAILABLE = "The database is unavailable; retry shortly."


def test_the_auth_pages_answer_on_the_page_with_a_session_cookie(logged_in_client, database_down):
    token = form_token(logged_in_client)
    database_down()
    for path in ("/login", "/register"):
        page = logged_in_client.get(path)
        assert page.status_code == 200, path  # the form, styled; it needs no database to show
        assert 'href="/assets/vendor/bootstrap.min.css"' in page.get_data(as_text=True)
    response = logged_in_client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert 'id="auth-error"' in response.get_data(as_text=True)
    assert UNAVAILABLE in response.get_data(as_text=True)
    assert 'id="logout-retry"' in response.get_data(as_text=True)  # and a button to try again


def test_a_callback_while_the_database_is_down_shows_the_banner_and_no_data(logged_in_client, known, database_down):
    dep = data_dep(logged_in_client)
    headers = csrf_header(logged_in_client)
    database_down()
    body = update_request(dep, filter_values(), ["refresh-button.n_clicks"])
    response = logged_in_client.post("/_dash-update-component", json=body, headers=headers)
    assert response.status_code == 200  # Dash's renderer reads only a 200's body
    assert response.get_json() == {"multi": True, "response": {}, "sideUpdate": {"status-banner.hidden": False}}
    assert response.headers["Retry-After"] == "2"


def test_without_a_session_a_callback_is_still_refused(client, database_down):
    database_down()
    response = client.post("/_dash-update-component", json={"output": "x.y", "inputs": [], "changedPropIds": []})
    assert response.status_code == 401  # no session to check: refused as always, the database is not asked
