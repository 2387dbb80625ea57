"""With the database stopped (a real outage: this test's database refuses connections), the dashboard's callbacks get
an answer Dash's renderer can show: the status banner, and no data. (The auth pages' answers in an outage are tested
in tests/security/test_input_limits.py.)"""

from __future__ import annotations

from devtools.dash_requests import update_request
from tests.dash_client import csrf_header, data_dep, filter_values


def test_a_callback_while_the_database_is_down_shows_the_banner_and_no_data(logged_in_client, known, database_down):
    dep = data_dep(logged_in_client)
    headers = csrf_header(logged_in_client)
    database_down()
    body = update_request(dep, filter_values(), ["refresh-button.n_clicks"])
    response = logged_in_client.post("/_dash-update-component", json=body, headers=headers)
    assert response.status_code == 200  # Dash's renderer reads only a 200's body
    assert response.get_json() == {
        "multi": True,
        "response": {},
        "sideUpdate": {
            "status-banner.hidden": False,
            "status-banner-outage.hidden": False,
            "status-banner-behind.hidden": True,
        },
    }
    assert response.headers["Retry-After"] == "2"


def test_without_a_session_a_callback_is_still_refused(client, database_down):
    database_down()
    response = client.post("/_dash-update-component", json={"output": "x.y", "inputs": [], "changedPropIds": []})
    assert response.status_code == 401  # no session to check: refused as always, the database is not asked
