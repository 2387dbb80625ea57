"""GET /api/v1/stats with an API key instead of a session (the key check lives in api/auth.py)."""

from __future__ import annotations

from appstate import state
from tests.api.conftest import new_event, post_events

STATS = "/api/v1/stats?start=2026-11-01&end=2026-11-30"


def test_stats_accepts_an_api_key_and_counts_ingested_events(client, auth):
    events = [new_event("export_csv", occurred_at="2026-11-10T12:00:00+00:00") for _ in range(3)]
    events.append(new_event("share", occurred_at="2026-11-11T12:00:00+00:00"))
    assert post_events(client, auth, events).status_code == 202
    response = client.get(STATS, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["total_clicks"] == 4
    assert body["top_feature"] == {"name": "export_csv", "clicks": 3}
    assert {row["feature"]: row["clicks"] for row in body["by_feature"]} == {"export_csv": 3, "share": 1}


def test_stats_refuses_bad_and_revoked_keys(dash_app, client, auth):
    assert client.get(STATS, headers={"Authorization": "Bearer cb_wrong"}).status_code == 401
    assert client.get(STATS).status_code == 401
    assert client.get(STATS, headers=auth).status_code == 200
    state(dash_app.server).api_keys.revoke("test-client")  # revoked by this app: refused at once
    response = client.get(STATS, headers=auth)
    assert response.status_code == 401
    assert response.get_json()["error"]
